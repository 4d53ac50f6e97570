"""Time a backup and its verified restore, quiet and under the 50-session load.

    python bench/backup.py --database-url sqlite:///bench/var/bench.db
    python bench/backup.py --database-url postgresql://postgres@127.0.0.1:5432/housing_bench --key secret

The database is used as it is (for example filled by ``bench/generate.py``);
an empty one is migrated and filled with ``housing.demo.seed(--scale)``. Steps:

1. **Baseline**: what a backup costs at the least: SQLite a plain file copy
   (after a WAL checkpoint), PostgreSQL ``pg_dump --format=custom`` to a file
   (its default compression, no verification).
2. **Backup** with ``housing.backups.take`` (dump, gzip, optional encryption,
   read-back verification), then ``verify`` alone, then a **restore** into a new
   database (a SQLite file, or a PostgreSQL database created and dropped here)
   with ``housing.backups.restore`` (it verifies first), the migration, and a
   row-count comparison of every table between source and copy.
3. **Under load** (``--load-seconds``, 0 skips it): gunicorn serves the app on
   the same database to 50 staff sessions (``bench/load_sessions.py``'s
   sessions, roles and actions, 1 s think time); p95 is measured for
   ``--load-seconds`` without a backup, then while ``backups.take`` runs in a
   subprocess (as the runner would run it); the phase lasts as long as the
   backup. The 50 accounts (``bk-<hex>-...``) are created here and deactivated
   at the end.

Each figure is printed with the load average (``uptime``) at its start and end;
the times mean little without it, on a shared 2-core machine. A JSON summary goes
to ``bench/results/backup-<engine>.json``.
"""
import argparse
import datetime
import json
import os
import pathlib
import secrets
import shutil
import subprocess
import sys
import threading
import time
import types
import uuid
from urllib.parse import urlsplit, urlunsplit

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
# Run from a snapshot of HEAD (see main): data, logs and results stay in the checkout's bench/.
MAIN = pathlib.Path(os.environ.get("BENCH_MAIN_ROOT") or ROOT)
VAR = MAIN / "bench" / "var"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from housing import backups, schema  # noqa: E402
from housing.database import bind, is_sqlite, open_database  # noqa: E402


def load():
    return [round(x, 2) for x in os.getloadavg()]


def log(msg=""):
    print(msg, flush=True)


def timed(label, fn, *args, **kwargs):
    """(result, figure) where figure holds the seconds and the load average before and after."""
    before = load()
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    seconds = round(time.perf_counter() - start, 2)
    figure = {"seconds": seconds, "load_before": before, "load_after": load()}
    log(f"{label:34} {seconds:8.2f} s   load {before[0]:.2f} -> {figure['load_after'][0]:.2f}")
    return result, figure


def database_size(url):
    database = open_database(url)
    with database.connection_context():
        if is_sqlite(url):
            return os.path.getsize(url.split(":///", 1)[-1])
        return database.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0]


def row_counts(url):
    database = open_database(url)
    with database.connection_context():
        return {table: database.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for table in sorted(database.get_tables())}


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
        return f"sqlite:///{VAR / f'restore-{uuid.uuid4().hex[:8]}.db'}", None
    name = f"housing_restore_bench_{uuid.uuid4().hex[:8]}"
    server = open_database(url)
    with server.connection_context():
        server.connection().autocommit = True
        server.execute_sql(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path="/" + name)), (server, name)


def discard(target, handle):
    if handle is None:
        for suffix in ("", "-wal", "-shm"):
            pathlib.Path(target.split(":///", 1)[-1] + suffix).unlink(missing_ok=True)
        return
    server, name = handle
    with server.connection_context():
        server.connection().autocommit = True
        server.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- 1. the baseline ------------------------------------------------------------------------------

def baseline(url):
    """A plain file copy (SQLite) or an unverified ``pg_dump -Fc`` (PostgreSQL); returns the file size."""
    target = VAR / f"baseline-{uuid.uuid4().hex[:8]}"
    try:
        if is_sqlite(url):
            source = url.split(":///", 1)[-1]
            database = open_database(url)
            with database.connection_context():
                database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copyfile(source, target)
        else:
            address, env = backups._libpq(url)
            subprocess.run(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={address}"],
                           env=env, check=True, capture_output=True)
        return target.stat().st_size
    finally:
        target.unlink(missing_ok=True)


