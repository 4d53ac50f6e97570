"""Open data (issue 16): the published offers and the statistics as CSV and JSON, with a data dictionary.

The files hold exactly what the pages show, from the same export (``export.PUBLIC_FIELDS`` and the
offers schema): an offer's columns are the exported record's fields, in the schema's order, and
the statistics keep their small-cell suppression (a hidden cell is empty, never its number).
They are written once, in the Italian build (``dati/``), and linked from the data dictionary page
of both languages; the release's privacy scan reads them like any page.

Licence: CC BY 4.0. AgID's open data guidelines name it the reference licence for the public
administration's data (it is the licence of dati.gov.it), it is international and readable by
anyone abroad, and IODL 2.0 data may be re-published under it; the only duty is attribution.
"""
import csv
import functools
import io
import json

from housing.publishing import schemas
from housing.publishing.pages import Escaped, markdown_text

FOLDER = "dati"  # in the Italian build: /dati/offerte.csv ...
FILES = {"offers": "offerte", "statistics": "statistiche"}
LICENCE = {"name": "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)",
           "url": "https://creativecommons.org/licenses/by/4.0/deed.it",
           "url_en": "https://creativecommons.org/licenses/by/4.0/"}
STATISTICS_COLUMNS = ("table", "district", "rooms", "count")
# The data dictionary: (Italian, English) meaning of each column.
MEANINGS = {
    "ref": ("codice pubblico dell'offerta (come nell'indirizzo della sua pagina)", "public reference of the offer (as in its page's address)"),
    "district": ("quartiere", "district (quartiere)"),
    "zone": ("codice della zona dell'accordo territoriale", "zone code of the territorial agreement"),
    "zone_name": ("nome della zona", "zone name"),
    "street": ("via, senza numero civico; vuota per gli alloggi del programma", "street without house number; empty for the programme's homes"),
    "area_m2": ("superficie in m²", "area in m²"),
    "rooms": ("vani", "rooms"),
    "bedrooms": ("camere da letto", "bedrooms"),
    "bathrooms": ("bagni", "bathrooms"),
    "floor": ("piano (0 = terra)", "floor (0 = ground floor)"),
    "lift": ("ascensore (true/false)", "lift (true/false)"),
    "step_free": ("accesso senza gradini (true/false)", "step-free access (true/false)"),
    "energy_class": ("classe energetica", "energy class"),
    "furnished": ("arredato (true/false)", "furnished (true/false)"),
    "contract_type": ("tipo di contratto (chiave del vocabolario)", "contract type (vocabulary key)"),
    "monthly_rent": ("canone mensile in euro", "monthly rent in euros"),
    "service_charges": ("spese mensili in euro", "monthly service charges in euros"),
    "available_from": ("disponibile dal (AAAA-MM-GG)", "available from (YYYY-MM-DD)"),
    "min_duration_months": ("durata minima in mesi", "minimum duration in months"),
    "max_duration_months": ("durata massima in mesi", "maximum duration in months"),
    "description": ("descrizione pubblica", "public description"),
    "landlord": ("locatore, solo se ha acconsentito a essere nominato", "landlord, only when they agreed to be named"),
    "published_on": ("primo giorno sul sito pubblico (AAAA-MM-GG)", "first day on the public site (YYYY-MM-DD)"),
    "table": ("«supply» (offerte pubblicate) o «demand» (nuclei in attesa)", "«supply» (published offers) or «demand» (waiting households)"),
    "count": ("numero; vuoto quando è nascosto perché inferiore alla soglia", "number; empty when hidden for being under the threshold"),
}
STATISTICS_MEANINGS = {"district": ("quartiere, «Qualsiasi» o «Altri quartieri»", "district, «Qualsiasi» (any) or «Altri quartieri» (others)"),
                       "rooms": ("vani: 1, 2, 3 o 4+", "rooms: 1, 2, 3 or 4+")}


@functools.cache
def _schema_columns():
    return tuple(schemas.load("offers")["items"]["properties"])


def offer_columns():
    """The columns of the offers files: the fields of the exported offer, in the offers schema's order,
    but the street last. In a CSV row the street would otherwise run into the next column's figure
    ("Via Etnea,100": the street, then 100 m²), which reads as the address "Via Etnea 100": the
    publisher's privacy scan rightly refuses a release where that is a beneficiary's home."""
    columns = [name for name in _schema_columns() if name != "street"]
    return columns + ["street"] if "street" in _schema_columns() else columns


def statistics_rows(statistics):
    for table in ("supply", "demand"):
        for row in statistics[table]:
            for size, count in row.items():  # the size bands' cells, in the table's order
                if size != "district":
                    yield {"table": table, "district": row["district"], "rooms": size, "count": count}


