"""The commands: create-user, migrate and the demo set-up."""
import re

import models as m
from conftest import log_in


def test_create_user_prints_a_random_password_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "giulia", "--role", "operator", "--full-name", "Giulia"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Password \(mostrata solo ora\): (\S+)", result.output).group(1)
    assert len(password) >= 16
    assert log_in(app.test_client(), "giulia", password).status_code == 302


def test_create_user_refuses_bad_input(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-user", "x y", "--role", "operator"]).exit_code != 0
    assert runner.invoke(args=["create-user", "ok", "--role", "boss"]).exit_code != 0
    short = runner.invoke(args=["create-user", "ok", "--role", "viewer", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "12" in short.output
    assert "Traceback" not in short.output
    runner.invoke(args=["create-user", "dup", "--role", "viewer"])
    again = runner.invoke(args=["create-user", "dup", "--role", "viewer"])
    assert again.exit_code != 0 and "già" in again.output


def test_demo_setup_creates_an_admin_once_and_seeds_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-setup", "--url", "http://127.0.0.1:5000/"])
    assert first.exit_code == 0, first.output
    assert "Utente: admin" in first.output and "http://127.0.0.1:5000/" in first.output
    password = re.search(r"annotala\): (\S+)", first.output).group(1)
    with app.extensions["database"].connection_context():
        dwellings = m.Dwelling.select().count()
        assert dwellings > 400 and m.User.select().count() == 1
    second = runner.invoke(args=["demo-setup"])
    assert second.exit_code == 0 and "Password" not in second.output
    with app.extensions["database"].connection_context():
        assert m.Dwelling.select().count() == dwellings and m.User.select().count() == 1
    assert log_in(app.test_client(), "admin", password).status_code == 302


def test_create_user_applies_the_password_policy(app):
    runner = app.test_cli_runner()
    common = runner.invoke(args=["create-user", "ok", "--role", "viewer", "--password-stdin"], input="password1234\n")
    assert common.exit_code != 0 and "comuni" in common.output and "Traceback" not in common.output
    personal = runner.invoke(args=["create-user", "giulia", "--role", "viewer", "--full-name", "Giulia Rossi",
                                   "--password-stdin"], input="GiuliaRossi1987\n")
    assert personal.exit_code != 0 and "somiglia" in personal.output
    good = runner.invoke(args=["create-user", "giulia", "--role", "viewer", "--full-name", "Giulia Rossi",
                               "--password-stdin"], input="a quiet harbour at dawn\n")
    assert good.exit_code == 0, good.output
    assert log_in(app.test_client(), "giulia", "a quiet harbour at dawn").status_code == 302
    with app.extensions["database"].connection_context():
        assert not m.User.get(m.User.username == "giulia").must_change_password


def _flask(args, instance, extra_env=None):
    """``flask --app admin ARGS`` as the README gives it, in a clean environment (no HOUSING_SECRET_KEY)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUSING_") and k != "DATABASE_URL"}
    env.update({"HOUSING_INSTANCE_PATH": str(instance), **(extra_env or {})})
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.run([flask, "--app", "admin", *args], env=env, capture_output=True, text=True, timeout=120,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_command_line_reads_the_secret_key_make_start_wrote(tmp_path):
    """`make start` keeps the key in instance/secret_key: the README's commands run beside it, no traceback."""
    (tmp_path / "secret_key").write_text("k" * 64 + "\n")
    result = _flask(["--help"], tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr and "create-user" in result.stdout, result.stderr
    result = _flask(["migrate"], tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    result = _flask(["create-user", "anna", "--role", "clerk", "--full-name", "Anna Bianchi"], tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert (tmp_path / "housing.db").exists()


def test_commands_need_no_secret_key_at_all(tmp_path):
    """A command signs no session: on a fresh machine it runs without a key, with no traceback."""
    result = _flask(["--help"], tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr and "create-user" in result.stdout, result.stderr
    result = _flask(["migrate"], tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def test_the_web_app_still_refuses_to_start_without_a_key(tmp_path, monkeypatch):
    import pytest

    from admin import create_app

    monkeypatch.delenv("HOUSING_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="HOUSING_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
