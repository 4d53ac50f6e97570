"""Languages still written as free text, resolved by a person: each word once,
with how many households wrote it, mapped to a registry language or created as
a new one (``housing.language_words``). Reading the words is reading
households' data; mapping changes households (roles that edit them); creating
a language changes the registry (roles that edit it, administrators)."""
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext, lazy_pgettext
from flask_login import current_user

from admin import roles
from admin.i18n import current_language, pair
from admin.views.base import SecureBaseView, record_id
from housing import language_words
from models import Household, Language


FIELDS = {"word": lazy_gettext('word'), "language": lazy_gettext('language'), "code": lazy_gettext('code'),
          "name_it": lazy_pgettext('fields:name_it',
                                   'Italian name'), "name_en": lazy_pgettext('fields:name_en', 'English name')}


class LanguageWordsView(SecureBaseView):
    registry = "household"

    def is_accessible(self):
        # the words are households' personal data: only roles that read that field see them
        return super().is_accessible() and roles.role_reads(roles.current_role(current_user), Household, "languages")

    def can_create_languages(self):
        return roles.can_edit(current_user, "language")

    @expose("/")
    def index(self):
        languages = Language.select().where(Language.active == True).order_by(Language.name_it)  # noqa: E712
        return self.render("admin/language_words/index.html", words=language_words.words(), languages=list(languages),
                           form=SecureForm(), can_act=self.can_act(), can_create=self.can_create_languages(),
                           it=current_language() == "it")

    def _refused(self, error):
        flash(gettext("Not done (%(field)s): %(error)s.", field=FIELDS.get(error.field, ""), error=error), "error")

    @expose("/map", methods=["POST"])
    def map(self):
        if self._guard():
            word = (request.form.get("word") or "").strip()[:120]
            try:
                language_id = record_id(request.form.get("language"))
                if language_id is None:
                    raise language_words.WordError("scegliere una lingua del registro", "language")
                changed = language_words.map_word(word, language_id, current_user._get_current_object())
                flash(gettext('“%(word)s” mapped to the chosen language for %(changed)s households.',
                              word=word, changed=changed), "success")
            except language_words.WordError as error:
                self._refused(error)
        return redirect(url_for(".index"))

    @expose("/create", methods=["POST"])
    def create(self):
        if self._guard():
            if not self.can_create_languages():
                from flask import abort

                abort(403)
            word = (request.form.get("word") or "").strip()[:120]
            try:
                language, changed = language_words.create_and_map(
                    word, request.form.get("code"), request.form.get("name_it"), request.form.get("name_en"),
                    current_user._get_current_object())
                flash(gettext("Language “%(name)s” (%(code)s) added to the registry; %(count)s households linked.",
                              name=pair(language.name_it, language.name_en), code=language.code, count=changed),
                      "success")
            except language_words.WordError as error:
                self._refused(error)
        return redirect(url_for(".index"))
