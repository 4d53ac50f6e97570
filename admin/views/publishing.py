"""The public site seen from the back office: runs, outcome, "Pubblica ora"."""
from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext
from flask_login import current_user

from admin import roles
from admin.views.base import SecureModelView
from housing import vocabulary as v
from jobs import runner_gone
from models import JobRun, now

# The runner's jobs (jobs.py) by what they do, for the list's name column and filter.
JOB_NAMES = (
    v.Term("publish", "Pubblicazione del sito", "Site publication"),
    v.Term("backup", "Copia di sicurezza", "Backup"),
    v.Term("retention", "Cancellazione dei dati scaduti", "Deletion of expired data"),
)


class JobRunView(SecureModelView):
    """Job runs, newest first; publishing is asked for here and done by the runner."""

    category_key = "system"
    choices = {"outcome": v.JOB_OUTCOMES, "name": JOB_NAMES}
    list_template = "admin/job_run_list.html"
    column_list = ["name", "outcome", "requested_by", "requested_at", "started_at", "finished_at", "message", "runner",
                   "heartbeat_at"]
    column_filters = ["name", "outcome", "started_at"]
    column_sortable_list = ["name", "outcome", "requested_at", "started_at", "finished_at"]
    column_default_sort = ("id", True)
    allow_create = allow_edit = allow_delete = False


    def render(self, template, **kwargs):
        kwargs.setdefault("site_url", current_app.config.get("SITE_URL") or "http://127.0.0.1:8001/")
        kwargs.setdefault("can_publish", roles.can_edit(current_user, self.registry))
        kwargs.setdefault("publish_form", SecureForm())
        kwargs.setdefault("last_publish", JobRun.last_publication())
        # A run is in progress only while its runner beats: a killed runner's run ("silent") must not
        # keep "Pubblica ora" disabled until a runner starts again and marks it failed.
        running = list(JobRun.running())
        silent = [run for run in running if runner_gone(run)]
        kwargs.setdefault("silent_runs", silent)
        kwargs.setdefault("pending", len(silent) < len(running) or JobRun.requested().exists())
        return super().render(template, **kwargs)

    @expose("/publish", methods=["POST"])
    def publish_now(self):
        if not roles.can_edit(current_user, self.registry):
            return self.inaccessible_callback("publish_now")
        if not SecureForm(request.form).validate():
            flash(gettext('Expired request: try again.'), "error")
        elif JobRun.requested("publish").exists():
            flash(gettext('A publication is already requested.'), "info")
        else:
            JobRun.create(name="publish", outcome="requested", requested_by=current_user.username, requested_at=now())
            flash(gettext('Publication requested: the site will be updated within seconds.'), "success")
        return redirect(url_for(".index_view"))
