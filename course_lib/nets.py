"""Small shared networks: the multilayer perceptron (多层感知机) every chapter's agent is built from.

PPO (Chapter 3) builds its actor and critic from :func:`mlp`; the initialisation follows
CleanRL's ``layer_init``: orthogonal weights with gain √2 for hidden layers, a small gain
(0.01) for the policy head so the first policy is close to uniform, and gain 1 for the value
head. Small, well-scaled initial outputs make early PPO updates gentle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import nn

__all__ = ["layer_init", "mlp"]


def layer_init(layer: nn.Linear, gain: float = math.sqrt(2), bias: float = 0.0) -> nn.Linear:
    """Orthogonal weight initialisation with ``gain`` and a constant ``bias``; returns ``layer``."""
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.constant_(layer.bias, bias)
    return layer


def mlp(
    in_features: int,
    hidden_sizes: Sequence[int],
    out_features: int,
    *,
    activation: type[nn.Module] = nn.Tanh,
    out_gain: float = 1.0,
) -> nn.Sequential:
    """``in → hidden_sizes[0] → … → out`` with ``activation`` between layers, none after the last.

    Args:
        in_features: input size (>= 1).
        hidden_sizes: widths of the hidden layers, e.g. ``(64, 64)``; may be empty (a linear map).
        out_features: output size (>= 1).
        activation: the non-linearity class (``nn.Tanh`` is PPO's classic choice).
        out_gain: orthogonal gain of the output layer (0.01 for a policy head, 1.0 for a value head).
    """
    sizes = [in_features, *hidden_sizes, out_features]
    for name, size in (
        ("in_features", in_features),
        ("out_features", out_features),
        *(("hidden_sizes", h) for h in hidden_sizes),
    ):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"{name} must be positive integers, got {size!r}")
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(layer_init(nn.Linear(a, b), gain=out_gain if last else math.sqrt(2)))
        if not last:
            layers.append(activation())
    return nn.Sequential(*layers)
