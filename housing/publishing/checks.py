"""Checks a built release must pass before it replaces the live site.

- every internal link and asset reference resolves to a file of the release;
- the privacy scan: no tax-code pattern; no full name or tax code of any
  household member or of a private landlord without consent; no street address
  (street and number) of a home lived in by a programme tenant.

The scan works on word n-grams, so one pass over each file checks thousands of
names and addresses at once, whatever the punctuation or case.
"""
import html
import pathlib
import posixpath
import re
from urllib.parse import unquote, urlsplit

from housing.vocabulary import PROTECTED_CONTRACT_TYPES
from models import Dwelling, ErpAssignment, Landlord, Offer, Person

TEXT_SUFFIXES = {".html", ".json", ".xml", ".txt", ".js", ".md", ".yaml", ".csv", ".svg"}
TAX_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Ea-eHhLlMmPpR-Tr-t][0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z](?![A-Za-z0-9])")
WORD = re.compile(r"[^\W_]+", re.UNICODE)
LINK = re.compile(r'(?:href|src)="([^"]*)"')
# Tools the theme ships whose code contains letter runs that look like codes.
SKIP_SCAN = ("assets/javascripts/", "assets/stylesheets/")


class CheckFailed(RuntimeError):
    """The release is refused; ``problems`` lists each finding."""

    def __init__(self, kind, problems):
        self.kind, self.problems = kind, problems
        super().__init__(f"{kind}: {len(problems)} problem(s), e.g. {problems[0]}")


def words(text):
    return WORD.findall(text.lower())


def ngrams(tokens, n):
    return set(zip(*(tokens[i:] for i in range(n))))


STREET_WORDS = {"via", "viale", "corso", "piazza", "piazzale", "largo", "vicolo", "vico", "salita", "lungomare", "contrada"}


def only_in_street_names(tokens, gram):
    """True when every occurrence of ``gram`` follows a street word ("Via Vincenzo Giuffrida"):
    streets named after people are published addresses, not people."""
    n = len(gram)
    starts = [i for i in range(len(tokens) - n + 1) if tuple(tokens[i:i + n]) == gram]
    return all(i > 0 and tokens[i - 1] in STREET_WORDS for i in starts)


class Watchlist:
    """What must never appear: person names, tax codes, protected addresses."""

    def __init__(self, names=(), codes=(), addresses=()):
        self.by_length = {}
        self.labels = {}
        for kind, phrases in (("name", names), ("address", addresses)):
            for phrase in phrases:
                tokens = tuple(words(phrase))
                if len(tokens) >= 2:
                    self.by_length.setdefault(len(tokens), set()).add(tokens)
                    self.labels[tokens] = kind
        self.codes = {c.strip().upper() for c in codes if c}

    @classmethod
    def from_database(cls):
        names, codes = [], []
        for first, last, code in Person.select(Person.first_name, Person.last_name, Person.tax_code).tuples():
            names += [f"{first} {last}", f"{last} {first}"]
            codes.append(code)
        private = Landlord.select(Landlord.name, Landlord.tax_code).where(
            (Landlord.kind == "private_person") & (Landlord.public_name_consent == False)).tuples()  # noqa: E712
        for name, code in private:
            parts = name.split()
            names += [name, " ".join(parts[1:] + parts[:1])]
            codes.append(code)
        occupied = (Dwelling.select(Dwelling.address).where(
            Dwelling.id.in_(ErpAssignment.select(ErpAssignment.dwelling))
            | Dwelling.id.in_(Offer.select(Offer.dwelling).where(Offer.contract_type.in_(sorted(PROTECTED_CONTRACT_TYPES)))))
            .tuples())
        addresses = [address for (address,) in occupied if re.search(r"\d", address or "")]
        # A landlord who consented is published by name; a beneficiary who merely
        # shares that name is not identified by it.
        consented = {tuple(words(name)) for (name,) in Landlord.select(Landlord.name).where(
            Landlord.public_name_consent == True).tuples()}  # noqa: E712
        consented |= {gram[::-1] for gram in consented}
        names = [name for name in names if tuple(words(name)) not in consented]
        return cls(names, codes, addresses)

    def find(self, text):
        """Findings (kind, value) in ``text``."""
        found = []
        for match in TAX_CODE.finditer(text):
            found.append(("tax-code pattern", match.group(0)))
        tokens = words(text)
        for length, phrases in self.by_length.items():
            for gram in ngrams(tokens, length) & phrases:
                if self.labels[gram] == "name" and only_in_street_names(tokens, gram):
                    continue
                found.append((self.labels[gram], " ".join(gram)))
        found += [("tax code", token.upper()) for token in set(tokens)
                  if len(token) == 16 and token.upper() in self.codes]
        return found


def text_files(root):
    for path in sorted(pathlib.Path(root).rglob("*")):
        if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES:
            yield path


def privacy_scan(root, watchlist):
    problems = []
    for path in text_files(root):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(SKIP_SCAN):
            continue
        text = html.unescape(path.read_text(encoding="utf-8", errors="replace"))
        for kind, value in watchlist.find(text):
            problems.append(f"{relative}: {kind} «{value}»")
    if problems:
        raise CheckFailed("privacy scan", problems)


def link_check(root):
    """Every local href/src of every HTML page points to a file of the release.

    Paths are resolved as strings against the set of the release's files: no
    system call per link (10,000 pages carry half a million links).
    """
    root = pathlib.Path(root).resolve()
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    problems = []
    for page in root.rglob("*.html"):
        folder = page.parent.relative_to(root).as_posix()
        for target in set(LINK.findall(page.read_text(encoding="utf-8", errors="replace"))):
            parts = urlsplit(html.unescape(target))
            if parts.scheme or parts.netloc or target.startswith(("#", "mailto:", "tel:", "data:")) or not parts.path:
                continue
            path = unquote(parts.path)
            joined = path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
            resolved = posixpath.normpath(joined)
            if resolved.startswith("..") or not (resolved in files or posixpath.join(resolved, "index.html") in files
                                                 or (resolved == "." and "index.html" in files)):
                problems.append(f"{page.relative_to(root)} -> {target}")
    if problems:
        raise CheckFailed("broken links", sorted(problems))


LOADING_TAG = re.compile(r"<(script|link|img|iframe|source)\b[^>]*>", re.I)
REMOTE = re.compile(r'(?:src|href)="(?:https?:)?//', re.I)
NOT_LOADED = re.compile(r'rel="(?:canonical|alternate|prev|next)"', re.I)


def external_references(root):
    """Scripts, styles, fonts or images loaded from another host (the site must work offline).

    Plain links (a canonical URL, a partner's website) are fine: nothing is fetched.
    """
    found = []
    for page in pathlib.Path(root).rglob("*.html"):
        for tag in LOADING_TAG.finditer(page.read_text(encoding="utf-8")):
            if REMOTE.search(tag.group(0)) and not NOT_LOADED.search(tag.group(0)):
                found.append(f"{page.relative_to(root).as_posix()}: {tag.group(0)[:120]}")
    return found


def check_release(root, watchlist):
    link_check(root)
    external = external_references(root)
    if external:
        raise CheckFailed("external resources", external)
    privacy_scan(root, watchlist)
