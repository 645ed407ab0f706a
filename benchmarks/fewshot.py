"""Few-shot digits (Chapter 6): every method under the papers' protocol, and the speed of vmap MAML.

(a) Speed: meta-iterations per CPU second of second-order MAML (meta-loss + meta-gradient) with
    the whole meta-batch adapted in one ``torch.func.vmap`` call (``course_lib.meta.meta_loss``)
    against the per-task Python loop (``meta_loss_loop``), same batches, same network
    (``FewShotNet``, 64-64-64 MLP), 5-way, one inner step, α = 0.4; the meta-gradients are
    compared. Goal: vmap ≥ 5× the loop. A two-layer 32-channel CNN under vmap is timed too
    (the reason the chapter uses an MLP).
(b) Protocol (MAML paper / prototypical networks): every method in
    ``course_lib.meta.FEWSHOT_METHODS`` trained on the 24 meta-training classes (digits
    0, 1, 2, 4, 5, 8 × 4 rotations) with the same budget, then tested on 600 new 5-way tasks
    from the 16 meta-test classes (digits 3, 6, 7, 9 × 4 rotations), 15 query images per
    class; accuracy after 1 and 10 inner steps, mean ± 95% interval (1.96 standard errors),
    plus training seconds. Raw-pixel prototypes (nothing learned) are the yardstick. The
    full run trains separately for K = 1 and K = 5 (20,000 iterations each); ``--quick``
    trains once at K = 1 for 1,000 iterations (the chapter's scale) and tests at both K.

Paper figures (quoted, not comparable: Omniglot, a CNN, 1,200 training characters):
MAML 5-way 1-shot 98.7 ± 0.4%, 5-shot 99.9 ± 0.1% (Finn et al. 2017, Table 1); prototypical
networks 98.8% / 99.7% (Snell et al. 2017, Table 1).

Usage:
    python benchmarks/fewshot.py --quick        # (a) + the chapter-scale protocol, minutes
    python benchmarks/fewshot.py                # (a) + the full protocol (long: hours on a CPU)
    python benchmarks/fewshot.py --skip-protocol
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
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from course_lib.meta import (  # noqa: E402
    FEWSHOT_METHODS,
    FewShotConfig,
    FewShotNet,
    digit_split,
    evaluate_fewshot,
    meta_loss,
    meta_loss_loop,
    pixel_prototypes,
    train_fewshot,
)

N_WAY, EVAL_TASKS, EVAL_QUERY = 5, 600, 15
#: Fine-tuning step size per method (the chapter's choice: pre-trained features are large).
INNER_LR = {"pretrain": 0.01}


def _iterations_per_second(loss_fn, model, params, batches, seconds: float = 3.0) -> float:
    """Meta-iterations (meta-loss + meta-gradient) per CPU second, cycling through ``batches``.

    CPU time of this process (one thread), not wall time: on a shared machine other jobs
    stretch the wall clock but not the CPU time the work itself takes.
    """
    leaves = list(params.values())
    torch.autograd.grad(loss_fn(model, params, batches[0]), leaves)  # warm-up
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        torch.autograd.grad(loss_fn(model, params, batches[done % len(batches)]), leaves)
        done += 1
    return done / (time.process_time() - start)


def _cnn(n_way: int) -> nn.Module:
    class SmallCNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(128, n_way),
            )  # fmt: skip

        def forward(self, x):
            return self.net(x.reshape(-1, 1, 8, 8)).reshape(*x.shape[:-3], -1)

    return SmallCNN()


def speed(seconds: float) -> None:
    train, _ = digit_split()
    print("(a) second-order MAML, 5-way, one inner step α=0.4, meta-iterations per CPU second")
    print(
        f"{'network':<10}{'K':>3}{'tasks':>7}{'vmap it/s':>11}{'loop it/s':>11}{'ratio':>8}  gradients"
    )
    kw = dict(inner_lr=0.4, steps=1, loss_fn=F.cross_entropy)

    def fast(model, params, batch):
        return meta_loss(model, params, batch, **kw)

    def slow(model, params, batch):
        return meta_loss_loop(model, params, batch, **kw)

    for name, make in (("MLP", lambda: FewShotNet(N_WAY)), ("CNN", lambda: _cnn(N_WAY))):
        for k, tasks in ((1, 16), (1, 32), (1, 64), (5, 16)):
            if name == "CNN" and (k, tasks) != (1, 16):
                continue
            torch.manual_seed(0)  # a benchmark script may seed the global RNG
            model = make()
            params = {
                n: p.detach().clone().requires_grad_(True) for n, p in model.named_parameters()
            }
            generator = torch.Generator().manual_seed(1)
            batches = [train.sample(tasks, N_WAY, k, 5, generator) for _ in range(8)]
            g_fast = torch.autograd.grad(fast(model, params, batches[0]), list(params.values()))
            g_slow = torch.autograd.grad(slow(model, params, batches[0]), list(params.values()))
            gap = max((a - b).abs().max().item() for a, b in zip(g_fast, g_slow))
            v = _iterations_per_second(fast, model, params, batches, seconds)
            loop = _iterations_per_second(slow, model, params, batches, seconds)
            verdict = "goal ≥5× met" if v / loop >= 5 else "below the 5× goal"
            print(f"{name:<10}{k:>3}{tasks:>7}{v:>11.1f}{loop:>11.1f}{v / loop:>7.1f}×  "
                  f"max |Δ| {gap:.1e}; {verdict}")  # fmt: skip


def protocol(quick: bool, seed: int) -> None:
    train, test = digit_split()
    iterations = 1000 if quick else 20_000
    train_shots = (1,) if quick else (1, 5)
    print(f"\n(b) protocol: 5-way, {EVAL_TASKS} new tasks × {EVAL_QUERY} queries per class, "
          f"{iterations} iterations per method, meta-batch 16, inner loop 1 step α=0.4 "
          f"(fine-tuning α=0.01), seed {seed}")  # fmt: skip
    print(f"{'method':<14}{'trained K':>10}{'test K':>8}{'1 step %':>15}{'10 steps %':>15}"
          f"{'train s':>9}")  # fmt: skip
    for train_k in train_shots:
        learners, seconds = {}, {}
        for method in FEWSHOT_METHODS:
            config = FewShotConfig(
                method=method, k_shot=train_k, iterations=iterations, meta_batch_size=16,
                inner_lr=INNER_LR.get(method, 0.4), seed=seed, log_every=iterations,
            )  # fmt: skip
            result = train_fewshot(config, train, progress=False)
            learners[method], seconds[method] = result.model, result.seconds
        for test_k in (1, 5) if quick else (train_k,):
            generator = torch.Generator().manual_seed(10_000 + test_k)
            tasks = test.sample(EVAL_TASKS, N_WAY, test_k, EVAL_QUERY, generator)
            for method, learner in learners.items():
                e = evaluate_fewshot(learner, tasks, max_steps=10)
                (m1, h1), (m10, h10) = e.at(1), e.at(10)
                print(f"{method:<14}{train_k:>10}{test_k:>8}{100 * m1:>9.1f} ± {100 * h1:<3.1f}"
                      f"{100 * m10:>9.1f} ± {100 * h10:<3.1f}{seconds[method]:>9.1f}")  # fmt: skip
            m, h = evaluate_fewshot(pixel_prototypes(N_WAY), tasks, max_steps=0).at(0)
            print(f"{'raw pixels':<14}{'-':>10}{test_k:>8}{100 * m:>9.1f} ± {100 * h:<3.1f}"
                  f"{'(no steps)':>15}{0.0:>9.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the chapter's scale (minutes)")
    parser.add_argument("--skip-protocol", action="store_true", help="only the speed table (a)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=3.0, help="timing window per cell")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"1 thread, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")  # fmt: skip
    speed(args.seconds)
    if not args.skip_protocol:
        protocol(args.quick, args.seed)


if __name__ == "__main__":
    main()
