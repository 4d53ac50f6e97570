"""Export, build, check and publish the public site, or do nothing if unchanged.

``publish`` exports the database to the YAML files of ``content/generated``
(``content.py``), then ``publish_content`` builds the site from those files
alone: the pages are written from what the files hold, never from an
in-memory copy, so the folder can be copied to another host and built there
(the privacy watchlist is still read from the database). A publication builds
only the offer pages whose record changed and regenerates the rest of the site
from all the data (``incremental.py``); ``force`` rebuilds everything, and so
does any change to the templates, guides, configuration or code.

A release replaces the live site only when every step passed: the figures
(``content/figures.yaml``) and the data match their schemas, MkDocs built
both languages, links resolve, the privacy scan found nothing and, when
``HOUSING_AXE_CHECK`` asks for it, axe-core found no violation (``accessibility.py``). Otherwise
the release folder is discarded and the live site stays as it was; a
publisher killed on the way leaves an unfinished folder that the next one
sweeps (``releases.py``), and no MkDocs process behind (``children.py``).
"""
import contextlib
import hashlib
import json
import pathlib
import time

from housing import paths, settings
from housing.publishing import accessibility, build, check_cache, checks, content, district_map, export, incremental, pages, schemas
from housing.publishing.releases import Releases

GENERATED = paths.generated_content()
# Everything the site is made of besides the database: a change here rebuilds too.
SOURCES = [paths.content_folder(), paths.site_project(), pathlib.Path(__file__).parent]


def site_root():
    return pathlib.Path(settings.get("HOUSING_SITE_ROOT") or paths.state_folder() / "var" / "site")


