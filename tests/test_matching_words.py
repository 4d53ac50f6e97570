"""The matching, rule-setting and publishing pages speak the staff's language (issue 13).

Each page is read as the crawler of tests/test_ui_crawl.py reads it (same
checks: raw rule, step and vocabulary keys, "None"/"True"/"False", words of the
other language, figures in the other locale's format), for an administrator in
both languages, over the demo data plus open matches, a rule setting, a census
snapshot and finished publications. The header's role key belongs to the
header: it is left out of the keys looked for here.
"""
import datetime
import json
from decimal import Decimal

import pytest

from conftest import PASSWORD, csrf_token, log_in
from housing import accounts, vocabulary
from housing.matching import census as census_words
from housing.matching.cases import HouseholdCase, OfferCase
from housing.matching.rules import RULES, RuleConfig, evaluate, rule
from housing.matching.scoring import Weights, explain_score
from test_ui_crawl import DEMO_DAY, _record_keys, demo_app, problems, visible_text

ROLE_KEYS = {term.key for term in vocabulary.ROLES}
TODAY = DEMO_DAY


@pytest.fixture(scope="module")
def world(tmp_path_factory, request):
    import models as m

    app = demo_app(request, tmp_path_factory, "words")
    with app.extensions["database"].connection_context():
        if not m.Match.select().exists():  # the demo's households may all be past "waiting"
            for household, offer in zip(m.Household.select().limit(2), m.Offer.select().limit(2)):
                m.Match.create(household=household, offer=offer, route=offer.contract_type, step="proposed",
                               proposed_by="operator1", score_total=0.554322581569116)
        accounts.create_user("admin1", "admin", PASSWORD, full_name="Utente admin")
        real_context(m)
        m.RuleSetting.create(contract_type="concordato_3_2", rule="size_fits_rooms", enabled=False,
                             parameter=json.dumps([0.5, 2.0]))
        m.CensusSnapshot.create(taken_on=TODAY, data="{}")
        m.JobRun.create(name="publish", outcome="success", requested_by="admin1", requested_at=m.now(),
                        started_at=m.now(), finished_at=m.now(), message="ok")
        ids = {"offer": m.Offer.select().first().id, "household": m.Household.select().first().id,
               "match": m.Match.select().first().id, "rule": m.RuleSetting.select().first().id,
               "step": m.StepSetting.select().first().id if m.StepSetting.select().exists() else None,
               "reason": (m.DeclineReasonSetting.select().first().id
                          if m.DeclineReasonSetting.select().exists() else None)}
    app.config["ids"] = ids
    yield app
    if not app.extensions["database"].is_closed():
        app.extensions["database"].close()


def real_context(m):
    """A match whose decision context is the one the matching stores (rules, weights, score)."""
    from admin.views.matching import snapshot
    from housing import match_data
    from housing.matching.scoring import score

    match = m.Match.select().first()
    case, offer_case = match_data.household_case(match.household_id, TODAY), match_data.offer_case(match.offer_id)
    config, weights = match_data.rule_config(), Weights()
    breakdown = score(case, offer_case, weights, TODAY)
    context = snapshot(case, offer_case, config, weights, breakdown)
    m.Match.update(snapshot=json.dumps(context)).where(m.Match.id == match.id).execute()


def pages(ids):
    urls = ["/admin/census/", "/admin/matching/batch", "/admin/matching/batch?mode=weighted",
            f"/admin/matching/offer/{ids['offer']}", f"/admin/matching/household/{ids['household']}",
            "/admin/matches/", "/admin/match/", f"/admin/match/details/?id={ids['match']}",
            "/admin/rule_setting/", "/admin/rule_setting/new/", f"/admin/rule_setting/edit/?id={ids['rule']}",
            "/admin/step_setting/", "/admin/decline_reason_setting/", "/admin/job_run/"]
    if ids["step"]:
        urls.append(f"/admin/step_setting/edit/?id={ids['step']}")
    if ids["reason"]:
        urls += [f"/admin/decline_reason_setting/edit/?id={ids['reason']}",
                 f"/admin/decline_reason_setting/details/?id={ids['reason']}"]
    return urls


