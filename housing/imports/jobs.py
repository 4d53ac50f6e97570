"""A dry run or a commit in a background thread, with a status to poll.

The uploaded file is kept in a folder under a random name until the import is
committed or cancelled, then deleted (or after a day, if left). The status lives in a JSON file beside
it (``<token>.json``), so any worker process of the web server can answer a poll.
"""
import contextvars
import json
import os
import secrets
import threading
import time
import traceback

from housing.messages import _
from housing.imports import commit as committing
from housing.imports import plan as planning
from housing.imports import reading

TOKEN_BYTES = 16
MAX_ISSUES_KEPT = 1000
MAX_AGE = 24 * 3600  # an upload left neither confirmed nor cancelled is deleted after a day


def token_ok(token):
    return isinstance(token, str) and len(token) == TOKEN_BYTES * 2 and all(c in "0123456789abcdef" for c in token)


def sweep(folder, max_age=MAX_AGE, now=None):
    """Delete uploads and statuses left behind (never confirmed nor cancelled) for longer than ``max_age`` seconds."""
    now = now or time.time()
    for name in os.listdir(folder):
        token = name.split(".", 1)[0]
        path = os.path.join(folder, name)
        if token_ok(token) and now - os.path.getmtime(path) > max_age:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


def store(folder, content):
    """Keep an uploaded file under a random name; return its token."""
    os.makedirs(folder, exist_ok=True)
    sweep(folder)
    token = secrets.token_hex(TOKEN_BYTES)
    with open(os.path.join(folder, token + ".upload"), "wb") as out:
        out.write(content)
    return token


def status(folder, token):
    try:
        with open(os.path.join(folder, token + ".json"), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def write_status(folder, token, data):
    path = os.path.join(folder, token + ".json")
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False)
    os.replace(temporary, path)


def discard(folder, token):
    """Delete the uploaded file and its status."""
    for suffix in (".upload", ".json", ".json.tmp"):
        try:
            os.remove(os.path.join(folder, token + suffix))
        except FileNotFoundError:
            pass


def summary(plan, stage):
    return {
        "state": "done", "stage": stage, "ok": plan.ok, "rows": plan.rows,
        "counts": plan.counts, "totals": plan.totals(), "issue_count": len(plan.issues),
        "issues": [[i.row, i.column, i.value, i.message] for i in plan.issues[:MAX_ISSUES_KEPT]],
    }


def run(folder, token, kind, stage, user=None, mapping=None, database=None, extra=None):
    """Run ``stage`` ("dry_run" or "commit") on the stored file; the status says how far it got."""
    base = {**(extra or {}), "kind": kind.key, "stage": stage, "mapping": mapping or {}}
    write_status(folder, token, {**base, "state": "running", "done": 0, "total": 0})

    def progress(done, total, step):
        write_status(folder, token, {**base, "state": "running", "done": done, "total": total, "step": step})

    try:
        with open(os.path.join(folder, token + ".upload"), "rb") as handle:
            table = reading.read(token, handle.read())
        if database is not None:
            database.connect(reuse_if_open=True)
        try:
            if stage == "commit":
                result = committing.commit(kind, table, user, mapping, progress)
            else:
                result = planning.dry_run(kind, table, mapping, progress)
        finally:
            if database is not None and not database.is_closed():
                database.close()
        write_status(folder, token, {**base, **summary(result, stage)})
        if stage == "commit" and result.ok:
            os.remove(os.path.join(folder, token + ".upload"))
    except reading.FileError as error:
        write_status(folder, token, {**base, "state": "done", "ok": False, "issue_count": 1, "rows": 0,
                               "counts": {}, "totals": {}, "issues": [[0, "", "", str(error)]]})
    except Exception:  # noqa: BLE001 - a thread has no one else to tell
        traceback.print_exc()
        write_status(folder, token, {**base, "state": "failed", "ok": False, "issues": [
            [0, "", "", _("Errore interno durante l'importazione: nessuna modifica è stata salvata.")]]})


def start(folder, token, kind, stage, user=None, mapping=None, database=None, extra=None):
    """Run in a background thread; return the thread (tests join it)."""
    # In a copy of the caller's context: the row errors speak the language of whoever started the import.
    thread = threading.Thread(target=contextvars.copy_context().run,
                              args=(run, folder, token, kind, stage, user, mapping, database, extra), daemon=True)
    thread.start()
    return thread
