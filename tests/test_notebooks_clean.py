"""Notebooks are committed with outputs stripped (`make strip`), so diffs stay readable."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert "00_start_here.ipynb" in names and "02_sampling.ipynb" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stripped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs or execution counts; run `make strip`"
    )
    assert "widgets" not in nb.get("metadata", {}), (
        f"{path.name} holds saved widget state; run `make strip`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_parameters_cell_and_checkpoint(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: expected exactly one cell tagged 'parameters'"
    assert "SCALE" in "".join(tagged[0]["source"])
    # a checkpoint prints ✓ itself, or through course_lib.claims.checkpoint(...)
    assert any(
        "✓" in "".join(c["source"]) or "checkpoint(" in "".join(c["source"]) for c in code
    ), f"{path.name}: no checkpoint cell printing ✓"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
