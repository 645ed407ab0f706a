"""Learning the update rule itself: a tiny network that says how to move each weight.

Meta-SGD learns one step size per weight, θ ← θ − α ⊙ g: the direction is still the
gradient. A learned optimizer goes further (Andrychowicz et al., 2016, arXiv:1606.04474,
"Learning to learn by gradient descent by gradient descent"): a small network ψ, shared by
every weight, reads that weight's gradient g, its value θ and how far the inner loop has
gone (t / steps), and outputs its update:

    θ ← θ − α·g + u_ψ(g, θ, t / steps)

The network's last layer starts at zero, so before meta-training the rule *is* SGD with step
α; the outer loop (外循环) then bends it wherever plain gradient steps adapt badly. The rule
is applied coordinate-wise (the same ψ for all weights), which keeps it tiny: 3 inputs, one
hidden layer, 1 output.

What did it learn? :func:`rule_effects` measures how much its output depends on the gradient
and how much on the weight itself, at the (g, θ) pairs it actually meets, and
:func:`without_gradient_input` gives the same rule blind to g, to score it without. A part of
u that depends on θ alone is not an optimizer at all: in one step from a fixed init it moves
every task's start the same way, a change of the init (Andrychowicz et al.'s optimizer reads
the gradient only, so it cannot learn that).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn
from torch.func import grad

from course_lib.meta.functional import (
    InnerLR,
    LossFn,
    Params,
    _check_data,
    _check_inner,
    _check_loss_fn,
    _check_model,
    _check_support,
    _check_target_shape,
    _check_weights,
    _task_loss,
    mse,
)
from course_lib.training import make_generator
from course_lib.validation import check_int, check_real, check_same_shape, check_seed

__all__ = [
    "init_update_rule",
    "rule_update",
    "adapt_with_rule",
    "rule_effects",
    "without_gradient_input",
]


def init_update_rule(hidden: int = 16, *, seed: int = 0) -> Params:
    """ψ for a 3 → ``hidden`` → 1 tanh network whose output starts at exactly zero (= SGD)."""
    check_int("hidden", hidden, 1, 1024)
    generator = make_generator(check_seed(seed))
    return {
        "w1": torch.randn(hidden, 3, generator=generator) * 0.5,
        "b1": torch.zeros(hidden),
        "w2": torch.zeros(1, hidden),
        "b2": torch.zeros(1),
    }


def _check_net(name: str, net: object, inputs: int) -> None:
    """ψ as ``init_update_rule``/``init_weighting_net`` build it: w1 ``[H, inputs]``, b1 ``[H]``,
    w2 ``[1, H]``, b2 ``[1]``, all finite (a traced ψ, inside vmap, is checked on entry)."""
    _check_weights(name, net)
    missing = sorted({"w1", "b1", "w2", "b2"} - set(net))
    if missing:
        raise ValueError(f"{name} must hold w1, b1, w2 and b2, got keys {sorted(net)}")
    hidden = net["w1"].shape[0] if net["w1"].dim() == 2 else -1
    expected = {"w1": (hidden, inputs), "b1": (hidden,), "w2": (1, hidden), "b2": (1,)}
    for key, shape in expected.items():
        if tuple(net[key].shape) != shape:
            raise ValueError(
                f"{name}[{key!r}] must have shape {shape} (a {inputs} -> H -> 1 network), "
                f"got {tuple(net[key].shape)}"
            )


def rule_update(rule: Mapping[str, Tensor], g: Tensor, theta: Tensor, progress: float) -> Tensor:
    """u_ψ(g, θ, t/steps) for every coordinate of one parameter tensor (same shape as ``g``)."""
    _check_net("rule", rule, 3)
    check_same_shape(g=g, theta=theta)
    _check_data("g", g, min_ndim=0)
    _check_data("theta", theta, min_ndim=0)
    check_real("progress", progress, 0.0, 1.0)
    return _rule_update(rule, g, theta, progress)


def _rule_update(rule, g: Tensor, theta: Tensor, progress: float) -> Tensor:
    """:func:`rule_update` without the checks, for the inner loop (checked once, on entry)."""
    features = torch.stack([g, theta, torch.full_like(g, progress)], dim=-1)
    hidden = torch.tanh(features @ rule["w1"].T + rule["b1"])
    return (hidden @ rule["w2"].T + rule["b2"]).squeeze(-1)


def adapt_with_rule(
    model: nn.Module,
    params: Mapping[str, Tensor],
    x: Tensor,
    y: Tensor,
    *,
    rule: Mapping[str, Tensor],
    inner_lr: InnerLR,
    steps: int,
    loss_fn: LossFn = mse,
    fixed: Mapping[str, Tensor] | None = None,
) -> Params:
    """The inner loop of :func:`~course_lib.meta.functional.adapt` with the learned rule added.

    ``params`` are adapted; ``fixed`` tensors (e.g. architecture mixing logits) are passed to
    the model unchanged. Differentiable with respect to ``params``, ``rule``, ``inner_lr`` and
    ``fixed``, and usable inside ``torch.func.vmap``.
    """
    if fixed is not None:
        _check_weights("fixed", fixed)
    fixed = dict(fixed or {})
    _check_model(model)
    _check_weights("params", params, model, fixed)
    _check_support(x, y)
    _check_net("rule", rule, 3)
    _check_inner(inner_lr, steps, params)
    _check_loss_fn(loss_fn)
    _check_target_shape(model, {**params, **fixed}, x, y, loss_fn)
    return _adapt_with_rule(model, params, x, y, rule, inner_lr, steps, loss_fn, fixed)


def _adapt_with_rule(model, params, x, y, rule, inner_lr, steps, loss_fn, fixed) -> Params:
    """:func:`adapt_with_rule` without the checks (its callers checked the inputs once)."""
    theta = dict(params)
    loss_grad = grad(lambda p: _task_loss(model, {**p, **fixed}, x, y, loss_fn))
    for t in range(steps):
        g = loss_grad(theta)
        theta = {
            name: theta[name]
            - (inner_lr[name] if isinstance(inner_lr, Mapping) else inner_lr) * g[name]
            + _rule_update(rule, g[name], theta[name], t / steps)
            for name in theta
        }
    return theta


def rule_effects(
    rule: Mapping[str, Tensor],
    gradients: Mapping[str, Tensor],
    weights: Mapping[str, Tensor],
    progress: float = 0.0,
) -> dict[str, float]:
    """How the rule's output u(g, θ, t) depends on the gradient and on the weight.

    Args:
        rule: ψ.
        gradients: the inner-loop gradient of every weight, one tensor per parameter, either
            shaped like ``weights`` or with a leading task dimension (one gradient per task).
        weights: the weights θ the rule is applied to (e.g. the learned init).
        progress: t / steps at which to read the rule (0 for the first step).

    Returns a dict of floats:

    * ``"gradient"``: mean |u(g, θ) − u(0, θ)|, what the gradient input changes;
    * ``"weight"``: mean |u(0, θ) − u(0, 0)|, what the weight input changes;
    * ``"slope"``: c of the least-squares fit u(0, θ) − u(0, 0) ≈ c·θ. A rule that adds c·θ
      multiplies every weight by 1 + c, whatever the gradient; ``"slope_fit"``: the share of
      Σ (u(0, θ) − u(0, 0))² that this line explains (1 − residual / total, in [0, 1] since the
      least-squares line through the origin never does worse than zero);
    * ``"sign_size"`` and ``"sign_fit"``: the same for the fit u(0, θ) − u(0, 0) ≈ a·sign(θ), a
      rule that adds a constant ±a by the sign of each weight. Whichever fit explains more is
      the better one-line description of the θ part;
    * ``"gradient_slope"``: b of the fit u(g, θ) − u(0, θ) ≈ b·g, over all pairs, and
      ``"large_gradient_slope"``, over the pairs whose |g| is in the top 1%. The update's
      gradient part is then (b − α)·g: its effective step size is α − b.
    """
    _check_net("rule", rule, 3)
    _check_weights("gradients", gradients)
    _check_weights("weights", weights)
    check_real("progress", progress, 0.0, 1.0)
    if set(gradients) != set(weights):
        raise ValueError(
            f"gradients and weights must hold the same parameters, got {sorted(gradients)} and {sorted(weights)}"
        )
    for n, w in weights.items():
        if gradients[n].shape not in (w.shape, (gradients[n].shape[0], *w.shape)):
            raise ValueError(
                f"gradients[{n!r}] must be shaped like weights[{n!r}] {tuple(w.shape)}, or with a "
                f"leading task dimension, got {tuple(gradients[n].shape)}"
            )
    with torch.no_grad():
        g = torch.cat([gradients[n].reshape(-1, weights[n].numel()) for n in weights], dim=1)
        theta = torch.cat([weights[n].reshape(-1) for n in weights]).expand_as(g)
        at_zero_gradient = _rule_update(rule, torch.zeros_like(theta[0]), theta[0], progress)
        origin = _rule_update(rule, torch.zeros(1), torch.zeros(1), progress)
        by_weight = at_zero_gradient - origin
        by_gradient = _rule_update(rule, g, theta, progress) - at_zero_gradient
        large = g.abs() >= g.abs().flatten().quantile(0.99)
        slope, slope_fit = _fit(by_weight, theta[0])
        sign_size, sign_fit = _fit(by_weight, theta[0].sign())
        return {
            "gradient": by_gradient.abs().mean().item(),
            "weight": by_weight.abs().mean().item(),
            "slope": slope,
            "slope_fit": slope_fit,
            "sign_size": sign_size,
            "sign_fit": sign_fit,
            "gradient_slope": _fit(by_gradient, g)[0],
            "large_gradient_slope": _fit(by_gradient[large], g[large])[0],
        }


def _fit(y: Tensor, x: Tensor) -> tuple[float, float]:
    """The least-squares b of y ≈ b·x (a line through the origin), and the share of Σy² it explains."""
    b = (y * x).sum() / (x**2).sum()
    explained = 1.0 - ((y - b * x) ** 2).sum() / (y**2).sum().clamp_min(1e-30)
    return b.item(), explained.item()


def without_gradient_input(rule: Mapping[str, Tensor]) -> Params:
    """The same rule with its gradient input cut (u(g, θ, t) = u(0, θ, t)): an ablation."""
    _check_net("rule", rule, 3)
    w1 = rule["w1"].clone()
    w1[:, 0] = 0.0  # column 0 reads g (see rule_update)
    return {**rule, "w1": w1}