# -- 2. backup, verify, restore ---------------------------------------------------------------------

def quiet_figures(url, key, folder):
    out = {}
    size, out["baseline"] = timed("baseline (copy / pg_dump -Fc)", baseline, url)
    out["baseline"]["file_bytes"] = size
    taken, out["backup"] = timed("backup (dump, pack, verify)", backups.take, url, folder, key)
    out["backup"]["file_bytes"] = taken.size
    log(f"{'backup file':34} {taken.size / 1e6:8.1f} MB  {taken.path.name}")
    _, out["verify"] = timed("verify only", backups.verify, taken.path, key, VAR)
    target, handle = new_target(url)
    try:
        _, out["restore"] = timed("restore (verify, load)", backups.restore, taken.path, target, key, work=VAR)
        restored = open_database(target)
        with restored.connection_context():
            _, out["migrate"] = timed("migrate the restored copy", schema.upgrade, restored)
        source_counts, copy_counts = row_counts(url), row_counts(target)
        differ = {t: (source_counts.get(t), copy_counts.get(t)) for t in set(source_counts) | set(copy_counts)
                  if source_counts.get(t) != copy_counts.get(t)}
        out["restore_check"] = {"tables": len(source_counts), "rows": sum(source_counts.values()), "differ": differ}
        log(f"{'restored copy':34} {len(copy_counts)} tables, {sum(copy_counts.values()):,} rows, "
            f"{'identical row counts' if not differ else f'DIFFERENT: {differ}'}")
    finally:
        discard(target, handle)
    taken.path.unlink(missing_ok=True)
    base = out["baseline"]["seconds"] or 0.01
    out["ratios_to_baseline"] = {k: round(out[k]["seconds"] / base, 1) for k in ("backup", "verify", "restore")}
    out["ratios_to_baseline"]["backup_plus_restore"] = round(
        (out["backup"]["seconds"] + out["restore"]["seconds"] + out["migrate"]["seconds"]) / base, 1)
    return out


# -- 3. under load ------------------------------------------------------------------------------------

def take_in_subprocess(url, folder, key):
    """Start ``backups.take`` in its own process (as the runner does); returns the Popen."""
    env = dict(os.environ)
    if key:
        env["BENCH_BACKUP_KEY"] = key
    return subprocess.Popen([sys.executable, str(pathlib.Path(__file__)), "--take-into", str(folder),
                             "--database-url", url], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)


def create_accounts(roles, prefix):
    from housing import accounts

    users = []
    for role, n in roles:
        for i in range(n):
            username, password = f"{prefix}-{role}-{i + 1:02d}", accounts.random_password()
            accounts.create_user(username, role, password, full_name=f"Carico {role} {i + 1}")
            users.append((username, role, password))
    return users


def retire_accounts(url, prefix):
    import models as m

    database = bind(url)
    with database.connection_context():
        m.User.update(active=False).where(m.User.username.startswith(prefix)).execute()


