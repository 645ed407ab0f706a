"""The notes' maze strategies, measured: explore then exploit, dead ends, frontier; one fixed maze."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib.rl2 import RL2Config, evaluate_rl2
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.analysis import maze_behaviour
from course_lib.rl2.train import StopWhenShort, train_rl2
from course_lib.tasks import RandomGoalMazeVectorEnv, RandomMazeVectorEnv
from course_lib.tasks.mazes import layout_string, parse_layout, random_maze_layout
from course_lib.trials import input_size, rollout_trials

torch.set_num_threads(1)

# A corridor above the start: (1, 1) is a dead end (walls on three sides), the goal is (1, 5).
#   #######
#   #.....#
#   ###S###
T_MAZE = "#######\n#.....#\n###S###\n#######"
UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3


class Scripted(RecurrentActorCritic):
    """Plays a fixed list of moves per env; its one-number hidden state counts the steps."""

    def __init__(self, obs_size: int, plans: list[list[int]]):
        super().__init__(input_size(obs_size, 4), 4, hidden_size=1)
        width = max(len(p) for p in plans)
        self.plans = torch.tensor([p + [UP] * (width - len(p)) for p in plans])

    def step(self, x, hidden):
        t = hidden[:, 0].long().clamp(max=self.plans.shape[1] - 1)
        action = self.plans[torch.arange(len(t)), t]
        return 10.0 * F.one_hot(action, 4).float(), torch.zeros(len(t)), hidden + 1


def _play(plans, episodes=3, max_steps=8):
    env = RandomGoalMazeVectorEnv(
        len(plans), T_MAZE, episodes, max_steps, observe_walls=True, goal=(1, 5)
    )
    agent = Scripted(env.single_observation_space.shape[0], plans)
    return rollout_trials(agent, env, seed=0, greedy=True), env


# trial 0: explores, entering the dead end, finds the goal in episode 1; walks the shortest
# path in episode 2; goes back into the known dead end in episode 3.
# trial 1: turns back once while new cells are open, is cut off after 8 steps in episode 1,
# finds the goal in episode 2, walks the shortest path in episode 3.
SWEEP = [UP, LEFT, LEFT, RIGHT, RIGHT, RIGHT, RIGHT]
PLANS = [
    SWEEP + [UP, RIGHT, RIGHT] + SWEEP,
    [UP, DOWN, UP, LEFT, LEFT, RIGHT, RIGHT, RIGHT] + [UP, RIGHT, RIGHT] * 2,
]


def test_maze_behaviour_counts_a_hand_played_trial_exactly():
    batch, env = _play(PLANS)
    b = maze_behaviour(batch, env)
    assert b.lengths.tolist() == [[7, 3, 7], [8, 3, 3]]
    assert b.found.tolist() == [[True, True, True], [False, True, True]]
    assert b.shortest.tolist() == [3, 3] and b.first_found().tolist() == [1, 2]
    assert b.new_cells.tolist() == [[5, 0, 0], [4, 1, 0]]
    assert b.known_dead_ends.tolist() == [[0, 1, 1], [0, 1, 1]]
    assert b.dead_end_revisits.tolist() == [[0, 0, 1], [0, 0, 0]]
    # frontier steps: trial 0 takes a new cell on all 5; trial 1 turns back on 1 of its 6
    assert b.frontier_steps.sum(1).tolist() == [5, 6]
    assert b.frontier_taken.sum(1).tolist() == [5, 5]
    assert b.frontier_chance.sum(1).tolist() == pytest.approx([3.0, 11 / 3])
    s = b.summary()
    assert s["found_by_episode"] == [0.5, 1.0, 1.0] and s["exploring_episodes"] == 1.5
    assert s["shortest_after_found"] == pytest.approx(2 / 3)  # 3 exploit episodes, one at 7
    assert s["excess_after_found"] == pytest.approx(4 / 3)
    assert s["dead_end_revisit_rate"] == 0.25  # 1 of 4 known dead ends (episodes 2-3) entered
    assert s["dead_end_revisits_per_episode"] == 0.25
    assert s["frontier_rate"] == pytest.approx(10 / 11)
    assert s["frontier_chance"] == pytest.approx((3 + 11 / 3) / 11)


def test_maze_behaviour_on_random_mazes_is_consistent():
    env = RandomMazeVectorEnv(32, rooms=(2, 3), max_steps=10)
    agent = RecurrentActorCritic(input_size(env.single_observation_space.shape[0], 4), 4, 8)
    batch = evaluate_rl2(agent, env, seed=3)["batch"]
    b = maze_behaviour(batch, env)
    assert torch.equal(b.lengths.sum(1), batch.valid.sum(0).float())
    assert bool((b.frontier_taken <= b.frontier_steps).all())
    assert bool((b.dead_end_revisits <= b.known_dead_ends).all())
    assert bool((b.known_dead_ends[:, 0] == 0).all())  # nothing is known in episode 1
    cells = env.height * env.width
    assert bool((b.new_cells.sum(1) <= cells).all())
    s = b.summary()
    assert 0 <= s["frontier_chance"] <= 1 and 0 <= s["frontier_rate"] <= 1
    assert s["found_by_episode"] == sorted(s["found_by_episode"])


def test_maze_behaviour_names_bad_input():
    batch, env = _play(PLANS)
    with pytest.raises(TypeError, match="batch must be a TrialBatch .*, got str"):
        maze_behaviour("batch", env)
    with pytest.raises(TypeError, match="env must be a RandomGoalMazeVectorEnv, got str"):
        maze_behaviour(batch, "env")


def test_layout_string_round_trips_a_random_maze():
    text = random_maze_layout((3, 3), np.random.default_rng(0))
    free, start = parse_layout(text)
    assert layout_string(free, start) == text
    with pytest.raises(ValueError, match=r"start must be a \(row, col\) free cell of the 7 x 7"):
        layout_string(free, (0, 0))
    with pytest.raises(TypeError, match="free must be a 2-D bool numpy array"):
        layout_string(free.astype(int), start)


def test_a_fixed_goal_gives_one_task_every_trial():
    env = RandomGoalMazeVectorEnv(4, T_MAZE, episodes_per_trial=1, goal=(1, 1))
    for seed in range(3):
        env.reset_tensor(seed)
        assert env.task.tolist() == [1 * env.width + 1] * 4
    for goal in [(2, 3), (0, 0), (9, 1), "1,1", (1.0, 1)]:  # the start, a wall, outside, ...
        message = f"goal must be a (row, col) free cell other than the start of the 4 x 7 maze, got {goal!r}"
        with pytest.raises(ValueError, match=re.escape(message)):
            RandomGoalMazeVectorEnv(2, T_MAZE, goal=goal)


def test_stop_when_short_counts_the_trials_until_the_greedy_path_is_short():
    corridor = "#####\n#S..#\n#####"  # the goal two steps to the right
    train = RandomGoalMazeVectorEnv(8, corridor, episodes_per_trial=1, max_steps=6, goal=(1, 3))
    probe = RandomGoalMazeVectorEnv(1, corridor, episodes_per_trial=1, max_steps=6, goal=(1, 3))
    config = RL2Config(
        iterations=40,
        hidden_size=16,
        recurrent=False,
        observation_only=True,
        learning_rate=1e-2,
        num_minibatches=2,
        seed=0,
    )
    stop = StopWhenShort(probe, max_length=2)
    result = train_rl2(config, train, callback=stop, progress=False)
    assert stop.trials == 8 * len(result.history) and stop.lengths[-1] == 2
    assert all(length > 2 for length in stop.lengths[:-1])
    never = StopWhenShort(probe, max_length=1)  # the goal is 2 steps away: never that short
    train_rl2(
        RL2Config(iterations=2, hidden_size=8, num_minibatches=2),
        train,
        callback=never,
        progress=False,
    )
    assert never.trials is None and len(never.lengths) == 2
    with pytest.raises(ValueError, match=r"max_length must be in \[1.0, 6.0\], got 0"):
        StopWhenShort(probe, max_length=0)
    with pytest.raises(TypeError, match="env must be a RandomGoalMazeVectorEnv"):
        StopWhenShort("maze", max_length=3)
