"""The package builds quietly and holds everything the back office needs to run."""
import subprocess
import sys
import zipfile


def test_the_wheel_builds_without_warnings_and_holds_templates_and_data(tmp_path):
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path), str(root)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "Warning" not in output and "would be ignored" not in output and "deprecated" not in output, output[-3000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("admin/templates/admin/housing_base.html", "admin/static/css/housing.css",
                   "housing/accompaniment/instruments/assessment.yaml", "housing/imports/__init__.py",
                   "housing/accompaniment/__init__.py", "models.py", "jobs.py"):
        assert needed in names, needed
