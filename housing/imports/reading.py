"""Read a spreadsheet (CSV or XLSX) into a header row and data rows.

Formulas are never executed: an XLSX is opened with ``data_only=True`` and
only the value Excel cached is read; a formula cell without a cached value is
an error for that cell. Macros are never loaded. Merged cells take the value of
their top-left cell; empty rows are skipped. Every problem with the file as a
whole raises ``FileError`` with an Italian message.
"""
import csv
import io
import re
import zipfile
from typing import NamedTuple

MAX_BYTES = 60 * 1024 * 1024
MAX_ROWS = 200_000

FORMULA_MISSING = object()  # a formula cell whose result Excel did not store
MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
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
        raise FileError(f"File troppo grande: massimo {MAX_BYTES // (1024 * 1024)} MB.")
    if not content.strip():
        raise FileError("Il file è vuoto.")
    if content[:4] == b"PK\x03\x04":
        table = read_xlsx(content, max_rows, headers_only)
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileError("Formato .xls (Excel 97-2003) non supportato: salvare come .xlsx o CSV.")
    elif b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError("Il file non è un foglio di calcolo (CSV o XLSX).")
    else:
        table = read_csv(content, max_rows, headers_only)
    if not table.headers or not any(table.headers):
        raise FileError("Manca la riga di intestazione delle colonne.")
    return table


def decode(content):
    """Text of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as Excel writes it."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise FileError("Codifica del testo non riconosciuta (usare UTF-8).") from None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise FileError("Codifica del testo non riconosciuta: salvare il file come CSV UTF-8.") from None


def read_csv(content, max_rows, headers_only=False):
    text = decode(content)
    if "\x00" in text:
        raise FileError("Il file non è un foglio di calcolo (CSV o XLSX).")
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    if not first.count(delimiter):
        delimiter = ";"
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise FileError(f"CSV non leggibile: {error}.") from None
    headers = [cell.strip() for cell in lines[0]] if lines else []
    rows = []
    for number, cells in enumerate([] if headers_only else lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= max_rows:
            raise FileError(f"Troppe righe: massimo {max_rows}.")
        rows.append((number, cells))
    return Table(headers, rows)


def _column_index(letters):
    index = 0
    for letter in letters.decode():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _sheet_xml(content, path):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(path.lstrip("/"))


def read_xlsx(content, max_rows, headers_only=False):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_vba=False)
    except Exception:  # a zip that is not a workbook, a damaged archive: all one to the user
        raise FileError("Il file non è un foglio di calcolo XLSX leggibile.") from None
    try:
        sheet = book.worksheets[0]
        xml = _sheet_xml(content, sheet._worksheet_path)
        merges = {}
        for col1, row1, col2, row2 in MERGE.findall(xml):
            origin = (int(row1), _column_index(col1))
            for r in range(int(row1), int(row2) + 1):
                for c in range(_column_index(col1), _column_index(col2) + 1):
                    if (r, c) != origin:
                        merges[(r, c)] = origin
        missing = _formulas_without_value(content) if FORMULA.search(xml) else set()
        lines = {}
        rows, headers = [], None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = list(values)
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
                raise FileError(f"Troppe righe: massimo {max_rows}.")
            rows.append((number, values))
    finally:
        book.close()
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
