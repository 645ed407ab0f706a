"""Chapter 0 checkers: the right answer passes; each wrong answer gets its own diagnosis."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.exercises.start import (
    check_distinct_draws,
    check_paper_scale,
    check_seeded_noise,
)
from course_lib.training import make_generator


def right(seed, n):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed))


def own_generator_in_steps(seed, n):
    generator = torch.Generator()
    generator.manual_seed(seed)
    return torch.randn(n, generator=generator)


@pytest.mark.parametrize("answer", [right, own_generator_in_steps])
def test_right_answers_pass(answer, capsys):
    assert check_seeded_noise(answer) is True
    assert capsys.readouterr().out.startswith("✓ seeded_noise is right")


def global_seed(seed, n):
    torch.manual_seed(seed)
    return torch.randn(n)


def no_seed(seed, n):
    return torch.randn(n)


def ignores_seed(seed, n):
    return torch.randn(n, generator=torch.Generator().manual_seed(0))


def uniform(seed, n):
    return torch.rand(n, generator=torch.Generator().manual_seed(seed))


def shifted(seed, n):
    return 1 + torch.randn(n, generator=torch.Generator().manual_seed(seed))


def numpy_answer(seed, n):
    return np.random.default_rng(seed).standard_normal(n)


def as_list(seed, n):
    return right(seed, n).tolist()


def column(seed, n):
    return torch.randn(n, 1, generator=torch.Generator().manual_seed(seed))


def float64(seed, n):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g, dtype=torch.float64)


def stub(seed, n):
    raise NotImplementedError


def with_course_helper(seed, n):  # the library's answer: the compare cell shows make_generator
    return torch.randn(n, generator=make_generator(seed))


def with_seeded_block(seed, n):
    from course_lib import training

    with training.seeded(seed):
        return torch.randn(n)


WRONG = [
    (global_seed, "✗ your function changed torch's global random state"),
    (no_seed, "✗ the same seed gave different numbers on two calls"),
    (ignores_seed, "✗ seeds 3 and 4 gave identical numbers"),
    (uniform, "✗ all the numbers lie in [0, 1): that is torch.rand"),
    (shifted, "✗ the numbers have mean 0.96 and standard deviation 1.01"),
    (numpy_answer, "✗ seeded_noise(3, 2000) returned a numpy array; return a torch tensor"),
    (as_list, "✗ seeded_noise(3, 2000) returned a list; return a torch tensor"),
    (column, "✗ seeded_noise(3, 2000) returned shape (2000, 1); expected (2000,)"),
    (float64, "✗ seeded_noise returned torch.float64"),
    (stub, "✗ not implemented yet"),
    (None, "✗ expected a function, got None"),
    (with_course_helper, "✗ that is the library's own `make_generator`"),
    (with_seeded_block, "✗ that is the library's own `seeded`"),
]


@pytest.mark.parametrize("answer, diagnosis", WRONG, ids=[str(i) for i in range(len(WRONG))])
def test_wrong_answer_gets_its_diagnosis(answer, diagnosis, capsys):
    state = torch.random.get_rng_state()
    assert check_seeded_noise(answer) is False
    out = capsys.readouterr().out
    assert out.startswith(diagnosis), out
    assert len(out.splitlines()) == 1
    torch.random.set_rng_state(state)


def test_paper_scale_question(capsys):
    assert check_paper_scale("A")
    for wrong, reason in [
        ("b", "the library holds no sizes"),
        ("c", "SEED picks *which* random numbers"),
        ("d", "widgets only show results"),
    ]:
        assert not check_paper_scale(wrong)
        assert reason in capsys.readouterr().out.splitlines()[-1]
    assert not check_paper_scale(None)


def test_distinct_draws_question(capsys):
    assert check_distinct_draws(6)
    for wrong, reason in [
        (9, "c repeats a"),
        (3, "b continues where a stopped"),
        (1, "ties of continuous random numbers"),
        (12, "only 9 numbers"),
        (2, "hold 3 different numbers"),
        (5, "off by one"),
        (4, "re-read the question"),
    ]:
        assert not check_distinct_draws(wrong)
        assert reason in capsys.readouterr().out.splitlines()[-1]
