"""Few-shot characters (Chapter 6): every method under the papers' protocol, and what a CNN costs.

(a) Speed: outer steps per CPU second of second-order MAML (meta-loss + meta-gradient) on the
    characters (28×28), the whole meta-batch adapted in one ``torch.func.vmap`` call
    (``course_lib.meta.meta_loss``) against the per-task Python loop (``meta_loss_loop``), same
    batches; for the chapter's MLP (784-128-128) and a three-layer CNN of 32 channels
    (``backbone="cnn"``), and for the prototypical network's outer step. The meta-gradients of
    vmap and loop are compared.
(b) Protocol (Vinyals et al. 2016; Finn et al. 2017; Snell et al. 2017): for each setting
    (N-way, K-shot) every method of ``course_lib.meta.FEWSHOT_METHODS`` is trained *for that
    setting* on the meta-training characters with the same budget (iterations × tasks per
    step; pre-training sees as many images per step), then scored on 600 new tasks of the
    meta-test characters with 15 queries per class: accuracy after 1 and 10 inner steps, mean
    ± 95% interval (``course_lib.stats``), and the training CPU seconds. Pre-training's
    fine-tuning step size is chosen on 200 meta-validation tasks. Raw-pixel prototypes
    (nothing learned) are the yardstick. Splits: ``characters`` (the papers': new characters,
    every typeface) and ``typefaces`` (new characters drawn by the 10 typefaces of three
    families never seen in training; 10 drawings a class, so 10 − K queries). A prototypical
    network with the CNN is trained at 5-way too.

Published figures, quoted for comparison and *not* comparable (Omniglot: 1,623 handwritten
characters × 20 drawers, 1,200 for training, rotations as extra classes, a four-block CNN,
60,000 or more steps on a GPU):

* Vinyals et al. 2016, Table 1: raw pixels (nearest neighbour) 41.7 / 63.2 / 26.7 / 42.6%
  at 5-way 1-shot / 5-way 5-shot / 20-way 1-shot / 20-way 5-shot; a classifier pre-trained
  on the training characters, its features compared by cosine ("baseline classifier") 80.0 /
  95.0 / 69.5 / 89.1%; matching networks 98.1 / 98.9 / 93.8 / 98.5%.
* Finn et al. 2017, Table 1: MAML 98.7 ± 0.4 / 99.9 ± 0.1 / 95.8 ± 0.3 / 98.9 ± 0.2%;
  first-order MAML 98.3 ± 0.5 / 99.2 ± 0.2 / 89.4 ± 0.5 / 97.9 ± 0.1%.
* Snell et al. 2017, Table 1: prototypical networks 98.8 / 99.7 / 96.0 / 98.9%.

Usage:
    python benchmarks/fewshot.py                      # (a) + the full protocol (1,717 s CPU: ~15 min on 2 idle cores)
    python benchmarks/fewshot.py --quick              # the chapter's scale: 500 iterations, 5-way 1-shot
    python benchmarks/fewshot.py --settings 5x1 20x5 --splits characters --workers 1
    python benchmarks/fewshot.py --skip-protocol      # only the speed table
    python benchmarks/fewshot.py --inner-lrs 0.4 0.1 0.03   # (c) only: why FOMAML fails at α = 0.4
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from course_lib.meta import (  # noqa: E402
    FEWSHOT_METHODS,
    FewShotConfig,
    FewShotNet,
    character_split,
    choose_inner_lr,
    evaluate_fewshot,
    meta_iterations_per_second,
    meta_loss,
    meta_loss_loop,
    pixel_prototypes,
    train_fewshot,
)

EVAL_TASKS, EVAL_QUERY, VAL_TASKS = 600, 15, 200
HIDDEN, CNN = (128, 128), (32, 32, 32)
#: Iterations per method of the full run and of --quick (the chapter's scale).
FULL_ITERATIONS, QUICK_ITERATIONS = 3000, 500
#: Tasks per outer step: the MAML paper's Omniglot runs halve the meta-batch at 20-way.
META_BATCH = {5: 16, 20: 8}
SETTINGS = ((5, 1), (5, 5), (20, 1), (20, 5))
#: Fine-tuning step sizes tried for pre-training on the meta-validation tasks.
FINE_TUNE_LRS = (0.001, 0.003, 0.01, 0.03, 0.1)
#: The inner step size of scratch, MAML, FOMAML and ANIL (the MAML paper's Omniglot α).
INNER_LR = 0.4
SPLITS = ("characters", "typefaces")
#: Published Omniglot figures (quoted in the module docstring), by (N, K).
OMNIGLOT = {
    "raw pixels (NN)": {(5, 1): 41.7, (5, 5): 63.2, (20, 1): 26.7, (20, 5): 42.6},
    "pre-trained features (NN)": {(5, 1): 80.0, (5, 5): 95.0, (20, 1): 69.5, (20, 5): 89.1},
    "MAML": {(5, 1): 98.7, (5, 5): 99.9, (20, 1): 95.8, (20, 5): 98.9},
    "FOMAML": {(5, 1): 98.3, (5, 5): 99.2, (20, 1): 89.4, (20, 5): 97.9},
    "prototypical networks": {(5, 1): 98.8, (5, 5): 99.7, (20, 1): 96.0, (20, 5): 98.9},
}


@dataclass(frozen=True)
class Job:
    split: str
    n_way: int
    k_shot: int
    method: str
    backbone: str
    iterations: int
    seed: int
    eval_tasks: int
    inner_lr: float = INNER_LR  # trained and tested at this step size

    @property
    def label(self) -> str:
        suffix = " (CNN)" if self.backbone == "cnn" else ""
        step = "" if self.inner_lr == INNER_LR else f" α={self.inner_lr:g}"
        return f"{self.method}{suffix}{step}"


# ---------------------------------------------------------------------------------------
# (a) speed
# ---------------------------------------------------------------------------------------


def speed(seconds: float) -> None:
    train, _, _ = character_split()
    print(
        "(a) outer steps per CPU second on the characters (28×28), 5-way, one inner step "
        f"α={INNER_LR}, vmap over the tasks against the per-task loop"
    )
    print(
        f"{'network':<22}{'K':>3}{'tasks':>7}{'vmap it/s':>11}{'loop it/s':>11}{'ratio':>8}  gradients"
    )
    kw = dict(inner_lr=INNER_LR, steps=1, loss_fn=F.cross_entropy)
    mlp_rate = {}
    for name, backbone, sizes in (
        ("MLP 784-128-128", "mlp", HIDDEN),
        ("CNN 3 × 32 channels", "cnn", CNN),
    ):
        for k, tasks in ((1, 16), (5, 16)):
            config = FewShotConfig(
                method="maml",
                backbone=backbone,
                hidden_sizes=sizes,
                k_shot=k,
                meta_batch_size=tasks,
            )
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                model = FewShotNet(5, sizes, train.image_shape, backbone)
            params = {
                n: p.detach().clone().requires_grad_(True) for n, p in model.named_parameters()
            }
            batch = train.sample(tasks, 5, k, 5, torch.Generator().manual_seed(1))
            g_fast = torch.autograd.grad(
                meta_loss(model, params, batch, **kw), list(params.values())
            )
            g_slow = torch.autograd.grad(
                meta_loss_loop(model, params, batch, **kw), list(params.values())
            )
            gap = max((a - b).abs().max().item() for a, b in zip(g_fast, g_slow))
            fast = meta_iterations_per_second(config, train, seconds=seconds)
            slow = _loop_rate(model, params, batch, kw, seconds)
            mlp_rate.setdefault(k, fast)
            print(f"{name:<22}{k:>3}{tasks:>7}{fast:>11.1f}{slow:>11.1f}{fast / slow:>7.1f}×  "
                  f"max |Δ| {gap:.1e}; CNN/MLP cost {mlp_rate[k] / fast:.1f}×")  # fmt: skip
    for name, backbone, sizes in (
        ("MLP 784-128-128", "mlp", HIDDEN),
        ("CNN 3 × 32 channels", "cnn", CNN),
    ):
        config = FewShotConfig(method="protonet", backbone=backbone, hidden_sizes=sizes)
        rate = meta_iterations_per_second(config, train, seconds=seconds)
        print(f"{'prototypes, ' + name:<34}{rate:>11.1f} it/s")


def _loop_rate(model, params, batch, kw, seconds: float) -> float:
    leaves = list(params.values())
    torch.autograd.grad(meta_loss_loop(model, params, batch, **kw), leaves)  # warm-up
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        torch.autograd.grad(meta_loss_loop(model, params, batch, **kw), leaves)
        done += 1
    return done / (time.process_time() - start)


# ---------------------------------------------------------------------------------------
# (b) protocol
# ---------------------------------------------------------------------------------------


def run_job(job: Job) -> dict:
    """Train one method for one setting, then score it on the split's meta-test tasks."""
    torch.set_num_threads(1)
    cpu_start = time.process_time()
    train, val, test = character_split(job.split)
    queries = min(EVAL_QUERY, test.images_per_class - job.k_shot)
    test_tasks = test.sample(
        job.eval_tasks, job.n_way, job.k_shot, queries,
        torch.Generator().manual_seed(10_000 + 100 * job.n_way + job.k_shot),
    )  # fmt: skip
    if job.method == "pixels":
        e = evaluate_fewshot(pixel_prototypes(job.n_way, test.image_shape), test_tasks, max_steps=0)
        cpu = time.process_time() - cpu_start
        return {
            "job": job,
            "one": e.interval(0),
            "ten": None,
            "seconds": 0.0,
            "cpu": cpu,
            "queries": queries,
        }
    config = FewShotConfig(
        method=job.method, n_way=job.n_way, k_shot=job.k_shot, k_query=5,
        iterations=job.iterations, meta_batch_size=META_BATCH[job.n_way], inner_lr=job.inner_lr,
        hidden_sizes=CNN if job.backbone == "cnn" else HIDDEN, backbone=job.backbone,
        seed=job.seed, log_every=job.iterations,
    )  # fmt: skip
    cpu = time.process_time()
    learner = train_fewshot(config, train, progress=False).model
    seconds = time.process_time() - cpu
    extra = {}
    if job.method == "pretrain":  # fine-tuning's α, chosen on meta-validation tasks
        val_queries = min(EVAL_QUERY, val.images_per_class - job.k_shot)
        val_tasks = val.sample(
            min(VAL_TASKS, job.eval_tasks),
            job.n_way,
            job.k_shot,
            val_queries,
            torch.Generator().manual_seed(20_000),
        )
        best, _ = choose_inner_lr(learner, val_tasks, FINE_TUNE_LRS, steps=10)
        learner, extra = learner.with_inner_lr(best), {"fine_tune_lr": best}
    steps = 0 if job.method == "protonet" else 10
    e = evaluate_fewshot(learner, test_tasks, max_steps=steps)
    ten = e.interval(10) if steps else None
    one = e.interval(1) if steps else e.interval(0)
    cpu = time.process_time() - cpu_start
    return {
        "job": job,
        "one": one,
        "ten": ten,
        "seconds": seconds,
        "cpu": cpu,
        "queries": queries,
        **extra,
    }


