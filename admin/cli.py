"""Commands of the back office: ``flask --app admin <command> --help``."""
import sys

import click
from flask.cli import with_appcontext

from admin.import_cli import import_command
from housing import accounts, schema
from housing.vocabulary import ROLES, keys


def _database(app):
    database = app.extensions["database"]
    database.connect(reuse_if_open=True)
    return database


@click.command("migrate")
@with_appcontext
@click.pass_context
def migrate_command(ctx):
    """Apply pending schema migrations."""
    from flask import current_app

    applied = schema.upgrade(_database(current_app))
    from housing import districts, matches

    matches.ensure_settings()
    districts.seed_if_empty()  # a new installation starts with the city's districts
    click.echo("Migrazioni applicate: " + (", ".join(applied) if applied else "nessuna (schema aggiornato)"))


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(keys(ROLES)), required=True, help="Role of the account.")
@click.option("--full-name", default=None, help="Name shown in the back office.")
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
def create_user_command(username, role, full_name, email, password_stdin):
    """Create a staff account; without --password-stdin a random password is printed once."""
    from flask import current_app

    _database(current_app)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else accounts.random_password()
    try:
        user = accounts.create_user(username, role, password, full_name=full_name, email=email)
    except accounts.AccountError as error:
        raise click.BadParameter(str(error), param_hint=error.field)
    click.echo(f"Utente creato: {user.username} (ruolo {user.role})")
    if not password_stdin:
        click.echo(f"Password (mostrata solo ora): {password}")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the registries already hold data.")
@click.option("--scale", default=1.0, show_default=True, help="1.0 = about 500 dwellings and 300 households.")
def seed_demo_command(if_empty, scale):
    """Load the deterministic demo data set (a sample Catania)."""
    from flask import current_app

    from housing import demo

    _database(current_app)
    if if_empty and not demo.is_empty():
        click.echo("Dati già presenti: nessun dato dimostrativo aggiunto.")
        return
    if not demo.is_empty():
        raise click.ClickException("Il database contiene già dati: usa --if-empty o un database vuoto.")
    counts = demo.seed(scale=scale)
    click.echo("Dati dimostrativi caricati: " + ", ".join(f"{k} {n}" for k, n in counts.items()))


@click.command("demo-setup")
@with_appcontext
@click.option("--url", default="http://127.0.0.1:5000/", help="Address printed for the login.")
@click.pass_context
def demo_setup_command(ctx, url):
    """Migrate, seed the demo when empty, and create an admin with a one-time password."""
    from flask import current_app

    from models import User

    ctx.invoke(migrate_command)
    ctx.invoke(seed_demo_command, if_empty=True, scale=1.0)
    if User.select().where(User.role == "admin").exists():
        click.echo(f"Back office: {url}  (accedi con un amministratore esistente)")
        return
    password = accounts.random_password()
    accounts.create_user("admin", "admin", password, full_name="Amministratore")
    _database(current_app)
    click.echo("")
    click.echo(f"Back office: {url}")
    click.echo("Utente: admin")
    click.echo(f"Password (mostrata una sola volta, annotala): {password}")
    click.echo("")


def init_app(app):
    for command in (migrate_command, create_user_command, seed_demo_command, demo_setup_command, import_command):
        app.cli.add_command(command)
    from admin.backup_cli import init_app as add_backup_commands; add_backup_commands(app)  # backup, restore
    from admin.gdpr_cli import init_app as add_gdpr_commands; add_gdpr_commands(app)  # retention, access-request, erase, processing-register
