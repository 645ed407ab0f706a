"""Trust Region Policy Optimization (TRPO; Schulman et al., 2015, arXiv:1502.05477): one step.

A policy-gradient step of fixed length can change the policy a lot or hardly at all, depending on
how sensitive π is to its parameters there. TRPO fixes the *change of the policy* instead:

    maximise  L(θ) = E_{s,a ∼ π_old}[ π_θ(a|s) / π_old(a|s) · A(s, a) ]
    subject to  KL̄(θ) = E_{s ∼ π_old}[ KL(π_old(·|s) ‖ π_θ(·|s)) ] ≤ δ.

L is the importance-sampled surrogate of Chapter 3 (the ratio reweights the old policy's samples
to estimate the new policy's advantage), unclipped: the KL constraint plays the role of PPO's clip.
Near θ_old, L ≈ gᵀΔ and KL̄ ≈ ½ ΔᵀFΔ, with g = ∇L and F the Hessian of KL̄ (the Fisher
information matrix), so the step is the **natural gradient** Δ = β F⁻¹g, scaled to the boundary,
β = √(2δ / gᵀF⁻¹g). F is never formed: the conjugate-gradient method (:func:`conjugate_gradient`)
solves F x = g from Fisher-vector products ``F v = ∇(∇KL̄ · v)`` (two backward passes). A
backtracking line search then shrinks the step until the true KL̄ is within δ and L improved.

:func:`trpo_step` works on any parameters whose surrogate and KL are functions you can call
again, which is what MAML-RL needs: there both depend on θ *through* the inner adaptation step
(Finn et al. 2017 meta-train 2-D navigation this way, with δ = 0.01). The defaults follow rllab's
``ConjugateGradientOptimizer`` (10 CG iterations, damping 1e-5, backtrack ratio 0.8, 15 steps).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from course_lib.validation import check_int, check_real, check_sequence, check_tensor

__all__ = ["conjugate_gradient", "trpo_step"]


def conjugate_gradient(
    matrix_vector: Callable[[Tensor], Tensor],
    b: Tensor,
    iterations: int = 10,
    tolerance: float = 1e-10,
) -> Tensor:
    """An approximate solution of ``A x = b`` for a symmetric positive-definite ``A`` seen only
    through ``matrix_vector(v) = A v`` (Hestenes & Stiefel, 1952). Exact after ``len(b)`` steps in
    exact arithmetic; a few steps already give a good natural-gradient direction."""
    if not callable(matrix_vector):
        raise TypeError(f"matrix_vector must be callable(v) -> A v, got {matrix_vector!r:.60}")
    check_tensor("b", b, ndim=1, floating=True, finite=True)
    check_int("iterations", iterations, 1, 10_000)
    check_real("tolerance", tolerance, 0.0, 1e6)
    x = torch.zeros_like(b)
    r = b.clone()  # residual b − A x
    p = r.clone()  # search direction
    rr = r @ r
    for _ in range(iterations):
        if rr <= tolerance:
            break
        ap = matrix_vector(p)
        if not isinstance(ap, Tensor) or ap.shape != b.shape:  # A v must be a vector like v
            raise ValueError(
                f"matrix_vector must return a tensor of b's shape {list(b.shape)}, got "
                f"{list(ap.shape) if isinstance(ap, Tensor) else type(ap).__name__}"
            )
        alpha = rr / (p @ ap)
        x = x + alpha * p
        r = r - alpha * ap
        rr_new = r @ r
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x


def _flat_grad(output: Tensor, params: Sequence[Tensor], *, create_graph: bool = False) -> Tensor:
    grads = torch.autograd.grad(output, params, create_graph=create_graph)
    return torch.cat([g.reshape(-1) for g in grads])


def trpo_step(
    params: Sequence[nn.Parameter],
    surrogate: Callable[[], Tensor],
    kl: Callable[[], Tensor],
    *,
    max_kl: float = 0.01,
    cg_iterations: int = 10,
    damping: float = 1e-5,
    backtrack_ratio: float = 0.8,
    max_backtracks: int = 15,
) -> dict[str, float]:
    """Move ``params`` (in place) by one TRPO step; returns its diagnostics.

    Args:
        params: the parameters to update.
        surrogate: computes L(θ) at the current ``params`` (to maximise).
        kl: computes the mean KL(π_old ‖ π_θ) at the current ``params`` (0 at the start).
        max_kl: the trust region δ.
        cg_iterations, damping: conjugate gradient on (F + damping·I) x = g.
        backtrack_ratio, max_backtracks: the line search shrinks the step by this ratio.

    Returns ``surrogate_before``, ``surrogate_after``, ``kl`` (after the step), ``step_fraction``
    (the accepted fraction of the full natural step, 0 if every try failed and θ was kept).
    """
    params = list(check_sequence("params", params, of=torch.Tensor, min_length=1))
    for name, fn in (("surrogate", surrogate), ("kl", kl)):
        if not callable(fn):
            raise TypeError(f"{name} must be callable() -> a scalar tensor, got {fn!r:.60}")
    check_int("cg_iterations", cg_iterations, 1, 10_000)
    check_real("max_kl", max_kl, 0.0, 10.0, lo_open=True)
    check_real("damping", damping, 0.0, 1e3)
    check_real("backtrack_ratio", backtrack_ratio, 0.0, 1.0, lo_open=True, hi_open=True)
    check_int("max_backtracks", max_backtracks, 1, 100)
    before = surrogate()
    if not isinstance(before, Tensor) or before.numel() != 1 or not bool(torch.isfinite(before)):
        raise ValueError(f"surrogate must return a finite scalar tensor L(θ), got {before!r:.60}")
    g = _flat_grad(before, params)
    grad_kl = _flat_grad(kl(), params, create_graph=True)

    def fisher_vector(v: Tensor) -> Tensor:  # (F + damping·I) v, F the Hessian of the mean KL
        hv = torch.autograd.grad(grad_kl @ v, params, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv]) + damping * v

    direction = conjugate_gradient(fisher_vector, g, cg_iterations)
    shs = direction @ fisher_vector(direction)
    start = [p.detach().clone() for p in params]
    diagnostics = {
        "surrogate_before": float(before.detach()),
        "surrogate_after": float(before.detach()),
        "kl": 0.0,
        "step_fraction": 0.0,
    }
    if not bool(shs > 0) or not bool(torch.isfinite(shs)):
        return diagnostics
    full_step = torch.sqrt(2 * max_kl / shs) * direction
    for k in range(max_backtracks):
        fraction = backtrack_ratio**k
        _assign(params, start, fraction * full_step)
        # Not under no_grad: the surrogate may itself take gradients (MAML-RL's inner step).
        new_surrogate, new_kl = surrogate().detach(), kl().detach()
        if bool(new_kl <= max_kl) and bool(new_surrogate > before):
            diagnostics.update(
                surrogate_after=float(new_surrogate), kl=float(new_kl), step_fraction=fraction
            )
            return diagnostics
    _assign(params, start, torch.zeros_like(full_step))  # no acceptable step: keep θ_old
    return diagnostics


@torch.no_grad()
def _assign(params: list[Tensor], start: list[Tensor], step: Tensor) -> None:
    offset = 0
    for p, p0 in zip(params, start):
        n = p.numel()
        p.copy_(p0 + step[offset : offset + n].view_as(p))
        offset += n
