"""RL² (Chapter 7): a recurrent agent trained across many tasks becomes a fast learner.

Modules, in reading order:
    envs       Bernoulli bandits, a maze with a hidden goal, and a new random maze every trial
               (gymnasium Env + batched VectorEnv)
    trial      the RL² input vector and the hidden-state reset rule; TrialWrapper
    agent      the GRU actor-critic (and its memoryless control)
    train      recurrent PPO over whole trials (RL2Config, train_rl2, evaluate_rl2)
    baselines  classic bandit algorithms and the exact Bayes-optimal policy (run_baseline)

Importing this package registers ``course_lib/BernoulliBandit-v0``,
``course_lib/RandomGoalMaze-v0`` and ``course_lib/RandomMaze-v0`` with gymnasium.
"""

import gymnasium as gym

from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.baselines import BASELINES, bayes_optimal_value, run_baseline
from course_lib.rl2.envs import (
    BANDIT_ID,
    MAZE_ID,
    MAZE_LAYOUTS,
    RANDOM_MAZE_ID,
    BernoulliBandit,
    BernoulliBanditVectorEnv,
    RandomGoalMaze,
    RandomGoalMazeVectorEnv,
    RandomMaze,
    RandomMazeVectorEnv,
    random_maze_layout,
    shortest_path_lengths,
)
from course_lib.rl2.train import (
    RL2Config,
    TrialBatch,
    episode_lengths,
    evaluate_rl2,
    make_agent,
    rollout_trials,
    train_rl2,
)
from course_lib.rl2.trial import TrialWrapper, input_size, reset_hidden, trial_input

for _id, _entry, _vec in (
    (
        BANDIT_ID,
        "course_lib.rl2.envs:BernoulliBandit",
        "course_lib.rl2.envs:BernoulliBanditVectorEnv",
    ),
    (MAZE_ID, "course_lib.rl2.envs:RandomGoalMaze", "course_lib.rl2.envs:RandomGoalMazeVectorEnv"),
    (RANDOM_MAZE_ID, "course_lib.rl2.envs:RandomMaze", "course_lib.rl2.envs:RandomMazeVectorEnv"),
):
    if _id not in gym.registry:
        gym.register(id=_id, entry_point=_entry, vector_entry_point=_vec)

__all__ = [
    "BANDIT_ID",
    "MAZE_ID",
    "MAZE_LAYOUTS",
    "RANDOM_MAZE_ID",
    "BernoulliBandit",
    "BernoulliBanditVectorEnv",
    "RandomGoalMaze",
    "RandomGoalMazeVectorEnv",
    "RandomMaze",
    "RandomMazeVectorEnv",
    "random_maze_layout",
    "shortest_path_lengths",
    "TrialWrapper",
    "trial_input",
    "input_size",
    "reset_hidden",
    "RecurrentActorCritic",
    "RL2Config",
    "TrialBatch",
    "make_agent",
    "rollout_trials",
    "episode_lengths",
    "evaluate_rl2",
    "train_rl2",
    "BASELINES",
    "run_baseline",
    "bayes_optimal_value",
]
