"""PEARL's task encoder: from transitions to a posterior over the latent task variable z.

The agent does not know which task it is in. PEARL (Rakelly et al., 2019, §4.1) keeps a belief
over a **latent task variable** (隐变量) z ∈ R^d and infers it from the **context** (上下文) c, the
transitions (s, a, r) seen so far in this task. Each transition c_n is mapped by one network
Ψ_φ to a diagonal Gaussian factor N(μ_n, σ_n²), and the posterior is their product with the
prior p(z) = N(0, I):

    q(z | c_1..c_N) ∝ p(z) · Π_n N(z; μ_n, σ_n²).

A product of Gaussians is a Gaussian whose **precision** (1/variance) is the sum of the
precisions, and whose mean is the precision-weighted average of the means. Per latent dimension,

    1/σ² = 1 + Σ_n 1/σ_n²,    μ = σ² · (0 + Σ_n μ_n/σ_n²)

(the prior contributes precision 1 and mean 0). Derivation: the log of a product is the sum of
the logs, and each log N(z; μ_n, σ_n²) = −(z − μ_n)²/(2σ_n²) + const is a quadratic in z; the sum
of quadratics is the quadratic −(1/σ²)(z − μ)²/2 + const with the σ², μ above (complete the
square). Two consequences the chapter shows: every transition can only *add* precision, so the
posterior narrows as transitions arrive; and the order of the transitions does not matter (the
encoder is permutation-invariant, as a belief about a fixed task should be).

With an empty context the posterior *is* the prior, so "zero context" needs no special case.
(The authors' code, ``rlkit/torch/sac/agent.py``, leaves the prior factor out of the product and
resets to the prior only when the context is empty; with the prior inside, both are one formula.)

The **KL term** KL(q(z|c) ‖ p(z)) is added to the encoder's loss with weight β (the authors'
``kl_lambda``). It is the **information bottleneck** (信息瓶颈) of §4.1: z may carry only as much
information about the context as pays for itself in the critic's loss, which keeps z about the
task rather than about the particular transitions drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from course_lib.nets import mlp
from course_lib.validation import check_finite, check_hidden_sizes, check_int, check_tensor

__all__ = [
    "MIN_VARIANCE",
    "product_of_gaussians",
    "kl_to_prior",
    "ContextEncoder",
    "check_context",
]

#: Each factor's variance is clamped from below (as in the authors' code): a factor of variance 0
#: would have infinite precision and pin z exactly.
MIN_VARIANCE = 1e-7

#: Cap on the prior's entries (batch sizes × d): beyond it two float tensors take gigabytes.
MAX_PRIOR_ENTRIES = 100_000_000


def product_of_gaussians(
    means: Tensor, variances: Tensor, mask: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """The posterior N(μ, σ²) ∝ N(0, I) · Π_n N(means_n, variances_n), per latent dimension.

    Args:
        means: ``[..., N, d]`` the factors' means (N transitions, d latent dimensions).
        variances: ``[..., N, d]`` their variances (≥ 0, clamped below at ``MIN_VARIANCE``).
        mask: ``[..., N]`` bool, which factors to multiply in (False: padding, left out);
            ``None`` uses all of them.

    Returns:
        ``(mean [..., d], variance [..., d])``: precisions add, means are precision-weighted.

    Example (one dimension, two factors N(1, 1) and N(3, 1)): precision 1 + 1 + 1 = 3, so the
    variance is 1/3 and the mean (0 + 1 + 3)/3 = 4/3.

        >>> m, v = product_of_gaussians(torch.tensor([[1.0], [3.0]]), torch.ones(2, 1))
        >>> round(m.item(), 4), round(v.item(), 4)
        (1.3333, 0.3333)

    N may be 0 (no factor: the prior). The shapes are checked (a ``[N]`` mask against
    ``[N, d]`` factors, or factors of two shapes, would broadcast into a different product), and
    so are the values, with one pass each: no negative variance (the clamp would silently turn it
    into the most certain factor of all), and a finite result (a NaN or inf factor reaches it).
    """
    check_tensor("means", means, floating=True)
    check_tensor("variances", variances, floating=True)
    if means.dim() < 2 or variances.shape != means.shape:
        raise ValueError(
            "means and variances must have one shape [..., N, d] (N factors of d dimensions), "
            f"got {tuple(means.shape)} and {tuple(variances.shape)}"
        )
    if mask is not None:
        check_tensor("mask", mask)
        if mask.dtype != torch.bool or mask.shape != means.shape[:-1]:
            raise ValueError(
                f"mask must be a bool tensor of shape {tuple(means.shape[:-1])} (one per factor), "
                f"got {mask.dtype} {tuple(mask.shape)}"
            )
    if bool((variances < 0).any()):
        raise ValueError(
            f"variances must be >= 0, got {int((variances < 0).sum())} negative entries "
            f"(min {float(variances.min()):.3g})"
        )
    mean, variance = _product(means, variances, mask)
    if not bool(torch.isfinite(mean).all()):  # a NaN or inf factor (masked or not) reaches it
        check_finite("means", means)
        if bool(torch.isnan(variances).any()):  # (an infinite variance is fine: no information)
            check_finite("variances", variances)
        raise ValueError("the posterior overflowed: means and variances are finite, got inf")
    return mean, variance


def _product(means: Tensor, variances: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
    """The formula alone, for the encoder's own factors (a softplus: never negative; checked
    context in, so finite out while the weights are)."""
    precisions = 1.0 / variances.clamp(min=MIN_VARIANCE)
    if mask is not None:
        precisions = precisions * mask[..., None].to(precisions.dtype)
    precision = 1.0 + precisions.sum(-2)  # the prior N(0, I) adds precision 1 and mean 0
    variance = 1.0 / precision
    return variance * (precisions * means).sum(-2), variance


def kl_to_prior(mean: Tensor, variance: Tensor) -> Tensor:
    """KL(N(mean, diag variance) ‖ N(0, I)) per posterior, summed over the last dimension.

    Closed form: ½ Σ_j (σ_j² + μ_j² − 1 − log σ_j²); 0 exactly when the posterior is the prior.
    ``mean`` and ``variance`` are ``[..., d]`` alike, the variance > 0 (checked, with one pass
    over the result: a NaN, an inf or a variance ≤ 0 makes it NaN or inf).
    """
    check_tensor("mean", mean, floating=True)
    check_tensor("variance", variance, floating=True)
    if mean.dim() < 1 or variance.shape != mean.shape:
        raise ValueError(
            "mean and variance must have one shape [..., d], got "
            f"{tuple(mean.shape)} and {tuple(variance.shape)}"
        )
    kl = 0.5 * (variance + mean.square() - 1.0 - variance.log()).sum(-1)
    if not bool(torch.isfinite(kl).all()):
        check_finite("mean", mean)
        check_finite("variance", variance)
        if bool((variance <= 0).any()):
            raise ValueError(
                f"variance must be > 0, got min {float(variance.min()):.3g} (log 0 is -inf)"
            )
        raise ValueError("the KL overflowed: mean and variance are finite, got inf")
    return kl


def check_context(context: object, width: int, mask: object = None) -> Tensor:
    """``context`` as a float tensor ``[..., N, width]`` with N ≥ 1 and no NaN or inf (checked).

    An empty context is refused here: ask for the prior directly (``N(0, I)``), or pass a mask
    that leaves every transition out.
    """
    check_int("width", width, 1, 10_000)
    context = check_tensor("context", context, floating=True)
    if context.dim() < 2 or context.shape[-1] != width:
        raise ValueError(
            f"context must have shape [..., N, {width}] (N transitions of (s, a, r)), "
            f"got {tuple(context.shape)}"
        )
    if context.shape[-2] == 0:
        raise ValueError(
            "context must hold at least one transition, got an empty context (N = 0); with no "
            "transitions the posterior is the prior N(0, I)"
        )
    if not bool(torch.isfinite(context).all()):
        bad = int((~torch.isfinite(context)).sum())
        raise ValueError(f"context must be finite, got {bad} NaN/inf entries (a NaN reward?)")
    if mask is not None:
        mask = check_tensor("mask", mask)
        if tuple(mask.shape) != tuple(context.shape[:-1]) or mask.dtype != torch.bool:
            raise ValueError(
                f"mask must be a bool tensor of shape {tuple(context.shape[:-1])}, got "
                f"{mask.dtype} {tuple(mask.shape)}"
            )
    return context


class ContextEncoder(nn.Module):
    """Ψ_φ: one transition (s, a, r) ↦ a Gaussian factor (μ_n, σ_n²) over z; their product is q(z|c).

    The same MLP reads every transition independently (the factors do not see each other), so
    the posterior does not depend on their order. The variance head goes through a softplus, as in
    the authors' code, to keep it positive.

    Args:
        transition_size: length of one context row, ``obs + action + 1`` (the reward).
        latent_dim: d, the size of z (5 in the paper).
        hidden_sizes: the MLP's widths (200-200-200 in the paper).
    """

    def __init__(self, transition_size: int, latent_dim: int, hidden_sizes: Sequence[int]):
        super().__init__()
        self.transition_size = check_int("transition_size", transition_size, 1, 10_000)
        self.latent_dim = check_int("latent_dim", latent_dim, 1, 1_000)
        self.net = mlp(
            self.transition_size,
            check_hidden_sizes(hidden_sizes),
            2 * self.latent_dim,
            activation=nn.ReLU,
        )

    def factors(self, context: Tensor) -> tuple[Tensor, Tensor]:
        """Each transition's factor: ``(means, variances)``, both ``[..., N, d]`` (``context``
        checked as :func:`check_context` does)."""
        check_context(context, self.transition_size)
        return self._factors(context)

    def _factors(self, context: Tensor) -> tuple[Tensor, Tensor]:
        out = self.net(context)
        return out[..., : self.latent_dim], F.softplus(out[..., self.latent_dim :])

    def forward(self, context: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """The posterior ``(mean, variance)``, ``[..., d]`` each, from ``context [..., N, width]``."""
        check_context(context, self.transition_size, mask)
        return _product(*self._factors(context), mask)

    def prior(self, *batch: int) -> tuple[Tensor, Tensor]:
        """The prior N(0, I) in the posterior's shape: ``(zeros, ones)`` of ``[*batch, d]``
        (each batch size an int >= 0, at most ``MAX_PRIOR_ENTRIES`` entries in all)."""
        sizes = [check_int(f"batch[{i}]", b, 0, MAX_PRIOR_ENTRIES) for i, b in enumerate(batch)]
        entries = math.prod(sizes) * self.latent_dim
        if entries > MAX_PRIOR_ENTRIES:
            raise ValueError(
                f"batch sizes * latent_dim must be <= {MAX_PRIOR_ENTRIES:_} entries, got "
                f"{' * '.join(map(str, sizes + [self.latent_dim]))} = {entries:_}"
            )
        device = self.net[0].weight.device
        shape = (*sizes, self.latent_dim)
        return torch.zeros(shape, device=device), torch.ones(shape, device=device)
