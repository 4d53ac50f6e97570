"""`pip install .` (not editable) gives a working product (issue 14).

The wheel is built from this checkout and installed, without its
dependencies, into a new virtual environment that borrows the dependencies of
the test environment through a path file (its editable install of this project
is not processed there: ``site`` reads path files only in site directories).
The product then runs from a folder outside the checkout: it migrates a new
SQLite database, loads the demo, answers the health endpoint and publishes the
site once, every folder coming from the wheel or from the instance folder.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    if built.returncode != 0 and "Could not find a version" in built.stderr:
        pytest.skip("no package index to fetch setuptools for the isolated build: " + built.stderr[-300:])
    assert built.returncode == 0, built.stderr
    wheel = next((work / "dist").glob("*.whl"))
    env = work / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    site_packages = pathlib.Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    (site_packages / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                                "--target", str(site_packages), str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    outside = work / "elsewhere"
    outside.mkdir()
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith("HOUSING_") and key not in ("DATABASE_URL", "PYTHONPATH")}
    environ.update(HOUSING_INSTANCE_PATH=str(work / "instance"), HOUSING_SECRET_KEY="wheel-test-" + "x" * 40,
                   HOUSING_SITE_ROOT=str(work / "site"))
    return {"wheel": wheel, "python": python, "site_packages": site_packages, "cwd": outside, "env": environ,
            "work": work}


def run(installed, *args, timeout=600):
    return subprocess.run([str(installed["python"]), *args], cwd=installed["cwd"], env=installed["env"],
                          capture_output=True, text=True, timeout=timeout)


def test_the_wheel_carries_every_package_and_folder(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for module in ROOT.glob("housing/**/*.py"):
        assert module.relative_to(ROOT).as_posix() in names
    for required in ("housing/accompaniment/instruments/assessment.yaml", "housing/bundled/site/mkdocs.yml",
                     "housing/bundled/content/figures.yaml", "housing/bundled/migrations/0001_initial.py",
                     "housing/bundled/axe/axe.min.js", "admin/translations/it/LC_MESSAGES/messages.mo",
                     "housing/translations/en/LC_MESSAGES/housing.mo", "models.py", "jobs.py"):
        assert required in names
    assert not any(name.startswith("housing/bundled/content/generated") for name in names)


def test_the_installed_product_runs_outside_the_checkout(installed):
    where = run(installed, "-c", "import housing, admin, jobs; from housing import paths; "
                "print(housing.__file__); print(paths.site_project()); print(paths.is_checkout())")
    assert where.returncode == 0, where.stderr
    module, site_project, checkout = where.stdout.split("\n")[:3]
    assert module.startswith(str(installed["site_packages"])) and checkout == "False"
    assert site_project.startswith(str(installed["site_packages"]))

    migrated = run(installed, "-m", "flask", "--app", "admin", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    seeded = run(installed, "-m", "flask", "--app", "admin", "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    assert (installed["work"] / "instance" / "housing.db").is_file()

    health = run(installed, "-c", "import json, admin; app = admin.create_app(); "
                 "r = app.test_client().get('/health'); print(r.status_code); print(r.get_data(as_text=True))")
    assert health.returncode == 0, health.stderr
    status, body = health.stdout.split("\n", 1)
    assert json.loads(body)["checks"]["migrations"] == {"pending": 0, "status": "ok"}, body

    published = run(installed, "-m", "jobs", "--once", "publish")
    assert published.returncode == 0, published.stdout + published.stderr
    current = installed["work"] / "site" / "current"
    assert (current / "index.html").is_file() and (current / "en" / "index.html").is_file()
    # the runner's files and the generated YAML went to the instance folder, not into the package
    assert (installed["work"] / "instance" / "generated").is_dir()
    assert not (installed["site_packages"] / "housing" / "bundled" / "content" / "generated").exists()
    assert not (installed["site_packages"] / "var").exists()


def test_only_housing_paths_finds_the_project_folders():
    """A module that climbs from its own file to the project breaks once installed (it finds site-packages)."""
    import re
    climbing = re.compile(r"parents\[\d\]|\.parent\.parent|dirname\(os\.path\.dirname")
    offenders = [str(path.relative_to(ROOT)) for folder in ("admin", "housing") for path in (ROOT / folder).rglob("*.py")
                 if path.name != "paths.py" and "bundled" not in path.parts and climbing.search(path.read_text("utf-8"))]
    offenders += [name for name in ("models.py", "jobs.py") if climbing.search((ROOT / name).read_text("utf-8"))]
    assert not offenders, offenders
