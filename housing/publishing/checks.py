"""Checks a built release must pass before it replaces the live site.

- every internal link and asset reference resolves to a file of the release;
- nothing (script, style, font, image) is loaded from another host;
- nothing runs but the site's own scripts (housing/publishing/site_scripts.py);
- the privacy scan: no tax-code pattern; no full name or tax code of any
  household member or of a private landlord without consent; no street address
  (street and number) of a home lived in by a programme tenant.

The scan works on word n-grams, whatever the punctuation or case: each file is
turned into its list of words once, and the watchlist is indexed by the first
word of each phrase, so thousands of names and addresses cost one dictionary
lookup per word. What the checks need of each chunk of a file between blank
lines (its words, tax-code patterns, links and loading tags) is memoised: the
10,000 offer pages share all their chunks but five (title, anchor, canonical
address, body), and a blank line never holds part of a word, an entity, a tax
code or an attribute of the generated HTML, so the result is the same as for the
whole file at once. Links climbing out of a page's folder ("../") are resolved
once for all the pages of the folder.

Each file is read once for the four checks, in worker processes
(``python -m housing.publishing.checks``, one per CPU); the watchlist reaches
them through a pipe, never through a file.
"""
import html
import json
import os
import posixpath
import re
import subprocess
import sys
from urllib.parse import unquote, urlsplit

from housing import paths
from housing.publishing import children
from housing.publishing.site_scripts import active_findings, site_script_hashes

PROJECT = paths.PACKAGE_ROOT
TEXT_SUFFIXES = {".html", ".json", ".xml", ".txt", ".js", ".md", ".yaml", ".csv", ".svg"}
TAX_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Ea-eHhLlMmPpR-Tr-t][0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z](?![A-Za-z0-9])")
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Chunks of a file for the memo: whitespace never holds part of a word, an entity or a tax code.
BLANK_LINES = re.compile(r"\n\s*\n")
LINK = re.compile(r'(?:href|src)="([^"]*)"')
CHILD = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*/?")  # a file or folder of the linking page's own folder
# Tools the theme ships whose code contains letter runs that look like codes.
SKIP_SCAN = ("assets/javascripts/", "assets/stylesheets/")
STREET_WORDS = {"via", "viale", "corso", "piazza", "piazzale", "largo", "vicolo", "vico", "salita", "lungomare", "contrada"}
LOADING_TAG = re.compile(r"<(script|link|img|iframe|source)\b[^>]*>", re.I)
REMOTE = re.compile(r'(?:src|href)="(?:https?:)?//', re.I)
NOT_LOADED = re.compile(r'rel="(?:canonical|alternate|prev|next)"', re.I)
ACTIVE_SUFFIXES = (".html", ".svg")


class CheckFailed(RuntimeError):
    """The release is refused; ``problems`` lists each finding."""

    def __init__(self, kind, problems):
        self.kind, self.problems = kind, problems
        super().__init__(f"{kind}: {len(problems)} problem(s), e.g. {problems[0]}")


def words(text):
    return WORD.findall(text.lower())


class Watchlist:
    """What must never appear: person names, tax codes, protected addresses."""

    def __init__(self, names=(), codes=(), addresses=()):
        self.labels = {}  # phrase (tuple of words) -> "name" or "address"
        for kind, phrases in (("name", names), ("address", addresses)):
            for phrase in phrases:
                tokens = tuple(words(phrase))
                if len(tokens) >= 2:
                    self.labels[tokens] = kind
        self.codes = {c.strip().upper() for c in codes if c}
        self.first = {}  # first word -> the lengths of the phrases it starts
        for gram in self.labels:
            self.first.setdefault(gram[0], set()).add(len(gram))
        self.first = {word: sorted(lengths) for word, lengths in self.first.items()}

    @classmethod
    def from_database(cls):
        from housing.vocabulary import PROTECTED_CONTRACT_TYPES
        from models import Dwelling, ErpAssignment, Landlord, Offer, Person

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

    def to_json(self):
        return {"phrases": [[" ".join(gram), kind] for gram, kind in self.labels.items()], "codes": sorted(self.codes)}

    @classmethod
    def from_json(cls, data):
        watchlist = cls()
        watchlist.labels = {tuple(phrase.split(" ")): kind for phrase, kind in data["phrases"]}
        watchlist.codes = set(data["codes"])
        for gram in watchlist.labels:
            watchlist.first.setdefault(gram[0], set()).add(len(gram))
        watchlist.first = {word: sorted(lengths) for word, lengths in watchlist.first.items()}
        return watchlist

    def match(self, tokens, patterns=(), starts=None, long_tokens=None):
        """Findings (kind, value) among the words of a text and its tax-code-like strings.

        ``starts`` (the positions of words that begin a phrase) and ``long_tokens``
        (the 16-letter words) may be given when already known (the scanner's memo).
        """
        found = [("tax-code pattern", code) for code in patterns]
        # A name is exempt only when every occurrence follows a street word
        # ("Via Vincenzo Giuffrida"): streets named after people are addresses, not people.
        reported = set()
        first, labels, size = self.first, self.labels, len(tokens)
        if starts is None:
            begin = first.keys() & set(tokens)  # most pages start no phrase at all
            starts = [i for i, token in enumerate(tokens) if token in begin] if begin else ()
        for i in starts:
            for n in first[tokens[i]]:
                if i + n > size:
                    break
                gram = tuple(tokens[i:i + n])
                kind = labels.get(gram)
                if kind is None or gram in reported:
                    continue
                if kind == "address" or i == 0 or tokens[i - 1] not in STREET_WORDS:
                    reported.add(gram)
                    found.append((kind, " ".join(gram)))
        codes = self.codes
        if long_tokens is None:
            long_tokens = [token for token in tokens if len(token) == 16]
        found += [("tax code", token.upper()) for token in set(long_tokens) if token.upper() in codes]
        return found

    def find(self, text):
        """Findings (kind, value) in ``text`` (already unescaped)."""
        return self.match(words(text), TAX_CODE.findall(text))


