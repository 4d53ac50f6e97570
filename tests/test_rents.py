"""Rent formulas, programme figures and editorial guides (no database)."""
import json
import pathlib
import re
from decimal import Decimal

import jinja2
import pytest
import yaml

from housing import rents

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = json.loads((ROOT / "tests" / "vectors" / "calculators.json").read_text(encoding="utf-8"))
GUIDES = ROOT / "content" / "guides"
LANGS = ("it", "en")
# each calculator's opening (the landlords' form adds its address as data-hf-proposal)
MARKERS = (
    '<div class="hf-calculator" data-calculator="concordato-range"',
    '<div class="hf-calculator" data-calculator="landlord-income"',
)


def zone_bands(code):
    return next(z["bands"] for z in VECTORS["zones"] if z["code"] == code)


def same(actual, expected, where):
    """Deep comparison of a result (Decimals) with a JSON vector (floats)."""
    if expected is None or isinstance(expected, (bool, str)):
        assert actual == expected, where
    elif isinstance(expected, dict):
        assert set(actual) == set(expected), where
        for key in expected:
            same(actual[key], expected[key], f"{where}.{key}")
    else:
        assert Decimal(str(actual)) == Decimal(str(expected)), f"{where}: {actual} != {expected}"


# -- the shared vectors ---------------------------------------------------------

def test_the_code_at_the_edges_the_vectors_must_cover():
    """The boundary cases of the shared vectors, checked on the code itself.

    Each edge is found in the vectors (the browser is tested on them too) and
    the code's result there is checked against what the edge means, not
    against the vector's expected figures.
    """
    assert len(VECTORS["concordato_range"]) >= 6
    assert len(VECTORS["landlord_income"]) >= 6
    assert len(VECTORS["sustainability"]) >= 6
    figures, edges = VECTORS["figures"], set()
    for case in VECTORS["landlord_income"]:
        given = case["input"]
        result = rents.compare_free_vs_concordato(given["free_rent"], given["concordato_rent"], given["months_vacant"],
                                                  given["imu_year"], figures, arrears_months=given["arrears_months"])
        for regime, rent in (("free_market", "free_rent"), ("concordato", "concordato_rent")):
            breakdown = result[regime]
            if given["months_vacant"] == 0:  # let all year: twelve months of rent
                edges.add("let all year")
                assert breakdown["months_let"] == 12, case["name"]
                assert breakdown["gross_rent"] == rents.cents(Decimal(str(given[rent])) * 12), case["name"]
            if given["months_vacant"] == 12:  # vacant all year: no rent, no tax on it, no arrears
                edges.add("vacant all year")
                assert breakdown["months_let"] == 0, case["name"]
                assert breakdown["gross_rent"] == breakdown["flat_tax"] == breakdown["arrears"] == 0, case["name"]
                assert breakdown["net_year"] == breakdown["grant"] - breakdown["imu"], case["name"]
    for case in VECTORS["sustainability"]:
        given = case["input"]
        if given["monthly_income"] == 0:  # no income: no incidence, the programme pays it all
            edges.add("no income")
            result = rents.sustainability(given["monthly_rent"], given["service_charges"], 0, Decimal("0.3"))
            assert result["incidence"] is None, case["name"]
            assert result["contribution"] == result["cost"] and result["household_share"] == 0, case["name"]
    for case in VECTORS["concordato_range"]:
        given = case["input"]
        if case["expected"] is None:  # no band applies: no range rather than a made-up one
            edges.add("no band")
            bands = zone_bands(given["zone"])
            assert all(band["min_features"] > given["features"] for band in bands), case["name"]
            assert rents.concordato_range(given["area_m2"], bands, given["features"]) is None, case["name"]
    assert edges == {"let all year", "vacant all year", "no income", "no band"}


@pytest.mark.parametrize("case", VECTORS["concordato_range"], ids=lambda c: c["name"])
def test_concordato_range_vectors(case):
    given = case["input"]
    result = rents.concordato_range(given["area_m2"], zone_bands(given["zone"]), given["features"])
    same(result, case["expected"], case["name"])


@pytest.mark.parametrize("case", VECTORS["landlord_income"], ids=lambda c: c["name"])
def test_landlord_income_vectors(case):
    given = case["input"]
    result = rents.compare_free_vs_concordato(
        given["free_rent"], given["concordato_rent"], given["months_vacant"], given["imu_year"],
        VECTORS["figures"], arrears_months=given["arrears_months"])
    same(result, case["expected"], case["name"])
    for breakdown in (result["free_market"], result["concordato"]):
        assert breakdown["net_year"] == (breakdown["gross_rent"] - breakdown["flat_tax"] - breakdown["imu"]
                                         + breakdown["grant"] - breakdown["arrears_loss"])


