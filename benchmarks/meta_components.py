"""Chapter 4's component runs across training seeds, inner step sizes and budgets.

The chapter learns each component φ on the same budget as its notebook (600 outer
iterations, meta-batch 16, K = 5 support and 10 query points, one inner step) and compares
it, paired over the same 600 new tasks, with the learned init alone (plain SGD, no
augmentation). This script reruns those comparisons for other seeds and settings, to back
the two choices the chapter states:

* the inner step size α of the component runs (``--inner-lr``): the chapter uses 0.05; the
  MAML paper's sinusoids use 0.01;
* the outer iterations of the two sample-weight runs (``--weight-iterations``): the chapter
  gives them twice the others' 600.

One row per (seed, setting, component): the mean query MSE with and without the component,
their paired difference with its 95% interval, and whether the whole interval lies above
zero (the chapter's checkpoint asks exactly that).

    .venv/bin/python benchmarks/meta_components.py --seeds 0 1 2 --inner-lr 0.01 0.05
    .venv/bin/python benchmarks/meta_components.py --components sample_weights --weight-iterations 600 1200
"""

from __future__ import annotations

import argparse
import time

import torch

from course_lib.meta import (
    ComponentConfig,
    CorruptedSupport,
    SinusoidTasks,
    evaluation_tasks,
    learn_components,
)
from course_lib.stats import paired_difference

#: The components whose runs learn on the clean sinusoids, compared with the init alone.
CLEAN = ("step_sizes", "update_rule", "augmentation")
NEW_TASKS = 600  # as in the chapter


def budget(seed: int, inner_lr: float, **overrides) -> dict:
    """The chapter's budget for one component run (its cell ``budget = dict(...)``)."""
    return (
        dict(
            iterations=600,
            meta_batch_size=16,
            k_support=5,
            k_query=10,
            inner_lr=inner_lr,
            seed=seed,
            log_every=50,
        )
        | overrides
    )


def learn(components: tuple[str, ...], tasks=None, **settings):
    config = ComponentConfig(components=components, **settings)
    return learn_components(config, tasks, progress=False).model


def row(seed: int, setting: str, component: str, with_it, without) -> str:
    gain = paired_difference(without, with_it)
    verdict = "holds" if gain.low > 0 else "FAILS"
    return (
        f"{seed:4d}  {setting:14s} {component:14s} {with_it.mean():7.3f} {without.mean():8.3f}"
        f"  {gain.mean:+7.3f} ± {gain.half_width:.3f}  {verdict}"
    )


def clean_rows(seed: int, inner_lr: float, components: list[str]) -> list[str]:
    new = evaluation_tasks(NEW_TASKS, k_support=5, k_query=50, seed=seed + 2000)
    base = learn(("init",), **budget(seed, inner_lr)).query_losses(new)
    rows = []
    for component in components:
        with_it = learn(("init", component), **budget(seed, inner_lr)).query_losses(new)
        rows.append(row(seed, f"α {inner_lr:g}", component, with_it, base))
    return rows


def weight_rows(seed: int, inner_lr: float, iterations: int) -> list[str]:
    corrupted = CorruptedSupport(SinusoidTasks(), fraction=0.3)
    new = corrupted.sample(NEW_TASKS, 10, 50, torch.Generator().manual_seed(seed + 2000))
    settings = budget(seed, inner_lr, k_support=10, iterations=iterations)
    base = learn(("init",), corrupted, **settings).query_losses(new)
    weighted = learn(("init", "sample_weights"), corrupted, **settings).query_losses(new)
    return [row(seed, f"α {inner_lr:g}, {iterations} it", "sample_weights", weighted, base)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="*", type=int, default=list(range(10)))
    parser.add_argument("--inner-lr", nargs="*", type=float, default=[0.05])
    parser.add_argument(
        "--components",
        nargs="*",
        default=[*CLEAN, "sample_weights"],
        choices=[*CLEAN, "sample_weights"],
    )
    parser.add_argument("--weight-iterations", nargs="*", type=int, default=[1200])
    args = parser.parse_args(argv)
    if any(s < 0 for s in args.seeds) or any(not 0 < a <= 1 for a in args.inner_lr):
        raise SystemExit("--seeds must be >= 0 and --inner-lr in (0, 1]")
    if any(not 1 <= n <= 20_000 for n in args.weight_iterations):
        raise SystemExit("--weight-iterations must be in [1, 20000]")
    torch.set_num_threads(1)  # the chapter's setting: small nets are fastest on one thread
    clean = [c for c in args.components if c in CLEAN]
    start = time.process_time()
    print("seed  setting        component         with  without  paired gain (95%)  verdict")
    for seed in args.seeds:
        for inner_lr in args.inner_lr:
            for line in clean_rows(seed, inner_lr, clean) if clean else []:
                print(line, flush=True)
            if "sample_weights" in args.components:
                for iterations in args.weight_iterations:
                    for line in weight_rows(seed, inner_lr, iterations):
                        print(line, flush=True)
    print(f"CPU {time.process_time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
