"""Argument checks shared by the library's entry points.

Bad input is stopped at the library's edge with a message that names the argument and the
accepted range, so a student sees ``batch_size must be an integer >= 1, got 0`` instead of
a shape error three calls deeper.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["ArgumentTypeError", "check_int", "check_real"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type. Both a TypeError and a ValueError, so code (and tests)
    written against either convention catch it, as numpy's AxisError is both a ValueError
    and an IndexError."""


def check_int(name: str, value: object, minimum: int = 0) -> int:
    """``value`` as an int ``>= minimum``; bools and non-integers are rejected."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ArgumentTypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_real(name: str, value: object, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False) -> float:
    """``value`` as a finite float in the interval from ``lo`` to ``hi`` (closed unless ``*_open``)."""
    left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
    interval = f"{left}{lo}, {hi}{right}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ArgumentTypeError(f"{name} must be a number in {interval}, got {value!r}")
    v = float(value)
    inside = math.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not inside:
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v
