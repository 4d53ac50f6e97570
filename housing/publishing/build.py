"""Build the two language sites with MkDocs, each in its own subprocess.

``mkdocs build`` runs as a subprocess with a timeout (never in-process): a
hung or crashing build cannot take the job runner down with it.
"""
import os
import pathlib
import shutil
import subprocess
import sys

import yaml

from housing.publishing.pages import LANGUAGES, SITE_DIR

BUILD_TIMEOUT = int(os.environ.get("HOUSING_BUILD_TIMEOUT", "600"))
DEFAULT_SITE_URL = "http://127.0.0.1:8001/"


def site_url():
    url = os.environ.get("HOUSING_SITE_URL") or DEFAULT_SITE_URL
    return url if url.endswith("/") else url + "/"


class BuildError(RuntimeError):
    """MkDocs failed or timed out; the message carries its last output lines."""


def write_config(work, lang, nav, site_dir):
    alternate = {
        "it": [{"name": "Italiano", "link": "./", "lang": "it"}, {"name": "English", "link": "en/", "lang": "en"}],
        "en": [{"name": "Italiano", "link": "../", "lang": "it"}, {"name": "English", "link": "./", "lang": "en"}],
    }[lang]
    config = {
        "INHERIT": str(SITE_DIR / "mkdocs.yml"),
        # The 404 page links from the site root: it needs the public address.
        "site_url": site_url() + ("en/" if lang == "en" else ""),
        "docs_dir": f"docs_{lang}",
        "site_dir": str(site_dir),
        "theme": {"language": lang, "custom_dir": str(SITE_DIR / "overrides")},
        "nav": nav,
        # Offer pages are reachable from the listing, never from the navigation:
        # every page embeds the whole navigation, so 10,000 entries would be quadratic.
        "not_in_nav": "/offerte/O*.md\n",
        "extra": {"alternate": alternate},
        # Pages outside the navigation share their rendered sidebar; offer titles are indexed alone.
        "hooks": [str(SITE_DIR / "hooks" / "offer_pages.py")],
    }
    if lang == "en":
        config["site_name"] = "Housing First Catania"
    path = work / f"mkdocs.{lang}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build(work, navs, release):
    """Build Italian into ``release`` and English into ``release/en``."""
    outputs = {"it": release, "en": work / "site_en"}
    processes = {}
    for lang in LANGUAGES:
        config = write_config(work, lang, navs[lang], outputs[lang])
        processes[lang] = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean", "--config-file", str(config)],
            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
    failures = []
    for lang, process in processes.items():
        try:
            output, _ = process.communicate(timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            for other in processes.values():
                other.kill()
            raise BuildError(f"mkdocs build ({lang}) took longer than {BUILD_TIMEOUT} s")
        if process.returncode != 0:
            failures.append(f"[{lang}] " + "\n".join(output.strip().splitlines()[-8:]))
    if failures:
        raise BuildError("mkdocs build failed:\n" + "\n".join(failures))
    target = pathlib.Path(release) / "en"
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(outputs["en"]), str(target))
    return release
