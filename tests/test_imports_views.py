"""The imports page: roles, upload, mapping, dry run, confirmation, cancel, templates."""
import io
import os

import openpyxl
import pytest
from werkzeug.test import EnvironBuilder

import models as m
from conftest import csrf_token
from test_imports import csv_file, household_row, landlord_row, registries

PAGE = "/admin/imports/"


@pytest.fixture
def folder(app, tmp_path):
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    return tmp_path / "imports"


def upload(client, kind, content, source="", name="file.csv"):
    token = csrf_token(client, PAGE)
    data = {"csrf_token": token, "kind": kind, "source": source, "file": (io.BytesIO(content), name)}
    return client.post(PAGE + "upload", data=data, content_type="multipart/form-data")


def finish(app, response):
    """Wait for the background job of the page ``response`` redirects to; return its token."""
    token = response.location.rstrip("/").split("/")[-1]
    thread = app.extensions.get("import_threads", {}).get(token)
    if thread:
        thread.join(30)
    return token


def post(client, url, data=None):
    return client.post(url, data={"csrf_token": csrf_token(client, PAGE), **(data or {})})


def test_roles_decide_what_may_be_imported(app, login, folder):
    client = login("viewer")
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "template/dwellings").status_code == 403
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    clerk = login("clerk")
    page = clerk.get(PAGE).get_data(as_text=True)
    assert 'value="dwellings"' in page and 'value="landlords"' in page and 'value="households"' not in page
    assert clerk.get(PAGE + "template/households").status_code == 403
    response = upload(clerk, "households", csv_file([household_row(1)]))
    assert response.status_code == 403
    template = clerk.get(PAGE + "template/dwellings")
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(template.data)).active
    assert sheet["A1"].value == "Locatore - codice fiscale" and sheet["A1"].comment is not None
    assert sheet.max_row == 2  # the headers and an example row
    assert not os.path.exists(folder) or not [f for f in os.listdir(folder) if f.endswith(".upload")]


def test_upload_dry_run_confirm_and_the_file_is_deleted(app, login, folder):
    client = login("operator")
    with app.extensions["database"].connection_context():
        registries()
    response = upload(client, "households", csv_file([household_row(1), household_row(2)]))
    assert response.status_code == 302 and "/status/" in response.location
    token = finish(app, response)
    status = client.get(PAGE + f"status/{token}.json").get_json()
    assert status["state"] == "done" and status["ok"] and status["totals"] == {"create": 4, "update": 0, "skip": 0}
    page = client.get(response.location).get_data(as_text=True)
    assert "Conferma" in page
    with app.extensions["database"].connection_context():
        assert m.Household.select().count() == 0
    done = post(client, PAGE + f"commit/{token}")
    finish(app, done)
    status = client.get(PAGE + f"status/{token}.json").get_json()
    assert status["stage"] == "commit" and status["ok"], status
    assert not os.path.exists(folder / f"{token}.upload")
    with app.extensions["database"].connection_context():
        assert m.Household.select().count() == 2 and m.Person.select().count() == 2
        assert m.HouseholdDistrict.select().count() == m.HouseholdLanguage.select().count() == 4
        assert {e.actor for e in m.AuditLog.select()} == {"operator1"}
    # a second confirmation of the same upload is refused
    post(client, PAGE + f"commit/{token}")
    with app.extensions["database"].connection_context():
        assert m.Household.select().count() == 2


def test_errors_are_shown_by_row_and_nothing_is_saved(app, login, folder):
    client = login("clerk")
    bad = {**landlord_row(1), "Partita IVA": "123"}
    response = upload(client, "landlords", csv_file([landlord_row(2), bad]))
    token = finish(app, response)
    page = client.get(response.location).get_data(as_text=True)
    assert "Partita IVA non valida" in page and 'id="import-issues"' in page and "Conferma" not in page
    assert post(client, PAGE + f"commit/{token}").status_code == 302
    with app.extensions["database"].connection_context():
        assert m.Landlord.select().count() == 0
    post(client, PAGE + f"cancel/{token}")
    assert not os.path.exists(folder / f"{token}.upload") and not os.path.exists(folder / f"{token}.json")


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_message(app, login, folder):
    client = login("clerk")
    response = upload(client, "landlords", b"\x89PNG\r\n\x1a\n\x00\x00", name="photo.png")
    assert response.status_code == 302 and response.location.endswith(PAGE)
    assert "non è un foglio di calcolo" in client.get(PAGE).get_data(as_text=True)
    assert not os.path.exists(folder) or not os.listdir(folder)