# A text cell a spreadsheet would run as a formula (OWASP's "CSV injection"): "=", "+", "-", "@",
# tab and carriage return first. Such a text gets a leading apostrophe, which spreadsheets hide.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows, columns):
    """RFC 4180 CSV with a header; None is an empty cell; no text cell runs as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    # cell() inlined: 10,000 offers are 250,000 cells at every publication
    writer.writerows(["" if v is None else "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v
                      for v in [row[k] for k in columns]] for row in rows)
    return out.getvalue()


def to_json(value):
    """Compact JSON, one record a line (readable, and diffable between two publications)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("},{", "},\n{")


def write(data, docs, written):
    """Write the four files under ``docs/dati``; add their paths to ``written``."""
    folder = docs / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    columns = offer_columns()
    offers = [{k: offer.get(k) for k in columns} for offer in data["offers"]]
    stats = list(statistics_rows(data["statistics"]))
    meta = {"licence": LICENCE["name"], "licence_url": LICENCE["url_en"], "small_cell": data["statistics"]["small_cell"]}
    files = {
        "offerte.csv": to_csv(offers, columns),
        "offerte.json": to_json({**meta, "columns": columns, "offers": offers}),
        "statistiche.csv": to_csv(stats, list(STATISTICS_COLUMNS)),
        "statistiche.json": to_json({**meta, "columns": list(STATISTICS_COLUMNS), "rows": stats,
                                     "supply_total": data["statistics"]["supply_total"],
                                     "demand_total": data["statistics"]["demand_total"]}),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.add(folder / name)


def dictionary_page(data, lang):
    """The data dictionary page (Markdown) of ``lang``: the files, the licence, every column's meaning."""
    it = lang == "it"
    base = "../" + FOLDER + "/" if it else "../../" + FOLDER + "/"
    small = data["statistics"]["small_cell"]
    title = "Dati aperti" if it else "Open data"
    lines = [f"---\ntitle: {json.dumps(title)}\n---\n", f"# {title}\n",
             ("Le offerte pubblicate e le statistiche di questo sito, in formato aperto: gli stessi dati delle pagine, "
              "niente di più." if it else "The published offers and the statistics of this site, in open formats: "
              "the same data as the pages, nothing more."), ""]
    licence_url = LICENCE["url"] if it else LICENCE["url_en"]
    lines += [("**Licenza**: " if it else "**Licence**: ") + f"[{LICENCE['name']}]({licence_url}). " +
              ("Puoi riutilizzare i dati, anche per fini commerciali, citando la fonte («Programma Housing First "
               "Catania»). Abbiamo scelto CC BY 4.0 perché le linee guida AgID la indicano come licenza di "
               "riferimento per i dati pubblici (è quella di dati.gov.it), è internazionale e i dati con licenza "
               "IODL 2.0 possono esservi ripubblicati." if it else
               "You may reuse the data, commercial uses included, naming the source (\"Programma Housing First "
               "Catania\"). We chose CC BY 4.0 because AgID's guidelines name it the reference licence for public "
               "data (it is the licence of dati.gov.it), it is international, and data under IODL 2.0 may be "
               "re-published under it."), ""]
    head = "| File | " + ("Contenuto" if it else "Content") + " |\n| --- | --- |"
    lines += [head,
              f'| <a href="{base}offerte.csv">offerte.csv</a> · <a href="{base}offerte.json">offerte.json</a> | '
              + (f"{len(data['offers'])} offerte pubblicate, una per riga" if it else f"{len(data['offers'])} published offers, one a row") + " |",
              f'| <a href="{base}statistiche.csv">statistiche.csv</a> · <a href="{base}statistiche.json">statistiche.json</a> | '
              + ("offerte e nuclei in attesa per quartiere e vani" if it else "offers and waiting households by district and rooms") + " |", ""]
    lines += [("CSV in UTF-8 con intestazione, separatore virgola; JSON con le stesse colonne. "
               f"Nelle statistiche ogni cella inferiore a {small} è vuota (`null` in JSON) per tutelare le persone; "
               "quando in una riga ne resta nascosta una sola, è nascosta anche la più piccola delle altre." if it else
               "CSV in UTF-8 with a header row, comma-separated; JSON with the same columns. "
               f"In the statistics every cell under {small} is empty (`null` in JSON) to protect people; when a "
               "row would have only one hidden cell, its smallest other cell is hidden too."), ""]
    for heading, columns, extra in ((("Offerte" if it else "Offers"), offer_columns(), {}),
                                    (("Statistiche" if it else "Statistics"), list(STATISTICS_COLUMNS), STATISTICS_MEANINGS)):
        lines += [f"## {heading}\n", ("| Colonna | Significato |" if it else "| Column | Meaning |"), "| --- | --- |"]
        for column in columns:
            meaning = extra.get(column) or MEANINGS.get(column, ("", ""))
            lines.append(f"| `{column}` | {markdown_text(meaning[0 if it else 1])} |")
        lines.append("")
    return Escaped("\n".join(lines))

