"""`make strip` (nbstripout with the Makefile's flags) removes what a run adds to a notebook and
keeps what a person wrote, including the nbval reference outputs that conftest.py restores."""

from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = [{"output_type": "stream", "name": "stdout", "text": "0.5\n"}]


def _strip_command(notebook: Path) -> str:
    """The command `make strip NOTEBOOKS=...` runs, read from make's dry run (-n)."""
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "strip", f"NOTEBOOKS={notebook}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    command = dry.stdout.strip().splitlines()[-1]
    assert "nbstripout" in command, dry.stdout
    return command


def _run_notebook() -> nbformat.NotebookNode:
    """A notebook as JupyterLab saves it after a run."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        widgets={"application/vnd.jupyter.widget-state+json": {"state": {}}},
        papermill={"duration": 3.2},
    )
    code = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(0.5)", execution_count=4)
    code.id = "checked-cell"
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.5\n")]
    code.metadata.update(
        tags=["parameters"],
        nbval_reference=REFERENCE,
        execution={"iopub.execute_input": "2025-01-01T00:00:00Z"},
        scrolled=True,
        collapsed=False,
        trusted=True,
    )
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), code]
    return nb


def test_make_strip_removes_the_run_and_keeps_the_references(tmp_path):
    path = tmp_path / "01_x.ipynb"
    nbformat.write(_run_notebook(), path)
    subprocess.run(_strip_command(path), shell=True, cwd=ROOT, check=True)
    nb = nbformat.read(path, as_version=4)
    code = nb.cells[1]
    assert code.outputs == [] and code.execution_count is None
    assert dict(code.metadata) == {"tags": ["parameters"], "nbval_reference": REFERENCE}
    assert code.id == "checked-cell"  # ids as written: a strip changes no line a person wrote
    assert set(nb.metadata) == {"kernelspec"}


def test_make_strip_leaves_the_committed_chapters_byte_for_byte(tmp_path):
    # The chapters are committed stripped: stripping them again must change no byte.
    chapters = sorted((ROOT / "notebooks").glob("*.ipynb"))
    copies = tmp_path / "notebooks"
    copies.mkdir()
    for chapter in chapters:
        (copies / chapter.name).write_bytes(chapter.read_bytes())
    subprocess.run(_strip_command(copies / "*.ipynb"), shell=True, cwd=ROOT, check=True)
    changed = [c.name for c in chapters if (copies / c.name).read_bytes() != c.read_bytes()]
    assert not changed, f"not stripped as `make strip` strips them: {changed}"
