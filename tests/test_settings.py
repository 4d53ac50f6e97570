"""One settings registry that the code actually reads (issue 14).

``housing/settings.py`` is the only module that reads the environment: these
tests fail on a ``HOUSING_...`` (or ``DATABASE_URL``) read anywhere else, on a
read of an unregistered setting, and on a setting missing from the README.
"""
import ast
import pathlib

import pytest

from housing import settings

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES = [*ROOT.glob("admin/**/*.py"), *ROOT.glob("housing/**/*.py"), *ROOT.glob("site/hooks/*.py"),
           ROOT / "jobs.py", ROOT / "models.py"]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def environment_reads(path):
    """(line, name) of every environment read naming a setting in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func.endswith(("environ.get", "getenv", "from_prefixed_env")):
                target = node.args[0].value
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ") \
                and isinstance(node.slice, ast.Constant):
            target = node.slice.value
        if isinstance(target, str) and (target.startswith("HOUSING") or target == "DATABASE_URL"):
            found.append((node.lineno, target))
    return found


def test_no_setting_is_read_outside_the_registry():
    outside = [f"{path.relative_to(ROOT)}:{line} reads {name}" for path in SOURCES
               if path.name != "settings.py" or path.parent.name != "housing"
               for line, name in environment_reads(path)]
    assert not outside, "read these through housing.settings.get:\n" + "\n".join(outside)


def test_every_name_the_code_asks_for_is_registered():
    asked = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(("settings.get", "registry.get",
                                                                             "settings.raw", "registry.raw")) \
                    and node.args and isinstance(node.args[0], ast.Constant):
                asked.add(node.args[0].value)
    assert asked and not asked - set(settings.BY_NAME)
    with pytest.raises(KeyError):
        settings.get("HOUSING_NOT_A_SETTING")


def test_every_setting_is_documented_in_the_readme_and_has_one_default():
    assert len(settings.BY_NAME) == len(settings.SETTINGS)
    missing = [setting.name for setting in settings.SETTINGS if setting.name not in README]
    assert not missing, f"not documented in README.md: {missing}"


def test_values_come_from_the_environment_or_the_default():
    assert settings.get("HOUSING_BUILD_TIMEOUT", {}) == "600"
    assert settings.get("HOUSING_BUILD_TIMEOUT", {"HOUSING_BUILD_TIMEOUT": " 30 "}) == "30"
    assert settings.get("HOUSING_BUILD_TIMEOUT", {"HOUSING_BUILD_TIMEOUT": ""}) == "600"
    assert settings.raw("HOUSING_SMTP_PASSWORD", {"HOUSING_SMTP_PASSWORD": " a b "}) == " a b "


def test_the_build_timeout_is_read_at_each_build(monkeypatch):
    from housing.publishing import build

    monkeypatch.setenv("HOUSING_BUILD_TIMEOUT", "7")
    assert build.build_timeout() == 7


def test_folders_left_unset_are_the_projects_whatever_the_working_directory(monkeypatch, tmp_path):
    """An unset HOUSING_SITE_ROOT once became "var/site" relative to the runner's working directory:
    MkDocs, started elsewhere, found no configuration and every publication of `make start` failed."""
    from housing import backups, runner_lock
    from housing.publishing import pipeline

    for name in ("HOUSING_SITE_ROOT", "HOUSING_JOBS_LOCK", "HOUSING_RUNNER_HEARTBEAT", "HOUSING_BACKUP_DIR",
                 "HOUSING_INSTANCE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    for path in (pipeline.site_root(), runner_lock.lock_file(), runner_lock.heartbeat_file(),
                 backups.settings().folder):
        assert path.is_absolute() and str(path).startswith(str(ROOT)), path


def test_the_back_office_gets_numbers_and_booleans_where_the_default_is_one():
    """HOUSING_TRUSTED_PROXIES came through as the text "0" and ``== 0`` was false (the login throttle's test)."""
    from admin.config import config_values

    assert config_values({})["TRUSTED_PROXIES"] == 0 and config_values({})["SESSION_COOKIE_SECURE"] is True
    values = config_values({"HOUSING_TRUSTED_PROXIES": "1", "HOUSING_SESSION_COOKIE_SECURE": "false",
                            "HOUSING_SECRET_KEY": "123e4"})
    assert values["TRUSTED_PROXIES"] == 1 and values["SESSION_COOKIE_SECURE"] is False
    assert values["SECRET_KEY"] == "123e4"  # text settings stay text
