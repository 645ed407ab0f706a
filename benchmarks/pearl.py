"""RL², MAML-RL and PEARL on the same new goals, dense and sparse (Chapter 9's comparison, larger).

For each task family (Chapter 8's dense 2-D navigation and the PEARL paper's sparse point robot)
the three families are trained with their own trainers at the reference size
(:meth:`course_lib.compare.meta_rl.FamilyConfigs.reference`), then scored on the same new goals:

* **adaptation**: the return after 0, 1, 2, 3 episodes of a new goal (± 95% interval over the
  goals); MAML-RL, which needs K = 20 episodes per gradient step, after 0 episodes and after its
  steps (20, 40, 60 episodes);
* **meta-training sample efficiency**: each family's learning curve (post-adaptation return on
  held-out goals against meta-training environment steps: RL² and PEARL on episode 4 of a goal,
  MAML-RL after one step); the target is the weakest learner's best; the ratio is a family's
  steps to the target over PEARL's (:func:`course_lib.compare.meta_rl.sample_efficiency`).

The PEARL paper prints no table: its results are curves (Fig. 3: MuJoCo task families, average
return against meta-training timesteps; §6.3: sparse 2-D navigation). We compare with what its
text states: PEARL needs 20–100× fewer meta-training samples than the on-policy methods, and
posterior sampling lets it adapt on the sparse task.

    .venv/bin/python benchmarks/pearl.py                 # reference size, both tasks (≤ 30 min, 2 cores)
    .venv/bin/python benchmarks/pearl.py --workers 2     # the two tasks side by side
    .venv/bin/python benchmarks/pearl.py --quick         # the chapter's quick scale (a smoke test)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from course_lib.compare.meta_rl import (  # noqa: E402
    FAMILIES,
    FamilyConfigs,
    adaptation_rows,
    maml_rl_returns,
    new_goals,
    oracle,
    pearl_returns,
    rl2_returns,
    sample_efficiency,
    stand_still,
    train_family,
)
from course_lib.stats import paired_difference, sign  # noqa: E402

TASKS = {"navigation": "dense 2-D navigation", "sparse_point_robot": "sparse point robot"}
PAPER = (
    "Paper (Rakelly et al. 2019, arXiv:1903.08254): results as curves only, no table. Fig. 3 "
    "plots average test-task return against meta-training timesteps (log axis) on MuJoCo task "
    "families, PEARL against ProMP, MAML-TRPO and RL²-PPO; §6.3 shows sparse 2-D navigation. We read "
    "no values off the curves (none of their panels is our task at our size) and compare with what "
    "the text states: 20-100x fewer meta-training samples than on-policy meta-RL (abstract), and "
    "adaptation on the sparse task by posterior sampling (§6.3)."
)


def run_task(task: str, seed: int, quick: bool, new_goal_count: int) -> dict:
    """Train the three families on one task and score them; returns plain numbers (JSON-ready)."""
    torch.set_num_threads(1)
    configs = (FamilyConfigs.quick if quick else FamilyConfigs.reference)(task, seed)
    curve_goals = new_goals(task, 50, seed + 500)
    goals = new_goals(task, new_goal_count, seed + 1000)
    runs, cpu = {}, {}
    for family in FAMILIES:
        c0 = time.process_time()
        runs[family] = train_family(family, configs, curve_goals, seed=seed, progress=False)
        cpu[family] = time.process_time() - c0
    results = {
        "RL²": rl2_returns(
            runs["RL²"][0].model, task, goals, max_steps=configs.max_steps, seed=seed + 1
        ),
        "MAML-RL": maml_rl_returns(
            runs["MAML-RL"][0].model, configs.maml, goals, steps=3, seed=seed + 1
        ),
        "PEARL": pearl_returns(runs["PEARL"][0].model, configs.pearl, goals, seed=seed + 1),
    }
    efficiency = sample_efficiency({f: runs[f][1] for f in FAMILIES})
    rows = adaptation_rows(results, maml_episodes_per_step=configs.maml.num_trajectories)
    gain = paired_difference(results["PEARL"][1], results["PEARL"][0])
    return {
        "task": task,
        "seed": seed,
        "protocol": {
            "max_steps": configs.max_steps,
            "new_goals": new_goal_count,
            "rl2": f"{configs.rl2.iterations} PPO iterations x {configs.rl2_trials} trials of "
            f"{configs.rl2_episodes} episodes, GRU {configs.rl2.hidden_size}",
            "maml": f"{configs.maml.iterations} outer iterations x {configs.maml.meta_batch_size} "
            f"tasks x {configs.maml.num_trajectories} episodes, one inner step of "
            f"{configs.maml.inner_lr}, policy {configs.maml.hidden_sizes}",
            "pearl": f"{configs.pearl.iterations} iterations x {configs.pearl.gradient_steps} "
            f"gradient steps, {configs.pearl.num_train_tasks} training goals, meta-batch "
            f"{configs.pearl.meta_batch_size} x {configs.pearl.batch_size}, networks "
            f"{configs.pearl.hidden_sizes}",
        },
        "cpu": cpu,
        "env_steps": {f: runs[f][0].history[-1]["env_steps"] for f in FAMILIES},
        "rows": [
            {
                "family": r["family"],
                "episodes": [None if c is None else [c.mean, c.half_width] for c in r["episodes"]],
                "after_steps": {k: [c.mean, c.half_width] for k, c in r["after_steps"].items()},
            }
            for r in rows
        ],
        "oracle": float(oracle(task, goals, configs.max_steps).mean()),
        "oracle_discrete": float(oracle(task, goals, configs.max_steps, "discrete").mean()),
        "stand_still": float(stand_still(task, goals, configs.max_steps).mean()),
        "pearl_gain": [gain.mean, gain.half_width, sign(gain)],
        "efficiency": efficiency,
        "curves": {
            f: [(s, r.mean) for s, r in zip(runs[f][1].env_steps, runs[f][1].returns)]
            for f in FAMILIES
        },
    }


def _cell(cell) -> str:
    return "—" if cell is None else f"{cell[0]:.2f} ± {cell[1]:.2f}"


def report(out: dict) -> None:
    print(f"\n== {TASKS[out['task']]} (seed {out['seed']}, episodes of {out['protocol']['max_steps']} steps, "
          f"{out['protocol']['new_goals']} new goals) ==")  # fmt: skip
    for family in ("rl2", "maml", "pearl"):
        print(f"  protocol {family}: {out['protocol'][family]}")
    print(
        f"{'family':9s}|"
        + "|".join(f"{f'after {k} ep.':^17s}" for k in range(4))
        + "| MAML-RL after its steps | train CPU s | env steps"
    )
    for row in out["rows"]:
        steps = ", ".join(f"{_cell(c)} ({k} ep.)" for k, c in row["after_steps"].items())
        f = row["family"]
        print(f"{f:9s}|" + "|".join(f"{_cell(c):^17s}" for c in row["episodes"])
              + f"| {steps} | {out['cpu'][f]:.0f} | {out['env_steps'][f]:,.0f}")  # fmt: skip
    print(f"oracle {out['oracle']:.2f} (continuous), {out['oracle_discrete']:.2f} (RL²'s 9 moves); "
          f"standing still {out['stand_still']:.2f}")  # fmt: skip
    g = out["pearl_gain"]
    print(f"PEARL episode 2 - episode 1 (paired): {g[0]:+.2f} ± {g[1]:.2f} "
          f"({'above 0' if g[2] > 0 else 'not above 0'})")  # fmt: skip
    eff = out["efficiency"]
    if eff["target"] is None:
        print("sample efficiency: no family's post-adaptation return beat standing still")
        return
    print(
        f"sample efficiency: target {eff['target']:.2f} (the weakest learner's best post-adaptation return)"
    )
    base = eff["steps"]["PEARL"]
    for f in FAMILIES:
        s, r = eff["steps"][f], eff["ratio"][f]
        reached = "never" if s == math.inf else f"{s:,.0f} steps"
        note = "" if eff["learned"][f] else " (never beat standing still)"
        if f != "PEARL" and not math.isnan(r):
            note += _bracket(out["curves"][f], s, base)
        print(f"  {f:8s} {reached}" + ("" if math.isnan(r) else f" = {r:.1f} x PEARL's") + note)


def _bracket(curve: list, steps: float, base: float) -> str:
    """The curve is scored only at its evaluation points: the family first reached the target
    somewhere after its last point below it, so its true ratio lies between the two points'."""
    before = [s for s, _ in curve if s < steps]
    if not before:
        return ""
    return f" (its point before, {before[-1]:,.0f}, was below: between {before[-1] / base:.1f} x and {steps / base:.1f} x)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=sorted(TASKS), default=list(TASKS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="the chapter's quick scale")
    parser.add_argument("--new-goals", type=int, default=200)
    parser.add_argument(
        "--workers", type=int, default=1, help="tasks trained in parallel processes"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.new_goals < 2:
        parser.error("--workers must be >= 1 and --new-goals >= 2")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(
        f"PEARL benchmark: {'quick' if args.quick else 'reference'} size, tasks {args.tasks}, seed {args.seed}"
    )
    print(PAPER)
    t0, c0 = time.perf_counter(), time.process_time()
    jobs = [(task, args.seed, args.quick, args.new_goals) for task in args.tasks]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            outs = list(pool.map(run_task, *zip(*jobs)))
    else:
        outs = [run_task(*job) for job in jobs]
    for out in outs:
        report(out)
    total_cpu = sum(sum(o["cpu"].values()) for o in outs)
    print(f"\ntraining CPU, all families and tasks: {total_cpu:.0f} s; wall {time.perf_counter() - t0:.0f} s "
          f"(this process's own CPU: {time.process_time() - c0:.0f} s)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(outs, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