def jobs_for(settings, splits, iterations: int, seed: int, eval_tasks: int, cnn: bool) -> list[Job]:
    jobs = []
    for split in splits:
        for n, k in settings:
            if split == "typefaces" and n != 5:
                continue  # the harder split at 5-way only (10 drawings of each test character)
            for method in (*FEWSHOT_METHODS, "pixels"):
                jobs.append(Job(split, n, k, method, "mlp", iterations, seed, eval_tasks))
            if cnn and n == 5 and split == "characters":
                jobs.append(Job(split, n, k, "protonet", "cnn", iterations, seed, eval_tasks))
    return jobs


def _percent(interval) -> str:
    return f"{100 * interval.mean:5.1f} ± {100 * interval.half_width:3.1f}"


def print_table(results: list[dict]) -> None:
    print(f"\n{'split':<11}{'N-way K-shot':>13}  {'method':<18}{'1 step %':>13}{'10 steps %':>14}"
          f"{'train CPU s':>12}  note")  # fmt: skip
    for r in results:
        job = r["job"]
        ten = _percent(r["ten"]) if r["ten"] is not None else "(no steps)"
        note = f"queries {r['queries']}" + (
            f", fine-tuning α {r['fine_tune_lr']:g} (validation)" if "fine_tune_lr" in r else ""
        )
        print(f"{job.split:<11}{f'{job.n_way}-way {job.k_shot}-shot':>13}  {job.label:<18}"
              f"{_percent(r['one']):>13}{ten:>14}{r['seconds']:>12.1f}  {note}")  # fmt: skip


