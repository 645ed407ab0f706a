"""Chapter 5's checker: right second-order terms pass; each wrong one gets its own diagnosis."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.func import functional_call

from course_lib.exercises.maml import check_second_order_term
from course_lib.meta import second_order_term


def _mse(model, p, x, y, summed=False):
    error = (functional_call(model, p, (x,)) - y) ** 2
    return error.sum() if summed else error.mean()


def term(
    model,
    params,
    task,
    inner_lr,
    *,
    sign=-1.0,
    alpha_power=1,
    hessian_at_theta=False,
    hessian_of="support",
    v_from="query",
    v_at="theta",
    hold_v=True,
    summed=False,
    create_graph=True,
    whole=None,
    factor=1.0,
):
    """A student's double-backprop Hessian-vector product, with one knob per likely mistake."""
    x_s, y_s, x_q, y_q = task
    data = {"support": (x_s, y_s), "query": (x_q, y_q)}
    phi = {n: p.detach().requires_grad_(True) for n, p in params.items()}
    g_s = torch.autograd.grad(
        _mse(model, phi, x_s, y_s, summed), list(phi.values()), create_graph=create_graph
    )
    theta = {n: p - inner_lr * g for (n, p), g in zip(phi.items(), g_s)}
    if hold_v:
        theta = {n: t.detach().requires_grad_(True) for n, t in theta.items()}
    if whole == "maml":
        q = _mse(model, {n: p - inner_lr * g for (n, p), g in zip(phi.items(), g_s)}, x_q, y_q)
        return dict(zip(phi, torch.autograd.grad(q, list(phi.values()))))
    at = theta if v_at == "theta" else phi
    v = torch.autograd.grad(
        _mse(model, at, *data[v_from], summed), list(at.values()), create_graph=not hold_v
    )
    if whole == "fomaml":
        return {n: vi.detach() for n, vi in zip(phi, v)}
    point = phi
    if hessian_at_theta:
        point = {n: t.detach().requires_grad_(True) for n, t in theta.items()}
    if hessian_at_theta or hessian_of != "support":
        g = torch.autograd.grad(
            _mse(model, point, *data[hessian_of]), list(point.values()), create_graph=True
        )
    else:
        g = g_s
    if hold_v:
        hv = torch.autograd.grad(g, list(point.values()), grad_outputs=v)
    else:
        dot = sum((a * b).sum() for a, b in zip(g, v))
        hv = torch.autograd.grad(dot, list(point.values()))
    return {n: factor * sign * inner_lr**alpha_power * h for n, h in zip(phi, hv)}


def with_torch_func(model, params, task, inner_lr):
    """Forward-over-reverse with torch.func, another right answer."""
    x_s, y_s, x_q, y_q = task
    phi = {n: p.detach() for n, p in params.items()}

    def support_grad(p):
        return torch.func.grad(lambda q: _mse(model, q, x_s, y_s))(p)

    theta = {n: phi[n] - inner_lr * g for n, g in support_grad(phi).items()}
    v = torch.func.grad(lambda q: _mse(model, q, x_q, y_q))(theta)
    _, hv = torch.func.jvp(support_grad, (phi,), (v,))
    return {n: -inner_lr * h for n, h in hv.items()}


def full_hessian(model, params, task, inner_lr):
    """The explicit Hessian of the flattened parameters: slow but right."""
    x_s, y_s, x_q, y_q = task
    names = list(params)
    shapes = [params[n].shape for n in names]
    sizes = [params[n].numel() for n in names]

    def unflat(vec):
        return {n: t.reshape(s) for n, t, s in zip(names, vec.split(sizes), shapes)}

    flat = torch.cat([params[n].detach().reshape(-1) for n in names])
    h = torch.autograd.functional.hessian(lambda w: _mse(model, unflat(w), x_s, y_s), flat)
    g = torch.autograd.functional.jacobian(lambda w: _mse(model, unflat(w), x_s, y_s), flat)
    theta = (flat - inner_lr * g).requires_grad_(True)
    v = torch.autograd.grad(_mse(model, unflat(theta), x_q, y_q), theta)[0]
    return unflat(-inner_lr * h @ v)


@pytest.mark.parametrize("answer", [term, with_torch_func, full_hessian])
def test_right_answers_pass(answer, capsys):
    assert check_second_order_term(answer) is True
    assert capsys.readouterr().out.startswith("✓ your second-order term is right")


def _knob(**kwargs):
    def answer(model, params, task, inner_lr):
        return term(model, params, task, inner_lr, **kwargs)

    return answer


def model_call(model, params, task, inner_lr):
    x_s, y_s, _, _ = task
    loss = ((model(x_s) - y_s) ** 2).mean()
    torch.autograd.grad(loss, list(params.values()), create_graph=True)


def in_place(model, params, task, inner_lr):
    out = term(model, params, task, inner_lr)
    with torch.no_grad():
        for p in params.values():
            p.add_(1.0)
    return out


def as_list(model, params, task, inner_lr):
    return list(term(model, params, task, inner_lr).values())


def zeros(model, params, task, inner_lr):
    return {n: torch.zeros_like(p) for n, p in params.items()}


def via_numpy(model, params, task, inner_lr):
    out = term(model, params, task, inner_lr)
    return {n: np.asarray(t.detach()) * np.ones(1) for n, t in out.items()}


def not_done(model, params, task, inner_lr):
    raise NotImplementedError("Exercise: write my_second_order_term")


def library(model, params, task, inner_lr):
    return second_order_term(model, params, task, inner_lr=inner_lr)


WRONG = [
    (_knob(sign=1.0), "the wrong sign"),
    (_knob(alpha_power=0), "α is missing: the term is"),
    (_knob(alpha_power=0, sign=1.0), "α is missing and the sign is flipped"),
    (_knob(alpha_power=2), "α appears twice"),
    (_knob(hessian_at_theta=True), "the Hessian is taken at θ"),
    (_knob(hessian_of="query"), "that is the Hessian of the *query* loss"),
    (_knob(v_at="phi"), "v is the query gradient at φ"),
    (_knob(v_from="support"), "v is a support gradient; the vector"),
    (_knob(v_from="support", v_at="phi"), "v is a support gradient at φ"),
    (_knob(hold_v=False), "v was not held constant"),
    (_knob(whole="maml"), "that is MAML's whole meta-gradient"),
    (_knob(whole="fomaml"), "that is FOMAML's gradient"),
    (_knob(summed=True), "your losses are summed over the points"),
    (_knob(factor=2.0), "points the right way but is 2 times as long"),
    (
        _knob(create_graph=False),
        "take the support gradient with torch.autograd.grad(..., create_graph=True)",
    ),
    (model_call, "you called model(x)"),
    (in_place, "was changed in place"),
    (as_list, "return a dict with the same keys as params"),
    (zeros, "your term is zero everywhere"),
    (via_numpy, "is a numpy array, not a torch tensor"),
    (not_done, "not implemented yet"),
    (library, "the library's own `second_order_term`"),
]


@pytest.mark.parametrize("answer, diagnosis", WRONG, ids=[d[:30] for _, d in WRONG])
def test_each_wrong_answer_gets_its_diagnosis(answer, diagnosis, capsys):
    assert check_second_order_term(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and diagnosis in out, out
    assert "Traceback" not in out


def test_a_non_function_is_named(capsys):
    assert check_second_order_term("my_second_order_term") is False
    assert "expected a function" in capsys.readouterr().out
