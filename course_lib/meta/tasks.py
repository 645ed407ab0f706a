"""Task families for meta-learning: the training examples of a meta-learner are *tasks*.

In ordinary learning one example is an (x, y) pair. In meta-learning (元学习) one example is
a whole task: a small **support set** (the data the inner loop (内循环) learns from) and a
**query set** (held-out data of the same task that scores the adapted model). The outer
loop (外循环) averages that score over many tasks.

The family used throughout Chapters 4-5 is the sinusoid regression of the MAML paper
(Finn et al., 2017): each task is y = A·sin(x + φ) with amplitude A ~ U[0.1, 5], phase
φ ~ U[0, π] and inputs x ~ U[-5, 5].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from course_lib.validation import check_device, check_finite, check_int, check_tensor

__all__ = ["TaskBatch", "SinusoidTasks"]


class TaskBatch(NamedTuple):
    """A batch of B regression tasks, each tensor of shape ``[B, K, 1]``.

    ``x_support, y_support`` are what the inner loop trains on (K = k_support points);
    ``x_query, y_query`` are held-out points of the same tasks (k_query points) that the
    outer loop scores the adapted model on.
    """

    x_support: Tensor
    y_support: Tensor
    x_query: Tensor
    y_query: Tensor

    def all_points(self) -> tuple[Tensor, Tensor]:
        """``(x, y)`` of support ∪ query, ``[B, K + Q, ...]``: what pre-training fits."""
        return (
            torch.cat([self.x_support, self.x_query], dim=1),
            torch.cat([self.y_support, self.y_query], dim=1),
        )

    def to(self, device: str | torch.device) -> TaskBatch:
        """The same tasks on ``device``."""
        device = check_device(device)
        return TaskBatch(*(t.to(device) for t in self))


def _task_numbers(name: str, values: object) -> Tensor:
    """``values`` (a 0-d or 1-d real tensor, one finite number per task) as a ``[B]`` float tensor."""
    if not isinstance(values, Tensor):
        raise TypeError(
            f"{name} must be numbers (a 1-d tensor, one per task), got {type(values).__name__}"
        )
    if values.dim() > 1 or values.dtype == torch.bool or values.is_complex():
        raise ValueError(
            f"{name} must be numbers (a 1-d real tensor, one per task), got shape "
            f"{tuple(values.shape)} of {values.dtype}"
        )
    if values.numel() == 0:
        raise ValueError(f"{name} must hold one number per task (at least one), got none")
    check_finite(name, values)  # a NaN amplitude makes every target NaN, silently
    return values.reshape(-1).float()


def _check_pair(names: tuple[str, str], a: object, b: object) -> tuple[Tensor, Tensor]:
    """Two per-task number tensors of one length B (amplitude and phase, angle and offset)."""
    a, b = _task_numbers(names[0], a), _task_numbers(names[1], b)
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same length, got {a.shape[0]} and {b.shape[0]}"
        )
    return a, b


def _check_range(name: str, value: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair of numbers (low, high), got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} must be a pair of finite numbers (low, high), got {value!r}")
    if not lo <= hi:
        raise ValueError(f"{name} must satisfy low <= high, got {value!r}")
    return lo, hi


#: More tasks or points than this take gigabytes (one batch is num_tasks × points floats × 2).
MAX_COUNT, MAX_POINTS = 100_000, 10_000_000


def _check_count(name: str, value: int, minimum: int = 1) -> int:
    return check_int(name, value, minimum, MAX_COUNT)


def _check_sizes(num_tasks: int, k_support: int, k_query: int, generator: object) -> None:
    for name, value in (("num_tasks", num_tasks), ("k_support", k_support), ("k_query", k_query)):
        _check_count(name, value)
    if num_tasks * (k_support + k_query) > MAX_POINTS:
        raise ValueError(
            f"num_tasks × (k_support + k_query) must be <= {MAX_POINTS:_} points, "
            f"got {num_tasks} × ({k_support} + {k_query})"
        )
    _check_generator(generator)


def _check_generator(generator: object) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )


@dataclass(frozen=True)
class SinusoidTasks:
    """The sinusoid task family y = A·sin(x + φ) of the MAML paper.

    Args:
        amplitude_range: A ~ U[low, high] (paper: [0.1, 5]).
        phase_range: φ ~ U[low, high] (paper: [0, π]).
        x_range: inputs x ~ U[low, high] (paper: [-5, 5]).

    ``sample`` draws fresh tasks; ``sample_params`` + ``make_tasks`` split the two steps
    (pick the tasks, then draw their points) for pictures and widgets that need the
    amplitude and phase of each task.
    """

    amplitude_range: tuple[float, float] = (0.1, 5.0)
    phase_range: tuple[float, float] = (0.0, math.pi)
    x_range: tuple[float, float] = (-5.0, 5.0)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "amplitude_range", _check_range("amplitude_range", self.amplitude_range)
        )
        object.__setattr__(self, "phase_range", _check_range("phase_range", self.phase_range))
        object.__setattr__(self, "x_range", _check_range("x_range", self.x_range))

    def sample_params(
        self, num_tasks: int, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor]:
        """Amplitudes and phases of ``num_tasks`` new tasks, each of shape ``[num_tasks]``."""
        _check_count("num_tasks", num_tasks)
        _check_generator(generator)
        u = torch.rand(2, num_tasks, generator=generator)
        (a_lo, a_hi), (p_lo, p_hi) = self.amplitude_range, self.phase_range
        return a_lo + (a_hi - a_lo) * u[0], p_lo + (p_hi - p_lo) * u[1]

    def make_tasks(
        self,
        amplitude: Tensor,
        phase: Tensor,
        k_support: int,
        k_query: int,
        generator: torch.Generator | None = None,
    ) -> TaskBatch:
        """Draw K support and query points for the given tasks (``amplitude``, ``phase``: ``[B]``)."""
        amplitude, phase = _check_pair(("amplitude", "phase"), amplitude, phase)
        _check_sizes(amplitude.shape[0], k_support, k_query, generator)
        amplitude, phase = amplitude.reshape(-1, 1, 1), phase.reshape(-1, 1, 1)
        lo, hi = self.x_range
        x = lo + (hi - lo) * torch.rand(
            amplitude.shape[0], k_support + k_query, 1, generator=generator
        )
        y = amplitude * torch.sin(x + phase)
        return TaskBatch(x[:, :k_support], y[:, :k_support], x[:, k_support:], y[:, k_support:])

    def mean_curve(self, x: Tensor) -> Tensor:
        """The average of the family's curves at ``x``: E_A,φ[A·sin(x + φ)], same shape as ``x``.

        A and φ are independent, so it is E[A]·E_φ[sin(x + φ)] = E[A]·(cos(x + φ_lo) −
        cos(x + φ_hi)) / (φ_hi − φ_lo); for the paper's ranges (2/π)·2.55·cos x ≈ 1.62·cos x.
        It is the best single prediction for a task not yet seen (the conditional mean of y
        given x): what pre-training aims at. (The official MAML code writes A·sin(x − φ),
        whose mean curve is −1.62·cos x, the mirror image: its task (A, φ) is ours at phase
        π − φ with y negated, so every error is distributed the same.)
        """
        check_tensor("x", x, finite=True)
        (a_lo, a_hi), (p_lo, p_hi) = self.amplitude_range, self.phase_range
        mean_amplitude = (a_lo + a_hi) / 2
        if p_hi == p_lo:
            return mean_amplitude * torch.sin(x + p_lo)
        return mean_amplitude * (torch.cos(x + p_lo) - torch.cos(x + p_hi)) / (p_hi - p_lo)

    def sample(
        self,
        num_tasks: int,
        k_support: int,
        k_query: int,
        generator: torch.Generator | None = None,
    ) -> TaskBatch:
        """``num_tasks`` new tasks with ``k_support`` support and ``k_query`` query points each.

        Pass a seeded ``torch.Generator`` for reproducible tasks (same seed, same tasks).
        """
        _check_sizes(num_tasks, k_support, k_query, generator)
        amplitude, phase = self.sample_params(num_tasks, generator)
        return self.make_tasks(amplitude, phase, k_support, k_query, generator)
