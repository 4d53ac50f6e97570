"""Write the site's Markdown pages, one folder per language, from the YAML data.

Real Markdown files on disk (no pages generated in memory by a plugin), so the
project stays portable to Material's successors. Italian is the default
language at the site root; English is built separately under ``/en/``. Offer
pages exist once, in the Italian build, with bilingual labels: 10,000 offers
are built once instead of twice.
"""
import json
import os
import re
import shutil
from urllib.parse import quote

import jinja2
import yaml

from housing import paths, vocabulary

SITE_DIR = paths.site_project()
CONTENT_DIR = paths.content_folder()
LANGUAGES = ("it", "en")

# Public paths per language; the Italian ones are the canonical URLs.
PATHS = {
    "offers": {"it": "offerte", "en": "offers"},
    "partners": {"it": "partner", "en": "partners"},
    "agreements": {"it": "accordi", "en": "agreements"},
    "statistics": {"it": "statistiche", "en": "statistics"},
    "proposal": {"it": "offri-alloggio", "en": "offer-your-home"},
    "open_data": {"it": "dati-aperti", "en": "open-data"},
}
SECTIONS = {  # guide sections: folder and title per language
    "landlords": {"it": ("locatori", "Per i proprietari"), "en": ("landlords", "For landlords")},
    "households": {"it": ("nuclei", "Per i nuclei familiari"), "en": ("households", "For households")},
    "programme": {"it": ("programma", "Il programma"), "en": ("programme", "The programme")},
}
NAV_TITLES = {
    "home": {"it": "Home", "en": "Home"},
    "offers": {"it": "Offerte", "en": "Offers"},
    "partners": {"it": "Partner", "en": "Partners"},
    "agreements": {"it": "Accordi", "en": "Agreements"},
    "statistics": {"it": "Statistiche", "en": "Statistics"},
    "proposal": {"it": "Offri il tuo alloggio", "en": "Offer your home"},
    "open_data": {"it": "Dati aperti", "en": "Open data"},
}


def eur(value):
    if value is None:
        return "—"
    whole, cents = f"{value:,.2f}".split(".")
    return f"€ {whole.replace(',', '.')},{cents}"


def kind_of(rooms, lang="it"):
    names = {"it": ["Monolocale", "Bilocale", "Trilocale", "Quadrilocale"],
             "en": ["Studio flat", "Two-room flat", "Three-room flat", "Four-room flat"]}[lang]
    return names[min(rooms, 4) - 1] if rooms < 5 else ("Plurilocale" if lang == "it" else "Large flat")


def duration(offer, lang):
    low, high = offer.get("min_duration_months"), offer.get("max_duration_months")
    months = "mesi" if lang == "it" else "months"
    if low and high:
        return f"{low}–{high} {months}"
    return f"{low or high} {months}" if (low or high) else "—"


def offer_rows(o):
    """The facts of an offer page, bilingual: (Italian name, English name, Italian value, English value).

    Both offer templates (Markdown and HTML) print these rows; written in Python
    because 10,000 offer pages are rendered on every publication.
    """
    types, street = vocabulary.CONTRACT_TYPES, f", {o['street']}" if o.get("street") else ""
    yes = {True: ("sì", "yes"), False: ("no", "no")}
    rows = [
        ("Canone mensile", "Monthly rent", eur(o["monthly_rent"]), eur(o["monthly_rent"])),
        ("Spese", "Service charges", eur(o["service_charges"]), eur(o["service_charges"])),
        ("Contratto", "Contract", vocabulary.label(types, o["contract_type"], "it"), vocabulary.label(types, o["contract_type"], "en")),
        ("Durata", "Duration", duration(o, "it"), duration(o, "en")),
        ("Disponibile dal", "Available from", o["available_from"] or "subito", o["available_from"] or "now"),
        ("Quartiere", "District", f"{o['district']}{street}", f"{o['district']}{street}"),
        ("Zona", "Zone", f"{o['zone'] or '—'} {o['zone_name'] or ''}", o["zone"] or "—"),
        ("Superficie", "Area", f"{o['area_m2']} m²", f"{o['area_m2']} m²"),
        ("Vani", "Rooms", f"{o['rooms']} ({counted(o['bedrooms'], 'camera', 'camere')}, "
                          f"{counted(o['bathrooms'], 'bagno', 'bagni')})",
         f"{o['rooms']} ({counted(o['bedrooms'], 'bedroom', 'bedrooms')}, "
         f"{counted(o['bathrooms'], 'bathroom', 'bathrooms')})"),
        ("Piano", "Floor", f"{o['floor']}{', ascensore' if o['lift'] else ''}", f"{o['floor']}{', lift' if o['lift'] else ''}"),
        ("Senza gradini", "Step-free", *yes[bool(o["step_free"])]),
        ("Arredato", "Furnished", *yes[bool(o["furnished"])]),
        ("Classe energetica", "Energy class", o["energy_class"] or "—", o["energy_class"] or "—"),
    ]
    if o.get("landlord"):
        rows.append(("Locatore", "Landlord", o["landlord"], o["landlord"]))
    return [(name_it, name_en, str(it).strip(), str(en).strip()) for name_it, name_en, it, en in rows]


