"""Imports, row by row: malformed rows across the kinds, round trips, idempotence, the CLI."""
import json

import pytest
from stdnum import luhn

import models as m
from housing import districts, languages
from housing.imports import KINDS, commit, plan, reading, workbooks
from samples import COMPANY_VAT, make_dwelling, make_household, make_landlord, make_partner, tax_code

WRITTEN = (m.AuditLog, m.ErpAssignment, m.Place, m.Offer, m.HouseholdDistrict, m.HouseholdLanguage, m.Person, m.Household,
           m.Dwelling, m.Landlord, m.Partner)


def csv_file(rows, separator=";", encoding="utf-8"):
    """A CSV (bytes) from a list of {header: value}; headers from the first row."""
    headers = list(rows[0])
    lines = [separator.join(headers)]
    for row in rows:
        lines.append(separator.join(_quoted(str(row.get(h, "")), separator) for h in headers))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _quoted(value, separator):
    if any(ch in value for ch in (separator, '"', "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def vat(i):
    stem = f"{1234567 + i:07d}001"
    return stem + luhn.calc_check_digit(stem)


def person_code(i):
    letters = "BCDFGHLMNPRSTVZ"
    surname = letters[i % 15] + letters[(i // 15) % 15] + "X"
    return tax_code(surname + "MRA80A01C351")


def landlord_row(i):
    return {"Tipo": "Società", "Denominazione": f"Locatore {i}", "Codice fiscale": "", "Partita IVA": vat(i),
            "Email": "a@esempio.it", "Telefono": "095 1234567", "Indirizzo": "Via Roma 1",
            "Consenso nome pubblico": "no", "Incontri di orientamento": "1", "Ultimo orientamento": "15/01/2025",
            "Note": ""}


def dwelling_row(i):
    return {"Locatore - partita IVA": COMPANY_VAT, "Proprietà": "Privata", "Indirizzo": f"Via Etnea {i}",
            "CAP": "95124", "Quartiere": "Centro", "Foglio": "10", "Particella": "200", "Subalterno": str(100 + i),
            "Latitudine": "37,5", "Longitudine": "15,08", "Superficie (m²)": "60", "Vani": "3",
            "Camere da letto": "2", "Bagni": "1", "Piano": "1", "Ascensore": "sì", "Classe energetica": "C",
            "Stato di conservazione": "Buono", "Sfitto dal": "01/03/2025", "Stato": "Disponibile"}


def offer_row(i):
    return {"Foglio": "10", "Particella": "200", "Subalterno": "3", "Tipo di contratto": "Canone concordato 3+2",
            "Canone mensile (€)": "450,00", "Spese (€)": "30", "Deposito (€)": "900",
            "Disponibile dal": f"{1 + i % 28:02d}/{1 + i // 28:02d}/2026", "Durata minima (mesi)": "36",
            "Durata massima (mesi)": "60", "Stato": "Bozza", "Pubblicata": "no"}


def household_row(i):
    return {"Codice nucleo": f"NF-2026-{1000 + i}", "Stato nucleo": "In attesa", "Email nucleo": "",
            "Categoria ETHOS": "", "Reddito mensile netto (€)": "300", "ISEE (€)": "1.234,50",
            "Data ISEE": "01/01/2025", "Vani minimi": "2", "Animali": "no", "Consenso privacy": "no",
            "Contratti accettati": "Canone concordato 3+2, Transitorio", "Quartieri preferiti": "Centro, San Berillo",
            "Lingue": "italiano e arabo", "Codice fiscale": person_code(i), "Nome": "Mario", "Cognome": f"Rossi {i}", "Data di nascita": "01/01/1980",
            "Sesso": "Maschio", "Relazione": "Intestatario", "Percentuale disabilità": "", "Condizione lavorativa": ""}


def erp_row(i):
    return {"Foglio": "10", "Particella": "200", "Subalterno": "3", "Codice nucleo": "NF-2026-0001",
            "Numero atto": f"ERP-{i}", "Data atto": "10/01/2024", "Inizio contratto": "01/02/2024",
            "Canone sociale (€)": "80", "Morosità (€)": "0", "Stato occupazione": "Regolare"}


def partner_row(i):
    return {"Denominazione": f"Ente {i}", "Settore": "Terzo settore", "Email": "x@esempio.it",
            "Telefono": "095 7654321", "Sito web": "https://esempio.it", "Pubblicato sul sito": "sì", "Note": ""}


def place_row(i):
    return {"Nome": f"Posto {i}", "Tipo": "Emergenza abitativa", "Posti": "2", "Foglio": "", "Particella": "",
            "Subalterno": "", "Ente gestore": "Caritas diocesana", "Struttura": "Casa di accoglienza", "Attivo": "sì"}


ROWS = {"landlords": landlord_row, "dwellings": dwelling_row, "offers": offer_row, "households": household_row,
        "erp": erp_row, "partners": partner_row, "places": place_row}

# (header, spoiled value): each makes its row refused with a message on that row.
SPOILERS = {
    "landlords": [
        ("Tipo", "Societ"), ("Tipo", "xyz"), ("Denominazione", ""), ("Denominazione", "<b>X</b>"),
        ("Codice fiscale", "ABC"), ("Codice fiscale", "RSSMRA80A01C351X"), ("Partita IVA", "123"),
        ("Partita IVA", "00743110158"), ("Email", "nope"), ("Email", "a@b"), ("Telefono", "abc"),
        ("Consenso nome pubblico", "forse"), ("Incontri di orientamento", "tre"), ("Incontri di orientamento", "2,5"),
        ("Incontri di orientamento", "9999"), ("Ultimo orientamento", "31/02/2024"), ("Ultimo orientamento", "2024-13-01"),
        ("Ultimo orientamento", "01/01/1800"), ("Note", "a\x01b"), ("Indirizzo", "riga\u202eal contrario"),
    ],
    "dwellings": [
        ("Proprietà", "Privat"), ("CAP", "9512"), ("CAP", "ABCDE"), ("Superficie (m²)", "0"),
        ("Superficie (m²)", "dieci"), ("Superficie (m²)", "100.000"), ("Vani", "0"), ("Vani", "1,5"),
        ("Camere da letto", "9"), ("Bagni", "-1"), ("Piano", "100"), ("Ascensore", "boh"), ("Classe energetica", "Z"),
        ("Stato", "Sfitto"), ("Sfitto dal", "32/01/2024"), ("Latitudine", "100"), ("Longitudine", "abc"),
        ("Quartiere", ""), ("Quartiere", "Centrale"), ("Quartiere", "Atlantide"), ("Subalterno", ""), ("Locatore - partita IVA", ""), ("Locatore - partita IVA", "01234567897"),
    ],
    "offers": [
        ("Tipo di contratto", "Concordato 3+2"), ("Canone mensile (€)", "abc"), ("Canone mensile (€)", "-5"),
        ("Canone mensile (€)", "2.000.000"), ("Spese (€)", "x"), ("Deposito (€)", "-1"), ("Disponibile dal", "ieri"),
        ("Durata minima (mesi)", "0"), ("Durata massima (mesi)", "12"), ("Stato", "zzz"), ("Pubblicata", "talvolta"),
        ("Foglio", "99"), ("Subalterno", ""), ("Canone mensile (€)", ""),
    ],
    "households": [
        ("Codice nucleo", ""), ("Stato nucleo", "Attesa"), ("Email nucleo", "x"), ("Categoria ETHOS", "zzz"),
        ("Reddito mensile netto (€)", "-1"), ("Reddito mensile netto (€)", "abc"), ("ISEE (€)", "1,2,3"),
        ("Data ISEE", "01/01/2090"), ("Vani minimi", "0"), ("Animali", "forse"), ("Consenso privacy", "sì"),
        ("Contratti accettati", "Concordato, Transitorio"), ("Codice fiscale", "ABC"), ("Nome", ""),
        ("Data di nascita", "02/01/1980"), ("Sesso", "Uomo"), ("Relazione", "Cugino"),
        ("Percentuale disabilità", "150"), ("Condizione lavorativa", "zzz"), ("Data di nascita", "01/01/2090"),
        ("Quartieri preferiti", "Centro, Atlantide"), ("Quartieri preferiti", "Librinno"), ("Lingue", "klingon"),
        ("Lingue", "arabo e frncese"),
    ],
    "erp": [
        ("Numero atto", ""), ("Data atto", "x"), ("Inizio contratto", "01/01/2020"), ("Canone sociale (€)", "-3"),
        ("Morosità (€)", "50"), ("Stato occupazione", "zzz"), ("Codice nucleo", "NF-1999-9999"), ("Foglio", "77"),
        ("Canone sociale (€)", ""), ("Data atto", ""),
    ],
    "partners": [
        ("Denominazione", ""), ("Settore", "Terzo"), ("Email", "x"), ("Telefono", "x"), ("Sito web", "www.x.it"),
        ("Pubblicato sul sito", "boh"), ("Note", "a\x07b"), ("Settore", ""),
    ],
    "places": [
        ("Nome", ""), ("Tipo", "Emergenz"), ("Posti", "0"), ("Posti", "x"), ("Posti", "1000"),
        ("Ente gestore", "Ente sconosciuto"), ("Foglio", "10"), ("Struttura", ""), ("Attivo", "boh"),
    ],
}


def test_there_are_at_least_a_hundred_malformed_rows():
    assert sum(len(spoilers) for spoilers in SPOILERS.values()) >= 100
    assert set(SPOILERS) == set(KINDS)


def registries():
    """The district and language registries, which imports name but never create (like landlords)."""
    districts.sync()
    languages.sync()


def prerequisites():
    registries()
    landlord = make_landlord()
    dwelling = make_dwelling(landlord)
    make_household()
    make_partner()
    return dwelling


def counts():
    return {model.__name__: model.select().count() for model in WRITTEN}


@pytest.mark.parametrize("kind", sorted(SPOILERS))
def test_malformed_rows_get_a_row_level_message_and_write_nothing(database, kind):
    prerequisites()
    before = counts()
    rows = [ROWS[kind](0)]
    for i, (header, value) in enumerate(SPOILERS[kind], start=1):
        row = ROWS[kind](i)
        assert header in row, header
        row[header] = value
        rows.append(row)
    table = reading.read("x.csv", csv_file(rows))
    result = commit.commit(KINDS[kind], table)
    assert counts() == before
    by_row = {}
    for issue in result.issues:
        by_row.setdefault(issue.row, []).append(issue)
    assert 2 not in by_row, by_row.get(2)  # the valid row
    for number, (header, value) in enumerate(SPOILERS[kind], start=3):
        assert number in by_row, (kind, header, value)
        assert all(issue.message for issue in by_row[number])


def test_did_you_mean_suggests_the_closest_term(database):
    table = reading.read("x.csv", csv_file([{**landlord_row(1), "Tipo": "Societ"}]))
    [issue] = plan.dry_run(KINDS["landlords"], table).issues
    assert issue.column == "Tipo" and "Forse intendevi «Società»?" in issue.message


def test_duplicated_keys_in_the_file_and_a_key_matching_two_records(database):
    make_landlord(vat_number=COMPANY_VAT)
    make_landlord(name="Altro", kind="private_person", tax_code=person_code(1), vat_number=None)
    rows = [landlord_row(1), landlord_row(1), {**landlord_row(2), "Partita IVA": COMPANY_VAT, "Codice fiscale": person_code(1)}]
    result = commit.commit(KINDS["landlords"], reading.read("x.csv", csv_file(rows)))
    messages = {issue.row: issue.message for issue in result.issues}
    assert "Chiave ripetuta nel file (già alla riga 2)" in messages[3]
    assert "2 record diversi" in messages[4]
    assert m.Landlord.select().count() == 2


def test_a_household_repeated_on_member_rows_must_agree(database):
    registries()
    first = household_row(1)
    second = {**household_row(2), "Codice nucleo": first["Codice nucleo"], "Relazione": "Figlio/a", "Vani minimi": "3"}
    result = plan.dry_run(KINDS["households"], reading.read("x.csv", csv_file([first, second])))
    assert [i.message for i in result.issues] == ["Dati diversi dalla riga 2 per lo stesso record."]
    # the second member may leave the household's cells empty: a reference to the row above
    household_headers = [c.header for c in KINDS["households"].targets[0].columns]
    second.update({h: "" for h in household_headers if h != "Codice nucleo"})
    result = commit.commit(KINDS["households"], reading.read("x.csv", csv_file([first, second])))
    assert result.ok, result.issues
    assert m.Household.select().count() == 1 and m.Person.select().count() == 2


def test_updates_by_natural_key_are_audited_field_by_field(database):
    kind = KINDS["landlords"]
    commit.commit(kind, reading.read("x.csv", csv_file([landlord_row(1)])))
    changed = {**landlord_row(1), "Telefono": "095 999999", "Partita IVA": vat(1)}
    result = commit.commit(kind, reading.read("x.csv", csv_file([changed])))
    assert result.totals() == {"create": 0, "update": 1, "skip": 0}
    entry = m.AuditLog.select().where(m.AuditLog.action == "update").get()
    changes = json.loads(entry.changes)
    changes.pop("updated_at", None)  # within the same second it does not change
    assert changes == {"phone": ["095 1234567", "095 999999"], "version": [1, 2]}
    again = commit.commit(kind, reading.read("x.csv", csv_file([changed])))
    assert again.totals() == {"create": 0, "update": 0, "skip": 1}
    assert m.AuditLog.select().count() == 2


ORDER = ("partners", "landlords", "dwellings", "offers", "households", "erp", "places")


def seed_by_templates():
    registries()
    for key in ORDER:
        result = commit.commit(KINDS[key], reading.read("t.xlsx", workbooks.template(KINDS[key])))
        assert result.ok, (key, result.issues)
    links = {"Quartieri preferiti": "librino; Monte Po", "Lingue": "wo, fr"}
    extra = [{**household_row(5), **links}, {**household_row(6), **links, "Codice nucleo": "NF-2026-1005",
                                             "Relazione": "Figlio/a"}]
    extra[1].update({"Stato nucleo": "In attesa"})
    assert commit.commit(KINDS["households"], reading.read("x.csv", csv_file(extra))).ok
    assert commit.commit(KINDS["dwellings"], reading.read("x.csv", csv_file([dwelling_row(1), dwelling_row(2)]))).ok


def test_round_trip_of_every_kind(database):
    seed_by_templates()
    exported = {key: workbooks.export(KINDS[key]) for key in ORDER}
    rows_before = {key: list(workbooks.rows(KINDS[key])) for key in ORDER}
    assert all(rows_before.values())
    for model in WRITTEN:
        model.delete().execute()
    for key in ORDER:
        result = commit.commit(KINDS[key], reading.read("e.xlsx", exported[key]))
        assert result.ok, (key, result.issues)
    assert {key: list(workbooks.rows(KINDS[key])) for key in ORDER} == rows_before
    assert m.HouseholdDistrict.select().count() == 4 and m.HouseholdLanguage.select().count() == 4
    audit_rows = m.AuditLog.select().count()
    for key in ORDER:  # twice: nothing changes
        result = commit.commit(KINDS[key], reading.read("e.xlsx", exported[key]))
        assert result.ok and result.totals()["create"] == result.totals()["update"] == 0, (key, result.counts)
    assert m.AuditLog.select().count() == audit_rows


def test_creates_are_audited_like_a_form_save(database):
    commit.commit(KINDS["partners"], reading.read("x.csv", csv_file([partner_row(1)])))
    entry = m.AuditLog.get()
    partner = m.Partner.get()
    assert (entry.action, entry.entity, entry.record_id, entry.actor) == ("create", "partner", str(partner.id), "system")
    assert json.loads(entry.changes)["name"] == [None, "Ente 1"]


# -- the command line ------------------------------------------------------------

def test_cli_imports_and_refuses(app, tmp_path):
    from conftest import make_user

    make_user(app, "clerk1", "clerk")
    make_user(app, "viewer1", "viewer")
    good = tmp_path / "locatori.csv"
    good.write_bytes(csv_file([landlord_row(1), landlord_row(2)], encoding="cp1252"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([{**landlord_row(3), "Partita IVA": "123"}]))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "landlords", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "2 nuovi" in dry.output
    refused = runner.invoke(args=["import", "landlords", str(bad), "--user", "clerk1"])
    assert refused.exit_code == 1 and "riga 2" in refused.output and "Partita IVA non valida" in refused.output
    viewer = runner.invoke(args=["import", "landlords", str(good), "--user", "viewer1"])
    assert viewer.exit_code != 0
    done = runner.invoke(args=["import", "landlords", str(good), "--user", "clerk1"])
    assert done.exit_code == 0, done.output
    again = runner.invoke(args=["import", "landlords", str(good), "--user", "clerk1"])
    assert "2 invariati" in again.output
    not_a_sheet = tmp_path / "x.png"
    not_a_sheet.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert runner.invoke(args=["import", "landlords", str(not_a_sheet)]).exit_code != 0
    with app.extensions["database"].connection_context():
        assert m.Landlord.select().count() == 2
        assert {e.actor for e in m.AuditLog.select()} == {"clerk1"}



def test_contract_types_are_stored_as_the_household_form_stores_them(database):
    registries()
    row = {**household_row(1), "Contratti accettati": "transitorio; Canone concordato 3+2, Transitorio"}
    assert commit.commit(KINDS["households"], reading.read("x.csv", csv_file([row]))).ok
    assert m.Household.get().acceptable_contract_types == "transitory,concordato_3_2"


# -- districts and languages: registries the imports name, never create ------------

def test_an_unknown_district_is_a_row_error_with_suggestions_and_nothing_is_written(database):
    prerequisites()
    before = counts()
    rows = [dwelling_row(1), {**dwelling_row(2), "Quartiere": "San Berilo"}, {**dwelling_row(3), "Quartiere": "Xyzzy"}]
    result = commit.commit(KINDS["dwellings"], reading.read("x.csv", csv_file(rows)))
    assert counts() == before and m.District.select().count() == len(districts.seed_entries())
    first, second = result.issues
    assert (first.row, first.column, first.value) == (3, "Quartiere", "San Berilo")
    assert first.message.startswith("Quartiere «San Berilo» non presente nel registro dei quartieri; forse: San Berillo")
    assert (second.row, second.column) == (4, "Quartiere") and "«Xyzzy»" in second.message


def test_unknown_preferred_districts_and_languages_are_row_errors_with_suggestions(database):
    registries()
    before = counts()
    rows = [household_row(1), {**household_row(2), "Quartieri preferiti": "Centro, Libreno, Atlantide"},
            {**household_row(3), "Lingue": "arabo e tedesko"}]
    result = commit.commit(KINDS["households"], reading.read("x.csv", csv_file(rows)))
    assert counts() == before
    by_row = {issue.row: issue for issue in result.issues}
    assert set(by_row) == {3, 4}
    districts_issue, language_issue = by_row[3], by_row[4]
    assert districts_issue.column == "Quartieri preferiti"
    assert "Quartiere «Libreno» non presente nel registro dei quartieri; forse: Librino" in districts_issue.message
    assert "Quartiere «Atlantide» non presente" in districts_issue.message and "«Centro»" not in districts_issue.message
    assert language_issue.column == "Lingue" and language_issue.value == "arabo e tedesko"
    assert language_issue.message == "Lingua «tedesko» non presente nel registro delle lingue; forse: Tedesco."


def test_names_match_the_registry_whatever_the_case_and_accents(database):
    prerequisites()
    rows = [{**dwelling_row(1), "Quartiere": "centro"}, {**dwelling_row(2), "Quartiere": "CÉNTRO"},
            {**dwelling_row(3), "Quartiere": " san  BERILLO "}]
    assert commit.commit(KINDS["dwellings"], reading.read("x.csv", csv_file(rows))).ok
    centro, berillo = districts.lookup("Centro"), districts.lookup("San Berillo")
    imported = m.Dwelling.select().where(m.Dwelling.cadastral_unit.in_(["101", "102", "103"])).order_by(m.Dwelling.id)
    assert [d.district_id for d in imported] == [centro, centro, berillo]
    row = {**household_row(1), "Quartieri preferiti": "céntro; MONTE PO, centro", "Lingue": "ARABO and fr / Inglése"}
    assert commit.commit(KINDS["households"], reading.read("x.csv", csv_file([row]))).ok
    household = m.Household.get(m.Household.code == row["Codice nucleo"])
    assert household.preferred_district_list == ["Centro", "Monte Po"]
    assert {link.spoken.code for link in household.spoken_languages} == {"ar", "fr", "en"}
    assert m.District.select().count() == len(districts.seed_entries())  # nothing added to the registry


def _link_audit(entity):
    return [(e.action, json.loads(e.changes)) for e in m.AuditLog.select().where(m.AuditLog.entity == entity)
            .order_by(m.AuditLog.id)]


def test_household_links_are_imported_audited_and_a_reimport_changes_nothing(database):
    registries()
    kind = KINDS["households"]
    row = {**household_row(1), "Quartieri preferiti": "Centro, Borgo", "Lingue": "arabo e francese"}
    assert commit.commit(kind, reading.read("x.csv", csv_file([row]))).ok
    household = m.Household.get()
    language_ids = {m.Language.get(m.Language.code == code).id for code in ("ar", "fr")}
    assert {link.spoken_id for link in household.spoken_languages} == language_ids
    created = _link_audit("household_language")
    assert [action for action, _ in created] == ["create", "create"]
    assert {changes["spoken"][1] for _, changes in created} == language_ids
    assert all(changes["household"] == [None, household.id] for _, changes in created)
    assert {changes["district"][1] for _, changes in _link_audit("household_district")} == {
        districts.lookup("Centro"), districts.lookup("Borgo")}

    audit_rows = m.AuditLog.select().count()
    again = commit.commit(kind, reading.read("x.csv", csv_file([row])))
    assert again.totals() == {"create": 0, "update": 0, "skip": 2}
    assert m.AuditLog.select().count() == audit_rows

    # one district replaced, the languages written otherwise: only the district links change
    changed = {**row, "Quartieri preferiti": "borgo, Librino", "Lingue": "fr, Arabic"}
    result = commit.commit(kind, reading.read("x.csv", csv_file([changed])))
    assert result.counts["household"] == {"create": 0, "update": 1, "skip": 0}
    assert household.preferred_district_list == ["Borgo", "Librino"]
    audited = _link_audit("household_district")[2:]
    assert sorted((action, changes["district"]) for action, changes in audited) == [
        ("create", [None, districts.lookup("Librino")]), ("delete", [districts.lookup("Centro"), None])]
    assert len(_link_audit("household_language")) == 2
    # the household's own fields did not change: no new version, no update row (as a form save)
    assert m.Household.get().version == household.version
    assert not m.AuditLog.select().where((m.AuditLog.entity == "household") & (m.AuditLog.action == "update")).exists()

    # a household given on its members' rows keeps its links when those cells are empty
    kept = {**changed, "Quartieri preferiti": "", "Lingue": ""}
    assert commit.commit(kind, reading.read("x.csv", csv_file([kept]))).totals()["update"] == 0
    assert household.preferred_district_list == ["Borgo", "Librino"] and household.spoken_languages.count() == 2


def test_templates_list_the_registry_and_their_examples_use_it(database):
    import io

    import openpyxl

    registries()
    names = set(districts.names())
    sheet = openpyxl.load_workbook(io.BytesIO(workbooks.template(KINDS["dwellings"]))).active
    column = [c.value for c in sheet[1]].index("Quartiere")
    comment = sheet[1][column].comment.text
    assert "registro dei quartieri" in comment and "Deve già esistere nel registro" in comment
    assert all(name in comment for name in names)
    assert sheet[2][column].value in names
    sheet = openpyxl.load_workbook(io.BytesIO(workbooks.template(KINDS["households"]))).active
    headers = [c.value for c in sheet[1]]
    preferred, spoken = headers.index("Quartieri preferiti"), headers.index("Lingue")
    assert "Librino" in sheet[1][preferred].comment.text and "Arabo" in sheet[1][spoken].comment.text
    assert {part.strip() for part in sheet[2][preferred].value.split(",")} <= names
    assert commit.commit(KINDS["households"], reading.read("t.xlsx", workbooks.template(KINDS["households"]))).ok
    assert m.HouseholdDistrict.select().count() == 2 and m.HouseholdLanguage.select().count() == 2
