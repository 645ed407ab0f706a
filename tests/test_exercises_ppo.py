"""Chapter 3 checkers: right answers pass; each wrong answer gets its own diagnosis."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from course_lib.exercises import check_clipped_surrogate
from course_lib.exercises.ppo import check_clipped_value, check_flat_gradient
from course_lib.ppo import clipped_surrogate_loss


def right(logprob, old_logprob, adv, eps):
    r = torch.exp(logprob - old_logprob)
    return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv).mean()


def right_with_where(logprob, old_logprob, adv, eps):
    r = (logprob - old_logprob).exp()
    clipped = torch.where(
        adv >= 0, torch.minimum(r, torch.tensor(1 + eps)), torch.maximum(r, torch.tensor(1 - eps))
    )
    return -(clipped * adv).mean()


@pytest.mark.parametrize("answer", [right, right_with_where])
def test_right_answers_pass(answer, capsys):
    assert check_clipped_surrogate(answer) is True
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✓ all 8 values match")
    assert out[-1] == "✓ the gradient matches too: your clipped surrogate is correct."


def _variant(body):
    def fn(logprob, old_logprob, adv, eps):
        r = torch.exp(logprob - old_logprob)
        return body(r, adv, eps, logprob - old_logprob)

    return fn


def numpy_answer(logprob, old_logprob, adv, eps):
    r = np.exp((logprob - old_logprob).numpy())
    clipped = np.clip(r, 1 - eps, 1 + eps)
    return torch.tensor(-np.minimum(r * adv.numpy(), clipped * adv.numpy()).mean())


def numpy_exp(logprob, old_logprob, adv, eps):
    r = torch.as_tensor(np.exp((logprob - old_logprob).numpy()))
    return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv).mean()


def in_place_clamp(logprob, old_logprob, adv, eps):
    ratio = torch.exp(logprob - old_logprob)
    unclipped = ratio * adv
    clipped = ratio.clamp_(1 - eps, 1 + eps) * adv
    return -torch.min(unclipped, clipped).mean()


def in_place_leaf(logprob, old_logprob, adv, eps):
    logprob -= old_logprob
    r = torch.exp(logprob)
    return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv).mean()


def right_then_shift_old(logprob, old_logprob, adv, eps):
    loss = right(logprob, old_logprob, adv, eps)
    old_logprob.add_(5)  # a reference computed after the call would now agree with anything
    return loss


def numpy_scalar(logprob, old_logprob, adv, eps):
    return right(logprob, old_logprob, adv, eps).detach().numpy()[()]


def through_importlib(logprob, old_logprob, adv, eps):
    import importlib

    ppo = importlib.import_module("course_lib.ppo")
    return getattr(ppo, "clipped_" + "surrogate_loss")(logprob, old_logprob, adv, eps)


def detached(logprob, old_logprob, adv, eps):
    return right(logprob.detach(), old_logprob, adv, eps)


def item(logprob, old_logprob, adv, eps):
    return right(logprob, old_logprob, adv, eps).item()


def per_sample(logprob, old_logprob, adv, eps):
    r = torch.exp(logprob - old_logprob)
    return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv)


def stub(logprob, old_logprob, adv, eps):
    raise NotImplementedError


def float64(logprob, old_logprob, adv, eps):
    r = torch.exp(logprob - old_logprob)
    weights = torch.ones(r.shape[0], r.shape[0], dtype=torch.float64)
    return -(weights @ torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv)).mean()


WRONG = [
    (clipped_surrogate_loss, "✗ that is the library's own `clipped_surrogate_loss`"),
    (
        functools.partial(clipped_surrogate_loss),
        "✗ that is the library's own `clipped_surrogate_loss`",
    ),
    (lambda *a: clipped_surrogate_loss(*a), "✗ that is the library's own `clipped_surrogate_loss`"),
    (lambda *a: -right(*a), "  Hint: the sign: this is a loss to *minimise*."),
    (
        _variant(lambda r, a, e, lr: -torch.max(r * a, torch.clamp(r, 1 - e, 1 + e) * a).mean()),
        "  Hint: you took the max of the two terms",
    ),
    (
        _variant(lambda r, a, e, lr: -(torch.clamp(r, 1 - e, 1 + e) * a).mean()),
        "  Hint: you forgot the min: take torch.min",
    ),
    (_variant(lambda r, a, e, lr: -(r * a).mean()), "  Hint: you forgot the clip and the min"),
    (
        _variant(lambda r, a, e, lr: -torch.min(r * a, torch.clamp(r, 1 - e, 1 + e) * a).sum()),
        "  Hint: use the mean over samples, not the sum",
    ),
    (
        _variant(lambda r, a, e, lr: -torch.min(r * a, torch.clamp(r, -e, e) * a).mean()),
        "  Hint: the clip range: clip the ratio to [1 − ε, 1 + ε] (around 1), not to [−ε, ε].",
    ),
    (
        _variant(
            lambda r, a, e, lr: -torch.min(a / r, torch.clamp(1 / r, 1 - e, 1 + e) * a).mean()
        ),
        "  Hint: the ratio is upside down",
    ),
    (
        _variant(lambda r, a, e, lr: -torch.min(lr * a, torch.clamp(lr, 1 - e, 1 + e) * a).mean()),
        "  Hint: the ratio is r = exp(logprob − old_logprob)",
    ),
    (
        _variant(lambda r, a, e, lr: -torch.min(r * a, torch.clamp(r * a, 1 - e, 1 + e)).mean()),
        "  Hint: clip the *ratio* r, then multiply by A",
    ),
    (
        numpy_answer,
        "✗ computing the gradient: a random batch of 64 (both signs): your code mixes numpy",
    ),
    (
        numpy_exp,
        "✗ computing the gradient: a random batch of 64 (both signs): your code mixes numpy",
    ),
    (
        in_place_clamp,
        "✗ computing the gradient: your code changes a tensor autograd needs in place",
    ),
    (
        in_place_leaf,
        "✗ A > 0, r inside the clip range: your function changed its input `logprob` in place",
    ),
    (
        right_then_shift_old,
        "✗ A > 0, r inside the clip range: your function changed its input `old_logprob` in place",
    ),
    (
        numpy_scalar,
        "✗ A > 0, r inside the clip range: your function returned a numpy scalar (numpy.float32); "
        "return a torch scalar tensor, e.g. loss = -(...).mean() (numpy cuts the gradient: stay in torch).",
    ),
    (
        through_importlib,
        "✗ that is the library's own `clipped_surrogate_loss`",
    ),
    (detached, "✗ the loss carries no gradient to logprob"),
    (
        item,
        "✗ A > 0, r inside the clip range: your function returned a Python float; return a torch scalar tensor, e.g. loss = -(...).mean() (.item() and float() cut the gradient).",
    ),
    (
        per_sample,
        "✗ a random batch of 64 (both signs): your function returned a tensor of shape (64,)",
    ),
    (float64, "✗ A > 0, r inside the clip range: your code mixes float64 (double) and float32"),
    (stub, "✗ not implemented yet"),
]


@pytest.mark.parametrize("answer, diagnosis", WRONG, ids=[str(i) for i in range(len(WRONG))])
def test_wrong_answer_gets_its_diagnosis(answer, diagnosis, capsys):
    assert check_clipped_surrogate(answer) is False
    out = capsys.readouterr().out
    assert diagnosis in out, out
    assert "Traceback" not in out
    assert out.count("✗") == 1


def test_value_mistakes_name_the_first_wrong_case(capsys):
    check_clipped_surrogate(
        _variant(lambda r, a, e, lr: -torch.max(r * a, torch.clamp(r, 1 - e, 1 + e) * a).mean())
    )
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "✗ A > 0, r above 1 + ε: expected -2.4000, got -3.0000 (2 of 8 cases right)."


def test_clipped_value_question(capsys):
    assert check_clipped_value(2.4)
    for wrong, reason in [
        (3, "that is r·A, the unclipped term"),
        (-2.4, "that is the *loss*"),
        (1.2, "that is the clipped ratio"),
        (1.6, "clip(1.5) = 1.2, not 1.6"),
        (0.8, "clipped to the upper edge"),
        (2, "re-read the question"),
    ]:
        assert not check_clipped_value(wrong)
        assert reason in capsys.readouterr().out


def test_flat_gradient_question(capsys):
    assert check_flat_gradient("a")
    for wrong, reason in [
        ("b", "the min picks the clipped term 0.8·A"),
        ("c", "pulling r back up would make a bad action more likely"),
        ("d", "the learning rate scales a gradient"),
    ]:
        assert not check_flat_gradient(wrong)
        assert reason in capsys.readouterr().out
    assert not check_flat_gradient(None)
    assert "not answered yet" in capsys.readouterr().out
