"""Checkers for the chapters' exercises: each runs the student's function on several cases
and prints specific, friendly feedback; it returns True when everything passes."""

from course_lib.exercises.fewshot import (
    check_chance_accuracy,
    check_most_changed_layer,
    check_pixel_yardstick,
    check_prototype_logits,
    check_zero_step_maml,
)
from course_lib.exercises.maml_rl import (
    check_dice_objective,
    check_episodes_needed,
    check_ood_prediction,
    check_rl2_inner_loop,
)
from course_lib.exercises.meta import check_inner_step, check_meta_sgd_step
from course_lib.exercises.pearl import (
    check_efficiency_prediction,
    check_encoder_gradient,
    check_posterior_variance,
    check_product_of_gaussians,
)
from course_lib.exercises.pg import (
    check_constant_baseline,
    check_q_learning_update,
    check_reward_to_go,
    check_value_at_gamma_zero,
)
from course_lib.exercises.ppo import check_clipped_surrogate
from course_lib.exercises.rl2 import check_trial_input
from course_lib.exercises.sampling import check_minibatches

__all__ = [
    "check_value_at_gamma_zero",  # Ch 1
    "check_reward_to_go",
    "check_constant_baseline",
    "check_q_learning_update",
    "check_minibatches",  # Ch 2
    "check_clipped_surrogate",  # Ch 3
    "check_meta_sgd_step",  # Ch 4
    "check_inner_step",  # Ch 5
    "check_prototype_logits",  # Ch 6
    "check_chance_accuracy",
    "check_zero_step_maml",
    "check_most_changed_layer",
    "check_pixel_yardstick",
    "check_trial_input",  # Ch 7
    "check_dice_objective",  # Ch 8
    "check_rl2_inner_loop",
    "check_episodes_needed",
    "check_ood_prediction",
    "check_product_of_gaussians",  # Ch 9
    "check_posterior_variance",
    "check_encoder_gradient",
    "check_efficiency_prediction",
]
