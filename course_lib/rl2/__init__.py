"""RL² (Chapter 7): a recurrent agent trained across many tasks becomes a fast learner.

It learns Chapter 7's task families, which live apart from it in :mod:`course_lib.tasks`
(Bernoulli bandits, a maze with a hidden goal, a new random maze every trial), and plays them
in trials (:mod:`course_lib.trials`: the RL² input vector, the hidden-state reset rule, the
rollout). The package re-exports the trial rules the chapter shows (``trial_input``,
``reset_hidden``, ``TrialWrapper``) under the name the chapter gives them,
``course_lib.rl2.trial_input``.

Modules, in reading order:
    agent      the GRU actor-critic (and its memoryless control)
    train      recurrent PPO over whole trials (RL2Config, train_rl2, evaluate_rl2)
    baselines  classic bandit algorithms and the exact Bayes-optimal policy (run_baseline)
    analysis   reading played trials back: posteriors, paths, the maze strategies
"""

from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.baselines import BASELINES, bayes_optimal_value, run_baseline
from course_lib.rl2.train import RL2Config, evaluate_rl2, make_agent, train_rl2
from course_lib.trials import TrialWrapper, reset_hidden, trial_input

__all__ = [
    "TrialWrapper",
    "trial_input",
    "reset_hidden",
    "RecurrentActorCritic",
    "RL2Config",
    "make_agent",
    "evaluate_rl2",
    "train_rl2",
    "BASELINES",
    "run_baseline",
    "bayes_optimal_value",
]
