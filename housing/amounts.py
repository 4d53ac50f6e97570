"""Amounts as staff type them: "1.234,50" and "1234,50" (Italian), "1234.50" (a
dot, as spreadsheets and habits often give it). One reading for the forms, the
offer band's live check and anything else that takes a typed figure."""
import re
from decimal import Decimal, InvalidOperation

GROUPED_DOTS = re.compile(r"\d{1,3}(\.\d{3}){2,}")  # 1.234.567: dots that can only group thousands


def parse(text):
    """The Decimal a typed figure means, or None when it is empty; ValueError when it is no number."""
    if text is None:
        return None
    if isinstance(text, (int, float, Decimal)):
        return Decimal(str(text))
    cleaned = str(text).strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        # the last separator is the decimal one; the other groups thousands
        decimal, group = (",", ".") if cleaned.rfind(",") > cleaned.rfind(".") else (".", ",")
        cleaned = cleaned.replace(group, "").replace(decimal, ".")
    elif "," in cleaned:
        if cleaned.count(",") > 1:
            raise ValueError(text)
        cleaned = cleaned.replace(",", ".")
    elif GROUPED_DOTS.fullmatch(cleaned.lstrip("+-")):
        cleaned = cleaned.replace(".", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number
