"""Indexes for the one search box (issue 13).

On PostgreSQL: GIN trigram indexes (``pg_trgm``) on the columns searched by
substring (``ILIKE '%x%'`` would read the whole table): dwellings' addresses,
members' names and offers' public descriptions. On SQLite, where ``LIKE``
cannot use an index, plain indexes of the same names and columns, so that a
migrated database and a fresh one (``housing.search.declare_indexes``) list
the same indexes on both engines. Codes and tax codes use their unique indexes.
"""
from housing import search


def up(migrator, db):
    search.create_indexes(db)


def down(migrator, db):
    search.drop_indexes(db)
