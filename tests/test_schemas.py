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
