"""The Chapter 5 exercise checker gives specific feedback for right and wrong inner steps."""

import torch
from torch.func import functional_call

from course_lib.exercises import check_inner_step, check_meta_sgd_step


def _step(model, params, x, y, inner_lr, *, sign=-1.0, create_graph=True):
    loss = ((functional_call(model, params, (x,)) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=create_graph)
    return {n: p + sign * inner_lr * g for (n, p), g in zip(params.items(), grads)}


def test_a_correct_inner_step_passes(capsys):
    assert check_inner_step(_step) is True
    assert capsys.readouterr().out.startswith("✓")


def test_not_implemented_is_reported(capsys):
    def inner_step(model, params, x, y, inner_lr):
        raise NotImplementedError

    assert check_inner_step(inner_step) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_first_order_step_is_caught(capsys):
    assert check_inner_step(lambda *a: _step(*a, create_graph=False)) is False
    assert "create_graph=True" in capsys.readouterr().out


def test_wrong_sign_is_caught(capsys):
    assert check_inner_step(lambda *a: _step(*a, sign=+1.0)) is False
    assert "stepped *up* the gradient" in capsys.readouterr().out


def test_in_place_update_and_errors_are_caught(capsys):
    def in_place(model, params, x, y, inner_lr):
        theta = _step(model, params, x, y, inner_lr)
        with torch.no_grad():
            next(iter(params.values())).add_(1.0)
        return theta

    assert check_inner_step(in_place) is False
    assert "changed in place" in capsys.readouterr().out
    assert check_inner_step(lambda *a: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert check_inner_step(lambda model, params, *a: list(params.values())) is False
    assert "return a dict" in capsys.readouterr().out


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
    assert "no gradient reaches the step sizes" in capsys.readouterr().out

    def scalar_step(model, params, x, y, step_sizes):  # uses one α for every weight
        return _step(model, params, x, y, next(iter(step_sizes.values())).mean())

    assert check_meta_sgd_step(scalar_step) is False
    assert "elementwise" in capsys.readouterr().out
