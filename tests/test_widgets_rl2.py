"""Chapter 7 widgets driven headless: moving a slider must redraw the figure."""

import numpy as np
import pytest
import torch

from course_lib.rl2 import RL2Config, evaluate_rl2, make_agent
from course_lib.tasks import BernoulliBanditVectorEnv, RandomGoalMazeVectorEnv
from course_lib.widgets import bandit_trial_viewer, maze_replay

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def bandit_batch():
    env = BernoulliBanditVectorEnv(4, k=5, episodes_per_trial=10)
    return evaluate_rl2(make_agent(env, RL2Config(hidden_size=8, seed=0)), env, seed=0)["batch"]


@pytest.fixture(scope="module")
def maze():
    env = RandomGoalMazeVectorEnv(4, "room4", episodes_per_trial=3, max_steps=8)
    return evaluate_rl2(make_agent(env, RL2Config(hidden_size=8, seed=0)), env, seed=0)[
        "batch"
    ], env


def test_bandit_trial_viewer_redraws_on_step_and_trial(bandit_batch):
    box = bandit_trial_viewer(bandit_batch)
    assert set(box.controls) == {"trial", "step"}
    before = box.view.image.value
    box.controls["step"].value = 6
    after_step = box.view.image.value
    assert after_step != before and "step 6" in box.status.value
    box.controls["trial"].value = (box.controls["trial"].value + 1) % 4
    assert box.view.image.value != after_step
    assert box.last_update_ms < 5000


def test_maze_replay_redraws_on_episode_and_step(maze):
    batch, env = maze
    box = maze_replay(batch, env)
    assert set(box.controls) == {"trial", "episode", "step"}
    before = box.view.image.value
    box.controls["episode"].value = 2
    assert box.view.image.value != before
    mid = box.view.image.value
    box.controls["step"].value = 1
    assert box.view.image.value != mid
    assert "episode lengths" in box.status.value


def test_widgets_reject_the_wrong_batch(bandit_batch, maze):
    # the right type holding the other family's trials: a wrong value
    with pytest.raises(
        ValueError, match=r"batch must hold bandit trials .*, got task of shape \[4\]"
    ):
        bandit_trial_viewer(maze[0])
    with pytest.raises(ValueError, match="batch must hold maze trials"):
        maze_replay(bandit_batch, maze[1])


def _batch(actions, rewards, episode_end, task):
    """A hand-made TrialBatch: time-major [T, N] actions, rewards and episode-end flags."""
    from course_lib.trials import TrialBatch

    actions = torch.tensor(actions).T
    steps, n = actions.shape
    end = torch.tensor(episode_end, dtype=torch.bool).T
    trial_end = torch.zeros_like(end)
    trial_end[-1] = True
    return TrialBatch(
        inputs=torch.zeros(steps, n, 3),
        actions=actions,
        logp=torch.zeros(steps, n),
        probs=torch.full((steps, n, 5), 0.2),
        values=torch.zeros(steps, n),
        rewards=torch.tensor(rewards, dtype=torch.float32).T,
        episode_end=end,
        trial_end=trial_end,
        valid=torch.ones(steps, n, dtype=torch.bool),
        task=task,
    )


def test_bandit_viewer_opens_on_a_trial_that_explores_then_commits():
    from course_lib.widgets.rl2 import representative_bandit_trial

    batch = _batch(
        actions=[
            [0] * 10,  # never explores
            [0, 1, 2, 1, 2, 2, 2, 2, 2, 2],  # explores, then commits to arm 2
            [3, 4, 3, 4, 1, 0, 2, 4, 3, 1],  # never commits
            [0, 1, 2, 2, 2, 2, 2, 2, 2, 2],  # explores and commits, but a lucky trial
        ],
        rewards=[[0] * 10, [0, 1, 1, 0, 1, 1, 0, 1, 1, 1], [0] * 10, [1] * 10],
        episode_end=[[1] * 10] * 4,
        task=torch.rand(4, 5, generator=torch.Generator().manual_seed(0)),
    )
    assert representative_bandit_trial(batch) == 1
    assert bandit_trial_viewer(batch).controls["trial"].value == 1


def test_bandit_viewer_default_on_a_real_batch_is_not_all_failures(bandit_batch):
    box = bandit_trial_viewer(bandit_batch)
    assert bandit_batch.trial_returns[box.controls["trial"].value] > 0


