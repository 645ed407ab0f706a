"""MAML's second-order term and Nichol et al.'s expansion, held against independent computations."""

import pytest
import torch
from torch import nn

from course_lib.meta import (
    SineModel,
    SinusoidTasks,
    first_order_terms,
    init_params,
    meta_loss_loop,
    mlp_regressor,
    second_order_term,
    task_loss,
)
from course_lib.meta.first_order import EXPANSION
from course_lib.training import seeded

torch.set_num_threads(1)


def one_task(seed=0, k=10):
    return SinusoidTasks().sample(1, k, k, torch.Generator().manual_seed(seed))


def flat(d):
    return torch.cat([t.reshape(-1) for t in d.values()])


@pytest.mark.parametrize(
    "model, alpha", [(mlp_regressor(seed=2), 0.01), (SineModel(0.5, 0.2), 0.3)], ids=["mlp", "sine"]
)
def test_second_order_term_is_maml_minus_fomaml(model, alpha):
    phi = init_params(model)
    batch = one_task()
    maml = torch.autograd.grad(
        meta_loss_loop(model, phi, batch, inner_lr=alpha, steps=1), list(phi.values())
    )
    fomaml = torch.autograd.grad(
        meta_loss_loop(model, phi, batch, inner_lr=alpha, steps=1, first_order=True),
        list(phi.values()),
    )
    term = second_order_term(model, phi, tuple(t[0] for t in batch), inner_lr=alpha)
    assert set(term) == set(phi)
    for t, m, f in zip(term.values(), maml, fomaml):
        torch.testing.assert_close(t, m - f, atol=1e-6, rtol=1e-4)
    assert flat(term).abs().max() > 0


def test_second_order_term_matches_the_explicit_hessian_of_the_sine_model():
    model, alpha = SineModel(), 0.1
    x_s, y_s, x_q, y_q = (t[0] for t in one_task(seed=3))

    def support(ab):
        return task_loss(model, {"a": ab[0], "b": ab[1]}, x_s, y_s)

    point = torch.tensor([0.5, 0.2])
    hessian = torch.autograd.functional.hessian(support, point)
    g = torch.autograd.functional.jacobian(support, point)
    theta = (point - alpha * g).requires_grad_(True)
    v = torch.autograd.grad(task_loss(model, {"a": theta[0], "b": theta[1]}, x_q, y_q), theta)[0]
    phi = {"a": torch.tensor(0.5), "b": torch.tensor(0.2)}
    term = second_order_term(model, phi, (x_s, y_s, x_q, y_q), inner_lr=alpha)
    torch.testing.assert_close(torch.stack([term["a"], term["b"]]), -alpha * hessian @ v)


def _by_hand(model, phi, a, b, alpha):
    """MAML, FOMAML and Reptile for one order (step on a, then b), written with autograd.grad."""
    names = list(phi)
    p = {n: t.detach().clone().requires_grad_(True) for n, t in phi.items()}
    g_a = torch.autograd.grad(task_loss(model, p, *a), list(p.values()), create_graph=True)
    theta = {n: p[n] - alpha * g for n, g in zip(names, g_a)}
    query = task_loss(model, theta, *b)
    maml = torch.autograd.grad(query, list(p.values()), retain_graph=True)
    fomaml = torch.autograd.grad(query, list(theta.values()))
    theta2 = {n: (theta[n] - alpha * g).detach() for n, g in zip(names, fomaml)}
    reptile = [(p[n].detach() - theta2[n]) / alpha for n in names]
    # AvgGradInner for this order, as the paper writes it: ½ ∇_φ (g_a · g_b)
    g_b = torch.autograd.grad(task_loss(model, p, *b), list(p.values()), create_graph=True)
    dot = sum((x * y).sum() for x, y in zip(g_a, g_b))
    inner = torch.autograd.grad(dot, list(p.values()))
    grads = torch.autograd.grad(task_loss(model, p, *a), list(p.values()))
    return [dict(zip(names, v)) for v in (maml, fomaml, reptile, inner, grads)]


