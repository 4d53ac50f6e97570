"""``flask --app admin import KIND FILE [--dry-run] [--user NAME]``: an import from the command line.

The same dry run and commit as the back office page (``housing.imports``):
row-level errors are printed, and the exit code is 1 when the file is refused.
"""
import click
from flask.cli import with_appcontext

from admin import roles
from housing.imports import KINDS, commit, plan, reading

SHOWN_ISSUES = 200


@click.command("import")
@with_appcontext
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and print the counts; write nothing.")
@click.option("--user", "username", default=None, help="Account the audit trail names (its role must allow the import).")
def import_command(kind, file, dry_run, username):
    """Import a CSV or XLSX file of landlords, dwellings, offers, households, ERP assignees, partners or places."""
    from flask import current_app

    from models import User

    database = current_app.extensions["database"]
    database.connect(reuse_if_open=True)
    kind = KINDS[kind]
    user = None
    if username:
        user = User.get_or_none(User.username == username.strip().lower())
        if user is None or not user.active:
            raise click.ClickException(f"Utente «{username}» inesistente o disattivato.")
        refused = [r for r in kind.registries if roles.access(user.role, r) < roles.EDIT]
        if refused:
            raise click.ClickException(f"Il ruolo «{user.role}» non può importare {kind.it.lower()}.")
    with open(file, "rb") as handle:
        content = handle.read()
    try:
        table = reading.read(file, content)
    except reading.FileError as error:
        raise click.ClickException(str(error)) from None
    result = plan.dry_run(kind, table) if dry_run else commit.commit(kind, table, user)
    for issue in result.issues[:SHOWN_ISSUES]:
        click.echo(f"riga {issue.row}\t{issue.column}\t{issue.value}\t{issue.message}", err=True)
    if len(result.issues) > SHOWN_ISSUES:
        click.echo(f"... e altri {len(result.issues) - SHOWN_ISSUES} errori", err=True)
    totals = result.totals()
    verb = "Da importare" if dry_run else "Importati"
    click.echo(f"Righe: {result.rows}. {verb}: {totals['create']} nuovi, {totals['update']} aggiornati, "
               f"{totals['skip']} invariati. Errori: {len(result.issues)}.")
    for table_name, counts in sorted(result.counts.items()):
        click.echo(f"  {table_name}: {counts['create']} nuovi, {counts['update']} aggiornati, {counts['skip']} invariati")
    if result.issues:
        click.echo("Nessuna modifica salvata." if not dry_run else "Il file contiene errori.", err=True)
        raise SystemExit(1)
