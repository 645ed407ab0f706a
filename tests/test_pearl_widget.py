"""Chapter 9 widget driven headless: moving a control redraws; the defaults are the code's."""

import dataclasses

import pytest
import torch

from course_lib.pearl.train import PEARLConfig, make_agent
from course_lib.widgets import pearl_explorer

torch.set_num_threads(1)
SMALL = dict(
    latent_dim=3,
    hidden_sizes=(8,),
    encoder_hidden_sizes=(8,),
    num_train_tasks=2,
    tasks_per_iteration=1,
)


@pytest.mark.parametrize("task, goal, controls", [
    ("sparse_point_robot", (0.0, 1.0), {"angle", "seen"}),
    ("navigation", (0.3, -0.2), {"x", "y", "seen"}),
])  # fmt: skip
def test_widget_redraws_on_every_control(task, goal, controls):
    config = PEARLConfig(task=task, **SMALL)
    box = pearl_explorer(make_agent(config), config, goal=goal)
    assert set(box.controls) == controls
    assert box.controls["seen"].value == config.max_steps  # opens at the end of episode 1
    assert box.controls["seen"].max == 3 * config.max_steps
    for name in controls:
        before = box.view.image.value
        control = box.controls[name]
        control.value = control.min if control.value != control.min else control.max
        assert box.view.image.value != before, name
    assert "returns of episodes 1–3" in box.status.value and box.last_update_ms < 5000


def test_the_goal_slider_starts_at_the_given_goal():
    config = PEARLConfig(**SMALL)
    box = pearl_explorer(make_agent(config), config, goal=(0.0, 1.0), transitions=0)
    assert box.controls["angle"].value == 90.0 and box.controls["seen"].value == 0
    assert "after 0 transitions 1.000" in box.status.value  # no transitions: the prior


def test_bad_arguments_are_named():
    config = PEARLConfig(**SMALL)
    agent = make_agent(config)
    with pytest.raises(TypeError, match="agent must be a PEARLAgent"):
        pearl_explorer("agent", config, goal=(0.0, 1.0))
    with pytest.raises(TypeError, match="goal must be a pair"):
        pearl_explorer(agent, config, goal=0.5)
    with pytest.raises(ValueError, match="goal angle"):
        pearl_explorer(agent, config, goal=(0.0, -1.0))
    with pytest.raises(ValueError, match="transitions must be an integer"):
        pearl_explorer(agent, config, goal=(0.0, 1.0), transitions=61)
    with pytest.raises(TypeError, match=r"goal\[0\] must be of type Real, got 'a'"):
        pearl_explorer(agent, config, goal=("a", "b"))
    with pytest.raises(TypeError, match="goal must be a list or tuple, got str"):
        pearl_explorer(agent, config, goal="ab")
    with pytest.raises(ValueError, match="agent and config must match"):
        pearl_explorer(
            agent, dataclasses.replace(config, latent_dim=config.latent_dim + 1), goal=(0.0, 1.0)
        )
