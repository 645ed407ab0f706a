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
