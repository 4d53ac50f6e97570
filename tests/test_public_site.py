"""The public site as a visitor meets it (issue 16): accessibility, the language switcher, the footer's
pages, partner texts, the search index, the demo server's 404 and the listing's filters in the address.

One demo site is published for the whole module (publication is the costly part); the browser tests
share one chromium. axe-core is vendored (tests/vendor/axe.min.js) and injected into a context that
bypasses the site's Content-Security-Policy; the site's own scripts run as served.
"""
import html
import json
import re
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from browser import chromium_browser, require_browser, serve_directory

# One page of every kind, per language (the offer pages exist once, bilingual, in the Italian build).
KINDS = {
    "it": ["", "offerte/", "offerte/{offer}/", "locatori/", "locatori/landlords-canone-concordato/",
           "locatori/landlords-tax-incentives/", "partner/", "accordi/", "statistiche/", "dati-aperti/",
           "dichiarazione-di-accessibilita/", "offri-alloggio/", "404.html"],
    "en": ["en/", "en/offers/", "en/landlords/landlords-canone-concordato/", "en/landlords/landlords-tax-incentives/",
           "en/partners/", "en/agreements/", "en/statistics/", "en/open-data/", "en/accessibility/", "en/offer-your-home/",
           "en/404.html"],
}
FOOTER = {"it": ["dichiarazione-di-accessibilita/", "note-legali/", "privacy/", "contatti/"],
          "en": ["en/accessibility/", "en/legal-notes/", "en/privacy/", "en/contacts/"]}


@pytest.fixture(scope="module")
def site(request, tmp_path_factory):
    """The demo data (scale 0.2) published once: the live release folder."""
    from conftest import module_db_url
    from housing import demo
    from housing.database import bind
    from housing.publishing import pipeline
    from housing.publishing.releases import Releases

    request.param = "sqlite"  # the site is the same whatever the engine (tests/test_publishing.py runs both)
    database = bind(module_db_url(request, tmp_path_factory, "public_site"))
    root = tmp_path_factory.mktemp("public_site")
    with database.connection_context():
        demo.seed(scale=0.2)
        outcome, message = pipeline.publish(root=root / "site")
    assert outcome == "success", message
    return Releases(root / "site").live()


@pytest.fixture(scope="module")
def browser():
    require_browser()
    with chromium_browser() as instance:
        yield instance


def first_offer(site):
    return sorted(p.name for p in (site / "offerte").iterdir() if p.name.startswith("O"))[0]


def read(site, address):
    path = site / address if address.endswith(".html") else site / address / "index.html"
    return path.read_text(encoding="utf-8")


def switcher_links(text):
    """{language: href} of the page's language switcher."""
    return {lang: html.unescape(href) for href, lang in
            re.findall(r'<a href="([^"]*)" hreflang="(\w\w)" lang="\w\w" class="md-select__link"', text)}


def every_page(site):
    return sorted(str(p.relative_to(site).parent) + "/" for p in site.rglob("index.html")
                  if not re.match(r"offerte/O\d", str(p.relative_to(site))))


# -- without a browser -----------------------------------------------------------------------------

def test_the_language_switcher_leads_to_the_same_page(site):
    """It always led to the English home page: every page now links its counterpart, which links back."""
    checked = 0
    for address in every_page(site):
        address = "" if address == "./" else address
        lang = "en" if address.startswith("en/") else "it"
        other = "it" if lang == "en" else "en"
        links = switcher_links(read(site, address))
        assert links[lang] == "./", address
        target = urlsplit(urljoin("http://site/" + address, links[other])).path.lstrip("/")
        assert (site / target / "index.html").is_file(), f"{address} -> {target}"
        if address not in ("", "en/"):
            assert target not in ("", "en/"), f"{address} leads to the other language's home page"
        back = urlsplit(urljoin("http://site/" + target, switcher_links(read(site, target))[lang])).path.lstrip("/")
        assert back == address, f"{address} -> {target} -> {back}"
        checked += 1
    assert checked > 30
    offer = first_offer(site)
    assert switcher_links(read(site, f"offerte/{offer}/"))["en"] == "../../en/offers/"  # bilingual: the English listing