class Scanner:
    """The four checks of one release, one read per file, lines memoised (see the module's notes)."""

    MEMO_LIMIT = 200_000

    def __init__(self, root, watchlist, files, script_hashes=None):
        self.root, self.watchlist, self.files, self.memo, self.resolved = root, watchlist, files, {}, {}
        self.script_hashes = site_script_hashes() if script_hashes is None else script_hashes

    def chunk(self, chunk):
        """What the checks need of one chunk of a file, computed once per distinct chunk."""
        hit = self.memo.get(chunk)
        if hit is None:
            if len(self.memo) > self.MEMO_LIMIT:
                self.memo.clear()
            text = html.unescape(chunk)
            tokens = WORD.findall(text.lower())
            first = self.watchlist.first
            hit = self.memo[chunk] = (
                tokens, TAX_CODE.findall(text), [i for i, w in enumerate(tokens) if w in first],
                [w for w in tokens if len(w) == 16], LINK.findall(chunk),
                [tag.group(0)[:120] for tag in LOADING_TAG.finditer(chunk)
                 if REMOTE.search(tag.group(0)) and not NOT_LOADED.search(tag.group(0))],
                active_findings(chunk, self.script_hashes) if "<" in chunk else [])
        return hit

    def privacy(self, raw, chunks=None):
        tokens, patterns, starts, long_tokens = [], [], [], []
        for hit in chunks if chunks is not None else map(self.chunk, BLANK_LINES.split(raw)):
            if hit[0]:
                if hit[2]:
                    offset = len(tokens)
                    starts += [offset + i for i in hit[2]]
                tokens += hit[0]
                patterns += hit[1]
                long_tokens += hit[3]
        return self.watchlist.match(tokens, patterns, starts, long_tokens)

    def links(self, relative, chunks):
        folder = posixpath.dirname(relative)
        targets = {target for hit in chunks for target in hit[4]}
        return [f"{relative} -> {target}" for target in targets if not self.resolves(folder, target)]

    def resolves(self, folder, target):
        """True when ``target``, linked from a page in ``folder``, is a file of the release (or not local)."""
        if target.startswith(("#", "mailto:", "tel:", "data:")):
            return True
        if CHILD.fullmatch(target):  # "O00001/", "page.html": nothing to unescape, split or climb (the listings)
            found = f"{folder}/{target.rstrip('/')}" if folder else target.rstrip("/")
            return found in self.files or f"{found}/index.html" in self.files
        # "../" climbs out of the page's own folder: 10,000 offer pages then share one answer.
        climbed = False
        while target.startswith("../") and folder and not target.startswith("..//"):
            folder, target, climbed = posixpath.dirname(folder), target[3:], True
        key = (folder, target, climbed)
        known = self.resolved.get(key)
        if known is None:
            parts = urlsplit(html.unescape(target))
            if parts.scheme or parts.netloc or (not parts.path and not climbed):
                known = True  # another host, or this very page
            else:
                path = unquote(parts.path)
                found = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path))
                known = not found.startswith("..") and (found in self.files or posixpath.join(found, "index.html") in self.files
                                                        or (found == "." and "index.html" in self.files))
            self.resolved[key] = known
        return known

    def scan(self, relative):
        """(broken links, external resources, privacy findings, active content) of one file of the release."""
        with open(os.path.join(self.root, relative), encoding="utf-8", errors="replace") as handle:
            raw = handle.read()
        memo = self.memo
        chunks = [memo.get(chunk) or self.chunk(chunk) for chunk in BLANK_LINES.split(raw)]
        links, external, private, active = [], [], [], []
        if relative.endswith(".html"):
            links = self.links(relative, chunks)
            external = [f"{relative}: {tag}" for hit in chunks for tag in hit[5]]
        if relative.endswith(ACTIVE_SUFFIXES):
            active = [f"{relative}: {problem}" for hit in chunks for problem in hit[6]]
        if not relative.startswith(SKIP_SCAN) and os.path.splitext(relative)[1].lower() in TEXT_SUFFIXES:
            private = [f"{relative}: {kind} «{value}»" for kind, value in self.privacy(raw, chunks)]
        return links, external, private, active


