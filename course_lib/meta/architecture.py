"""Learning the network architecture (网络架构) with continuous mixing weights (DARTS).

An architecture is a discrete choice (which activation, which width, which block), so no
gradient reaches it. DARTS (Liu et al., 2018, arXiv:1806.09055) relaxes the choice: every
hidden layer applies *all* candidate blocks and adds their outputs with softmax weights

    h ← Σ_k softmax(m)_k · act_k(W h + b),

and the mixing logits m become ordinary tensors that the outer loop (外循环) can follow by
gradient. In meta-learning they are a component of φ: the inner loop (内循环) adapts the
weights W, b to each task and never touches m (its inner step size is zero); the outer loop
moves m towards the blocks that make adaptation work on new tasks. After training, the
largest weight names the block that won.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from course_lib.meta.functional import _traced
from course_lib.training import seeded
from course_lib.validation import (
    check_finite,
    check_hidden_sizes,
    check_int,
    check_seed,
    check_tensor,
)

__all__ = ["ACTIVATIONS", "MIX_KEY", "MixedActivationMLP", "check_activations", "block_weights"]

#: The candidate blocks a hidden layer can mix: name -> elementwise function.
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sin": torch.sin,
    "identity": lambda h: h,
}

#: Widest input or output a layer may have (as ``check_hidden_sizes`` caps the hidden widths):
#: a 10**6-wide first layer already holds 40 million weights.
MAX_FEATURES = 4096

#: Name of the mixing-logit tensor in the model's parameter dict: a component of φ that the
#: inner loop holds fixed.
MIX_KEY = "mix"


def check_activations(activations: object) -> tuple[str, ...]:
    """A non-empty tuple of distinct names from ``ACTIVATIONS``."""
    if isinstance(activations, str) or not isinstance(activations, Sequence):
        raise TypeError(
            f"activations must be a sequence of names from {sorted(ACTIVATIONS)}, "
            f"got {activations!r}"
        )
    names = tuple(activations)
    if not all(isinstance(a, str) for a in names):
        raise TypeError(
            f"activations must be names (str) from {sorted(ACTIVATIONS)}, got {activations!r}"
        )
    unknown = [a for a in names if a not in ACTIVATIONS]
    if not names or unknown or len(set(names)) != len(names):
        raise ValueError(
            f"activations must be distinct names from {sorted(ACTIVATIONS)} (at least one), "
            f"got {activations!r}"
        )
    return names


class MixedActivationMLP(nn.Module):
    """An MLP whose hidden layers each mix candidate activations with softmax weights.

    With one candidate (``activations=("relu",)``) this is the plain ReLU MLP of the MAML
    paper. Parameters: ``layers.i.weight`` / ``layers.i.bias`` (adapted by the inner loop) and
    ``mix``, the ``[hidden layers, candidates]`` mixing logits (learned by the outer loop only).

    Args:
        in_features: input size (1 for sinusoids, 2 for the 2-D classification tasks).
        hidden_sizes: widths of the hidden layers.
        activations: the candidate blocks, names from ``ACTIVATIONS``.
        out_features: output size (1: a regression value or a class logit).
        seed: seeds the weights; the mixing logits start at zero (an equal mix).
    """

    def __init__(
        self,
        in_features: int = 1,
        hidden_sizes: Sequence[int] = (40, 40),
        activations: Sequence[str] = ("relu",),
        out_features: int = 1,
        *,
        seed: int = 0,
    ):
        super().__init__()
        check_int("in_features", in_features, 1, MAX_FEATURES)
        check_int("out_features", out_features, 1, MAX_FEATURES)
        hidden_sizes = check_hidden_sizes(hidden_sizes)
        if not hidden_sizes:
            raise ValueError("hidden_sizes must hold at least one layer width, got ()")
        self.activations = check_activations(activations)
        sizes = (in_features, *hidden_sizes, out_features)
        with seeded(check_seed(seed)):
            self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.mix = nn.Parameter(torch.zeros(len(hidden_sizes), len(self.activations)))

    def forward(self, x: Tensor) -> Tensor:
        """The mixed MLP at points ``x`` ``[..., in_features]`` (a float tensor, finite)."""
        _check_points("x", x, self.layers[0].in_features)
        weights = torch.softmax(self.mix, dim=-1)
        h = x
        for i, layer in enumerate(self.layers[:-1]):
            pre = layer(h)
            # every candidate block sees the same pre-activation; the mix weights their outputs
            h = sum(w * ACTIVATIONS[name](pre) for w, name in zip(weights[i], self.activations))
        return self.layers[-1](h)


def _check_points(name: str, x: object, in_features: int) -> Tensor:
    """Float points ``[..., in_features]``; finite unless traced by ``torch.func`` (vmap cannot
    read values: the plain tensor was checked on entry)."""
    check_tensor(name, x, floating=True)
    if x.dim() < 1 or x.shape[-1] != in_features:
        raise ValueError(
            f"{name} must be points [..., {in_features}] (in_features={in_features}), "
            f"got shape {tuple(x.shape)}"
        )
    if not _traced(x):
        check_finite(name, x)
    return x


def block_weights(model: MixedActivationMLP, mix: Tensor) -> dict[str, list[float]]:
    """The softmax mixing weights of each candidate block, one value per hidden layer."""
    if not isinstance(model, MixedActivationMLP):
        raise TypeError(f"model must be a MixedActivationMLP, got {type(model).__name__}")
    check_tensor("mix", mix, floating=True, finite=True)
    if mix.shape != model.mix.shape:
        raise ValueError(
            f"mix must be the model's [hidden layers, candidates] logits of shape "
            f"{tuple(model.mix.shape)}, got {tuple(mix.shape)}"
        )
    weights = torch.softmax(mix.detach(), dim=-1)
    return {name: weights[:, k].tolist() for k, name in enumerate(model.activations)}
