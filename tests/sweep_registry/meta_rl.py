"""Meta-RL: rl2.*, maml_rl.*, trials, compare.*, their widgets and exercises."""

from __future__ import annotations


def _first_baseline():
    from course_lib.rl2.baselines import BASELINES

    return BASELINES[0]


VALID_BY_CALLABLE = {
    "course_lib.rl2.baselines.run_baseline": lambda: {"name": _first_baseline()},
    "course_lib.rl2.baselines.baseline_returns": lambda: {
        "name": _first_baseline(),
        "arm_probs": __import__("numpy").array([[0.2, 0.8]]),
    },
}

NO_BASELINE = {
    "course_lib.maml_rl.train.train_maml_rl": "trains",
    "course_lib.maml_rl.bandits.train_bandit_maml": "trains",
    "course_lib.rl2.baselines.discounted_gittins_table": "solves the Gittins table (1.5 s)",
    "course_lib.compare.maml_rl_vs_rl2.rl2_episode_returns": "needs a navigation-trained agent",
    "course_lib.compare.maml_rl_vs_rl2.rl2_paths": "needs a navigation-trained agent",
    "course_lib.widgets.maml_rl.maml_rl_explorer": "needs a navigation-trained agent",
    "course_lib.maml_rl.dice.dice_surrogate": "needs time-major [T, N] tensors",
    "course_lib.maml_rl.dice.reinforce_surrogate": "needs time-major [T, N] tensors",
}

RECORDS = {
    "course_lib.compare.meta_rl.LearningCurve": "built by compare.meta_rl from a run's history",
}

#: Gaps the generated sweep found that are not fixed yet (strict xfails: a fixed one must leave).
KNOWN_GAPS = {
    "course_lib.maml_rl.dice.discounted_reward_to_go-rewards-nan": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.maml_rl.dice.magic_box-x-nan": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.maml_rl.train.adaptation_curve-goals-nan": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.maml_rl.train.adaptation_curve-policy-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.maml_rl.train.adaptation_curve-policy-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.rl2.baselines.baseline_returns-arm_probs-object": "found by the generated sweep (object, None, nan and sequence values)",
}
