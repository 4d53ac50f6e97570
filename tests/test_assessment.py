"""Multidimensional assessment: the instrument as versioned data, need index,
support intensity, locking and corrections, and the priority it feeds."""
import datetime
import shutil

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import models as m
from housing.accompaniment import ValidationFailed, assessments, instruments
from housing.matching import priority as prio
from samples import ANNA, MARIO, make_household

TODAY = datetime.date(2026, 11, 20)
DOMAINS = [item["key"] for item in instruments.items(instruments.read_definition("assessment"))]


def all_scores(value):
    return {key: value for key in DOMAINS}


def member(household=None, tax_code=MARIO):
    household = household or make_household()
    return m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code=tax_code,
                           birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")


def test_the_instrument_has_the_ten_domains_and_housing_with_anchors_in_both_languages():
    definition = instruments.read_definition("assessment")
    assert DOMAINS == ["self_care", "home_care", "daily_management", "health", "addictions", "relationships",
                       "conflict_legality", "money_management", "work", "education", "housing"]
    for item in instruments.items(definition):
        assert sorted(int(k) for k in item["anchors"]) == [1, 2, 3, 4, 5]
        assert all(anchor["it"] and anchor["en"] for anchor in item["anchors"].values())
    assert {i["key"] for i in instruments.items(definition) if i.get("sensitive")} == {"health", "addictions", "conflict_legality"}


def test_need_index_and_intensity():
    definition = instruments.read_definition("assessment")
    assert instruments.need_index(all_scores(5), definition) == 0
    assert instruments.need_index(all_scores(1), definition) == 1
    assert instruments.need_index(all_scores(3), definition) == 0.5
    assert instruments.support_intensity(0.0, definition) == "low"
    assert instruments.support_intensity(0.35, definition) == "medium"
    assert instruments.support_intensity(0.6, definition) == "high"
    with pytest.raises(ValueError):
        instruments.need_index({"self_care": 3}, definition)


