"""The maze-sweep benchmark's own pieces: its peer generator and its sweep."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from maze_sweep import backtracker_maze, main, measure, sweep_steps  # noqa: E402

from course_lib.tasks.mazes import parse_layout, random_maze_layout, shortest_path_lengths  # noqa: E402


def test_backtracker_gives_a_perfect_maze_from_the_corner():
    for seed in range(20):
        free, start = parse_layout(backtracker_maze((3, 4), np.random.default_rng(seed)))
        assert start == (1, 1)
        assert (shortest_path_lengths(free, start)[free] >= 0).all()
        # a spanning tree of 12 rooms: 12 rooms + 11 open walls
        assert free.sum() == 12 + 11


def test_sweep_in_a_corridor_is_the_shortest_path():
    free, start = parse_layout("#######\n#S....#\n#######")
    assert sweep_steps(free, start, (1, 5), np.random.default_rng(0)) == 4


def test_sweep_backtracks_out_of_a_dead_end():
    # from S, the dead end to the left costs 2 moves there and 2 back when taken first
    free, start = parse_layout("#######\n#..S..#\n#######")
    steps = {sweep_steps(free, start, (1, 5), np.random.default_rng(s)) for s in range(20)}
    assert steps == {2, 6}


def test_uniform_mazes_make_the_sweep_costlier_than_backtracker_mazes():
    sweep_u, short_u = measure(random_maze_layout, (3, 3), 200, 0)
    sweep_b, short_b = measure(backtracker_maze, (3, 3), 200, 0)
    assert sweep_u / short_u > 2.0 > 1.3 > sweep_b / short_b


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--mazes", "0"], "--mazes must be in [1, 100000], got 0"),
        (["--rooms", "0", "3"], "--rooms must be two sides in [1, 15], not both 1, got [0, 3]"),
        (["--rooms", "1", "1"], "not both 1, got [1, 1]"),
    ],
)
def test_bad_arguments_are_named(argv, message, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert message in capsys.readouterr().err
