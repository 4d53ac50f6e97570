"""The back office's settings: those of ``housing.settings`` it reads, as Flask
configuration keys without the ``HOUSING_`` prefix (``SECRET_KEY``...).

``housing/settings.py`` is the one registry (names, defaults, meanings);
``tests/test_settings.py`` fails when a setting is not in the README.
"""
from housing import settings


def config_values(environ=None):
    """{Flask key: value} of every back-office setting, from the environment or its default."""
    values = {}
    for setting in settings.read_by(settings.BACK_OFFICE):
        if setting.name == "DATABASE_URL":
            continue  # the customary alias: housing.database.configured_url reads both
        values[setting.name.removeprefix("HOUSING_")] = settings.get(setting.name, environ)
    return values