def test_the_fallback_list_of_every_offer_is_kept_out_of_the_search_index(site):
    """About 40% of the Italian index at 10,000 offers was the listing's list for browsers without JavaScript."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    listing = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("offerte/")
                       and not doc["location"].startswith("offerte/O"))
    assert "€" not in listing and "m²" not in listing, listing[:300]
    assert "Offerte di alloggi" in " ".join(doc["title"] for doc in index["docs"])
    assert "hf-offer-list-static" in read(site, "offerte/"), "the list is still on the page, for browsers without scripts"


def test_the_footer_links_the_pages_a_public_body_must_have(site):
    for lang, pages in FOOTER.items():
        for address in [KINDS[lang][0], KINDS[lang][1]]:
            footer = read(site, address).split('<ul class="hf-footer-links">', 1)[1].split("</ul>", 1)[0]
            targets = [urlsplit(urljoin("http://site/" + address, html.unescape(h))).path.lstrip("/")
                       for h in re.findall(r'href="([^"]*)"', footer)]
            assert targets == pages, (address, targets)
        for address in pages:
            assert (site / address / "index.html").is_file(), address
    statement = read(site, "dichiarazione-di-accessibilita/")
    assert "form.agid.gov.it" in statement and "legge 9 gennaio 2004, n. 4" in statement
    privacy = read(site, "privacy/")
    assert "non usa cookie" in privacy and "non carica nulla da altri siti" in privacy
    assert "sets no cookies" in read(site, "en/privacy/")


def test_partner_descriptions_in_italian_on_the_english_site_say_so(site):
    english = read(site, "en/partners/")
    described = re.findall(r'<p lang="it">([^<]+)</p>\s*<p class="hf-note-language">Description available in Italian only.</p>',
                           english)
    italian = read(site, "partner/")
    assert described and all(text in italian for text in described)
    assert "Italian only" not in italian


def test_the_demo_server_answers_a_missing_page_with_the_sites_own_404(site):
    import jobs

    server = jobs.serve_site("127.0.0.1:0", site.parent.parent)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for path, page in (("nessuna/pagina/", "404.html"), ("en/no/such/page", "en/404.html")):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(base + path, timeout=10)
            assert caught.value.code == 404
            body = caught.value.read().decode("utf-8")
            assert body == (site / page).read_text(encoding="utf-8") and "Error response" not in body
            assert caught.value.headers["Content-Type"] == "text/html; charset=utf-8"
    finally:
        server.shutdown()
        server.server_close()


# -- in a browser ------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "en"])
def test_no_axe_violation_on_any_kind_of_page(site, browser, lang):
    """The publisher's own release check (housing/publishing/accessibility.py), on one page of every kind."""
    from housing.publishing import accessibility

    found = accessibility.violations(site, [a.format(offer=first_offer(site)) for a in KINDS[lang]], browser=browser)
    assert not found, "axe-core violations:\n" + "\n".join(found)


def test_the_publishers_accessibility_check_samples_every_kind_of_page(site):
    from housing.publishing import accessibility

    sampled = accessibility.sample(site)
    for lang in KINDS:
        assert not {a.format(offer=first_offer(site)) for a in KINDS[lang]} - set(sampled)


def listed(page):
    return page.eval_on_selector_all("#hf-results li.hf-offer", "els => els.map(e => e.dataset.ref)")


