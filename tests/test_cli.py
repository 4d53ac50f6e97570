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
