"""Reproduce Duan et al. (2016) Table 1 for (n, k) in {10, 100} x {5, 10}: our RL² and baselines.

For each setting: train RL² with recurrent PPO (course_lib.rl2.train_rl2), evaluate it on
1,000 new bandits, run every baseline on 1,000 new bandits, and print our figures beside
the paper's, with RL²'s ratio to the paper's RL² figure (goal: >= 0.98) and the training
time (wall and CPU). Run it on an otherwise idle machine for timings:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/rl2_bandits.py            # all four settings
    .venv/bin/python benchmarks/rl2_bandits.py --settings 10x5 --seed 1      # one setting

The paper's numbers (Table 1; Random, Gittins, TS, OTS, UCB1, eps-greedy, greedy, RL²).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

import torch

from course_lib.rl2 import BernoulliBanditVectorEnv, RL2Config, evaluate_rl2, train_rl2
from course_lib.rl2.baselines import BASELINES, gittins_method, run_baseline

PAPER: dict[tuple[int, int], dict[str, float]] = {
    # (n, k): Duan et al. 2016, Table 1
    (10, 5): {
        "random": 5.0,
        "gittins": 6.6,
        "thompson": 5.7,
        "ots": 6.5,
        "ucb1": 6.7,
        "epsilon_greedy": 6.6,
        "greedy": 6.6,
        "rl2": 6.7,
    },
    (10, 10): {
        "random": 5.0,
        "gittins": 6.6,
        "thompson": 5.5,
        "ots": 6.2,
        "ucb1": 6.7,
        "epsilon_greedy": 6.6,
        "greedy": 6.6,
        "rl2": 6.7,
    },
    (100, 5): {
        "random": 49.9,
        "gittins": 78.3,
        "thompson": 74.7,
        "ots": 77.9,
        "ucb1": 78.0,
        "epsilon_greedy": 75.4,
        "greedy": 74.8,
        "rl2": 78.7,
    },
    (100, 10): {
        "random": 49.9,
        "gittins": 82.8,
        "thompson": 76.7,
        "ots": 81.4,
        "ucb1": 82.4,
        "epsilon_greedy": 77.4,
        "greedy": 77.1,
        "rl2": 83.5,
    },
}

# Training settings per trial length n: (trials per iteration, RL2Config).
CONFIGS: dict[int, tuple[int, RL2Config]] = {
    10: (250, RL2Config(iterations=800, hidden_size=128, lr=2e-3, gae_lambda=0.3, anneal_lr=True)),
    # n = 100: with gamma 0.99 and unscaled rewards the value loss (returns ~60) swamps the
    # policy gradient under the shared norm clip and nothing is learnt in 125 iterations;
    # reward_scale 0.1 and the shorter horizon gamma 0.9 learn (66 after 150 iterations).
    100: (
        250,
        RL2Config(
            iterations=1200,
            hidden_size=128,
            lr=1e-3,
            gamma=0.9,
            gae_lambda=0.3,
            reward_scale=0.1,
            anneal_lr=True,
        ),
    ),
}


# Multi-phase schedules for particular (n, k), overriding CONFIGS[n]: a list of
# (trials per iteration, RL2Config), trained one after the other on the same agent.
SCHEDULES: dict[tuple[int, int], list[tuple[int, RL2Config]]] = {
    # (10, 10): the single CONFIGS[10] run collapses its entropy to ~0.03 by iteration 800 and
    # plateaus at ~6.55 (Bayes-optimal 6.71). An entropy schedule fixes it: a strong bonus
    # (0.05) while the strategy forms, then a weak one (0.003) while it sharpens.
    (10, 10): [
        (500, RL2Config(iterations=500, hidden_size=128, lr=2e-3, gae_lambda=0.3, ent_coef=0.05)),
        (
            500,
            RL2Config(
                iterations=500,
                hidden_size=128,
                lr=1e-3,
                gae_lambda=0.3,
                ent_coef=0.003,
                anneal_lr=True,
            ),
        ),
    ],
    # (100, 10): as CONFIGS[100] but GAE λ 0.6 instead of 0.3 (credit over a few more pulls):
    # 76.4 ± 0.5 against 74.6 ± 0.6 for seed 0, same cost. Measured on seed 0 only.
    (100, 10): [(CONFIGS[100][0], dataclasses.replace(CONFIGS[100][1], gae_lambda=0.6))],
}


# Like the paper, the two baselines with a free exploration parameter get it tuned, here on
# 1,000 separate tuning bandits (never the evaluation ones).
TUNED: dict[str, tuple[str, tuple[float, ...]]] = {
    "epsilon_greedy": ("epsilon", (0.0, 0.01, 0.02, 0.05, 0.1, 0.2)),
    "ucb1": ("ucb_c", (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)),
}


def tune_baseline(name: str, n: int, k: int, seed: int) -> dict[str, float]:
    """The grid value of the baseline's exploration parameter that scores best on tuning bandits."""
    param, grid = TUNED[name]
    scores = {v: run_baseline(name, k, n, 1000, seed=30_000 + seed, **{param: v}) for v in grid}
    return {param: max(scores, key=scores.get)}


