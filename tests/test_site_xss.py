"""No value typed in the back office becomes markup on the public site, and a release with a script is refused.

Three layers, each tested on its own:
- the page writer escapes every value by default (pages.environment): hostile text in every field of
  every data set, through every template and guide, reaches no page as HTML, a link or an attribute;
- the release check (checks.active_content, site_scripts.py) refuses a <script>, an event-handler attribute or a
  javascript: URL that is not one of the site's own, and lets the theme's own scripts through;
- every page carries a strict Content-Security-Policy whose script hashes are the theme's inline scripts.
"""
import hashlib
import re

import pytest

from housing import demo
from housing.publishing import build, checks, export, pages, pipeline, site_scripts
from housing.publishing.releases import Releases

# Markup, Markdown links, attr_list attributes and attribute break-outs (both quotes) in one value.
HOSTILE = ("Centro <script>alert(document.domain)</script> <img src=x onerror=alert(2)> [premi](javascript:alert(3)) "
           "*v*{: onclick=alert(4)} \" onmouseover=\"alert(5) ' onfocus='alert(6) <svg/onload=alert(7)> `x` | y \\")
# Keys whose values name files or registry entries, kept as they are so that every page is still written.
STRUCTURAL = {"ref"}
TAG_WITH_HANDLER = re.compile(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=", re.I)


def hostile(value, key=None):
    """``value`` with every string (list items and mapping values, at any depth) made hostile."""
    if isinstance(value, dict):
        return {k: hostile(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(v, key) for v in value]
    if isinstance(value, str) and key not in STRUCTURAL:
        return f"{value} {HOSTILE}"
    return value


def _html_pages(release):
    return {p.relative_to(release).as_posix(): p.read_text(encoding="utf-8") for p in release.rglob("*.html")}


@pytest.fixture
def hostile_release(database, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    demo.seed(scale=0.2)
    data = hostile(export.export_all())
    # The templates branch on these: a hostile value would only hide the row, not show it.
    data["territorial_agreement"]["zones"][0]["districts"] = "Centro <script>alert(document.domain)</script>"
    for offer in data["offers"][:3]:
        offer["contract_type"] = "concordato_3_2"
    work = tmp_path / "work"
    navs = pages.write_site(data, work)
    release = tmp_path / "release"
    release.mkdir()
    build.build(work, navs, release, shards=1)
    return release


def test_hostile_values_in_every_field_reach_no_page_as_markup(hostile_release):
    found = _html_pages(hostile_release)
    assert any("alert(document.domain)" in html for html in found.values()), "the hostile text is published, as text"
    for name, html in found.items():
        assert "<script>alert" not in html, name
        assert not TAG_WITH_HANDLER.search(html), (name, TAG_WITH_HANDLER.search(html))
        assert not re.search(r"""(?:href|src)\s*=\s*["']?\s*javascript:""", html, re.I), name
        assert "<img src=x" not in html and "<svg/onload" not in html, name
    assert checks.active_content(hostile_release) == []


@pytest.mark.parametrize("path", ["locatori/landlords-canone-concordato/index.html",
                                  "en/landlords/landlords-canone-concordato/index.html"])
def test_the_canone_concordato_guide_shows_zones_and_bands_as_text(hostile_release, path):
    html = (hostile_release / path).read_text(encoding="utf-8")
    assert "Centro &lt;script&gt;alert(document.domain)&lt;/script&gt;" in html
    assert "fascia minima" in html  # the band labels are still there, as text


def test_every_template_escapes_by_default():
    """A value printed without a filter is escaped; only the page writer's own filters mark text as safe."""
    env = pages.environment("it")
    render = lambda source, **values: env.from_string(source).render(**values)  # noqa: E731
    assert render("{{ v }}", v="<b>[x](javascript:y)</b>{: onclick=z}") == \
        "&lt;b&gt;\\[x\\](javascript:y)&lt;/b&gt;\\{: onclick=z\\}"
    assert render('<a title="{{ v }}">', v='" onclick="x') == '<a title="&quot; onclick=&quot;x">'
    assert render("{{ v|md }}", v="<b>") == "&lt;b&gt;", "an escaping filter is not escaped twice"
    assert render("{{ v|safe }}", v="<b>ours</b>") == "<b>ours</b>", "explicitly marked safe"
    # Builtin filters that mark HTML as safe are not enough for Markdown: escaped all the same.
    assert render("{{ v|e }}", v="[x](javascript:y)") == "\\[x\\](javascript:y)"
    assert render("{{ v|join(', ') }}", v=["<i>", "[a](b)"]) == "&lt;i&gt;, \\[a\\](b)"
    # Macros and block assignments are made of escaped values and the template's own text.
    macro = "{% macro m(x) %}<b>{{ x }}</b>{% endmacro %}{{ m(v) }}{% set s %}<i>{{ v }}</i>{% endset %}{{ s }}"
    assert render(macro, v="<u>") == "<b>&lt;u&gt;</b><i>&lt;u&gt;</i>"


def test_every_template_and_guide_is_rendered_with_the_escaping_environment():
    env = pages.environment("en")
    assert env.finalize is not None and not env.autoescape
    names = set(env.list_templates(filter_func=lambda n: n.endswith((".j2", ".md"))))
    assert {"offer.md.j2", "agreements.md.j2", "guides/it/landlords-canone-concordato.md", "pages/en/index.md"} <= names


# -- the release check ------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<script>{scope}</script>
</head><body>
<script src="../assets/offers.js"></script>
<script id="__config" type="application/json">{{"base": ".."}}</script>

{body}

<p>Testo</p>
</body></html>
"""


def _release(tmp_path, body, name="pagina/index.html"):
    root = tmp_path / "release"
    (root / "assets").mkdir(parents=True)
    (root / "uploads").mkdir()
    for path in ("assets/offers.js", "uploads/x.js"):  # a script file that is not among the site's assets
        (root / path).write_text("//", encoding="utf-8")
    page = root / name
    page.parent.mkdir(parents=True, exist_ok=True)
    (page.parent / "x").write_text("", encoding="utf-8")  # links resolve: only the active content is wrong
    page.write_text(PAGE.format(scope=_theme_script(), body=body), encoding="utf-8")
    return root


def _theme_script():
    """One of the inline scripts the theme emits on every page (its hash is in the site's policy)."""
    return "var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith(\"__tabbed_\"))"


@pytest.mark.parametrize("body", [
    "<script>alert(document.domain)</script>",
    "<p>x</p><SCRIPT type=\"module\">alert(1)</SCRIPT>",
    "<script>\nalert(1)\n\n</script>",  # a script split over chunks of the memo
    "<img\n\nonerror=alert(1) src=x>",  # a tag split over chunks
    '<a title="x\n\n" onclick=alert(1)>x</a>',
    '<script src="https://evil.example/x.js"></script>',
    '<script src="../uploads/x.js"></script>',
    '<script src="//evil.example/assets/x.js"></script>',
    '<img src="x" onerror="alert(1)">',
    "<div\nonmouseover=alert(1)>x</div>",
    '<a title="a>b" onclick=alert(1)>x</a>',  # a quoted ">" does not end the tag
    '<a title=x"y onmouseover=alert(1)>x</a>',  # nor does a quote inside an unquoted value
    '<a x" onclick=alert(1)>x</a>',
    '<a href="x"onclick=alert(1)>x</a>',
    '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
    '<base href="//evil.example/">',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" JaVa&#x09;Script&colon;alert(1)">x</a>',
    "<a href='&#106;avascript:alert(1)'>x</a>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<script id="__config" type="application/json">{}</script><script id="__config">alert(1)</script>',
])
def test_a_release_with_an_injected_script_is_refused(tmp_path, body):
    root = _release(tmp_path, body)
    problems = checks.active_content(root)
    assert problems and all(p.startswith("pagina/index.html: ") for p in problems), problems
    with pytest.raises(checks.CheckFailed) as failure:
        checks.check_release(root, checks.Watchlist())
    assert failure.value.kind in ("active content", "external resources")


@pytest.mark.parametrize("body", [
    "",
    "<p>onclick=alert(1) javascript:alert(2) &lt;script&gt;alert(3)&lt;/script&gt;</p>",  # text, not markup
    '<a href="../assets/offers.js" title="javascript: a guide">JavaScript</a>',
    '<input type="checkbox" data-md-toggle="search" id="__search">',
])
def test_the_site_own_scripts_and_plain_text_pass(tmp_path, body):
    root = _release(tmp_path, body)
    assert checks.active_content(root) == []
    checks.check_release(root, checks.Watchlist())


def test_the_check_finds_a_script_on_one_page_among_many_through_the_workers(tmp_path):
    root = _release(tmp_path, "")
    for k in range(1200):
        (root / "offerte" / f"O{k:05d}").mkdir(parents=True)
        (root / "offerte" / f"O{k:05d}" / "index.html").write_text(
            PAGE.format(scope=_theme_script(), body=f"<p>Offerta {k}</p>" + ("<b onclick=x>" if k == 777 else "")),
            encoding="utf-8")
    found = checks.scan(root, checks.Watchlist(), workers=2)
    assert found["active"] == ["offerte/O00777/index.html: event-handler attribute «onclick» in <b onclick=x>"]


def test_a_release_with_a_script_is_refused_and_the_live_site_stays(database, tmp_path, monkeypatch):
    """As if a new template forgot to escape: the pipeline's release check refuses what escaping missed."""
    demo.seed(scale=0.2)
    site = tmp_path / "site"
    assert pipeline.publish(root=site)[0] == "success"
    before = Releases(site).live()
    guide = "locatori/landlords-canone-concordato.md"
    real_write_site = pages.write_site

    def forgetful_write_site(data, work, written=None, **options):
        def inject(lang, nav):
            if lang == "it":
                page = work / "docs_it" / guide
                page.write_text(page.read_text(encoding="utf-8") + "\n<script>alert(document.domain)</script>\n",
                                encoding="utf-8")
            written(lang, nav)
        return real_write_site(data, work, written=inject, **options)

    monkeypatch.setattr(pages, "write_site", forgetful_write_site)
    with pytest.raises(checks.CheckFailed) as failure:
        pipeline.publish(force=True, root=site)
    assert failure.value.kind == "active content"
    assert failure.value.problems == ["locatori/landlords-canone-concordato/index.html: inline script not among "
                                      "the site's own (sha256-" + _sha256("alert(document.domain)") + ")"]
    assert Releases(site).live() == before
    assert len(list((site / "releases").iterdir())) == 1, "the refused release is discarded"
    assert "<script>alert" not in (before / guide.replace(".md", "/index.html")).read_text(encoding="utf-8")


def _sha256(text):
    import base64

    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


# -- Content-Security-Policy -------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def test_every_page_carries_a_strict_policy_that_allows_exactly_the_theme_inline_scripts(hostile_release):
    policy = site_scripts.site_policy()
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy and "*" not in policy
    # one origin from elsewhere, in form-action only: the back office's endpoint of the landlords' form
    from housing import landlord_proposals

    endpoint = landlord_proposals.origin(landlord_proposals.endpoint_url())
    assert directives["form-action"] == f"'self' {endpoint}"
    assert "http:" not in policy.replace(endpoint, "") and "https:" not in policy.replace(endpoint, "")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    used = set()
    for name, html in _html_pages(hostile_release).items():
        head = html.split("</head>", 1)[0]
        assert meta in head, name
        assert head.index(meta) < head.find("<script") or "<script" not in head, f"{name}: the policy comes first"
        assert '<meta name="referrer" content="same-origin">' in head, name
        used |= {_sha256(script) for script in INLINE_SCRIPT.findall(html)}
    found = {f"'sha256-{h}'" for h in used}
    assert found == set(re.findall(r"'sha256-[^']+'", directives["script-src"])), \
        f"the policy lists the hash of every inline script of the theme, and no other; found: {' '.join(sorted(found))}"


def test_the_policy_is_one_line_of_plain_directives():
    assert re.fullmatch(r"[a-z-]+ [^;\"<>]+(?:; [a-z-]+ [^;\"<>]+)*", site_scripts.site_policy())


def test_no_template_prints_a_value_in_an_attribute_with_a_filter_that_leaves_quotes():
    """In an attribute only the default escaping (which escapes both quotes) or |url is safe: not |h, |md or |cell."""
    in_attribute = re.compile(r"""=\s*(["'])[^"'<>]*\{\{[^}]*\|\s*(?:h|md|cell|email|safe)\b[^}]*\}\}""")
    for path in [*(pages.SITE_DIR / "templates").glob("*.j2"), *pages.CONTENT_DIR.glob("*/*/*.md")]:
        assert not in_attribute.search(path.read_text(encoding="utf-8")), path
