"""Build the two language sites with MkDocs, each in its own subprocess.

``mkdocs build`` runs as a subprocess with a timeout (never in-process): a
hung or crashing build cannot take the job runner down with it; and the
runner cannot leave a build behind: each child ends with the runner, even a
SIGKILLed one (``housing/publishing/children.py``). Above
``shards.SHARD_THRESHOLD`` offers the Italian build is split over several
processes (``housing/publishing/shards.py``) and merged into the same site.
"""
import os
import pathlib
import shutil
import subprocess
import time

import yaml

from housing.publishing import children, languages, site_scripts
from housing.publishing import shards as sharding
from housing import settings
from housing.publishing.pages import SITE_DIR


def build_timeout():
    """Seconds before a MkDocs build is killed (read at each build, not at import)."""
    return int(settings.get("HOUSING_BUILD_TIMEOUT"))


HOOKS = ("offer_pages.py", "page_shell.py")


def hooks_enabled():
    """HOUSING_MKDOCS_HOOKS: the hooks only make the build faster; without them the pages are the same."""
    return settings.get("HOUSING_MKDOCS_HOOKS").lower() not in ("0", "false", "no", "off")


def site_url():
    url = settings.get("HOUSING_SITE_URL")
    return url if url.endswith("/") else url + "/"


class BuildError(RuntimeError):
    """MkDocs failed or timed out; the message carries its last output lines."""


def write_config(work, lang, nav, site_dir, docs_dir=None, name=None):
    alternate = {
        "it": [{"name": "Italiano", "link": "./", "lang": "it"}, {"name": "English", "link": "en/", "lang": "en"}],
        "en": [{"name": "Italiano", "link": "../", "lang": "it"}, {"name": "English", "link": "./", "lang": "en"}],
    }[lang]
    editorial = languages.editorial_pages(lang)
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
        # The editorial pages (accessibility, legal notes, privacy, contacts) are linked from the footer.
        "not_in_nav": "/offerte/O*.md\n" + "".join(f"/{meta.get('slug', stem)}.md\n" for stem, meta in editorial),
        # the landlords' form posts to the back office: its origin is allowed there (site_scripts.site_policy)
        "extra": {"content_security_policy": site_scripts.site_policy(), "alternate": alternate, "hf_footer": [
            {"title": meta.get("title", stem), "link": f"{meta.get('slug', stem)}/"} for stem, meta in editorial]},
        # Offer titles are indexed alone; offer pages are filled in from one rendered shell
        # (the same output, checked by the hook).
        "hooks": [str(SITE_DIR / "hooks" / name) for name in HOOKS] if hooks_enabled() else [],
    }
    if lang == "en":
        config["site_name"] = "Housing First Catania"
    path = work / f"mkdocs.{name or lang}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class Builder:
    """The MkDocs processes of one release, each started as soon as its language's pages are written.

    English (a few hundred pages) builds while the publisher still writes the
    Italian offer pages; Italian goes to one process, or to ``shards`` above
    ``shards.SHARD_THRESHOLD`` offers. ``finish`` waits for all of them, merges
    the Italian shards into ``release`` and moves English to ``release/en``.
    """

    def __init__(self, work, release, shards=None, only=None):
        """``only``: build just these offer pages (sources) with the shared pages (incremental.py)."""
        self.work, self.release, self.shards, self.only = pathlib.Path(work), pathlib.Path(release), shards, only
        self.jobs = {}  # name -> (process, output folder)
        self.parts = None
        # One build date for every process (MkDocs dates each page, for the sitemap): shards started on
        # either side of midnight would otherwise date the shared pages differently, and the merge refuse them.
        self.env = dict(os.environ)
        self.env.setdefault("SOURCE_DATE_EPOCH", str(int(time.time())))

    def _run(self, name, config, output):
        process = subprocess.Popen(
            children.command("mkdocs", "build", "--quiet", "--clean", "--config-file", config),
            cwd=self.work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env,
        )
        self.jobs[name] = (process, output)

    def start(self, lang, nav):
        work = self.work
        if lang == "en":
            self._run("en", write_config(work, "en", nav, work / "site_en"), work / "site_en")
            return
        offers = sharding.offer_sources(work / "docs_it")
        if self.only is not None:  # one process: the shared pages and the offer pages of ``only``
            docs = sharding.write_docs(work / "docs_it", work / "docs_it.partial", offers, self.only)
            self._run("it", write_config(work, "it", nav, self.release, docs_dir=docs.name, name="it.partial"),
                      self.release)
            return
        self.parts = sharding.split(offers, sharding.shard_count(len(offers), shards=self.shards))
        self._forget_shards(keep=len(self.parts) if len(self.parts) > 1 else 0)
        if len(self.parts) == 1:
            self._run("it", write_config(work, "it", nav, self.release), self.release)
            return
        for k, part in enumerate(self.parts):
            docs = sharding.write_docs(work / "docs_it", work / f"docs_it.{k}", offers, part)
            output = self.release if k == 0 else work / f"site_it.{k}"
            self._run(f"it.{k}", write_config(work, "it", nav, output, docs_dir=docs.name, name=f"it.{k}"), output)

    def _forget_shards(self, keep):
        """Remove what shards beyond the first ``keep`` left in the work folder in an earlier run."""
        for path in [*self.work.glob("docs_it.*"), *self.work.glob("site_it.*"), *self.work.glob("mkdocs.it.*.yml")]:
            number = path.name.removesuffix(".yml").rsplit(".", 1)[-1]
            if number.isdigit() and int(number) >= keep:
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def abort(self):
        for process, _ in self.jobs.values():
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stdout and not process.stdout.closed:
                process.stdout.close()

    def finish(self):
        limit = build_timeout()
        deadline = time.monotonic() + limit
        failures = []
        for name, (process, _) in self.jobs.items():
            try:  # a process that has ended is read to the end, whatever the time left
                timeout = None if process.poll() is not None else max(0.1, deadline - time.monotonic())
                output, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.abort()
                raise BuildError(f"mkdocs build ({name}) took longer than {limit} s")
            if process.returncode != 0:
                failures.append(f"[{name}] " + "\n".join(output.strip().splitlines()[-8:]))
        if failures:
            raise BuildError("mkdocs build failed:\n" + "\n".join(failures))
        if self.parts is not None and len(self.parts) > 1:
            try:
                sharding.merge(self.release, [self.jobs[f"it.{k}"][1] for k in range(1, len(self.parts))],
                               self.parts, site_url())
            except sharding.ShardError as error:
                raise BuildError(f"merging the Italian shards failed: {error}") from error
        target = self.release / "en"
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(self.jobs["en"][1]), str(target))
        return self.release


def build(work, navs, release, shards=None):
    """Build Italian into ``release`` and English into ``release/en``, the pages being written.

    ``shards``: processes for the Italian build; by default one below
    ``shards.SHARD_THRESHOLD`` offers, ``shards.SHARD_COUNT`` above.
    """
    builder = Builder(work, release, shards=shards)
    try:
        for lang in ("en", "it"):
            builder.start(lang, navs[lang])
        return builder.finish()
    except BaseException:
        builder.abort()
        raise
