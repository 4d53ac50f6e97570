"""Which backups to keep: the newest of each of the last N days, weeks and months.

The rule of borg and restic's ``--keep-daily/--keep-weekly/--keep-monthly``:
walking from the newest backup back, each rule keeps the newest backup of
every period it has not yet seen, until it has kept its count; a backup kept
by any rule stays. The newest backup always stays. Only files named as this
module names them are ever considered, so nothing else in the folder is touched.
"""
import datetime
import re
from typing import NamedTuple

NAME = re.compile(r"^housing-(?P<engine>sqlite|postgresql)-(?P<at>\d{8}T\d{6}Z)(?:-(?P<sequence>\d+))?\.(?P<kind>sqlite|pgdump)\.gz(?P<enc>\.enc)?$")
STAMP = "%Y%m%dT%H%M%SZ"


class Policy(NamedTuple):
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


class Backup(NamedTuple):
    path: object  # pathlib.Path
    taken_at: datetime.datetime  # UTC, aware
    engine: str
    sequence: int = 0  # a second backup within the same second


def file_name(engine, taken_at, encrypted, sequence=0):
    kind = "sqlite" if engine == "sqlite" else "pgdump"
    stamp = f"{taken_at.astimezone(datetime.timezone.utc):{STAMP}}" + (f"-{sequence}" if sequence else "")
    return f"housing-{engine}-{stamp}.{kind}.gz" + (".enc" if encrypted else "")


def parse(path):
    """The ``Backup`` a file name describes, or None for any other file."""
    match = NAME.match(path.name)
    if not match:
        return None
    try:
        taken_at = datetime.datetime.strptime(match["at"], STAMP).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return Backup(path, taken_at, match["engine"], int(match["sequence"] or 0))


def backups(folder):
    """The backups in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = (parse(path) for path in folder.iterdir() if path.is_file())
    return sorted((b for b in found if b), key=lambda b: (b.taken_at, b.sequence, b.path.name), reverse=True)


PERIODS = {
    "daily": lambda at: at.date(),
    "weekly": lambda at: at.isocalendar()[:2],
    "monthly": lambda at: (at.year, at.month),
}


def to_keep(found, policy):
    """The subset of ``found`` (newest first) that ``policy`` keeps."""
    kept = set(found[:1])
    for rule, period in PERIODS.items():
        count, seen = getattr(policy, rule), None
        for backup in found:
            if count <= 0:
                break
            if period(backup.taken_at) != seen:
                seen = period(backup.taken_at)
                kept.add(backup)
                count -= 1
    return kept


def rotate(folder, policy):
    """Delete the backups of ``folder`` that ``policy`` does not keep; return the deleted paths."""
    found = backups(folder)
    kept = to_keep(found, policy)
    deleted = []
    for backup in found:
        if backup not in kept:
            backup.path.unlink(missing_ok=True)
            deleted.append(backup.path)
    return deleted
