"""Matching screens: an offer's shortlist, a household's offers, the batch
proposal and the census. The computing is ``housing.matching``; these views
load the cases, show the explanations and turn accepted proposals into matches.

Every page that lists candidates says which household statuses take part
(``housing.household_status.MATCHING_STATUSES``, the list the matching filters
with) and, for a household left out, why."""
import dataclasses
import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from admin.i18n import current_language
from admin.views.notices import notices_summary
from admin.views.base import SecureBaseView, find, get_or_404
from housing import household_status, match_data, matches, restriction
from housing.matching.rules import RULES
from housing.workflow import WorkflowError
from models import CensusSnapshot, Household, Offer, db, fn

BATCH_MODES = ("lexicographic", "weighted")
BATCH_MODE_LABELS = {  # (Italian, English): what each mode means to staff
    "lexicographic": lazy_gettext('priority first'),
    "weighted": lazy_gettext('weighted score'),
}
SHOWN_RANKED, SHOWN_EXCLUDED = 200, 100


def hidden_ids():
    """Ids of the restricted households the current user may not see (housing.restriction)."""
    hidden = restriction.hidden_households(current_user)
    return frozenset(row.id for row in hidden) if hidden is not None else frozenset()


def codes_of(household_ids, hidden=frozenset()):
    """{id: code} of the households a page shows, in chunks the drivers accept.

    A restricted household the reader may not see is named only as such: the
    batch is one computation for everyone, but its code is not shown.
    """
    ids, codes = sorted(set(household_ids)), {}
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        codes.update(Household.select(Household.id, Household.code).where(Household.id.in_(chunk)).tuples())
    for household_id in hidden & set(codes):
        codes[household_id] = gettext("Restricted household")
    return codes


def snapshot(household_case, offer_case, config, weights, breakdown, funding=None):
    """The decision context stored with a proposal, for audit; ``funding`` is the fund
    and contribution the proposal uses (the tenancy opened from it carries them)."""
    def plain(value):
        if dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (set, frozenset, tuple, list)):
            return sorted(plain(v) for v in value) if isinstance(value, (set, frozenset)) else [plain(v) for v in value]
        return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)

    return {
        "household": plain(household_case), "offer": plain(offer_case),
        "rules": {rule.key: plain(parameter) for rule, parameter in config.for_offer(offer_case)},
        "weights": plain(weights), "score": plain(breakdown), "at": datetime.datetime.now().isoformat(timespec="seconds"),
        "funding": funding or {},
    }


def pair_funding(household_case, offer_case, config, today, fund_id=None):
    """{"fund_id", "contribution"} of the pair by the rent rule (``housing.matching.funds``), or {}:
    ``fund_id`` (the batch's choice) when that fund may pay the contribution, else the rule's first fund."""
    from housing.matching import funds

    share = config.setting(offer_case.contract_type, "rent_sustainable").parameter
    found = funds.funding(household_case, offer_case, share, today)
    if not found.need:
        return {}
    fund = found.fund
    chosen = next((f for f in offer_case.funds if f.id == fund_id), None) if fund_id is not None else None
    if chosen is not None and funds.refusal(chosen, household_case, offer_case, found.need, today) is None:
        fund = chosen
    return {"fund_id": fund.id if fund else None, "contribution": f"{found.need / 100:.2f}"}


def left_out():
    """[(status label, count)] of the households whose status keeps them out of the matching."""
    lang = current_language()
    rows = (Household.select(Household.status, fn.COUNT(Household.id))
            .where(Household.status.not_in(household_status.MATCHING_STATUSES)).group_by(Household.status).tuples())
    counts = dict(rows)
    return [(household_status.status_label(status, lang), counts[status])
            for status in household_status.STATUS_KEYS if counts.get(status)]


def participation():
    """What the candidate pages say about who takes part: (sentence, households left out by status)."""
    return household_status.participation_text(current_language()), left_out()


