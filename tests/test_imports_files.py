"""Imports, file by file: encodings, separators, XLSX quirks, and files that are refused whole."""
import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

import models as m
from housing.imports import KINDS, commit, mappings, plan, reading, values
from test_imports import csv_file, landlord_row, partner_row

LANDLORDS = KINDS["landlords"]


def xlsx(rows, merge=None, formula=None):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    if formula:
        sheet[formula[0]] = formula[1]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_windows_1252_with_semicolons_and_utf8_with_bom_and_commas(database):
    row = {**landlord_row(1), "Denominazione": "Società Città Più", "Note": "perché"}
    for content in (csv_file([row], ";", "cp1252"), b"\xef\xbb\xbf" + csv_file([row], ","), csv_file([row], "\t")):
        table = reading.read("x.csv", content)
        result = plan.dry_run(LANDLORDS, table)
        assert result.ok, result.issues
        assert result.actions[0].data["name"] == "Società Città Più"


def test_cells_as_excel_and_italians_write_them():
    assert values.decimal("1.234,56") == Decimal("1234.56")
    assert values.decimal("1234,5") == Decimal("1234.5")
    assert values.decimal("1.234") == Decimal("1234")
    assert values.decimal("€ 450") == Decimal("450")
    assert values.integer("100.000") == 100000
    assert values.date(45292) == datetime.date(2024, 1, 1)
    assert values.date("45292") == datetime.date(2024, 1, 1)
    assert values.date("1/2/2024") == datetime.date(2024, 2, 1)
    assert values.date(datetime.datetime(2024, 2, 1, 0, 0)) == datetime.date(2024, 2, 1)
    assert values.boolean("Sì") is True and values.boolean("no") is False
    assert values.text(95124.0) == "95124"
    for bad, parser in (("1,2,3", values.decimal), ("nan", values.decimal), ("inf", values.decimal),
                        ("1e400", values.integer), ("0", values.date), ("3000000", values.date)):
        with pytest.raises(ValueError):
            parser(bad)


def test_xlsx_serial_dates_merged_cells_empty_rows_and_cached_formulas(database):
    headers = [c.header for c in KINDS["partners"].columns]
    row = [partner_row(1).get(h, "") for h in headers]
    rows = [headers, row, [None] * len(headers), [None] * len(headers), [partner_row(2).get(h, "") for h in headers]]
    # "Settore" merged over rows 2-3 and the empty row 4 skipped; a second partner on row 5
    content = xlsx(rows + [[f"Ente {i}" if h == "Denominazione" else None for h in headers] for i in (3,)],
                   merge="B5:B6")
    table = reading.read("x.xlsx", content)
    assert [number for number, _ in table.rows] == [2, 5, 6]
    result = commit.commit(KINDS["partners"], table)
    assert result.ok, result.issues
    assert m.Partner.get(m.Partner.name == "Ente 3").sector == "third_sector"
    landlord_headers = [c.header for c in LANDLORDS.columns]
    row = [landlord_row(4).get(h, "") for h in landlord_headers]
    row[landlord_headers.index("Ultimo orientamento")] = 45292
    row[landlord_headers.index("Incontri di orientamento")] = 2.0
    result = plan.dry_run(LANDLORDS, reading.read("x.xlsx", xlsx([landlord_headers, row])))
    assert result.ok and result.actions[0].data["last_orientation_on"] == datetime.date(2024, 1, 1)


def test_a_table_that_starts_away_from_a1_keeps_its_columns_and_row_numbers():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"], sheet["D3"], sheet["E3"] = "Denominazione", "Settore", "Attivo"
    sheet["C4"], sheet["D4"], sheet["E4"] = "Ente 1", 3, True
    sheet["C6"], sheet["E6"] = datetime.date(2026, 1, 2), 1.5
    sheet.merge_cells("D6:D7")
    sheet["D6"] = "unito"
    sheet["C7"] = "Ente 3"
    buffer = io.BytesIO()
    book.save(buffer)
    table = reading.read("x.xlsx", buffer.getvalue())
    assert table.headers == ["", "", "Denominazione", "Settore", "Attivo"]
    assert table.rows == [(4, [None, None, "Ente 1", 3, True]),
                          (6, [None, None, datetime.date(2026, 1, 2), "unito", 1.5]),
                          (7, [None, None, "Ente 3", "unito", None])]


