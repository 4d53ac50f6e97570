"""The contribution funds' registry in the back office (admin/views/funds.py): list, create,
the keys stored as data, and an end of validity before its start refused with nothing written.
Skipped until admin/__init__.py registers the view (see the issue 11 report)."""
import pytest

from conftest import csrf_token
from models import ContributionFund


def test_fund_registry_view(app, client, login):
    if "contribution_fund" not in app.blueprints:
        pytest.skip("ContributionFundView not registered in admin/__init__.py yet")
    login("admin")
    assert client.get("/admin/contribution_fund/").status_code == 200
    assert client.get("/admin/contribution_fund/new/").status_code == 200
    token = csrf_token(client, "/admin/contribution_fund/new/")
    data = {"csrf_token": token, "name": "Fondo prova", "monthly_budget": "1000,00", "household_cap": "300,00",
            "valid_from": "2026-01-01", "valid_until": "2025-01-01", "contract_types": ["erp"],
            "ethos_groups": ["roofless"]}
    client.post("/admin/contribution_fund/new/", data=data)
    assert ContributionFund.select().count() == 0
    data["valid_until"] = "2026-12-31"
    client.post("/admin/contribution_fund/new/", data=data)
    fund = ContributionFund.get()
    assert (fund.contract_types, fund.ethos_groups) == ("erp", "roofless")
    assert "Fondo prova" in client.get("/admin/contribution_fund/").get_data(as_text=True)
