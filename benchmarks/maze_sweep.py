"""Why Chapter 7's mazes are uniform spanning trees: what a sweep costs against the shortest path.

A memoryless agent can still find a hidden goal by sweeping the maze: a depth-first walk
that takes untried branches in random order and backtracks from dead ends. If such a sweep
already reaches the goal almost by the shortest path, remembering the goal from episode 1
has little to add, and RL²'s explore-then-exploit shape (Chapter 7 §4) cannot show.

For 1,000 mazes of each generator, with the goal drawn uniformly among the rooms other than
the start room, this prints the mean sweep length, the mean shortest path (BFS) and their
ratio, for

* ``course_lib.tasks.mazes.random_maze_layout``: Aldous–Broder (uniform spanning tree), start
  in the centre room, the course's generator;
* the peer: the depth-first "recursive backtracker", start in the corner, which the course
  used first (defined here; nothing else uses it).

    .venv/bin/python benchmarks/maze_sweep.py                  # 3 x 3 rooms, 1,000 mazes
    .venv/bin/python benchmarks/maze_sweep.py --rooms 2 3 --mazes 200
"""

from __future__ import annotations

import argparse

import numpy as np

from course_lib.tasks.mazes import parse_layout, random_maze_layout, shortest_path_lengths

_MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))


def backtracker_maze(rooms: tuple[int, int], rng: np.random.Generator) -> str:
    """The depth-first "recursive backtracker" maze, start in the upper-left room."""
    rows, cols = rooms
    free = np.zeros((2 * rows + 1, 2 * cols + 1), dtype=bool)
    free[1::2, 1::2] = True
    visited = np.zeros(rooms, dtype=bool)
    visited[0, 0] = True
    stack = [(0, 0)]
    while stack:
        r, c = stack[-1]
        nexts = [
            (dr, dc)
            for dr, dc in _MOVES
            if 0 <= r + dr < rows and 0 <= c + dc < cols and not visited[r + dr, c + dc]
        ]
        if not nexts:
            stack.pop()
            continue
        dr, dc = nexts[int(rng.integers(len(nexts)))]
        free[2 * r + 1 + dr, 2 * c + 1 + dc] = True
        visited[r + dr, c + dc] = True
        stack.append((r + dr, c + dc))
    grid = np.where(free, ".", "#")
    grid[1, 1] = "S"
    return "\n".join("".join(row) for row in grid)


def sweep_steps(
    free: np.ndarray, start: tuple[int, int], goal: tuple[int, int], rng: np.random.Generator
) -> int:
    """Moves a depth-first sweep (untried branches in random order, backtracking from dead
    ends, one move per cell) makes from ``start`` until it stands on ``goal``."""
    seen, path, steps = {start}, [start], 0
    while path[-1] != goal:
        r, c = path[-1]
        options = [
            (r + dr, c + dc)
            for dr, dc in _MOVES
            if free[r + dr, c + dc] and (r + dr, c + dc) not in seen
        ]
        if options:
            cell = options[int(rng.integers(len(options)))]
            seen.add(cell)
            path.append(cell)
        else:
            path.pop()  # back one cell
        steps += 1
    return steps


def measure(generator, rooms: tuple[int, int], mazes: int, seed: int) -> tuple[float, float]:
    """Mean sweep length and mean shortest path over ``mazes`` mazes, goal in a random room."""
    rng = np.random.default_rng(seed)
    sweeps, shortest = [], []
    for _ in range(mazes):
        free, start = parse_layout(generator(rooms, rng))
        goals = [
            (2 * i + 1, 2 * j + 1)
            for i in range(rooms[0])
            for j in range(rooms[1])
            if (2 * i + 1, 2 * j + 1) != start
        ]
        goal = goals[int(rng.integers(len(goals)))]
        sweeps.append(sweep_steps(free, start, goal, rng))
        shortest.append(shortest_path_lengths(free, start)[goal])
    return float(np.mean(sweeps)), float(np.mean(shortest))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, nargs=2, default=(3, 3), help="rows cols of rooms")
    parser.add_argument("--mazes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rooms = tuple(args.rooms)
    if not 1 <= args.mazes <= 100_000:
        parser.error(f"--mazes must be in [1, 100000], got {args.mazes}")
    if not all(1 <= side <= 15 for side in rooms) or rooms == (1, 1):
        parser.error(f"--rooms must be two sides in [1, 15], not both 1, got {args.rooms}")
    print(
        f"{args.mazes} mazes of {rooms[0]} x {rooms[1]} rooms, goal uniform over the other "
        f"rooms, seed {args.seed}; sweep = depth-first walk, random branch order"
    )
    print(f"{'generator':<44} {'sweep':>7} {'shortest':>9} {'ratio':>6}")
    for name, generator in (
        ("uniform spanning tree, centre start (course)", random_maze_layout),
        ("recursive backtracker, corner start (peer)", backtracker_maze),
    ):
        sweep, shortest = measure(generator, rooms, args.mazes, args.seed)
        print(f"{name:<44} {sweep:>7.2f} {shortest:>9.2f} {sweep / shortest:>6.2f}")


if __name__ == "__main__":
    main()
