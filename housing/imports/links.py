"""Columns stored as links to a registry (a household's preferred districts,
its spoken languages), not as a field of the record.

A link column's cell is a set of registry ids (``registries``); the plan
compares it with the stored set of links, the commit adds and removes links
and audits each one as the household form does (one "create" or "delete" row
per link, ``SecureModelView._audit_children``). An empty cell means "none",
except for a parent record only completed by the rows of another kind (a
household given on its members' rows), whose links it keeps, as it keeps its
fields.
"""
from typing import NamedTuple

CHUNK = 900  # ids per IN (...) query


class LinkTable(NamedTuple):
    model: type  # the link model, e.g. HouseholdLanguage
    owner: str  # its foreign key to the imported record
    other: str  # its foreign key to the registry entry

    @property
    def table(self):
        return self.model._meta.table_name


def stored(link, owner_ids):
    """{owner id: frozenset of registry ids} of the records ``owner_ids`` (those with no link absent)."""
    found = {}
    owner, other = getattr(link.model, link.owner), getattr(link.model, link.other)
    owner_ids = list(owner_ids)
    for start in range(0, len(owner_ids), CHUNK):
        for owner_id, other_id in (link.model.select(owner, other)
                                   .where(owner.in_(owner_ids[start:start + CHUNK])).tuples()):
            found.setdefault(owner_id, set()).add(other_id)
    return {owner_id: frozenset(ids) for owner_id, ids in found.items()}


def pairs(link, owner_pairs):
    """{(owner id, registry id): link id} of the stored links among ``owner_pairs``."""
    owner, other = getattr(link.model, link.owner), getattr(link.model, link.other)
    owners = sorted({owner_id for owner_id, _ in owner_pairs})
    wanted = set(owner_pairs)
    found = {}
    for start in range(0, len(owners), CHUNK):
        for link_id, owner_id, other_id in (link.model.select(link.model._meta.primary_key, owner, other)
                                            .where(owner.in_(owners[start:start + CHUNK])).tuples()):
            if (owner_id, other_id) in wanted:
                found[(owner_id, other_id)] = link_id
    return found
