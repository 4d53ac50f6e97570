"""Where the product finds its folders: in a checkout, and in an installed wheel.

A checkout (``pip install -e .`` or ``make install``) keeps everything beside
the code: ``site/``, ``content/``, ``migrations/``, the instance folder and the
runner's working files (``var/``), exactly as before.

An installed wheel (``pip install .``) carries read-only copies of ``site/``,
``content/`` (without generated data), ``migrations/`` and the vendored
axe-core under ``housing/bundled/`` (``setup.py`` copies them at build time).
What the product writes goes to the instance folder instead of the package:
Flask's own convention for installed applications, ``<sys.prefix>/var/housing-instance``,
unless ``HOUSING_INSTANCE_PATH`` says otherwise. ``HOUSING_SITE_PROJECT`` and
``HOUSING_CONTENT_DIR`` point at an edited copy of the site project or of the
editorial content (a city's own guides and figures).

Every path is absolute, whatever directory a process starts in. Modules read
them once at import: they are a process's configuration, set before it starts.
"""
import pathlib
import sys

from housing import settings

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]  # the checkout, or site-packages
BUNDLE = pathlib.Path(__file__).resolve().parent / "bundled"


def is_checkout():
    """True when the code runs from the project's own folder (not from an installed wheel)."""
    return (PACKAGE_ROOT / "pyproject.toml").is_file() and (PACKAGE_ROOT / "site" / "mkdocs.yml").is_file()


def _shipped(name):
    """The folder ``name`` of the checkout, else the copy installed with the package."""
    return PACKAGE_ROOT / name if is_checkout() else BUNDLE / name


def site_project():
    """The MkDocs project (mkdocs.yml, overrides, hooks, templates, static files)."""
    return pathlib.Path(settings.get("HOUSING_SITE_PROJECT") or _shipped("site")).resolve()


def content_folder():
    """The editorial content: guides, pages, figures, districts, schemas."""
    return pathlib.Path(settings.get("HOUSING_CONTENT_DIR") or _shipped("content")).resolve()


def migrations_folder():
    return _shipped("migrations")


def axe_script():
    """axe-core for the optional accessibility check (vendored with the tests in a checkout)."""
    return PACKAGE_ROOT / "tests" / "vendor" / "axe.min.js" if is_checkout() else BUNDLE / "axe" / "axe.min.js"


def instance_folder(environ=None):
    """Database file, secret key, backups: ``HOUSING_INSTANCE_PATH``, else a default outside the code."""
    configured = settings.get("HOUSING_INSTANCE_PATH", environ)
    if configured:
        return pathlib.Path(configured).resolve()
    if is_checkout():
        return PACKAGE_ROOT / "instance"
    return pathlib.Path(sys.prefix) / "var" / "housing-instance"


def state_folder():
    """Where the runner and the publisher write their working files (``var/``, generated YAML).

    The checkout itself in development; the instance folder once installed,
    because an installed package's folder is no place to write.
    """
    return PACKAGE_ROOT if is_checkout() else instance_folder()


def generated_content():
    """The YAML the export writes for the site build (generated, never committed)."""
    if is_checkout() or settings.get("HOUSING_CONTENT_DIR"):
        return content_folder() / "generated"
    return instance_folder() / "generated"
