"""Chapter 2 checkers: the right answers pass; each wrong answer gets its own diagnosis."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import BatchSampler, SubsetRandomSampler

from course_lib.exercises import check_minibatches
from course_lib.exercises.sampling import (
    check_batches_per_epoch,
    check_drop_last_uses,
    check_never_used,
    reference_minibatches,
)
from course_lib.sampling import minibatch_indices


def _mine(n, batch_size, generator=None):
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size].tolist()


def _list_answer(n, batch_size, generator):
    perm = torch.randperm(n, generator=generator).tolist()
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def _torch_samplers(n, batch_size, generator):
    return BatchSampler(SubsetRandomSampler(range(n), generator=generator), batch_size, False)


def _tensor_batches(n, batch_size, generator):
    return torch.randperm(n, generator=generator).split(batch_size)


@pytest.mark.parametrize("answer", [_mine, _list_answer, _torch_samplers, _tensor_batches])
def test_right_answers_pass(answer, capsys):
    assert check_minibatches(answer) is True
    assert capsys.readouterr().out.startswith("✓ all 5 cases pass")


# --- wrong answers, each with the diagnosis it must get --------------------------------


def never_stops(n, batch_size, generator):
    order = torch.randperm(n, generator=generator)
    start = 0
    while start < n:
        yield order[start : start + batch_size].tolist()  # start never advances


def reseeds_each_epoch(n, batch_size, generator):
    own = torch.Generator().manual_seed(generator.initial_seed())
    order = torch.randperm(n, generator=own)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size].tolist()


def with_replacement(n, batch_size, generator):
    draws = torch.randint(n, (n,), generator=generator).tolist()
    return [draws[i : i + batch_size] for i in range(0, n, batch_size)]


def drops_tail(n, batch_size, generator):
    perm = torch.randperm(n, generator=generator).tolist()
    return [perm[i : i + batch_size] for i in range(0, n - n % batch_size, batch_size)]


def off_by_one_slice(n, batch_size, generator):
    perm = torch.randperm(n, generator=generator).tolist()
    return [perm[i : i + batch_size - 1] for i in range(0, n, batch_size)]


def in_order(n, batch_size, generator):
    return [list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size)]


def global_rng(n, batch_size, generator):
    perm = torch.randperm(n).tolist()
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def numpy_shuffle(n, batch_size, generator):
    perm = np.random.permutation(n).tolist()
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def fixed_seed(n, batch_size, generator):
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(0)).tolist()
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def global_reseed(n, batch_size, generator):
    torch.manual_seed(generator.initial_seed())
    perm = torch.randperm(n).tolist()
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def single_indices(n, batch_size, generator):
    return torch.randperm(n, generator=generator)


def forgot_return(n, batch_size, generator):
    perm = torch.randperm(n, generator=generator).tolist()
    [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def spins(n, batch_size, generator):
    batches, start = [], 0
    while start < n:
        batches.append([start])
    return batches


def stub(n, batch_size, generator):
    raise NotImplementedError


def crashes(n, batch_size, generator):
    return 1 / 0


WRONG = [
    (
        lambda n, b, g: minibatch_indices(n, b, generator=g),
        "✗ that is the library's own `minibatch_indices` (or a call of it) handed in",
    ),
    (reference_minibatches, "✗ that is the library's own `reference_minibatches`"),
    (
        never_stops,
        "✗ n=12, batch_size=4: stopped after 16 batches (one epoch has 3): your generator never "
        "stops. Did you forget to advance the start index (start += batch_size)?",
    ),
    (reseeds_each_epoch, "✗ every epoch is identical: two calls with the same generator"),
    (with_replacement, "✗ n=12, batch_size=4: some index appears twice in one epoch."),
    (drops_tail, "✗ n=10, batch_size=3: indices"),
    (off_by_one_slice, "✗ n=12, batch_size=4: indices"),
    (in_order, "✗ n=12, batch_size=4: the indices come out in order 0, 1, 2, …"),
    (global_rng, "✗ the same seeded generator gave different batches on two calls"),
    (numpy_shuffle, "✗ the same seeded generator gave different batches on two calls"),
    (fixed_seed, "✗ two different seeds gave identical batches"),
    (global_reseed, "✗ your function changed torch's global random state"),
    (single_indices, "✗ n=12, batch_size=4: you yielded single indices; yield whole batches"),
    (forgot_return, "✗ your function returned NoneType"),
    (spins, "✗ your code ran for more than 2 s and was stopped"),
    (stub, "✗ not implemented yet: replace `raise NotImplementedError` with your code."),
    (crashes, "✗ your code divides by zero. (line"),
]


@pytest.mark.parametrize("answer, diagnosis", WRONG, ids=[str(i) for i in range(len(WRONG))])
def test_wrong_answer_gets_its_diagnosis(answer, diagnosis, capsys):
    assert check_minibatches(answer) is False
    out = capsys.readouterr().out
    assert out.startswith(diagnosis), out
    assert "Traceback" not in out
    assert len(out.splitlines()) <= 2


def test_dropped_and_sliced_tails_name_the_missing_indices(capsys):
    check_minibatches(drops_tail)
    assert "are never visited. Every sample should appear exactly once" in capsys.readouterr().out


def test_the_global_random_state_is_left_alone():
    state = torch.random.get_rng_state()
    check_minibatches(_mine)
    assert torch.equal(state, torch.random.get_rng_state())


# --- questions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "checker, right, wrong",
    [
        (
            check_batches_per_epoch,
            4,
            {
                3: "that is drop_last=True",
                3.125: "batches come whole",
                32: "that is the batch size",
                128: "that counts samples",
                4.5: "a number of batches is a whole number",
                7: "re-read the question",
            },
        ),
        (
            check_never_used,
            "c",
            {
                "a": "none unused is what *shuffled* epochs give",
                "B": "each sample is missed by one draw",
                "(d)": "63% ≈ 1 − e⁻¹ is the fraction used *at least once*",
            },
        ),
        (
            check_drop_last_uses,
            3.75,
            {
                4: "that is drop_last=False",
                240: "that is the total number of uses",
                60: "that is how many samples one epoch uses",
                3: "a sample is dropped only in the epochs",
                0.9375: "that is the mean over one epoch",
            },
        ),
    ],
)
def test_questions(checker, right, wrong, capsys):
    assert checker(right) is True
    assert capsys.readouterr().out.startswith("✓ ")
    for answer, reason in wrong.items():
        assert checker(answer) is False
        out = capsys.readouterr().out
        assert out.startswith(f"✗ {answer!r}" if isinstance(answer, str) else "✗ "), out
        assert reason in out, (answer, out)
    assert checker(None) is False
    assert "not answered yet" in capsys.readouterr().out
