"""Chapter 4 component questions: the right answer passes; each wrong answer gets its diagnosis."""

from __future__ import annotations

import math

import pytest
import torch

from course_lib.exercises.components import (
    check_more_steps_question,
    check_no_gradient_question,
    check_shift_question,
)


def _run(checker, answer, capsys):
    verdict = checker(answer)
    return verdict, capsys.readouterr().out.strip()


@pytest.mark.parametrize("answer", ["b", "B", "(b)", " b "])
def test_more_steps_right(answer, capsys):
    verdict, out = _run(check_more_steps_question, answer, capsys)
    assert verdict is True and out.startswith("✓ right: the support loss falls")


@pytest.mark.parametrize(
    "answer, diagnosis",
    [
        ("a", "a diverging inner loop would make the *support* loss grow"),
        ("A", "a diverging inner loop would make the *support* loss grow"),
        ("c", "support and query points come from the same task"),
        ("(c)", "support and query points come from the same task"),
        ("d", "the inner loop uses the full support set"),
        (None, "not answered yet"),
        (..., "not answered yet"),
        ("e", "is not one of the choices"),
        (2, "is not one of the choices"),
    ],
)
def test_more_steps_wrong(answer, diagnosis, capsys):
    verdict, out = _run(check_more_steps_question, answer, capsys)
    assert verdict is False and out.startswith("✗") and diagnosis in out


@pytest.mark.parametrize("answer", [math.pi, 3.14, 3.15, torch.tensor(math.pi)])
def test_shift_right(answer, capsys):
    verdict, out = _run(check_shift_question, answer, capsys)
    assert verdict is True and out.startswith("✓") and "sin(x − π + φ)" in out


@pytest.mark.parametrize(
    "answer, diagnosis",
    [
        (2 * math.pi, "2π is the period"),
        (-math.pi, "−π also flips the sign"),
        (math.pi / 2, "turns sin into cos"),
        (0, "it contradicts its own original point"),
        (180, "that is π in degrees"),
        (1.0, "only where the run starts s"),
        (-2.0, "asks for a positive shift"),
        (7.5, "a shift this large moves every partner out of range"),
        (2.0, "re-read the question"),
        (None, "not answered yet"),
        ("pi", "give a number"),
        (float("nan"), "NaN"),
    ],
)
def test_shift_wrong(answer, diagnosis, capsys):
    verdict, out = _run(check_shift_question, answer, capsys)
    assert verdict is False and out.startswith("✗") and diagnosis in out


def test_no_gradient_right(capsys):
    verdict, out = _run(check_no_gradient_question, "c", capsys)
    assert verdict is True and "an integer has no derivative" in out


@pytest.mark.parametrize(
    "answer, diagnosis",
    [
        ("a", "Meta-SGD learns them by gradient"),
        ("b", "exactly what makes DARTS differentiable"),
        ("d", "has a gradient"),
        ("e", "a smooth function of its parameters ψ"),
        ("E", "a smooth function of its parameters ψ"),
        ("f", "is not one of the choices"),
        (None, "not answered yet"),
        (3, "is not one of the choices"),
        ("steps", "is not one of the choices"),
    ],
)
def test_no_gradient_wrong(answer, diagnosis, capsys):
    verdict, out = _run(check_no_gradient_question, answer, capsys)
    assert verdict is False and out.startswith("✗") and diagnosis in out