def test_bandit_viewer_prefers_a_trial_that_finds_and_keeps_the_best_arm():
    from course_lib.widgets.rl2 import commit_step, representative_bandit_trial

    task = torch.tensor([[0.9, 0.5, 0.3, 0.2, 0.1]] * 4)  # arm 0 is the best in every trial
    batch = _batch(
        actions=[
            [1, 2, 1, 1, 1, 1, 1, 1, 1, 1],  # explores, commits to arm 1: not the best
            [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],  # commits to the best arm, but it was tried first
            [2, 1, 3, 0, 0, 0, 0, 0, 0, 0],  # tries three arms, then finds and keeps arm 0
            [3, 3, 3, 3, 3, 3, 3, 3, 3, 3],  # never explores
        ],
        rewards=[
            [0, 0, 1, 1, 1, 1, 1, 1, 0, 1],
            [1] * 10,
            [0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            [0] * 10,
        ],
        episode_end=[[1] * 10] * 4,
        task=task,
    )
    # the median reward is trial 0's (7); trial 2 (9) is the only one that shows the story
    assert representative_bandit_trial(batch) == 2
    assert [commit_step(batch, i) for i in range(4)] == [2, 2, 3, 0]
    box = bandit_trial_viewer(batch)
    assert box.controls["trial"].value == 2 and box.controls["step"].value == 3
    assert "arms tried so far [1, 2, 3]" in box.status.value
    assert "pulls arm 0 next, the best arm" in box.status.value
    box.controls["trial"].value = 0
    assert "not the best arm (0)" in box.status.value


def _maze_batch(lengths_per_trial):
    """A hand-made maze TrialBatch whose trials have these episode lengths (padding masked)."""
    total = max(sum(lengths) for lengths in lengths_per_trial)
    flags = []
    for lengths in lengths_per_trial:
        row = [0] * total
        for t in np.cumsum(lengths):
            row[t - 1] = 1
        flags.append(row)
    n = len(lengths_per_trial)
    batch = _batch([[0] * total] * n, [[0] * total] * n, flags, torch.zeros(n, dtype=torch.long))
    batch.valid[:] = False
    for i, lengths in enumerate(lengths_per_trial):
        batch.valid[: sum(lengths), i] = True
    return batch


def test_maze_replay_opens_on_a_typical_trial_with_a_short_second_episode():
    from course_lib.trials import episode_lengths
    from course_lib.widgets.rl2 import representative_maze_trial

    lengths = [(7, 13, 5), (12, 4, 4), (20, 3, 3)]  # trial 0 walks *longer* in episode 2
    batch = _maze_batch(lengths)
    assert episode_lengths(batch).tolist() == [list(t) for t in lengths]
    assert representative_maze_trial(batch) == 1


def test_maze_replay_skips_trials_that_show_no_exploration():
    from course_lib.trials import episode_lengths
    from course_lib.widgets.rl2 import representative_maze_trial

    # trial 0 found the goal on the first branch (3, 3, 3): no exploration to show; among the
    # rest the median is (9, 4, 4), and trials 1 and 2 tie at distance 1: the lower index wins
    lengths = [(3, 3, 3), (8, 4, 4), (9, 4, 5), (20, 3, 3)]
    batch = _maze_batch(lengths)
    assert episode_lengths(batch).tolist() == [list(t) for t in lengths]
    assert representative_maze_trial(batch) == 1


def test_draw_maze_rejects_bad_input_with_the_argument_named():
    from course_lib.plotting import new_figure
    from course_lib.tasks.mazes import parse_layout
    from course_lib.widgets.rl2 import draw_maze

    free, start = parse_layout("room4")
    fig, ax = new_figure()
    draw_maze(ax, free, start, (2, 2))  # a valid call draws
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes, got str"):
        draw_maze("ax", free, start, (2, 2))
    with pytest.raises(TypeError, match="free must be a 2-D bool numpy array"):
        draw_maze(ax, free.astype(int), start, (2, 2))
    with pytest.raises(
        ValueError, match=r"goal must be a \(row, col\) free cell of the 6 x 6 maze, got \(0, 0\)"
    ):
        draw_maze(ax, free, start, (0, 0))  # a wall
    with pytest.raises(ValueError, match=r"start must be a \(row, col\) free cell .* got \(9, 1\)"):
        draw_maze(ax, free, (9, 1), (2, 2))
