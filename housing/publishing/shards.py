"""Shard the Italian MkDocs build over several processes, then merge their outputs into one site.

MkDocs builds on one core. With 10,000 offer pages the Italian build is most of
a publication, so above ``SHARD_THRESHOLD`` offers it is split: every shard
builds the shared pages (the navigation, the listing, the guides, the assets)
plus its own contiguous part of the offer pages. Offer pages are outside the
navigation (``not_in_nav``) and nothing links to them as ``.md`` files, so an
offer page, and every shared page, comes out the same whichever shard builds it.

The merge makes the release equal to the unsharded build, byte for byte:

- the offer page folders of the other shards are moved into the first shard's
  output (the release);
- every other file must be identical in all shards (checked: a difference is a
  ``ShardError``), except the three files that list every page;
- ``search/search_index.json`` (Material): the shared pages' entries once, every
  offer page's entries, in MkDocs' page order, written as Material writes it;
- ``sitemap.xml`` and ``sitemap.xml.gz``: each URL once, in the same order, the
  gzip file written as MkDocs writes it (same header time and file name).
"""
import gzip
import html
import json
import os
import pathlib
import re
import shutil
import struct

from housing.publishing.pages import PATHS

# Below this many offers the Italian build stays in one process: starting MkDocs again and
# building the shared pages twice costs more than the split saves.
SHARD_THRESHOLD = 2000
# Processes for the Italian build above the threshold (never more than the CPUs).
SHARD_COUNT = 2

OFFER_FOLDER = PATHS["offers"]["it"]
# The files that list every page: rebuilt by the merge, not compared.
MERGED = ("search/search_index.json", "sitemap.xml", "sitemap.xml.gz")


class ShardError(RuntimeError):
    """The shard outputs cannot be merged into the site an unsharded build makes."""


def shard_count(offers, threshold=None, shards=None):
    """How many processes build the Italian site for ``offers`` offer pages."""
    threshold = SHARD_THRESHOLD if threshold is None else threshold
    if shards is None:
        shards = min(SHARD_COUNT, os.cpu_count() or 1) if offers >= threshold else 1
    return max(1, min(shards, offers or 1))


def offer_sources(docs):
    """The offer pages of a docs folder (``offerte/O….md``), in MkDocs' order (by name)."""
    folder = pathlib.Path(docs) / OFFER_FOLDER
    if not folder.is_dir():
        return []
    return sorted(f"{OFFER_FOLDER}/{name}" for name in os.listdir(folder)
                  if name.startswith("O") and name.endswith(".md") and (folder / name).is_file())


def split(offers, count):
    """``count`` contiguous parts of the (ordered) offer pages, sizes differing by one at most."""
    size, extra = divmod(len(offers), count)
    parts, start = [], 0
    for k in range(count):
        end = start + size + (1 if k < extra else 0)
        parts.append(offers[start:end])
        start = end
    return parts


