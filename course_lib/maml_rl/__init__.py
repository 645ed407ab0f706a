"""MAML for reinforcement learning (Chapter 8): adapt a policy by gradient steps.

Chapter 8 sets it beside RL² on the same goals in :mod:`course_lib.compare.maml_rl_vs_rl2`.

It learns 2-D navigation, a task family of :mod:`course_lib.tasks` (also RL²'s in Chapter 8).

Modules, in reading order:
    dice        the magic box and the policy-gradient surrogate whose derivatives, of every
                order, are correct estimates (DiCE); the exact tiny-MDP meta-gradient check
    train       the Gaussian policy, the batched rollout, the inner policy-gradient step, the
                outer loop (MAMLRLConfig, train_maml_rl) and the adaptation evaluation
    bandits     MAML-RL on Chapter 7's Bernoulli bandits (BanditMAMLConfig, train_bandit_maml)
"""

from course_lib.maml_rl.bandits import (
    BanditMAMLConfig,
    BanditPolicy,
    bandit_adaptation_curve,
    train_bandit_maml,
)
from course_lib.maml_rl.dice import (
    TinyMDP,
    dice_surrogate,
    exact_meta_gradient,
    magic_box,
    meta_gradient_bias,
    meta_gradient_check,
    reinforce_surrogate,
)
from course_lib.maml_rl.train import (
    GaussianPolicy,
    MAMLRLConfig,
    adapt_policies,
    adaptation_curve,
    greedy_paths,
    make_policy,
    outer_loss,
    policy_gradient_loss,
    rollout,
    train_maml_rl,
    uniform_goals,
)

__all__ = [
    "magic_box",
    "dice_surrogate",
    "reinforce_surrogate",
    "TinyMDP",
    "exact_meta_gradient",
    "meta_gradient_check",
    "meta_gradient_bias",
    "MAMLRLConfig",
    "GaussianPolicy",
    "make_policy",
    "rollout",
    "policy_gradient_loss",
    "adapt_policies",
    "outer_loss",
    "train_maml_rl",
    "uniform_goals",
    "adaptation_curve",
    "greedy_paths",
    "BanditMAMLConfig",
    "BanditPolicy",
    "train_bandit_maml",
    "bandit_adaptation_curve",
]
