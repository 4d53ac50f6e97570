"""Read a spreadsheet (CSV or XLSX) into a header row and data rows.

Formulas are never executed: an XLSX is read by calamine, which returns only
the value Excel cached; a formula cell without a cached value is an error for
that cell (found in the sheet's XML, then told apart by openpyxl). Macros are
never loaded. Merged cells take the value of
their top-left cell; empty rows are skipped. Every problem with the file as a
whole raises ``FileError`` with an Italian message.
"""
import csv
import io
import re
import zipfile
from typing import NamedTuple

from housing.messages import _

MAX_BYTES = 60 * 1024 * 1024
MAX_ROWS = 200_000

FORMULA_MISSING = object()  # a formula cell whose result Excel did not store
FORMULA = re.compile(rb"<f[ >/]")


class FileError(Exception):
    """The file cannot be read as a table: nothing of it is imported."""


class Table(NamedTuple):
    headers: list
    rows: list  # (row number as the user sees it, [values])


def headers(name, content):
    """Only the header row (the rest of the file unread): enough to decide whether headers need mapping."""
    return read(name, content, max_rows=0, headers_only=True).headers


def read(name, content, max_rows=MAX_ROWS, headers_only=False):
    """The table in ``content`` (bytes); the format is told by the bytes, not the name."""
    if len(content) > MAX_BYTES:
        raise FileError(_("File troppo grande: massimo %(megabytes)s MB.", megabytes=MAX_BYTES // (1024 * 1024)))
    if not content.strip():
        raise FileError(_("Il file è vuoto."))
    if content[:4] == b"PK\x03\x04":
        table = read_xlsx(content, max_rows, headers_only)
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileError(_("Formato .xls (Excel 97-2003) non supportato: salvare come .xlsx o CSV."))
    elif b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(_("Il file non è un foglio di calcolo (CSV o XLSX)."))
    else:
        table = read_csv(content, max_rows, headers_only)
    if not table.headers or not any(table.headers):
        raise FileError(_("Manca la riga di intestazione delle colonne."))
    return table


def decode(content):
    """Text of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as Excel writes it."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise FileError(_("Codifica del testo non riconosciuta (usare UTF-8).")) from None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise FileError(_("Codifica del testo non riconosciuta: salvare il file come CSV UTF-8.")) from None


def read_csv(content, max_rows, headers_only=False):
    text = decode(content)
    if "\x00" in text:
        raise FileError(_("Il file non è un foglio di calcolo (CSV o XLSX)."))
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    if not first.count(delimiter):
        delimiter = ";"
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise FileError(_("CSV non leggibile: %(error)s.", error=error)) from None
    headers = [cell.strip() for cell in lines[0]] if lines else []
    rows = []
    for number, cells in enumerate([] if headers_only else lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= max_rows:
            raise FileError(_("Troppe righe: massimo %(rows)s.", rows=max_rows))
        rows.append((number, cells))
    return Table(headers, rows)


FIRST_SHEET = re.compile(rb'<sheet\b[^>]*\br:id="([^"]+)"')


def _first_sheet_xml(content):
    """The XML of the workbook's first sheet (for its formula cells), found through the workbook's relations."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        found = FIRST_SHEET.search(archive.read("xl/workbook.xml"))
        relations = archive.read("xl/_rels/workbook.xml.rels")
        target = re.search(rb'<Relationship\b[^>]*\bId="' + re.escape(found.group(1)) + rb'"[^>]*>', relations)
        path = re.search(rb'Target="([^"]+)"', target.group(0)).group(1).decode()
        return archive.read(path.lstrip("/") if path.startswith("/") else "xl/" + path)


def read_xlsx(content, max_rows, headers_only=False):
    """The first sheet, read by calamine (Rust): about ten times faster than openpyxl on
    100,000 rows. Cells come back typed (numbers, dates, booleans); empty ones as None."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = book.get_sheet_by_index(0)
        xml = _first_sheet_xml(content)
    except Exception:  # a zip that is not a workbook, a damaged archive: all one to the user
        raise FileError(_("Il file non è un foglio di calcolo XLSX leggibile.")) from None
    merges = {}
    for (row0, col0), (row1, col1) in sheet.merged_cell_ranges or ():
        for r in range(row0 + 1, row1 + 2):
            for c in range(col0, col1 + 1):
                if (r, c) != (row0 + 1, col0):
                    merges[(r, c)] = (row0 + 1, col0)
    missing = _formulas_without_value(content) if FORMULA.search(xml) else set()
    lead = [None] * (sheet.start[1] if sheet.start else 0)  # calamine's rows begin at the first used column
    lines = {}
    rows, headers = [], None
    try:
        for number, cells in enumerate(sheet.iter_rows() if sheet.start else (), start=1):
            values = lead + [None if cell == "" else cell for cell in cells]
            if merges:
                lines[number] = values
                for c in range(len(values)):
                    if (number, c) in merges:
                        r0, c0 = merges[(number, c)]
                        origin = lines.get(r0, [])
                        values[c] = origin[c0] if c0 < len(origin) else None
            for r, c in missing:
                if r == number and c < len(values):
                    values[c] = FORMULA_MISSING
            if headers is None:
                if any(v not in (None, "") for v in values):
                    headers = ["" if v is None else str(v).strip() for v in values]
                    if headers_only:
                        break
                continue
            if not any(v not in (None, "") and not (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) >= max_rows:
                raise FileError(_("Troppe righe: massimo %(rows)s.", rows=max_rows))
            rows.append((number, values))
    except FileError:
        raise
    except Exception:
        raise FileError(_("Il file non è un foglio di calcolo XLSX leggibile.")) from None
    finally:
        book.close()
    while headers and headers[-1] == "":
        headers.pop()  # calamine may report empty trailing columns
    return Table(headers or [], rows)


def _formulas_without_value(content):
    """(row, column) of the formula cells of the first sheet that hold no cached result."""
    import openpyxl

    formulas = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    cached = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        found = set()
        pairs = zip(formulas.worksheets[0].iter_rows(values_only=True), cached.worksheets[0].iter_rows(values_only=True))
        for number, (raw, value) in enumerate(pairs, start=1):
            for c, (f, v) in enumerate(zip(raw, value)):
                if isinstance(f, str) and f.startswith("=") and v is None:
                    found.add((number, c))
        return found
    finally:
        formulas.close()
        cached.close()
