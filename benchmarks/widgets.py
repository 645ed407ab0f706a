"""Redraw time of the course widgets per control change, against their budgets.

Usage: python benchmarks/widgets.py [--repeats 10]

For each widget: move every control through a few values, read the widget's own
``last_update_ms`` (callback + recompute + PNG render), and compare with the bare cost of
rendering the same figure to PNG (the floor any matplotlib-PNG widget pays), measured in
the same run. Prints median and 95th percentile per widget and the budget.

Widgets that show trained results get small untrained inputs here: the redraw does the same
work whatever the weights are.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from course_lib.meta import (
    ComponentConfig,
    MetaConfig,
    evaluation_tasks,
    learn_components,
    meta_train,
)
from course_lib.plotting import render_png
from course_lib.rl2 import RL2Config, evaluate_rl2, make_agent
from course_lib.tasks import BernoulliBanditVectorEnv, RandomGoalMazeVectorEnv
from course_lib.widgets import (
    adaptation_explorer,
    bandit_trial_viewer,
    clip_objective_explorer,
    component_explorer,
    gae_explorer,
    maze_replay,
    param_space_explorer,
    return_value_explorer,
    sampling_explorer,
)

torch.set_num_threads(1)


def _adaptation():
    learners = [
        meta_train(
            MetaConfig(method=m, iterations=5, k_support=5, log_every=5), progress=False
        ).model
        for m in ("maml", "pretrain")
    ]
    return adaptation_explorer(*learners)


def _components():
    runs = {
        "+".join(c) or "nothing": learn_components(
            ComponentConfig(components=c, iterations=5, log_every=5), progress=False
        )
        for c in [(), ("init",), ("init", "step_sizes")]
    }
    return component_explorer(runs, evaluation_tasks(8, k_support=5, k_query=60, seed=1))


def _bandit():
    env = BernoulliBanditVectorEnv(8, k=5, episodes_per_trial=10)
    return bandit_trial_viewer(
        evaluate_rl2(make_agent(env, RL2Config(hidden_size=16, seed=0)), env, seed=0)["batch"]
    )


def _maze():
    env = RandomGoalMazeVectorEnv(8, "room4", episodes_per_trial=3, max_steps=20)
    return maze_replay(
        evaluate_rl2(make_agent(env, RL2Config(hidden_size=16, seed=0)), env, seed=0)["batch"], env
    )


def _fewshot():
    # Ch 6: barely trained learners: the redraw only looks up precomputed predictions.
    from course_lib.meta import FewShotConfig, digit_split, train_fewshot
    from course_lib.widgets import fewshot_explorer

    train, test = digit_split()
    learners = {
        name: train_fewshot(
            FewShotConfig(method=name, iterations=5, meta_batch_size=2, log_every=5),
            train,
            progress=False,
        ).model
        for name in ("scratch", "pretrain", "maml", "fomaml", "anil", "protonet")
    }
    return fewshot_explorer(learners, test)


def _maml_rl():
    # Ch 8: untrained policies of the chapter's quick sizes; each move adapts live (3 steps).
    from course_lib.compare.maml_rl_vs_rl2 import rl2_navigation_env
    from course_lib.maml_rl import MAMLRLConfig, make_policy
    from course_lib.widgets import maml_rl_explorer

    policy = make_policy(MAMLRLConfig(hidden_sizes=(32, 32), init_log_std=-2.0))
    agent = make_agent(rl2_navigation_env(4, max_steps=20), RL2Config(hidden_size=64, seed=0))
    return maml_rl_explorer(policy, agent, max_steps=20)


def _pearl():
    # Ch 9: an untrained agent of the chapter's quick sizes on the sparse task; each new goal plays a trial.
    from course_lib.compare.meta_rl import pearl_config
    from course_lib.pearl.train import make_agent
    from course_lib.widgets import pearl_explorer

    config = pearl_config("sparse_point_robot", 1)
    return pearl_explorer(make_agent(config), config, goal=(0.0, 1.0))


# name -> (factory, {control: values to cycle}, budget in ms or None)
WIDGETS: dict[str, tuple[Callable, dict[str, list], float | None]] = {
    "return_value_explorer": (
        return_value_explorer,
        {"gamma": [0.5, 0.99, 0.0, 0.9], "epsilon": [0.0, 1.0, 0.5], "episode": [3, 7, 0]},
        200.0,
    ),
    "sampling_explorer": (
        sampling_explorer,
        {
            "n": [64, 128, 256, 100],
            "batch_size": [10, 16, 7, 32],
            "epochs": [4, 8, 2],
            "drop_last": [True, False],
            "seed": [1, 2, 3],
        },
        200.0,
    ),
    "clip_objective_explorer": (
        clip_objective_explorer,
        {"clip_coef": [0.1, 0.3, 0.45, 0.2]},
        None,
    ),
    "gae_explorer": (gae_explorer, {"gamma": [0.5, 0.99, 0.9], "lam": [0.0, 1.0, 0.8]}, None),
    "param_space_explorer": (
        param_space_explorer,
        {
            "inner_lr": [0.05, 0.2, 0.1],
            "num_tasks": [4, 2],
            "inner_steps": [3, 1],
            "outer_steps": [4, 1],
        },
        None,
    ),
    "adaptation_explorer": (
        _adaptation,
        {
            "amplitude": [1.0, 4.5, 3.0],
            "phase": [0.0, 2.5, 1.0],
            "k": [10, 5],
            "steps": [5, 1],
            "inner_lr": [0.02, 0.01],
        },
        300.0,
    ),
    "component_explorer": (
        _components,
        {"component": ["nothing", "init", "init+step_sizes"], "task": [3, 7, 0, 5]},
        300.0,
    ),
    "fewshot_explorer": (
        _fewshot,
        {"task": [3, 7, 12], "k": [5, 1], "steps": [0, 10, 1]},
        600.0,
    ),
    "bandit_trial_viewer": (_bandit, {"step": [3, 6, 9, 0], "trial": [1, 2, 0]}, None),
    "maze_replay": (_maze, {"episode": [2, 3, 1], "step": [5, 10, 20]}, None),
    "maml_rl_explorer": (
        _maml_rl,
        {"x": [0.1, 0.45, 0.9, -0.3], "y": [0.2, -0.4, 0.8], "steps": [3, 0, 1]},
        300.0,
    ),
    "pearl_explorer": (_pearl, {"angle": [30.0, 120.0, 90.0], "seen": [0, 40, 60, 20]}, None),
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
    parser.add_argument("--only", nargs="+", choices=sorted(WIDGETS), help="measure these widgets")
    args = parser.parse_args()
    print(
        f"{'widget':<24}{'updates':>8}{'median ms':>11}{'p95 ms':>9}{'PNG render ms':>15}{'update/render':>15}{'budget ms':>11}  verdict"
    )
    for name, (factory, moves, budget) in WIDGETS.items():
        if args.only and name not in args.only:
            continue
        updates, renders = measure(factory, moves, args.repeats)
        med, p95 = statistics.median(updates), sorted(updates)[int(0.95 * (len(updates) - 1))]
        render = statistics.median(renders)
        budget_text = "-" if budget is None else f"{budget:.0f}"
        verdict = (
            "-" if budget is None else ("within budget" if p95 <= budget else "OVER budget (p95)")
        )
        print(
            f"{name:<24}{len(updates):>8}{med:>11.1f}{p95:>9.1f}{render:>15.1f}{med / render:>15.2f}{budget_text:>11}  {verdict}"
        )


if __name__ == "__main__":
    main()
