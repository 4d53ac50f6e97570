"""Export, build, check and publish the public site, or do nothing if unchanged.

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
import threading
import time

import yaml

from housing import settings
from housing.publishing import accessibility, build, checks, district_map, export, pages, schemas, yaml_out
from housing.publishing.releases import Releases

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATED = ROOT / "content" / "generated"
# Everything the site is made of besides the database: a change here rebuilds too.
SOURCES = [ROOT / "content", ROOT / "site", pathlib.Path(__file__).parent]


def site_root():
    return pathlib.Path(settings.get("HOUSING_SITE_ROOT") or ROOT / "var" / "site")


def sources_digest():
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and GENERATED not in path.parents and path.suffix != ".pyc":
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def content_hash(data):
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(canonical.encode("utf-8"))
    digest.update(sources_digest().encode())
    digest.update(build.site_url().encode())
    return digest.hexdigest()


def write_yaml(data, folder=GENERATED):
    """One YAML file per data set: the exported content the pages are written from."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in schemas.DATA_SETS:
        (folder / f"{name}.yaml").write_text(yaml_out.dumps(data[name]), encoding="utf-8")


def read_yaml(folder=GENERATED):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return {name: yaml.load((folder / f"{name}.yaml").read_text(encoding="utf-8"), Loader=loader)
            for name in schemas.DATA_SETS}


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


def publish(force=False, root=None, timings=None):
    """Run the whole pipeline; return a one-line Italian summary of what happened.

    Raises on any failure, after discarding the unfinished release. ``timings``
    (a dict) receives the seconds of each step.
    """
    stage = Stages(timings)
    releases = Releases(root or site_root())
    with stage("figures"):  # the file the pages are written from; a figure out of its range stops here
        schemas.load_figures(pathlib.Path(pages.CONTENT_DIR) / "figures.yaml")
    with stage("export"):
        data = export.export_all()
    with stage("content hash"):
        digest = content_hash(data)
        unchanged = not force and digest == releases.live_hash()
    if unchanged:
        return "skipped", "Contenuti invariati: nessuna nuova versione del sito."
    with stage("schema validation"):
        schemas.validate_all(data)
        district_map.load_outlines()  # content/districts.geojson: an invalid feature stops here, named
    # The work folder is kept between publications (pages are rewritten in place), one publisher at a time.
    with releases.working() as work:
        release = _build_check_publish(data, digest, releases, work, stage)
    return "success", (f"Sito pubblicato: {len(data['offers'])} offerte, {len(data['partners'])} partner, "
                       f"{len(data['agreements'])} accordi ({release.name}).")


def _build_check_publish(data, digest, releases, work, stage):
    # The YAML of content/generated is written while MkDocs builds; the pages are written from the
    # same data (tests/test_publishing.py checks that the YAML reads back as these data).
    yaml_writer = BackgroundCall(write_yaml, data)
    release = releases.new()
    builder = build.Builder(work, release)
    try:
        with stage("Markdown pages"):  # English builds meanwhile
            pages.write_site(data, work, written=builder.start)
        with stage("MkDocs build"):
            builder.finish()
        with stage("watchlist"):
            watchlist = checks.Watchlist.from_database()
        with stage("checks (links, external, privacy)"):
            checks.check_release(release, watchlist)
        if accessibility.wanted():  # HOUSING_AXE_CHECK: axe-core in chromium, one page of every kind
            with stage("accessibility (axe-core)"):
                reason = accessibility.missing()  # asked for with HOUSING_AXE_CHECK=1: no browser is no pass
                problems = [f"the check cannot run: {reason}"] if reason else accessibility.violations(release)
                if problems:
                    raise checks.CheckFailed("accessibility (axe-core)", problems)
        with stage("YAML written (wait)"):
            yaml_writer.result()
        with stage("publish (symlink swap)"):
            release = releases.publish(release, digest)
    except BaseException:
        builder.abort()
        releases.discard(release)
        raise
    finally:
        yaml_writer.result(raise_error=False)
    return release


class BackgroundCall:
    """``function(*args)`` in a thread; ``result()`` waits for it and raises its exception."""

    def __init__(self, function, *args):
        self.error = None

        def run():
            try:
                function(*args)
            except BaseException as error:  # noqa: BLE001 - handed to the caller by result()
                self.error = error

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def result(self, raise_error=True):
        self.thread.join()
        if raise_error and self.error is not None:
            raise self.error
