"""Every SQL statement one back-office page runs, with its time and plan.

    python bench/sql_trace.py --database-url sqlite:///bench/var/bench.db /admin/household/edit/?id=30000

In process (Flask test client) as a throw-away admin (deleted at the end):
each path is requested once to warm up, then once traced. Times include
fetching the rows; plans are EXPLAIN QUERY PLAN (SQLite) or EXPLAIN
(PostgreSQL; --analyze for EXPLAIN ANALYZE).
"""
import argparse
import os
import secrets
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import http_bench as hb  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--analyze", action="store_true", help="PostgreSQL: EXPLAIN ANALYZE every statement")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    url = hb.normalise_url(args.database_url)
    postgres = url.startswith("postgres")
    os.environ.pop("DATABASE_URL", None)

    from admin import create_app
    from housing import accounts
    import models as m

    app = create_app({"SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url, "SESSION_COOKIE_SECURE": False})
    database = app.extensions["database"]
    from housing import schema

    with database.connection_context():
        schema.upgrade(database)   # the models may be newer than the benchmark database
    username, password = f"trace-{secrets.token_hex(4)}", accounts.random_password()
    with database.connection_context():
        accounts.create_user(username, "admin", password)
    try:
        plan = [("-", "-", path) for path in args.paths]
        report = hb.sql_audit(app, plan, username, password, postgres, keep_all=True, analyze_all=args.analyze)
    finally:
        with database.connection_context():
            m.User.delete().where(m.User.username == username).execute()
    for item in report[1:] if len(report) > len(args.paths) else report:
        print(f"\n== {item['path']}  status {item['status']}, {item['request_ms_in_process']} ms in process, "
              f"{item['statements']} statements, {item['sql_ms_total']} ms SQL")
        for st in item["all"]:
            print(f"  {st['ms']:>8.2f} ms  {' '.join(st['sql'].split())[:400]}")
            print(f"              params {st['params'][:6]}")
            for line in st["plan"] if isinstance(st["plan"], list) else [st["plan"]]:
                print(f"              plan: {line}")


if __name__ == "__main__":
    main()
