"""Redraw time of the course widgets per control change, against their budgets.

Usage: python benchmarks/widgets.py [--repeats 20]

For each widget: move every control through a few values, read the widget's own
``last_update_ms`` (callback + recompute + PNG render), and compare with the bare cost of
rendering the same figure to PNG (the floor any matplotlib-PNG widget pays), measured in
the same run. Prints median and 95th percentile per widget and the budget.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from course_lib.plotting import render_png
from course_lib.widgets import sampling_explorer

torch.set_num_threads(1)

# name -> (factory, {control: values to cycle}, budget in ms or None)
WIDGETS: dict[str, tuple[Callable, dict[str, list], float | None]] = {
    "sampling_explorer": (sampling_explorer, {"n": [64, 128, 256, 100], "batch_size": [10, 16, 7, 32], "epochs": [4, 8, 2], "drop_last": [True, False], "seed": [1, 2, 3]}, 200.0),
}


def measure(factory, moves, repeats):
    w = factory()
    updates, renders = [], []
    for _ in range(repeats):
        for name, values in moves.items():
            for v in values:
                if w.controls[name].value == v:
                    continue
                w.controls[name].value = v
                updates.append(w.last_update_ms)
                t = time.perf_counter()
                render_png(w.view.fig, dpi=w.view.dpi)
                renders.append((time.perf_counter() - t) * 1e3)
    return updates, renders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    print(f"{'widget':<24}{'updates':>8}{'median ms':>11}{'p95 ms':>9}{'PNG render ms':>15}{'update/render':>15}{'budget ms':>11}  verdict")
    for name, (factory, moves, budget) in WIDGETS.items():
        updates, renders = measure(factory, moves, args.repeats)
        med, p95 = statistics.median(updates), sorted(updates)[int(0.95 * (len(updates) - 1))]
        render = statistics.median(renders)
        verdict = "-" if budget is None else ("within budget" if p95 <= budget else "OVER budget (p95)")
        print(f"{name:<24}{len(updates):>8}{med:>11.1f}{p95:>9.1f}{render:>15.1f}{med / render:>15.2f}{(budget or float('nan')):>11.0f}  {verdict}")


if __name__ == "__main__":
    main()
