"""The records of processing (GDPR art. 30), generated from the field classification.

The categories of personal data kept, model by model and field by field, come
from the same sources that protect them: the models' ``personal_fields`` and
the role rules (``admin.roles``: who reads each field), the public export's
whitelist (``housing.publishing.export``: whether it ever leaves the database)
and the retention rules (``housing.retention``: how long it is kept and what
happens then). The document is in Italian, for the office's register and its
impact assessment (DPIA); a field that gains personal status without a
retention treatment is listed by ``uncovered`` and fails the tests.

The role rules live in ``admin.roles``, a module of the back office package:
they are passed in (``roles``) so that this module imports no Flask.
"""
import datetime

from peewee import BooleanField

from housing import retention
from housing.publishing.export import PUBLIC_FIELDS
from housing.vocabulary import ROLES
from models import MODELS

CATEGORIES = {
    "special": "categoria particolare (art. 9 GDPR): salute, dipendenze, questioni legali",
    "owner": "identifica il proprietario dell'alloggio",
    "personal": "dato personale",
}


def personal_fields(model, roles):
    """The fields of ``model`` protected by the role rules: (name, registry or class) in model order."""
    out = []
    for name in model._meta.fields:
        needed = roles.field_class(model, name)
        if needed is not None and needed != roles.HIDDEN:
            out.append((name, needed))
    return out


def models_with_personal_data(roles):
    return [model for model in MODELS if personal_fields(model, roles)]


def retention_of(table, name, rules):
    """How ``table.name`` is retained: [(kind, rule or None, treatment)], or the reason it is outside the rules."""
    found = [(key, rules.get(key), fields[name])
             for key, tables in retention.TREATMENTS.items()
             for t, fields in tables.items() if t == table and name in fields]
    return found or retention.OUTSIDE_RULES.get(table)


def uncovered(roles):
    """(table, field) of every personal field that neither a retention kind nor OUTSIDE_RULES covers."""
    return [(model._meta.table_name, name) for model in models_with_personal_data(roles)
            for name, _ in personal_fields(model, roles)
            if not retention_of(model._meta.table_name, name, {})]


def _rule_text(key, rule):
    kind = retention.KINDS[key]
    if rule is None:
        return f"{kind.it}: nessuna regola registrata"
    if not rule.active:
        return f"{kind.it}: regola non attiva"
    return f"{kind.it}: {retention.ACTIONS[rule.action]} dopo {rule.months} mesi {kind.since}"


def _masked_in_some_rows(model):
    # a per-row mask (a property reading flags of the row): the fields it masks when every flag is set
    probe = model(**{name: True for name, field in model._meta.fields.items() if isinstance(field, BooleanField)})
    return tuple(getattr(probe, "audit_masked", ()))


def _category(model, name, needed, roles):
    masked = getattr(model, "audit_masked", ())
    if needed == roles.SPECIAL or (not isinstance(masked, property) and name in masked):
        return CATEGORIES["special"]
    if name not in getattr(model, "personal_fields", ()):
        return CATEGORIES["owner"]
    if isinstance(masked, property) and name in _masked_in_some_rows(model):
        return f"{CATEGORIES['personal']}; {CATEGORIES['special']} nei record riservati"
    return CATEGORIES["personal"]


def _readers(model, name, roles):
    readers = [term.it for term in ROLES if roles.role_reads(term.key, model, name)]
    if roles.field_class(model, name) == roles.SPECIAL:
        return "solo l'operatore di riferimento del nucleo e gli amministratori (ogni lettura è registrata)"
    return ", ".join(readers) or "nessun ruolo nelle schede"


def _public(table, name):
    if name not in PUBLIC_FIELDS.get(table, ()):
        return "no"
    return "solo con il consenso dell'interessato" if (table, name) == ("landlord", "name") else "sì"


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def build(roles, field_label=lambda name: name, registry_name=lambda table: table, today=None):
    """The register as Markdown (Italian). ``roles`` is ``admin.roles``; labels come from the caller."""
    rules = retention.rules()
    today = today or datetime.date.today()
    lines = [
        "# Registro delle attività di trattamento: categorie di dati personali", "",
        f"Documento generato dal gestionale il {today:%d/%m/%Y}, per il registro dei trattamenti (art. 30 GDPR) "
        "e per la valutazione d'impatto (art. 35 GDPR). Elenca, registro per registro e campo per campo, i dati "
        "personali conservati, chi li legge nelle schede, se escono mai sul sito pubblico e per quanto tempo sono "
        "conservati. È prodotto dalla stessa classificazione dei campi che governa i permessi dei ruoli e "
        "l'esportazione pubblica: un nuovo campo personale compare qui da sé.", "",
        "Finalità: accoglienza e accompagnamento all'abitare dei nuclei del programma Housing First, gestione "
        "dell'anagrafe degli alloggi sfitti e delle offerte, rendicontazione aggregata ai finanziatori. "
        "Base giuridica: esecuzione di un compito di interesse pubblico (art. 6.1.e) e, per le categorie "
        "particolari, motivi di interesse pubblico rilevante nei servizi sociali (art. 9.2.g; d.lgs. 196/2003, "
        "art. 2-sexies).", "",
        "## Regole di conservazione", "",
        "| Tipo di registrazione | Periodo | Azione | Dal | Attiva | Motivazione |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, kind in retention.KINDS.items():
        rule = rules.get(key)
        if kind.plan is None:
            lines.append(f"| {kind.it} | — | — | — | non applicabile | {_cell(kind.why)} |")
            continue
        period = f"{rule.months} mesi" if rule else "—"
        action = retention.ACTIONS.get(rule.action, rule.action) if rule else "nessuna regola"
        active = ("sì" if rule.active else "no") if rule else "no"
        lines.append(f"| {kind.it} | {period} | {action} | {_cell(kind.since)} | {active} | "
                     f"{_cell((rule.notes if rule and rule.notes else kind.why))} |")
    lines += ["", "L'anonimizzazione conserva codici e dati aggregati (date, stati, esiti, indici), perché gli "
              "indicatori per i finanziatori e le statistiche pubbliche restino esatti; cancella testi liberi, "
              "recapiti, redditi, nomi e codici fiscali. Ogni modifica è registrata nel registro delle modifiche.",
              "", "## Categorie di dati per registro", ""]
    for model in models_with_personal_data(roles):
        table = model._meta.table_name
        doc = (model.__doc__ or "").strip().split(":")[0]
        lines += [f"### {registry_name(table)} (`{table}`)", "", f"{doc}.", "",
                  "| Campo | Categoria | Chi lo legge | Sito pubblico | Conservazione |",
                  "| --- | --- | --- | --- | --- |"]
        for name, needed in personal_fields(model, roles):
            kept = retention_of(table, name, rules)
            if isinstance(kept, str):
                how = kept
            else:
                how = "; ".join(f"{_rule_text(key, rule)}, poi {retention.HOW[treatment]}"
                                for key, rule, treatment in kept)
            lines.append(f"| {_cell(field_label(name))} (`{table}.{name}`) | {_category(model, name, needed, roles)} | "
                         f"{_cell(_readers(model, name, roles))} | {_public(table, name)} | {_cell(how)} |")
        lines.append("")
    return "\n".join(lines)