def as_admin(world, lang):
    client = world.test_client()
    assert log_in(client, "admin1").status_code == 302
    client.post(f"/auth/language/{lang}", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    return client


@pytest.mark.parametrize("lang", ["it", "en"])
def test_matching_and_publishing_pages_have_no_raw_codes(world, lang):
    client = as_admin(world, lang)
    raw_keys = _record_keys() - ROLE_KEYS
    report = {}
    for url in pages(world.config["ids"]):
        response = client.get(url)
        assert response.status_code == 200, url
        found = problems(visible_text(response.get_data(as_text=True)), lang, raw_keys)
        if found:
            report[url] = found
    assert not report, "\n".join(f"{url}: {', '.join(found)}" for url, found in sorted(report.items()))


def test_decision_context_in_words(world):
    match_id = world.config["ids"]["match"]
    html = as_admin(world, "it").get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)
    text = visible_text(html)
    assert "Regole in vigore" in text and "Dimensione adeguata ai locali" in text and "Categoria ETHOS" in text
    assert "size_fits_rooms" not in text and "ethos_category" not in text
    assert "Serve l'accesso senza barriere" in text and "&amp;#39;" not in html  # escaped once
    assert 'class="match-snapshot"' in html  # the stored data, for tools, out of the page's text
    english = visible_text(as_admin(world, "en").get(f"/admin/match/details/?id={match_id}").get_data(as_text=True))
    assert "Rules in force" in english and "Household size fits the rooms" in english


def test_census_prints_labels_not_keys(world):
    text = visible_text(as_admin(world, "en").get("/admin/census/").get_data(as_text=True))
    for header in ("Rooms", "District", "Monthly cost band", "Step-free", "Demand (households)", "Supply (homes)"):
        assert header in text
    assert "cost_band" not in text and "step_free" not in text
    italian = visible_text(as_admin(world, "it").get("/admin/census/").get_data(as_text=True))
    assert "Fascia di costo mensile" in italian and "Senza barriere" in italian


def test_batch_modes_by_their_labels(world):
    text = visible_text(as_admin(world, "it").get("/admin/matching/batch").get_data(as_text=True))
    assert "priorità prima di tutto" in text and "punteggio pesato" in text
    assert "lexicographic" not in text and "weighted" not in text.replace("pesato", "")


def test_job_outcome_by_its_label(world):
    it = visible_text(as_admin(world, "it").get("/admin/job_run/").get_data(as_text=True))
    assert "Ultima pubblicazione: Riuscito" in it
    en = visible_text(as_admin(world, "en").get("/admin/job_run/").get_data(as_text=True))
    assert "Last publication: Succeeded" in en


def test_match_history_score_in_the_locale(world):
    it = visible_text(as_admin(world, "it").get("/admin/match/").get_data(as_text=True))
    assert "0,55" in it and "0.554322581569116" not in it
    en = visible_text(as_admin(world, "en").get("/admin/match/").get_data(as_text=True))
    assert "0.55" in en and "0.554322581569116" not in en


# -- the domain modules' explanations, in both languages -------------------------------

HOUSEHOLD = HouseholdCase(
    id=1, size=3, min_rooms=2, needs_step_free=True, monthly_income=Decimal("1640"),
    preferred_districts=frozenset({"Centro"}), acceptable_contract_types=frozenset({"concordato_3_2"}),
    parked_until=datetime.date(2026, 12, 7), ethos_category="houseless_5", intake_on=datetime.date(2025, 1, 1),
    vulnerabilities=1, case_conference_rank=None, tie_break_key=0.5, declined_offer_ids=frozenset({9}))
OFFER = OfferCase(id=9, rooms=1, step_free=False, district="Librino", contract_type="transitory",
                  monthly_rent=Decimal("1512.50"),
                  service_charges=Decimal("62"))


def test_rule_explanations_in_english_with_english_figures():
    failures = dict(evaluate(HOUSEHOLD, OFFER, RuleConfig.default(), TODAY, "en").failures)
    assert set(failures) == {r.key for r in RULES}
    assert failures["size_fits_rooms"] == "home of 1 room < the household's minimum of 2 rooms"
    assert failures["rent_sustainable"] == "rent €1,512.50 + charges €62 = €1,574.50 > 30% × €1,640 = €492"
    assert failures["not_parked"] == "household parked from matching: can be matched again from 7 Dec 2026"
    assert "transitory" not in failures["contract_type_acceptable"]  # the contract type by its label
    for text in failures.values():
        assert problems(text, "en", _record_keys()) == [], text


