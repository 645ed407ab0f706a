"""Strip outputs, execution counts and widget state from notebooks, in place.

Usage: python scripts/strip_notebooks.py [NOTEBOOK_OR_DIR ...]   (default: notebooks/)
Notebooks are committed clean so diffs show only what a person wrote.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

# nbval_reference: the expected output of a `# NBVAL_CHECK_OUTPUT` cell (see conftest.py).
KEEP_CELL_METADATA = {"tags", "editable", "deletable", "jupyter", "nbval_reference"}


def strip(path: Path) -> bool:
    """Strip one notebook; return True if the file changed."""
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    nb.metadata.pop("widgets", None)
    for key in ("papermill", "execution"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    after = nbformat.writes(nb) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def main(args: list[str]) -> int:
    targets = [Path(a) for a in args] or [Path("notebooks")]
    paths = []
    for t in targets:
        paths.extend(sorted(t.rglob("*.ipynb")) if t.is_dir() else [t])
    changed = [p for p in paths if ".ipynb_checkpoints" not in p.parts and strip(p)]
    for p in changed:
        print(f"stripped {p}")
    print(f"{len(paths)} notebooks checked, {len(changed)} stripped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
