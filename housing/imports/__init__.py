"""Imports of registries from spreadsheets (CSV and XLSX): no Flask here.

- ``reading``: the file into a header row and data rows (or a ``FileError``);
- ``values``: one cell into a field's value (Italian numbers, dates, coded values);
- ``registries``: cells naming entries of the district and language registries;
- ``links``: columns stored as links to a registry (preferred districts, languages);
- ``kinds``: what can be imported, as data (columns, natural keys, references);
- ``plan``: the dry run (issues and counts, nothing written);
- ``commit``: the import, atomic, idempotent and audited;
- ``workbooks``: templates and exports in the import format;
- ``mappings``: other headers remembered per source;
- ``jobs``: a dry run or commit in a background thread with a status to poll.
"""
from housing.imports.kinds import KINDS  # noqa: F401
