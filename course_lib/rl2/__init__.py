"""RL² (Chapter 7): a recurrent agent trained across many tasks becomes a fast learner.

It learns Chapter 7's task families, which live apart from it in :mod:`course_lib.tasks`
(Bernoulli bandits, a maze with a hidden goal, a new random maze every trial).

Modules, in reading order:
    trial      the RL² input vector and the hidden-state reset rule; TrialWrapper
    agent      the GRU actor-critic (and its memoryless control)
    train      recurrent PPO over whole trials (RL2Config, train_rl2, evaluate_rl2)
    baselines  classic bandit algorithms and the exact Bayes-optimal policy (run_baseline)
"""

from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.baselines import BASELINES, bayes_optimal_value, run_baseline
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

__all__ = [
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
