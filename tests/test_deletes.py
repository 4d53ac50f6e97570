"""A delete never changes other records behind the user's back, and every row it removes is audited."""
import re

import models as m
from conftest import csrf_token
from samples import make_dwelling, make_household, make_landlord


def agreement_with_parts(dwellings_in_zone=0):
    agreement = m.TerritorialAgreement.create(name="Accordo 2026", city="Catania")
    owner = make_landlord()
    for index in range(4):
        zone = m.AgreementZone.create(territorial_agreement=agreement, code=f"Z{index}", name=f"Zona {index}")
        for band in range(3):
            m.RentBand.create(zone=zone, label=f"fascia {band}", min_eur_m2_year=50, max_eur_m2_year=80)
        if index == 0:
            for unit in range(dwellings_in_zone):
                make_dwelling(owner, zone=zone, cadastral_unit=str(unit))
    for kind in ("concordato_3_2", "transitory", "students"):
        m.ContractDuration.create(territorial_agreement=agreement, contract_type=kind, min_months=1, max_months=36)
    return agreement


def delete(client, registry, record_id):
    token = csrf_token(client, f"/admin/{registry}/")
    return client.post(f"/admin/{registry}/delete/", data={"id": record_id, "csrf_token": token},
                       follow_redirects=True)


def test_a_territorial_agreement_whose_zones_hold_dwellings_is_not_deleted(app, login):
    client = login("clerk")
    with app.extensions["database"].connection_context():
        agreement = agreement_with_parts(dwellings_in_zone=5)
    html = delete(client, "territorial_agreement", agreement.id).get_data(as_text=True)
    assert "Impossibile eliminare" in html and "5 Alloggi" in html
    with app.extensions["database"].connection_context():
        assert m.AgreementZone.select().count() == 4 and m.RentBand.select().count() == 12
        assert m.Dwelling.select().where(m.Dwelling.zone.is_null()).count() == 0
        assert m.AuditLog.select().where(m.AuditLog.action == "delete").count() == 0


def test_a_delete_audits_every_row_it_removes(app, login):
    client = login("clerk")
    with app.extensions["database"].connection_context():
        agreement = agreement_with_parts()
    delete(client, "territorial_agreement", agreement.id)
    with app.extensions["database"].connection_context():
        assert m.TerritorialAgreement.select().count() == 0 and m.RentBand.select().count() == 0
        deleted = {}
        for entry in m.AuditLog.select().where(m.AuditLog.action == "delete"):
            deleted[entry.entity] = deleted.get(entry.entity, 0) + 1
        assert deleted == {"territorial_agreement": 1, "agreement_zone": 4, "rent_band": 12, "contract_duration": 3}


def test_an_account_with_history_is_deactivated_not_deleted(app, login):
    client = login("admin")
    with app.extensions["database"].connection_context():
        worker = m.User.get(m.User.username == "admin1")
        colleague = m.User.create(username="collega", full_name="Collega", role="operator", password_hash="x")
        make_household(case_worker=colleague)
    html = delete(client, "user", colleague.id).get_data(as_text=True)
    assert "Impossibile eliminare" in html and "disattiva" in html
    with app.extensions["database"].connection_context():
        assert m.Household.get().case_worker_id == colleague.id
        assert worker.id != colleague.id


def test_removing_an_inline_row_is_refused_like_a_delete(app, login):
    client = login("clerk")
    with app.extensions["database"].connection_context():
        agreement = agreement_with_parts(dwellings_in_zone=1)
        zone = m.AgreementZone.get(m.AgreementZone.code == "Z0")
    url = f"/admin/territorial_agreement/edit/?id={agreement.id}"
    html = client.get(url).get_data(as_text=True)
    data = {name: value for name, value in re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', html)}
    data.update({"name": agreement.name, "city": agreement.city})
    for index, row in enumerate(agreement.zones.order_by(m.AgreementZone.id)):
        data.update({f"zones-{index}-id": str(row.id), f"zones-{index}-code": row.code, f"zones-{index}-name": row.name})
    data["del-zones-0"] = "y"
    assert data["zones-0-id"] == str(zone.id)
    response = client.post(url, data=data)
    assert response.status_code == 200, response.status_code
    assert "Impossibile eliminare" in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert m.AgreementZone.get_or_none(m.AgreementZone.id == zone.id) is not None
        assert m.Dwelling.get().zone_id == zone.id