def under_load(url, key, folder, args):
    import http_bench
    import load_sessions as ls

    roles = ls.parse_roles(ls.DEFAULT_ROLES)
    prefix = f"bk-{secrets.token_hex(3)}"
    database = bind(url)
    database.connect(reuse_if_open=True)
    started = time.perf_counter()
    users = create_accounts(roles, prefix)
    import random

    pools = ls.build_pools(random.Random(args.seed), 25)
    database.close()
    log(f"{len(users)} accounts and the sessions' pools in {time.perf_counter() - started:.1f} s")
    filter_args = ls.filter_arguments(http_bench, url, pools)
    engine = backups.engine_of(url)
    server = http_bench.Server(url, args.workers, str(VAR / f"backup-bench-gunicorn-{engine}.log"))
    stop, recorder, sessions, out = threading.Event(), ls.Recorder(), [], {}
    session_args = types.SimpleNamespace(think=1.0)
    try:
        server.start()
        for i, (user, role, password) in enumerate(users):
            sessions.append(ls.Session(http_bench, server.port, user, role, password, pools, filter_args,
                                       session_args, recorder, stop, args.seed * 1000 + i))
        for s in sessions:
            s.login()
        log(f"{len(sessions)} sessions logged in")
        recorder.phase = "warmup"
        for s in sessions:
            s.start()
            time.sleep(1.0 / len(sessions))
        time.sleep(5)
        phases = {}
        recorder.phase = "without backup"
        phases["without backup"] = {"load_start": load()}
        cpu = cpu_mark(ls, server)
        log(f"load without backup: {args.load_seconds} s (load {load()[0]:.2f})")
        time.sleep(args.load_seconds)
        phases["without backup"].update(load_end=load(), seconds=args.load_seconds, cpu=cpu_since(ls, server, cpu))
        recorder.phase = "during backup"
        phases["during backup"] = {"load_start": load()}
        cpu = cpu_mark(ls, server)
        log(f"load during backup (load {load()[0]:.2f}) ...")
        t0 = time.perf_counter()
        process = take_in_subprocess(url, folder, key)
        peak = 0.0
        while process.poll() is None:
            time.sleep(0.5)
            peak = max(peak, os.getloadavg()[0])
        took = round(time.perf_counter() - t0, 2)
        recorder.phase = "after"
        report = process.stdout.read().strip().splitlines()
        phases["during backup"].update(load_end=load(), load_max_1min=round(peak, 2), seconds=took,
                                       cpu=cpu_since(ls, server, cpu),
                                       backup_exit=process.returncode, backup=json.loads(report[-1]) if report else None)
        log(f"backup under load: {took:.2f} s (exit {process.returncode})")
    finally:
        stop.set()
        for s in sessions:
            s.join(timeout=60)
        server.stop()
        retire_accounts(url, prefix)
    for name, phase in phases.items():
        summary = ls.summarise(http_bench, recorder.samples, name)
        phase.update(requests=summary["requests"], errors=summary["errors"], conflicts=summary["conflicts"],
                     saves=summary["saves"], overall=summary["overall"])
        o = summary["overall"]
        log(f"  {name:16} {summary['requests']:6} requests, {summary['errors']} errors, p50 {o.get('p50_ms')} ms, "
            f"p95 {o.get('p95_ms')} ms, p99 {o.get('p99_ms')} ms; load {phase['load_start'][0]:.2f} -> "
            f"{phase['load_end'][0]:.2f}; CPU s {phase['cpu']}")
    out["phases"] = phases
    out["failures"] = recorder.failures[:10]
    out["gunicorn"] = ls.scan_log(server.log_path)
    without, during = phases["without backup"]["overall"], phases["during backup"]["overall"]
    if without.get("n") and during.get("n"):
        out["p95_ratio_during_over_without"] = round(during["p95_ms"] / without["p95_ms"], 2)
        log(f"  p95 during / without the backup: {out['p95_ratio_during_over_without']}")
    return out


def cpu_mark(ls, server):
    return ls.session_cpu(server.proc.pid), ls.machine_cpu(), ls.own_cpu()


def cpu_since(ls, server, mark):
    """CPU seconds used since ``mark``: gunicorn, this load generator, the whole machine (of how many)."""
    gunicorn, (busy, total), own = ls.session_cpu(server.proc.pid), ls.machine_cpu(), ls.own_cpu()
    return {"gunicorn": round(gunicorn - mark[0], 1), "load_generator": round(own - mark[2], 1),
            "machine_busy": round(busy - mark[1][0], 1), "machine_total": round(total - mark[1][1], 1)}


def take_only(url, folder):
    """``--take-into``: one backup, its figures as a JSON line on stdout (for the load phase)."""
    start = time.perf_counter()
    taken = backups.take(url, folder, os.environ.get("BENCH_BACKUP_KEY") or None)
    seconds = round(time.perf_counter() - start, 2)
    taken.path.unlink(missing_ok=True)
    print(json.dumps({"seconds": seconds, "file_bytes": taken.size}))
    return 0


