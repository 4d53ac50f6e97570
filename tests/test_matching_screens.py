"""The matching screens: shortlist, a household's offers, batch proposal, census."""
import json

import pytest

import models as m
from conftest import csrf_token
from housing import demo, matches


@pytest.fixture
def seeded(app):
    with app.extensions["database"].connection_context():
        demo.seed(scale=0.3)
        matches.ensure_settings()
        m.Household.update(status="waiting").where(m.Household.status.in_(["matched", "intake"])).execute()
    return app


def an_open_offer():
    """The first open offer that has at least one eligible household."""
    import datetime

    from housing import match_data
    from housing.matching.scoring import Weights
    from housing.matching.shortlist import shortlist

    today, config = datetime.date.today(), match_data.rule_config()
    households = match_data.household_cases(today=today)
    for case in match_data.offer_cases():
        if len(shortlist(case, households, config, Weights(), today).ranked):
            return m.Offer.get_by_id(case.id)
    pytest.fail("the demo data should give at least one offer an eligible household")


def test_shortlist_explains_and_proposes(seeded, login):
    client = login("operator")
    with seeded.extensions["database"].connection_context():
        offer = an_open_offer()
    page = client.get(f"/admin/matching/offer/{offer.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Esclusi, per prima regola non soddisfatta" in html
    ids = [int(x) for x in __import__("re").findall(r'<tr data-household="(\d+)">', html)]
    assert ids
    token = csrf_token(client, f"/admin/matching/offer/{offer.id}")
    client.post(f"/admin/matching/offer/{offer.id}/propose", data={"household_id": ids[0], "csrf_token": token})
    with seeded.extensions["database"].connection_context():
        match = m.Match.get((m.Match.household == ids[0]) & (m.Match.offer == offer.id))
        context = json.loads(match.snapshot)
        assert {"household", "offer", "rules", "weights", "score"} <= set(context)
        assert context["rules"], "the rules in force are recorded"


def test_household_page_lists_offers_and_reasons(seeded, login):
    client = login("operator")
    with seeded.extensions["database"].connection_context():
        household = m.Household.select().where(m.Household.status == "waiting").first()
    html = client.get(f"/admin/matching/household/{household.id}").get_data(as_text=True)
    assert "Non ammissibili, e perché" in html and 'id="not-eligible"' in html


def test_batch_proposal_shows_figures_and_accepts_selected_pairs(seeded, login):
    client = login("operator")
    html = client.get("/admin/matching/batch").get_data(as_text=True)
    assert 'id="housed"' in html and 'id="greedy-housed"' in html
    assert '<td id="skipped">0</td>' in html, "the default mode never skips a higher-priority household"
    pairs = __import__("re").findall(r'name="pair" value="(\d+-\d+(?:-\d+)?)"', html)
    assert pairs
    token = csrf_token(client, "/admin/matching/batch")
    client.post("/admin/matching/batch/accept", data={"pair": pairs[:3], "csrf_token": token})
    with seeded.extensions["database"].connection_context():
        assert m.Match.select().count() == min(3, len(pairs))
    assert client.get("/admin/matching/batch?mode=weighted").status_code == 200


def test_census_and_its_daily_snapshot(seeded, login):
    client = login("operator")
    assert client.get("/admin/census/").status_code == 200
    token = csrf_token(client, "/admin/census/")
    client.post("/admin/census/save", data={"csrf_token": token})
    client.post("/admin/census/save", data={"csrf_token": token})
    with seeded.extensions["database"].connection_context():
        assert m.CensusSnapshot.select().count() == 1
        assert "cells" in json.loads(m.CensusSnapshot.get().data)


def test_matching_is_for_operators_and_admins(seeded, login):
    client = login("clerk")
    assert client.get("/admin/matching/batch").status_code == 403
    assert client.get("/admin/census/").status_code == 200


def test_a_household_in_intake_is_told_why_it_is_not_on_the_shortlists(seeded, login):
    """Seen: a household in "Accoglienza" listed offer #75 as eligible but was absent
    from #75's shortlist, and nothing said that only some statuses are shortlisted."""
    import re

    client = login("operator")
    with seeded.extensions["database"].connection_context():
        offer = an_open_offer()
    html = client.get(f"/admin/matching/offer/{offer.id}").get_data(as_text=True)
    household_id = int(re.findall(r'<tr data-household="(\d+)">', html)[0])
    with seeded.extensions["database"].connection_context():
        m.Household.update(status="intake").where(m.Household.id == household_id).execute()
        intake = m.Household.select().where(m.Household.status == "intake").count()
    shortlist = client.get(f"/admin/matching/offer/{offer.id}").get_data(as_text=True)
    assert f'<tr data-household="{household_id}">' not in shortlist
    assert "Partecipano agli abbinamenti solo i nuclei in stato Valutato, In attesa, Abbinato." in shortlist
    assert f"Accoglienza {intake}" in shortlist
    page = client.get(f"/admin/matching/household/{household_id}").get_data(as_text=True)
    assert ('id="not-taking-part">Questo nucleo è in stato Accoglienza: partecipano agli abbinamenti solo i nuclei '
            'in stato Valutato, In attesa, Abbinato.') in page
    assert "Compatibili, ma il nucleo non partecipa" in page
    batch = client.get("/admin/matching/batch").get_data(as_text=True)
    assert 'id="participation"' in batch and f"Accoglienza {intake}" in batch


def test_a_waiting_household_page_says_who_takes_part(seeded, login):
    client = login("operator")
    with seeded.extensions["database"].connection_context():
        household = m.Household.select().where(m.Household.status == "waiting").first()
    page = client.get(f"/admin/matching/household/{household.id}").get_data(as_text=True)
    assert 'id="not-taking-part"' not in page or "sospeso" in page
    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    page = client.get(f"/admin/matching/household/{household.id}").get_data(as_text=True)
    assert "Status: Waiting" in page


def test_restricted_households_are_never_named_on_the_matching_screens(seeded, login):
    """Issue 14: a restricted household's code leaves the batch, the shortlist and the census
    for staff who may not see it; it still counts, behind the small-cell suppression."""
    import re

    admin = login("admin")
    html = admin.get("/admin/matching/batch").get_data(as_text=True)
    pair = re.findall(r'name="pair" value="(\d+)-(\d+)"', html)[0]
    with seeded.extensions["database"].connection_context():
        hidden = m.Household.get_by_id(int(pair[0]))
        m.Household.update(restricted=True, case_worker=None).where(m.Household.id == hidden.id).execute()
    assert hidden.code in admin.get("/admin/matching/batch").get_data(as_text=True)
    assert f'data-household="{hidden.id}"' in admin.get(f"/admin/matching/offer/{pair[1]}").get_data(as_text=True)
    operator = login("operator")
    batch = operator.get("/admin/matching/batch").get_data(as_text=True)
    assert hidden.code not in batch and "Nucleo riservato" in batch
    shortlist = operator.get(f"/admin/matching/offer/{pair[1]}").get_data(as_text=True)
    assert f'data-household="{hidden.id}"' not in shortlist and hidden.code not in shortlist
    token = csrf_token(operator, "/admin/matching/batch")
    operator.post("/admin/matching/batch/accept", data={"pair": ["-".join(pair)], "csrf_token": token})
    with seeded.extensions["database"].connection_context():
        assert not m.Match.select().where(m.Match.household == hidden.id).exists()


def test_the_census_suppresses_small_cells_holding_a_restricted_household(seeded):
    import datetime

    from housing import match_data
    from housing.matching.census import census

    with seeded.extensions["database"].connection_context():
        today, config = datetime.date.today(), match_data.rule_config()
        households, offers = match_data.household_cases(today=today), match_data.offer_cases()
    everyone = census(households, offers, config, today)
    small = next(cell for cell in everyone.cells if 0 < cell["demand_households"] < 5)
    member = next(h for h in households if _in_cell(h, small, config))
    hidden = census(households, offers, config, today, sensitive=frozenset({member.id}))
    same = next(c for c in hidden.cells if all(c[k] == small[k] for k in ("rooms", "district", "cost_band", "step_free")))
    assert same["demand"] is None and same["demand_households"] is None and same["gap"] is None
    assert same["supply"] == small["supply"]
    big = [c for c in hidden.cells if c["demand_households"] is not None and c["demand_households"] >= 5]
    assert all(c in everyone.cells for c in big), "cells of five or more keep their figures"
    assert member.id not in {case.id for case, _, _ in hidden.infeasible}
    assert hidden.totals["households"] == everyone.totals["households"]


def _in_cell(household, cell, config):
    from housing.matching.census import census

    alone = census([household], [], config, __import__("datetime").date.today()).cells
    return any(all(c[k] == cell[k] for k in ("rooms", "district", "cost_band", "step_free")) for c in alone)