def test_other_headers_are_mapped_once_per_source(app, login, folder):
    client = login("clerk")
    content = "Ragione sociale;P.IVA;Tipologia\r\nEtna srl;00743110157;Società\r\n".encode("cp1252")
    response = upload(client, "landlords", content, source="Export IACP")
    assert "/mapping/" in response.location
    token = response.location.rstrip("/").split("/")[-1]
    form = client.get(response.location).get_data(as_text=True)
    assert "Ragione sociale" in form
    choice = {"column-0": "Denominazione", "column-1": "Partita IVA", "column-2": "Tipo", "source": "Export IACP"}
    mapped = post(client, PAGE + f"mapping/{token}", choice)
    finish(app, mapped)
    assert client.get(PAGE + f"status/{token}.json").get_json()["ok"]
    again = upload(client, "landlords", content, source="Export IACP")
    assert "/status/" in again.location  # remembered: no mapping step
    finish(app, again)


def test_uploads_need_the_csrf_token_and_stay_private(app, login, folder):
    client = login("clerk")
    data = {"kind": "landlords", "file": (io.BytesIO(csv_file([landlord_row(1)])), "x.csv")}
    client.post(PAGE + "upload", data=data, content_type="multipart/form-data")
    assert not os.path.exists(folder) or not os.listdir(folder)
    token = finish(app, upload(client, "landlords", csv_file([landlord_row(1)])))
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    other = login("clerk", "clerk2")
    assert other.get(PAGE + f"status/{token}.json").status_code == 404
    assert other.get(PAGE + "status/../../etc.json").status_code == 404
    assert other.get(PAGE + "status/nothex.json").status_code == 404


def test_a_file_beyond_the_forms_limit_is_accepted_by_the_import(app, login, folder):
    client = login("clerk")
    content = csv_file([{**landlord_row(i), "Note": "x" * 100_000} for i in range(30)])  # 3 MB
    data = {"csrf_token": csrf_token(client, PAGE), "kind": "landlords", "file": (io.BytesIO(content), "big.csv")}
    # the test client spools a body this big to a temporary file it never closes: build it here and close it
    environ = EnvironBuilder(path=PAGE + "upload", method="POST", data=data).get_environ()
    try:
        response = client.open(environ)
    finally:
        environ["wsgi.input"].close()
    assert response.status_code == 302 and "/status/" in response.location
    token = finish(app, response)
    status = client.get(PAGE + f"status/{token}.json").get_json()
    assert status["issue_count"] == 30 and {issue[1] for issue in status["issues"]} == {"Note"}


def test_an_unknown_district_is_shown_on_its_row_with_suggestions(app, login, folder):
    from samples import make_landlord
    from test_imports import dwelling_row

    client = login("clerk")
    with app.extensions["database"].connection_context():
        registries()
        make_landlord()
    response = upload(client, "dwellings", csv_file([dwelling_row(1), {**dwelling_row(2), "Quartiere": "Librinò"},
                                                      {**dwelling_row(3), "Quartiere": "Picanelo"}]))
    token = finish(app, response)
    status = client.get(PAGE + f"status/{token}.json").get_json()
    # "Librinò" is Librino (accents do not count); "Picanelo" is no district
    assert not status["ok"] and [issue[:3] for issue in status["issues"]] == [[4, "Quartiere", "Picanelo"]]
    assert "forse: Picanello" in status["issues"][0][3]
    page = client.get(response.location).get_data(as_text=True)
    assert "non presente nel registro dei quartieri" in page and "Conferma" not in page
    with app.extensions["database"].connection_context():
        assert m.Dwelling.select().count() == 0
