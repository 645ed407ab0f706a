"""Record the reference outputs of ``# NBVAL_CHECK_OUTPUT`` cells into their metadata.

Usage: python scripts/record_outputs.py notebooks/02_sampling.ipynb [...]
       python scripts/record_outputs.py --lang zh notebooks/02_sampling.ipynb [...]

Runs each notebook top to bottom in a fresh kernel (as nbval does), then stores the outputs
of the checked cells under ``cell.metadata["nbval_reference"]`` and leaves every output
slot empty, so the committed notebook stays stripped while nbval still has something to
compare against (see conftest.py). Re-run it after changing a checked cell on purpose.

With ``--lang zh`` it runs the chapter's Chinese edition (built from the catalog, as
``scripts/translate.py build`` does) and stores what the checked cells print there under
``nbval_reference_zh`` of the English notebook; the build hands it to the Chinese edition.
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


def _chinese(path: Path) -> nbformat.NotebookNode:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "translate", Path(__file__).resolve().parent / "translate.py"
    )
    translate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(translate)
    return translate.build_notebook(path, "zh")[0]


def record(path: Path, lang: str = "en") -> int:
    nb = nbformat.read(path, as_version=4)
    executed = nbformat.read(path, as_version=4) if lang == "en" else _chinese(path)
    key = REFERENCE_KEY if lang == "en" else f"{REFERENCE_KEY}_{lang}"
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
            cell.metadata[key] = [_clean(o) for o in ran.outputs]
            n += 1
        else:
            cell.metadata.pop(key, None)
    nbformat.write(nb, path)
    print(f"{path} ({lang}): recorded {n} checked cells in {time.perf_counter() - start:.1f} s")
    return n


if __name__ == "__main__":
    args = sys.argv[1:]
    lang = "en"
    if args[:1] == ["--lang"]:
        lang, args = args[1], args[2:]
        if lang != "zh":
            raise SystemExit(f"--lang must be zh, got {lang!r}")
    for arg in args or sorted(map(str, Path("notebooks").glob("[0-9][0-9]_*.ipynb"))):
        record(Path(arg), lang)