def schedule(n: int, k: int) -> list[tuple[int, RL2Config]]:
    """The training phases for (n, k): SCHEDULES[(n, k)] if given, else CONFIGS[n] alone."""
    return SCHEDULES.get((n, k), [CONFIGS[n]])


def run_setting(n: int, k: int, seed: int, eval_trials: int, progress: bool) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    agent = None
    # each phase continues the previous phase's agent (a fresh Adam state); phase i is
    # seeded with seed + 7 i so that its tasks and shuffles differ from the earlier phases'
    for i, (trials_per_iteration, config) in enumerate(schedule(n, k)):
        env = BernoulliBanditVectorEnv(trials_per_iteration, k=k, episodes_per_trial=n)
        agent, _ = train_rl2(env, config, seed=seed + 7 * i, agent=agent, progress=progress)
    row = {"train_wall_s": time.perf_counter() - wall, "train_cpu_s": time.process_time() - cpu}
    result = evaluate_rl2(
        agent, BernoulliBanditVectorEnv(eval_trials, k=k, episodes_per_trial=n), seed=10_000 + seed
    )
    row["rl2"], row["rl2_stderr"] = result["mean_trial_return"], result["stderr"]
    for name in BASELINES:
        params = tune_baseline(name, n, k, seed) if name in TUNED else {}
        row[name] = run_baseline(name, k, n, eval_trials, seed=20_000 + seed, **params)
        if params:
            row[f"{name}_params"] = params
    return row


def _row_lines(n: int, k: int, row: dict, names: list[str]) -> list[str]:
    paper = PAPER[(n, k)]
    tuned = ", ".join(f"{m}: {row[m + '_params']}" for m in TUNED)
    return [
        f"{n:>4} {k:>3} | {'ours':>5} "
        + " ".join(f"{row[m]:>8.2f}" for m in names)
        + f" | {row['rl2']:>6.2f} {row['rl2_stderr']:>5.2f} {row['rl2'] / paper['rl2']:>9.3f}"
        + f" | {row['train_wall_s']:>9.0f}s {row['train_cpu_s']:>8.0f}s",
        f"{'':>8} | {'paper':>5} "
        + " ".join(f"{paper[m]:>8.1f}" for m in names)
        + f" | {paper['rl2']:>6.1f}",
        f"{'':>8}   gittins here = {gittins_method(k, n)}; tuned {tuned}",
    ]


def _worker(args: tuple) -> dict:
    torch.set_num_threads(1)
    return run_setting(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--settings",
        nargs="*",
        default=["10x5", "10x10", "100x5", "100x10"],
        help="n x k, e.g. 100x5",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-trials", type=int, default=1000)
    parser.add_argument(
        "--workers", type=int, default=2, help="settings trained in parallel (one core each)"
    )
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = [tuple(int(v) for v in s.lower().split("x")) for s in args.settings]
    names = ["random", "gittins", "thompson", "ucb1", "epsilon_greedy", "greedy"]
    header = (
        f"{'n':>4} {'k':>3} | {'':>5} "
        + " ".join(f"{m[:8]:>8}" for m in names)
        + f" | {'RL²':>6} {'±se':>5} {'RL²/paper':>9} | {'train wall':>10} {'train CPU':>9}"
    )
    start = time.perf_counter()
    jobs = [(n, k, args.seed, args.eval_trials, args.progress) for n, k in settings]
    print(header)
    print("-" * len(header), flush=True)
    rows = {}
    # each setting's rows are printed as soon as it finishes; the sorted table follows at the end
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        futures = {pool.submit(_worker, job): (job[0], job[1]) for job in jobs}
        for future in as_completed(futures):
            n, k = futures[future]
            rows[(n, k)] = future.result()
            print("\n".join(_row_lines(n, k, rows[(n, k)], names)), flush=True)
    print("\nsorted:")
    print(header)
    print("-" * len(header))
    for (n, k), row in sorted(rows.items()):
        print("\n".join(_row_lines(n, k, row, names)))
    rows = list(rows.values())
    cpu = sum(row["train_cpu_s"] for row in rows)
    print(
        f"total wall {time.perf_counter() - start:.0f} s ({args.workers} workers); RL² training CPU {cpu:.0f} s"
    )


if __name__ == "__main__":
    main()
