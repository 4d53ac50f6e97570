"""A record's links to a registry (a household's languages, its preferred
districts), edited as one multiple choice over the registry's entries."""
from flask_admin.form.widgets import Select2Widget
from wtforms import SelectMultipleField


class RegistryLinksField(SelectMultipleField):
    """A multiple choice over a registry, saved as rows of a link model.

    ``model`` is the link model, ``prop`` its foreign key to the record being
    edited, ``target`` its foreign key to the registry. The field presents
    itself to the secure base view as an inline list without rows (``type``,
    ``model``, ``prop``, ``entries``): ``save_inline`` then calls
    ``save_related`` inside the save's transaction, after the record has its
    id, and ``SecureModelView._children``/``_audit_children`` audit every link
    added or removed like any inline row. The choices are set per form by
    ``offer`` (the registry's entries open to new links, plus those the record
    already has), so an id outside them is a field error.
    """

    widget = Select2Widget(multiple=True)

    def __init__(self, label=None, validators=None, model=None, prop=None, target=None, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(label, validators, **kwargs)
        self.type = "InlineModelFormList"
        self.entries = []
        self.model, self.prop, self.target = model, prop, target
        self.resolved = []  # entries named elsewhere in the form (free text), linked too

    @property
    def target_field(self):
        return getattr(self.model, self.target)

    def should_delete(self, entry):
        return False

    def linked_ids(self, record_id):
        """Ids of the registry entries the record ``record_id`` is linked to."""
        if record_id is None:
            return []
        return [target for (target,) in self.model.select(self.target_field)
                .where(getattr(self.model, self.prop) == record_id).tuples()]

    def offer(self, open_to_links, order_by, record=None, label=str):
        """Choices: the registry's entries matching ``open_to_links`` (an
        expression: active ones) and those ``record`` is already linked to."""
        registry = self.target_field.rel_model
        linked = self.linked_ids(record.get_id() if record is not None else None)
        condition = (open_to_links | registry._meta.primary_key.in_(linked)) if linked else open_to_links
        self.choices = [(entry.get_id(), label(entry)) for entry in registry.select().where(condition).order_by(order_by)]

    def process_data(self, value):
        if value is not None and not isinstance(value, (list, tuple)):  # a stored record's backref
            value = [link.__data__[self.target] for link in value]
        super().process_data(value)

    def process_formdata(self, valuelist):
        super().process_formdata([value for value in valuelist if value not in ("", None)])

    def populate_obj(self, obj, name):
        pass  # saved by save_related, once the record has an id

    def save_related(self, record):
        wanted = list(dict.fromkeys(list(self.data or []) + list(self.resolved)))
        parent = getattr(self.model, self.prop)
        current = {link.__data__[self.target]: link for link in self.model.select().where(parent == record.get_id())}
        for target_id, link in current.items():
            if target_id not in wanted:
                link.delete_instance()
        for target_id in wanted:
            if target_id not in current:
                self.model.create(**{self.prop: record.get_id(), self.target: target_id})
