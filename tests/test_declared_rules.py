"""What a column's declaration implies is checked for every model and form:
a coded value from its list, no blank where a value is required, one line in
a single-line field, no invisible direction marks, and no control character
ever reaching a query."""
import pytest

import models as m
from conftest import form_post
from housing import validation
from samples import prepared


@pytest.mark.parametrize("registry, field, value, message", [
    ("household", "status", "", "Campo obbligatorio"),
    ("household", "status", "evicted", "Valore non previsto"),
    ("erp_assignment", "occupancy_status", "", "Campo obbligatorio"),
    ("household", "code", "NF-2026\r\n-0100", "una sola riga"),
    ("household", "code", "NF-\u202e0010-6202", "direzione del testo"),
    ("landlord", "name", "Mario\nRossi", "una sola riga"),
    ("household", "code", "NF-\x00-0100", "caratteri di controllo"),  # unique: checked for duplicates too
    ("person", "tax_code", "RSSMRA80A01C35\x001", "caratteri di controllo"),
])
def test_a_value_against_the_column_s_declaration_is_a_field_error(app, login, registry, field, value, message):
    client = login("admin")
    data = prepared(app, registry)
    if registry == "person":
        data["tax_code"] = value
    else:
        data[field] = value
    response = form_post(client, f"/admin/{registry}/new/", data)
    assert response.status_code == 200, response.status_code
    assert message in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        model = {"household": m.Household, "erp_assignment": m.ErpAssignment, "landlord": m.Landlord,
                 "person": m.Person}[registry]
        assert model.select().count() == 0


def test_every_coded_column_is_checked_against_its_list():
    for model in m.MODELS:
        for name, field in model._meta.fields.items():
            if field.choices:
                errors = validation.declared_errors(model._meta.table_name, {name: "not-a-key"})
                assert name in errors, f"{model.__name__}.{name}"


def test_a_multi_line_text_keeps_its_lines():
    assert validation.validate("household", {"notes": "Prima riga\r\nSeconda riga"}) == {}
