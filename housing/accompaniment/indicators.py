"""Housing First indicators for the programme's monitoring, and their export.

Retention at 6, 12 and 24 months (the headline outcome), time from intake to
housing, households by support intensity, exits from places by destination,
referral outcomes, the fidelity score over time, and the commitments of each
contribution fund month by month against its monthly budget
(``fund_commitments``: the fund charges of the tenancies running in the month). Small groups are not
suppressed here: this is the staff's and the funder's view, not the public site.
"""
import datetime
import statistics
from collections import Counter
from decimal import Decimal

from housing import vocabulary as v
from housing.accompaniment import fidelity, tenancies
from housing.accompaniment.assessments import most_in_need
from models import ContributionFund, FundCharge, Household, Referral, Stay, Tenancy

FUND_MONTHS = 12    # months shown per fund, up to the current one


def _month_starts(today, months):
    year, month = today.year, today.month
    out = []
    for _ in range(months):
        out.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def fund_commitments(today=None, months=FUND_MONTHS):
    """Per fund (by id): [{"month", "committed", "budget", "left", "share", "over", "tenancies"}] for the
    last ``months`` months up to today's. A tenancy counts in a month when it started by the month's
    end and had not ended by its first day; the budget is None in a month the fund was not in force."""
    today = today or datetime.date.today()
    starts = _month_starts(today, months)
    charges = list(FundCharge.select(FundCharge.fund, FundCharge.monthly_contribution, Tenancy.start_on,
                                     Tenancy.ended_on).join(Tenancy).tuples())
    out = []
    for fund in ContributionFund.select().order_by(ContributionFund.id):
        rows = []
        for first in starts:
            last = tenancies.add_months(first, 1) - datetime.timedelta(days=1)
            running = [amount for fund_id, amount, start, ended in charges
                       if fund_id == fund.id and start <= last and (ended is None or ended > first)]
            committed = sum(running, start=Decimal(0))
            in_force = fund.valid_from <= last and (fund.valid_until is None or fund.valid_until >= first)
            budget = Decimal(fund.monthly_budget) if in_force else None
            rows.append({"month": first, "committed": committed, "budget": budget, "tenancies": len(running),
                         "left": None if budget is None else budget - committed,
                         "share": float(committed / budget) if budget else None,
                         "over": committed > (budget if budget is not None else Decimal(0))})
        out.append({"fund": fund.name, "fund_id": fund.id, "months": rows})
    return out


def compute(today=None):
    today = today or datetime.date.today()
    all_tenancies = list(Tenancy.select())
    recorded = tenancies.recorded_outcomes()
    retention = {}
    for months in tenancies.MILESTONES:
        retained, eligible, share = tenancies.retention(all_tenancies, months, today, recorded)
        retention[months] = {"retained": retained, "eligible": eligible, "share": share}
    first_start = {}
    for t in all_tenancies:
        if t.household_id not in first_start or t.start_on < first_start[t.household_id]:
            first_start[t.household_id] = t.start_on
    intake = dict(Household.select(Household.id, Household.intake_on)
                  .where(Household.id.in_(list(first_start) or [0])).tuples())
    days = [(first_start[h] - intake[h]).days for h in first_start if h in intake and intake[h]]
    assessed = most_in_need()
    exits = Counter(d for (d,) in Stay.select(Stay.exit_destination).where(Stay.exit_on.is_null(False)).tuples())
    referrals = Counter(Referral.select(Referral.service, Referral.status).tuples())
    outcomes = Counter(o for (o,) in Referral.select(Referral.outcome).where(Referral.outcome.is_null(False)).tuples())
    return {
        "today": today,
        "retention": retention,
        "intake_to_housing_days": {"households": len(days), "median": statistics.median(days) if days else None,
                                   "mean": round(statistics.mean(days), 1) if days else None},
        "support_intensity": Counter(intensity for _, intensity in assessed.values()),
        "assessed_households": len(assessed),
        "exits": exits,
        "referrals": referrals,
        "referral_outcomes": outcomes,
        "fidelity": fidelity.history(),
        "tenancies_open": sum(1 for t in all_tenancies if t.ended_on is None),
        "fund_commitments": fund_commitments(today),
    }


def rows(data, lang="it"):
    """The indicators as (section, indicator, value) rows, for CSV and XLSX."""
    label = lambda registry, key: v.label(registry, key, lang)  # noqa: E731
    it = lang == "it"
    out = []
    for months, r in data["retention"].items():
        share = "" if r["share"] is None else round(100 * r["share"], 1)
        out.append(("retention" if not it else "permanenza in casa", f"{months} {'mesi' if it else 'months'} (%)", share))
        out.append(("retention" if not it else "permanenza in casa", f"{months} {'mesi: locazioni valutabili' if it else 'months: tenancies counted'}", r["eligible"]))
    t = data["intake_to_housing_days"]
    section = "dalla presa in carico alla casa (giorni)" if it else "intake to housing (days)"
    out += [(section, "mediana" if it else "median", t["median"] if t["median"] is not None else ""),
            (section, "media" if it else "mean", t["mean"] if t["mean"] is not None else ""),
            (section, "nuclei" if it else "households", t["households"])]
    for key in (term.key for term in v.SUPPORT_INTENSITIES):
        out.append(("intensità del supporto" if it else "support intensity", label(v.SUPPORT_INTENSITIES, key),
                    data["support_intensity"].get(key, 0)))
    for key in (term.key for term in v.EXIT_DESTINATIONS):
        out.append(("uscite dai posti" if it else "exits from places", label(v.EXIT_DESTINATIONS, key), data["exits"].get(key, 0)))
    for (service, status), count in sorted(data["referrals"].items()):
        out.append(("invii ai servizi" if it else "referrals",
                    f"{label(v.SERVICE_TYPES, service)} / {label(v.REFERRAL_STATUSES, status)}", count))
    for key, count in sorted(data["referral_outcomes"].items()):
        out.append(("esiti degli invii" if it else "referral outcomes", label(v.REFERRAL_OUTCOMES, key), count))
    for day, score in data["fidelity"]:
        out.append(("fedeltà al modello (%)" if it else "fidelity score (%)", day, score))
    out.append(("locazioni" if it else "tenancies", "in corso" if it else "open", data["tenancies_open"]))
    section = "impegni dei fondi (EUR al mese)" if it else "fund commitments (EUR a month)"
    for fund in data.get("fund_commitments", ()):
        for month in fund["months"]:
            when = month["month"].strftime("%Y-%m")
            out.append((section, f"{fund['fund']} {when}: {'impegnato' if it else 'committed'}", month["committed"]))
            out.append((section, f"{fund['fund']} {when}: {'budget' if it else 'budget'}",
                        "" if month["budget"] is None else month["budget"]))
    return out


def export(data, fmt, lang="it"):
    """The rows as CSV text or XLSX bytes (tablib)."""
    import tablib

    headers = ("sezione", "indicatore", "valore") if lang == "it" else ("section", "indicator", "value")
    book = tablib.Dataset(*rows(data, lang), headers=headers, title="Housing First")
    return book.export(fmt)
