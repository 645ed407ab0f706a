"""pyproject.toml (pip) and environment.yml (conda) must install the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """'gymnasium[classic-control]>=1.0' -> 'gymnasium'; normalised like pip does."""
    name = re.split(r"[\[<>=!~ ;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_name(r): r for r in reqs}


def _environment() -> tuple[dict, dict[str, str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    reqs = {}
    for dep in env["dependencies"]:
        for r in dep["pip"] if isinstance(dep, dict) else [dep]:
            reqs[_name(r)] = r
    return env, reqs


def test_same_package_set():
    env, conda = _environment()
    conda.pop("python"), conda.pop("pip")
    assert set(_pyproject()) == set(conda)


def test_conda_env_name_and_python():
    env, reqs = _environment()
    assert env["name"] == "metarl-course"
    assert reqs["python"].replace(" ", "") in {"python=3.11", "python==3.11"}


def test_torch_pinned_exactly_in_both():
    assert _pyproject()["torch"] == "torch==2.13.0"
    assert _environment()[1]["torch"] == "torch==2.13.0"
