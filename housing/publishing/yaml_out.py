"""Write the exported data sets as block-style YAML, fast.

The exported data are JSON-shaped (dicts, lists, strings, numbers, booleans,
None). PyYAML's dumper took 2.8 s for 10,000 offers, in the publisher's own
process while it writes the pages; this writer takes a tenth of that. Every
string and every key that is not a plain identifier is written as a JSON string,
which is also a YAML double-quoted scalar: "yes", "0755", "1e3", "null" or "~"
stay strings. tests/test_publishing.py reads the files back with PyYAML and
compares them with the data.
"""
import json
import math
import re

PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Plain words YAML 1.1 would read as something else than a string.
RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


# Characters JSON leaves as they are but YAML does not read back: C1 controls (NEL is a line break to
# YAML), line and paragraph separators, surrogates, the byte-order mark and the two non-characters.
UNSAFE_CHARACTER = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def _escape(match):
    return f"\\u{ord(match.group()):04x}"


def _key(key):
    text = str(key)
    return text if PLAIN_KEY.fullmatch(text) and text.lower() not in RESERVED else _scalar(text)


def _scalar(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        # YAML 1.1 reads an exponent without a dot as a string: 1e-05 is written 1.0e-05.
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    if isinstance(value, str):
        return UNSAFE_CHARACTER.sub(_escape, json.dumps(value, ensure_ascii=False))
    raise TypeError(f"cannot write {type(value).__name__} to YAML")


def _block(value):
    """True for what is written as a block below its key or dash: a dict or list that is not empty."""
    return isinstance(value, (dict, list)) and bool(value)


def _inline(value):
    """A scalar, or an empty dict or list, written on its key's or dash's line."""
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    return _scalar(value)


def _lines(value, indent, out):
    pad = " " * indent
    if not _block(value):
        out.append(pad + _inline(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            if _block(item):
                out.append(f"{pad}{_key(key)}:")
                _lines(item, indent + 2, out)
            else:
                out.append(f"{pad}{_key(key)}: {_inline(item)}")
    else:
        for item in value:
            if _block(item):
                nested = []
                _lines(item, indent + 2, nested)
                out.append(f"{pad}- {nested[0][indent + 2:]}")
                out.extend(nested[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")


def dumps(value):
    """``value`` as a YAML document (block style)."""
    out = []
    _lines(value, 0, out)
    return "\n".join(out) + "\n"
