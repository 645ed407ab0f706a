"""The three-family comparison: goals, floors, sample efficiency on known curves, a tiny run of each."""

import dataclasses
import math

import pytest
import torch

from course_lib.compare.meta_rl import (
    FAMILIES,
    FamilyConfigs,
    LearningCurve,
    adaptation_rows,
    maml_rl_returns,
    new_goals,
    oracle,
    pearl_returns,
    rl2_returns,
    sample_efficiency,
    stand_still,
    steps_to_reach,
    train_family,
)
from course_lib.stats import Interval

torch.set_num_threads(1)


def curve(floor, points):
    c = LearningCurve(floor)
    for steps, mean in points:
        c.env_steps.append(steps)
        c.returns.append(Interval(mean, 0.1, 50))
    return c


def test_goals_come_from_their_own_seed_and_lie_in_their_family():
    a, b = new_goals("navigation", 20, 3), new_goals("navigation", 20, 3)
    assert torch.equal(a, b) and bool((a.abs() <= 0.5).all())
    arc = new_goals("sparse_point_robot", 20, 3)
    torch.testing.assert_close(arc.norm(dim=1), torch.ones(20))
    torch.testing.assert_close(
        stand_still("navigation", torch.tensor([[0.3, 0.4]]), 20), torch.tensor([-10.0])
    )
    assert stand_still("sparse_point_robot", arc, 20).abs().sum() == 0
    assert bool((oracle("navigation", a, 20) > stand_still("navigation", a, 20)).all())


def test_steps_to_reach_and_the_ratio_on_known_curves():
    curves = {
        "RL²": curve(-8.0, [(1_000, -9.0), (50_000, -6.0), (100_000, -3.0)]),
        "MAML-RL": curve(-8.0, [(8_000, -8.5), (16_000, -8.2)]),  # never beats standing still
        "PEARL": curve(-8.0, [(500, -9.0), (1_000, -6.5), (2_000, -5.0)]),
    }
    assert steps_to_reach(curves["RL²"], -6.0) == 50_000
    assert steps_to_reach(curves["RL²"], 0.0) == math.inf
    result = sample_efficiency(curves)
    assert result["learned"] == {"RL²": True, "MAML-RL": False, "PEARL": True}
    assert result["target"] == -5.0  # PEARL's best: the weakest learner's best
    assert result["steps"] == {"RL²": 100_000, "MAML-RL": math.inf, "PEARL": 2_000}
    assert result["ratio"]["RL²"] == 50.0 and math.isnan(result["ratio"]["MAML-RL"])


def test_no_learner_sets_no_target():
    flat = {"RL²": curve(0.0, [(1, 0.0)]), "PEARL": curve(0.0, [(1, 0.05)])}
    assert sample_efficiency(flat)["target"] is None


def test_adaptation_rows_leave_maml_rl_blank_until_its_first_step():
    rows = adaptation_rows(
        {
            "MAML-RL": torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
            "PEARL": torch.arange(8.0).reshape(4, 2),
        },
        maml_episodes_per_step=20,
    )
    maml, pearl = rows
    assert maml["episodes"][1:] == [None, None, None] and list(maml["after_steps"]) == [20]
    assert maml["after_steps"][20].mean == 3.5 and pearl["episodes"][3].mean == 6.5


@pytest.mark.parametrize("task", ["navigation", "sparse_point_robot"])
def test_every_family_trains_and_plays_the_same_goals(task):
    configs = FamilyConfigs.quick(task, seed=0)
    configs = dataclasses.replace(
        configs,
        rl2=dataclasses.replace(configs.rl2, iterations=2, hidden_size=8),
        rl2_trials=4,
        maml=dataclasses.replace(configs.maml, iterations=2, meta_batch_size=2, num_trajectories=2),
        pearl=dataclasses.replace(
            configs.pearl, iterations=2, gradient_steps=2, num_train_tasks=5, tasks_per_iteration=2
        ),
    )
    goals = new_goals(task, 3, 7)
    runs = {f: train_family(f, configs, goals, evaluations=2, progress=False) for f in FAMILIES}
    for family, (_, learning) in runs.items():
        assert len(learning.env_steps) == 2 and learning.env_steps == sorted(learning.env_steps), (
            family
        )
        assert learning.floor == float(stand_still(task, goals, 20).mean())
    assert rl2_returns(runs["RL²"][0].model, task, goals, max_steps=20, episodes=4).shape == (4, 3)
    assert maml_rl_returns(runs["MAML-RL"][0].model, configs.maml, goals, steps=3).shape == (4, 3)
    assert pearl_returns(runs["PEARL"][0].model, configs.pearl, goals, episodes=4).shape == (4, 3)


def test_bad_names_are_refused():
    with pytest.raises(ValueError, match="family must be one of"):
        train_family("VariBAD", FamilyConfigs.quick("navigation"), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="task must be one of"):
        new_goals("maze", 3, 0)
