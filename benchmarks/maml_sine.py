"""MAML on the sinusoids of Finn et al. (2017): speed of the batched inner loop, and the official protocol.

(a) Meta-iterations per second for the paper's configuration (1-40-40-1 ReLU, K=10, one
    inner step, α=0.01, meta-batch 25, second order): the whole meta-batch adapted in one
    ``torch.func.vmap`` call (``course_lib.meta.meta_loss``) against the textbook per-task
    Python loop with ``torch.autograd.grad(create_graph=True)`` (``meta_loss_loop``), same
    run, same batches; the meta-gradients are compared too.
(b) MAML and pre-training trained and evaluated with the protocol of the official MAML code
    (github.com/cbfinn/maml, ``main.py`` and ``data_generator.py``): train with K=10 support +
    K query points per task, meta-batch 25, one inner step α=0.01, Adam 1e-3, 70,000
    meta-iterations; test on 600 new tasks with K support and K query points each, after
    0 / 1 / 5 / 10 gradient steps (α=0.01), mean with a 95% interval (1.96 standard errors
    over the 600 tasks). The protocol is printed with the results.

Paper figures. The paper (arXiv:1703.03400) publishes its sinusoid results only as plots:
Figure 2 (fits to example tasks) and Figure 3 (query MSE against the number of gradient
steps: MAML, "pretrained, step=0.02" and an oracle). It has no table of sinusoid numbers,
and we have not digitised the plot, so no paper number is printed and nothing is scored
against one; compare the curve printed here with Figure 3 by eye. (An earlier version
quoted "MAML 0.67 / 0.38 / 0.35, pre-training 2.41 / 2.23 / 2.19 (Table 2)"; those figures
could not be traced to the paper and were removed.)

Where we differ from the official code (printed too): weights use PyTorch's default init
(official: truncated normal, std 0.01, zero biases), and pre-training regresses on the
support and query points of each task (official: the support points only).

Usage:
    python benchmarks/maml_sine.py                      # full: speed + 70,000-iteration run
    python benchmarks/maml_sine.py --iterations 2000    # a short version of (b)
    python benchmarks/maml_sine.py --quick              # smoke test: seconds, numbers meaningless
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

EVAL_STEPS = (0, 1, 5, 10)  # inner steps at which the test MSE is reported
EVAL_SEED = 10_000  # the fixed seed of the 600 test tasks (the official code fixes numpy's)


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


def protocol_run(
    iterations: int,
    k: int,
    test_k: int,
    methods: list[str],
    eval_tasks: int,
    seed: int,
    progress: bool,
) -> None:
    """(b): train each method at K = ``k``, test on ``eval_tasks`` new tasks at K = ``test_k``."""
    print(
        f"\n(b) Sinusoid regression, protocol of the official MAML code: train {iterations} "
        f"meta-iterations, meta-batch 25, K={k} support + {k} query points per task, 1 inner step "
        f"α=0.01, Adam 1e-3, seed {seed}; test on {eval_tasks} new tasks (seed {EVAL_SEED}), "
        f"K={test_k} support + {test_k} query points each, α=0.01; MSE on the query points, "
        "mean ± 95% interval (1.96 s.e. over tasks). Differences from the official code: "
        "PyTorch default init (official: truncated normal std 0.01); pre-training fits support "
        "and query points (official: support only)."
    )
    tasks = evaluation_tasks(eval_tasks, k_support=test_k, k_query=test_k, seed=EVAL_SEED)
    print(
        "| method | "
        + " | ".join(f"{s} step{'' if s == 1 else 's'}" for s in EVAL_STEPS)
        + " | train wall | train CPU |"
    )
    print("|---" * (len(EVAL_STEPS) + 3) + "|")
    for method in methods:
        config = MetaConfig(
            method=method, iterations=iterations, k_support=k, k_query=k, seed=seed, log_every=1000
        )
        wall, cpu = time.perf_counter(), time.process_time()
        learner = meta_train(config, progress=progress).model
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        curve = adaptation_curve(learner, tasks, max_steps=max(EVAL_STEPS), inner_lr=0.01)
        cells = " | ".join(
            f"{curve.mean[s]:.3f} ± {1.96 * curve.stderr[s]:.3f}" for s in EVAL_STEPS
        )
        print(f"| {method} | {cells} | {wall:.0f} s | {cpu:.0f} s |", flush=True)
    print(
        "Paper: Finn et al. 2017, Figure 3 (a plot, not digitised here): compare the shape by eye."
    )


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
        default=10,
        help="K support (and K query) points per training task (official recipe: 10)",
    )
    parser.add_argument(
        "--test-k",
        type=int,
        default=None,
        help="K support and K query points per test task (default: the training K)",
    )
    parser.add_argument(
        "--methods",
        default="maml,pretrain",
        help="comma-separated methods for (b) (default maml,pretrain)",
    )
    parser.add_argument(
        "--eval-tasks", type=int, default=600, help="new test tasks (official code: 600)"
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
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 200 iterations, 20 timed iterations"
    )
    args = parser.parse_args(argv)
    args.test_k = args.k if args.test_k is None else args.test_k
    if args.quick:
        args.iterations, args.speed_iterations = 200, 20
    for name in ("iterations", "k", "test_k", "eval_tasks", "speed_iterations"):
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
        protocol_run(
            args.iterations,
            args.k,
            args.test_k,
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
