"""Incremental publication: rebuild only the offer pages whose data changed, the rest of the site whole.

**What is rebuilt.** The site has two kinds of output:

- *offer pages* (``offerte/O….md``, 10,000 of them): each depends only on its
  offer's exported record and on what every page depends on (templates, guides,
  site configuration, the publisher's code, the navigation, the public address,
  the MkDocs hooks setting). Offer pages are outside the navigation and no page
  links to them as ``.md`` files (``shards.py`` relies on the same facts);
- *everything else*: the listing, the statistics, partners, guides, assets,
  data files, the search index and the sitemap, and whatever page is added
  later. These are derived from the whole data and are always regenerated from
  it, never patched.

**The manifest.** Each release holds ``.manifest.json``: the *site key* (a hash
of what every page depends on) and, per offer page, the hash of its record
(``input_hashes``). A publication compares its own manifest with the live
release's: same site key, then only the offer pages whose hash differs (new or
changed) are written and built; otherwise (or when forced, or when the live
release has no manifest) the whole site is built.

**The build.** MkDocs always rebuilds everything it is given, so the Italian
build gets a docs folder of hard links holding the shared pages plus the offer
pages to build (and the first offer page, which marks where offer entries go in
the search index and the sitemap); English is small and built whole. ``merge``
then completes the new release from the live one:

- the unchanged offer page folders are hard-linked from the live release
  (a built page is the same bytes whichever build made it);
- ``search/search_index.json``: the built entries, with the unchanged offer
  pages' entries taken from the live index, in MkDocs' page order;
- ``sitemap.xml`` (and ``.gz``): every offer URL, each written as the built
  first offer page's entry is (every page of a build carries the build date).

The result is byte-identical to a full build of the same data
(tests/test_incremental.py compares whole trees).
"""
import gzip
import hashlib
import json
import os
import pathlib
import struct

from housing.publishing import shards

MANIFEST = ".manifest.json"
VERSION = 1


def record_hash(record):
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def input_hashes(offers):
    """{offer page source (``offerte/O….md``): hash of the record it is written from}."""
    return {f"{shards.OFFER_FOLDER}/{offer['ref']}.md": record_hash(offer) for offer in offers}


def site_key(*parts):
    sha = hashlib.sha256()
    for part in parts:
        sha.update(json.dumps(part, sort_keys=True, default=str).encode("utf-8") + b"\0")
    return sha.hexdigest()


def load(release):
    """The manifest of ``release`` (a folder), or None."""
    if release is None:
        return None
    path = pathlib.Path(release) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("version") == VERSION else None


def manifest(key, pages):
    return {"version": VERSION, "site": key, "pages": pages}


def save(release, data):
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    (pathlib.Path(release) / MANIFEST).write_text(text, encoding="utf-8")


class Plan:
    """What a publication builds. ``full``: everything; otherwise ``build`` (offer sources) plus the shared pages."""

    def __init__(self, full, reason, build=(), reuse=(), previous=None):
        self.full, self.reason = full, reason
        self.build, self.reuse, self.previous = sorted(build), sorted(reuse), previous

    def __repr__(self):
        return f"Plan(full={self.full}, reason={self.reason!r}, build={len(self.build)}, reuse={len(self.reuse)})"


def plan(current, previous_manifest, previous_release, force=False):
    """Compare the manifests: a full build, or the offer pages to build and those to reuse."""
    if force:
        return Plan(True, "forced")
    if previous_manifest is None or previous_release is None:
        return Plan(True, "no manifest in the live release")
    if previous_manifest["site"] != current["site"]:
        return Plan(True, "templates, guides, configuration, navigation or address changed")
    pages, before = current["pages"], previous_manifest["pages"]
    if not pages:
        return Plan(True, "no offer")
    build = {source for source, digest in pages.items() if before.get(source) != digest}
    reuse = set(pages) - build
    build.add(min(pages))  # the first offer page places the offer entries (search index, sitemap)
    reuse.discard(min(pages))
    return Plan(False, f"{len(build)} offer pages to build", build, reuse, pathlib.Path(previous_release))


