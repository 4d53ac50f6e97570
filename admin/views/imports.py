"""Imports page: upload a spreadsheet, map other headers, see the dry run, confirm.

The work is ``housing.imports``; this view keeps the uploaded file in the
instance folder under a random name until the import is committed or
cancelled, runs the dry run and the commit in a background thread and shows
their status (the page refreshes itself; ``/status/<token>.json`` answers the
same for scripts). Which kinds a role may import follows the role matrix: the
edit right on every registry the kind writes.
"""
import os

from flask import Response, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext
from flask_login import current_user

from admin import roles
from admin.i18n import current_language
from admin.views.base import SecureBaseView
from housing.imports import KINDS, jobs, mappings, plan, reading, workbooks

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_LIMIT = reading.MAX_BYTES + 64 * 1024  # the file and the form around it


def folder():
    return current_app.config.get("IMPORTS_FOLDER") or os.path.join(current_app.instance_path, "imports")


def mappings_path():
    return os.path.join(folder(), "mappings.json")


def may_import(kind):
    return all(roles.can_edit(current_user, registry) for registry in kind.registries)


class ImportsView(SecureBaseView):
    registry = "imports"

    def _kind(self, key):
        kind = KINDS.get(key)
        if kind is None:
            abort(404)
        if not may_import(kind):
            abort(403)
        return kind

    def _job(self, token):
        """The status of an upload of the current user (404 for anyone else's or an unknown one)."""
        if not jobs.token_ok(token):
            abort(404)
        status = jobs.status(folder(), token)
        if status is None or (status.get("user") != current_user.id and current_user.role != "admin"):
            abort(404)
        self._kind(status.get("kind"))
        return status

    @expose("/")
    def index(self):
        kinds = [kind for kind in KINDS.values() if may_import(kind)]
        return self.render("admin/imports/index.html", kinds=kinds, form=SecureForm(), lang=current_language(),
                           sources=mappings.sources(mappings_path()), limit_mb=reading.MAX_BYTES // (1024 * 1024),
                           max_rows=reading.MAX_ROWS)

    @expose("/template/<kind>")
    def template(self, kind):
        kind = self._kind(kind)
        return Response(workbooks.template(kind), mimetype=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="modello-{kind.key}.xlsx"'})

    @expose("/upload", methods=["POST"])
    def upload(self):
        request.max_content_length = UPLOAD_LIMIT
        if not self._guard():
            return redirect(url_for(".index"))
        kind = self._kind(request.form.get("kind", ""))
        upload = request.files.get("file")
        content = upload.read() if upload else b""
        if upload:
            upload.close()  # a big upload is spooled to a temporary file: closed now, not at garbage collection
        source = (request.form.get("source") or "").strip()[:mappings.MAX_SOURCE]
        try:
            headers = reading.headers(upload.filename if upload else "", content)
        except reading.FileError as error:
            flash(str(error), "error")
            return redirect(url_for(".index"))
        token = jobs.store(folder(), content)
        mapping = mappings.load(mappings_path(), source, kind.key) if source else {}
        jobs.write_status(folder(), token, {"kind": kind.key, "user": current_user.id, "source": source,
                                      "mapping": mapping, "state": "uploaded", "headers": headers})
        _, issues = plan.match_headers(kind, headers, mapping)
        if issues:
            return redirect(url_for(".mapping", token=token))
        return self._start(token, kind, "dry_run", mapping)

    def _start(self, token, kind, stage, mapping):
        status = jobs.status(folder(), token) or {}
        user = current_user._get_current_object()
        thread = jobs.start(folder(), token, kind, stage, user, mapping, current_app.extensions["database"],
                            extra={"user": user.id, "source": status.get("source", ""), "headers": status.get("headers", [])})
        current_app.extensions.setdefault("import_threads", {})[token] = thread
        return redirect(url_for(".status", token=token))

    @expose("/mapping/<token>", methods=["GET", "POST"])
    def mapping(self, token):
        status = self._job(token)
        kind = KINDS[status["kind"]]
        headers = [h for h in status.get("headers", []) if h]
        if request.method == "POST":
            if not self._guard():
                return redirect(url_for(".mapping", token=token))
            allowed = {c.header for c in kind.columns}
            mapping = {}
            for index, header in enumerate(headers):
                chosen = request.form.get(f"column-{index}", "")
                mapping[header] = chosen if chosen in allowed else ""
            source = (request.form.get("source") or status.get("source") or "").strip()
            if source:
                mappings.save(mappings_path(), source, kind.key, mapping)
            status.update(mapping=mapping, source=source)
            jobs.write_status(folder(), token, status)
            return self._start(token, kind, "dry_run", mapping)
        mapping = status.get("mapping") or {}
        known = {c.header for c in kind.columns}
        guesses = [mapping.get(h, h if h in known else "") for h in headers]
        return self.render("admin/imports/mapping.html", kind=kind, token=token, headers=list(zip(headers, guesses)),
                           form=SecureForm(), lang=current_language(), source=status.get("source", ""))

    @expose("/status/<token>")
    def status(self, token):
        status = self._job(token)
        return self.render("admin/imports/status.html", status=status, kind=KINDS[status["kind"]], token=token,
                           form=SecureForm(), lang=current_language())

    @expose("/status/<token>.json")
    def status_json(self, token):
        status = self._job(token)
        return jsonify({k: status.get(k) for k in ("kind", "stage", "state", "done", "total", "ok", "rows",
                                                   "totals", "counts", "issue_count", "issues")})

    @expose("/commit/<token>", methods=["POST"])
    def commit(self, token):
        status = self._job(token)
        if not self._guard():
            return redirect(url_for(".status", token=token))
        if status.get("stage") != "dry_run" or status.get("state") != "done" or not status.get("ok"):
            flash(gettext('Confirm only after a dry run without errors.'), "error")
            return redirect(url_for(".status", token=token))
        return self._start(token, KINDS[status["kind"]], "commit", status.get("mapping") or {})

    @expose("/cancel/<token>", methods=["POST"])
    def cancel(self, token):
        status = self._job(token)
        if not self._guard():
            return redirect(url_for(".status", token=token))
        if status.get("state") != "running":
            jobs.discard(folder(), token)
            flash(gettext('Import cancelled: the file was deleted.'))
        return redirect(url_for(".index"))
