"""Benchmark of the spreadsheet imports (issue 12).

    .venv/bin/python bench/imports.py [--dwellings 100000] [--households 50000] [--url URL]

Writes one XLSX of dwellings with their landlords (districts named in varied
case and accents) and one of households with their members, preferred
districts and spoken languages (links to the registries), then times for each: reading + dry run, and the commit (which
repeats the dry run inside its transaction, then inserts and audits). The
baseline is a plain ``insert_many`` of the same records into an empty
database in the same run: the ratio is the cost of reading, validating and
auditing. Peak memory is the process's maximum resident set size.
"""
import argparse
import io
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from stdnum import luhn  # noqa: E402
from stdnum.it import codicefiscale  # noqa: E402

import models as m  # noqa: E402
from housing import districts, languages, schema  # noqa: E402
from housing.database import bind, sqlite_url  # noqa: E402
from housing.imports import KINDS, commit, plan, reading  # noqa: E402
from housing.imports.plan import CHUNK  # noqa: E402

LETTERS = "BCDFGHLMNPRSTVZ"
DISTRICT_NAMES = ("Centro", "san berillo", "BORGO", "Librino", "Picanello", "Ognina", "Monte Po", "Nesima", "Cibali",
                  "San Cristoforo")
LANGUAGES = ("italiano", "arabo e francese", "inglese", "wo, fr", "Romeno", "")


def vat(i):
    stem = f"{1000000 + i:07d}001"
    return stem + luhn.calc_check_digit(stem)


