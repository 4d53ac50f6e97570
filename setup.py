"""Build step that pyproject.toml cannot express: ship the project's folders in the wheel.

The design card keeps ``site/`` (the MkDocs project), ``content/`` (editorial
content) and ``migrations/`` at the top of the repository, outside any Python
package. An installed product needs them, so the wheel carries read-only copies
under ``housing/bundled/``, where ``housing.paths`` finds them. Generated data
(``content/generated``) is never shipped. Everything else is in pyproject.toml.
"""
import pathlib
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = pathlib.Path(__file__).resolve().parent
FOLDERS = ("site", "content", "migrations")
SKIP = shutil.ignore_patterns("generated", "__pycache__", "*.pyc", ".*")


class BuildWithProjectFolders(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout itself
        bundle = pathlib.Path(self.build_lib) / "housing" / "bundled"
        shutil.rmtree(bundle, ignore_errors=True)
        for name in FOLDERS:
            shutil.copytree(ROOT / name, bundle / name, ignore=SKIP)
        (bundle / "axe").mkdir(parents=True)
        shutil.copy2(ROOT / "tests" / "vendor" / "axe.min.js", bundle / "axe" / "axe.min.js")


setup(cmdclass={"build_py": BuildWithProjectFolders})
