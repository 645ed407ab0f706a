"""Record the reference outputs of ``# NBVAL_CHECK_OUTPUT`` cells into their metadata.

Usage: python scripts/record_outputs.py notebooks/02_sampling.ipynb [...]

Runs each notebook top to bottom in a fresh kernel (as nbval does), then stores the outputs
of the checked cells under ``cell.metadata["nbval_reference"]`` and leaves every output
slot empty, so the committed notebook stays stripped while nbval still has something to
compare against (see conftest.py). Re-run it after changing a checked cell on purpose.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REFERENCE_KEY = "nbval_reference"
MARKER = "# NBVAL_CHECK_OUTPUT"


def _checked(cell) -> bool:
    return cell.cell_type == "code" and (
        any(line.strip() == MARKER for line in cell.source.splitlines())
        or "nbval-check-output" in cell.metadata.get("tags", [])
    )


def _clean(output: dict) -> dict:
    """Keep what nbval compares: text streams and text/plain-like data, no images or ids."""
    output = dict(output)
    output.pop("execution_count", None)
    output["metadata"] = {} if "metadata" in output else output.get("metadata")
    if output.get("metadata") is None:
        output.pop("metadata")
    if "data" in output:
        output["data"] = {k: v for k, v in output["data"].items() if k.startswith("text/")}
    return output


def record(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    executed = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        executed,
        timeout=1200,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    n = 0
    for cell, ran in zip(nb.cells, executed.cells):
        if _checked(cell):
            cell.metadata[REFERENCE_KEY] = [_clean(o) for o in ran.outputs]
            n += 1
        else:
            cell.metadata.pop(REFERENCE_KEY, None)
    nbformat.write(nb, path)
    print(f"{path}: recorded {n} checked cells in {time.perf_counter() - start:.1f} s")
    return n


if __name__ == "__main__":
    for arg in sys.argv[1:] or sorted(map(str, Path("notebooks").glob("*.ipynb"))):
        record(Path(arg))
