"""The browser calculators give the results of the shared vectors.

A harness page (the two guide markers plus the sustainability calculator) is
served from a temporary folder with a copy of calculators.js/css and a
rent-data.json made by ``rents.rent_data`` from the vectors' zones and figures;
Debian's chromium fills the forms through Playwright.
"""
import json
import pathlib
import shutil

import pytest

from browser import chromium_browser, serve_directory
from housing import rents

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSETS = ROOT / "site" / "static" / "assets"
VECTORS = json.loads((ROOT / "tests" / "vectors" / "calculators.json").read_text(encoding="utf-8"))
MARKERS = "\n".join(f'<div class="hf-calculator" data-calculator="{name}"></div>'
                    for name in ("concordato-range", "landlord-income", "sustainability"))
# The Italian page finds the data through data-hf-root, the English one through the script's URL.
PAGE = """<!doctype html>
<html lang="{lang}"{root}>
<head><meta charset="utf-8"><title>harness</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/calculators.css"></head>
<body><main>{markers}</main>
<script src="assets/numbers.js"></script>
<script src="assets/calculators.js"></script></body></html>
"""


def money(value, lang):
    """The JavaScript money() format: 1.234,56 € (it), €1,234.56 (en); U+2212 minus."""
    text = f"{abs(value):,.2f}"
    if lang == "it":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".") + "\u00a0€"
    else:
        text = "€" + text
    return ("\u2212" if value < 0 else "") + text


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("harness")
    (root / "assets").mkdir()
    for name in ("numbers.js", "calculators.js", "calculators.css"):
        shutil.copy(ASSETS / name, root / "assets" / name)
    data = rents.rent_data(VECTORS["zones"], VECTORS["figures"])
    (root / "assets" / "rent-data.json").write_text(json.dumps(data), encoding="utf-8")
    (root / "it.html").write_text(PAGE.format(lang="it", root=' data-hf-root="./"', markers=MARKERS), encoding="utf-8")
    (root / "en.html").write_text(PAGE.format(lang="en-GB", root="", markers=MARKERS), encoding="utf-8")
    with serve_directory(root) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as instance:
        yield instance


@pytest.fixture
def open_page(browser, site):
    pages, errors = [], []

    def open_(name):
        page = browser.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(site + name)
        page.wait_for_function(
            "[...document.querySelectorAll('.hf-calculator')].every(e => e.dataset.hfReady === 'true')")
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()
    assert not errors, errors


def calculator(page, name):
    return page.locator(f'.hf-calculator[data-calculator="{name}"]')


def output(calc, field):
    return calc.locator(f'[data-hf-output="{field}"]')


def check_amount(calc, field, expected, lang):
    node = output(calc, field)
    assert float(node.get_attribute("data-value")) == pytest.approx(expected, abs=1e-9), field
    assert node.inner_text() == money(expected, lang), field


@pytest.mark.parametrize("case", VECTORS["concordato_range"], ids=lambda c: c["name"])
def test_concordato_range_matches_the_vectors(open_page, case):
    page = open_page("it.html")
    calc = calculator(page, "concordato-range")
    given, expected = case["input"], case["expected"]
    calc.locator('[data-hf-input="zone"]').select_option(given["zone"])
    calc.locator('[data-hf-input="area"]').fill(str(given["area_m2"]))
    boxes = calc.locator('input[name="feature"]')
    for i in range(boxes.count()):
        boxes.nth(i).set_checked(i < given["features"])
    assert output(calc, "features").inner_text().endswith(str(given["features"]))
    result = calc.locator("[data-hf-result]")
    if expected is None:
        assert "Nessuna fascia" in result.inner_text()
        assert output(calc, "band").count() == 0
        return
    assert output(calc, "band").inner_text() == expected["band"]
    for field in ("min_month", "max_month", "min_year", "max_year"):
        check_amount(calc, field, expected[field], "it")


@pytest.mark.parametrize("case", VECTORS["landlord_income"], ids=lambda c: c["name"])
def test_landlord_income_matches_the_vectors(open_page, case):
    page = open_page("it.html")
    calc = calculator(page, "landlord-income")
    for name, value in case["input"].items():
        calc.locator(f'[data-hf-input="{name}"]').fill(str(value))
    expected = case["expected"]
    for regime in ("free_market", "concordato"):
        for field in ("gross_rent", "flat_tax", "imu", "grant", "arrears_loss", "net_year"):
            node = output(calc, f"{regime}.{field}")
            value = expected[regime][field]
            assert float(node.get_attribute("data-value")) == pytest.approx(value, abs=1e-9), (regime, field)
            sign = -1 if field in ("flat_tax", "imu", "arrears_loss") else 1
            assert node.inner_text().startswith(money(sign * value, "it")), (regime, field)
        months = output(calc, f"{regime}.months_let")
        assert float(months.get_attribute("data-value")) == expected[regime]["months_let"]
    check_amount(calc, "difference", expected["difference"], "it")


@pytest.mark.parametrize("case", VECTORS["sustainability"], ids=lambda c: c["name"])
def test_sustainability_matches_the_vectors(open_page, case):
    page = open_page("it.html")
    calc = calculator(page, "sustainability")
    for name, value in case["input"].items():
        calc.locator(f'[data-hf-input="{name}"]').fill(str(value))
    expected = case["expected"]
    incidence = output(calc, "incidence")
    if expected["incidence"] is None:
        assert incidence.get_attribute("data-value") == ""
        assert "reddito zero" in incidence.inner_text()
    else:
        assert float(incidence.get_attribute("data-value")) == pytest.approx(expected["incidence"], abs=1e-12)
    assert output(calc, "above_threshold").get_attribute("data-value") == str(expected["above_threshold"]).lower()
    check_amount(calc, "household_max", expected["household_max"], "it")
    check_amount(calc, "contribution", expected["contribution"], "it")


