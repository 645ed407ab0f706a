"""Checkers for the chapters' exercises: each runs the student's function on several cases
and prints specific, friendly feedback; it returns True when everything passes."""

from course_lib.exercises.meta import check_inner_step, check_meta_sgd_step
from course_lib.exercises.ppo import check_clipped_surrogate
from course_lib.exercises.rl2 import check_trial_input
from course_lib.exercises.sampling import check_minibatches

__all__ = [
    "check_minibatches",  # Ch 2
    "check_clipped_surrogate",  # Ch 3
    "check_meta_sgd_step",  # Ch 4
    "check_inner_step",  # Ch 5
    "check_trial_input",  # Ch 7
]
