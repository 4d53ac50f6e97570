"""The fast schema validator and jsonschema agree: the same data pass, the same bad data fail."""
import copy

import pytest

from housing import demo
from housing.publishing import export, schemas




def _good(database):
    demo.seed(scale=0.2)
    return export.export_all()


BAD = [  # (data set, change, field named in the message)
    ("offers", lambda d: d[0].update(rooms="3"), "0/rooms"),
    ("offers", lambda d: d[1].pop("district"), "1"),
    ("offers", lambda d: d[0].update(tax_code="RSSMRA80A01C351B"), "0"),
    ("offers", lambda d: d[0].update(ref="X1"), "0/ref"),
    ("offers", lambda d: d[2].update(monthly_rent=-1), "2/monthly_rent"),
    ("offers", lambda d: d[0].update(available_from="2027-02-31"), "0/available_from"),
    ("offers", lambda d: d[0].update(available_from="20270213"), "0/available_from"),
    ("offers", lambda d: d[0].update(lift="yes"), "0/lift"),
    ("offers", lambda d: d[0].update(zone=7), "0/zone"),
    ("partners", lambda d: d[0].update(name=None), "0/name"),
    ("statistics", lambda d: d.update(small_cell=4), "small_cell"),
    ("statistics", lambda d: d["supply"][0].update({"1": 3}), "supply/0/1"),
    ("statistics", lambda d: d.update(demand_total=2), "demand_total"),
    ("agreements", lambda d: d[0].update(signed_on="ieri"), "0/signed_on"),
]


def test_the_exported_data_pass_both(database):
    data = _good(database)
    for name in schemas.DATA_SETS:
        schemas.compiled(name)(data[name])
        assert schemas.explain(name, data[name]) is None, name
    schemas.validate_all(data)


@pytest.mark.parametrize("name, change, where", BAD, ids=[f"{n}-{w}" for n, _, w in BAD])
def test_bad_data_fail_both_and_the_message_names_the_place(database, name, change, where):
    data = copy.deepcopy(_good(database))
    if name == "agreements" and not data[name]:
        pytest.skip("no agreement in the demo data")
    change(data[name])
    message = schemas.explain(name, data[name])
    assert message and f"{name}.yaml, {where}" in message, message
    with pytest.raises(schemas.SchemaError, match=f"{name}.yaml, {where}"):
        schemas.validate(name, data[name])


# -- the editorial figures (content/figures.yaml) ---------------------------------

def _set(path, value):
    def change(figures):
        *parents, last = path.split("/")
        node = figures
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return change


def _drop(path):
    def change(figures):
        *parents, last = path.split("/")
        node = figures
        for key in parents:
            node = node[key]
        del node[last]
    return change


BAD_FIGURES = [  # (change, figure named in the message)
    (_set("flat_tax/concordato/value", -5.0), "flat_tax/concordato/value"),  # "Cedolare secca al -500%"
    (_set("flat_tax/free_market/value", 21), "flat_tax/free_market/value"),  # a percentage where fractions are written
    (_set("flat_tax/free_market/value", "21%"), "flat_tax/free_market/value"),
    (_set("flat_tax/free_market/value", True), "flat_tax/free_market/value"),
    (_set("imu/concordato_coefficient/value", 1.75), "imu/concordato_coefficient/value"),
    (_set("ordinary_regime/registration_rate/value", -0.02), "ordinary_regime/registration_rate/value"),
    (_set("programme/landlord_grant/value", -1500), "programme/landlord_grant/value"),
    (_set("programme/guarantee_max_amount/value", 720000000), "programme/guarantee_max_amount/value"),
    (_set("programme/guarantee_months/value", 18.5), "programme/guarantee_months/value"),
    (_set("programme/guarantee_months/value", -1), "programme/guarantee_months/value"),
    (_set("sustainability/threshold/value", 0), "sustainability/threshold/value"),
    (_set("sustainability/threshold/value", 30), "sustainability/threshold/value"),
    (_set("sustainability/isee_ceiling/value", -26000), "sustainability/isee_ceiling/value"),
    (_set("sustainability/threshold/unit", "EUR"), "sustainability/threshold/unit"),
    (_set("sustainability/threshold/unit", "percent"), "sustainability/threshold/unit"),
    (_drop("flat_tax/concordato/value"), "flat_tax/concordato"),
    (_drop("flat_tax/concordato/unit"), "flat_tax/concordato: 'unit' is a required property"),
    (_drop("flat_tax/concordato"), "flat_tax"),
    (_set("flat_tax/short_let", {"value": 2.6, "unit": "rate", "source": "L. 178/2020"}), "flat_tax/short_let/value"),
    (_set("new_section", {"fee": {"value": -3, "unit": "EUR", "source": "x"}}), "new_section/fee/value"),
    (_set("programme/items", {"value": 1, "unit": "EUR", "source": "x"}), "programme"),
    (_set("concordato/features/0/key", "Lift!"), "concordato/features/0/key"),
    (_set("updated", "2025-13"), "updated"),
]


@pytest.fixture(scope="module")
def figures():
    return schemas.load_figures()


def test_the_figures_file_passes_both(figures):
    schemas.compiled("figures")(figures)
    assert schemas.explain("figures", figures) is None


@pytest.mark.parametrize("change, where", BAD_FIGURES, ids=[w for _, w in BAD_FIGURES])
def test_a_bad_figure_fails_both_and_the_message_names_it_and_the_file(figures, change, where):
    bad = copy.deepcopy(figures)
    change(bad)
    message = schemas.explain("figures", bad, "content/figures.yaml")
    assert message and message.startswith(f"content/figures.yaml, {where}"), message
    with pytest.raises(schemas.SchemaError, match=f"^content/figures.yaml, {where}"):
        schemas.validate_figures(bad)


@pytest.mark.parametrize("text, problem", [
    ("flat_tax: {concordato: {value: .nan, unit: rate, source: x}}", "not a finite number"),
    ("programme: {landlord_grant: {value: .inf, unit: EUR, source: x}}", ""),
    ("flat_tax: [unclosed", "not valid YAML"),
])
def test_a_figures_file_that_cannot_be_trusted_is_refused_with_its_name(figures, tmp_path, text, problem):
    import yaml

    path = tmp_path / "figures.yaml"
    good = yaml.safe_dump(figures, allow_unicode=True, sort_keys=False)
    path.write_text(good + "\n" + text + "\n" if "unclosed" not in text else text, encoding="utf-8")
    if "nan" in text or "inf" in text:  # replace the section with the bad one
        loaded = yaml.safe_load(good)
        loaded.update(yaml.safe_load(text))
        for section in ("flat_tax", "programme"):
            loaded[section] = {**figures[section], **loaded[section]}
        path.write_text(yaml.safe_dump(loaded, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(schemas.SchemaError, match=str(path)) as failure:
        schemas.load_figures(path)
    assert problem in str(failure.value)
    with pytest.raises(schemas.SchemaError, match="file not found"):
        schemas.load_figures(tmp_path / "missing.yaml")
