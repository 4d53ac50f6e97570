"""The site without the MkDocs hooks, and with Zensical (Material's successor) where it is installed."""
import pathlib
import posixpath
import re
import shutil
import subprocess
import sys

import pytest

from housing import demo
from housing.publishing import build, checks, export, pages


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def written(database, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    demo.seed(scale=0.2)
    work = tmp_path / "work"
    return work, pages.write_site(export.export_all(), work)


def test_without_the_hooks_the_pages_are_the_same(written, tmp_path, monkeypatch):
    work, navs = written
    trees = {}
    for hooks in ("1", "0"):
        monkeypatch.setenv("HOUSING_MKDOCS_HOOKS", hooks)
        release = tmp_path / f"release-{hooks}"
        release.mkdir()
        build.build(work, navs, release, shards=1)
        trees[hooks] = _tree(release)
    assert "hooks" not in (work / "mkdocs.it.yml").read_text() or "hooks: []" in (work / "mkdocs.it.yml").read_text()
    with_hooks, without = trees["1"], trees["0"]
    assert sorted(with_hooks) == sorted(without)
    # The search index: offer pages are indexed by their title alone with the hooks (offer_pages.py), whole without.
    different = [name for name in with_hooks if with_hooks[name] != without[name]]
    assert [name for name in different if not name.endswith("search_index.json")] == []


ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
HREF = re.compile(r'href="([^"#?:]*)"')


def _targets(root, page):
    """Where the links of a page's article lead, as paths from the site root."""
    html = (root / page).read_text(encoding="utf-8")
    article = ARTICLE.search(html)
    folder = posixpath.dirname(page)
    return sorted({posixpath.normpath(posixpath.join(folder, href)) for href in HREF.findall(article.group(1) if article else "")
                   if href and not href.startswith("/")})


def test_zensical_builds_the_site_with_links_that_resolve_as_in_mkdocs(written, tmp_path, monkeypatch):
    candidate = pathlib.Path(sys.executable).with_name("zensical")
    zensical = str(candidate) if candidate.exists() else shutil.which("zensical")
    if not zensical:
        pytest.skip("Zensical is not installed (pip install zensical): the site is not built with it here")
    work, navs = written
    monkeypatch.setenv("HOUSING_MKDOCS_HOOKS", "0")  # Zensical runs no MkDocs hooks
    mkdocs_site = tmp_path / "mkdocs-site"
    mkdocs_site.mkdir()
    build.build(work, navs, mkdocs_site, shards=1)
    site = work / "zensical-site"  # Zensical writes inside its project folder only
    for lang, output in (("it", site), ("en", site / "en")):
        config = build.write_config(work, lang, navs[lang], output, name=f"zensical.{lang}")
        done = subprocess.run([zensical, "build", "--clean", "--config-file", str(config)], cwd=work,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    found = checks.scan(site, checks.Watchlist(), workers=1)
    assert found["links"] == []
    assert found["privacy"] == [] and found["external"] == []
    pages_checked = 0
    for page in sorted(p.relative_to(mkdocs_site).as_posix() for p in mkdocs_site.rglob("index.html")):
        if (site / page).exists():
            assert _targets(site, page) == _targets(mkdocs_site, page), page
            pages_checked += 1
    assert pages_checked > 20
