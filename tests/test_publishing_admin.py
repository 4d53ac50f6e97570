"""The back office side of publishing: runs, outcome and "Pubblica ora"."""
import pytest

import models as m
from conftest import csrf_token


@pytest.mark.parametrize("role,allowed", [("admin", True), ("clerk", True), ("operator", False), ("viewer", False)])
def test_publish_now_queues_a_request_for_allowed_roles(app, login, role, allowed):
    client = login(role)
    page = client.get("/admin/job_run/")
    assert page.status_code == 200
    assert ("Pubblica ora" in page.get_data(as_text=True)) is allowed
    response = client.post("/admin/job_run/publish", data={"csrf_token": csrf_token(client, "/admin/job_run/")})
    with app.extensions["database"].connection_context():
        queued = m.JobRun.select().where(m.JobRun.outcome == "requested").count()
    if allowed:
        assert response.status_code == 302 and queued == 1
    else:
        assert response.status_code == 403 and queued == 0


def test_publish_now_needs_a_csrf_token_and_queues_once(app, login):
    client = login("clerk")
    assert client.post("/admin/job_run/publish").status_code == 302
    with app.extensions["database"].connection_context():
        assert m.JobRun.select().count() == 0
    for _ in range(2):
        client.post("/admin/job_run/publish", data={"csrf_token": csrf_token(client, "/admin/job_run/")})
    with app.extensions["database"].connection_context():
        assert m.JobRun.select().count() == 1


def test_a_failed_publication_is_reported(app, login):
    client = login("admin")
    with app.extensions["database"].connection_context():
        m.JobRun.create(name="publish", outcome="failed", message="CheckFailed: privacy scan", finished_at=m.now())
    html = client.get("/admin/job_run/").get_data(as_text=True)
    assert "CheckFailed: privacy scan" in html and "versione precedente" in html
    assert 'id="live-site-url"' in html


def test_editing_an_offer_and_publishing_shows_the_change(app, login, tmp_path, monkeypatch):
    """Back office -> "Pubblica ora" -> job runner -> the live site shows the new rent."""
    import jobs
    from conftest import form_post
    from housing import demo
    from housing.publishing.releases import Releases

    monkeypatch.setenv("HOUSING_SITE_ROOT", str(tmp_path / "site"))
    database = app.extensions["database"]
    with database.connection_context():
        demo.seed(scale=0.2)
        offer = m.Offer.select().where(m.Offer.published == True).order_by(m.Offer.id).first()  # noqa: E712
        dwelling_id = offer.dwelling_id
    client = login("clerk")
    edit = f"/admin/offer/edit/?id={offer.id}"
    data = {
        "dwelling": str(dwelling_id), "contract_type": offer.contract_type, "monthly_rent": "987.65",
        "service_charges": str(offer.service_charges), "deposit": str(offer.deposit), "status": "published",
        "published": "y", "public_description": offer.public_description or "",
        "available_from": offer.available_from.isoformat() if offer.available_from else "",
        "min_duration_months": str(offer.min_duration_months or ""), "max_duration_months": str(offer.max_duration_months or ""),
    }
    assert form_post(client, edit, data).status_code == 302
    client.post("/admin/job_run/publish", data={"csrf_token": csrf_token(client, "/admin/job_run/")})
    jobs.run_requested(database, jobs.registry())
    page = Releases(tmp_path / "site").live() / "offerte" / f"O{offer.id:05d}" / "index.html"
    assert "€ 987,65" in page.read_text()
    assert "success" in client.get("/admin/job_run/").get_data(as_text=True)