def sources_digest():
    digest = hashlib.sha256()
    for index, folder in enumerate(SOURCES):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and GENERATED not in path.parents and path.suffix != ".pyc":
                digest.update(f"{index}/{path.relative_to(folder).as_posix()}".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def site_inputs():
    """What every page depends on besides the data: sources, public address, hooks setting, and the
    landlords' form endpoint (its origin is in every page's Content-Security-Policy)."""
    from housing.landlord_proposals import endpoint_url

    return [sources_digest(), build.site_url(), build.hooks_enabled(), endpoint_url()]


def content_hash(folder=GENERATED, inputs=None):
    """The hash of a release's inputs: the exported YAML files and everything else the site is made of."""
    digest = hashlib.sha256(content.digest(folder).encode())
    digest.update(json.dumps(site_inputs() if inputs is None else inputs).encode())
    return digest.hexdigest()


def write_yaml(data, folder=GENERATED):
    """One YAML file per data set: the exported content the pages are written from."""
    content.write(data, folder)


def read_yaml(folder=GENERATED, cache=None):
    return content.read(folder, cache)


class Stages:
    """Wall time of each step of a publication, in ``timings`` when given (the benchmark reads them)."""

    def __init__(self, timings=None):
        self.timings = timings if timings is not None else {}

    @contextlib.contextmanager
    def __call__(self, name):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = time.perf_counter() - started


def publish(force=False, root=None, timings=None, folder=None):
    """Export the data to YAML (``folder``, default ``content/generated``), then ``publish_content``.

    Returns ``(outcome, one-line Italian summary)``; raises on any failure, after discarding the
    unfinished release. ``timings`` (a dict) receives the seconds of each step.
    """
    stage = Stages(timings)
    folder = pathlib.Path(folder or GENERATED)
    with stage("export"):
        data = export.export_all()
    with stage("schema validation (export)"):  # invalid data never reach the exported files
        schemas.validate_all(data)
    with stage("YAML write"):
        write_yaml(data, folder)
    return publish_content(folder, force=force, root=root, timings=stage.timings)


def incremental_enabled():
    return settings.get("HOUSING_INCREMENTAL").lower() not in ("0", "false", "no", "off")


def publish_content(folder=GENERATED, force=False, root=None, timings=None):
    """Build, check and publish the site from the YAML files of ``folder``, or do nothing if unchanged.

    The exported files are the only data read: they may come from another host. Only the offer
    pages whose record changed are built when the live release allows it (``incremental.py``);
    ``force`` (or ``HOUSING_INCREMENTAL=0``) builds the whole site.
    """
    stage = Stages(timings)
    releases = Releases(root or site_root())
    folder = pathlib.Path(folder)
    with stage("figures"):  # the file the pages are written from; a figure out of its range stops here
        schemas.load_figures(pathlib.Path(pages.CONTENT_DIR) / "figures.yaml")
    with stage("content hash"):
        inputs = site_inputs()
        digest = content_hash(folder, inputs)
        unchanged = not force and digest == releases.live_hash()
    if unchanged:
        return "skipped", "Contenuti invariati: nessuna nuova versione del sito."
    # The work folder is kept between publications (pages are rewritten in place), one publisher at a time.
    with releases.working() as work:
        with stage("YAML read"):
            data = read_yaml(folder, content.ReadCache(work / "yaml-records.pickle"))
        with stage("schema validation"):  # the files may come from another host
            schemas.validate_all(data)
            district_map.load_outlines()  # content/districts.geojson: an invalid feature stops here, named
        release, plan = _build_check_publish(data, digest, releases, work, stage, inputs,
                                             force=force or not incremental_enabled())
    how = "" if plan.full else f"; {len(plan.build)} pagine di offerta ricostruite, le altre riprese"
    return "success", (f"Sito pubblicato: {len(data['offers'])} offerte, {len(data['partners'])} partner, "
                       f"{len(data['agreements'])} accordi ({release.name}{how}).")


def _work_pages(work, key, hashes, force):
    """Offer pages of the work folder written from the same record under the same site key."""
    path = work / "offer-pages.json"
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if force or known.get("site") != key:
        return set()
    pages_known, docs = known.get("pages", {}), work / "docs_it"
    return {source for source, digest in hashes.items()
            if pages_known.get(source) == digest and (docs / source).is_file()}


def _remember_work_pages(work, key, hashes):
    (work / "offer-pages.json").write_text(json.dumps({"site": key, "pages": hashes}), encoding="utf-8")


def _build_check_publish(data, digest, releases, work, stage, inputs, force=False):
    with stage("plan"):
        hashes = incremental.input_hashes(data["offers"])
        key = incremental.site_key(inputs)
        reuse_markdown = _work_pages(work, key, hashes, force)
        linked = []  # the files the merge takes from the live release
        try:  # "<release> <hash of the watchlist>" the live release was checked against
            previous_watch = (work / "watchlist.checked").read_text(encoding="utf-8").strip()
        except OSError:
            previous_watch = None
        (work / "offer-pages.json").unlink(missing_ok=True)  # rewritten once the pages are
    release = releases.new()
    builder = build.Builder(work, release)
    try:
        with stage("Markdown pages"):  # English (always built whole) builds as soon as its pages are written
            navs = pages.write_site(data, work, reuse=reuse_markdown,
                                    written=lambda lang, nav: lang == "en" and builder.start(lang, nav))
            _remember_work_pages(work, key, hashes)
            key = incremental.site_key(inputs, navs)  # the navigation is in every page
            current = incremental.manifest(key, hashes)
            live = releases.live()
            plan = incremental.plan(current, incremental.load(live), live, force=force)
        with stage("MkDocs build"):
            builder.only = None if plan.full else plan.build
            builder.start("it", navs["it"])
            builder.finish()
        if not plan.full:
            with stage("merge with the live release"):
                try:
                    linked = incremental.merge(release, plan, list(hashes), build.site_url())
                except (incremental.MergeError, OSError) as error:
                    raise build.BuildError(f"incremental publication failed: {error}") from error
        with stage("watchlist"):
            watchlist = checks.Watchlist.from_database()
            # Kept in the work folder, never in the (public) release: it is derived from people's names.
            checked = work / "watchlist.checked"
            watched = f"{live.name if live else ''} " + hashlib.sha256(
                json.dumps(watchlist.to_json(), sort_keys=True).encode()).hexdigest()
            checked.unlink(missing_ok=True)
        with stage("checks (links, external, privacy)"):
            # Reused pages and unchanged files were checked when the live release was; against another
            # watchlist, other checks code or another live release, all are checked again (check_cache.py).
            record_key = check_cache.record_key(watched)
            record = check_cache.load(work, record_key) if not plan.full and previous_watch == watched else None
            check_cache.forget(work)
            if record is not None:
                built = incremental.changed_files(release, plan)
                found, record = check_cache.scan(release, watchlist, built, live, record, files=built | set(linked))
                checks.raise_findings(found)
            else:
                checks.check_release(release, watchlist)
                record = check_cache.full_record(release)
        if accessibility.wanted():  # HOUSING_AXE_CHECK: axe-core in chromium, one page of every kind
            with stage("accessibility (axe-core)"):
                reason = accessibility.missing()  # asked for with HOUSING_AXE_CHECK=1: no browser is no pass
                problems = [f"the check cannot run: {reason}"] if reason else accessibility.violations(release)
                if problems:
                    raise checks.CheckFailed("accessibility (axe-core)", problems)
        with stage("publish (symlink swap)"):
            incremental.save(release, current)
            release = releases.publish(release, digest, prune=False)
            checked.write_text(f"{release.name} {watched.split(' ', 1)[1]}", encoding="utf-8")
            check_cache.save(work, check_cache.record_key(checked.read_text(encoding="utf-8")), record)
    except BaseException:
        builder.abort()
        releases.discard(release)
        raise
    with stage("prune old releases"):  # the new release is live: this only frees disk space
        releases.prune()
    return release, plan
