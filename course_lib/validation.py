"""Argument checks shared by the library's entry points.

Bad input is stopped at the library's edge with a message that names the argument and the
accepted range, so a student sees ``batch_size must be an integer >= 1, got 0`` instead of
a shape error three calls deeper.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = [
    "ArgumentTypeError",
    "MAX_SEED",
    "check_int",
    "check_real",
    "check_seed",
    "check_bool",
    "check_device",
]


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


def check_real(
    name: str, value: object, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False
) -> float:
    """``value`` as a finite float in the interval from ``lo`` to ``hi`` (closed unless ``*_open``)."""
    left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
    interval = f"{left}{lo}, {hi}{right}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ArgumentTypeError(f"{name} must be a number in {interval}, got {value!r}")
    v = float(value)
    inside = (
        math.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    )
    if not inside:
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v


#: Seeds are accepted in [0, 2**63): torch and numpy generators take 64-bit seeds, and the
#: trainers derive further seeds by adding small offsets.
MAX_SEED = 2**63 - 1


def check_seed(value: object, name: str = "seed") -> int:
    """A seed: an integer in [0, 2**63)."""
    seed = check_int(name, value, 0)
    if seed > MAX_SEED:
        raise ValueError(f"{name} must be an integer in [0, 2**63), got {value}")
    return seed


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is exactly ``True`` or ``False`` (a string such as ``"False"`` is rejected)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_device(value: object, name: str = "device"):
    """A ``torch.device`` for a string such as ``"cpu"`` or ``"cuda:0"`` (or a device itself)."""
    import torch

    if not isinstance(value, str | torch.device):
        raise TypeError(
            f"{name} must be a torch device string such as 'cpu' or 'cuda', got {value!r}"
        )
    try:
        return torch.device(value)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"{name} must be a torch device string such as 'cpu' or 'cuda', got {value!r}"
        ) from err
