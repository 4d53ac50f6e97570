"""Release check: no axe-core violation, of any impact, on one page of every kind.

axe-core (vendored in ``tests/vendor/axe.min.js``) runs in Debian's chromium through Playwright, over
the release served on a loopback port, at a desktop width and at 390 px, in both languages. The
publisher runs it when ``HOUSING_AXE_CHECK`` is ``1`` (a missing browser then fails the publication)
or ``auto`` (it runs where chromium and the playwright package are installed, and is skipped with a
log line elsewhere); ``0``, the default, leaves it to the browser tests (tests/test_public_site.py
calls ``violations`` itself). A violation refuses the release like the other checks.
"""
import contextlib
import functools
import http.server
import json
import logging
import os
import pathlib
import shutil
import threading
from collections import Counter
from urllib.parse import urlencode

from housing import paths, settings
from housing.publishing.pages import PATHS, SECTIONS

log = logging.getLogger(__name__)

AXE = paths.axe_script()
CHROMIUM = settings.get("HOUSING_CHROMIUM")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
WIDTHS = {"desktop": 1280, "narrow": 390}
TIMEOUT = 20_000  # ms, for a page and its scripts
# The listing's results are one markup repeated: the first 40 are checked, not 10,000.
CONTEXT = {"exclude": [["#hf-results > li:nth-child(n+41)"]]}
# Above this many offers the listing is checked filtered to its smallest district (the same markup):
# the page with 7,000 results kept axe-core busy for minutes even with the exclusion above.
LISTING_LIMIT = 200


def missing():
    """Why the check cannot run here (None when it can)."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM}"
    if not AXE.is_file():
        return f"axe-core missing ({AXE})"
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is installed
    except ImportError:
        return "the playwright package is not installed"
    return None


def wanted():
    """Whether the publisher runs the check: HOUSING_AXE_CHECK 1, or auto with everything installed."""
    setting = settings.get("HOUSING_AXE_CHECK").lower()
    if setting in ("", "0", "off", "no"):
        return False
    reason = missing()
    if reason and setting == "auto":
        log.info("accessibility check skipped: %s", reason)
        return False
    return True


def sample(release):
    """One page of every kind in both languages: the addresses (relative to the release's root).

    Kinds: the home page, each listing, an offer, a section's index, a plain guide of each section and
    every guide holding a calculator or a table, the first editorial page, the 404 page."""
    release = pathlib.Path(release)
    offers = sorted(p.name for p in (release / PATHS["offers"]["it"]).glob("O*") if p.is_dir())
    addresses = [f"{PATHS['offers']['it']}/{offers[0]}/"] if offers else []
    for prefix, lang in (("", "it"), ("en/", "en")):
        addresses.append(prefix)
        addresses += [f"{prefix}{paths[lang]}/" + (_narrowed(release) if key == "offers" else "")
                      for key, paths in PATHS.items()]
        addresses += [f"{prefix}{names[lang][0]}/" for names in list(SECTIONS.values())[:1]]  # a section's index
        for names in SECTIONS.values():  # a plain guide, and every guide with a calculator or a table
            folder = release / prefix / names[lang][0]
            guides = sorted(p for p in folder.iterdir() if (p / "index.html").is_file()) if folder.is_dir() else []
            special = [g for g in guides if any(mark in (g / "index.html").read_text(encoding="utf-8")
                                                for mark in ('class="hf-calculator"', "<table"))]
            plain = [g for g in guides if g not in special][:1]
            addresses += [f"{prefix}{names[lang][0]}/{g.name}/" for g in sorted(special + plain)]
        addresses.append(f"{prefix}404.html")
    from housing.publishing.languages import editorial_pages

    addresses += [f"{prefix}{meta.get('slug', stem)}/" for prefix, lang in (("", "it"), ("en/", "en"))
                  for stem, meta in editorial_pages(lang)[:1]]
    return [a for a in addresses if (release / a.split("?")[0]).is_file() or (release / a.split("?")[0] / "index.html").is_file()]


def _narrowed(release):
    """A query that filters a big listing down to its smallest district ("" for a small listing)."""
    index = release / "assets" / "offers.json"
    offers = json.loads(index.read_text(encoding="utf-8")) if index.is_file() else []
    districts = Counter(o["district"] for o in offers if o.get("district"))
    if len(offers) <= LISTING_LIMIT or not districts:
        return ""
    smallest = min(districts, key=lambda name: (districts[name], name))
    return "?" + urlencode({"district": smallest})


@contextlib.contextmanager
def serving(server):
    """Run ``server`` (bound to a free loopback port) in a thread; yield its base URL, ending in "/"."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def served(folder):
    """Serve ``folder`` (a built site) on a free loopback port; yield its base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as base:
        yield base


@contextlib.contextmanager
def _browser(browser):
    if browser is not None:
        yield browser
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _settled(page):
    """Wait for the site's scripts: the listing's results, the calculators, two frames for the rest."""
    page.wait_for_load_state("load")
    if page.locator("#hf-offers").count():
        page.wait_for_selector("#hf-results li")
    if page.locator(".hf-calculator").count():
        page.wait_for_selector(".hf-calculator[data-hf-ready=true]")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def violations(release, addresses=None, browser=None):
    """Every axe-core violation (any impact) on ``addresses`` of ``release`` at each width, as readable lines.

    ``browser``: a Playwright chromium already launched (the tests share one); else one is launched.
    """
    addresses = sample(release) if addresses is None else addresses
    found = []
    with served(release) as base, _browser(browser) as chromium:
        # The policy is bypassed for axe-core's own script only; the site's scripts run as served.
        context = chromium.new_context(bypass_csp=True, viewport={"width": WIDTHS["desktop"], "height": 900},
                                       reduced_motion="reduce")
        try:
            context.set_default_timeout(TIMEOUT)
            context.add_init_script(path=str(AXE))
            page = context.new_page()
            for address in addresses:
                page.goto(base + address)
                _settled(page)
                for width_name, width in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": 900})
                    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
                    result = page.evaluate("context => axe.run(context, {resultTypes: ['violations']})", CONTEXT)
                    for v in result["violations"]:
                        targets = [" ".join(node["target"]) for node in v["nodes"][:3]]
                        summary = v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:200]
                        found.append(f"[{width_name}] /{address}: {v['id']} ({v['impact']}, {len(v['nodes'])}×) "
                                     f"{targets} — {summary}")
                page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
        finally:
            context.close()
    return found
