"""Cells that name entries of a registry kept by staff: districts, languages.

Unlike the coded values of ``values`` (fixed vocabularies), a registry changes
while the program runs, so these parsers are *bound* once per dry run or
export (``bind``): the registry is read then, not at import time, and every
row of the file is checked against the same snapshot. Names are matched case-
and accent-insensitively; a name of no entry is the row's error, with the
closest names ("forse: ..."). An import never adds entries: like a landlord
for a dwelling, the district or language must already be in its registry.
"""
from housing import districts, languages
from housing import vocabulary as v
from housing.imports import values
from models import District, Language

SHOWN_NAMES = 80  # a template comment lists the registry up to this many names


def bind(parser):
    """The parser to use for one dry run or export (registry parsers read their registry now)."""
    return parser.bind() if hasattr(parser, "bind") else parser


def _sentence(message):
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


class Reference:
    """A cell naming one entry (``many``: a list of entries) of a registry."""

    many = False
    conjunctions = False  # a list may also be split on "e" / "and" / "/"

    def __init__(self, help):
        self.help = help

    def index(self):
        """{folded name or code: id}."""
        raise NotImplementedError

    def names(self, active_only=False):
        """{id: the name an export writes}, in the registry's order (``active_only``: those offered to new records)."""
        raise NotImplementedError

    def unknown(self, text):
        raise NotImplementedError

    def find(self, text, known):
        return known.get(v.fold(text))

    def bind(self):
        return Bound(self, self.index(), self.names())

    def describe(self):
        """The template's comment: the rule and the registry's names as they are now."""
        shown = list(self.names(active_only=True).values())
        listed = "; ".join(shown[:SHOWN_NAMES])
        if len(shown) > SHOWN_NAMES:
            listed += f"; ... (altri {len(shown) - SHOWN_NAMES} nel registro)"
        return f"{self.help} Nel registro: {listed or 'nessuno, per ora'}."


class Bound:
    """A registry parser with its snapshot of the registry: parses a cell, writes one back."""

    def __init__(self, spec, known, names):
        self.spec, self.known, self.shown = spec, known, names
        self.many = spec.many

    def __call__(self, raw):
        text = values.text(raw)
        if not self.spec.many:
            found = self.spec.find(text, self.known)
            if found is None:
                raise ValueError(_sentence(self.spec.unknown(text)))
            return found
        ids, unknown = [], []
        for part in v.split_words(text, conjunctions=self.spec.conjunctions):
            found = self.spec.find(part, self.known)
            if found is None:
                unknown.append(part)
            elif found not in ids:
                ids.append(found)
        if unknown:
            raise ValueError(" ".join(_sentence(self.spec.unknown(part)) for part in unknown))
        return frozenset(ids)

    def cell(self, value):
        """A stored id (or set of ids) as the import reads it back."""
        if value is None:
            return None
        if not self.many:
            return self.shown.get(value)
        return ", ".join(sorted((self.shown[i] for i in value if i in self.shown), key=v.fold)) or None


class DistrictName(Reference):
    def __init__(self, many=False):
        super().__init__(
            "Nomi di quartieri del registro dei quartieri, separati da virgole; vuoto: qualsiasi quartiere. "
            "Maiuscole e accenti indifferenti. Devono già esistere nel registro (l'importazione non li crea)."
            if many else
            "Nome di un quartiere del registro dei quartieri (maiuscole e accenti indifferenti). Deve già "
            "esistere nel registro, come il locatore: l'importazione non crea quartieri.")
        self.many = many

    def index(self):
        return districts.index()

    def names(self, active_only=False):
        query = District.select(District.id, District.name).order_by(District.name)
        return dict((query.where(District.active == True) if active_only else query).tuples())  # noqa: E712

    def unknown(self, text):
        return districts.unknown_message(text)

    def find(self, text, known):
        return districts.lookup(text, known)


class LanguageNames(Reference):
    many = True
    conjunctions = True

    def __init__(self):
        super().__init__(
            "Lingue parlate del registro delle lingue: nomi (italiano o inglese) o codici ISO, separati da "
            "virgole o «e» (es. arabo, francese e inglese). Maiuscole e accenti indifferenti. Devono già esistere "
            "nel registro (l'importazione non le crea).")

    def index(self):
        return languages.index()

    def names(self, active_only=False):
        query = Language.select(Language.id, Language.name_it).order_by(Language.name_it)
        return dict((query.where(Language.active == True) if active_only else query).tuples())  # noqa: E712

    def unknown(self, text):
        return languages.unknown_message(text)