def test_first_order_terms_match_a_hand_written_computation():
    model, alpha = mlp_regressor(seed=4), 0.02
    phi = init_params(model)
    x_s, y_s, x_q, y_q = (t[0] for t in one_task(seed=5))
    a, b = (x_s, y_s), (x_q, y_q)
    terms = first_order_terms(model, phi, a, b, inner_lr=alpha)
    forward, backward = _by_hand(model, phi, a, b, alpha), _by_hand(model, phi, b, a, alpha)
    names = ("maml", "fomaml", "reptile")
    for i, name in enumerate(names):
        for n in phi:
            want = (forward[i][n] + backward[i][n]) / 2
            torch.testing.assert_close(getattr(terms, name)[n], want, atol=1e-6, rtol=1e-4)
    for n in phi:
        # ½∇(g_a·g_b) is the same for both orders; AvgGradInner = ½(H_b g_a + H_a g_b) = that
        torch.testing.assert_close(terms.avg_grad_inner[n], forward[3][n] / 2, atol=1e-6, rtol=1e-4)
        torch.testing.assert_close(
            terms.avg_grad[n], (forward[4][n] + backward[4][n]) / 2, atol=1e-7, rtol=1e-5
        )


def tanh_mlp():
    with seeded(0):
        return nn.Sequential(
            nn.Linear(1, 40), nn.Tanh(), nn.Linear(40, 40), nn.Tanh(), nn.Linear(40, 1)
        )


@pytest.mark.parametrize("method", sorted(EXPANSION))
@pytest.mark.parametrize(
    "make_model", [lambda: SineModel(0.5, 0.2), tanh_mlp], ids=["sine", "tanh"]
)
def test_the_expansion_is_second_order_in_alpha(method, make_model):
    """Nichol et al.'s formulas hold up to O(α²) for a smooth loss: halving α quarters the
    residual. (A ReLU network's gradient jumps where a unit switches, adding an O(α) part.)"""
    model = make_model()
    phi = init_params(model)
    x_s, y_s, x_q, y_q = (t[0] for t in one_task(seed=7))
    residuals = [
        first_order_terms(model, phi, (x_s, y_s), (x_q, y_q), inner_lr=a).residual(method)
        for a in (0.02, 0.01, 0.005)
    ]
    assert residuals[0] > residuals[1] > residuals[2] > 0
    for big, small in zip(residuals, residuals[1:]):
        assert 3.5 < big / small < 4.5, residuals


def test_two_step_reptile_is_fomaml_plus_the_gradient_at_phi():
    """With k = 2, (φ − θ̃)/α = ∇L_1(φ) + ∇L_2(θ) exactly: FOMAML's gradient plus the first step's."""
    model = tanh_mlp()
    phi = init_params(model)
    x_s, y_s, x_q, y_q = (t[0] for t in one_task(seed=8))
    terms = first_order_terms(model, phi, (x_s, y_s), (x_q, y_q), inner_lr=0.05)
    for n in phi:
        torch.testing.assert_close(
            terms.reptile[n], terms.fomaml[n] + terms.avg_grad[n], atol=1e-5, rtol=1e-4
        )


def test_first_order_terms_reject_bad_input():
    model = SineModel()
    phi = init_params(model)
    x_s, y_s, x_q, y_q = (t[0] for t in one_task())
    with pytest.raises(TypeError, match="batch_a must be a pair"):
        first_order_terms(model, phi, x_s, (x_q, y_q), inner_lr=0.1)
    with pytest.raises(ValueError, match="inner_lr"):
        first_order_terms(model, phi, (x_s, y_s), (x_q, y_q), inner_lr=-1.0)
    with pytest.raises(TypeError, match="params must be a dict"):
        second_order_term(model, [1.0], (x_s, y_s, x_q, y_q), inner_lr=0.1)
    with pytest.raises(ValueError, match="inner_lr"):
        second_order_term(model, phi, (x_s, y_s, x_q, y_q), inner_lr=float("nan"))
    terms = first_order_terms(model, phi, (x_s, y_s), (x_q, y_q), inner_lr=0.1)
    with pytest.raises(ValueError, match="method must be one of"):
        terms.predicted("pretrain")
