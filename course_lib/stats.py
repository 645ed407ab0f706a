"""Means, intervals and paired comparisons: the statistics every chapter reports, written once.

A number from a random experiment means little without its noise. The course reports every
noisy figure as a mean with the half-width of its 95% normal interval, ``mean ± 1.96·sd/√n``,
as the MAML and prototypical-network papers report few-shot accuracy over 600 tasks.

Two methods scored on the *same* tasks are compared by :func:`paired_difference`: the mean of
the per-task differences and its interval. Pairing removes what the two scores share (an easy
task is easy for both), so its interval is usually far narrower than the two separate
intervals put together, and "a beats b" is claimed only when the whole interval lies above 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch

from course_lib.validation import check_finite, check_int

__all__ = [
    "Z95",
    "Interval",
    "as_scores",
    "mean_ci",
    "mean_ci_along",
    "mean_and_stderr",
    "differences",
    "paired_difference",
    "sign",
]

#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    """A mean and the half-width of its 95% interval, from ``n`` scores."""

    mean: float
    half_width: float
    n: int

    def __post_init__(self) -> None:
        # Built by mean_ci; one built by hand must still be an interval (a negative
        # half-width would swap low and high, and every claim read from them).
        for name in ("mean", "half_width"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if self.half_width < 0:
            raise ValueError(f"half_width must be >= 0, got {self.half_width}")
        if isinstance(self.n, bool) or not isinstance(self.n, Integral) or self.n < 1:
            raise ValueError(f"n must be an integer >= 1 (the number of scores), got {self.n!r}")

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def __format__(self, spec: str) -> str:
        """``f"{interval:.2f}"`` gives ``"-3.90 ± 0.31"``; ``"+.2f"`` signs the mean only."""
        spec = spec or ".3g"
        return f"{self.mean:{spec}} ± {self.half_width:{spec.replace('+', '')}}"


def as_scores(name: str, values: object, *, minimum: int = 2) -> np.ndarray:
    """``values`` (a tensor, array or sequence of numbers) as a 1-D float64 array, checked.

    Raises ``ValueError`` naming ``name`` for fewer than ``minimum`` scores, more than one
    dimension, or a NaN/inf; ``TypeError`` for something that is not numbers.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be the scores' name (a str), got {name!r}")
    minimum = check_int("minimum", minimum, 1)
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    elif isinstance(values, str | bytes) or any(
        isinstance(v, str | bytes | np.str_) for v in np.ravel(np.asarray(values, dtype=object))
    ):  # numpy would parse "1" as 1.0: a column of text read from a file, say
        raise TypeError(
            f"{name} must be a 1-D sequence of numbers, not strings, got {values!r:.60}"
        )
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be a 1-D sequence of numbers, got {type(values).__name__}"
        ) from error
    if array.ndim != 1 or array.size < minimum:
        raise ValueError(
            f"{name} must be a 1-D sequence of at least {minimum} numbers, got shape {list(array.shape)}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} must hold finite numbers, got {int((~np.isfinite(array)).sum())} NaN/inf"
        )
    return array


def mean_ci(values: object) -> Interval:
    """Mean of ``values`` and the half-width of its 95% normal interval, ``1.96·sd/√n`` (ddof 1)."""
    x = as_scores("values", values)
    return Interval(float(x.mean()), float(Z95 * x.std(ddof=1) / math.sqrt(x.size)), int(x.size))


def mean_ci_along(values: torch.Tensor, dim: int = -1) -> tuple[torch.Tensor, torch.Tensor]:
    """Many intervals at once: the means along ``dim`` of a tensor and their 95% half-widths.

    E.g. returns ``[steps, goals]`` → the mean return after each step and its half-width.
    """
    if not isinstance(values, torch.Tensor) or values.dim() < 1:
        raise TypeError(
            f"values must be a tensor with at least one dimension, got {type(values).__name__}"
        )
    if isinstance(dim, bool) or not isinstance(dim, int) or not -values.dim() <= dim < values.dim():
        raise TypeError(
            f"dim must be an integer in [-{values.dim()}, {values.dim() - 1}] (a dimension of "
            f"values), got {dim!r}"
        )
    check_finite("values", values)  # a NaN score would make its interval NaN, silently
    n = values.shape[dim]
    if n < 2:
        raise ValueError(f"values must hold at least 2 scores along dim {dim}, got {n}")
    values = values.double()
    return values.mean(dim), Z95 * values.std(dim) / math.sqrt(n)


def mean_and_stderr(values: object) -> tuple[float, float]:
    """Mean of ``values`` and its standard error, ``sd/√n`` (ddof 1): what a benchmark table
    prints as "mean ± se" (the 95% interval is 1.96 of these, :func:`mean_ci`)."""
    x = as_scores("values", values)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


def differences(a: object, b: object) -> np.ndarray:
    """``a[i] − b[i]`` for two methods scored on the same tasks (checked: same length)."""
    x, y = as_scores("a", a), as_scores("b", b)
    if x.shape != y.shape:
        raise ValueError(
            f"a and b must score the same tasks (same length), got {x.size} and {y.size}"
        )
    return x - y


def paired_difference(a: object, b: object) -> Interval:
    """Mean of ``a[i] − b[i]`` over tasks scored by both methods, with its 95% interval."""
    return mean_ci(differences(a, b))


def sign(difference: Interval) -> int:
    """``+1`` if the interval lies wholly above 0, ``-1`` wholly below, ``0`` if it contains 0.

    The verdict a sentence may state: "a beats b" (+1), "b beats a" (−1), or "no clear
    difference on this run" (0).
    """
    if not isinstance(difference, Interval):
        raise TypeError(f"difference must be an Interval, got {type(difference).__name__}")
    return 1 if difference.low > 0 else -1 if difference.high < 0 else 0
