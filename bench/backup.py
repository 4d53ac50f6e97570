"""Time a backup and its restore.

    python bench/backup.py --database-url sqlite:///bench/var/bench.db
    python bench/backup.py --database-url postgresql://postgres@127.0.0.1:5432/housing_bench --key secret

The database is used as it is (for example filled by ``bench/generate.py``);
an empty one is migrated and filled with ``housing.demo.seed(--scale)``. The
backup goes to ``bench/var/backups`` (no rotation); the restore goes into a new
database (a SQLite file beside it, or a PostgreSQL database created and
dropped here). Prints the sizes, the times of each step and the load average
before and after, which says how busy the machine was: the times mean
little without it.
"""
import argparse
import os
import pathlib
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from housing import backups, schema  # noqa: E402
from housing.database import bind, is_sqlite, open_database  # noqa: E402


def load():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(label, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"{label:28} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def database_size(url):
    database = open_database(url)
    with database.connection_context():
        if is_sqlite(url):
            return os.path.getsize(url.split(":///", 1)[-1])
        return database.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0]


def ensure_data(url, scale):
    database = bind(url)
    with database.connection_context():
        if database.get_tables():
            return
        schema.upgrade(database)
        from housing import demo

        timed(f"seed (scale {scale})", demo.seed, scale=scale)


def new_target(url):
    if is_sqlite(url):
        return f"sqlite:///{HERE / 'var' / f'restore-{uuid.uuid4().hex[:8]}.db'}", None
    name = f"housing_restore_bench_{uuid.uuid4().hex[:8]}"
    server = open_database(url)
    with server.connection_context():
        server.connection().autocommit = True
        server.execute_sql(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path="/" + name)), (server, name)


def discard(target, handle):
    if handle is None:
        os.unlink(target.split(":///", 1)[-1])
        return
    server, name = handle
    with server.connection_context():
        server.connection().autocommit = True
        server.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{HERE / 'var' / 'bench.db'}")
    parser.add_argument("--key", default=None, help="encrypt with this secret")
    parser.add_argument("--scale", type=float, default=2.0, help="demo scale for an empty database")
    args = parser.parse_args(argv)
    (HERE / "var").mkdir(exist_ok=True)
    print(load(), "(before)")
    ensure_data(args.database_url, args.scale)
    print(f"{'database size':28} {database_size(args.database_url) / 1e6:8.1f} MB")
    taken = timed("backup (dump, pack, verify)", backups.take, args.database_url, HERE / "var" / "backups", args.key)
    print(f"{'backup file':28} {taken.size / 1e6:8.1f} MB  {taken.path.name}")
    timed("verify only", backups.verify, taken.path, args.key)
    target, handle = new_target(args.database_url)
    try:
        timed("restore (verify, load)", backups.restore, taken.path, target, args.key, work=HERE / "var")
        restored = open_database(target)
        with restored.connection_context():
            timed("migrate the restored copy", schema.upgrade, restored)
    finally:
        discard(target, handle)
    print(load(), "(after)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
