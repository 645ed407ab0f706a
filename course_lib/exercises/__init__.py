"""Checkers for the chapters' exercises: each runs the student's function on several cases
and prints specific, friendly feedback; it returns True when everything passes."""

from course_lib.exercises.sampling import check_minibatches

__all__ = ["check_minibatches"]
