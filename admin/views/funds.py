"""The contribution funds' registry (fondi per i contributi all'affitto): staff keep
each fund's budget, validity, the contract types and households it serves, its cap
per household and its ISEE ceiling; the matching's rent rule reads them
(``housing.matching.funds``). Registered by ``admin/__init__.py``."""
from flask_babel import lazy_gettext

from admin.i18n import term_choices
from admin.views.base import SecureModelView
from admin.views.registries import KeyListField
from housing import vocabulary as v
from housing.matching.funds import ETHOS_GROUPS

ETHOS_GROUP_NAMES = {
    "roofless": lazy_gettext('Roofless (ETHOS 1-2)'),
    "houseless": lazy_gettext('Houseless (ETHOS 3-7)'),
    "insecure": lazy_gettext('Insecure housing (ETHOS 8-10)'),
    "inadequate": lazy_gettext('Inadequate housing (ETHOS 11-13)'),
}


class ContributionFundView(SecureModelView):
    """Funds that top up rents: the household pays its share of income, the fund the rest."""

    category_key = "matching"
    column_list = ["name", "monthly_budget", "household_cap", "valid_from", "valid_until", "contract_types",
                   "ethos_groups", "isee_ceiling"]
    column_searchable_list = ["name"]
    column_default_sort = "name"
    form_columns = ["name", "monthly_budget", "household_cap", "valid_from", "valid_until", "contract_types",
                    "ethos_groups", "isee_ceiling", "notes"]
    column_labels = {
        "name": lazy_gettext('Fund'),
        "monthly_budget": lazy_gettext('Monthly budget (EUR)'),
        "household_cap": lazy_gettext('Cap per household (EUR/month)'),
        "valid_from": lazy_gettext('Valid from'),
        "valid_until": lazy_gettext('Valid until'),
        "contract_types": lazy_gettext('Contract types served'),
        "ethos_groups": lazy_gettext('Households served (ETHOS)'),
        "isee_ceiling": lazy_gettext('ISEE ceiling (EUR)'),
        "notes": lazy_gettext('Notes'),
    }
    form_overrides = {"contract_types": KeyListField, "ethos_groups": KeyListField}
    form_args = {
        "contract_types": {"label": lazy_gettext('Contract types served'),
                           "choices": term_choices(v.CONTRACT_TYPES),
                           "description": lazy_gettext('No choice: any contract type.')},
        "ethos_groups": {"label": lazy_gettext('Households served (ETHOS)'),
                         "choices": [(key, ETHOS_GROUP_NAMES[key]) for key in ETHOS_GROUPS],
                         "description": lazy_gettext('No choice: any household.')},
        "household_cap": {"description": lazy_gettext('The most the fund pays a month for one household.')},
        "isee_ceiling": {"description": lazy_gettext('Empty: no ceiling. With a ceiling, a household needs an '
                                                     'ISEE in force (until 31 December of its year) at most this.')},
        "valid_until": {"description": lazy_gettext('Empty: open-ended.')},
    }
    column_formatters = {
        "contract_types": lambda view, context, model, name: ", ".join(
            str(dict(term_choices(v.CONTRACT_TYPES)).get(key.strip(), key))
            for key in (model.contract_types or "").split(",") if key.strip()) or lazy_gettext('any'),
        "ethos_groups": lambda view, context, model, name: ", ".join(
            str(ETHOS_GROUP_NAMES.get(key.strip(), key)) for key in (model.ethos_groups or "").split(",")
            if key.strip()) or lazy_gettext('any'),
    }

    def record_checks(self, data, current_id):
        errors = dict(super().record_checks(data, current_id))
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            errors.setdefault("valid_until", []).append(
                str(lazy_gettext('The end of validity cannot come before its start.')))
        return errors
