"""The records of processing: every personal field, its readers, its publicity and its retention rule."""
import pytest

from admin import roles
from housing import processing_register, retention
from models import MODELS, Place, RetentionRule


@pytest.fixture(autouse=True)
def rules(database):
    retention.ensure_rules()


def test_every_model_with_personal_fields_and_every_such_field_is_listed_with_its_rule(database):
    document = processing_register.build(roles)
    listed = processing_register.models_with_personal_data(roles)
    assert {m for m in MODELS if getattr(m, "personal_fields", ())} <= set(listed)
    for model in listed:
        table = model._meta.table_name
        assert f"(`{table}`)" in document
        for name, _ in processing_register.personal_fields(model, roles):
            row = next(line for line in document.splitlines() if f"(`{table}.{name}`)" in line)
            kept = processing_register.retention_of(table, name, retention.rules())
            if isinstance(kept, str):
                assert kept in row
            else:
                for key, rule, _ in kept:
                    if not rule.active:  # seeded inactive (generated documents) or switched off by an admin
                        assert f"{retention.KINDS[key].it}: regola non attiva" in row
                        continue
                    assert f"{retention.KINDS[key].it}: {retention.ACTIONS[rule.action]} dopo {rule.months} mesi" in row


def test_no_personal_field_is_without_a_retention_treatment():
    assert processing_register.uncovered(roles) == []


def test_a_new_personal_field_without_a_rule_is_caught(database, monkeypatch):
    monkeypatch.setattr(Place, "personal_fields", ("facility",))
    assert processing_register.uncovered(roles) == [("place", "facility")]


def test_readers_publicity_and_special_categories_follow_the_field_rules(database):
    document = processing_register.build(roles, field_label=lambda n: {"tax_code": "Codice fiscale"}.get(n, n))
    line = lambda key: next(l for l in document.splitlines() if f"(`{key}`)" in l)  # noqa: E731,E741
    assert "Consultazione" not in line("person.tax_code") and "Amministratore" in line("person.tax_code")
    assert line("person.tax_code").startswith("| Codice fiscale ")
    assert "solo con il consenso" in line("landlord.name")
    assert "| no |" in line("landlord.tax_code")
    assert "categoria particolare" in line("contact_log.sensitive_note")
    assert "categoria particolare" in line("assessment_score.note")


def test_the_rules_table_shows_the_stored_rules_and_the_kinds_not_applicable(database):
    RetentionRule.update(months=48).where(RetentionRule.kind == "contact_log").execute()
    document = processing_register.build(roles)
    assert "| Diario dei contatti | 48 mesi | anonimizzazione |" in document
    assert "| Documenti generati | 120 mesi | cancellazione | dalla data di generazione | no |" in document
    assert "| E-mail inviate | 24 mesi | cancellazione | dalla creazione del messaggio | sì |" in document


def test_the_command_writes_the_register(app, database, tmp_path):
    result = app.test_cli_runner().invoke(args=["processing-register", str(tmp_path / "registro.md")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "registro.md").read_text(encoding="utf-8")
    assert text.startswith("# Registro delle attività di trattamento")
    assert "| Codice fiscale (`person.tax_code`) |" in text and "### Componenti (`person`)" in text
