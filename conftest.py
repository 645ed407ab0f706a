"""pytest configuration shared by the unit tests and the notebook runs.

Notebooks are committed without outputs, yet cells marked ``# NBVAL_CHECK_OUTPUT`` must be
compared with a reference. The reference lives in the cell's metadata
(``nbval_reference``, written by ``scripts/record_outputs.py``); here it is put back in
place before nbval runs the cell, so nbval compares it exactly as if the notebook had been
committed with that output.
"""

from __future__ import annotations

import nbformat

try:
    import nbval.plugin as nbval_plugin
except ImportError:  # the unit tests alone do not need nbval
    nbval_plugin = None

REFERENCE_KEY = "nbval_reference"


if nbval_plugin is not None:
    _collect = nbval_plugin.IPyNbFile.collect

    def _collect_with_references(self):
        for item in _collect(self):
            reference = item.cell.metadata.get(REFERENCE_KEY)
            if reference is not None and not item.cell.outputs:
                item.cell.outputs = [nbformat.from_dict(o) for o in reference]
                item.cell.execution_count = 1  # nbval compares only cells that "ran"
            yield item

    nbval_plugin.IPyNbFile.collect = _collect_with_references


# Per-notebook wall time, printed at the end of a run: the chapters have time budgets.
_notebook_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] = _notebook_seconds.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    if _notebook_seconds:
        terminalreporter.section("notebook times (setup + cells + teardown)")
        for path, seconds in sorted(_notebook_seconds.items()):
            terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
