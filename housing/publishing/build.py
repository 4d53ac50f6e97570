"""Build the two language sites with MkDocs, each in its own subprocess.

``mkdocs build`` runs as a subprocess with a timeout (never in-process): a
hung or crashing build cannot take the job runner down with it. Above
``shards.SHARD_THRESHOLD`` offers the Italian build is split over several
processes (``housing/publishing/shards.py``) and merged into the same site.
"""
import os
import pathlib
import shutil
import subprocess
import sys
import time

import yaml

from housing.publishing import shards as sharding
from housing.publishing.pages import SITE_DIR

BUILD_TIMEOUT = int(os.environ.get("HOUSING_BUILD_TIMEOUT", "600"))
DEFAULT_SITE_URL = "http://127.0.0.1:8001/"
HOOKS = ("offer_pages.py", "page_shell.py")


def site_url():
    url = os.environ.get("HOUSING_SITE_URL") or DEFAULT_SITE_URL
    return url if url.endswith("/") else url + "/"


class BuildError(RuntimeError):
    """MkDocs failed or timed out; the message carries its last output lines."""


def write_config(work, lang, nav, site_dir, docs_dir=None, name=None):
    alternate = {
        "it": [{"name": "Italiano", "link": "./", "lang": "it"}, {"name": "English", "link": "en/", "lang": "en"}],
        "en": [{"name": "Italiano", "link": "../", "lang": "it"}, {"name": "English", "link": "./", "lang": "en"}],
    }[lang]
    config = {
        "INHERIT": str(SITE_DIR / "mkdocs.yml"),
        # The 404 page links from the site root: it needs the public address.
        "site_url": site_url() + ("en/" if lang == "en" else ""),
        "docs_dir": docs_dir or f"docs_{lang}",
        "site_dir": str(site_dir),
        "theme": {"language": lang, "custom_dir": str(SITE_DIR / "overrides")},
        "nav": nav,
        # Offer pages are reachable from the listing, never from the navigation:
        # every page embeds the whole navigation, so 10,000 entries would be quadratic.
        "not_in_nav": "/offerte/O*.md\n",
        "extra": {"alternate": alternate},
        # Pages outside the navigation share their rendered sidebar; offer titles are indexed alone;
        # offer pages are filled in from one rendered shell (the same output, checked by the hook).
        "hooks": [str(SITE_DIR / "hooks" / name) for name in HOOKS],
    }
    if lang == "en":
        config["site_name"] = "Housing First Catania"
    path = work / f"mkdocs.{name or lang}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build(work, navs, release, shards=None):
    """Build Italian into ``release`` and English into ``release/en``.

    ``shards``: processes for the Italian build; by default one below
    ``shards.SHARD_THRESHOLD`` offers, ``shards.SHARD_COUNT`` above.
    """
    work, release = pathlib.Path(work), pathlib.Path(release)
    offers = sharding.offer_sources(work / "docs_it")
    parts = sharding.split(offers, sharding.shard_count(len(offers), shards=shards))
    jobs = {}  # name -> (config, output folder)
    if len(parts) == 1:
        jobs["it"] = (write_config(work, "it", navs["it"], release), release)
    else:
        for k, part in enumerate(parts):
            docs = sharding.write_docs(work / "docs_it", work / f"docs_it.{k}", offers, part)
            output = release if k == 0 else work / f"site_it.{k}"
            jobs[f"it.{k}"] = (write_config(work, "it", navs["it"], output, docs_dir=docs.name, name=f"it.{k}"), output)
    jobs["en"] = (write_config(work, "en", navs["en"], work / "site_en"), work / "site_en")
    # One build date for every process (MkDocs dates each page, for the sitemap): shards started on
    # either side of midnight would otherwise date the shared pages differently, and the merge refuse them.
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", str(int(time.time())))
    processes = {}
    for name, (config, _) in jobs.items():
        processes[name] = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean", "--config-file", str(config)],
            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
    failures = []
    for name, process in processes.items():
        try:
            output, _ = process.communicate(timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            for other in processes.values():
                other.kill()
            raise BuildError(f"mkdocs build ({name}) took longer than {BUILD_TIMEOUT} s")
        if process.returncode != 0:
            failures.append(f"[{name}] " + "\n".join(output.strip().splitlines()[-8:]))
    if failures:
        raise BuildError("mkdocs build failed:\n" + "\n".join(failures))
    if len(parts) > 1:
        try:
            sharding.merge(release, [jobs[f"it.{k}"][1] for k in range(1, len(parts))], parts, site_url())
        except sharding.ShardError as error:
            raise BuildError(f"merging the Italian shards failed: {error}") from error
    target = release / "en"
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(jobs["en"][1]), str(target))
    return release
