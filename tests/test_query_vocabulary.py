"""Query vocabulary on the models: each condition written once, in domain words.

``Offer.public()`` (on the site and in the matching), ``Offer.open_for_proposals``,
``JobRun.last_publication()``, ``JobRun.requested()`` and ``JobRun.running()``;
and no module spells the public-offer condition again.
"""
import pathlib
import re

import models as m
from housing import match_data
from housing.publishing import export
from samples import make_dwelling

ROOT = pathlib.Path(__file__).resolve().parent.parent


def offers_of_every_kind():
    """{(status, published flag): offer} over every status, with the flag on and off."""
    dwelling = make_dwelling()
    return {(status, flag): m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=400,
                                           status=status, published=flag)
            for status in ("draft", "published", "reserved", "let", "withdrawn") for flag in (False, True)}


def test_public_offers_are_published_and_flagged(database):
    offers = offers_of_every_kind()
    public = offers[("published", True)]
    assert [o.id for o in m.Offer.public()] == [public.id]
    assert [row for row in m.Offer.public(m.Offer.id, m.Dwelling.rooms).join(m.Dwelling).tuples()] == [(public.id, 3)]
    # every reader of the public offers reads these and only these
    assert [case.id for case in match_data.offer_cases()] == [public.id]
    assert [offer["ref"] for offer in export.published_offers()] == [f"O{public.id:05d}"]
    assert export.statistics()["supply_total"] == 1


def test_an_offer_is_open_for_proposals_while_published_or_reserved(database):
    offers = offers_of_every_kind()
    open_ = {key for key, offer in offers.items() if offer.open_for_proposals}
    assert open_ == {(status, flag) for status in ("published", "reserved") for flag in (False, True)}


def test_the_last_publication_is_the_latest_finished_publish_run(database):
    assert m.JobRun.last_publication() is None
    m.JobRun.create(name="publish", outcome="success", finished_at=m.now())
    failed = m.JobRun.create(name="publish", outcome="failed", finished_at=m.now())
    assert m.JobRun.last_publication().id == failed.id
    skipped = m.JobRun.create(name="publish", outcome="skipped", finished_at=m.now())
    m.JobRun.create(name="publish", outcome="running", started_at=m.now())
    m.JobRun.create(name="publish", outcome="requested", requested_at=m.now())
    m.JobRun.create(name="other", outcome="failed", finished_at=m.now())
    assert m.JobRun.last_publication().id == skipped.id


def test_requested_and_running_runs_oldest_first(database):
    first = m.JobRun.create(name="publish", outcome="requested")
    other = m.JobRun.create(name="other", outcome="requested")
    m.JobRun.create(name="publish", outcome="success")
    running = [m.JobRun.create(name=name, outcome="running") for name in ("publish", "other")]
    assert [run.id for run in m.JobRun.requested()] == [first.id, other.id]
    assert [run.id for run in m.JobRun.requested("publish")] == [first.id]
    assert [run.id for run in m.JobRun.running()] == [run.id for run in running]


def test_both_views_show_the_same_last_publication(app, login):
    """A run that found the site current ("skipped") after a failure: the failure is no longer the news.

    The dashboard left "skipped" out of its list and kept saying "publication failed".
    """
    with app.extensions["database"].connection_context():
        m.JobRun.create(name="publish", outcome="failed", finished_at=m.now(), message="boom")
        m.JobRun.create(name="publish", outcome="skipped", finished_at=m.now(), message="Contenuti invariati")
    client = login("admin")
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "pubblicazione fallita" not in dashboard and 'id="last-publish" class="text-success"' in dashboard
    runs = client.get("/admin/job_run/").get_data(as_text=True)
    assert "Contenuti invariati" in runs and "rimasto alla versione precedente" not in runs


def test_no_module_spells_the_public_offer_condition_again():
    spelled = re.compile(r"Offer\.published\s*==|Offer\.status\s*==\s*[\"']published[\"']"
                         r"|JobRun\.outcome\.in_\(|outcome\s*==\s*[\"']requested[\"']\s*\)\s*\.exists")
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in [ROOT / "jobs.py", *(ROOT / "housing").rglob("*.py"), *(ROOT / "admin").rglob("*.py")]
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if spelled.search(line)]
    assert found == [], "use Offer.public() / JobRun.last_publication() / JobRun.requested()"
