"""The two models of Chapters 4-5: the paper's small MLP and a two-parameter sine model.

Both are ordinary ``nn.Module``s. The meta-learning code never changes their weights in
place: it calls them *functionally* with ``torch.func.functional_call(model, params, (x,))``
where ``params`` is a dict like ``dict(model.named_parameters())``, so one module can be
evaluated at φ (the meta-learned initialization) and at many adapted θ's at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from course_lib.meta.functional import _traced
from course_lib.training import seeded
from course_lib.validation import (
    check_finite,
    check_hidden_sizes,
    check_real,
    check_sequence,
    check_tensor,
)

__all__ = ["mlp_regressor", "SineModel", "init_params"]


def mlp_regressor(hidden: Sequence[int] = (40, 40), *, seed: int = 0) -> nn.Sequential:
    """The MAML paper's sinusoid regressor: 1 → 40 → 40 → 1 with ReLU, seeded initialization."""
    hidden = check_sequence("hidden", hidden)
    if not hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
        raise ValueError(f"hidden must be a non-empty sequence of ints >= 1, got {hidden!r}")
    check_hidden_sizes(hidden, "hidden")  # and at most 4096 wide
    sizes = (1, *hidden, 1)
    layers: list[nn.Module] = []
    with seeded(seed):  # seeded init without touching the global RNG
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class SineModel(nn.Module):
    """f(x) = a·sin(x + b): a model whose whole parameter space is the (a, b) plane.

    Every sinusoid task A·sin(x + φ) is solved exactly at (a, b) = (A, φ), so the loss
    landscape of each task, the inner-loop steps θ and the outer-loop updates of φ can all be
    drawn in two dimensions (Chapter 5's ``param_space_explorer``).
    """

    def __init__(self, a: float = 1.0, b: float = 0.0):
        super().__init__()
        check_real("a", a, -1e6, 1e6)
        check_real("b", b, -1e6, 1e6)
        self.a = nn.Parameter(torch.tensor(float(a)))
        self.b = nn.Parameter(torch.tensor(float(b)))

    def forward(self, x: Tensor) -> Tensor:
        """a·sin(x + b) at the points ``x`` (a float tensor of any shape, finite)."""
        check_tensor("x", x, floating=True)
        if not _traced(x):  # vmap cannot read values (the plain tensor was checked on entry)
            check_finite("x", x)
        return self.a * torch.sin(x + self.b)


def init_params(model: nn.Module) -> dict[str, Tensor]:
    """A detached copy of the module's parameters, ready to be meta-learned (``requires_grad``)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    return {name: p.detach().clone().requires_grad_(True) for name, p in model.named_parameters()}
