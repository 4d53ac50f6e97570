"""``flask --app admin backup`` and ``flask --app admin restore FILE`` (``housing.backups``).

A mistake of the person at the keyboard (a missing file, a wrong key, a target
that is not empty) ends with a one-line message and exit code 1, never a trace.
"""
import pathlib
import secrets

import click
import peewee
from flask import current_app
from flask.cli import with_appcontext

from housing import backups

def _url():
    return current_app.config["DATABASE_URL"]


def _config(folder):
    try:
        config = backups.settings()
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    return config._replace(folder=pathlib.Path(folder)) if folder else config


def _recorded(run):
    """Run ``run`` as the runner's ``backup`` job would, recorded as a JobRun when the database has the table."""
    import jobs

    database = current_app.extensions["database"]
    try:
        with database.connection_context():
            recordable = database.table_exists("job_run")
    except peewee.DatabaseError:
        recordable = False  # unreachable: the backup says why
    if not recordable:  # or never migrated: a backup all the same, without its record
        return run()
    record = jobs.recorded(database, jobs.Job("backup", 0, run, "manual backup"))
    return record.outcome, record.message


@click.command("backup")
@with_appcontext
@click.option("--dir", "folder", type=click.Path(file_okay=False),
              help="Folder of the backups (default HOUSING_BACKUP_DIR, else instance/backups).")
@click.option("--no-rotate", is_flag=True, help="Keep every backup: skip the rotation after this one.")
@click.option("--verify", "verify_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Only verify the backup FILE (decrypt, decompress, check the database) and exit.")
@click.option("--generate-key", is_flag=True, help="Print a new random key for HOUSING_BACKUP_KEY and exit.")
def backup_command(folder, no_rotate, verify_file, generate_key):
    """Back up the database now, verify the copy, then rotate the old backups.

    SQLite is copied through its online backup API and PostgreSQL through
    pg_dump, both consistent while the back office keeps writing. The copy is
    compressed, encrypted when HOUSING_BACKUP_KEY is set, read back and
    verified; only a verified copy gets its final name. The run is recorded
    among the job runs, like the runner's nightly backup.
    """
    if generate_key:
        click.echo(secrets.token_urlsafe(32))
        return
    config = _config(folder)
    if verify_file:
        try:
            engine = backups.verify(verify_file, config.key, work=_work(config))
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backup integro ({engine}): {verify_file} / The backup is sound.")
        return
    if no_rotate:
        config = config._replace(policy=None)
    outcome, message = _recorded(lambda: backups.job(_url(), config))
    if outcome != "success":
        raise click.ClickException(message)
    click.echo(message)


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace everything in a database that is not empty (a backup of it is taken first).")
@click.option("--no-safety-backup", is_flag=True, help="With --force: do not back up the database being replaced.")
@click.pass_context
def restore_command(ctx, file, force, no_safety_backup):
    """Restore the backup FILE into the database (DATABASE_URL), then migrate it.

    The file is verified first; the database must be empty (a new SQLite path,
    or a PostgreSQL database just created) unless --force. Encrypted backups
    need the key they were taken with in HOUSING_BACKUP_KEY.
    """
    from admin.cli import migrate_command

    config, url = _config(None), _url()

    def safety_backup():
        try:
            taken = backups.take(url, config.folder, config.key)
        except backups.BackupError as error:
            raise backups.BackupError(
                f"Copia di sicurezza del database da sostituire non riuscita, nulla è stato modificato: {error.it} "
                "(--no-safety-backup sostituisce senza copia).",
                f"Could not back up the database to replace, nothing changed: {error.en}") from None
        click.echo(f"Copia di sicurezza del contenuto sostituito: {taken.path} / Safety backup of the replaced content.")

    try:
        restored = backups.restore(file, url, config.key, force=force, work=_work(config),
                                   before_replace=None if no_safety_backup else safety_backup)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup ripristinato: {restored.tables} tabelle ({restored.engine}). / Backup restored.")
    ctx.invoke(migrate_command)


def _work(config):
    """Where a restore unpacks the file: the backup folder when it exists (room for a whole
    database, unlike a /tmp that may live in memory), else the system's temporary folder."""
    return config.folder if config.folder.is_dir() else None


def init_app(app):
    for command in (backup_command, restore_command):
        app.cli.add_command(command)
