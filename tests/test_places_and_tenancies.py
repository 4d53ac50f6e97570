"""Places and stays (overlaps, capacity, occupancy); tenancies and retention
computed on hand-built cases with known answers."""
import datetime
from decimal import Decimal

import pytest

import models as m
from housing.accompaniment import stays, tenancies
from samples import make_dwelling, make_household, make_landlord

D = datetime.date


def place(capacity=1, name="Casa di transizione Via Plebiscito", **kw):
    return m.Place.create(name=name, kind="transitional", capacity=capacity, facility="Via Plebiscito 1", **kw)


def stay(household, where, entry, exit=None, destination=None, planned=None):
    return m.Stay.create(household=household, place=where, entry_on=entry, exit_on=exit,
                         exit_destination=destination, planned_exit_on=planned)


def test_no_two_overlapping_stays_in_a_single_place(database):
    p = place(capacity=1)
    first, second = make_household(code="NF-2026-0001"), make_household(code="NF-2026-0002")
    stay(first, p, D(2026, 1, 1), D(2026, 3, 1), "housing_first")
    clash = stays.check({"household": second, "place": p, "entry_on": D(2026, 2, 1)})
    assert "place" in clash and "1 posti" in clash["place"][0]
    # entering the day the previous guest leaves is not an overlap
    assert stays.check({"household": second, "place": p, "entry_on": D(2026, 3, 1)}) == {}
    assert stays.check({"household": second, "place": p, "entry_on": D(2025, 12, 1), "exit_on": D(2026, 1, 1),
                        "exit_destination": "family"}) == {}


def test_capacity_counts_guests_present_at_once(database):
    p = place(capacity=2)
    a, b, c = (make_household(code=f"NF-2026-000{i}") for i in (1, 2, 3))
    stay(a, p, D(2026, 1, 1), D(2026, 2, 1), "family")
    stay(b, p, D(2026, 3, 1))
    # a and b never overlap: a third guest fits in January and from March
    assert stays.check({"household": c, "place": p, "entry_on": D(2026, 1, 15)}) == {}
    stay(m.Household.create(code="NF-2026-0009"), p, D(2026, 3, 10))
    assert "place" in stays.check({"household": c, "place": p, "entry_on": D(2026, 4, 1)})


def test_a_household_is_in_one_place_at_a_time_and_exits_have_destinations(database):
    h = make_household()
    stay(h, place(capacity=5), D(2026, 1, 1))
    other = place(capacity=5, name="Dormitorio")
    errors = stays.check({"household": h, "place": other, "entry_on": D(2026, 5, 1)})
    assert "entry_on" in errors
    errors = stays.check({"household": make_household(code="NF-2026-0002"), "place": other,
                          "entry_on": D(2026, 5, 1), "exit_on": D(2026, 6, 1)})
    assert "exit_destination" in errors


def test_occupancy_shows_free_places_and_overdue_stays(database):
    today = D(2026, 11, 20)
    p = place(capacity=3)
    late = stay(make_household(code="NF-2026-0001"), p, D(2026, 1, 1), planned=D(2026, 6, 30))
    stay(make_household(code="NF-2026-0002"), p, D(2026, 10, 1), planned=D(2027, 1, 31))
    stay(make_household(code="NF-2026-0003"), p, D(2026, 1, 1), D(2026, 2, 1), "street")
    place(capacity=1, name="Chiuso", active=False)
    [row] = stays.occupancy(today)
    assert (row["capacity"], row["occupied"], row["free"]) == (3, 2, 1)
    assert [s.id for s in row["overdue"]] == [late.id]


def test_add_months_keeps_the_end_of_the_month():
    assert tenancies.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert tenancies.add_months(D(2026, 8, 15), 6) == D(2027, 2, 15)
    assert tenancies.add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)


def tenancy(household, dwelling, start, ended=None, reason=None):
    return m.Tenancy.create(household=household, dwelling=dwelling, contract_type="concordato_3_2",
                            monthly_rent=Decimal(400), start_on=start, ended_on=ended, end_reason=reason)


def test_retention_on_hand_built_tenancies(database):
    today = D(2026, 11, 20)
    landlord = make_landlord()
    landlord_dwellings = [make_dwelling(landlord, cadastral_unit=str(i), address=f"Via Etnea {i}") for i in range(6)]
    h = [make_household(code=f"NF-2026-00{i:02d}") for i in range(6)]
    tenancy(h[0], landlord_dwellings[0], D(2024, 1, 10))                                 # housed all along
    tenancy(h[1], landlord_dwellings[1], D(2024, 1, 10), D(2024, 9, 1), "eviction")      # lost at 7.7 months
    tenancy(h[2], landlord_dwellings[2], D(2025, 1, 10), D(2025, 5, 1), "moved_on")      # moved on at ~4 months
    tenancy(h[3], landlord_dwellings[3], D(2026, 8, 1))                                  # too recent for 6 months
    recorded = tenancy(h[4], landlord_dwellings[4], D(2025, 10, 1))                      # staff recorded a loss
    m.TenancyOutcome.create(tenancy=recorded, milestone_months=12, outcome="lost_home")
    tenancy(h[5], landlord_dwellings[5], D(2024, 11, 20), D(2026, 11, 19), "abandoned")  # left one day before 24 months
    all_ = list(m.Tenancy.select())
    assert tenancies.retention(all_, 6, today) == (5, 5, 1.0)
    retained, eligible, share = tenancies.retention(all_, 12, today)
    # housed h0 and h5, moved on h2; lost h1 (evicted) and h4 (recorded by staff)
    assert (retained, eligible) == (3, 5) and share == pytest.approx(0.6)
    assert tenancies.outcome_at(all_[5], 12, today) == "still_housed"
    assert tenancies.outcome_at(all_[5], 24, today) == "lost_home"
    assert tenancies.retention(all_, 24, today) == (1, 3, pytest.approx(1 / 3))


def test_dashboard_alerts_count_what_is_due(database):
    from housing.accompaniment import alerts

    today = D(2026, 11, 20)
    h = make_household()
    stay(h, place(), D(2026, 1, 1), planned=D(2026, 6, 30))
    t = tenancy(h, make_dwelling(), D(2025, 10, 1))                     # 6 and 12 months reached
    m.TenancyOutcome.create(tenancy=t, milestone_months=6, outcome="still_housed")
    m.SupportPlan.create(household=h, started_on=D(2026, 1, 1), review_on=D(2026, 7, 1), status="active",
                         consent_signed=True, consent_on=D(2026, 1, 1))
    assert alerts.due(today) == {"reassessments": 0, "plan_reviews": 1, "overdue_stays": 1, "outcomes_to_record": 1}
