"""Binary classification tasks, as the notes frame meta-learning (二元分类).

"F's input is a training set, its output is a classifier (分类器); the training examples are
tasks, such as many binary classification problems." Here each task is a 2-D problem: points
x ∈ [−1, 1]² labelled 1 on one side of a random line and 0 on the other. The line's normal
points in a random direction ω ~ U[0, 2π) and sits at offset c ~ U[−c_max, c_max]:

    y = 1[ x · (cos ω, sin ω) > c ].

A meta-learned F_φ sees K labelled points of a new task and outputs a classifier (a logit
network) after one gradient step on the binary cross-entropy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from course_lib.meta.functional import _check_data, _traced
from course_lib.meta.tasks import (
    TaskBatch,
    _check_count,
    _check_generator,
    _check_pair,
    _check_sizes,
)
from course_lib.validation import check_real, check_same_shape, check_tensor

__all__ = ["LinearBoundaryTasks", "label", "binary_cross_entropy", "accuracy"]


@dataclass(frozen=True)
class LinearBoundaryTasks:
    """A family of 2-D binary classification tasks with random linear decision boundaries.

    Args:
        max_offset: c_max, how far from the origin a boundary can sit (in [0, 1)).
    """

    max_offset: float = 0.5

    def __post_init__(self) -> None:
        check_real("max_offset", self.max_offset, 0.0, 1.0, hi_open=True)

    def sample_params(
        self, num_tasks: int, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor]:
        """Angles ω and offsets c of ``num_tasks`` new boundaries, each ``[num_tasks]``."""
        _check_count("num_tasks", num_tasks)
        _check_generator(generator)
        u = torch.rand(2, num_tasks, generator=generator)
        return 2 * math.pi * u[0], self.max_offset * (2 * u[1] - 1)

    def make_tasks(
        self,
        angle: Tensor,
        offset: Tensor,
        k_support: int,
        k_query: int,
        generator: torch.Generator | None = None,
    ) -> TaskBatch:
        """K support and query points of the given boundaries: x ``[B, K, 2]``, y ``[B, K, 1]`` in {0, 1}."""
        angle, offset = _check_pair(("angle", "offset"), angle, offset)
        _check_sizes(angle.numel(), k_support, k_query, generator)
        x = 2 * torch.rand(angle.numel(), k_support + k_query, 2, generator=generator) - 1
        y = label(x, angle, offset)
        return TaskBatch(x[:, :k_support], y[:, :k_support], x[:, k_support:], y[:, k_support:])

    def sample(
        self, num_tasks: int, k_support: int, k_query: int, generator: torch.Generator | None = None
    ) -> TaskBatch:
        """``num_tasks`` new classification tasks with K support and query points each."""
        _check_sizes(num_tasks, k_support, k_query, generator)
        angle, offset = self.sample_params(num_tasks, generator)
        return self.make_tasks(angle, offset, k_support, k_query, generator)


def label(x: Tensor, angle: Tensor, offset: Tensor) -> Tensor:
    """1 where x lies on the normal's side of each task's line, else 0: ``[B, N, 1]`` floats."""
    check_tensor("x", x, ndim=3, floating=True, finite=True)
    check_tensor("angle", angle, ndim=1, finite=True)
    check_tensor("offset", offset, ndim=1, finite=True)
    if x.shape[-1] != 2:
        raise ValueError(f"x must hold 2-D points [B, N, 2], got shape {tuple(x.shape)}")
    if not x.shape[0] == angle.shape[0] == offset.shape[0]:
        raise ValueError(
            f"x, angle and offset must have one entry per task, got offset {tuple(offset.shape)}, "
            f"angle {tuple(angle.shape)} and x {tuple(x.shape)}"
        )
    normal = torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)  # [B, 2]
    return ((x @ normal[..., None]) > offset[:, None, None]).float()


def _check_logits(logits: object, target: object, min_ndim: int = 0) -> None:
    check_same_shape(logits=logits, target=target)  # [K, 1] against [K] would broadcast
    _check_data("logits", logits, min_ndim=min_ndim)
    _check_data("target", target, min_ndim=min_ndim)


def binary_cross_entropy(logits: Tensor, target: Tensor) -> Tensor:
    """The classification loss: mean binary cross-entropy of logits against 0/1 labels."""
    _check_logits(logits, target)
    if not _traced(target) and bool(((target < 0) | (target > 1)).any()):
        raise ValueError(
            f"target must hold labels in [0, 1], got values from {target.min().item()} "
            f"to {target.max().item()}"
        )
    return F.binary_cross_entropy_with_logits(logits, target)


def accuracy(logits: Tensor, target: Tensor) -> Tensor:
    """Share of points whose predicted class (logit > 0) matches the label, over the last two dims."""
    _check_logits(logits, target, min_ndim=2)
    return ((logits > 0).float() == target).float().mean(dim=(-2, -1))