def counted(number, one, many):
    """"1 bagno", "2 bagni": Italian and English both take the singular for one only."""
    return f"{number} {one if number == 1 else many}"


class Escaped(str):
    """Text already escaped for the place it is printed in: a template prints it as it is.

    Only the page writer's own filters (``md``, ``h``, ``cell``, ``url``, ``email``, ``safe``), the
    registry labels and the rendered output of a template or macro (made of escaped values and the
    template's own text) are ``Escaped``. Any operation on it (``~``, ``replace``...) gives a plain
    ``str`` again, escaped once more when printed: a mistake shows as visible entities, never as markup.
    """

    __slots__ = ()


def cell(text):
    """Text safe inside a Markdown table cell."""
    return Escaped(markdown_text(text).replace("\n", " "))


# Free text typed in the back office is shown as text: never as HTML, a link or code.
_HTML_ACTIVE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Braces too: attr_list would read "{: onclick=...}" as attributes of the element before it.
_MARKDOWN_ACTIVE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "\\": "\\\\",
                                  "`": "\\`", "|": "\\|", "{": "\\{", "}": "\\}"})
# A value printed without a filter may sit in Markdown text or in a quoted HTML attribute: quotes too.
_VALUE_ACTIVE = str.maketrans({**_MARKDOWN_ACTIVE, ord('"'): "&quot;", ord("'"): "&#39;"})
PLAIN_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def html_text(value):
    """Free text inside HTML or a page title (which Material prints as it is)."""
    return Escaped(str(value).translate(_HTML_ACTIVE))


def markdown_text(value):
    """Free text inside Markdown: no raw HTML, no link, no code span, no table cell break."""
    return Escaped(str(value).translate(_MARKDOWN_ACTIVE))


def page_value(value):
    """How a template prints ``{{ value }}``: as it is when already escaped, else escaped for Markdown and attributes.

    This is the templates' ``finalize``: every value is escaped unless a filter of the page writer
    marked it, so a template that forgets a filter shows text, never markup.
    """
    return value if isinstance(value, Escaped) else Escaped(str(value).translate(_VALUE_ACTIVE))


def email_link(value):
    """An email address as a Markdown autolink when it is a plain address, as text otherwise."""
    text = str(value)
    return Escaped(f"<{text}>") if PLAIN_EMAIL.fullmatch(text) else markdown_text(text)


def link_url(value):
    """A validated http(s) address inside a Markdown autolink: nothing in it can close the link."""
    return Escaped(quote(str(value), safe=":/?#@!$&'()*+,;=%~"))


def json_value(value):
    """A value as JSON with ``<``, ``>``, ``&`` and ``'`` escaped: safe as a YAML scalar and inside HTML."""
    return Escaped(jinja2.utils.htmlsafe_json_dumps(value, dumps=json.dumps, sort_keys=True))


