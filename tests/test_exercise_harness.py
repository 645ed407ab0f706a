"""The shared exercise harness: bounded calls, feedback from exceptions, library answers, questions."""

from __future__ import annotations

import functools
import threading

import numpy as np
import pytest
import torch

from course_lib.exercises.harness import (
    Report,
    StudentError,
    call,
    check_choice,
    check_number,
    explain,
    library_answer,
    safe_checker,
)
from course_lib.sampling import minibatch_indices


def _feedback(fn, *args, **kwargs) -> str:
    with pytest.raises(StudentError) as info:
        call(fn, *args, **kwargs)
    return str(info.value)


# --- Report ---------------------------------------------------------------------------


def test_report_prints_marks_and_returns_the_verdict(capsys):
    report = Report()
    assert report.ok("first") is True
    assert report.fail("second", hint="do this") is False
    assert report.ok("third") is False  # a failure earlier sticks
    assert not report
    assert capsys.readouterr().out == "✓ first\n✗ second\n  Hint: do this\n✓ third\n"


# --- bounded calls --------------------------------------------------------------------


def test_call_returns_the_value():
    assert call(lambda a, b=1: a + b, 2, b=3) == 5


def test_endless_loop_is_stopped_by_the_time_limit():
    def spin():
        while True:
            pass

    message = _feedback(spin, time_limit=0.2)
    assert message.startswith("your code ran for more than 0.2 s and was stopped")


def test_student_except_exception_cannot_swallow_the_time_limit():
    def stubborn():
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass

    assert "was stopped" in _feedback(stubborn, time_limit=0.2)


def test_endless_generator_is_capped():
    def forever(n, b):
        s = 0
        while s < n:
            yield list(range(s, min(s + b, n)))

    message = _feedback(forever, 10, 3, max_items=50, too_many="stopped after 50 batches")
    assert message == "stopped after 50 batches"


def test_generator_consumed_into_a_list():
    assert call(lambda: (i for i in range(3)), max_items=5) == [0, 1, 2]


def test_not_iterable_when_items_are_expected():
    assert _feedback(lambda: 3, max_items=5).startswith("your function returned int")


def test_not_a_function():
    assert _feedback(3).startswith("expected a function, got int")


def test_outside_the_main_thread_it_runs_without_a_time_limit():
    results = []
    thread = threading.Thread(target=lambda: results.append(call(lambda: 7, time_limit=0.01)))
    thread.start()
    thread.join()
    assert results == [7]


def test_an_outer_timer_is_restored():
    import signal

    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        call(lambda: None)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 90 < remaining <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# --- exceptions become feedback -------------------------------------------------------


def _not_implemented():
    raise NotImplementedError


def _numpy_on_grad(x):
    return np.exp(x)


def _numpy_mixed(x):
    return torch.min(x.detach().numpy(), x)


def _inplace(x):
    x += 1
    return x


def _float64(x):
    return x @ torch.ones(3, 3, dtype=torch.float64)


def _shape(x):
    return x + torch.ones(4)


@pytest.mark.parametrize(
    ("fn", "start"),
    [
        (_not_implemented, "not implemented yet: replace `raise NotImplementedError`"),
        (_numpy_on_grad, "your code mixes numpy and torch"),
        (_numpy_mixed, "your code mixes numpy and torch"),
        (_inplace, "your code changes a tensor autograd needs in place"),
        (_float64, "your code mixes float64 (double) and float32"),
        (_shape, "your code has a shape mismatch"),
    ],
)
def test_exceptions_name_the_likely_mistake(fn, start):
    x = torch.ones(3, requires_grad=True)
    args = () if fn is _not_implemented else (x,)
    message = _feedback(fn, *args)
    assert message.startswith(start), message
    assert "Traceback" not in message


def test_feedback_quotes_the_students_line():
    message = _feedback(_shape, torch.ones(3))
    assert "`return x + torch.ones(4)`" in message