def protocol(args) -> None:
    settings = [_setting(s) for s in args.settings] if args.settings else list(SETTINGS)
    iterations = args.iterations or (QUICK_ITERATIONS if args.quick else FULL_ITERATIONS)
    if args.quick and not args.settings:
        settings = [(5, 1)]
    jobs = jobs_for(settings, args.splits, iterations, args.seed, args.eval_tasks, not args.no_cnn)
    # The costliest first, so the workers finish together.
    jobs.sort(key=lambda j: -(j.n_way * (j.k_shot + 5) * (3 if j.backbone == "cnn" else 1)))
    print(f"\n(b) protocol: {iterations} iterations per method, {args.eval_tasks} new tasks per "
          f"setting, meta-batch {META_BATCH}, inner loop 1 step α={INNER_LR}, seed {args.seed}; "
          f"{len(jobs)} jobs on {args.workers} workers", flush=True)  # fmt: skip
    start = time.perf_counter()
    results = []

    def done(r: dict) -> None:  # a progress line per finished job (the table comes at the end)
        results.append(r)
        job = r["job"]
        print(f"  [{len(results)}/{len(jobs)}] {job.split} {job.n_way}-way {job.k_shot}-shot "
              f"{job.label}: {100 * r['one'].mean:.1f}% after 1 step, {r['cpu']:.0f} s CPU, "
              f"{time.perf_counter() - start:.0f} s so far", flush=True)  # fmt: skip

    if args.workers == 1:
        for job in jobs:
            done(run_job(job))
    else:
        with ProcessPoolExecutor(args.workers) as pool:
            for future in as_completed([pool.submit(run_job, job) for job in jobs]):
                done(future.result())
    order = {
        (s, n, k): i for i, (s, (n, k)) in enumerate((s, nk) for s in SPLITS for nk in SETTINGS)
    }
    methods = [*FEWSHOT_METHODS, "pixels"]
    results.sort(
        key=lambda r: (
            order[r["job"].split, r["job"].n_way, r["job"].k_shot],
            methods.index(r["job"].method),
            r["job"].backbone,
        )
    )
    print_table(results)
    trained, total = sum(r["seconds"] for r in results), sum(r["cpu"] for r in results)
    print(f"\nCPU over all jobs: training {trained:.0f} s, with evaluation and validation {total:.0f} s; "
          f"the protocol took {time.perf_counter() - start:.0f} s wall on {args.workers} workers")  # fmt: skip
    print("Omniglot, published (another data set; see this file's docstring for sources):")
    for name, figures in OMNIGLOT.items():
        shown = ", ".join(f"{n}-way {k}-shot {v}" for (n, k), v in figures.items())
        print(f"  {name}: {shown}")


