"""The one search box of the header (ricerca unica): results grouped by kind,
each a link to a page the user's role may open.

What each role finds is data (``KINDS``): a kind is shown through the first of
its *ways* whose registry the role reads, and that way names the page a hit
opens and the list that shows all of them. A viewer reads no personal field
(``admin.roles``): no household member, and only the landlords whose name is
public (not a private person, and consenting); household codes lead to the
summary view without personal fields.
"""
from dataclasses import dataclass

from flask import request, url_for
from flask_admin import expose
from flask_babel import lazy_gettext
from flask_login import current_user

from admin import roles
from admin.i18n import current_language, format_money, term_label
from admin.views.base import SecureBaseView
from housing import restriction, search
from models import Household, Landlord, Person

PER_KIND = 10


@dataclass(frozen=True)
class Way:
    """How a role reaches one kind: the registry it must read, the endpoint a hit
    opens (with the hit's argument), the list of all results (None: no list
    searches them), the finder's options."""

    registry: str
    open: str
    arg: str = "id"
    list: str = None
    options: tuple = ()
    field: tuple = None  # (model, field): the role must also read it (personal data)


@dataclass(frozen=True)
class Kind:
    key: str
    title: object  # a lazy gettext string
    ways: tuple
    detail_registry: str = None  # the vocabulary naming the hit's detail (a status, a kind)


KINDS = (
    Kind("household", lazy_gettext('Households'), (
        Way("journey", "journey.household", "household_id", list="household.index_view"),
        Way("household", "household.details_view", list="household.index_view"),
        Way("household_summary", "household_summary.details_view", list="household_summary.index_view"),
    ), "household_statuses"),
    Kind("person", lazy_gettext('Household members'), (
        Way("person", "person.details_view", list="person.index_view", field=(Person, "tax_code")),
    )),
    Kind("dwelling", lazy_gettext('Dwellings'), (
        Way("dwelling", "dwelling.details_view", list="dwelling.index_view"),
    )),
    Kind("landlord", lazy_gettext('Landlords'), (
        Way("landlord", "landlord.details_view", list="landlord.index_view", field=(Landlord, "name")),
        Way("landlord_summary", "landlord_summary.details_view", options=(("public_only", True),)),
    ), "landlord_kinds"),
    Kind("offer", lazy_gettext('Offers'), (
        Way("offer", "offer.details_view", list="offer.index_view"),
    ), "offer_statuses"),
    Kind("partner", lazy_gettext('Network partners'), (
        Way("partner", "partner.details_view", list="partner.index_view"),
    ), "partner_sectors"),
)


def way_for(kind, user):
    """The first way of ``kind`` that ``user``'s role may take, or None."""
    role = roles.current_role(user)
    for way in kind.ways:
        if not roles.can_read(user, way.registry):
            continue
        if way.field and not roles.role_reads(role, *way.field):
            continue
        return way
    return None


def hit_link(way, hit):
    value = hit.household_id if way.arg == "household_id" and hit.kind == "person" else hit.id
    return url_for(way.open, **{way.arg: value})


def detail_text(kind, hit):
    if hit.kind == "offer":
        rent = hit.extra.get("rent")
        status = term_label(kind.detail_registry, hit.detail)
        return f"{status} · {format_money(rent)}" if rent is not None else status
    if hit.kind == "household":
        return term_label(kind.detail_registry, hit.extra.get("status"))
    if kind.detail_registry:
        return term_label(kind.detail_registry, hit.detail)
    return hit.detail or ""


def results(term, user):
    """[(kind, way, [(hit, link, detail)], more)] for the kinds ``user`` may search."""
    ways = {kind.key: way for kind in KINDS if (way := way_for(kind, user)) is not None}
    options = {key: dict(way.options) for key, way in ways.items()}
    for key, model in (("household", Household), ("person", Person)):  # restricted households: not found
        if key in options:
            options[key]["visible"] = restriction.visible(model, user)
    found = search.search(term, kinds=tuple(ways), limit=PER_KIND, options=options)
    groups = []
    for kind in KINDS:
        way = ways.get(kind.key)
        if way is None:
            continue
        hits = found.get(kind.key, [])
        rows = [(hit, hit_link(way, hit), detail_text(kind, hit)) for hit in hits[:PER_KIND]]
        more = url_for(way.list, search=search.clean(term)) if way.list and len(hits) > PER_KIND else None
        groups.append((kind, way, rows, more))
    return groups


class SearchView(SecureBaseView):
    """GET /admin/search/?q=...: every signed-in role (what it finds depends on the role)."""

    registry = "dashboard"

    def is_visible(self):
        return False  # reached from the header's box, not from the menu

    @expose("/")
    def index(self):
        raw = request.args.get("q", "")
        term = search.clean(raw)
        groups = results(term, current_user) if term else []
        return self.render("admin/search/results.html", query=term, groups=groups,
                           total=sum(len(rows) for _, _, rows, _ in groups),
                           it=current_language() == "it", per_kind=PER_KIND)