def test_changing_the_instrument_creates_a_new_version_and_old_assessments_keep_theirs(database, tmp_path):
    shutil.copy(instruments.DIRECTORY / "assessment.yaml", tmp_path / "assessment.yaml")
    v1 = instruments.current_version("assessment", tmp_path)
    assert instruments.current_version("assessment", tmp_path).id == v1.id  # same file, same version
    person = member()
    first = assessments.record(person, TODAY, all_scores(2), consent=True, today=TODAY, version=v1)
    definition = yaml.safe_load((tmp_path / "assessment.yaml").read_text())
    definition["domains"][0]["anchors"][1]["it"] = "Igiene del tutto trascurata"
    (tmp_path / "assessment.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True))
    v2 = instruments.current_version("assessment", tmp_path)
    assert (v1.version, v2.version) == (1, 2)
    first = m.Assessment.get_by_id(first.id)
    assert first.instrument_id == v1.id
    old_anchor = instruments.definition_of(first.instrument)["domains"][0]["anchors"]["1"]["it"]
    assert old_anchor == "Igiene e alimentazione gravemente trascurate"


def test_an_assessment_is_saved_whole_with_its_scores_and_audit(database):
    person = member()
    a = assessments.record(person, TODAY, all_scores(2), {"health": "terapia in corso"}, consent=True, today=TODAY,
                           reassess_on=TODAY + datetime.timedelta(days=180))
    assert a.household_id == person.household_id
    assert a.need_index == 0.75 and a.support_intensity == "high"
    scores = {s.domain: s for s in a.scores}
    assert len(scores) == 11 and scores["health"].sensitive and not scores["work"].sensitive
    assert m.AuditLog.select().where(m.AuditLog.entity == "assessment_score").count() == 11


@pytest.mark.parametrize("change, field", [
    (lambda kw: kw["scores"].update(work=6), "score_work"),
    (lambda kw: kw["scores"].update(work=0), "score_work"),
    (lambda kw: kw["scores"].pop("education"), "score_education"),
    (lambda kw: kw.update(consent=False), "consent"),
    (lambda kw: kw.update(assessed_on=TODAY + datetime.timedelta(days=1)), "assessed_on"),
    (lambda kw: kw.update(reassess_on=TODAY), "reassess_on"),
    (lambda kw: kw["notes"].update(health="x" * 3000), "note_health"),
])
def test_bad_assessments_name_the_field_and_write_nothing(database, change, field):
    person = member()
    kwargs = {"scores": all_scores(3), "notes": {}, "consent": True, "assessed_on": TODAY, "reassess_on": None}
    change(kwargs)
    with pytest.raises(ValidationFailed) as failed:
        assessments.record(person, kwargs["assessed_on"], kwargs["scores"], kwargs["notes"], kwargs["consent"],
                           kwargs["reassess_on"], today=TODAY)
    assert field in failed.value.errors
    assert m.Assessment.select().count() == 0 and m.AssessmentScore.select().count() == 0


def test_locked_after_the_configured_days_then_corrected_with_a_reason(database):
    person = member()
    a = assessments.record(person, TODAY, all_scores(3), consent=True, today=TODAY)
    assessments.amend(a, all_scores(4), today=TODAY + datetime.timedelta(days=14), lock_days=14)
    assert m.Assessment.get_by_id(a.id).need_index == 0.25
    with pytest.raises(ValidationFailed):
        assessments.amend(a, all_scores(1), today=TODAY + datetime.timedelta(days=15), lock_days=14)
    later = TODAY + datetime.timedelta(days=20)
    with pytest.raises(ValidationFailed) as failed:
        assessments.record(person, later, all_scores(2), consent=True, today=later, corrects=a)
    assert "correction_reason" in failed.value.errors
    fixed = assessments.record(person, later, all_scores(2), consent=True, today=later, corrects=a,
                               correction_reason="punteggio del lavoro inserito per errore")
    assert fixed.corrects_id == a.id and m.Assessment.get_by_id(a.id).need_index == 0.25  # the old one is untouched


def test_household_need_is_its_most_in_need_members_latest(database):
    household = make_household()
    mario = member(household)
    anna = member(household, tax_code=ANNA)
    assessments.record(mario, TODAY - datetime.timedelta(days=100), all_scores(1), consent=True, today=TODAY)
    assessments.record(mario, TODAY, all_scores(4), consent=True, today=TODAY)  # improved
    assessments.record(anna, TODAY, all_scores(3), consent=True, today=TODAY)
    assert assessments.need_indexes() == {household.id: 0.5}
    assert assessments.household_intensity(household.id) == "medium"
    dates, series, labels = assessments.changes_by_domain(mario.id)
    assert len(dates) == 2 and series["work"] == [1, 4] and labels["work"][0] == "Lavoro"


def test_the_assessment_reaches_the_matching(database):
    from housing import match_data

    household = make_household(status="waiting", ethos_category="insecure_9")
    person = member(household)
    before = match_data.household_case(household.id).need_index
    assessments.record(person, TODAY, all_scores(1), consent=True, today=TODAY)
    case = match_data.household_case(household.id)
    assert before is None and case.need_index == 1
    from housing.matching.scoring import priority_component

    assert priority_component(case, TODAY) > priority_component(
        match_data.household_case(household.id).__class__(**{**case.__dict__, "need_index": 0.0}), TODAY)


unit = st.floats(min_value=0, max_value=1, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(ethos=st.sampled_from(list(prio.ETHOS_SEVERITY) + [None]), days=st.integers(0, 2000),
       vulnerabilities=st.integers(0, 5), a=unit, b=unit, more_days=st.integers(0, 500), more=st.integers(0, 3))
def test_priority_is_monotone_in_every_input_with_the_assessment(ethos, days, vulnerabilities, a, b, more_days, more):
    low, high = sorted((a, b))
    p = prio.priority(ethos, days, vulnerabilities, low)
    assert 0 <= p <= prio.priority(ethos, days, vulnerabilities, high) <= 100
    assert prio.priority(ethos, days + more_days, vulnerabilities, low) >= p
    assert prio.priority(ethos, days, vulnerabilities + more, low) >= p
    for worse, severity in prio.ETHOS_SEVERITY.items():
        if severity >= prio.severity(ethos):
            assert prio.priority(worse, days, vulnerabilities, low) >= p


def test_a_questionnaire_alone_never_decides(database):
    # the highest need with no other urgency stays below a roofless person who waited two years
    assert prio.priority(None, 0, 0, 1.0) < prio.priority("roofless_1", 730, 0, 0.0)


def test_vector_and_scalar_priority_agree_with_missing_assessments():
    import numpy as np

    needs = [None, 0.2, None, 0.9]
    values = prio.priority_array([0.5, 0.5, 1.0, 0.3], [10, 10, 400, 0], [0, 1, 2, 3],
                                 np.array([np.nan if n is None else n for n in needs]))
    for value, sev_key, days, vul, need in zip(values, ["insecure_8", "insecure_8", "roofless_1", "inadequate_12"],
                                               [10, 10, 400, 0], [0, 1, 2, 3], needs):
        assert value == prio.priority(sev_key, days, vul, need)


def test_case_conference_override_is_honoured_with_its_reason(database):
    from housing.matching.cases import HouseholdCase
    from decimal import Decimal

    def case(i, need, rank=None):
        return HouseholdCase(id=i, size=1, min_rooms=1, needs_step_free=False, monthly_income=Decimal(800),
                             preferred_districts=frozenset(), acceptable_contract_types=frozenset(), parked_until=None,
                             ethos_category="roofless_1", intake_on=TODAY, vulnerabilities=0, case_conference_rank=rank,
                             tie_break_key=0.5, declined_offer_ids=frozenset(), need_index=need)

    urgent, overridden = case(1, 1.0), case(2, 0.0, rank=1)
    ordered = sorted([urgent, overridden], key=lambda h: prio.order_key(h, prio.priority(h.ethos_category, 0, 0, h.need_index)))
    assert [h.id for h in ordered] == [2, 1]
    from housing.validation import validate

    assert "case_conference_reason" in validate("household", {"case_conference_rank": 1, "case_conference_reason": ""})
