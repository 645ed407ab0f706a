"""The RL task families, apart from the algorithms that learn them.

Modules:
    base         the one vector-env base (TrialVectorEnv) and what every family shares: tasks,
                 episodes and trials, SAME_STEP autoreset, action checks
    bandits      Bernoulli bandits (Ch 7, 8)
    mazes        a maze with a hidden goal, and a new random maze every trial (Ch 7)
    navigation   2-D navigation with a dense reward (Ch 8, 9)
    point_robot  the sparse point robot of the PEARL paper: goals on a half-circle, reward only
                 inside a radius (Ch 9)

Each family is a gymnasium ``Env`` that passes ``check_env`` and a natively batched torch
``VectorEnv`` with the same rules. Importing this package registers their ids with gymnasium
(``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")`` gives the batched env).
"""

import gymnasium as gym

from course_lib.tasks.bandits import (
    BANDIT_ID,
    BernoulliBandit,
    BernoulliBanditVectorEnv,
    evaluation_bandits,
)
from course_lib.tasks.base import TrialVectorEnv
from course_lib.tasks.mazes import (
    MAZE_ID,
    MAZE_LAYOUTS,
    RANDOM_MAZE_ID,
    RandomGoalMaze,
    RandomGoalMazeVectorEnv,
    RandomMaze,
    RandomMazeVectorEnv,
    layout_string,
    parse_layout,
    random_maze_layout,
    shortest_path_lengths,
)
from course_lib.tasks.navigation import (
    DISCRETE_MOVES,
    NAVIGATION_ID,
    Navigation2D,
    Navigation2DVectorEnv,
    oracle_return,
)
from course_lib.tasks.point_robot import (
    GOAL_RADIUS,
    SPARSE_POINT_ROBOT_ID,
    SparsePointRobot,
    SparsePointRobotVectorEnv,
    dense_reward,
    half_circle_goals,
    random_half_circle_goals,
    sparse_oracle_return,
    sparse_reward,
)

for _id, _module, _env in (
    (BANDIT_ID, "bandits", "BernoulliBandit"),
    (MAZE_ID, "mazes", "RandomGoalMaze"),
    (RANDOM_MAZE_ID, "mazes", "RandomMaze"),
    (NAVIGATION_ID, "navigation", "Navigation2D"),
    (SPARSE_POINT_ROBOT_ID, "point_robot", "SparsePointRobot"),
):
    if _id not in gym.registry:
        gym.register(
            id=_id,
            entry_point=f"course_lib.tasks.{_module}:{_env}",
            vector_entry_point=f"course_lib.tasks.{_module}:{_env}VectorEnv",
        )

__all__ = [
    "TrialVectorEnv",
    "BANDIT_ID",
    "BernoulliBandit",
    "BernoulliBanditVectorEnv",
    "evaluation_bandits",
    "MAZE_ID",
    "RANDOM_MAZE_ID",
    "MAZE_LAYOUTS",
    "RandomGoalMaze",
    "RandomGoalMazeVectorEnv",
    "RandomMaze",
    "RandomMazeVectorEnv",
    "parse_layout",
    "layout_string",
    "random_maze_layout",
    "shortest_path_lengths",
    "NAVIGATION_ID",
    "DISCRETE_MOVES",
    "Navigation2D",
    "Navigation2DVectorEnv",
    "oracle_return",
    "SPARSE_POINT_ROBOT_ID",
    "GOAL_RADIUS",
    "SparsePointRobot",
    "SparsePointRobotVectorEnv",
    "sparse_reward",
    "dense_reward",
    "half_circle_goals",
    "random_half_circle_goals",
    "sparse_oracle_return",
]
