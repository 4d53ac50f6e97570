"""Rendering: the kinds' templates to HTML (Jinja), PDF (WeasyPrint) and DOCX (python-docx).

The templates are files of this package (``templates/``), reviewed with the
code: a document the office sends is part of the programme's procedures, and a
template changed in the database could print a field no role may read. Fonts
are the DejaVu files in ``fonts/`` (licence beside them), loaded through
``@font-face`` with file URLs in ``templates/document.css``, which is parsed
once per process with its font configuration (a third of a letter's rendering
time otherwise); ``LocalFetcher`` refuses every URL outside this package, so
rendering never touches the network.

The DOCX is built from the same HTML (headings, paragraphs, lists, tables), so
that the two formats never say different things.
"""
import datetime
import functools
import io
import pathlib
import threading
from decimal import Decimal

import jinja2
import tinyhtml5
from docx import Document
from docx.shared import Pt
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from housing import display

HERE = pathlib.Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
FONTS = HERE / "fonts"


class RefusedURL(ValueError):
    """A template asked for a resource that is not a file of this package."""


class LocalFetcher(URLFetcher):
    """WeasyPrint's fetcher limited to ``file:`` URLs under this package (fonts, styles)."""

    def __init__(self):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True)

    def fetch(self, url, headers=None):
        if not url.startswith("file://"):
            raise RefusedURL(f"refused (not a local file): {url}")
        path = pathlib.Path(url[len("file://"):].split("?")[0]).resolve()
        if HERE not in path.parents:
            raise RefusedURL(f"refused (outside {HERE.name}/): {url}")
        return super().fetch(url, headers)


def _money(value):
    return display.money(Decimal(str(value)), "it") if value not in (None, "") else ""


def _number(value, places=2):
    from babel.numbers import format_decimal

    if value in (None, ""):
        return ""
    return format_decimal(Decimal(str(value)), format="#,##0." + "0" * places if places else "#,##0", locale="it")


def _date(value):
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = (datetime.datetime.fromisoformat(value) if "T" in value or " " in value
                 else datetime.date.fromisoformat(value))
    return display.date(value, "it")


def environment():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(money=_money, number=_number, date=_date)
    return env


_ENV = environment()


def html(template, data):
    """The document as HTML (Italian): ``template`` of ``templates/`` filled with ``data``."""
    return _ENV.get_template(template).render(**data)


_LOCK = threading.Lock()  # one layout at a time per process: the shared font configuration is not thread-safe


@functools.cache
def _style():
    """(stylesheet, font configuration) of the documents, parsed once."""
    fonts = FontConfiguration()
    return CSS(filename=str(TEMPLATES / "document.css"), font_config=fonts, url_fetcher=LocalFetcher()), fonts


def pdf(text):
    """The PDF bytes of an HTML document, fetching local files only."""
    with _LOCK:
        style, fonts = _style()
        return HTML(string=text, base_url=TEMPLATES.as_uri() + "/", url_fetcher=LocalFetcher()).write_pdf(
            stylesheets=[style], font_config=fonts)


# -- DOCX from the same HTML ---------------------------------------------------------------------

BLOCKS = {"h1": 0, "h2": 1, "h3": 2}


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _runs(paragraph, element, bold=False):
    """Append the text of ``element`` (and its inline children) to ``paragraph``, bold where <b>/<strong>."""
    if element.text:
        paragraph.add_run(element.text).bold = bold or None
    for child in element:
        name = _local(child.tag)
        if name == "br":
            paragraph.add_run().add_break()
        else:
            _runs(paragraph, child, bold or name in ("b", "strong", "th"))
        if child.tail:
            paragraph.add_run(child.tail).bold = bold or None


def _text(element):
    return " ".join("".join(element.itertext()).split())


def _block(doc, element):
    name = _local(element.tag)
    if name in BLOCKS:
        doc.add_heading(_text(element), level=BLOCKS[name])
    elif name == "p":
        if _text(element):
            _runs(doc.add_paragraph(), element)
    elif name in ("ul", "ol"):
        style = "List Bullet" if name == "ul" else "List Number"
        for item in element:
            if _local(item.tag) == "li":
                _runs(doc.add_paragraph(style=style), item)
    elif name == "table":
        rows = [row for row in element.iter() if _local(row.tag) == "tr"]
        width = max((len([c for c in row if _local(c.tag) in ("td", "th")]) for row in rows), default=0)
        if not width:
            return
        table = doc.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        for row in rows:
            cells = table.add_row().cells
            for index, cell in enumerate(c for c in row if _local(c.tag) in ("td", "th")):
                paragraph = cells[index].paragraphs[0]
                _runs(paragraph, cell, _local(cell.tag) == "th")
    elif name in ("div", "section", "header", "footer", "main", "body"):
        for child in element:
            _block(doc, child)


def docx(text):
    """A DOCX of the HTML document's body: the text staff edit afterwards in a word processor."""
    root = tinyhtml5.parse(text)
    body = next(e for e in root.iter() if _local(e.tag) == "body")
    doc = Document()
    doc.styles["Normal"].font.name = "DejaVu Sans"
    doc.styles["Normal"].font.size = Pt(10.5)
    for child in body:
        _block(doc, child)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