def test_rule_explanations_in_italian_unchanged():
    failures = dict(evaluate(HOUSEHOLD, OFFER, RuleConfig.default(), TODAY).failures)
    assert failures["rent_sustainable"] == ("canone 1.512,50 € + spese 62 € = 1.574,50 € > 30% × 1.640 € = 492 €")
    assert failures["not_parked"] == "nucleo sospeso dagli abbinamenti: di nuovo abbinabile dal 07/12/2026"


def test_rule_parameters_in_words():
    assert rule("size_fits_rooms").parameter_text((0.5, 2.0), "it") == "tra 0,5 e 2 persone per locale"
    assert rule("size_fits_rooms").parameter_text((0.5, 2.0), "en") == "0.5 to 2 persons per room"
    assert rule("rent_sustainable").parameter_text(Decimal("0.30"), "it") == \
        "30% del reddito netto"


def test_score_explained_in_both_languages_with_the_ethos_label():
    offer = OfferCase(id=3, rooms=3, step_free=True, district="Centro", contract_type="concordato_3_2",
                      monthly_rent=Decimal("400"), service_charges=Decimal(0))
    for lang in ("it", "en"):
        lines = explain_score(HOUSEHOLD, offer, Weights(), TODAY, lang=lang)
        text = " ".join(lines)
        assert "houseless_5" not in text
        assert vocabulary.label(vocabulary.ETHOS_CATEGORIES, "houseless_5", lang) in text
        assert problems(text, lang, _record_keys()) == [], text
    assert explain_score(HOUSEHOLD, offer, Weights(), TODAY, lang="en")[1].startswith("size fit 0.67: 3 rooms")


def test_census_words():
    assert census_words.cell_text("step_free", True, "it") == "sì"
    assert census_words.cell_text("step_free", False, "en") == "no"
    assert census_words.cell_text("district", "*", "en") == "any"
    assert census_words.cell_text("demand", 0.5, "it") == "0,50"
    assert census_words.cell_text("demand", 2.0, "en") == "2"
    assert census_words.cell_text("cost_band", census_words.cost_band(16000), "en") == "€150–€300"
    assert census_words.reason_label("rent_sustainable", "en") == "Sustainable rent"




@pytest.mark.parametrize("lang, expected", [
    ("it", "Parametro non valido: serve una quota del reddito maggiore di 0 e al massimo 1, come 0,30."),
    ("en", "Invalid parameter: it must be a share of income above 0 and at most 1, such as 0.30.")])
def test_a_refused_rule_parameter_is_explained_in_the_users_language(world, lang, expected):
    client = as_admin(world, lang)
    token = csrf_token(client, "/admin/rule_setting/new/")
    page = client.post("/admin/rule_setting/new/", data={"csrf_token": token, "contract_type": "emergency",
                                                          "rule": "rent_sustainable", "enabled": "y", "parameter": "1.5"})
    text = visible_text(page.get_data(as_text=True))
    assert page.status_code == 200 and expected in text
    assert "rent_sustainable" not in text


def test_a_share_typed_with_the_decimal_comma_is_accepted(world):
    import models as m

    client = as_admin(world, "it")
    token = csrf_token(client, "/admin/rule_setting/new/")
    page = client.post("/admin/rule_setting/new/", data={"csrf_token": token, "contract_type": "erp",
                                                          "rule": "rent_sustainable", "enabled": "y", "parameter": "0,35"})
    assert page.status_code == 302
    with world.extensions["database"].connection_context():
        assert m.RuleSetting.get(m.RuleSetting.contract_type == "erp").parameter == "0.35"


def test_job_names_by_their_labels(world):
    text = visible_text(as_admin(world, "it").get("/admin/job_run/").get_data(as_text=True))
    assert "Pubblicazione del sito" in text
    english = visible_text(as_admin(world, "en").get("/admin/job_run/").get_data(as_text=True))
    assert "Site publication" in english



def test_match_history_export_typed_and_labelled(world):
    import io

    import openpyxl

    response = as_admin(world, "it").get("/admin/match/export/xlsx/")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1]))
    assert "Punteggio" in header and isinstance(first["Punteggio"], float)  # a number, not text
    assert first["Fase"] == "Proposto" and first["Stato"] == "In corso"
    assert isinstance(first["Nella fase dal"], datetime.datetime)