class MatchingView(SecureBaseView):
    registry = "matching"

    def _context(self):
        from housing.matching.scoring import Weights

        return match_data.rule_config(), Weights(), datetime.date.today()

    @expose("/")
    def index(self):
        return redirect(url_for(".batch"))

    @expose("/offer/<int:offer_id>")
    def offer(self, offer_id):
        from housing.matching.shortlist import shortlist

        offer = get_or_404(Offer, offer_id)
        config, weights, today = self._context()
        offer_case = match_data.offer_case(offer.id)
        households = match_data.household_cases(today=today)
        lang = current_language()
        result = shortlist(offer_case, households, config, weights, today, lang=lang)
        # build only the rows the page shows, and read only their codes (not 50,000);
        # restricted households the reader may not see are left out of the lists
        hidden = hidden_ids()
        ranked = [row for row in result.ranked if row[0].id not in hidden][:SHOWN_RANKED]
        excluded = {key: [row for row in rows if row[0].id not in hidden][:SHOWN_EXCLUDED]
                    for key, rows in result.excluded.items()}
        codes = codes_of([case.id for case, _, _ in ranked] + [case.id for rows in excluded.values() for case, _ in rows])
        return self.render("admin/matching/shortlist.html", offer=offer, result=result, ranked=ranked, excluded=excluded,
                           codes=codes, form=SecureForm(), participation=participation(), lang=lang,
                           can_act=self.can_act(), rules=config.for_offer(offer_case),
                           rule_names={rule.key: rule.name(lang) for rule in RULES})

    @expose("/offer/<int:offer_id>/propose", methods=["POST"])
    def propose(self, offer_id):
        offer = get_or_404(Offer, offer_id)
        household = get_or_404(Household, request.form.get("household_id", type=int))
        if self._guard():
            self._propose_pairs([(household, offer)])
        return redirect(url_for(".offer", offer_id=offer_id))

    def _propose_pairs(self, pairs, charged=None):
        from housing.matching.rules import evaluate
        from housing.matching.scoring import score

        config, weights, today = self._context()
        made, refused, outcomes = 0, [], []
        for household, offer in pairs:
            case, offer_case = match_data.household_case(household.id, today), match_data.offer_case(offer.id)
            evaluation = evaluate(case, offer_case, config, today, current_language())
            if not evaluation.eligible:
                refused.append(f"{household.code}: {evaluation.failures[0][1]}")
                continue
            breakdown = score(case, offer_case, weights, today)
            try:
                with db.atomic():
                    funding = pair_funding(case, offer_case, config, today, (charged or {}).get(household.id))
                    match = matches.propose(household, offer, current_user,
                                            snapshot(case, offer_case, config, weights, breakdown, funding),
                                            breakdown.total, today)
                made += 1
                outcomes += getattr(match, "notice_outcomes", [])
            except WorkflowError as error:
                refused.append(f"{household.code}: {error}")
        if made:
            flash(gettext('Matches proposed: %(made)s.', made=made), "success")
            notices_summary(outcomes)
        for message in refused[:20]:
            flash(message, "error")
        return made

    @expose("/household/<int:household_id>")
    def household(self, household_id):
        from housing.matching.shortlist import eligible_offers

        household = get_or_404(Household, household_id)
        config, weights, today = self._context()
        case = match_data.household_case(household_id, today)
        lang = current_language()
        eligible, not_eligible = eligible_offers(case, match_data.offer_cases(), config, weights, today, lang)
        parked = household.parked_until if household.parked_until and household.parked_until > today else None
        return self.render("admin/matching/household.html", household=household, eligible=eligible,
                           not_eligible=not_eligible, lang=lang, parked=parked,
                           absent=household_status.why_not_matched(household.status, lang),
                           participation=household_status.participation_text(lang),
                           status=household_status.status_label(household.status, lang))

    @expose("/batch")
    def batch(self):
        from housing.matching.batch import greedy_batch, propose_batch

        mode = request.args.get("mode") if request.args.get("mode") in BATCH_MODES else "lexicographic"
        config, weights, today = self._context()
        households, offers = match_data.household_cases(today=today), match_data.offer_cases()
        proposal = propose_batch(households, offers, config, weights, today, mode=mode)
        baseline = greedy_batch(households, offers, config, weights, today)
        codes = codes_of([household_id for household_id, _, _ in proposal.pairs], hidden_ids())
        lang = current_language()
        modes = [(key, str(BATCH_MODE_LABELS[key])) for key in BATCH_MODES]
        from housing.matching import aims

        report = proposal.objective.get("aims")
        aim_rows = aims.rows_for_page(report["comparison"], lang) if report else []
        return self.render("admin/matching/batch.html", proposal=proposal, baseline=baseline, mode=mode, modes=modes,
                           aim_rows=aim_rows,
                           mode_label=dict(modes)[mode],
                           codes=codes, households=len(households), offers=len(offers), form=SecureForm(),
                           participation=participation(), lang=lang, can_act=self.can_act())

    @expose("/batch/accept", methods=["POST"])
    def accept(self):
        if self._guard():
            pairs, charged = [], {}
            for value in request.form.getlist("pair")[:5000]:
                # "household-offer", or "household-offer-fund" when the batch charges the pair to a fund
                household_id, offer_id, fund_id = (value.split("-") + ["", ""])[:3]  # any text: never a 500
                if household_id.isdigit() and offer_id.isdigit():
                    household, offer = find(Household, int(household_id)), find(Offer, int(offer_id))
                    if household and offer and restriction.may_see(household, current_user):
                        pairs.append((household, offer))
                        if fund_id.isdigit():
                            charged[household.id] = int(fund_id)
            if not pairs:
                flash(gettext('No proposal selected.'), "error")
            else:
                self._propose_pairs(pairs, charged)
        return redirect(url_for("match_board.index"))


class CensusView(SecureBaseView):
    registry = "census"

    @expose("/")
    def index(self):
        from housing.matching.census import census

        from housing.matching import census as words

        config, today, lang = match_data.rule_config(), datetime.date.today(), current_language()
        result = census(match_data.household_cases(today=today), match_data.offer_cases(), config, today, lang,
                        sensitive=hidden_ids())
        codes = codes_of([case.id for case, _, _ in result.infeasible[:300]])
        history = list(CensusSnapshot.select().order_by(CensusSnapshot.taken_on.desc()).limit(30))
        # the cells keep their keys (the saved snapshots use them); the page prints labels and local figures
        keys = list(result.cells[0]) if result.cells else []
        header = [words.column_label(key, lang) for key in keys]
        rows = [(cell.get("gap", 0) > 0, [words.cell_text(key, cell[key], lang) for key in keys]) for cell in result.cells]
        infeasible = [(codes.get(case.id, case.id), words.reason_label(key, lang), text)
                      for case, key, text in result.infeasible[:300]]
        return self.render("admin/matching/census.html", result=result, header=header, rows=rows, infeasible=infeasible,
                           history=history, form=SecureForm(), lang=lang,
                           can_save=self.can_act() or current_user.role in ("admin", "operator"))

    @expose("/save", methods=["POST"])
    def save(self):
        from housing.matching.census import census

        if current_user.role not in ("admin", "operator") or not SecureForm(request.form).validate():
            abort(403)
        config, today = match_data.rule_config(), datetime.date.today()
        result = census(match_data.household_cases(today=today), match_data.offer_cases(), config, today)
        match_data.store_census(result.to_dict(), today)
        flash(gettext("Today's census saved."), "success")
        return redirect(url_for(".index"))
