"""RL² on the same 2-D navigation goals, the comparison helpers and the Chapter 8 widget."""

import pytest
import torch

from course_lib.compare import maml_rl_vs_rl2 as compare
from course_lib.compare.maml_rl_vs_rl2 import (
    comparison_rows,
    explorer_goal,
    rl2_episode_returns,
    rl2_navigation_env,
    rl2_paths,
)
from course_lib.maml_rl.train import MAMLRLConfig, make_policy
from course_lib.rl2 import RL2Config, make_agent, train_rl2
from course_lib.tasks.navigation import oracle_return
from course_lib.widgets import maml_rl_explorer

STEPS = 6


@pytest.fixture(scope="module")
def agent():
    return make_agent(rl2_navigation_env(4, max_steps=STEPS), RL2Config(hidden_size=16))


def test_train_rl2_accepts_the_navigation_env():
    env = rl2_navigation_env(8, max_steps=STEPS)
    result = train_rl2(RL2Config(iterations=2, hidden_size=16), env, progress=False)
    assert len(result.history) == 2
    assert result.history[-1]["env_steps"] == 2 * 8 * 3 * STEPS


def test_rl2_returns_on_fixed_goals(agent):
    goals = torch.tensor([[0.9, 0.9], [-0.2, 0.1], [0.0, 0.0]])
    returns = rl2_episode_returns(agent, goals, max_steps=STEPS, seed=1)
    assert returns.shape == (3, 3)
    paths, per_episode = rl2_paths(agent, goals[0], max_steps=STEPS, seed=1)
    assert paths.shape == (3, STEPS + 1, 2)
    one = rl2_episode_returns(agent, goals[:1], max_steps=STEPS, seed=1)
    assert torch.allclose(per_episode, one[:, 0])
    # the path's positions reproduce the rewards: r = −‖p − goal‖ after each move
    assert torch.allclose(-(paths[0, 1:] - goals[0]).norm(dim=-1).sum(), per_episode[0], atol=1e-4)


def test_oracle_is_an_upper_bound_and_continuous_beats_discrete():
    goals = torch.tensor([[0.33, -0.27], [0.05, 0.41]])
    cont, disc = oracle_return(goals, 20), oracle_return(goals, 20, "discrete")
    assert (cont >= disc).all() and (cont > -2).all()


def test_comparison_rows():
    returns = torch.tensor([[1.0, 3.0], [2.0, 2.0]])
    rows = comparison_rows({"a": returns})
    assert rows[0]["method"] == "a" and rows[0]["mean"] == [2.0, 2.0] and rows[0]["ci"][1] == 0


def test_explorer_goal_picks_the_most_improved_goal_that_shows_both_stories(monkeypatch, agent):
    # Synthetic returns by goal x: RL² episode 1 / 2, and MAML-RL θ_0 / θ_1.
    rl2 = {0.1: (-5.0, -4.5), 0.2: (-9.0, -3.0), 0.3: (-8.0, -2.0), 0.4: (-3.0, -3.0)}
    maml = {0.1: (-6.0, -4.0), 0.2: (-6.0, -4.0), 0.3: (-6.0, -7.0), 0.4: (-6.0, -4.0)}

    def fake_paths(agent, goal, *, max_steps, seed):
        return None, torch.tensor([*rl2[round(float(goal[0]), 2)], -2.0])

    class Curve:
        def __init__(self, goal):
            self.per_task = torch.tensor([[*maml[round(float(goal[0, 0]), 2)], -3.0, -3.0]])

    monkeypatch.setattr(compare, "rl2_paths", fake_paths)
    monkeypatch.setattr(compare, "adaptation_curve", lambda policy, goal, **kw: Curve(goal))
    policy = make_policy(MAMLRLConfig(hidden_sizes=(8,)))
    candidates = torch.tensor([[0.1, 0.0], [0.2, 0.0], [0.3, 0.0], [0.4, 0.0], [0.31, 0.01]])
    goal, returns = explorer_goal(policy, agent, candidates, max_steps=STEPS)
    # 0.3 improves most but its MAML-RL step hurts; 0.2 is next and shows both stories.
    assert goal == pytest.approx((0.2, 0.0)) and returns["RL²"][:2] == [-9.0, -3.0]
    rl2.update({x: (-3.0, -3.0) for x in rl2})  # RL² never explores: nothing to show
    with pytest.raises(ValueError, match="candidates and seed must give a goal"):
        explorer_goal(policy, agent, candidates, max_steps=STEPS)


def test_bad_agent_and_goals(agent):
    with pytest.raises(TypeError, match="agent must be a RecurrentActorCritic with 9 actions"):
        rl2_episode_returns("agent", torch.zeros(1, 2), max_steps=STEPS)
    with pytest.raises(ValueError, match=r"goals must have shape \[G, 2\]"):
        rl2_episode_returns(agent, torch.zeros(2, 3), max_steps=STEPS)


def test_widget_redraws_when_the_goal_moves(agent):
    policy = make_policy(MAMLRLConfig(hidden_sizes=(8,)))
    box = maml_rl_explorer(policy, agent, goal=(0.3, -0.3), max_steps=STEPS)
    assert "inside the training square" in box.status.value
    before = box.view.image.value
    box.controls["x"].value = 0.9
    assert box.view.image.value != before
    assert "outside" in box.status.value
    print(f"widget update: {box.last_update_ms:.0f} ms")
    assert box.last_update_ms < 3000  # loose here; the benchmark holds the tight budget
    box.controls["steps"].value = 3
    assert "MAML-RL return after 0–3 steps" in box.status.value


def test_widget_bad_inputs(agent):
    policy = make_policy(MAMLRLConfig(hidden_sizes=(8,)))
    with pytest.raises(TypeError, match="policy must be a GaussianPolicy"):
        maml_rl_explorer("policy", agent)
    with pytest.raises(ValueError, match=r"goal x must be in \[-1.0, 1.0\]"):
        maml_rl_explorer(policy, agent, goal=(2.0, 0.0))
    with pytest.raises(ValueError, match=r"shown_steps must be an integer in \[0, 3\]"):
        maml_rl_explorer(policy, agent, shown_steps=5)


def test_goals_outside_the_training_square():
    from course_lib.compare.maml_rl_vs_rl2 import goals_outside

    goals = goals_outside(50, seed=3)
    assert goals.shape == (50, 2)
    assert (goals.abs().amax(1) > 0.5).all() and (goals.abs() <= 1.0).all()
    assert torch.equal(goals, goals_outside(50, seed=3))
    with pytest.raises(ValueError, match="need 0 <= inner < outer"):
        goals_outside(5, inner=1.0, outer=0.5)