@pytest.mark.browser
def test_the_filters_are_kept_in_the_address_restored_and_survive_the_back_button(site, browser):
    offers = json.loads((site / "assets" / "offers.json").read_text(encoding="utf-8"))
    district = max({o["district"] for o in offers if o["district"]},
                   key=lambda d: (sum(o["district"] == d for o in offers), d))
    rents = sorted(o["rent"] for o in offers if o["district"] == district)
    limit = rents[len(rents) // 2] + 0.5
    expected = sorted((o["rent"], o["ref"]) for o in offers if o["district"] == district and o["rent"] <= limit)
    with serve_directory(site) as base:
        page = browser.new_page()
        page.goto(base + "offerte/")
        page.wait_for_selector("#hf-results li")
        page.select_option("#hf-district", district)
        page.fill("#hf-max-rent", f"{limit:.2f}".replace(".", ","))  # a decimal comma, as typed in Italy
        address = page.evaluate("location.href")  # page.url follows history.replaceState late
        query = parse_qs(urlsplit(address).query)
        assert query == {"district": [district], "max_rent": [f"{limit:.2f}".replace(".", ",")]}, address
        assert listed(page) == [ref for _, ref in expected]
        # each district says how many offers it would list under the other filters (the rent here)
        labels = dict(page.eval_on_selector_all("#hf-district option", "els => els.map(e => [e.value, e.textContent])"))
        for name in {o["district"] for o in offers if o["district"]}:
            count = sum(o["district"] == name and o["rent"] <= limit for o in offers)
            assert labels[name] == f"{name} ({count})", labels[name]
        shared = address
        # bookmarked or shared: restored on load
        page.goto("about:blank")
        page.goto(shared)
        page.wait_for_selector("#hf-results li")
        assert page.input_value("#hf-district") == district and listed(page) == [ref for _, ref in expected]
        # to an offer and back
        page.click("#hf-results li.hf-offer a >> nth=0")
        page.wait_for_url(re.compile(r"/offerte/O\d+/$"))
        page.go_back()
        page.wait_for_selector("#hf-results li")
        assert page.evaluate("location.href") == shared and listed(page) == [ref for _, ref in expected]
        # the language switcher carries the filters to the English listing
        page.hover(".md-header .md-select")  # the theme opens the language list on hover or focus
        page.click("a.md-select__link[hreflang=en]")
        page.wait_for_url(re.compile(r"/en/offers/"))
        page.wait_for_selector("#hf-results li")
        assert page.input_value("#hf-district") == district and listed(page) == [ref for _, ref in expected]
        # an unreadable figure is said, and filters nothing
        page.fill("#hf-max-rent", "6,5,0")
        assert page.get_attribute("#hf-max-rent", "aria-invalid") == "true"
        assert "Not a readable number" in page.inner_text("#hf-max-rent-warning")
        assert len(listed(page)) == sum(o["district"] == district for o in offers)
        page.close()


# -- issue 16: the district map, "nuove dal ...", open data, English partner and agreement texts -----

PERSONAL = {"first_name", "last_name", "full_name", "tax_code", "email", "phone", "address", "income",
            "monthly_net_income", "isee_value", "health", "notes", "contact_person", "vat_number", "latitude",
            "longitude", "postcode", "cadastral_sheet", "cadastral_parcel", "cadastral_unit", "deposit"}


def test_the_open_data_files_hold_the_whitelist_and_no_personal_field(site):
    """The CSV and JSON columns are the exported offer's fields (the whitelist), the same rows as the pages."""
    import csv

    from housing.publishing import export, open_data
    from models import db

    with db.connection_context():
        exported = list(export.published_offers())
        statistics = export.statistics()
    columns = open_data.offer_columns()
    assert sorted(columns) == sorted(exported[0]) and columns[-1] == "street" and not PERSONAL & set(columns)
    with (site / "dati" / "offerte.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == columns and [r["ref"] for r in rows] == [o["ref"] for o in exported]
    data = json.loads((site / "dati" / "offerte.json").read_text(encoding="utf-8"))
    assert data["columns"] == columns and data["offers"] == exported and "CC BY 4.0" in data["licence"]
    assert all(not PERSONAL & set(offer) for offer in data["offers"])
    # the statistics keep their suppression: a hidden cell is empty, never a number under the threshold
    with (site / "dati" / "statistiche.csv").open(encoding="utf-8", newline="") as handle:
        cells = list(csv.DictReader(handle))
    assert list(cells[0]) == ["table", "district", "rooms", "count"]
    counts = [c["count"] for c in cells]
    assert "" in counts and all(c == "" or int(c) == 0 or int(c) >= export.SMALL_CELL for c in counts)
    stats = json.loads((site / "dati" / "statistiche.json").read_text(encoding="utf-8"))
    expected = {(t, row["district"], s): row[s] for t in ("supply", "demand") for row in statistics[t] for s in statistics["size_bands"]}
    assert {(r["table"], r["district"], r["rooms"]): r["count"] for r in stats["rows"]} == expected
    for page, words in (("dati-aperti/", ("CC BY 4.0", "Colonna", "../dati/offerte.csv")),
                        ("en/open-data/", ("CC BY 4.0", "Column", "../../dati/statistiche.json"))):
        text = read(site, page)
        assert all(word in text for word in words), page
        assert all(f"<code>{column}</code>" in text for column in columns), page


def test_the_privacy_scan_reads_the_open_data_files(site, tmp_path):
    """A name planted in the CSV or the JSON stops the release, as in a page."""
    import shutil

    from housing.publishing import checks

    for name in ("offerte.csv", "statistiche.json"):
        copy = tmp_path / name.replace(".", "_")
        shutil.copytree(site / "dati", copy / "dati")
        with (copy / "dati" / name).open("a", encoding="utf-8") as handle:
            handle.write("\nMario Rossi RSSMRA80A01C351O\n")
        found = checks.scan(copy, checks.Watchlist(names=["Mario Rossi"], codes=["RSSMRA80A01C351O"]))["privacy"]
        assert len(found) >= 2 and all(f"dati/{name}" in problem for problem in found), found


def test_the_map_draws_the_district_outlines_as_named_links_with_a_list_alternative(site):
    from housing.publishing import district_map

    offers = json.loads((site / "assets" / "offers.json").read_text(encoding="utf-8"))
    page = read(site, "offerte/")
    svg = page.split('<figure class="hf-map"', 1)[1].split("</figure>", 1)[0]
    assert "<circle" not in svg and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    links = re.findall(r'<a href="\?district=[^"#]+#hf-offers" data-district="([^"]+)" aria-label="([^"]+)">', svg)
    assert {html.unescape(name) for name, _ in links} == set(district_map.load_outlines())
    for name, label in links:
        n = sum(o["district"] == html.unescape(name) for o in offers)
        assert html.unescape(label) == f"{html.unescape(name)}: {n} {'offerta' if n == 1 else 'offerte'}"
    assert 'role="status" aria-live="polite"' in page and 'id="hf-map-list"' in page
    assert "aria-label=\"Centro: " in read(site, "en/offers/").replace("offerte", "") or "offers" in read(site, "en/offers/")


def test_the_offers_carry_their_publication_date_for_the_new_since_filter(site):
    offers = json.loads((site / "assets" / "offers.json").read_text(encoding="utf-8"))
    published = json.loads((site / "dati" / "offerte.json").read_text(encoding="utf-8"))["offers"]
    assert [o["published"] for o in offers] == [o["published_on"] for o in published]
    assert all(o["published"] for o in offers) and len({o["published"] for o in offers}) > 5


def test_agreements_and_partners_in_english_where_staff_wrote_it_else_marked_italian(site):
    from housing.publishing import export, pages
    from models import db

    with db.connection_context():
        agreements, partners = list(export.published_agreements()), list(export.listed_partners())
    english, italian = read(site, "en/agreements/"), read(site, "accordi/")
    for a in agreements:
        if a["title_en"]:
            assert html.escape(a["commitments_en"], quote=False) in english and a["title_en"] in english
        else:
            assert f'<span lang="it">{html.escape(a["title"], quote=False)}</span>' in english
    assert "Italian only" not in italian and not any(a["commitments_en"] and a["commitments_en"] in italian
                                                     for a in agreements)
    page = read(site, "en/partners/")
    assert any(p["services_en"] for p in partners) and all(html.escape(p["services_en"], quote=False) in page
                                                           for p in partners if p["services_en"])
    # both cases of the template, whatever the demo drew
    rendered = pages.environment("en").get_template("agreements.md.j2").render(agreements=[
        {"title": "Protocollo – casa", "title_en": "Memorandum – housing", "kind": "memorandum", "status": "active",
         "signed_on": None, "valid_from": None, "valid_to": None, "partners": [], "other_partners": 0,
         "document_reference": None, "commitments": "Le parti collaborano.", "commitments_en": "The parties work together."},
        {"title": "Convenzione – lavoro", "title_en": "", "kind": "convention", "status": "active", "signed_on": None,
         "valid_from": None, "valid_to": None, "partners": [], "other_partners": 0, "document_reference": None,
         "commitments": "Le parti si impegnano.", "commitments_en": ""}])
    assert "| Memorandum – housing |" in rendered and "The parties work together." in rendered
    assert '<span lang="it">Convenzione – lavoro</span>' in rendered
    assert re.search(r'Le parti si impegnano\.\n\{: lang="it" \}\n\nText available in Italian only\.', rendered)


@pytest.mark.browser
def test_the_map_follows_the_filters_and_works_from_the_keyboard(site, browser):
    offers = json.loads((site / "assets" / "offers.json").read_text(encoding="utf-8"))
    days = sorted({o["published"] for o in offers})
    since = days[len(days) // 2]
    recent = [o for o in offers if o["published"] >= since]
    with serve_directory(site) as base:
        page = browser.new_page()
        page.goto(base + f"offerte/?since={since}")
        page.wait_for_selector("#hf-results li")
        assert page.input_value("#hf-since") == since
        assert sorted(listed(page)) == sorted(o["ref"] for o in recent)  # "nuove dal ...", from the address
        shown = dict(page.eval_on_selector_all("svg text[data-district]", "els => els.map(e => [e.dataset.district, e.textContent])"))
        for name, text in shown.items():
            n = sum(o["district"] == name for o in recent)
            assert text == (str(n) if n else ""), name
        status = page.inner_text("#hf-map-status")
        assert status.startswith(f"{len(recent)} offert"), status
        # keyboard: Tab reaches a district, Enter filters the listing on it
        district = max(shown, key=lambda name: (sum(o["district"] == name for o in recent), name))
        link = page.locator(f'svg a[data-district="{district}"]')
        link.focus()
        assert page.evaluate("document.activeElement.getAttribute('data-district')") == district
        page.keyboard.press("Enter")
        assert page.input_value("#hf-district") == district
        assert parse_qs(urlsplit(page.evaluate("location.href")).query)["district"] == [district]
        assert sorted(listed(page)) == sorted(o["ref"] for o in recent if o["district"] == district)
        assert link.get_attribute("aria-current") == "true"
        page.close()


def test_a_release_the_publisher_must_check_for_accessibility_and_cannot_is_refused(site, monkeypatch):
    """HOUSING_AXE_CHECK=1 without a browser: the release is refused, the live site stays (runs last: it publishes)."""
    from housing.publishing import accessibility, checks, pipeline
    from housing.publishing.releases import Releases
    from models import db

    monkeypatch.setenv("HOUSING_AXE_CHECK", "1")
    monkeypatch.setattr(accessibility, "CHROMIUM", "/nonexistent/chromium")
    root = site.parent.parent
    with db.connection_context(), pytest.raises(checks.CheckFailed, match="accessibility.*no chromium"):
        pipeline.publish(force=True, root=root)
    assert Releases(root).live() == site
    monkeypatch.setenv("HOUSING_AXE_CHECK", "auto")
    assert not accessibility.wanted(), "auto: skipped where chromium is missing"


def test_the_landlords_form_is_on_the_site_in_both_languages(site):
    """The form posts to the back office's endpoint, the only other origin the policy allows (form-action)."""
    from housing import landlord_proposals

    endpoint = landlord_proposals.endpoint_url()
    for address, lang in (("offri-alloggio", "it"), ("en/offer-your-home", "en")):
        page = read(site, address)
        assert f'action="{endpoint}?lang={lang}"' in page, address
        assert 'method="post"' in page and "data-hf-proposal-form" in page
        for name in ("name", "email", "phone", "district", "area_m2", "rooms", "monthly_rent", "available_from",
                     "consent", "website", "elapsed", "has_lift", "furnished"):
            assert f'name="{name}"' in page, (address, name)
        assert '<option value="">' in page and page.count("<option>") > 3  # the district registry
        assert f"form-action 'self' {landlord_proposals.origin(endpoint)}" in page
        assert "assets/proposal.js" in page
    guide = read(site, "locatori/landlords-canone-concordato")
    assert 'data-hf-proposal="../../offri-alloggio/"' in guide
