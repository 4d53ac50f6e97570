"""Personal-data commands (GDPR): retention, access requests, erasure, the register of processing.

    flask --app admin retention [--apply] [--user NAME]
    flask --app admin access-request TAX_CODE [--json FILE] [--document FILE] [--user NAME]
    flask --app admin erase TAX_CODE [--apply] [--user NAME]
    flask --app admin processing-register [FILE]

Shell access is already admin-level; the audit trail names ``--user`` (an
active admin) or "system". A mistake at the keyboard ends with an Italian
one-line message and exit code 1, never a trace. No back-office screen yet:
these commands are the interface.
"""
import pathlib

import click
from flask import current_app
from flask.cli import with_appcontext

from admin import roles
from admin.labels import field_label, registry_name
from housing import access_request, processing_register, retention

USER_OPTION = click.option("--user", "username", default=None,
                           help="Admin account the audit trail names (default: system).")


def _field_label(name):  # the command line speaks Italian (admin.i18n.select_locale)
    return str(field_label(name))


def _registry_name(table):
    return str(registry_name(table))


def _connect():
    database = current_app.extensions["database"]
    database.connect(reuse_if_open=True)
    return database


def _user(username):
    from models import User

    if not username:
        return None
    user = User.get_or_none(User.username == username.strip().lower())
    if user is None or not user.active:
        raise click.ClickException(f"Utente «{username}» inesistente o disattivato.")
    if user.role != "admin":
        raise click.ClickException(f"Utente «{username}»: solo un amministratore può eseguire questo comando.")
    return user


def _write(path, text):
    try:
        pathlib.Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"File «{path}» non scritto: {error.strerror}.") from None


@click.command("retention")
@with_appcontext
@click.option("--apply", "apply_", is_flag=True, help="Apply the changes (without it: a dry run that writes nothing).")
@USER_OPTION
def retention_command(apply_, username):
    """Apply the personal-data retention rules: a dry run by default, printing what would change."""
    _connect()
    user = _user(username)
    try:
        changes = retention.run(apply=apply_, user=user)
    except retention.RetentionError as error:
        raise click.ClickException(str(error)) from None
    click.echo(retention.report(changes, applied=apply_))
    if changes and not apply_:
        click.echo("Nessuna modifica salvata: ripetere con --apply per applicarle.")


@click.command("access-request")
@with_appcontext
@click.argument("tax_code")
@click.option("--json", "json_file", type=click.Path(dir_okay=False), help="Write the machine-readable copy (JSON) here.")
@click.option("--document", "document_file", type=click.Path(dir_okay=False),
              help="Write the readable document (Markdown, Italian) here; without --json nor --document it is printed.")
@USER_OPTION
def access_request_command(tax_code, json_file, document_file, username):
    """Every record holding the data of the person with TAX_CODE, with who read or changed it (GDPR art. 15)."""
    from models import AuditLog, Landlord, Person

    _connect()
    user = _user(username)
    try:
        data = access_request.collect(tax_code)
    except access_request.AccessRequestError as error:
        raise click.ClickException(str(error)) from None
    document = access_request.as_markdown(data, _field_label, _registry_name)
    if json_file:
        _write(json_file, access_request.as_json(data))
    if document_file:
        _write(document_file, document)
    if not (json_file or document_file):
        click.echo(document)
    # The export is a read of everything about the person: it belongs in the trail too.
    for model in (Person, Landlord):
        record = model.get_or_none(model.tax_code == data["tax_code"])
        if record is not None:
            AuditLog.create(user=getattr(user, "id", None), actor=getattr(user, "username", None) or "system",
                            action="read", entity=model._meta.table_name, record_id=str(record.id),
                            changes='{"section": "access_request"}')
    records = sum(len(section["records"]) for section in data["sections"])
    click.echo(f"Richiesta di accesso per {data['tax_code']}: {records} registrazioni, "
               f"{len(data['audit'])} righe del registro delle modifiche.", err=True)


@click.command("erase")
@with_appcontext
@click.argument("tax_code")
@click.option("--apply", "apply_", is_flag=True, help="Erase (without it: a dry run that writes nothing).")
@USER_OPTION
def erase_command(tax_code, apply_, username):
    """Erase a household member's data on request (GDPR art. 17): only for a closed household, recorded."""
    _connect()
    user = _user(username)
    try:
        changes = access_request.erase(tax_code, user=user, apply=apply_)
    except access_request.AccessRequestError as error:
        raise click.ClickException(str(error)) from None
    click.echo(retention.report(changes, applied=apply_))


@click.command("processing-register")
@with_appcontext
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def processing_register_command(file):
    """The records of processing (GDPR art. 30): personal data by registry and field, with readers and retention."""
    _connect()
    document = processing_register.build(roles, _field_label, _registry_name)
    if file:
        _write(file, document)
        click.echo(f"Registro dei trattamenti scritto in {file}.")
    else:
        click.echo(document)


def init_app(app):
    for command in (retention_command, access_request_command, erase_command, processing_register_command):
        app.cli.add_command(command)
