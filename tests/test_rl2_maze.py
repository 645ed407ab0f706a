"""The notes' maze: a new random maze every trial, reachability (BFS), replay, bad input."""

from collections import Counter

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

from course_lib import tasks
from course_lib.rl2 import RL2Config, TrialWrapper, evaluate_rl2, make_agent, train_rl2
from course_lib.rl2.analysis import maze_paths, maze_shortest_paths
from course_lib.tasks import (
    RandomGoalMaze,
    RandomGoalMazeVectorEnv,
    RandomMaze,
    RandomMazeVectorEnv,
    random_maze_layout,
    shortest_path_lengths,
)
from course_lib.tasks.mazes import next_cell_table, parse_layout
from course_lib.trials import episode_lengths
from course_lib.widgets import maze_replay

torch.set_num_threads(1)

POCKET = """
#######
#S..#.#
#...###
#######"""  # the free cell at (1, 5) is walled in: a goal there could never be reached


def test_shortest_path_lengths_by_hand():
    free = np.array(
        [
            [0, 0, 0, 0, 0],
            [0, 1, 1, 1, 0],
            [0, 0, 0, 1, 0],
            [0, 1, 1, 1, 0],
            [0, 1, 0, 0, 0],
            [0, 0, 0, 0, 0],
        ],
        dtype=bool,
    )
    dist = shortest_path_lengths(free, (1, 1))
    assert dist[1, 3] == 2 and dist[3, 3] == 4 and dist[3, 1] == 6 and dist[4, 1] == 7
    assert dist[0, 0] == -1 and dist[2, 1] == -1  # walls are never reached


def test_hand_made_layout_with_an_unreachable_goal_is_refused():
    with pytest.raises(
        ValueError, match=r"cannot be reached from the start \(1, 1\): \[\(1, 5\)\]"
    ):
        RandomGoalMaze(POCKET)
    with pytest.raises(ValueError, match="cannot be reached"):
        RandomGoalMazeVectorEnv(2, POCKET)


