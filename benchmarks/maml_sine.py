"""MAML on the sinusoids of Finn et al. (2017): speed of the batched inner loop, and the paper's table.

(a) Meta-iterations per second for the paper's configuration (1-40-40-1 ReLU, K=10, one
    inner step, α=0.01, meta-batch 25, second order): the whole meta-batch adapted in one
    ``torch.func.vmap`` call (``course_lib.meta.meta_loss``) against the textbook per-task
    Python loop with ``torch.autograd.grad(create_graph=True)`` (``meta_loss_loop``), same
    run, same batches; the meta-gradients are compared too.
(b) The paper-size run: MAML and pre-training, 70,000 meta-iterations each with Adam 1e-3,
    evaluated like the paper's Table 2: query MSE on new tasks after 1 / 5 / 10 gradient
    steps (α=0.01) from K=5 points. The paper reports MAML 0.67 / 0.38 / 0.35 and
    pre-training 2.41 / 2.23 / 2.19.

Usage:
    python benchmarks/maml_sine.py                      # full: speed + 70,000-iteration run
    python benchmarks/maml_sine.py --iterations 2000    # a short version of (b)
    python benchmarks/maml_sine.py --skip-paper         # (a) only
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from course_lib.meta import (  # noqa: E402
    METHODS,
    MetaConfig,
    SinusoidTasks,
    adaptation_curve,
    evaluation_tasks,
    init_params,
    meta_loss,
    meta_loss_loop,
    meta_train,
    mlp_regressor,
)

PAPER = {"MAML (paper)": (0.67, 0.38, 0.35), "pre-training (paper)": (2.41, 2.23, 2.19)}


def speed(iterations: int, seed: int) -> None:
    """(a): vmap vs per-task loop, meta-iterations (meta-gradient + Adam step) per second."""
    generator = torch.Generator().manual_seed(seed)
    batches = [SinusoidTasks().sample(25, 10, 10, generator) for _ in range(iterations)]
    results = {}
    for name, fn in (("vmap (torch.func)", meta_loss), ("per-task loop", meta_loss_loop)):
        model = mlp_regressor((40, 40), seed=seed)
        params = init_params(model)
        optimizer = torch.optim.Adam(params.values(), lr=1e-3)
        for batch in batches[:5]:  # warm-up
            fn(model, params, batch, inner_lr=0.01, steps=1)
        wall, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            loss = fn(model, params, batch, inner_lr=0.01, steps=1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        results[name] = (
            iterations / wall,
            iterations / cpu,
            {n: p.detach().clone() for n, p in params.items()},
        )
    gap = max(
        (results["vmap (torch.func)"][2][n] - results["per-task loop"][2][n]).abs().max().item()
        for n in results["per-task loop"][2]
    )
    base_wall, base_cpu = results["per-task loop"][0], results["per-task loop"][1]
    print(
        f"\n(a) MAML meta-iterations per second, 1-40-40-1, K=10, 1 inner step, meta-batch 25, second order, {iterations} iterations"
    )
    print("| implementation | it/s (wall) | it/s (CPU) | speed-up (wall) | speed-up (CPU) |")
    print("|---|---|---|---|---|")
    for name, (w, c, _) in results.items():
        print(f"| {name} | {w:.0f} | {c:.0f} | {w / base_wall:.1f}× | {c / base_cpu:.1f}× |")
    print(f"max |φ_vmap − φ_loop| after {iterations} Adam steps on the same batches: {gap:.1e}")


def paper_run(
    iterations: int,
    k: int,
    k_query: int,
    methods: list[str],
    eval_tasks: int,
    seed: int,
    progress: bool,
) -> None:
    """(b): the paper-size MAML and pre-training runs, evaluated on new tasks with K=5."""
    tasks = evaluation_tasks(eval_tasks, k_support=5, k_query=100, seed=10_000 + seed)
    rows = {}
    for method in methods:
        config = MetaConfig(
            method=method,
            iterations=iterations,
            k_support=k,
            k_query=k_query,
            seed=seed,
            log_every=1000,
        )
        wall, cpu = time.perf_counter(), time.process_time()
        learner = meta_train(config, progress=progress)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        curve = adaptation_curve(learner, tasks, max_steps=10, inner_lr=0.01)
        rows[method] = (curve, wall, cpu)
    print(
        f"\n(b) Sinusoid regression, K=5 new tasks ({eval_tasks} tasks, 100 query points each), α=0.01; "
        f"trained {iterations} meta-iterations, meta-batch 25, K={k} support + {k_query} query points, Adam 1e-3, seed {seed}"
    )
    print("| method | MSE after 1 step | 5 steps | 10 steps | train wall | train CPU |")
    print("|---|---|---|---|---|---|")
    for method, (curve, wall, cpu) in rows.items():
        cells = " | ".join(f"{curve.mean[s]:.2f} ± {curve.stderr[s]:.2f}" for s in (1, 5, 10))
        print(f"| {method} (ours) | {cells} | {wall:.0f} s | {cpu:.0f} s |")
    for name, values in PAPER.items():
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in values) + " | | |")
    if "maml" in rows:
        curve = rows["maml"][0]
        verdicts = []
        for s, ref in zip((1, 5, 10), PAPER["MAML (paper)"]):
            ours, se = curve.mean[s].item(), curve.stderr[s].item()
            verdicts.append(
                f"{s} step{'s' if s > 1 else ''}: {'beats' if ours < ref else 'ties' if ours == ref else 'within 1 s.e.' if ours - se <= ref else 'worse'} ({ours:.3f} ± {se:.3f} vs {ref})"
            )
        print("MAML against the paper's row: " + "; ".join(verdicts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--iterations",
        type=int,
        default=70_000,
        help="meta-iterations of the paper-size run (default 70000)",
    )
    parser.add_argument(
        "--k",
        type=int,
        default=5,
        help="K support (and query) points per training task (default 5)",
    )
    parser.add_argument(
        "--k-query",
        type=int,
        default=None,
        help="query points per training task (default: K, as in the paper)",
    )
    parser.add_argument(
        "--methods",
        default="maml,pretrain",
        help="comma-separated methods for (b) (default maml,pretrain)",
    )
    parser.add_argument(
        "--eval-tasks", type=int, default=1000, help="new tasks in the evaluation (default 1000)"
    )
    parser.add_argument(
        "--speed-iterations",
        type=int,
        default=300,
        help="meta-iterations timed per implementation in (a)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-paper", action="store_true")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    args.k_query = args.k if args.k_query is None else args.k_query
    for name in ("iterations", "k", "k_query", "eval_tasks", "speed_iterations"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        parser.error(f"--methods must name some of {', '.join(METHODS)}; got {args.methods!r}")
    torch.set_num_threads(1)
    print(
        f"torch {torch.__version__}, Python {platform.python_version()}, 1 torch thread, {os.cpu_count()} CPUs visible"
    )
    start = time.perf_counter()
    if not args.skip_speed:
        speed(args.speed_iterations, args.seed)
    if not args.skip_paper:
        paper_run(
            args.iterations,
            args.k,
            args.k_query,
            methods,
            args.eval_tasks,
            args.seed,
            not args.no_progress,
        )
    print(
        f"\ntotal wall time {time.perf_counter() - start:.0f} s, CPU time {time.process_time():.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