def absolute_sqlite(arg):
    """A relative SQLite URL (or ``--database-url=`` option) made absolute from the current folder."""
    prefix = "--database-url=" if arg.startswith("--database-url=") else ""
    url = arg[len(prefix):]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return prefix + "sqlite:///" + os.path.abspath(url[len("sqlite:///"):])
    return arg


def run_from_snapshot(argv, script=__file__):
    """Re-run ``script`` (this one by default) from a snapshot of HEAD (as bench/load_sessions.py serves it), so that the
    uncommitted edits of others in the shared working tree neither break nor colour the figures."""
    import tempfile

    import load_sessions

    tmp = tempfile.mkdtemp(prefix="backup-bench-")
    try:
        code_root, code = load_sessions.prepare_code("head", tmp)
        name = os.path.basename(script)
        shutil.copyfile(script, os.path.join(code_root, "bench", name))  # the script as it is now
        log(f"code: snapshot of HEAD {code['commit'][:12]} (working tree dirty: {code['working_tree_dirty']})")
        env = dict(os.environ, BENCH_MAIN_ROOT=str(MAIN), BENCH_CODE_COMMIT=code["commit"])
        # the snapshot runs in another folder: relative paths are made absolute here
        argv = [os.path.abspath(a) if i and argv[i - 1] == "--output" else absolute_sqlite(a)
                for i, a in enumerate(argv)]
        argv = ["--output=" + os.path.abspath(a[len("--output="):]) if a.startswith("--output=") else a for a in argv]
        return subprocess.run([sys.executable, os.path.join(code_root, "bench", name), *argv],
                              env=env, cwd=code_root).returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{VAR / 'bench.db'}")
    parser.add_argument("--key", default=None, help="encrypt with this secret")
    parser.add_argument("--scale", type=float, default=2.0, help="demo scale for an empty database")
    parser.add_argument("--load-seconds", type=int, default=60, help="the phase without a backup (0: no load test)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers for the load")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--output", default=None, help="JSON summary (default bench/results/backup-<engine>.json)")
    parser.add_argument("--take-into", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--code", choices=("head", "worktree"), default="head",
                        help="serve and back up with a snapshot of HEAD (default) or the working tree as it is")
    args = parser.parse_args(argv)
    VAR.mkdir(exist_ok=True)
    folder = VAR / "backups"
    if args.take_into:
        return take_only(args.database_url, args.take_into)
    if args.code == "head" and "BENCH_MAIN_ROOT" not in os.environ:
        return run_from_snapshot(argv if argv is not None else sys.argv[1:])
    engine = backups.engine_of(args.database_url)
    out = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "engine": engine, "cpus": os.cpu_count(), "load_start": load(), "encrypted": bool(args.key)}
    log(f"{engine}: load average {' '.join(map(str, out['load_start']))} (before), {os.cpu_count()} CPUs")
    out["code_commit"] = os.environ.get("BENCH_CODE_COMMIT", "working tree")
    ensure_data(args.database_url, args.scale)
    database = bind(args.database_url)
    with database.connection_context():
        schema.upgrade(database)  # the data may be older than the code (as http_bench.py does)
    out["database_bytes"] = database_size(args.database_url)
    counts = row_counts(args.database_url)
    out["rows"] = {t: counts.get(t) for t in ("dwelling", "household", "person", "offer", "audit_log")}
    log(f"{'database size':34} {out['database_bytes'] / 1e6:8.1f} MB  {out['rows']}")
    out["quiet"] = quiet_figures(args.database_url, args.key, folder)
    log(f"ratios to the baseline: {out['quiet']['ratios_to_baseline']}")
    if args.load_seconds > 0:
        out["load"] = under_load(args.database_url, args.key, folder, args)
        during = out["load"]["phases"]["during backup"]
        out["load"]["backup_ratio_under_load_over_quiet"] = round(during["seconds"] / out["quiet"]["backup"]["seconds"], 2)
    out["load_end"] = load()
    log(f"load average {' '.join(map(str, out['load_end']))} (after)")
    path = pathlib.Path(args.output or MAIN / "bench" / "results" / f"backup-{engine}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=str))
    log(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
