"""The page shell hook (site/hooks/page_shell.py) changes no byte of the site, and refuses to guess."""
import shutil

import pytest

from housing import demo
from housing.publishing import build, export, pages

HOOKS = build.HOOKS


@pytest.fixture
def data(database):
    demo.seed(scale=0.3)
    data = export.export_all()
    offers = data["offers"]
    assert len(offers) >= 8
    # Titles with characters HTML escapes, a body written through Markdown (not plain text), a quote.
    offers[1] = dict(offers[1], district='Borgo "Vecchio" & <Centro>')
    offers[2] = dict(offers[2], district="Villaggio Sant'Agata")
    offers[3] = dict(offers[3], description="Luminoso, **piano alto**, vicino alla metro.")
    assert not pages.plain_offer(offers[3])
    return data


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _build(tmp_path, data, name, hooks=HOOKS, monkeypatch=None, shards=1):
    work = tmp_path / f"work-{name}"
    navs = pages.write_site(data, work)
    release = tmp_path / f"release-{name}"
    release.mkdir()
    monkeypatch.setattr(build, "HOOKS", hooks)
    build.build(work, navs, release, shards=shards)
    return _tree(release)


def _shell_stats(tmp_path, data, monkeypatch):
    """Build the Italian site in this process and read the hook's own counters."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    monkeypatch.setattr(build, "HOOKS", HOOKS)
    work = tmp_path / "work-stats"
    navs = pages.write_site(data, work)
    config_file = build.write_config(work, "it", navs["it"], tmp_path / "out-stats")
    monkeypatch.chdir(work)
    config = load_config(str(config_file))
    mkdocs_build(config)
    hook = next(plugin for name, plugin in config.plugins.items() if name.endswith("page_shell.py"))
    return {folder: shell for (_, folder, _), shell in hook._shells.items()}


@pytest.fixture
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # the sitemap's dates, should the day change between builds


def test_offer_pages_from_the_shell_are_the_pages_the_template_renders(data, tmp_path, monkeypatch, fixed_date):
    with_shell = _build(tmp_path, data, "shell", monkeypatch=monkeypatch)
    without = _build(tmp_path, data, "plain", hooks=("offer_pages.py",), monkeypatch=monkeypatch)
    assert sorted(with_shell) == sorted(without)
    assert [name for name in without if with_shell[name] != without[name]] == []
    page = with_shell[f"offerte/{data['offers'][1]['ref']}/index.html"]
    assert b'Borgo "Vecchio" &amp; &lt;Centro&gt;' in page and b"<Centro>" not in page


def test_the_shell_writes_most_offer_pages_and_checks_some_in_full(data, tmp_path, monkeypatch):
    shells = _shell_stats(tmp_path, data, monkeypatch)
    offers = shells["offerte"]
    assert offers.refused == set()
    assert offers.verified >= 2 and offers.used >= 1
    assert offers.used + offers.verified == len(data["offers"])
    assert offers.signatures >= {"", "'"}


def _site_with_template_line(tmp_path, monkeypatch, line):
    """A copy of site/ whose main.html prints ``line`` in the announcement bar."""
    site = tmp_path / "site-copy"
    shutil.copytree(pages.SITE_DIR, site)
    main = site / "overrides" / "main.html"
    main.write_text(main.read_text(encoding="utf-8") + "{% block announce %}" + line + "{% endblock %}\n", encoding="utf-8")
    monkeypatch.setattr(build, "SITE_DIR", site)


def test_a_template_that_differs_from_page_to_page_is_rendered_in_full(data, tmp_path, monkeypatch, fixed_date):
    _site_with_template_line(tmp_path, monkeypatch, "{{ page.file.src_uri if page and page.file }}")
    with_shell = _build(tmp_path, data, "shell", monkeypatch=monkeypatch)
    without = _build(tmp_path, data, "plain", hooks=("offer_pages.py",), monkeypatch=monkeypatch)
    assert [name for name in without if with_shell[name] != without[name]] == []
    ref = data["offers"][5]["ref"]
    assert f"offerte/{ref}.md".encode() in with_shell[f"offerte/{ref}/index.html"]
    assert _shell_stats(tmp_path, data, monkeypatch)["offerte"].refused == {None}


def test_a_difference_found_after_the_shell_was_trusted_fails_the_build(data, tmp_path, monkeypatch):
    """The tripwire: pages already written from the shell may be wrong, so the release is refused."""
    data["offers"] = [dict(offer, district="Ognina") for offer in data["offers"] if pages.plain_offer(offer)]
    first_two = sorted(f"offerte/{offer['ref']}.md" for offer in data["offers"])[:2]
    _site_with_template_line(tmp_path, monkeypatch, "{% if page and page.file and page.file.src_uri.startswith('offerte/O') and page.file.src_uri "
                             f"not in {first_two!r} %}}{{{{ page.file.src_uri }}}}{{% endif %}}")
    monkeypatch.setenv("HOUSING_SHELL_VERIFY_EVERY", "4")
    with pytest.raises(build.BuildError, match="page_shell: the shell gave another page than the template"):
        _build(tmp_path, data, "tripwire", monkeypatch=monkeypatch)