def release_files(root):
    """Every file of the release, as paths relative to ``root`` with forward slashes."""
    files = set()
    for folder, _, names in os.walk(root):
        prefix = os.path.relpath(folder, root).replace(os.sep, "/")
        files.update(name if prefix == "." else f"{prefix}/{name}" for name in names)
    return files


KINDS = ("links", "external", "privacy", "active")


def scan(root, watchlist, files=None, workers=None, only=None):
    """Run the checks over the release; returns {"links", "external", "privacy", "active"}: lists of problems.

    ``only``: check these files alone (an incremental publication: the pages it built), their links
    resolved against every file of the release."""
    root = os.path.realpath(root)
    files = release_files(root) if files is None else files
    todo = sorted(f for f in (files if only is None else only) if f.endswith(".html") or os.path.splitext(f)[1].lower() in TEXT_SUFFIXES)
    workers = workers or max(1, min(os.cpu_count() or 1, len(todo) // 500))  # a worker costs ~0.1 s to start
    if workers == 1:
        return {key: sorted(found) for key, found in _scan_all(root, watchlist, files, todo).items()}
    payloads = [json.dumps({"root": root, "files": sorted(files), "todo": todo[k::workers], "watchlist": watchlist.to_json()})
                for k in range(workers)]
    processes = []
    for payload in payloads:  # a worker reads its whole request before it writes anything: no deadlock
        # a worker ends with the publisher, even one killed outright (children.py)
        process = subprocess.Popen(children.command("housing.publishing.checks"), cwd=PROJECT,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
        process.stdin.write(payload)
        process.stdin.close()
        processes.append(process)
    results = []
    for process in processes:
        with process.stdout:
            output = process.stdout.read()
        if process.wait() != 0:
            raise RuntimeError(f"check worker failed with exit code {process.returncode}")
        results.append(json.loads(output))
    return {key: sorted(p for r in results for p in r[key]) for key in KINDS}


def _scan_all(root, watchlist, files, todo):
    scanner = Scanner(root, watchlist, files)
    found = {key: [] for key in KINDS}
    for relative in todo:
        for key, problems in zip(KINDS, scanner.scan(relative)):
            found[key] += problems
    return found


def link_check(root):
    """Every local href/src of every HTML page points to a file of the release.

    Paths are resolved as strings against the set of the release's files: no
    system call per link (10,000 pages carry half a million links).
    """
    root = os.path.realpath(root)
    files = release_files(root)
    scanner = Scanner(root, Watchlist(), files)
    problems = [p for f in sorted(files) if f.endswith(".html") for p in scanner.scan(f)[0]]
    if problems:
        raise CheckFailed("broken links", sorted(problems))


def external_references(root):
    """Scripts, styles, fonts or images loaded from another host (the site must work offline).

    Plain links (a canonical URL, a partner's website) are fine: nothing is fetched.
    """
    root = os.path.realpath(root)
    scanner = Scanner(root, Watchlist(), set())
    return [p for f in sorted(release_files(root)) if f.endswith(".html") for p in scanner.scan(f)[1]]


def active_content(root):
    """Scripts, event handlers, script URLs and frames that are not the site's own (see the module's notes)."""
    return scan(root, Watchlist())["active"]


def privacy_scan(root, watchlist):
    problems = scan(root, watchlist)["privacy"]
    if problems:
        raise CheckFailed("privacy scan", problems)


def check_release(root, watchlist, workers=None, only=None):
    raise_findings(scan(root, watchlist, workers=workers, only=only))


def raise_findings(found):
    for kind, key in (("broken links", "links"), ("external resources", "external"), ("active content", "active"),
                      ("privacy scan", "privacy")):
        if found[key]:
            raise CheckFailed(kind, found[key])


if __name__ == "__main__":  # a worker of scan(): a JSON request on stdin, the findings as JSON on stdout
    request = json.load(sys.stdin)
    result = _scan_all(request["root"], Watchlist.from_json(request["watchlist"]), set(request["files"]), request["todo"])
    json.dump(result, sys.stdout)
