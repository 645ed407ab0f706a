"""What first-order meta-learning keeps and drops: MAML's second-order term, and Reptile's terms.

MAML's meta-gradient for one task and one inner step θ = φ − α ∇l_s(φ) is

    ∇_φ l_q(θ) = (I − α ∇²l_s(φ)) ∇_θ l_q(θ)
               = ∇_θ l_q(θ)                      FOMAML keeps this
                 − α ∇²l_s(φ) ∇_θ l_q(θ)         and drops this: :func:`second_order_term`

The dropped term is a Hessian-vector product: it never needs the Hessian itself (1,761² entries
for the 1-40-40-1 network), only the directional derivative of the gradient ∇l_s along
v = ∇_θ l_q(θ), which costs about as much as two more gradients (Pearlmutter 1994).

Nichol, Achiam & Schulman (2018, arXiv:1803.02999, section 5) expand every method's update
to second order in α for two minibatches A and B of one task, averaged over their order.
With ḡ_i = ∇L_i(φ) and H̄_i = ∇²L_i(φ):

    AvgGrad      = ½ (ḡ_A + ḡ_B)                 the gradient of the task's loss at φ
    AvgGradInner = ½ (H̄_B ḡ_A + H̄_A ḡ_B)        = ½ ∇_φ (ḡ_A · ḡ_B)

    MAML     (one step on A, scored on B)   ≈   AvgGrad − 2α AvgGradInner
    FOMAML   (the same, first order)        ≈   AvgGrad −  α AvgGradInner
    Reptile  ((φ − θ̃)/α, a step on A then B) ≈ 2 AvgGrad −  α AvgGradInner

all up to O(α²). Following −AvgGradInner raises ḡ_A · ḡ_B: a step on one minibatch then also
lowers the loss on the other, which is what "learning fast from few points" asks of φ. All
three methods contain both terms; they differ in the weights. (With two steps Reptile's
update is exactly FOMAML's plus ḡ of the first minibatch.) :func:`first_order_terms`
computes the exact updates and the two terms, so the expansion can be checked numerically;
the residual shrinks like α² only for a smooth loss (the (a, b) model, a tanh network): a
ReLU network's gradient jumps wherever a step switches a unit, which adds an O(α) part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from torch import Tensor, nn
from torch.func import grad, jvp

from course_lib.meta.functional import (
    LossFn,
    Params,
    _check_loss_fn,
    _check_model,
    _check_support,
    _check_weights,
    adapt,
    mse,
    reptile_inner_loop,
    task_loss,
)
from course_lib.validation import check_choice, check_real

__all__ = ["EXPANSION", "second_order_term", "FirstOrderTerms", "first_order_terms"]

Batch = tuple[Tensor, Tensor]

#: (weight of AvgGrad, weight of α·AvgGradInner) in each method's expansion (k = 2 for Reptile).
EXPANSION: dict[str, tuple[float, float]] = {
    "maml": (1.0, -2.0),
    "fomaml": (1.0, -1.0),
    "reptile": (2.0, -1.0),
}


def _check_batch(name: str, batch: object) -> Batch:
    if (
        not isinstance(batch, tuple | list)
        or len(batch) != 2
        or not all(isinstance(t, Tensor) and t.dim() >= 2 for t in batch)
    ):
        raise TypeError(
            f"{name} must be a pair (x, y) of tensors shaped [K, ...], got {batch!r:.80}"
        )
    _check_support(batch[0], batch[1], (f"{name}[0]", f"{name}[1]"))
    return batch[0], batch[1]


def _detached(model: object, params: object, loss_fn: object) -> Params:
    _check_model(model)
    _check_weights("params", params, model)
    _check_loss_fn(loss_fn)
    return {name: p.detach() for name, p in params.items()}


def second_order_term(
    model: nn.Module,
    params: Mapping[str, Tensor],
    task: tuple[Tensor, Tensor, Tensor, Tensor],
    *,
    inner_lr: float,
    loss_fn: LossFn = mse,
) -> Params:
    """−α ∇²l_s(φ) ∇_θ l_q(θ) for one task and one inner step: what FOMAML drops from MAML.

    ``task`` is ``(x_support, y_support, x_query, y_query)`` of one task. MAML's meta-gradient
    equals FOMAML's plus this term. Computed as a Hessian-vector product, forward-over-reverse
    (``jvp`` of ``grad``): the Hessian is symmetric, so its directional derivative along v is H·v.
    """
    if isinstance(task, str) or not isinstance(task, tuple | list) or len(task) != 4:
        raise TypeError(
            "task must be (x_support, y_support, x_query, y_query) of one task, "
            f"got {type(task).__name__} {task!r:.60}"
        )
    x_s, y_s = _check_batch("task[:2]", tuple(task[:2]))
    x_q, y_q = _check_batch("task[2:]", tuple(task[2:]))
    check_real("inner_lr", inner_lr, 0.0, 100.0)
    phi = _detached(model, params, loss_fn)
    support_grad = grad(lambda p: task_loss(model, p, x_s, y_s, loss_fn))
    theta = {n: p - inner_lr * g for (n, p), g in zip(phi.items(), support_grad(phi).values())}
    v = grad(lambda p: task_loss(model, p, x_q, y_q, loss_fn))(theta)  # ∇_θ l_q(θ), a constant
    _, hessian_times_v = jvp(support_grad, (phi,), (v,))
    return {n: -inner_lr * hv for n, hv in hessian_times_v.items()}


@dataclass(frozen=True)
class FirstOrderTerms:
    """Exact updates of MAML, FOMAML and Reptile and the two terms of their expansion.

    Every field is a dict keyed like the parameters; each update is averaged over the two
    orders (A then B, B then A). ``predicted(method)`` is the second-order expansion.
    """

    inner_lr: float
    avg_grad: Params
    avg_grad_inner: Params
    maml: Params
    fomaml: Params
    reptile: Params

    def predicted(self, method: str) -> Params:
        """``c₁·AvgGrad + c₂·α·AvgGradInner`` for ``method`` (Nichol et al., section 5)."""
        check_choice("method", method, tuple(EXPANSION))
        c1, c2 = EXPANSION[method]
        a = self.inner_lr
        return {n: c1 * g + c2 * a * self.avg_grad_inner[n] for n, g in self.avg_grad.items()}

    def residual(self, method: str) -> float:
        """Largest |exact − predicted| over all parameters: O(α²) if the expansion holds."""
        guess = self.predicted(method)  # checks method first
        exact = getattr(self, method)
        return max((exact[n] - guess[n]).abs().max().item() for n in exact)


def first_order_terms(
    model: nn.Module,
    params: Mapping[str, Tensor],
    batch_a: Batch,
    batch_b: Batch,
    *,
    inner_lr: float,
    loss_fn: LossFn = mse,
) -> FirstOrderTerms:
    """Nichol et al.'s comparison on two minibatches ``(x, y)`` of one task, at φ = ``params``.

    MAML and FOMAML take one inner step on one batch and score the other; Reptile's update
    direction is (φ − θ̃)/α after one step on each batch in turn (``reptile_inner_loop`` with
    two steps). Each is averaged over the two orders, the expectation over minibatch order in
    the paper's analysis.
    """
    batches = (_check_batch("batch_a", batch_a), _check_batch("batch_b", batch_b))
    # Reptile's direction is (φ − θ̃)/α: α = 0 would divide by zero
    check_real("inner_lr", inner_lr, 0.0, 100.0, lo_open=True)
    phi = _detached(model, params, loss_fn)
    grads, hvps = [], []
    maml, fomaml, reptile = [], [], []
    for (x1, y1), (x2, y2) in (batches, batches[::-1]):
        g1 = grad(lambda p, x=x1, y=y1: task_loss(model, p, x, y, loss_fn))
        g2 = grad(lambda p, x=x2, y=y2: task_loss(model, p, x, y, loss_fn))
        _, h2g1 = jvp(g2, (phi,), (g1(phi),))  # H̄₂ ḡ₁
        grads.append(g1(phi))
        hvps.append(h2g1)

        def query_after_step(p, first_order, x1=x1, y1=y1, x2=x2, y2=y2):
            theta = adapt(model, p, x1, y1, inner_lr=inner_lr, steps=1, first_order=first_order)
            return task_loss(model, theta, x2, y2, loss_fn)

        maml.append(grad(lambda p: query_after_step(p, False))(phi))
        fomaml.append(grad(lambda p: query_after_step(p, True))(phi))
        task = (x1.unsqueeze(0), y1.unsqueeze(0), x2.unsqueeze(0), y2.unsqueeze(0))
        theta = reptile_inner_loop(model, phi, task, inner_lr=inner_lr, steps=2)
        reptile.append({n: (phi[n] - theta[n][0]) / inner_lr for n in phi})

    def mean(pair: list[Params]) -> Params:
        return {n: (pair[0][n] + pair[1][n]) / 2 for n in phi}

    return FirstOrderTerms(
        float(inner_lr), mean(grads), mean(hvps), mean(maml), mean(fomaml), mean(reptile)
    )