def test_the_formulas_agree_in_bulk(open_page):
    """Many more inputs than the vectors, through window.HFCalculators."""
    page = open_page("it.html")
    figures = VECTORS["figures"]
    cases = [(free, conc, vacant, imu, arrears)
             for free in (0, 333.33, 612.35, 1000.01) for conc in (0, 287.5, 455.55)
             for vacant in (0, 1, 5, 12) for imu in (0, 733.33) for arrears in (0, 3, 12)]
    js = page.evaluate("([cases, figures]) => cases.map(c => HFCalculators.compareFreeVsConcordato("
                       "c[0], c[1], c[2], c[3], figures, c[4]))", [cases, figures])
    for case, got in zip(cases, js):
        want = rents.compare_free_vs_concordato(*case[:4], figures, arrears_months=case[4])
        assert got["difference"] == float(want["difference"]), case
        for regime in ("free_market", "concordato"):
            assert got[regime]["net_year"] == float(want[regime]["net_year"]), case
    areas = (0, 17.3, 45, 52.5, 73, 101.75)
    bands = VECTORS["zones"][1]["bands"]
    js = page.evaluate("([areas, bands]) => areas.map(a => HFCalculators.concordatoRange(a, bands, 2))", [areas, bands])
    for area, got in zip(areas, js):
        want = rents.concordato_range(area, bands, 2)
        assert {k: float(v) for k, v in want.items() if k != "band"} == {k: v for k, v in got.items() if k != "band"}


def test_english_page_and_keyboard(open_page):
    page = open_page("en.html")
    calc = calculator(page, "concordato-range")
    assert calc.locator("legend").first.inner_text() == "Controlled rent: find the sub-band and the rent"
    assert calc.locator("label", has_text="Zone of the territorial agreement").count() == 1
    assert calc.locator("label", has_text="Lift").count() == 1
    assert calculator(page, "landlord-income").locator("th", has_text="Net yearly income").count() == 0
    assert "Fill in the fields" in calc.locator("[data-hf-result]").inner_text()
    assert calc.locator("[data-hf-result]").get_attribute("aria-live") == "polite"
    # Keyboard only: zone select, Tab to the surface, Tab to the first feature, Space ticks it.
    calc.locator('[data-hf-input="zone"]').focus()
    page.keyboard.press("ArrowDown")  # Z2
    page.keyboard.press("Tab")
    page.keyboard.type("52.5")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert output(calc, "features").inner_text() == "Features selected: 2"
    assert output(calc, "band").inner_text() == "fascia media"
    assert output(calc, "min_month").inner_text() == "€282.19"
    assert "Monthly rent" in calc.inner_text()
    income = calculator(page, "landlord-income")
    for name, value in VECTORS["landlord_income"][0]["input"].items():
        income.locator(f'[data-hf-input="{name}"]').fill(str(value))
    assert income.locator("th", has_text="Net yearly income").count() == 1
    assert output(income, "difference").inner_text() == money(VECTORS["landlord_income"][0]["expected"]["difference"], "en")
    income.locator('[data-hf-input="months_vacant"]').fill("13")
    assert "Enter valid numbers" in income.locator("[data-hf-result]").inner_text()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_decimal_comma_reads_as_a_decimal_point(open_page, lang):
    """Issue 16: "75,5" in the surface gave 755 (a rent ten times too high), with no warning."""
    page = open_page(f"{lang}.html")
    calc = calculator(page, "concordato-range")
    area = calc.locator('[data-hf-input="area"]')
    area.fill("75.5")
    with_point = output(calc, "min_month").get_attribute("data-value")
    area.fill("")
    area.press_sequentially("75,5")  # typed key by key, as a person does
    assert output(calc, "min_month").get_attribute("data-value") == with_point
    assert area.get_attribute("aria-invalid") is None
    income = calculator(page, "landlord-income")
    income.locator('[data-hf-input="free_rent"]').fill("1.234,50")
    income.locator('[data-hf-input="concordato_rent"]').fill("1234.5")
    income.locator('[data-hf-input="imu_year"]').fill("0")
    gross = income.locator('[data-hf-output="free_market.gross_rent"]').get_attribute("data-value")
    assert float(gross) == pytest.approx(1234.5 * 12)


@pytest.mark.parametrize("typed", ["75,5,1", "abc", "7..5"])
def test_an_unreadable_number_is_named_beside_its_field(open_page, typed):
    page = open_page("it.html")
    calc = calculator(page, "concordato-range")
    area = calc.locator('[data-hf-input="area"]')
    area.fill(typed)
    assert area.get_attribute("aria-invalid") == "true"
    warning = calc.locator('[data-hf-warning="area"]')
    assert "Numero non leggibile" in warning.inner_text()
    assert area.get_attribute("aria-describedby") == warning.get_attribute("id")
    assert output(calc, "min_month").count() == 0, "no rent is shown from an unreadable surface"
    area.fill("75,5")
    assert area.get_attribute("aria-invalid") is None and warning.inner_text() == ""