def test_a_formula_without_a_cached_value_is_an_error_for_its_cell(database):
    headers = [c.header for c in LANDLORDS.columns]
    row = [landlord_row(1).get(h, "") for h in headers]
    column = "ABCDEFGHIJK"[headers.index("Incontri di orientamento")]
    content = xlsx([headers, row], formula=(f"{column}2", "=1+1"))
    result = commit.commit(LANDLORDS, reading.read("x.xlsx", content))
    assert [(i.row, i.column) for i in result.issues] == [(2, "Incontri di orientamento")]
    assert "Formula" in result.issues[0].message
    assert m.Landlord.select().count() == 0


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD = csv_file([landlord_row(1)])
HEADER = ";".join(c.header for c in LANDLORDS.columns)

# Files refused whole (a FileError) or at their header row: each with a message, nothing written.
BAD_FILES = {
    "empty": b"",
    "blank": b"  \r\n \r\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "pdf with NUL": b"%PDF-1.4\n\x00\x01\x02",
    "xls 97": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
    "zip that is not a workbook": _zip({"hello.txt": "hi"}),
    "truncated xlsx": xlsx([["Tipo"], ["x"]])[:300],
    "undecodable": b"Tipo;Denominazione\r\n\x81\x8d\x8f;x\r\n",
    "bad quoting": b'Tipo;Denominazione\r\n"Societ"a;x\r\n',
    "utf-16 garbage": b"\xff\xfe\x00\xd8",
    "unknown header": ("Tipo;Denominazione;Partita IVA;Colore preferito\r\nSocietà;X;00743110157;blu\r\n").encode(),
    "missing required column": "Partita IVA;Email\r\n00743110157;a@b.it\r\n".encode(),
    "missing key columns": "Tipo;Denominazione\r\nSocietà;X\r\n".encode(),
    "repeated column": "Tipo;Denominazione;Partita IVA;Partita IVA\r\nSocietà;X;00743110157;00743110157\r\n".encode(),
    "headers of another kind": "Nome;Cognome\r\nMario;Rossi\r\n".encode(),
    "xlsx with an empty sheet": xlsx([]),
    "xlsx of another kind": xlsx([["Foglio", "Particella"], ["1", "2"]]),
    "xlsx with unknown header": xlsx([["Tipo", "Denominazione", "Partita IVA", "??"], ["Società", "X", "00743110157", 1]]),
    "no header row": b";;;\r\n;;\r\n",
    "header only, unknown": b"a;b;c\r\n",
    "csv with NUL later": ("Tipo;Denominazione\r\n" + "x;y\r\n" * 10).encode() + b"\x00" * 5000,
}


def test_there_are_at_least_twenty_bad_files():
    assert len(BAD_FILES) >= 20


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_get_a_clear_message_and_write_nothing(database, name):
    try:
        table = reading.read(name, BAD_FILES[name])
    except reading.FileError as error:
        assert str(error)
        return
    result = commit.commit(LANDLORDS, table)
    assert result.issues and all(i.message and i.row <= 1 for i in result.issues), result.issues
    assert m.Landlord.select().count() == m.AuditLog.select().count() == 0


def test_row_and_size_limits(database, monkeypatch):
    many = GOOD + (GOOD.split(b"\r\n", 1)[1]) * 5
    with pytest.raises(reading.FileError, match="Troppe righe: massimo 3"):
        reading.read("x.csv", many, max_rows=3)
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    with pytest.raises(reading.FileError, match="troppo grande"):
        reading.read("x.csv", GOOD + b" " * 100)


def test_other_headers_through_a_remembered_mapping(database, tmp_path):
    content = "Ragione sociale;P.IVA;Tipologia;Colonna inutile\r\nEtna srl;00743110157;Società;x\r\n".encode()
    table = reading.read("x.csv", content)
    assert not plan.dry_run(LANDLORDS, table).ok
    path = tmp_path / "mappings.json"
    mappings.save(path, "IACP export", "landlords", {"Ragione sociale": "Denominazione", "P.IVA": "Partita IVA",
                                                    "Tipologia": "Tipo", "Colonna inutile": ""})
    mapping = mappings.load(path, "IACP export", "landlords")
    assert mappings.sources(path) == ["IACP export"]
    result = commit.commit(LANDLORDS, table, mapping=mapping)
    assert result.ok, result.issues
    assert m.Landlord.get().name == "Etna srl"
    assert mappings.load(tmp_path / "missing.json", "IACP export", "landlords") == {}


def test_uploads_left_behind_are_swept_after_a_day(tmp_path):
    from housing.imports import jobs

    old = jobs.store(tmp_path, b"old")
    jobs.write_status(tmp_path, old, {"state": "done"})
    (tmp_path / "mappings.json").write_text("{}")
    new = jobs.store(tmp_path, b"new")
    jobs.sweep(tmp_path, now=__import__("time").time() + jobs.MAX_AGE + 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mappings.json"]
    assert jobs.token_ok(new) and not jobs.token_ok("../x") and jobs.status(tmp_path, old) is None