def _link(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def write_docs(docs, target, offers, keep):
    """``target``: a docs folder with every file of ``docs`` except the offer pages not in ``keep``
    (hard links, copies where links are not possible)."""
    docs, target = pathlib.Path(docs), pathlib.Path(target)
    if target.exists():
        shutil.rmtree(target)
    leave_out = set(offers) - set(keep)
    for folder, _, names in os.walk(docs):
        relative = os.path.relpath(folder, docs)
        destination = target / relative
        destination.mkdir(parents=True, exist_ok=True)
        for name in names:
            source = name if relative == "." else f"{relative.replace(os.sep, '/')}/{name}"
            if source not in leave_out:
                _link(os.path.join(folder, name), destination / name)
    return target


def page_url(source):
    """``offerte/O00001.md`` -> ``offerte/O00001/`` (directory URLs)."""
    return source[:-len(".md")] + "/"


def _files(root, skip_folders):
    """Relative paths of the files under ``root``, leaving out the given page folders."""
    found = set()
    root = str(root)
    for folder, dirs, names in os.walk(root):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        relative = "" if relative == "." else relative + "/"
        dirs[:] = [d for d in dirs if relative + d + "/" not in skip_folders]
        found.update(relative + name for name in names)
    return found


def _same_file(a, b):
    if os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as x, open(b, "rb") as y:
        return x.read() == y.read()


def _merge_ordered(first, second, rank):
    """Merge two lists of (page URL, item) in MkDocs' page order.

    Offer pages (in ``rank``) are in one list only and ordered by ``rank``; shared pages are in
    both, in the same order, and kept once (from ``first``; they must be equal).
    """
    merged, i, j = [], 0, 0
    while i < len(first) or j < len(second):
        a = first[i] if i < len(first) else None
        b = second[j] if j < len(second) else None
        a_offer = a is not None and a[0] in rank
        b_offer = b is not None and b[0] in rank
        if b is None or (a_offer and (not b_offer or rank[a[0]] < rank[b[0]])):
            merged.append(a)
            i += 1
        elif a is None or b_offer:
            merged.append(b)
            j += 1
        else:
            if a != b:
                raise ShardError(f"the shards disagree on a shared page: {a[0]!r} / {b[0]!r}")
            merged.append(a)
            i += 1
            j += 1
    return merged


def _search_groups(path):
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    groups = []
    for entry in data["docs"]:
        url = entry["location"].split("#", 1)[0]
        if groups and groups[-1][0] == url:
            groups[-1][1].append(entry)
        else:
            groups.append((url, [entry]))
    return data["config"], groups


def merge_search(target, shard_files, rank):
    """One Material search index from the shards' (``target`` is also the first shard's)."""
    config, merged = _search_groups(shard_files[0])
    for path in shard_files[1:]:
        other_config, groups = _search_groups(path)
        if other_config != config:
            raise ShardError("the shards' search configurations differ")
        merged = _merge_ordered(merged, groups, rank)
    data = {"config": config, "docs": [entry for _, entries in merged for entry in entries]}
    # As Material's search plugin writes it (material/plugins/search/plugin.py).
    text = json.dumps(data, separators=(",", ":"), default=str)
    pathlib.Path(target).write_bytes(text.encode("utf-8"))
    return len(data["docs"])


_URL_BLOCK = re.compile(r"\s*<url>.*?</url>", re.S)
_LOC = re.compile(r"<loc>(.*?)</loc>", re.S)


def _sitemap_entries(path, site_url):
    text = pathlib.Path(path).read_text(encoding="utf-8")
    blocks = list(_URL_BLOCK.finditer(text))
    if not blocks:
        return text, "", []
    entries = []
    for block in blocks:
        loc = html.unescape(_LOC.search(block.group()).group(1))
        url = loc[len(site_url):] if loc.startswith(site_url) else loc
        entries.append((url, block.group()))
    return text[:blocks[0].start()], text[blocks[-1].end():], entries


def merge_sitemap(target, shard_files, rank, site_url):
    """One ``sitemap.xml`` (and its ``.gz``) from the shards'; ``target`` is the release's."""
    head, tail, merged = _sitemap_entries(shard_files[0], site_url)
    for path in shard_files[1:]:
        other_head, other_tail, entries = _sitemap_entries(path, site_url)
        if (other_head, other_tail) != (head, tail):
            raise ShardError("the shards' sitemaps differ outside their URLs")
        merged = _merge_ordered(merged, entries, rank)
    text = head + "".join(block for _, block in merged) + tail
    target = pathlib.Path(target)
    target.write_bytes(text.encode("utf-8"))
    # As MkDocs writes it (mkdocs/commands/build.py): the header time is the newest page date.
    stamps = []
    for path in shard_files:
        gz = pathlib.Path(str(path) + ".gz")
        if gz.exists():
            stamps.append(struct.unpack("<I", gz.read_bytes()[4:8])[0])
    gz_target = str(target) + ".gz"
    with open(gz_target, "wb") as f:
        with gzip.GzipFile(fileobj=f, filename=gz_target, mode="wb", mtime=max(stamps, default=0)) as gz_buf:
            gz_buf.write(text.encode("utf-8"))
    return len(merged)


def merge(release, others, parts, site_url):
    """Merge the shard outputs ``others`` (built from ``parts[1:]``) into ``release`` (built from
    ``parts[0]``): the site the unsharded build makes from all the parts."""
    release = pathlib.Path(release)
    ordered = sorted(source for part in parts for source in part)
    rank = {page_url(source): n for n, source in enumerate(ordered)}
    own = {page_url(source) for source in parts[0]}
    shared = _files(release, own)
    for other, part in zip(others, parts[1:]):
        other = pathlib.Path(other)
        theirs = {page_url(source) for source in part}
        files = _files(other, theirs)
        if files != shared:
            missing, extra = sorted(shared - files)[:5], sorted(files - shared)[:5]
            raise ShardError(f"the shards built different shared files (missing {missing}, extra {extra})")
        for name in files:
            if name not in MERGED and not _same_file(release / name, other / name):
                raise ShardError(f"the shards built {name} differently")
    search = [release / "search" / "search_index.json"] + [pathlib.Path(o) / "search" / "search_index.json" for o in others]
    if all(path.exists() for path in search):
        merge_search(search[0], search, rank)
    sitemaps = [release / "sitemap.xml"] + [pathlib.Path(o) / "sitemap.xml" for o in others]
    if all(path.exists() for path in sitemaps):
        merge_sitemap(sitemaps[0], sitemaps, rank, site_url)
    for other, part in zip(others, parts[1:]):
        for source in part:
            url = page_url(source)
            destination = release / url
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(pathlib.Path(other) / url), str(destination))
    return release
