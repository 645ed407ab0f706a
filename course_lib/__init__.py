"""course_lib: the small tested library behind the RL and meta-RL course notebooks.

Chapters and modules:
    1. sampling      minibatch indices and iteration
    2. ppo           Proximal Policy Optimization (nets: shared networks)
    3-4. meta        meta-learning: MAML, FOMAML, Reptile, Meta-SGD, pre-training, a black-box learner
    5. rl2           RL²: bandit and maze environments, trial wrapper, recurrent PPO, baselines
    widgets          one module per chapter, thin interactive views over the library
    exercises        checkers for the chapters' exercises
    plotting         the shared plot style and helpers
"""

__version__ = "0.1.0"
