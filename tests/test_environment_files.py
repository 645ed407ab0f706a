"""One list of dependencies: pyproject.toml says which versions the library supports,
constraints.txt pins the exact ones the course machines install, and environment.yml (conda)
installs the project from pyproject.toml with pip under those pins, repeating no package."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# The oldest torch with torch.func (functional_call, grad, vmap), which course_lib needs.
OLDEST_TORCH = "2.0"


def _requirements(*extras: str) -> list[Requirement]:
    """The core dependencies and those of ``extras`` (the set-up installs "dev")."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [
        r for e in extras for r in project["optional-dependencies"][e]
    ]
    return [Requirement(r) for r in reqs]


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
            assert match, f"constraints.txt: {line!r} is not an exact pin NAME==VERSION"
            pins[canonicalize_name(match[1])] = Version(match[2])
    return pins


def test_torch_is_a_range_from_the_first_release_with_torch_func():
    torch = next(r for r in _requirements() if r.name == "torch")
    assert str(torch.specifier) == f">={OLDEST_TORCH}"
    for installed in ["2.0.0", "2.4.0", "2.13.0", "3.0"]:
        assert torch.specifier.contains(installed), installed  # kept, not replaced
    assert not torch.specifier.contains("1.13.1")  # no torch.func


def test_no_exact_pins_in_pyproject():
    # An exact pin there would replace whatever the user's environment already has.
    declared = _requirements("dev", "bench")
    assert not [str(r) for r in declared if any(s.operator == "==" for s in r.specifier)]


def test_constraints_pin_torch_to_the_cpu_wheel_on_disk():
    assert _pins()["torch"] == Version("2.13.0")


def test_every_package_the_setup_installs_is_pinned_within_its_range():
    pins = _pins()
    for req in _requirements("dev"):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is declared but not pinned in constraints.txt"
        assert req.specifier.contains(pins[name]), f"constraints.txt pins {name} outside {req}"


def test_environment_yml_installs_the_project_with_the_constraints_and_lists_nothing_else():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] == "metarl-course"
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert [c.replace(" ", "") for c in conda] == ["python=3.11", "pip"]
    assert pip == [{"pip": ["-c constraints.txt", "-e .[dev]"]}]


def test_setup_applies_the_constraints_and_keys_its_stamp_on_both_files():
    setup = (ROOT / "scripts" / "setup_env.sh").read_text()
    assert 'cat pyproject.toml "$CONSTRAINTS" | sha256sum' in setup
    assert 'pip_install -c "$CONSTRAINTS" -e ".[dev]"' in setup
    assert "CONSTRAINTS=constraints.txt" in setup
