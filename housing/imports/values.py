"""Turn one spreadsheet cell into the value a model field holds.

Each parser takes the raw cell (text from a CSV, a number, date or text from an
XLSX) and returns the value, or raises ``ValueError`` with an Italian message.
Empty cells never reach a parser (they are ``None`` for the caller).
"""
import datetime
import difflib
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from housing import display
from housing.imports.reading import FORMULA_MISSING
from housing.messages import _

EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")
THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")
TRUE = {"si", "sì", "s", "x", "1", "vero", "true", "yes", "y"}
FALSE = {"no", "n", "0", "falso", "false", "-"}


def is_empty(raw):
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(raw):
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a code typed as a number in Excel: 95124, not 95124.0
    if isinstance(raw, (datetime.datetime, datetime.date)):
        raw = raw.strftime("%d/%m/%Y")
    return str(raw).strip()


def decimal(raw):
    """Numbers as Excel stores them or as Italians type them: 1.234,56 or 1234,56 (1234.56 too)."""
    if isinstance(raw, bool):
        raise ValueError(_("Numero non valido."))
    if isinstance(raw, (int, float)):
        number = Decimal(str(raw))
    else:
        value = str(raw).strip().replace("€", "").replace("\u00a0", "").replace(" ", "").replace("'", "")
        if "," in value:
            value = value.replace(".", "").replace(",", ".")
        elif THOUSANDS.fullmatch(value):
            value = value.replace(".", "")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(_("Numero non valido (es. 1.234,56).")) from None
    if not number.is_finite():
        raise ValueError(_("Numero non valido (es. 1.234,56)."))
    return number


def integer(raw):
    try:
        number = decimal(raw)
    except ValueError:
        raise ValueError(_("Numero intero non valido.")) from None
    if number != number.to_integral_value() or abs(number) >= 2**63:
        raise ValueError(_("Numero intero non valido."))
    return int(number)


def floating(raw):
    return float(decimal(raw))


def date(raw):
    """A date cell, an Excel serial number (45292 = 1/1/2024) or dd/mm/yyyy text."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _serial(raw)
    value = str(raw).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", value):
        return _serial(float(value))
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value.split(" ")[0], pattern).date()
        except ValueError:
            continue
    raise ValueError(_("Data non valida (formato gg/mm/aaaa)."))


def _serial(number):
    if not 1 <= number <= 2958465:
        raise ValueError(_("Data non valida (numero di serie Excel fuori intervallo)."))
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def boolean(raw):
    if isinstance(raw, bool):
        return raw
    value = text(raw).lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(_("Valore sì/no non valido (ammessi: sì, no)."))


def fold(value):
    """Lower case without accents or spaces at the ends: how coded values are compared."""
    value = unicodedata.normalize("NFKD", str(value).strip().lower())
    return "".join(ch for ch in value if not unicodedata.combining(ch))


def coded(vocabulary):
    """A parser that accepts a term's key, Italian or English label (any case, any accents)."""
    lookup = {}
    for term in vocabulary:
        for form in (term.key, term.it, term.en):
            lookup.setdefault(fold(form), term.key)
    labels = [term.it for term in vocabulary]

    def parse(raw):
        value = text(raw)
        key = lookup.get(fold(value))
        if key is not None:
            return key
        shown = [term.en for term in vocabulary] if display.language.get() == "en" else labels
        raise ValueError(unknown(value, shown))

    parse.allowed = labels
    parse.labels = {term.key: term.it for term in vocabulary}
    return parse


def unknown(value, labels):
    """The message for a value outside its list, with a "did you mean" from difflib."""
    folded = {fold(label): label for label in labels}
    close = difflib.get_close_matches(fold(value), list(folded), n=1, cutoff=0.6)
    if close:
        return _("Valore «%(value)s» non previsto. Forse intendevi «%(close)s»? Ammessi: %(allowed)s.",
                 value=value, close=folded[close[0]], allowed=", ".join(labels))
    return _("Valore «%(value)s» non previsto. Ammessi: %(allowed)s.", value=value, allowed=", ".join(labels))


def coded_list(vocabulary):
    """Several coded values separated by commas or semicolons, stored as keys joined by ','."""
    single = coded(vocabulary)

    def parse(raw):
        parts = [part for part in re.split(r"[,;]", text(raw)) if part.strip()]
        keys = []
        for part in parts:
            key = single(part)
            if key not in keys:
                keys.append(key)
        return ",".join(keys)  # as the household form stores them (admin.views.registries.KeyListField)

    parse.allowed = single.allowed
    parse.labels = single.labels
    parse.many = True
    return parse


def parse(parser, raw):
    """(value, None) or (None, message) for one cell."""
    if raw is FORMULA_MISSING:
        return None, _("Formula senza valore calcolato: aprire e salvare il file in Excel, o inserire il valore.")
    if is_empty(raw):
        return None, None
    try:
        return parser(raw), None
    except ValueError as error:
        return None, str(error)