def changed_files(release, plan):
    """The files of ``release`` that this publication built (the others were checked when first published)."""
    skip = {shards.page_url(source) for source in plan.reuse}
    return shards._files(release, skip)


class MergeError(RuntimeError):
    """The incremental build cannot be completed from the live release."""


def _offer_block(items, rank, what):
    """Start and end of the contiguous run of offer pages in ``items`` [(url, ...)]."""
    positions = [k for k, (url, _) in enumerate(items) if url in rank]
    if not positions or positions[-1] - positions[0] + 1 != len(positions):
        raise MergeError(f"the offer pages are not one block in the built {what}")
    return positions[0], positions[-1] + 1


def merge(release, plan, sources, site_url):
    """Complete the incrementally built ``release`` from ``plan.previous`` (the live release); return the
    files it linked from there (paths relative to the release)."""
    release, previous = pathlib.Path(release), plan.previous
    rank = {shards.page_url(source): n for n, source in enumerate(sorted(sources))}
    reused = [shards.page_url(source) for source in plan.reuse]
    linked, made = [], set()
    old_root, new_root = str(previous), str(release)
    for url in reused:  # hard links: no copy, the live release's bytes (plain strings: 10,000 folders)
        parent = os.path.dirname(url.rstrip("/"))
        if parent not in made:
            os.makedirs(os.path.join(new_root, parent), exist_ok=True)
            made.add(parent)
        source, target = os.path.join(old_root, url), os.path.join(new_root, url)
        os.mkdir(target)
        for name in os.listdir(source):
            os.link(source + name, target + name)
            linked.append(url + name)
    index = release / "search" / "search_index.json"
    if index.exists():
        _merge_search(index, previous / "search" / "search_index.json", rank, set(reused))
    sitemap = release / "sitemap.xml"
    if sitemap.exists():
        _merge_sitemap(sitemap, rank, site_url)
    return linked


def _merge_search(index, old_index, rank, reused):
    config, groups = shards._search_groups(index)
    old_config, old_groups = shards._search_groups(old_index)
    if old_config != config:
        raise MergeError("the search configuration changed")
    start, end = _offer_block(groups, rank, "search index")
    offers = groups[start:end] + [group for group in old_groups if group[0] in reused]
    if len({url for url, _ in offers}) != end - start + len(reused):
        raise MergeError("an unchanged offer page is missing from the live search index")
    offers.sort(key=lambda group: rank[group[0]])
    groups[start:end] = offers
    data = {"config": config, "docs": [entry for _, entries in groups for entry in entries]}
    # As Material's search plugin writes it (material/plugins/search/plugin.py), as shards.merge_search does.
    index.write_bytes(json.dumps(data, separators=(",", ":"), default=str).encode("utf-8"))


def _merge_sitemap(path, rank, site_url):
    head, tail, entries = shards._sitemap_entries(path, site_url)
    start, end = _offer_block(entries, rank, "sitemap")
    built = dict(entries[start:end])
    model_url, model = entries[start]
    loc = model[model.index("<loc>"):model.index("</loc>") + len("</loc>")]
    prefix = loc[:-len(model_url + "</loc>")]
    offers = [(url, built.get(url) or model.replace(loc, f"{prefix}{url}</loc>"))
              for url in sorted(rank, key=rank.get)]
    text = head + "".join(block for _, block in entries[:start] + offers + entries[end:]) + tail
    path.write_bytes(text.encode("utf-8"))
    gz_path = pathlib.Path(str(path) + ".gz")
    stamp = struct.unpack("<I", gz_path.read_bytes()[4:8])[0] if gz_path.exists() else 0
    with open(gz_path, "wb") as f:  # as MkDocs writes it (shards.merge_sitemap)
        with gzip.GzipFile(fileobj=f, filename=str(gz_path), mode="wb", mtime=stamp) as buffer:
            buffer.write(text.encode("utf-8"))
