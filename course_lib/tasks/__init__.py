"""The RL task families, apart from the algorithms that learn them.

Modules:
    point_robot  the sparse point robot of the PEARL paper: goals on a half-circle, reward only
                 inside a radius (gymnasium Env + natively batched torch VectorEnv)

Chapter 8's 2-D navigation (dense reward) still lives in :mod:`course_lib.maml_rl.envs`; the
library's re-housing moves it, with Chapter 7's bandits and mazes, into this package.

Importing this package registers ``course_lib/SparsePointRobot-v0`` with gymnasium
(``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")`` gives the batched env).
"""

import gymnasium as gym

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

if SPARSE_POINT_ROBOT_ID not in gym.registry:
    gym.register(
        id=SPARSE_POINT_ROBOT_ID,
        entry_point="course_lib.tasks.point_robot:SparsePointRobot",
        vector_entry_point="course_lib.tasks.point_robot:SparsePointRobotVectorEnv",
    )

__all__ = [
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
