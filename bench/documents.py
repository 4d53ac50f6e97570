"""Time the office's documents: render 1,000 proposal letters as PDF.

    python bench/documents.py                              # a fresh SQLite file in bench/var/
    python bench/documents.py --count 200 --database-url postgresql://postgres@127.0.0.1:5432/housing_documents_bench

A fresh database gets ``--count`` households, each proposed for one of 20 homes
(one match per letter). Phases, in the same process, each with the time per
document and the load average (``os.getloadavg``) before and after it:

1. **baseline, HTML only**: the letter's data read from the records
   (``sources.proposal_letter``) and its template filled (``render.html``).
2. **PDF**: the same, then laid out by WeasyPrint with the shipped fonts
   (``render.pdf``): the figure the issue asks for; the ratio to the baseline
   says what the layout engine costs.
3. **DOCX**: the same HTML turned into the DOCX staff edit afterwards.
4. **stored**: ``store.generate`` for ``--stored`` letters (PDF, DOCX, the row
   with its data, the audit row): what the back office's button does.

A JSON summary goes to ``bench/results/documents-<engine>.json``.
"""
import argparse
import datetime
import json
import os
import pathlib
import sys
import time
from decimal import Decimal

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
VAR = ROOT / "bench" / "var"
sys.path.insert(0, str(ROOT))

from housing import schema  # noqa: E402
from housing.database import bind, is_sqlite, sqlite_url  # noqa: E402
from housing.documents import render, sources, store  # noqa: E402

HOMES = 20


def load():
    return [round(x, 2) for x in os.getloadavg()]


def fill(count):
    """``count`` matches (one household each) over ``HOMES`` homes; returns their ids."""
    import models as m

    m.Match.delete().where(m.Match.proposed_by == "bench").execute()
    district = m.District.get_or_none(m.District.name == "Centro") or m.District.create(name="Centro")
    landlord = m.Landlord.create(kind="company", name="Bench srl")
    offers = []
    for n in range(HOMES):
        dwelling = m.Dwelling.create(landlord=landlord, ownership="private", address=f"Via Etnea {n + 1}",
                                     postcode="95124", district=district, area_m2=50 + n, rooms=3, bedrooms=2,
                                     status="available")
        offers.append(m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2",
                                     monthly_rent=Decimal(400 + n), service_charges=Decimal(30), status="published"))
    stamp = int(time.time())
    rows = [{"code": f"BN-{stamp % 100000:05d}-{n:05d}", "status": "waiting", "min_rooms": 1} for n in range(count)]
    with m.db.atomic():
        for start in range(0, count, 500):
            m.Household.insert_many(rows[start:start + 500]).execute()
    households = [h for (h,) in m.Household.select(m.Household.id)
                  .where(m.Household.code.startswith(f"BN-{stamp % 100000:05d}-")).order_by(m.Household.id).tuples()]
    matches = [{"household": h, "offer": offers[i % HOMES].id, "route": "concordato_3_2", "step": "proposed",
                "proposed_by": "bench", "viewing_at": datetime.datetime(2026, 12, 15, 10, 30)}
               for i, h in enumerate(households)]
    with m.db.atomic():
        for start in range(0, count, 500):
            m.Match.insert_many(matches[start:start + 500]).execute()
    return list(m.Match.select().where(m.Match.proposed_by == "bench").order_by(m.Match.id))


def phase(name, matches, work):
    before = load()
    start = time.perf_counter()
    size = 0
    for match in matches:
        size += work(match)
    seconds = time.perf_counter() - start
    result = {"documents": len(matches), "seconds": round(seconds, 2),
              "ms_per_document": round(1000 * seconds / len(matches), 2),
              "mean_bytes": round(size / len(matches)), "load_before": before, "load_after": load()}
    print(f"{name:<28} {result['documents']:>5} docs  {result['seconds']:>7.2f} s  "
          f"{result['ms_per_document']:>8.2f} ms/doc  {result['mean_bytes']:>7} B  load {before} -> {result['load_after']}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--docx", type=int, default=200, help="letters also made as DOCX")
    parser.add_argument("--stored", type=int, default=100, help="letters generated and stored as the back office does")
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if not url:
        path = VAR / "documents.db"
        path.unlink(missing_ok=True)
        url = sqlite_url(path)
    database = bind(url)
    database.connect(reuse_if_open=True)
    schema.upgrade(database)
    matches = fill(args.count)
    html = lambda match: len(render.html("proposal_letter.html", sources.proposal_letter(match)))  # noqa: E731
    pdf = lambda match: len(render.pdf(render.html("proposal_letter.html", sources.proposal_letter(match))))  # noqa: E731
    docx = lambda match: len(render.docx(render.html("proposal_letter.html", sources.proposal_letter(match))))  # noqa: E731
    stored = lambda match: len(bytes(store.generate("proposal_letter", match, None).pdf))  # noqa: E731
    pdf(matches[0])  # warm-up: fonts and templates loaded once per process
    results = {"engine": "sqlite" if is_sqlite(url) else "postgresql", "load_start": load(),
               "baseline_html": phase("baseline: data + HTML", matches, html),
               "pdf": phase("PDF (WeasyPrint)", matches, pdf),
               "docx": phase("DOCX (python-docx)", matches[:args.docx], docx),
               "stored": phase("stored (store.generate)", matches[:args.stored], stored)}
    ratio = results["pdf"]["ms_per_document"] / results["baseline_html"]["ms_per_document"]
    results["pdf_over_baseline"] = round(ratio, 1)
    print(f"PDF per document: {results['pdf']['ms_per_document']} ms, {ratio:.1f}x the HTML-only baseline; "
          f"cores {os.cpu_count()}")
    out = ROOT / "bench" / "results" / f"documents-{results['engine']}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"summary: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
