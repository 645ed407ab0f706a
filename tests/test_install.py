"""Installing the course beside a torch the user already has keeps that torch.

On Colab or a CUDA laptop torch is installed before the course is. pyproject.toml therefore
asks for the torch versions the library supports (``torch>=2.0``), not the exact version of the
course machines (that pin lives in constraints.txt, which only ``make`` applies). The proof is
pip's own plan: a fresh virtual environment holding torch 2.4.0 (its metadata, planted by hand:
no real torch needed), then ``pip install --dry-run --report`` of the project into it, resolved
against PyPI exactly as a user's ``pip install`` would be, with none of this machine's pip
settings (local wheels, indexes, constraints). torch must not be among the packages pip would
install; the rest of the course must be.

It needs PyPI's metadata (about 10 s with pip's cache warm). Without network it is skipped,
except under CI (``CI`` set), where it fails: a skip there would hide a broken promise.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.request
import venv
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
USER_TORCH = "2.4.0"  # any release other than the course's 2.13.0 that the library supports
PYPI = "https://pypi.org/simple/pip/"

pytestmark = pytest.mark.network


def _pypi_reachable() -> bool:
    context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT"))
    try:
        with urllib.request.urlopen(PYPI, timeout=15, context=context):
            return True
    except OSError:
        return False


def _plant_torch(site_packages: Path, version: str) -> None:
    """What pip sees of an installed torch: a dist-info folder with its metadata."""
    info = site_packages / f"torch-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "RECORD").write_text("")
    (site_packages / "torch").mkdir()
    (site_packages / "torch" / "__init__.py").write_text(f'__version__ = "{version}"\n')


def _project_copy(dest: Path) -> Path:
    """The files pip builds the project's metadata from (the working tree stays untouched)."""
    dest.mkdir()
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "course_lib", dest / "course_lib", ignore=shutil.ignore_patterns("__pycache__")
    )
    return dest


def _user_pip_env() -> dict[str, str]:
    """Our environment without this machine's pip settings: no config file, no PIP_* variables
    but the certificate bundle (how to reach PyPI, not what to install)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    return Path(subprocess.check_output([python, "-c", code], text=True).strip())


def test_pip_install_keeps_the_users_torch(tmp_path):
    if not _pypi_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PyPI ({PYPI}) cannot be reached from CI")
        pytest.skip(f"PyPI ({PYPI}) cannot be reached: no network")
    user_env = tmp_path / "user-env"
    venv.create(user_env, with_pip=False)  # pip runs from our environment, with --python
    python = user_env / "bin" / "python"
    _plant_torch(_site_packages(python), USER_TORCH)
    report = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--dry-run",
         "--quiet", "--disable-pip-version-check", "--report", str(report),
         str(_project_copy(tmp_path / "project"))],
        env=_user_pip_env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    planned = {
        canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"]
        for i in json.loads(report.read_text())["install"]
    }
    assert "torch" not in planned, f"pip would replace torch {USER_TORCH} by {planned['torch']}"
    assert {"course-lib", "jupyterlab", "gymnasium"} <= planned.keys(), sorted(planned)