def step_sizes(args) -> None:
    """(c) Why FOMAML fails at α = 0.4: MAML and FOMAML trained and tested at each inner step
    size of ``--inner-lrs``, 5-way 1-shot, new characters. FOMAML's meta-gradient drops the
    second-order term (Chapter 5), the term that grows with α; if that is the cause, FOMAML
    should recover as α shrinks while MAML, which keeps the term, should not need to."""
    iterations = args.iterations or (QUICK_ITERATIONS if args.quick else FULL_ITERATIONS)
    jobs = [
        Job("characters", 5, 1, method, "mlp", iterations, args.seed, args.eval_tasks, lr)
        for lr in args.inner_lrs
        for method in ("maml", "fomaml")
    ]
    print(f"\n(c) inner step size: MAML and FOMAML at α in {args.inner_lrs}, 5-way 1-shot, "
          f"new characters, {iterations} iterations, seed {args.seed}", flush=True)  # fmt: skip
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_job, jobs))
    print(f"{'α':>7}  {'MAML, 1 step %':>15}  {'FOMAML, 1 step %':>17}  FOMAML − MAML")
    for lr in args.inner_lrs:
        maml, fomaml = (
            next(r for r in results if r["job"].inner_lr == lr and r["job"].method == m)
            for m in ("maml", "fomaml")
        )
        gap = 100 * (fomaml["one"].mean - maml["one"].mean)
        print(f"{lr:>7g}  {_percent(maml['one']):>15}  {_percent(fomaml['one']):>17}  {gap:+.1f}")


def _setting(text: str) -> tuple[int, int]:
    try:
        n, k = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(
            f"--settings: write N-way K-shot as NxK, e.g. 5x1 or 20x5; got {text!r}"
        ) from None
    if (n, k) not in SETTINGS:
        raise SystemExit(f"--settings: {text!r} is not one of {[f'{a}x{b}' for a, b in SETTINGS]}")
    return n, k


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the chapter's scale (minutes)")
    parser.add_argument("--skip-protocol", action="store_true", help="only the speed table (a)")
    parser.add_argument("--skip-speed", action="store_true", help="only the protocol (b)")
    parser.add_argument("--settings", nargs="*", help="N-way K-shot as NxK (default: all four)")
    parser.add_argument("--splits", nargs="*", default=list(SPLITS), choices=SPLITS)
    parser.add_argument("--iterations", type=int, help=f"per method (default {FULL_ITERATIONS})")
    parser.add_argument("--eval-tasks", type=int, default=EVAL_TASKS)
    parser.add_argument("--no-cnn", action="store_true", help="skip the CNN prototypical network")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=3.0, help="timing window per cell of (a)")
    parser.add_argument(
        "--inner-lrs", type=float, nargs="*",
        help="(c) only: MAML and FOMAML at these inner step sizes (why FOMAML fails at 0.4)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.iterations is not None and args.iterations < 1:
        raise SystemExit(f"--iterations must be >= 1, got {args.iterations}")
    if args.workers < 1 or args.eval_tasks < 2 or args.seconds <= 0:
        raise SystemExit("--workers must be >= 1, --eval-tasks >= 2 and --seconds > 0")
    if args.settings:
        [_setting(s) for s in args.settings]  # named before any work starts
    if args.inner_lrs is not None and (not args.inner_lrs or min(args.inner_lrs) <= 0):
        raise SystemExit(f"--inner-lrs must be one or more step sizes > 0, got {args.inner_lrs}")
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"1 thread per process, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")  # fmt: skip
    if args.inner_lrs:
        step_sizes(args)
        return
    if not args.skip_speed:
        speed(args.seconds)
    if not args.skip_protocol:
        protocol(args)


if __name__ == "__main__":
    main()
