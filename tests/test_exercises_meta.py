"""Chapters 4-5 checkers: right inner steps pass; each wrong one gets its own diagnosis."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from torch.func import functional_call

from course_lib.exercises import check_inner_step, check_meta_sgd_step
from course_lib.exercises.meta import check_maml_objective, check_which_phi
from course_lib.meta import adapt


def _step(model, params, x, y, inner_lr, *, sign=-1.0, create_graph=True):
    loss = ((functional_call(model, params, (x,)) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=create_graph)
    return {n: p + sign * inner_lr * g for (n, p), g in zip(params.items(), grads)}


def _with_torch_func(model, params, x, y, inner_lr):
    def loss(p):
        return ((functional_call(model, p, (x,)) - y) ** 2).mean()

    grads = torch.func.grad(loss)(params)
    return {n: p - inner_lr * grads[n] for n, p in params.items()}


@pytest.mark.parametrize("answer", [_step, _with_torch_func])
def test_right_inner_steps_pass(answer, capsys):
    assert check_inner_step(answer) is True
    assert capsys.readouterr().out.startswith("✓ inner_step is right")


# --- wrong inner steps ----------------------------------------------------------------


def model_call(model, params, x, y, inner_lr):
    loss = ((model(x) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(model.parameters()), create_graph=True)
    return {n: p - inner_lr * g for (n, p), g in zip(params.items(), grads)}


def model_call_unused(model, params, x, y, inner_lr):
    loss = ((model(x) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
    return {n: p - inner_lr * g for (n, p), g in zip(params.items(), grads)}


def zero_step(model, params, x, y, inner_lr):
    loss = ((model(x) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), allow_unused=True)
    return {
        n: p - inner_lr * (torch.zeros_like(p) if g is None else g)
        for (n, p), g in zip(params.items(), grads)
    }


def float64_lr(model, params, x, y, inner_lr):
    return _step(model, params, x, y, torch.tensor(inner_lr, dtype=torch.float64))


def float64_input(model, params, x, y, inner_lr):
    return _step(model, params, x.double(), y, inner_lr)


def in_place(model, params, x, y, inner_lr):
    theta = _step(model, params, x, y, inner_lr)
    with torch.no_grad():
        next(iter(params.values())).add_(1.0)
    return theta


def moves_the_model(model, params, x, y, inner_lr):
    theta = _step(model, params, x, y, inner_lr)
    with torch.no_grad():
        next(model.parameters()).mul_(0)
    return theta


def _library_helper(*args):
    import importlib

    meta = importlib.import_module("course_lib.meta")
    return meta.adapt(*args[:4], inner_lr=args[4], steps=1)


def through_a_helper(model, params, x, y, inner_lr):
    return _library_helper(model, params, x, y, inner_lr)


def detached(model, params, x, y, inner_lr):
    return {n: t.detach() for n, t in _step(model, params, x, y, inner_lr).items()}


def wrong_lr(model, params, x, y, inner_lr):
    return _step(model, params, x, y, 2 * inner_lr)


def numpy_step(model, params, x, y, inner_lr):
    loss = ((functional_call(model, params, (x,)) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
    return {
        n: torch.as_tensor(p.numpy() - inner_lr * g.numpy())
        for (n, p), g in zip(params.items(), grads)
    }


def as_list(model, params, x, y, inner_lr):
    return list(_step(model, params, x, y, inner_lr).values())


def stub(model, params, x, y, inner_lr):
    raise NotImplementedError


WRONG = [
    (
        functools.partial(adapt, steps=1),
        "✗ that is the library's own `adapt` (or a call of it) handed in as the answer",
    ),
    (
        lambda model, params, x, y, lr: adapt(model, params, x, y, inner_lr=lr, steps=1),
        "✗ that is the library's own `adapt`",
    ),
    (
        lambda *a: _step(*a, sign=+1.0),
        "✗ on the 1-40-40-1 network, α = 0.01: you stepped *up* the gradient",
    ),
    (
        lambda *a: _step(*a, create_graph=False),
        "✗ the values are right but the meta-gradient is first-order (FOMAML)",
    ),
    (
        model_call,
        "✗ on the 1-40-40-1 network, α = 0.01: you called model(x), which runs the model's *own* weights",
    ),
    (
        model_call_unused,
        "✗ on the 1-40-40-1 network, α = 0.01: you called model(x), which runs the model's *own* weights",
    ),
    (
        zero_step,
        "✗ on the 1-40-40-1 network, α = 0.01: θ equals φ: the step did not move the parameters",
    ),
    (
        float64_lr,
        "✗ on the (a, b) sine model, α = 0.3: θ['a'] is torch.float64, φ is torch.float32",
    ),
    (
        float64_input,
        "✗ on the 1-40-40-1 network, α = 0.01: your code mixes float64 (double) and float32",
    ),
    (in_place, "✗ on the 1-40-40-1 network, α = 0.01: `params` was changed in place"),
    (
        moves_the_model,
        "✗ on the 1-40-40-1 network, α = 0.01: your function changed its input `model`",
    ),
    (
        through_a_helper,
        "✗ that is the library's own `adapt` (or a call of it) handed in as the answer",
    ),
    (detached, "✗ θ is detached from φ: the outer loop cannot send a gradient back."),
    (
        wrong_lr,
        "✗ on the 1-40-40-1 network, α = 0.01: θ differs from one gradient step on the support MSE by up to",
    ),
    (numpy_step, "✗ on the 1-40-40-1 network, α = 0.01: your code mixes numpy and torch"),
    (as_list, "✗ on the 1-40-40-1 network, α = 0.01: return a dict with the same keys as params"),
    (lambda *a: 1 / 0, "✗ on the 1-40-40-1 network, α = 0.01: your code divides by zero."),
    (stub, "✗ not implemented yet"),
]


@pytest.mark.parametrize("answer, diagnosis", WRONG, ids=[str(i) for i in range(len(WRONG))])
def test_wrong_inner_step_gets_its_diagnosis(answer, diagnosis, capsys):
    assert check_inner_step(answer) is False
    out = capsys.readouterr().out
    assert out.startswith(diagnosis), out
    assert "Traceback" not in out and len(out.splitlines()) == 1


# --- Meta-SGD (Chapter 4) -------------------------------------------------------------


def _meta_sgd(model, params, x, y, step_sizes, *, detach_lr=False):
    loss = ((functional_call(model, params, (x,)) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
    return {
        n: p - (step_sizes[n].detach() if detach_lr else step_sizes[n]) * g
        for (n, p), g in zip(params.items(), grads)
    }


def test_meta_sgd_step_checker(capsys):
    assert check_meta_sgd_step(_meta_sgd) is True
    assert "meta_sgd_step is right" in capsys.readouterr().out

    assert check_meta_sgd_step(lambda *a: _meta_sgd(*a, detach_lr=True)) is False
    assert capsys.readouterr().out.startswith("✗ no gradient reaches the step sizes")

    def scalar_step(model, params, x, y, step_sizes):  # one α for every weight
        return _step(model, params, x, y, next(iter(step_sizes.values())).mean())

    assert check_meta_sgd_step(scalar_step) is False
    assert "multiply each gradient elementwise" in capsys.readouterr().out

    def meta_sgd_model_call(model, params, x, y, step_sizes):
        loss = ((model(x) - y) ** 2).mean()
        grads = torch.autograd.grad(loss, list(model.parameters()), create_graph=True)
        return {n: p - step_sizes[n] * g for (n, p), g in zip(params.items(), grads)}

    assert check_meta_sgd_step(meta_sgd_model_call) is False
    assert "you called model(x)" in capsys.readouterr().out

    library = lambda model, params, x, y, s: adapt(model, params, x, y, inner_lr=s, steps=1)  # noqa: E731
    assert check_meta_sgd_step(library) is False
    assert "library's own `adapt`" in capsys.readouterr().out


def _meta_sgd_variant(model, params, x, y, step_sizes, *, sign=1.0, create_graph=True, out=None):
    loss = ((functional_call(model, params, (x,)) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=create_graph)
    theta = {n: p - sign * step_sizes[n] * g for (n, p), g in zip(params.items(), grads)}
    return theta if out is None else out(theta)


def _not_implemented(model, params, x, y, step_sizes):
    raise NotImplementedError("Exercise: meta_sgd_step")


WRONG_META_SGD = [
    (
        lambda *a: _meta_sgd_variant(*a, sign=-1.0),
        "✗ on the 1-40-40-1 network, per-weight step sizes: you stepped *up* the gradient",
    ),
    (
        lambda *a: _meta_sgd_variant(*a, out=lambda th: list(th.values())),
        "✗ on the 1-40-40-1 network, per-weight step sizes: return a dict with the same keys",
    ),
    (
        lambda *a: _meta_sgd_variant(*a, out=lambda th: {n: t.double() for n, t in th.items()}),
        "✗ on the 1-40-40-1 network, per-weight step sizes: θ['0.weight'] is torch.float64",
    ),
    (
        lambda *a: _meta_sgd_variant(
            *a, out=lambda th: {n: np.asarray(t.detach()) for n, t in th.items()}
        ),
        "✗ on the 1-40-40-1 network, per-weight step sizes: θ['0.weight'] is a numpy array, not a torch tensor",
    ),
    (_not_implemented, "✗ not implemented yet"),
    (
        lambda *a: _meta_sgd_variant(*a, create_graph=False),
        "✗ the values are right but the meta-gradient is first-order (FOMAML)",
    ),
]


@pytest.mark.parametrize(
    "answer, diagnosis", WRONG_META_SGD, ids=[str(i) for i in range(len(WRONG_META_SGD))]
)
def test_wrong_meta_sgd_step_gets_its_diagnosis(answer, diagnosis, capsys):
    assert check_meta_sgd_step(answer) is False
    out = capsys.readouterr().out
    assert out.startswith(diagnosis), out
    assert "Traceback" not in out


def test_numpy_is_imported_for_the_wrong_answers():
    assert np.__name__ == "numpy"


# --- questions ------------------------------------------------------------------------


def test_maml_objective_question(capsys):
    assert check_maml_objective("b")
    for wrong, reason in [
        ("a", "that is pre-training's objective"),
        ("c", "rewards memorising those K points"),
        ("d", "MAML never looks at an average task"),
    ]:
        assert not check_maml_objective(wrong)
        assert reason in capsys.readouterr().out


def test_which_phi_question(capsys):
    assert check_which_phi("a")
    for wrong, reason in [
        ("b", "so it prefers φ₂"),
        ("c", "so it prefers φ₁"),
        ("d", "each method's *least* favourite"),
    ]:
        assert not check_which_phi(wrong)
        assert reason in capsys.readouterr().out
