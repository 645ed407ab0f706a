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
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn
from torch.func import grad

from course_lib.meta.functional import InnerLR, LossFn, Params, mse, task_loss
from course_lib.training import make_generator
from course_lib.validation import check_int, check_seed

__all__ = ["init_update_rule", "rule_update", "adapt_with_rule"]


def init_update_rule(hidden: int = 16, *, seed: int = 0) -> Params:
    """ψ for a 3 → ``hidden`` → 1 tanh network whose output starts at exactly zero (= SGD)."""
    if check_int("hidden", hidden, 1) > 1024:
        raise ValueError(f"hidden must be in [1, 1024], got {hidden}")
    generator = make_generator(check_seed(seed))
    return {
        "w1": torch.randn(hidden, 3, generator=generator) * 0.5,
        "b1": torch.zeros(hidden),
        "w2": torch.zeros(1, hidden),
        "b2": torch.zeros(1),
    }


def rule_update(rule: Mapping[str, Tensor], g: Tensor, theta: Tensor, progress: float) -> Tensor:
    """u_ψ(g, θ, t/steps) for every coordinate of one parameter tensor (same shape as ``g``)."""
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
    fixed = dict(fixed or {})
    theta = dict(params)
    loss_grad = grad(lambda p: task_loss(model, {**p, **fixed}, x, y, loss_fn))
    for t in range(steps):
        g = loss_grad(theta)
        theta = {
            name: theta[name]
            - (inner_lr[name] if isinstance(inner_lr, Mapping) else inner_lr) * g[name]
            + rule_update(rule, g[name], theta[name], t / steps)
            for name in theta
        }
    return theta
