"""The release checks of an incremental publication: only what changed since the last checked release.

A full publication scans every file (``checks.scan``). After it is live, the
publisher keeps in its work folder (never in the public release) a *record*
of the shared files it checked (every file outside the offer page folders):
each one's SHA-256 and, for HTML, the local link targets it holds. The record
is valid for the next publication only when that one starts from the same
live release, with the same watchlist, the same checks code and the same
allowed scripts (``record_key``); otherwise everything is scanned again.

With a valid record, each shared file of the new release is:

- *unchanged* (same path, same SHA-256 as recorded): its content was checked
  and needs no new scan; its recorded link targets are resolved again against
  the files of the new release, so a page linking to a withdrawn offer is
  still a broken link;
- *changed, not HTML or SVG* (the open data, the JSON indexes, the manifest:
  only the privacy scan applies to them): compared with the live release's
  copy, accepted as the base only if its SHA-256 is the recorded one (what was
  checked, never what the disk says now); only the bytes that differ are
  scanned, widened on both sides to a separator (whitespace, ``"``, ``,``:
  never inside a word, a tax code or an entity) with enough whole words around
  them for every watched phrase that touches the change, and starting after a
  word that is not a street word (``checks.STREET_WORDS``: a name after one is
  an address, judged by the word before it);
- *new or anything else* (HTML, SVG, no base): scanned whole, as before.

Offer pages built by the publication are scanned whole; the reused ones are
the live release's bytes, checked when it was published (``incremental.py``).
"""
import hashlib
import html
import json
import os
import pathlib

from housing.publishing import checks, shards
from housing.publishing.site_scripts import site_script_hashes

RECORD = "checked-files.json"
VERSION = 1
SEPARATORS = (b" ", b"\n", b"\t", b"\r", b'"', b",")
WHOLE = (".html",) + checks.ACTIVE_SUFFIXES  # files whose links, tags or scripts are checked: scanned whole


def record_key(watched):
    """``watched``: "<live release> <watchlist hash>"; the checks' code and allowed scripts join it."""
    code = pathlib.Path(checks.__file__).read_bytes() + pathlib.Path(__file__).read_bytes()
    return hashlib.sha256(json.dumps([watched, hashlib.sha256(code).hexdigest(),
                                      sorted(site_script_hashes())]).encode()).hexdigest()


def load(work, key):
    try:
        record = json.loads((pathlib.Path(work) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record["files"] if record.get("version") == VERSION and record.get("key") == key else None


def save(work, key, files):
    path = pathlib.Path(work) / RECORD
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"version": VERSION, "key": key, "files": files}), encoding="utf-8")
    temporary.replace(path)


def forget(work):
    (pathlib.Path(work) / RECORD).unlink(missing_ok=True)


def _is_offer_file(relative):
    folder, _, rest = relative.partition("/")
    return folder == shards.OFFER_FOLDER and rest.startswith("O") and "/" in rest


def shared_files(files):
    return sorted(f for f in files if not _is_offer_file(f))


def _targets(raw):
    return sorted(set(checks.LINK.findall(raw.decode("utf-8", errors="replace"))))


def describe(root, relative, raw=None):
    """[SHA-256, link targets (HTML only)] of one checked file."""
    if raw is None:
        raw = (pathlib.Path(root) / relative).read_bytes()
    return [hashlib.sha256(raw).hexdigest(), _targets(raw) if relative.endswith(".html") else []]


def full_record(root, files=None):
    """The record of a release scanned whole."""
    files = checks.release_files(root) if files is None else files
    return {f: describe(root, f) for f in shared_files(files)}


def _common_prefix(a, b):
    low, high = 0, min(len(a), len(b))
    while low < high:  # slices compared by memcmp: a few dozen comparisons for megabytes
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a, b, limit):
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:] == b[len(b) - middle:]:
            low = middle
        else:
            high = middle - 1
    return low


def _words(data):
    return checks.words(html.unescape(data.decode("utf-8", errors="replace")))


def _back(data, position, needed):
    """A separator at or before ``position`` with ``needed`` whole words up to it, after a non-street word."""
    margin = 64
    while True:
        cut = max(data.rfind(separator, 0, max(0, position - margin)) for separator in SEPARATORS)
        if cut <= 0:
            return 0
        before = _words(data[max(0, cut - 256):cut])
        if len(_words(data[cut:position])) >= needed and not (before and before[-1] in checks.STREET_WORDS):
            return cut
        margin *= 2


def _forward(data, position, needed):
    margin = 64
    while True:
        found = [i for i in (data.find(s, position + margin) for s in SEPARATORS) if i >= 0]
        if not found:
            return len(data)
        cut = min(found)
        if len(_words(data[position:cut])) >= needed:
            return cut
        margin *= 2


def changed_text(old, new, longest):
    """The part of ``new`` (bytes) to scan so that every finding ``new`` has and ``old`` has not is in it."""
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    if prefix == len(new) and len(old) == len(new):
        return ""
    needed = longest + 2  # the word cut by the change, the phrase and the word before it
    start, end = _back(new, prefix, needed), _forward(new, len(new) - suffix, needed)
    return html.unescape(new[start:end].decode("utf-8", errors="replace"))


def scan(root, watchlist, only, live, record, workers=None, files=None):
    """``checks.scan`` of the files ``only`` of release ``root`` (its new files), using ``record``
    (the shared files checked in ``live``). ``files``: every file of the release, when known (the new
    files and those the merge linked), else listed here. Returns (findings, the new release's record)."""
    root = os.path.realpath(root)
    files = checks.release_files(root) if files is None else files
    longest = max((len(gram) for gram in watchlist.labels), default=1)
    whole, relink, private, new_record = [], [], [], {}
    for relative in sorted(only):
        if _is_offer_file(relative):
            whole.append(relative)
            continue
        raw = (pathlib.Path(root) / relative).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        known = record.get(relative)
        if known and known[0] == digest:  # the same bytes were checked in the live release
            new_record[relative] = known
            relink += [(relative, target) for target in known[1]]
            continue
        new_record[relative] = describe(root, relative, raw)
        base = _checked_base(live, relative, known)
        if base is None or relative.endswith(WHOLE):
            whole.append(relative)
            continue
        if relative.startswith(checks.SKIP_SCAN) or os.path.splitext(relative)[1].lower() not in checks.TEXT_SUFFIXES:
            continue
        text = changed_text(base, raw, longest)
        private += [f"{relative}: {kind} «{value}»" for kind, value in watchlist.find(text)]
    found = checks.scan(root, watchlist, files=files, workers=workers, only=whole)
    resolver = checks.Scanner(root, checks.Watchlist(), files, script_hashes=frozenset())
    found["links"] = sorted(found["links"] + [f"{relative} -> {target}" for relative, target in relink
                                              if not resolver.resolves(os.path.dirname(relative), target)])
    found["privacy"] = sorted(found["privacy"] + private)
    return found, new_record


def _checked_base(live, relative, known):
    """The live release's copy of ``relative`` when it is the checked one (its recorded SHA-256)."""
    if live is None or not known:
        return None
    try:
        base = (pathlib.Path(live) / relative).read_bytes()
    except OSError:
        return None
    return base if hashlib.sha256(base).hexdigest() == known[0] else None
