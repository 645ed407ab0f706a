"""Learning sample weights (采样权重): how much each support point should count.

When some training points are wrong (a corrupted label, an outlier), fitting them hurts.
Learning to reweight (Ren et al., 2018, arXiv:1803.09050) chooses per-example weights by
the gradient of a *clean* held-out loss; Meta-Weight-Net (Shu et al., 2019,
arXiv:1902.07379) turns that into a component that transfers to new data: a tiny network
w_ψ maps each example's loss ℓ_i to its weight, and the inner loop (内循环) descends

    L_support(θ) = mean_i  w_ψ(ℓ_i) · ℓ_i.

The outer loop (外循环) scores the adapted model on the task's clean query set and trains ψ.
A point the model finds very surprising (a large ℓ_i) is often a corrupted one; if ψ
learns that, those points get weights near zero.

``CorruptedSupport`` wraps a regression task family so that a fixed fraction of each support
set are outliers (the query sets stay clean): the training tasks of this component.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import Tensor

from course_lib.meta.functional import LossFn, Params, _check_data, _traced
from course_lib.meta.learned_update import _check_net
from course_lib.meta.tasks import SinusoidTasks, TaskBatch
from course_lib.validation import check_int, check_real

__all__ = ["CorruptedSupport", "init_weighting_net", "example_weights", "weighted_loss"]

#: ``point_loss(prediction, target) -> [K]``: the loss of each example, not yet averaged.
PointLoss = Callable[[Tensor, Tensor], Tensor]


@dataclass(frozen=True)
class CorruptedSupport:
    """A task family whose support sets hold ``fraction`` outliers: y + (±offset).

    Args:
        family: the clean task family (default: the MAML sinusoids).
        fraction: share of each support set that is corrupted, rounded to whole points.
        offset: outliers are moved by a magnitude drawn from U[low, high], random sign.
    """

    family: SinusoidTasks = SinusoidTasks()
    fraction: float = 0.3
    offset: tuple[float, float] = (6.0, 10.0)

    def __post_init__(self) -> None:
        if not callable(getattr(self.family, "sample", None)):
            raise TypeError(
                f"family must be a task family with a sample() method, got {self.family!r}"
            )
        check_real("fraction", self.fraction, 0.0, 1.0, hi_open=True)
        if (
            isinstance(self.offset, str)
            or not isinstance(self.offset, tuple | list)
            or len(self.offset) != 2
        ):
            raise TypeError(f"offset must be a pair of numbers (low, high), got {self.offset!r}")
        lo, hi = (check_real("offset", v, 0.0, 100.0) for v in self.offset)
        if lo > hi:
            raise ValueError(f"offset must satisfy low <= high, got {self.offset!r}")

    def sample_with_mask(
        self, num_tasks: int, k_support: int, k_query: int, generator: torch.Generator | None = None
    ) -> tuple[TaskBatch, Tensor]:
        """Tasks with corrupted support sets, and the ``[B, K]`` mask of corrupted points."""
        batch = self.family.sample(num_tasks, k_support, k_query, generator)
        n_bad = round(self.fraction * k_support)
        order = torch.rand(num_tasks, k_support, generator=generator).argsort(dim=1)
        mask = order < n_bad  # n_bad random positions per task
        lo, hi = self.offset
        size = lo + (hi - lo) * torch.rand(num_tasks, k_support, 1, generator=generator)
        sign = torch.randint(0, 2, (num_tasks, k_support, 1), generator=generator) * 2 - 1
        y_support = batch.y_support + mask[..., None] * sign * size
        return TaskBatch(batch.x_support, y_support, batch.x_query, batch.y_query), mask

    def sample(
        self, num_tasks: int, k_support: int, k_query: int, generator: torch.Generator | None = None
    ) -> TaskBatch:
        """Like ``SinusoidTasks.sample``, with the outliers in the support sets."""
        return self.sample_with_mask(num_tasks, k_support, k_query, generator)[0]


def init_weighting_net(hidden: int = 8) -> Params:
    """ψ for w(ℓ) ∝ sigmoid(MLP(log ℓ)); the output layer starts at zero, so all weights are equal.

    The hidden units' thresholds tile log ℓ ∈ [−6, 6] (ℓ from 0.002 to 400), one unit of slope
    each, so from the start some unit separates any two loss levels, e.g. clean points
    (ℓ ≲ 10) from outliers (ℓ ≳ 30). With random thresholds, most sit near log ℓ = 0 and on
    some seeds none separated the two, so the weights could not fall far for outliers.
    """
    check_int("hidden", hidden, 1, 1024)
    return {
        "w1": torch.ones(hidden, 1),
        "b1": -torch.linspace(-6.0, 6.0, hidden),
        "w2": torch.zeros(1, hidden),
        "b2": torch.zeros(1),
    }


def example_weights(net: Mapping[str, Tensor], losses: Tensor) -> Tensor:
    """w_ψ(ℓ_i) for the examples of one support set (``losses``: ``[K]``), scaled to mean 1.

    Scaling to mean 1 means the weights can only move importance *between* points; they
    cannot make the whole step larger (that is the step size's job). All 1 for an untrained ψ.
    """
    _check_net("net", net, 1)
    _check_data("losses", losses)
    if not _traced(losses) and bool((losses < 0).any()):
        raise ValueError(
            f"losses must be per-example losses >= 0, got a minimum of {losses.min().item():.3g}"
        )
    return _example_weights(net, losses)


def _example_weights(net: Mapping[str, Tensor], losses: Tensor) -> Tensor:
    """:func:`example_weights` without the checks, for the inner loop's loss."""
    feature = torch.log(losses + 1e-6)[..., None]  # losses span decades: read them in log scale
    hidden = torch.tanh(feature @ net["w1"].T + net["b1"])
    raw = torch.sigmoid(hidden @ net["w2"].T + net["b2"]).squeeze(-1)
    return raw / raw.mean(dim=-1, keepdim=True)


def weighted_loss(net: Mapping[str, Tensor], point_loss: PointLoss) -> LossFn:
    """The loss function the inner loop descends: mean of w_ψ(ℓ_i)·ℓ_i over the examples.

    It has the ``loss_fn(prediction, target)`` signature of the functional inner loop, so
    ``adapt(..., loss_fn=weighted_loss(psi, squared_error))`` is all it takes.
    """
    _check_net("net", net, 1)
    if not callable(point_loss):
        raise TypeError(
            f"point_loss must be a function (prediction, target) -> [K] losses, got {point_loss!r}"
        )

    def loss(prediction: Tensor, target: Tensor) -> Tensor:
        losses = point_loss(prediction, target)
        return (_example_weights(net, losses) * losses).mean()

    return loss