@pytest.mark.parametrize("rooms", [(1, 2), (2, 2), (3, 3), (3, 5), (6, 4)])
def test_random_maze_is_perfect_and_fully_reachable(rooms):
    rng = np.random.default_rng(0)
    for _ in range(20):
        free, start = parse_layout(random_maze_layout(rooms, rng))
        centre = (2 * ((rooms[0] - 1) // 2) + 1, 2 * ((rooms[1] - 1) // 2) + 1)
        assert free.shape == (2 * rooms[0] + 1, 2 * rooms[1] + 1) and start == centre
        # a perfect maze is a spanning tree of the rooms: R·C rooms + (R·C − 1) passages
        assert free.sum() == 2 * rooms[0] * rooms[1] - 1
        assert (shortest_path_lengths(free, start)[free] >= 0).all()


def test_random_mazes_are_uniform_over_the_spanning_trees():
    # Aldous–Broder: every perfect maze equally likely. A 2 x 3 grid of rooms has exactly 15
    # spanning trees; 6,000 draws put 400 on each, and each count stays within 5 sd (~99).
    rng = np.random.default_rng(0)
    counts = Counter(random_maze_layout((2, 3), rng) for _ in range(6000))
    assert len(counts) == 15
    assert all(abs(c - 400) < 99 for c in counts.values()), sorted(counts.values())


def test_random_maze_loops_open_extra_walls_and_seeding_reproduces():
    a = random_maze_layout((4, 4), np.random.default_rng(3))
    assert a == random_maze_layout((4, 4), np.random.default_rng(3))
    assert a != random_maze_layout((4, 4), np.random.default_rng(4))
    loopy, _ = parse_layout(random_maze_layout((4, 4), np.random.default_rng(3), loops=1.0))
    assert loopy.sum() == 16 + 2 * 4 * 3  # every inner wall between rooms opened


def test_random_maze_env_passes_check_env_and_redraws_the_maze_per_trial():
    check_env(RandomMaze(), skip_render_check=True)
    env = RandomMaze(rooms=(3, 3), episodes_per_trial=2, max_steps=1)
    env.reset(seed=0)
    first = env.free.copy(), env.goal
    env.step(2)  # one step: the episode is cut (max_steps 1) unless the goal is right there
    env.reset()
    assert np.array_equal(env.free, first[0]) and env.goal == first[1]  # same trial, same maze
    env.step(2)
    mazes = set()
    for seed in range(10):
        env.reset(seed=seed)
        mazes.add(env.free.tobytes())
    assert len(mazes) > 5


def test_registered_id_makes_the_random_maze_and_its_vector_env():
    env = gym.make(tasks.RANDOM_MAZE_ID, rooms=(2, 2))
    assert env.observation_space.shape == (5 * 5 + 4,)
    vec = gym.make_vec(
        tasks.RANDOM_MAZE_ID, num_envs=3, vectorization_mode="vector_entry_point", rooms=(2, 2)
    )
    assert isinstance(vec, RandomMazeVectorEnv) and vec.reset(seed=0)[0].shape == (3, 29)


def test_trial_wrapper_over_random_maze_keeps_the_maze_for_five_episodes():
    env = TrialWrapper(RandomMaze(max_steps=3))
    env.reset(seed=1)
    walls = env.unwrapped.free.copy()
    terminated, episodes = False, 0
    while not terminated:
        _, _, terminated, _, info = env.step(0)
        assert np.array_equal(env.unwrapped.free, walls)
        episodes = info["episode"]
    assert episodes == 5


def test_vector_random_maze_moves_observes_walls_and_redraws_at_trial_end():
    # 2 x 3 rooms: the start (the centre room's cell, rounded up-left) is on the top row
    env = RandomMazeVectorEnv(64, rooms=(2, 3), episodes_per_trial=2, max_steps=3)
    obs = env.reset_tensor(seed=0)
    cells, rows = env.height * env.width, torch.arange(64)
    assert obs.shape == (64, cells + 4) and env.task.shape == (64, 5, 7)
    assert divmod(env.start_cell, env.width) == (1, 3)
    assert not bool((env.goal == env.start_cell).any())
    first_task = env.task.clone()
    for _ in range(20):  # random moves: the wall flags predict exactly which moves are blocked
        before, action = env.position.clone(), torch.randint(4, (64,))
        walls = obs[rows, cells + action].bool()
        moved = env.next_cell[rows, before, action]  # read before a trial end redraws the maze
        assert torch.equal(moved == before, walls)
        assert bool(env.free_cells[rows, moved].all())
        obs, *_ = env.step_tensor(action)
    env.reset_tensor(seed=0)
    assert torch.equal(env.task, first_task)  # same seed, same mazes
    for step in range(
        1, 7
    ):  # "up" from the start is always a wall: no goal, both episodes time out
        *_, trial_end = env.step_tensor(torch.zeros(64, dtype=torch.long))
        assert bool(trial_end.all()) == (step == 6)
        if step < 6:
            assert torch.equal(env.task, first_task)  # within the trial the maze stays
    # every trial draws a new maze and goal: 15 mazes x 10 goals, so a few repeats by chance
    assert float((env.task == first_task).all((1, 2)).float().mean()) < 0.1


def test_vector_random_maze_seeding_is_reproducible():
    a, b = RandomMazeVectorEnv(16), RandomMazeVectorEnv(16)
    a.reset_tensor(seed=5), b.reset_tensor(seed=5)
    assert torch.equal(a.task, b.task)
    c = RandomMazeVectorEnv(16)
    c.reset_tensor(seed=6)
    assert not torch.equal(a.task, c.task)


@pytest.fixture(scope="module")
def played():
    env = RandomMazeVectorEnv(6, rooms=(2, 3), max_steps=12)
    agent = make_agent(env, RL2Config(hidden_size=8, seed=0))
    return evaluate_rl2(agent, env, seed=0), env


def test_paths_follow_each_trials_own_walls_and_shortest_path_is_a_floor(played):
    result, env = played
    batch = result["batch"]
    lengths = episode_lengths(batch)
    shortest = maze_shortest_paths(batch, env)
    assert lengths.shape == (6, 5) and bool((shortest >= 1).all())
    for i in range(6):
        free, goal = env.trial_layout(batch.task[i])
        table = next_cell_table(free)
        paths = maze_paths(batch, env, i)
        assert [len(p) - 1 for p in paths] == lengths[i].int().tolist()
        for path in paths:
            for (r0, c0), (r1, c1) in zip(path, path[1:]):
                assert free[r1, c1] and (r1 * env.width + c1) in table[r0 * env.width + c0]
            if path[-1] == goal:
                assert len(path) - 1 >= shortest[i]


def test_train_rl2_runs_on_random_mazes_and_logs_five_episode_lengths():
    env = RandomMazeVectorEnv(8, rooms=(2, 2), max_steps=6)
    config = RL2Config(iterations=2, hidden_size=8, num_minibatches=2, seed=0)
    result = train_rl2(config, env, progress=False)
    assert [f"len_ep{j}" in result.history[-1] for j in range(1, 6)] == [True] * 5


def test_maze_replay_draws_each_trials_walls(played):
    result, env = played
    box = maze_replay(result["batch"], env)
    first = box.view.image.value
    assert "shortest path" in box.status.value
    box.controls["trial"].value = 1
    assert box.view.image.value != first
    box.controls["episode"].value = 5
    assert "episode lengths" in box.status.value


@pytest.mark.parametrize(
    "make, error, match",
    [
        (
            lambda: RandomMaze(episodes_per_trial=0),
            ValueError,
            r"episodes_per_trial must be an integer in \[1, 100_000\], got 0",
        ),
        (
            lambda: RandomMazeVectorEnv(4, episodes_per_trial=0),
            ValueError,
            r"episodes_per_trial must be an integer in \[1, 100_000\], got 0",
        ),
        (
            lambda: RandomGoalMaze("room4", episodes_per_trial=0),
            ValueError,
            "episodes_per_trial must be",
        ),
        (lambda: RandomMaze(rooms=(1, 1)), ValueError, "at least 2 rooms"),
        (
            lambda: RandomMaze(rooms=(16, 3)),
            ValueError,
            r"rooms\[0\] must be an integer in \[1, 15\]",
        ),
        (lambda: RandomMaze(rooms="3x3"), TypeError, "rooms must be a pair of ints"),
        (lambda: RandomMaze(loops=2.0), ValueError, r"loops must be in \[0.0, 1.0\]"),
        (
            lambda: RandomMazeVectorEnv(0),
            ValueError,
            r"num_envs must be an integer in \[1, 100_000\], got 0",
        ),
        (lambda: random_maze_layout((3, 3), 0), TypeError, "rng must be a numpy.random.Generator"),
    ],
)
def test_bad_maze_input(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_shortest_paths_in_an_open_room_are_manhattan_distances():
    env = RandomGoalMazeVectorEnv(8, "room4", max_steps=3)
    batch = evaluate_rl2(make_agent(env, RL2Config(hidden_size=8, seed=0)), env, seed=1)["batch"]
    rows, cols = batch.task // env.width, batch.task % env.width
    expected = (rows - 1) + (cols - 1)  # start (1, 1), no inner walls
    assert torch.equal(maze_shortest_paths(batch, env), expected.float())
