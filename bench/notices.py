"""Time the notices: render them in the Jinja2 sandbox, against an unsandboxed baseline.

    python bench/notices.py [--count 10000]

A fresh SQLite file in bench/var/ (migrated: the default templates are seeded by
migration 0017). Phases, each with the load average before and after:

1. **baseline**: the ``household_viewing`` template compiled once and rendered
   ``--count`` times by a plain ``jinja2.Environment`` (no sandbox, no whitelist);
2. **sandbox**: the same through ``notices.render`` (sandbox, whitelist, HTML body);
3. **validation**: ``notices.problems`` on every default template, ``--count / 10`` times
   (what a save in the back office costs).

Prints per-notice times and the ratio sandbox / baseline.
"""
import argparse
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jinja2  # noqa: E402

from housing import schema  # noqa: E402
from housing.database import bind, sqlite_url  # noqa: E402
from housing.mail import notices  # noqa: E402
from housing.mail.notice_texts import DEFAULTS, SAMPLE  # noqa: E402


def load():
    return [round(x, 2) for x in os.getloadavg()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10000)
    args = parser.parse_args()
    folder = ROOT / "bench" / "var"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "notices.db"
    path.unlink(missing_ok=True)
    database = bind(sqlite_url(path))
    with database.connection_context():
        schema.upgrade(database)
        subject, body = DEFAULTS[("household_viewing", "it")]
        print("load before:", load())
        plain = jinja2.Environment()
        started = time.perf_counter()
        for _ in range(10):
            plain.from_string(subject), plain.from_string(body)
        compile_time = (time.perf_counter() - started) / 10
        plain_subject, plain_body = plain.from_string(subject), plain.from_string(body)
        started = time.perf_counter()
        for _ in range(args.count):
            plain_subject.render(SAMPLE)
            plain_body.render(SAMPLE)
        baseline = (time.perf_counter() - started) / args.count
        started = time.perf_counter()
        for _ in range(args.count):
            notices.render("household_viewing", subject, body, SAMPLE)
        sandbox = (time.perf_counter() - started) / args.count
        rounds = max(args.count // 10, 1)
        started = time.perf_counter()
        for _ in range(rounds):
            for (kind, _lang), (s, b) in DEFAULTS.items():
                notices.problems(kind, s, b)
        validation = (time.perf_counter() - started) / (rounds * len(DEFAULTS))
        print(f"compiling the two texts once: {compile_time * 1000:.3f} ms (notices.compiled caches it)")
        print(f"baseline (plain Environment): {baseline * 1000:.3f} ms a notice")
        print(f"sandbox + whitelist + HTML:   {sandbox * 1000:.3f} ms a notice (ratio {sandbox / baseline:.2f})")
        print(f"validation of one template:   {validation * 1000:.3f} ms")
        print("load after:", load())
    path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