@pytest.mark.parametrize("case", VECTORS["sustainability"], ids=lambda c: c["name"])
def test_sustainability_vectors(case):
    given = case["input"]
    threshold = VECTORS["figures"]["sustainability"]["threshold"]["value"]
    result = rents.sustainability(given["monthly_rent"], given["service_charges"], given["monthly_income"], threshold)
    same(result, case["expected"], case["name"])


def test_vector_figures_have_the_shape_of_the_figures_file():
    """The browser reads figures.yaml through rent-data.json with the same paths."""
    figures = rents.load_figures()

    def paths(node, prefix=""):
        for key, value in node.items():
            if isinstance(value, dict) and "value" not in value:
                yield from paths(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"

    for path in paths(VECTORS["figures"]):
        if path == "concordato.features":
            assert [f["key"] for f in figures["concordato"]["features"]]
            continue
        rents.figure(figures, path)


# -- pick_band and friends ------------------------------------------------------

BANDS = [
    {"label": "media", "min_features": 2, "min_eur_m2_year": 70, "max_eur_m2_year": 80},
    {"label": "minima", "min_features": 0, "min_eur_m2_year": 60, "max_eur_m2_year": 70},
    {"label": "massima", "min_features": 4, "min_eur_m2_year": 80, "max_eur_m2_year": 95},
]


@pytest.mark.parametrize("features, label", [(0, "minima"), (1, "minima"), (2, "media"), (3, "media"),
                                             (4, "massima"), (10, "massima")])
def test_pick_band_takes_the_highest_min_features_reached(features, label):
    assert rents.pick_band(BANDS, features)["label"] == label


def test_pick_band_without_a_qualifying_band():
    assert rents.pick_band([], 3) is None
    assert rents.pick_band([b for b in BANDS if b["min_features"]], 1) is None


def test_pick_band_keeps_the_first_of_equal_bands():
    twins = [dict(BANDS[0], label="first"), dict(BANDS[0], label="second")]
    assert rents.pick_band(twins, 5)["label"] == "first"


def test_concordato_range_accepts_decimals_from_the_database():
    bands = [{"label": "x", "min_features": 0, "min_eur_m2_year": Decimal("52.00"),
              "max_eur_m2_year": Decimal("64.50")}]
    assert rents.concordato_range(Decimal("45"), bands, 0) == {
        "band": "x", "min_month": Decimal("195.00"), "max_month": Decimal("241.88"),
        "min_year": Decimal("2340.00"), "max_year": Decimal("2902.50")}


def test_concordato_range_rejects_a_negative_surface():
    with pytest.raises(ValueError):
        rents.concordato_range(-1, BANDS, 0)


def test_landlord_income_rejects_bad_inputs():
    figures = VECTORS["figures"]
    with pytest.raises(ValueError):
        rents.landlord_income(500, 13, 800, "concordato", figures)
    with pytest.raises(ValueError):
        rents.landlord_income(-1, 0, 800, "concordato", figures)
    with pytest.raises(ValueError):
        rents.landlord_income(500, 0, 800, "social", figures)
    with pytest.raises(KeyError):
        rents.landlord_income(500, 0, 800, "concordato", {})


def test_landlord_income_guarantee_only_within_its_months():
    figures = VECTORS["figures"]
    result = rents.landlord_income(400, 0, 0, "concordato", figures, arrears_months=5, guarantee_months=2)
    assert result["arrears"] == Decimal("2000.00")
    assert result["guarantee_cover"] == Decimal("800.00")
    assert result["arrears_loss"] == Decimal("1200.00")


def test_sustainability_below_at_and_above_the_threshold():
    below = rents.sustainability(300, 0, 1200, 0.30)
    assert below["incidence"] == Decimal("0.25") and not below["above_threshold"] and below["contribution"] == 0
    at = rents.sustainability(360, 0, 1200, 0.30)
    assert at["incidence"] == Decimal("0.3") and not at["above_threshold"] and at["contribution"] == 0
    above = rents.sustainability(400, 40, 1200, 0.30)
    assert above["above_threshold"] and above["contribution"] == Decimal("80.00")
    assert above["household_share"] == Decimal("360.00")


def test_sustainability_with_no_income_asks_the_whole_cost():
    result = rents.sustainability(380, 20, 0, 0.30)
    assert result["incidence"] is None
    assert result["above_threshold"]
    assert result["contribution"] == Decimal("400.00") and result["household_share"] == 0


# -- figures --------------------------------------------------------------------

def test_load_figures_reads_the_editorial_file():
    figures = rents.load_figures()
    assert rents.figure(figures, "flat_tax.free_market") == Decimal("0.21")
    assert rents.figure(figures, "flat_tax.concordato") == Decimal("0.1")
    assert rents.figure(figures, "imu.concordato_coefficient") == Decimal("0.75")
    assert rents.figure(figures, "ordinary_regime.registration_base_concordato") == Decimal("0.7")
    assert rents.figure(figures, "sustainability.threshold") == Decimal("0.3")
    assert rents.figure(figures, "sustainability.rent_support_band_a") == Decimal("0.14")
    assert rents.figure(figures, "sustainability.rent_support_band_b") == Decimal("0.24")
    assert rents.figure(figures, "sustainability.isee_ceiling") == 26000
    assert rents.figure(figures, "sustainability.arrears_fund_max") == 12000
    assert rents.figure(figures, "programme.guarantee_months") == 18
    assert rents.figure(figures, "programme.renovation_grant_max") == 8000
    assert 0 < rents.figure(figures, "programme.landlord_grant") <= 2000


def test_every_figure_has_a_value_a_unit_and_a_source():
    figures = rents.load_figures()
    count = 0
    for section, entries in figures.items():
        if section in ("updated", "contact", "concordato"):
            continue
        for name, entry in entries.items():
            assert {"value", "unit", "source"} <= set(entry), f"{section}.{name}"
            assert isinstance(entry["value"], (int, float)) and entry["value"] >= 0, f"{section}.{name}"
            count += 1
    assert count >= 14
    features = figures["concordato"]["features"]
    assert len(features) >= 5 and all(f["key"] and f["it"] and f["en"] for f in features)


def test_load_figures_from_another_path_and_missing_figures(tmp_path):
    path = tmp_path / "figures.yaml"
    figures = rents.load_figures()
    figures["programme"]["landlord_grant"]["value"] = 2000
    path.write_text(yaml.safe_dump(figures), encoding="utf-8")
    assert rents.load_figures(path)["programme"]["landlord_grant"]["value"] == 2000
    path.write_text("flat_tax: {}\n", encoding="utf-8")
    with pytest.raises(ValueError):  # the schema's error names the file and the figure
        rents.load_figures(path)
    figures["flat_tax"]["concordato"]["value"] = -5
    path.write_text(yaml.safe_dump(figures), encoding="utf-8")
    with pytest.raises(ValueError, match="flat_tax/concordato/value"):
        rents.load_figures(path)


def test_rent_data_is_plain_json_with_sorted_bands():
    zones = [{"code": "Z9", "name": "Prova", "districts": ["Alfa", "Beta"], "bands": [
        {"label": "alta", "min_features": 3, "min_eur_m2_year": Decimal("70.50"), "max_eur_m2_year": Decimal("80")},
        {"label": "bassa", "min_features": 0, "min_eur_m2_year": Decimal("50"), "max_eur_m2_year": Decimal("70.50")},
    ]}]
    figures = dict(rents.load_figures(), extra={"value": Decimal("0.5")})
    data = json.loads(json.dumps(rents.rent_data(zones, figures)))
    zone = data["zones"][0]
    assert zone["districts"] == "Alfa, Beta"
    assert [b["label"] for b in zone["bands"]] == ["bassa", "alta"]
    assert zone["bands"][1]["min_eur_m2_year"] == 70.5 and zone["bands"][1]["max_eur_m2_year"] == 80
    assert data["figures"]["flat_tax"]["concordato"]["value"] == 0.1
    assert data["figures"]["extra"]["value"] == 0.5
    assert rents.rent_data([], figures)["zones"] == []


# -- guides ---------------------------------------------------------------------

def guide_names(lang):
    return sorted(p.name for p in (GUIDES / lang).glob("*.md"))


def front_matter(text):
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "no YAML front matter"
    return yaml.safe_load(match.group(1))


def render(path, lang, zones, **extra):
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(path.read_text(encoding="utf-8")).render(
        figures=rents.load_figures(), zones=zones, lang=lang, **extra)


def test_both_languages_have_the_same_guides():
    assert guide_names("it") == guide_names("en")
    assert len(guide_names("it")) >= 8


@pytest.mark.parametrize("lang", LANGS)
def test_every_guide_has_front_matter(lang):
    sections = set()
    for name in guide_names(lang):
        meta = front_matter((GUIDES / lang / name).read_text(encoding="utf-8"))
        assert isinstance(meta["title"], str) and meta["title"].strip(), name
        assert meta["section"] in ("landlords", "households", "programme"), name
        assert isinstance(meta["order"], int), name
        sections.add(meta["section"])
    assert sections == {"landlords", "households", "programme"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("with_zones", [True, False], ids=["zones", "no-zones"])
def test_guides_render_with_strict_undefined(lang, with_zones):
    zones = VECTORS["zones"] if with_zones else []
    street = re.compile(r"\b(Via|Viale|Piazza|Piazzale|Corso|Largo)\s+[A-Z]")
    for name in guide_names(lang):
        text = render(GUIDES / lang / name, lang, zones)
        front_matter(text)
        assert "{{" not in text and "{%" not in text, name
        assert not street.search(text), f"{name} looks like it has a street address"
        assert "None" not in text and "Undefined" not in text, name


@pytest.mark.parametrize("lang", LANGS)
def test_landlord_guides_show_the_zone_bands_or_say_they_are_missing(lang):
    path = GUIDES / lang / "landlords-canone-concordato.md"
    with_zones = render(path, lang, VECTORS["zones"])
    for zone in VECTORS["zones"]:
        assert f"| {zone['code']} {zone['name']} |" in with_zones
    assert "fascia massima" in with_zones
    without = render(path, lang, [])
    assert "| Z1 " not in without
    assert ("non sono ancora pubblicate" if lang == "it" else "not published on this site yet") in without


@pytest.mark.parametrize("lang", LANGS)
def test_guides_show_the_agreement_durations_and_sample_flag(lang):
    path = GUIDES / lang / "landlords-canone-concordato.md"
    durations = [{"contract_type": "transitory", "min_months": 1, "max_months": 18},
                 {"contract_type": "free_4_4", "min_months": 48, "max_months": 96}]
    agreement = {"name": "Esempio", "is_sample": True, "zones": VECTORS["zones"], "durations": durations}
    text = render(path, lang, VECTORS["zones"], territorial_agreement=agreement)
    assert "| 1 " in text and "| 18 " in text and "| 48 " not in text
    assert "!!! warning" in text


def test_decimal_bands_render_in_the_local_format():
    zones = [{"code": "Z1", "name": "Centro", "districts": "Centro", "bands": [
        {"label": "unica", "min_features": 0, "min_eur_m2_year": Decimal("64.50"), "max_eur_m2_year": Decimal("1200")}]}]
    it = render(GUIDES / "it" / "landlords-canone-concordato.md", "it", zones)
    assert "| 64,50 – 1.200 | 322,50 € – 6.000 € |" in it
    en = render(GUIDES / "en" / "landlords-canone-concordato.md", "en", zones)
    assert "| 64.50 – 1,200 | €322.50 – €6,000 |" in en


@pytest.mark.parametrize("lang", LANGS)
def test_calculator_markers_are_in_the_landlord_guides(lang):
    texts = {name: render(GUIDES / lang / name, lang, VECTORS["zones"]) for name in guide_names(lang)}
    for marker in MARKERS:
        holders = [name for name, text in texts.items() if marker in text]
        assert len(holders) == 1, marker
        assert front_matter(texts[holders[0]])["section"] == "landlords"


@pytest.mark.parametrize("lang", LANGS)
def test_worked_example_follows_the_figures(lang):
    text = render(GUIDES / lang / "landlords-tax-incentives.md", lang, [])
    figures = rents.load_figures()
    free = rents.landlord_income(500, 0, 800, "free_market", figures)
    conc = rents.landlord_income(400, 0, 800, "concordato", figures)

    def eur(x):
        whole = f"{x:,.0f}"
        return f"{whole.replace(',', '.')} €" if lang == "it" else f"€{whole}"

    assert eur(free["net_year"]) in text and eur(conc["net_year"]) in text
    assert eur(conc["net_year"] + figure_grant(figures)) in text


def figure_grant(figures):
    return rents.figure(figures, "programme.landlord_grant")
