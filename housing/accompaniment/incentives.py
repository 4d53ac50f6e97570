"""Landlord incentives and guarantee claims: checks and totals per budget line."""
from collections import defaultdict
from decimal import Decimal

from housing.messages import _
from models import GuaranteeClaim, Incentive

ZERO = Decimal("0.00")


def check_incentive(data, current_id=None):
    errors = {}
    kind, status = data.get("kind"), data.get("status")
    if kind == "guarantee_fund" and not data.get("months_covered"):
        errors["months_covered"] = [_("Indicare quante mensilità copre la garanzia.")]
    if kind and kind != "guarantee_fund" and data.get("months_covered"):
        errors["months_covered"] = [_("Le mensilità coperte valgono solo per il fondo di garanzia.")]
    if status == "paid" and not data.get("paid_on"):
        errors["paid_on"] = [_("Indicare la data di erogazione.")]
    if status in ("approved", "paid", "refused") and not data.get("decided_on"):
        errors["decided_on"] = [_("Indicare la data della decisione.")]
    for field in ("decided_on", "paid_on"):
        if data.get(field) and data.get("requested_on") and data[field] < data["requested_on"]:
            errors.setdefault(field, []).append(_("La data precede la richiesta."))
    tenancy, landlord = data.get("tenancy"), data.get("landlord")
    if tenancy is not None and landlord is not None and tenancy.dwelling.landlord_id != getattr(landlord, "id", landlord):
        errors.setdefault("tenancy", []).append(_("La locazione riguarda un alloggio di un altro locatore."))
    dwelling = data.get("dwelling")
    if dwelling is not None and landlord is not None and dwelling.landlord_id != getattr(landlord, "id", landlord):
        errors.setdefault("dwelling", []).append(_("L'alloggio appartiene a un altro locatore."))
    return errors


def check_claim(data, current_id=None):
    errors = {}
    incentive = data.get("incentive")
    claimed, paid = data.get("amount_claimed"), data.get("amount_paid") or ZERO
    if incentive is not None and incentive.kind != "guarantee_fund":
        errors["incentive"] = [_("Si può escutere solo un fondo di garanzia.")]
    if incentive is not None and incentive.status not in ("approved", "paid"):
        errors.setdefault("incentive", []).append(_("La garanzia non è stata approvata."))
    if claimed is not None and paid > claimed:
        errors["amount_paid"] = [_("Il pagato supera l'importo richiesto.")]
    if data.get("status") == "paid" and not paid:
        errors.setdefault("amount_paid", []).append(_("Indicare l'importo pagato."))
    if incentive is not None and claimed is not None and not errors:
        others = GuaranteeClaim.select().where((GuaranteeClaim.incentive == incentive.id)
                                               & (GuaranteeClaim.status != "refused"))
        if current_id is not None:
            others = others.where(GuaranteeClaim.id != int(current_id))
        used = sum((c.amount_paid or c.amount_claimed for c in others), ZERO)
        if used + (paid or claimed) > incentive.amount:
            errors["amount_claimed"] = [_("Oltre la copertura della garanzia: %(amount)s € di cui già usati %(used)s €.",
                                          amount=incentive.amount, used=used)]
    return errors


def totals_by_budget_line():
    """{budget line: {requested, approved, paid, refused, claims_paid}} in euros."""
    totals = defaultdict(lambda: {"requested": ZERO, "approved": ZERO, "paid": ZERO, "refused": ZERO, "claims_paid": ZERO})
    for incentive in Incentive.select():
        totals[incentive.budget_line][incentive.status] += incentive.amount
    for claim in GuaranteeClaim.select(GuaranteeClaim, Incentive).join(Incentive):
        totals[claim.incentive.budget_line]["claims_paid"] += claim.amount_paid or ZERO
    return dict(sorted(totals.items()))
