"""The landlords' form in Debian's chromium: the calculators prefill it, its script stamps the fill time.

A harness folder holds a calculator page whose marker links to the form (as the guides do) and the form
page rendered from site/templates/proposal.md.j2; the form's POST is intercepted (nothing is sent).
"""
import pathlib
import shutil
from urllib.parse import parse_qs

import pytest

from browser import chromium_browser, serve_directory
from housing import rents
from housing.publishing import pages

pytestmark = pytest.mark.browser

ASSETS = pathlib.Path(pages.SITE_DIR) / "static" / "assets"
CALCULATOR = """<!doctype html><html lang="it" data-hf-root="./"><head><meta charset="utf-8"><title>c</title>
<link rel="icon" href="data:,"></head><body><main>
<div class="hf-calculator" data-calculator="concordato-range" data-hf-proposal="form.html"></div></main>
<script src="assets/numbers.js"></script><script src="assets/calculators.js"></script></body></html>"""
FORM = """<!doctype html><html lang="it"><head><meta charset="utf-8"><title>f</title><link rel="icon" href="data:,">
</head><body><main>{form}</main><script src="assets/proposal.js"></script></body></html>"""
ENDPOINT = "http://127.0.0.1:9/public/landlord-proposal?lang=it"


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    import json

    root = tmp_path_factory.mktemp("proposal")
    (root / "assets").mkdir()
    for name in ("numbers.js", "calculators.js", "proposal.js"):
        shutil.copy(ASSETS / name, root / "assets" / name)
    figures = {"concordato": {"features": [{"key": "lift", "it": "Ascensore", "en": "Lift"}]}}
    zones = [{"code": "A", "name": "Centro", "districts": "Borgo", "bands": [
        {"label": "unica", "min_features": 0, "min_eur_m2_year": 60, "max_eur_m2_year": 120}]}]
    (root / "assets" / "rent-data.json").write_text(json.dumps(rents.rent_data(zones, figures)), encoding="utf-8")
    text = pages.environment("it").get_template("proposal.md.j2").render(
        districts=[{"name": "Borgo"}, {"name": "San Cristoforo"}], action=ENDPOINT)
    form = text[text.index("<form"):]
    (root / "calc.html").write_text(CALCULATOR, encoding="utf-8")
    (root / "form.html").write_text(FORM.format(form=form), encoding="utf-8")
    with serve_directory(root) as base:
        yield base


def test_the_calculator_prefills_the_form_and_the_script_stamps_the_fill_time(harness):
    with chromium_browser() as browser:
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(harness + "calc.html")
        page.wait_for_function("document.querySelector('.hf-calculator').dataset.hfReady === 'true'")
        page.locator('[data-hf-input="area"]').press_sequentially("75,5")
        page.locator('input[data-hf-feature="lift"]').check()
        link = page.locator("a[data-hf-proposal-link]")
        assert "area_m2=75%2C5" in link.get_attribute("href") and "has_lift=1" in link.get_attribute("href")
        link.click()
        page.wait_for_url("**/form.html?*")
        assert page.locator('input[name="area_m2"]').input_value() == "75,5"
        assert page.locator('input[name="has_lift"]').is_checked()
        assert page.locator('input[name="elapsed"]').input_value() == "0"  # until it is sent

        posted = []

        def capture(route):
            posted.append(route.request.post_data)
            route.fulfill(status=202, body="ok")

        page.route("http://127.0.0.1:9/**", capture)
        page.locator('input[name="name"]').fill("Maria Rossi")
        page.locator('input[name="email"]').fill("maria@example.org")
        page.locator('select[name="district"]').select_option("San Cristoforo")
        page.locator('input[name="rooms"]').fill("3")
        page.locator('input[name="monthly_rent"]').fill("450,50")
        page.locator('input[name="consent"]').check()
        page.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        assert len(posted) == 1
        fields = parse_qs(posted[0], keep_blank_values=True)
        assert fields["district"] == ["San Cristoforo"] and fields["area_m2"] == ["75,5"]
        assert fields["website"] == [""] and fields["language"] == ["it"]
        assert int(fields["elapsed"][0]) > 0
        assert not errors, errors
