"""The office's documents (issue 15): letters, calculations, decisions, plans and reports.

``KINDS`` is the registry: each kind names its template (``templates/``), the
record it is generated from (a model, or none for the funder's report), the
data function (``sources``), the registry whose rights it follows
(``admin.roles``: generating needs the edit right, reading and downloading the
read right; a household's letters follow the household registry, so a clerk
cannot produce them; the canone calculation, which names the landlord and the
cadastral reference, the landlord registry, so a viewer does not read it) and
whether a DOCX is made for staff to edit afterwards.
``store.generate`` renders, stores and audits one document.
"""
from typing import Callable, NamedTuple

from housing.documents import sources
from models import Incentive, Match, Offer, SupportPlan


class Kind(NamedTuple):
    key: str
    it: str
    en: str
    template: str
    model: type | None
    registry: str
    source: Callable
    docx: bool


KINDS = {kind.key: kind for kind in (
    Kind("proposal_letter", "Lettera di proposta dell'alloggio", "Home proposal letter", "proposal_letter.html",
         Match, "household", sources.proposal_letter, True),
    Kind("viewing_invitation", "Invito alla visita dell'alloggio", "Viewing invitation", "viewing_invitation.html",
         Match, "household", sources.viewing_invitation, True),
    Kind("canone_calculation", "Calcolo del canone concordato", "Controlled-rent calculation",
         "canone_calculation.html", Offer, "landlord", sources.canone_calculation, False),
    Kind("incentive_decision", "Determinazione dell'incentivo al locatore", "Landlord incentive decision",
         "incentive_decision.html", Incentive, "incentive", sources.incentive_decision, True),
    Kind("support_plan", "Progetto personalizzato da firmare", "Support plan for signature", "support_plan.html",
         SupportPlan, "support_plan", sources.support_plan, True),
    Kind("indicator_report", "Relazione sugli indicatori per il finanziatore", "Funder's indicator report",
         "indicator_report.html", None, "indicators", sources.indicator_report, False),
)}

# The table name under which a kind without a record (the funder's report) is stored.
NO_RECORD = "indicators"


def kinds_for(model):
    """The kinds generated from records of ``model`` (None: the report without a record)."""
    return [kind for kind in KINDS.values() if kind.model is model]


def table_of(kind):
    return kind.model._meta.table_name if kind.model is not None else NO_RECORD