def person_code(i):
    surname = "".join(LETTERS[(i // 15 ** k) % 15] for k in range(3))
    name = "".join(LETTERS[(i // 15 ** (k + 3)) % 15] for k in range(3))
    stem = f"{surname}{name}80A01C351"
    return stem + codicefiscale.calc_check_digit(stem)


def dwelling_rows(n):
    kind = KINDS["dwellings"]
    headers = [c.header for c in kind.columns]
    yield headers
    for i in range(n):
        landlord = i // 10
        values = {
            "Locatore - partita IVA": vat(landlord), "Locatore - denominazione": f"Locatore {landlord}",
            "Locatore - tipo": "Società", "Proprietà": "Privata", "Indirizzo": f"Via Etnea {i}", "CAP": "95124",
            "Quartiere": DISTRICT_NAMES[i % len(DISTRICT_NAMES)], "Foglio": str(i // 1000), "Particella": str(i % 1000), "Subalterno": "1",
            "Superficie (m²)": 40 + i % 80, "Vani": 1 + i % 5, "Camere da letto": i % 2, "Bagni": 1, "Piano": i % 6,
            "Ascensore": "sì" if i % 2 else "no", "Classe energetica": "C", "Stato di conservazione": "Buono",
            "Sfitto dal": 45292 + i % 300, "Stato": "Disponibile", "Latitudine": 37.5, "Longitudine": 15.08,
        }
        yield [values.get(h) for h in headers]


def household_rows(n):
    kind = KINDS["households"]
    headers = [c.header for c in kind.columns]
    yield headers
    member = 0
    for i in range(n):
        for relation in ("Intestatario", "Figlio/a")[: 1 + i % 2]:
            values = {
                "Codice nucleo": f"NF-2026-{i:06d}", "Stato nucleo": "In attesa", "Reddito mensile netto (€)": "350,00",
                "ISEE (€)": "1.234,50", "Data ISEE": "01/01/2025", "Vani minimi": 1 + i % 3, "Animali": "no",
                "Contratti accettati": "Canone concordato 3+2, Transitorio", "Codice fiscale": person_code(member),
                "Nome": "Nome", "Cognome": f"Cognome {member}", "Data di nascita": "01/01/1980", "Sesso": "Maschio",
                "Relazione": relation, "Lingue": LANGUAGES[i % len(LANGUAGES)],
                "Quartieri preferiti": ", ".join(DISTRICT_NAMES[(i + k) % len(DISTRICT_NAMES)] for k in range(i % 3)),
            }
            member += 1
            yield [values.get(h) for h in headers]


def xlsx(rows):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Foglio1")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_of(table):
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(table.headers)
    for _, cells in table.rows:
        writer.writerow(["" if v is None else v for v in cells])
    return out.getvalue().encode("utf-8")


def fresh(url_or_none, folder, name):
    url = url_or_none or sqlite_url(os.path.join(folder, name + ".db"))
    database = bind(url)
    database.connect(reuse_if_open=True)
    schema.runner(database).up()
    if url_or_none:  # a server database: empty the tables this benchmark writes
        for model in (m.AuditLog, m.HouseholdDistrict, m.HouseholdLanguage, m.Person, m.Household, m.Dwelling,
                      m.Landlord):
            model.delete().execute()
    # the registries the files name: an import never adds to them
    districts.sync()
    languages.sync()
    return database


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label, function):
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    print(f"{label:<42} {elapsed:8.1f} s   peak RSS {peak_mb():7.0f} MB", flush=True)
    return result, elapsed


def baseline(kind, table):
    """Plain insert_many of the records the import creates (parsed values, no validation, no audit)."""
    result = plan.dry_run(kind, table)  # only to get the parsed records; not timed
    actions = result.actions

    def insert():
        ids = {}
        count = 0
        with m.db.atomic():
            for target in kind.targets:
                model = target.model
                rows = []
                for action in (a for a in actions if a.target is target and a.op == "create"):
                    data = {k: (ids[(v.table, v.key)] if type(v).__name__ == "New" else v) for k, v in action.data.items()}
                    rows.append(model(**data).__data__)
                fields = [f for f in model._meta.sorted_fields if not f.primary_key]
                for start in range(0, len(rows), 500):
                    model.insert_many([tuple(r.get(f.name) for f in fields) for r in rows[start:start + 500]],
                                      fields=fields).execute()
                count += len(rows)
                created = [a for a in actions if a.target is target and a.op == "create"]
                if target.link or any(a.sets for a in created):
                    index = plan.Index(target)
                    index.load()
                    for action in (a for a in actions if a.target is target):
                        ids[(target.table, action.key)] = index.find([action.key]).pop()
                for link in {link for a in created for link in a.sets}:  # the links to the registries
                    pairs = [(ids[(target.table, a.key)], other) for a in created for other in a.sets.get(link, ())]
                    columns = [getattr(link.model, link.owner), getattr(link.model, link.other)]
                    for start in range(0, len(pairs), 500):
                        link.model.insert_many(pairs[start:start + 500], fields=columns).execute()
                    count += len(pairs)
        return count

    return insert


def run(name, kind, content, args, folder):
    print(f"\n== {name}: {len(content) / 1e6:.1f} MB XLSX")
    fresh(args.url, folder, name + "-import")
    table, read_s = timed("read XLSX (calamine)", lambda: reading.read(name, content))
    result, dry_s = timed("dry run (validation)", lambda: plan.dry_run(kind, table))
    assert result.ok, result.issues[:5]
    records = sum(c["create"] for c in result.counts.values())
    del result  # the commit makes its own plan
    as_csv = csv_of(table)
    timed(f"(the same rows as a {len(as_csv) / 1e6:.0f} MB CSV: read)", lambda: reading.read(name, as_csv))
    del as_csv
    done, commit_s = timed("commit (dry run again + insert + audit)", lambda: commit.commit(kind, table))
    assert done.ok
    again, again_s = timed("commit again (idempotent: all unchanged)", lambda: commit.commit(kind, table))
    assert again.totals()["create"] == again.totals()["update"] == 0
    audit_rows = m.AuditLog.select().count()
    database = fresh(args.url, folder, name + "-baseline")
    inserted, base_s = timed("baseline: plain insert_many", baseline(kind, table))
    database.close()
    print(f"rows {len(table.rows)}, records {records} (audit rows {audit_rows}, baseline {inserted})")
    print(f"dry run incl. reading: {read_s + dry_s:.1f} s = {len(table.rows) / (read_s + dry_s):,.0f} rows/s; "
          f"commit incl. reading: {read_s + commit_s:.1f} s = {records / (read_s + commit_s):,.0f} records/s; "
          f"insert_many: {records / base_s:,.0f} records/s; ratio {(read_s + commit_s) / base_s:.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dwellings", type=int, default=100_000)
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--url", default=None, help="a database URL (its tables are emptied); default temporary SQLite")
    args = parser.parse_args()
    reading.MAX_ROWS = max(reading.MAX_ROWS, args.dwellings, args.households * 2)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        dwellings = xlsx(dwelling_rows(args.dwellings))
        households = xlsx(household_rows(args.households))
        print(f"files written in {time.perf_counter() - start:.1f} s (not part of the figures)")
        run("dwellings", KINDS["dwellings"], dwellings, args, folder)
        del dwellings
        run("households", KINDS["households"], households, args, folder)


if __name__ == "__main__":
    main()
