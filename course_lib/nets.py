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

from course_lib.validation import check_hidden_sizes, check_int, check_real

__all__ = ["layer_init", "mlp"]


def _check_init(layer: object, gain: object, bias: object) -> None:
    if not isinstance(layer, nn.Linear):
        raise TypeError(f"layer must be an nn.Linear, got {type(layer).__name__}")
    check_real("gain", gain, 0.0, 100.0)
    check_real("bias", bias, -1e6, 1e6)


def layer_init(layer: nn.Linear, gain: float = math.sqrt(2), bias: float = 0.0) -> nn.Linear:
    """Orthogonal weight initialisation with ``gain`` and a constant ``bias``; returns ``layer``."""
    _check_init(layer, gain, bias)
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.constant_(layer.bias, bias)
    return layer


#: Larger networks take gigabytes and minutes per step on the course's CPUs.
MAX_FEATURES, MAX_WEIGHTS = 100_000, 50_000_000


def _check_sizes(
    in_features,
    hidden_sizes,
    out_features,
    activation=nn.Tanh,
    out_gain=1.0,
    names: tuple[str, str] = ("in_features", "out_features"),
) -> list[int]:
    """The layer sizes, checked; ``names`` are the caller's arguments that set the input and
    output sizes (an agent's ``obs_dim`` and ``num_actions``), so that its errors name them."""
    sizes = [
        check_int(names[0], in_features, 1, MAX_FEATURES),
        *check_hidden_sizes(hidden_sizes),
        check_int(names[1], out_features, 1, MAX_FEATURES),
    ]
    weights = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if weights > MAX_WEIGHTS:
        raise ValueError(
            f"{names[0]}, hidden_sizes and {names[1]} must make a network of at most "
            f"{MAX_WEIGHTS:_} weights, got {weights:_} (layer sizes {str(sizes):.80})"
        )
    if not (isinstance(activation, type) and issubclass(activation, nn.Module)):
        raise TypeError(
            f"activation must be an nn.Module class such as nn.Tanh, got {activation!r}"
        )
    check_real("out_gain", out_gain, 0.0, 100.0)
    return sizes


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
    sizes = _check_sizes(in_features, hidden_sizes, out_features, activation, out_gain)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(layer_init(nn.Linear(a, b), gain=out_gain if last else math.sqrt(2)))
        if not last:
            layers.append(activation())
    return nn.Sequential(*layers)
