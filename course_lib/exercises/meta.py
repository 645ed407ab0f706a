"""Exercises of Chapters 4-5: write one inner-loop step, checked against the library.

* Chapter 5, :func:`check_inner_step`: ``inner_step(model, params, x, y, inner_lr) -> dict``
  returning θ = φ − α ∇_φ L_support(φ), differentiable with respect to φ (second order),
  without changing ``params`` in place.
* Chapter 4, :func:`check_meta_sgd_step`: ``meta_sgd_step(model, params, x, y, step_sizes)``,
  the same step with one learned step size per weight (Meta-SGD: θ = φ − α ⊙ ∇L), which
  must pass gradients back to the step sizes too.

Both compare the student's θ and the meta-gradients through it with the library's
:func:`course_lib.meta.adapt` on several cases and explain what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_lib.meta import SineModel, SinusoidTasks, adapt, init_params, mlp_regressor, task_loss

__all__ = ["check_inner_step", "check_meta_sgd_step"]


def _cases():
    generator = torch.Generator().manual_seed(7)
    batch = SinusoidTasks().sample(2, 10, 10, generator)
    yield "the 1-40-40-1 network, α = 0.01", mlp_regressor(seed=3), 0.01, batch, 0
    yield "the (a, b) sine model, α = 0.3", SineModel(1.5, 0.4), 0.3, batch, 1


def _meta_grad(model, params, theta, x_q, y_q, lr):
    leaves = list(params.values()) + (list(lr.values()) if isinstance(lr, dict) else [])
    loss = task_loss(model, theta, x_q, y_q)
    return torch.autograd.grad(loss, leaves, allow_unused=True)


def _step_sizes(params, value: float) -> dict:
    generator = torch.Generator().manual_seed(11)  # different sizes per weight, so α ⊙ g is tested
    return {
        n: (value * (0.5 + torch.rand(p.shape, generator=generator))).requires_grad_(True)
        for n, p in params.items()
    }


def check_inner_step(fn: Callable) -> bool:
    """Check a student's ``inner_step(model, params, x, y, inner_lr)``; print feedback, return True if right."""
    return _check(fn, "inner_step", per_weight=False)


def check_meta_sgd_step(fn: Callable) -> bool:
    """Check a student's ``meta_sgd_step(model, params, x, y, step_sizes)`` (a dict of per-weight α)."""
    return _check(fn, "meta_sgd_step", per_weight=True)


def _check(fn: Callable, fn_name: str, *, per_weight: bool) -> bool:
    for label, model, lr, batch, i in _cases():
        params = init_params(model)
        if per_weight:
            lr = _step_sizes(params, lr)
            label = label.split(",")[0] + ", per-weight step sizes"
        before = {n: p.detach().clone() for n, p in params.items()}
        x, y, x_q, y_q = batch.x_support[i], batch.y_support[i], batch.x_query[i], batch.y_query[i]
        try:
            theta = fn(model, params, x, y, lr)
        except NotImplementedError:
            print(
                f"✗ {fn_name} is not implemented yet: replace `raise NotImplementedError` with your step."
            )
            return False
        except Exception as error:  # the student's code: report, don't crash the notebook
            print(f"✗ on {label} your {fn_name} raised {type(error).__name__}: {error}")
            return False
        if not isinstance(theta, dict) or set(theta) != set(params):
            got = sorted(theta) if isinstance(theta, dict) else type(theta).__name__
            print(f"✗ return a dict with the same keys as params {sorted(params)}; got {got}.")
            return False
        for name, p in params.items():
            if not torch.equal(p.detach(), before[name]):
                print(
                    f"✗ params['{name}'] was changed in place: build new tensors (θ = φ − α·g), leave φ as it is."
                )
                return False
            if not isinstance(theta[name], torch.Tensor) or theta[name].shape != p.shape:
                print(
                    f"✗ θ['{name}'] must be a tensor of shape {tuple(p.shape)}, got {getattr(theta[name], 'shape', type(theta[name]))}."
                )
                return False
        reference = adapt(model, params, x, y, inner_lr=lr, steps=1)
        error = max((theta[n].detach() - reference[n].detach()).abs().max().item() for n in params)
        if error > 1e-5:
            ascent = {n: 2 * params[n].detach() - reference[n].detach() for n in params}
            if max((theta[n].detach() - ascent[n]).abs().max().item() for n in params) < 1e-5:
                print(
                    f"✗ on {label} you stepped *up* the gradient: θ = φ − α·∇L, with a minus sign."
                )
            elif max((theta[n].detach() - before[n]).abs().max().item() for n in params) < 1e-8:
                print(f"✗ on {label} θ equals φ: the step did not move the parameters.")
            else:
                hint = (
                    "multiply each gradient elementwise by its own step size step_sizes[name]"
                    if per_weight
                    else "step size inner_lr"
                )
                print(
                    f"✗ on {label} θ differs from one gradient step on the support MSE by up to {error:.2e} "
                    f"(use the mean squared error of functional_call(model, params, (x,)) against y, and {hint})."
                )
            return False
        if not all(theta[n].requires_grad for n in params):
            print(
                "✗ θ is detached from φ: the outer loop cannot send a gradient back. Don't call .detach() or torch.no_grad()."
            )
            return False
        student = _meta_grad(model, params, theta, x_q, y_q, lr)
        second = _meta_grad(model, params, reference, x_q, y_q, lr)
        first = _meta_grad(
            model,
            params,
            adapt(model, params, x, y, inner_lr=lr, steps=1, first_order=True),
            x_q,
            y_q,
            lr,
        )
        if per_weight and any(g is None for g in student[len(params) :]):
            print(
                "✗ no gradient reaches the step sizes: build θ from step_sizes[name] itself (don't detach it or use .item())."
            )
            return False
        gap = max(
            ((s if s is not None else torch.zeros_like(r)) - r).abs().max().item()
            for s, r in zip(student, second)
        )
        if gap > 1e-4:
            first_gap = max(
                ((s if s is not None else torch.zeros_like(f)) - f).abs().max().item()
                for s, f in zip(student, first)
            )
            if first_gap < 1e-5:
                print(
                    "✗ the values are right but the meta-gradient is first-order (FOMAML): compute the inner gradient "
                    "with torch.autograd.grad(..., create_graph=True) so the outer loop differentiates through it."
                )
            else:
                print(f"✗ the meta-gradient through your θ differs from MAML's by up to {gap:.2e}.")
            return False
    if per_weight:
        print(
            "✓ meta_sgd_step is right: θ = φ − α ⊙ ∇L, and the outer loop gets gradients for both φ and the step sizes α."
        )
    else:
        print(
            "✓ inner_step is right: one differentiable gradient step, φ untouched, MAML's second-order meta-gradient flows through it."
        )
    return True