# Text that Markdown leaves as it is: letters, digits, single spaces and common punctuation,
# no markup characters (* _ ` [ ] < > & # | ~ ! { } \\ " @) and no leading list marker.
PLAIN_TEXT = re.compile(r"(?!\d+\.(?:\s|$))[^\W_](?:[^\W_]|[.,;:'()°²³€%/–—?+=-]| (?=[^ ]))*|")


def plain_offer(offer):
    """True when every text value of the offer is plain, so that offer_plain.md.j2 can write its
    body in HTML directly and give the same page as offer.md.j2 (Markdown)."""
    return all(value is None or isinstance(value, (int, float)) or PLAIN_TEXT.fullmatch(value)
               for key, value in offer.items() if key not in ("ref", "contract_type"))  # keys, not shown as such


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the next publication of the same process (the job runner's): compiling
    the ~40 templates costs more than writing an incremental publication's pages. Jinja checks each
    template's source checksum before using its code: an edited template is compiled again."""

    def __init__(self):
        self.store = {}

    def load_bytecode(self, bucket):
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


COMPILED = MemoryBytecodeCache()


def environment(lang):
    """The Jinja environment of every template, guide and page: values are escaped unless marked ``Escaped``.

    Jinja's own autoescape escapes for HTML only and trusts its ``Markup`` (which ``join``, ``e`` or
    ``tojson`` return) in Markdown, where a link or ``{: onclick=...}`` needs no ``<``. So autoescape is
    off and ``finalize`` (``page_value``) escapes every printed value for Markdown and attributes;
    ``concat`` marks what a template, a macro or a ``{% set %}`` block renders (its own text and
    escaped values) as ``Escaped``, so that a macro's output is not escaped twice.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(SITE_DIR / "templates"), str(CONTENT_DIR)]),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False, finalize=page_value,
        bytecode_cache=COMPILED,
    )
    env.concat = lambda parts: Escaped("".join(parts))
    registries = vocabulary.REGISTRIES
    env.globals.update(
        lang=lang, eur=eur, duration=duration, offer_rows=offer_rows,
        kind_of=lambda rooms: kind_of(rooms, "it"), kind_of_en=lambda rooms: kind_of(rooms, "en"),
        T=lambda it, en: it if lang == "it" else en,
        # An unknown key is printed as it is: as text.
        label=lambda registry, key, language=lang: markdown_text(vocabulary.label(registries[registry], key, language)),
    )
    env.filters.update(cell=cell, md=markdown_text, h=html_text, url=link_url, email=email_link, tojson=json_value,
                       safe=Escaped)
    return env


def front_matter(text):
    """Split a Markdown file into (metadata, body)."""
    if text.startswith("---\n"):
        head, _, body = text[4:].partition("\n---\n")
        return yaml.safe_load(head) or {}, body
    return {}, text


def load_figures():
    from housing import rents  # the one, schema-checked, loader

    return rents.load_figures(CONTENT_DIR / "figures.yaml")


def stats_table(rows, lang):
    if not rows:
        return Escaped("Nessun dato." if lang == "it" else "No data.")
    head = "| " + ("Quartiere" if lang == "it" else "District") + " | 1 | 2 | 3 | 4+ |\n| --- | ---: | ---: | ---: | ---: |\n"
    body = "".join(
        "| " + cell(row["district"]) + " | " + " | ".join("·" if row[s] is None else str(row[s]) for s in ("1", "2", "3", "4+")) + " |\n"
        for row in rows)
    return Escaped(head + body)


def offer_index(offers, lang, districts):
    """The JSON index that drives the listing's filters in the browser.

    Its ``district`` is what the district filter offers (the distinct values): a name of the public
    registry (``districts``, the exported data set), else null. An offer in an entry still to review
    is listed but gives no option: the entry may be a spelling variant of a registry name.
    """
    types, public = vocabulary.CONTRACT_TYPES, {d["name"] for d in districts}
    return [{
        "ref": o["ref"], "district": o["district"] if o["district"] in public else None, "zone": o["zone"],
        "rooms": o["rooms"],
        "area": o["area_m2"], "rent": o["monthly_rent"], "charges": o["service_charges"],
        "type": o["contract_type"], "type_label": vocabulary.label(types, o["contract_type"], lang),
        "step_free": o["step_free"], "lift": o["lift"], "furnished": o["furnished"],
        "from": o["available_from"], "published": o.get("published_on"), "title": f"{kind_of(o['rooms'], lang)}, {o['district']}",
    } for o in offers]


def guides(lang):
    """(section, stem, metadata, template name) of the editorial guides of ``lang``."""
    folder = CONTENT_DIR / "guides" / lang
    found = []
    for path in sorted(folder.glob("*.md")) if folder.exists() else []:
        meta, _ = front_matter(path.read_text(encoding="utf-8"))
        found.append((meta.get("section", "programme"), path.stem, meta, f"guides/{lang}/{path.name}"))
    return sorted(found, key=lambda g: (list(SECTIONS).index(g[0]) if g[0] in SECTIONS else 99, g[2].get("order", 99), g[1]))


def write_language(data, lang, docs, figures, written=None, reuse=()):
    """Write the pages of ``lang`` under ``docs``; ``written`` (a set) receives every file's path.

    ``reuse``: offer pages (``offerte/O….md``) already on disk from the same record, left as they are."""
    written = set() if written is None else written
    env = environment(lang)
    offers = data["offers"]
    context = {"figures": figures, "zones": data["territorial_agreement"]["zones"],
               "territorial_agreement": data["territorial_agreement"], "lang": lang}
    p = {key: paths[lang] for key, paths in PATHS.items()}

    from housing.publishing.languages import Counterparts, editorial_pages
    from housing.publishing.district_map import map_html

    counterparts = Counterparts(lang)

    def write(relative, text, key=None):
        """Write a page; ``key`` names it for the language switcher (languages.Counterparts)."""
        text = counterparts.front_matter(text, key) if key is not None else text
        target = docs / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.add(target)

    counts = {"offers": len(offers), "partners": len(data["partners"]), "agreements": len(data["agreements"])}
    home = CONTENT_DIR / "pages" / lang / "index.md"
    write("index.md", env.get_template(f"pages/{lang}/index.md").render(counts=counts, paths=p, **context)
          if home.exists() else f"# Housing First\n", key="home")

    offer_base = "" if lang == "it" else "../../" + PATHS["offers"]["it"] + "/"
    write(f"{p['offers']}/index.md", env.get_template("offers.md.j2").render(
        offers=offers, offer_base=offer_base, index_url="../assets/offers.json",
        map_html=map_html(offers, data["districts"], lang)), key="offers")
    if lang == "it":
        markdown, plain = env.get_template("offer.md.j2"), env.get_template("offer_plain.md.j2")
        for offer in offers:
            relative = f"{p['offers']}/{offer['ref']}.md"
            if relative in reuse:
                written.add(docs / relative)
                continue
            write(relative, (plain if plain_offer(offer) else markdown).render(o=offer))

    sectors = []
    for term in vocabulary.PARTNER_SECTORS:
        items = [x for x in data["partners"] if x["sector"] == term.key]
        if items:
            sectors.append((getattr(term, lang), items))
    write(f"{p['partners']}/index.md", env.get_template("partners.md.j2").render(partners_by_sector=sectors),
          key="partners")
    write(f"{p['agreements']}/index.md", env.get_template("agreements.md.j2").render(agreements=data["agreements"]),
          key="agreements")
    write(f"{p['statistics']}/index.md", env.get_template("statistics.md.j2").render(
        stats=data["statistics"], table=lambda rows: stats_table(rows, lang)), key="statistics")
    from housing.publishing import open_data  # the offers and statistics as CSV and JSON, and their dictionary

    write(f"{p['open_data']}/index.md", open_data.dictionary_page(data, lang), key="open_data")
    if lang == "it":
        open_data.write(data, docs, written)

    from housing.landlord_proposals import endpoint_url

    write(f"{p['proposal']}/index.md", env.get_template("proposal.md.j2").render(
        districts=data["districts"], action=f"{endpoint_url()}?lang={lang}"), key="proposal")

    nav_guides = {}
    for section, stem, meta, name in guides(lang):
        folder, _ = SECTIONS.get(section, SECTIONS["programme"])[lang]
        _, body = front_matter(env.get_template(name).render(**context))
        write(f"{folder}/{stem}.md", f"---\ntitle: {json.dumps(html_text(meta.get('title', stem)))}\n---\n{body}",
              key=("guide", stem))
        nav_guides.setdefault(section, []).append((meta.get("title", stem), f"{folder}/{stem}.md"))
    for section, items in nav_guides.items():
        folder, title = SECTIONS[section][lang]
        links = "\n".join(f"- [{markdown_text(t)}]({path.split('/', 1)[1]})" for t, path in items)
        write(f"{folder}/index.md", f"---\ntitle: {json.dumps(title)}\n---\n\n# {title}\n\n{links}\n",
              key=("section", section))
    for stem, meta in editorial_pages(lang):  # the footer's pages: accessibility, legal notes, privacy, contacts
        _, body = front_matter(env.get_template(f"pages/{lang}/{stem}.md").render(**context))
        write(f"{meta.get('slug', stem)}.md", f"---\ntitle: {json.dumps(html_text(meta.get('title', stem)))}\n---\n{body}",
              key=("page", stem))

    assets, static = docs / "assets", SITE_DIR / "static" / "assets"
    shutil.copytree(static, assets, dirs_exist_ok=True)
    written.update(assets / path.relative_to(static) for path in static.rglob("*") if path.is_file())
    written.update((assets / "offers.json", assets / "rent-data.json"))
    (assets / "offers.json").write_text(json.dumps(offer_index(offers, lang, data["districts"]), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    try:
        from housing.rents import rent_data

        rent = rent_data(data["territorial_agreement"]["zones"], figures)
    except ImportError:
        rent = {"zones": data["territorial_agreement"]["zones"], "figures": figures}
    (assets / "rent-data.json").write_text(json.dumps(rent, ensure_ascii=False, default=str), encoding="utf-8")
    return navigation(lang, nav_guides)


def navigation(lang, nav_guides):
    p = {key: paths[lang] for key, paths in PATHS.items()}
    nav = [{NAV_TITLES["home"][lang]: "index.md"}, {NAV_TITLES["offers"][lang]: f"{p['offers']}/index.md"}]
    for section in SECTIONS:
        if section in nav_guides:
            folder, title = SECTIONS[section][lang]
            nav.append({title: [f"{folder}/index.md"] + [path for _, path in nav_guides[section]]})
    nav += [{NAV_TITLES[k][lang]: f"{p[k]}/index.md"}
            for k in ("proposal", "partners", "agreements", "statistics", "open_data")]
    return nav


def write_site(data, work, written=None, reuse=()):
    """Write both languages under ``work/docs_<lang>``; return their navigations.

    Files are rewritten in place and only the pages that no longer exist are
    deleted: a publisher that reuses its work folder creates no new file for an
    offer that was already there (creating 10,000 files costs seconds of system
    time on a file system that has just freed as many). English first:
    ``written(lang, nav)``, when given, is called as soon as a language is on
    disk (the publisher starts its MkDocs build then). ``reuse``: offer pages whose Markdown in
    ``work`` was written from the same record (``incremental.py``): not written again.
    """
    figures = load_figures()
    navs = {}
    for lang in ("en", "it"):
        docs, files = work / f"docs_{lang}", set()
        navs[lang] = write_language(data, lang, docs, figures, files, reuse=reuse if lang == "it" else ())
        remove_others(docs, files)
        if written is not None:
            written(lang, navs[lang])
    return navs


def remove_others(folder, keep):
    """Delete the files under ``folder`` that are not in ``keep``, then the folders left empty.

    Plain strings and a bottom-up walk (children before their folder): 10,000 paths are compared
    at every publication, and sorting them as ``Path`` objects cost a tenth of a second."""
    keep, root = {str(path) for path in keep}, str(folder)
    for current, _, names in os.walk(root, topdown=False):
        for name in names:
            path = os.path.join(current, name)
            if path not in keep:
                os.unlink(path)
        if current != root and not os.listdir(current):
            os.rmdir(current)