def test_unknown_exception_named_plainly():
    assert explain(KeyError("w")) == "your code raised KeyError: 'w'"


# --- the library's own answer ---------------------------------------------------------


def _mine(n, batch_size, generator=None):
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size].tolist()


def _calls_library(n, batch_size, generator=None):
    return minibatch_indices(n, batch_size, generator)


def _imports_library(n, batch_size, generator=None):
    from course_lib.sampling import minibatch_indices as mine

    return mine(n, batch_size, generator)


def _closure():
    inner = minibatch_indices
    return lambda *a: inner(*a)


@functools.wraps(minibatch_indices)
def _wrapper(*args):
    return minibatch_indices(*args)


@pytest.mark.parametrize(
    "answer",
    [
        minibatch_indices,
        functools.partial(minibatch_indices),
        _wrapper,
        lambda *a: minibatch_indices(*a),
        _calls_library,
        _imports_library,
        _closure(),
        type(minibatch_indices)(minibatch_indices.__code__, minibatch_indices.__globals__),
    ],
    ids=["itself", "partial", "wraps", "lambda", "calls", "imports", "closure", "same code"],
)
def test_library_answer_is_rejected(answer):
    message = library_answer(answer, minibatch_indices)
    assert message is not None
    assert message.startswith("that is the library's own `minibatch_indices`")


def test_students_own_answer_is_accepted():
    assert library_answer(_mine, minibatch_indices) is None
    assert library_answer(functools.partial(_mine, generator=None), minibatch_indices) is None


# --- questions ------------------------------------------------------------------------


def test_check_choice(capsys):
    reasons = {"a": "A is the prior, not the posterior.", "c": "C ignores the data."}
    assert check_choice("B", "b", reasons, why="the data update the prior.")
    assert not check_choice("(a)", "b", reasons)
    assert not check_choice("z", "b", reasons)
    assert not check_choice(None, "b", reasons)
    assert not check_choice(..., "b", reasons)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "✓ right: the data update the prior.",
        "✗ '(a)' is not it: A is the prior, not the posterior.",
        "✗ 'z' is not one of the choices 'b', 'a', 'c'.",
        "✗ not answered yet: set `answer` to one of 'b', 'a', 'c'.",
        "✗ not answered yet: set `answer` to one of 'b', 'a', 'c'.",
    ]


def test_check_number(capsys):
    hints = [
        (20, "that counts both epochs twice."),
        (lambda a: a < 0, "a count is never negative."),
    ]
    assert check_number(10, 10, 0.5, hints)
    assert check_number(torch.tensor(10.2), 10, 0.5, hints)
    assert not check_number(20.3, 10, 0.5, hints)
    assert not check_number(-1, 10, 0.5, hints)
    assert not check_number(3, 10, 0.5, hints)
    assert not check_number("ten", 10, 0.5, hints)
    assert not check_number(None, 10, 0.5, hints)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "✓ 10 is right.",
        "✓ 10.2 is right.",
        "✗ 20.3 is not it: that counts both epochs twice.",
        "✗ -1 is not it: a count is never negative.",
        "✗ 3 is not it: re-read the question and try again.",
        "✗ give a number, got str 'ten'.",
        "✗ not answered yet: set `answer` to a number.",
    ]


def test_safe_checker_turns_a_checker_bug_into_one_line(capsys):
    @safe_checker
    def broken(fn) -> bool:
        return {}["missing"]

    assert broken(None) is False
    assert capsys.readouterr().out.startswith("✗ the checker could not finish (KeyError")


def test_compare_with_ours_shows_the_source_only_after_a_pass(capsys):
    from course_lib.exercises.harness import compare_with_ours

    assert compare_with_ours(minibatch_indices, False) is None
    assert capsys.readouterr().out.startswith("Our version appears here once your answer passes")
    assert "def minibatch_indices" in compare_with_ours(minibatch_indices, True).data
