"""The shared exercise harness: bounded calls, feedback from exceptions, library answers, questions."""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest
import torch

from course_lib.exercises import harness, sandbox
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
    assert _feedback(3).startswith("expected a function, got a Python int")


def test_outside_the_main_thread_it_is_bounded_too():
    results = []

    def spin():
        while True:
            pass

    def run():
        results.append(call(lambda: 7, time_limit=0.5))
        try:
            call(spin, time_limit=0.3)
        except StudentError as error:
            results.append(str(error))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=20)
    assert results[0] == 7 and results[1].startswith("your code ran for more than 0.3 s")


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
        "✗ give a number, got the text 'ten'.",
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


# --- answers that cannot be stopped by an alarm, or that try to escape ------------------


def _raise_keyboard_interrupt():
    raise KeyboardInterrupt


def _swallows_everything():
    while True:
        try:
            sum(range(10**7))  # a C call, then the alarm lands here and is swallowed
        except BaseException:
            continue


@pytest.mark.parametrize(
    ("fn", "start"),
    [
        (_swallows_everything, "your code ran for more than 0.5 s and was stopped"),
        (lambda: sum(range(10**11)), "your code ran for more than 0.5 s and was stopped"),
        (lambda: sys.exit(3), "your code called exit() (SystemExit)"),
        (lambda: os._exit(4), "your code ended the process (os._exit(4) or a crash)"),
        (
            lambda: os.kill(os.getpid(), signal.SIGSEGV),
            "your code crashed the checker's process (signal SIGSEGV)",
        ),
        (_raise_keyboard_interrupt, "your code raised KeyboardInterrupt"),
    ],
    ids=[
        "swallows BaseException",
        "one long C call",
        "sys.exit",
        "os._exit",
        "segfault",
        "KeyboardInterrupt",
    ],
)
def test_answers_an_alarm_cannot_stop_are_killed_and_explained(fn, start):
    began = time.perf_counter()
    message = _feedback(fn, time_limit=0.5)
    assert message.startswith(start), message
    assert time.perf_counter() - began < 0.5 + sandbox.GRACE_SECONDS + 3.0  # fork, kill, reap


def test_memory_errors_read_the_same_from_torch_and_from_python():
    from_torch = _feedback(lambda: torch.zeros(10**12)).split(" (line")[0]
    from_python = _feedback(lambda: list(range(10**12))).split(" (line")[0]
    assert from_torch == from_python
    assert from_torch.startswith("your code asked for more memory than it may use here")
    assert "DefaultCPUAllocator" not in from_torch


def test_growing_memory_is_capped_in_the_child():
    def hog():
        chunks = []
        while True:
            chunks.append(torch.ones(2**26))  # 256 MB a step, touched

    assert _feedback(hog, time_limit=20.0).startswith("your code asked for more memory")


@pytest.mark.parametrize("limit", [0, -1, float("nan"), float("inf"), 601, "2", None])
def test_a_bad_time_limit_is_refused(limit):
    with pytest.raises(ValueError, match=r"time_limit must be a number of seconds in \(0, 600\]"):
        call(lambda: 1, time_limit=limit)


def test_max_items_is_checked():
    with pytest.raises(ValueError, match="max_items must be None or an integer >= 0"):
        call(lambda: [], max_items=-1)


# --- call() still behaves like a plain call ----------------------------------------------


def test_in_place_changes_to_the_inputs_are_carried_back():
    x, items, table = torch.ones(3), [1, 2], {"w": torch.zeros(2)}

    def changes_everything(x, items, table):
        x.add_(1)
        items.append(3)
        table["w"] += 5
        table["new"] = 1
        return "done"

    assert call(changes_everything, x, items, table) == "done"
    assert torch.equal(x, torch.full((3,), 2.0)) and items == [1, 2, 3]
    assert torch.equal(table["w"], torch.full((2,), 5.0)) and table["new"] == 1


def test_draws_from_a_generator_and_the_global_rng_are_carried_back():
    g = torch.Generator().manual_seed(0)
    inside = call(lambda g: torch.randperm(6, generator=g), g)
    expected = torch.Generator().manual_seed(0)
    assert torch.equal(inside, torch.randperm(6, generator=expected))
    assert torch.equal(torch.randperm(6, generator=g), torch.randperm(6, generator=expected))
    state = torch.random.get_rng_state()
    drawn = call(lambda: torch.randn(3))
    torch.random.set_rng_state(state)
    assert torch.equal(drawn, torch.randn(3))  # the child drew what this process would have


def test_a_result_with_its_autograd_graph_is_computed_here():
    a = torch.ones(2, requires_grad=True)
    out = call(lambda a: (3 * a).sum(), a)
    out.backward()
    assert torch.equal(a.grad, torch.full((2,), 3.0))
    model = call(lambda: torch.nn.Linear(2, 1))
    assert isinstance(model, torch.nn.Linear)


def test_results_are_plain_data():
    class Liar:
        def __eq__(self, other):
            return True

    out = call(lambda: Liar())
    assert isinstance(out, sandbox.Opaque) or isinstance(out, Liar)  # here: recomputed faithfully
    encoded = sandbox.decode(sandbox.encode(Liar()))
    assert isinstance(encoded, sandbox.Opaque) and encoded != "anything"
    assert sandbox.decode(sandbox.encode(np.float32(1.5))) == np.float32(1.5)
    arr = sandbox.decode(sandbox.encode(np.arange(6.0).reshape(2, 3)))
    assert arr.shape == (2, 3) and arr.dtype == np.float64
    t = sandbox.decode(sandbox.encode(torch.ones(2, dtype=torch.bfloat16, requires_grad=True)))
    assert t.dtype == torch.bfloat16 and t.requires_grad and t.is_leaf
    assert sandbox.decode(sandbox.encode(10**400)) == 10**400


def test_the_unpickler_accepts_only_plain_records():
    import pickle

    evil = pickle.dumps(os.system)
    with pytest.raises(pickle.UnpicklingError, match="refused posix.system"):
        sandbox._loads(evil)


def test_the_profile_hook_sees_the_library_called_by_another_route():
    def helper(n, b, g):
        import importlib

        library = importlib.import_module("course_lib.sampling")
        return list(getattr(library, "minibatch_" + "indices")(n, b, generator=g))

    watch = harness._watch([minibatch_indices])
    task = sandbox.Task(helper, (4, 2, torch.Generator().manual_seed(0)))
    with sandbox.run_tasks([task], watch=watch) as run:
        (outcome,) = list(run)
    assert outcome.library == "minibatch_indices"
    assert library_answer(helper, minibatch_indices) is None  # invisible without running it


def test_a_removed_profile_hook_is_noticed():
    def unhook():
        sys.setprofile(None)
        return 1

    with sandbox.run_tasks(
        [sandbox.Task(unhook)], watch=harness._watch([minibatch_indices])
    ) as run:
        (outcome,) = list(run)
    assert outcome.hook_removed


def test_a_library_attribute_lookup_runs_no_answer_code():
    class Trap:
        def __getattr__(self, name):
            raise SystemExit("escaped")

        def __call__(self, *args):
            return 1

    assert library_answer(Trap(), minibatch_indices) is None


def test_the_fallback_runs_here_and_still_stops_loops(monkeypatch):
    monkeypatch.setenv("COURSE_CHECKERS_IN_PROCESS", "1")
    assert not sandbox.isolation_available()
    x = torch.ones(2)
    assert torch.equal(call(lambda x: x * 2, x), torch.full((2,), 2.0))

    def spin():
        while True:
            pass

    assert _feedback(spin, time_limit=0.2).startswith("your code ran for more than 0.2 s")


def test_per_call_overhead_is_small():
    call(lambda: None)
    began = time.perf_counter()
    for _ in range(10):
        call(lambda: None)
    per_call = (time.perf_counter() - began) / 10
    print(f"call() round trip: {per_call * 1e3:.1f} ms (measured under load)")
    assert per_call < 0.5


# --- questions: answers as plain values ------------------------------------------------


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class _BadFloat:
    def __float__(self):
        raise RuntimeError("no")


class _ExitFloat:
    def __float__(self):
        raise SystemExit


class _Spoof:
    @property
    def __class__(self):
        return str


class _StrWithEq(str):
    def __eq__(self, other):
        return True

    def strip(self, *a):
        raise SystemExit

    __hash__ = str.__hash__


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (10**400, "that number is too large"),
        (-(10**400), "that number is too large"),
        (_BadFloat(), "give a number (an int or a float), got a"),
        (_ExitFloat(), "give a number (an int or a float)"),
        (_AlwaysEqual(), "give a number (an int or a float)"),
        (True, "is a truth value"),
        ("10", "is text: write the number without quotes (answer = 10)"),
        (float("inf"), "infinite"),
        (float("nan"), "NaN"),
        (torch.ones(2), "give one number, got a tensor of shape (2,)"),
        (np.array([10.0]), "give a number (an int or a float), got a numpy array"),
        (complex(10, 0), "give a number (an int or a float), got a Python complex"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, (str, int, float)) else None,
)
def test_check_number_converts_answers_to_plain_values(answer, says, capsys):
    assert check_number(answer, 10, 0.5) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and says in out, out


@pytest.mark.parametrize("answer", [10, 10.2, np.int64(10), np.float32(9.9), torch.tensor(10.0)])
def test_check_number_accepts_numbers_of_any_kind(answer, capsys):
    assert check_number(answer, 10, 0.5) is True


@pytest.mark.parametrize(
    ("answer", "expected", "tol", "cause"),
    [
        (-3.0, 3.0, 0.01, "the sign is flipped"),
        (20, 0.2, 1e-3, "that looks like a percentage"),
        (4.5, 4, 0, "the answer is a whole number"),
        (5, 4, 0, "off by one"),
        (8.0, 4.0, 0.01, "twice too large"),
        (2.0, 4.0, 0.01, "half the right size"),
        (2.45, 2.4, 1e-6, "close, but outside the tolerance"),
        (7.0, 2.4, 0.01, "re-read the question"),
    ],
)
def test_unlisted_wrong_numbers_get_a_likely_cause(answer, expected, tol, cause, capsys):
    assert check_number(answer, expected, tol) is False
    assert cause in capsys.readouterr().out


@pytest.mark.parametrize(
    ("expected", "tol", "match"),
    [
        (float("nan"), 0.1, "expected must be a finite number"),
        (1, -1, "tol must be"),
        (1, "0", "tol must be"),
    ],
)
def test_check_number_refuses_a_bad_question(expected, tol, match):
    with pytest.raises(ValueError, match=match):
        check_number(0.5, expected, tol)


@pytest.mark.parametrize(
    "answer",
    [_AlwaysEqual(), _Spoof(), 1, ["b"], b"b", _BadFloat()],
    ids=["always equal", "spoofs str", "int", "list", "bytes", "bad float"],
)
def test_check_choice_never_compares_with_the_answers_own_methods(answer, capsys):
    assert check_choice(answer, "b", {"a": "no."}) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and "is not one of the choices" in out, out


def test_a_str_subclass_is_read_as_its_characters(capsys):
    assert check_choice(_StrWithEq("a"), "b", {"a": "A is the prior."}) is False
    assert "A is the prior." in capsys.readouterr().out
    assert check_choice(np.str_("B"), "b", {"a": "A is the prior."}) is True


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("RL2", "RL²"),
        ("rl 2", "RL²"),
        ("rl^2", "RL²"),
        ("maml rl", "MAML-RL"),
        ("MAML_RL", "MAML-RL"),
        (" (B) ", "b"),
        ("b.", "b"),
    ],
)
def test_obvious_spellings_of_a_choice_are_accepted(answer, correct, capsys):
    other = "MAML-RL" if correct == "RL²" else "RL²"
    assert check_choice(answer, correct, {other: "no."}) is True


def test_choices_that_fold_to_the_same_text_are_a_bug_of_the_question():
    with pytest.raises(ValueError, match="options must be distinct"):
        check_choice("a", "a", {"(A)": "same"})


def test_a_slow_checker_process_does_not_count_against_the_answer():
    task = sandbox.Task(lambda: "done", time_limit=0.2)
    with sandbox.run_tasks([task]) as run:
        time.sleep(1.5)  # the checker busy with its references long past the answer's limit
        (outcome,) = list(run)
    assert outcome.error is None and outcome.value == "done"


def test_the_fallback_without_an_alarm_uses_a_watchdog(monkeypatch):
    """Windows has neither fork nor SIGALRM: off the main thread the fallback is the same."""
    monkeypatch.setenv("COURSE_CHECKERS_IN_PROCESS", "1")
    results = []

    def spin():
        while True:
            pass

    def run():
        try:
            call(spin, time_limit=0.3)
        except StudentError as error:
            results.append(str(error))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=20)
    assert results and results[0].startswith("your code ran for more than 0.3 s")


def test_torch_wrapping_its_own_functions_is_not_tampering():
    # torch._dynamo's first import (torch.func's jvp imports it lazily) wraps torch.manual_seed
    # in torch's own code: not the answer's doing. A wrapper the answer writes still counts.
    import functools
    import importlib

    from course_lib.exercises import sandbox

    importlib.import_module("torch._dynamo")
    wrapper = torch.manual_seed
    original = wrapper.__wrapped__  # what torch.manual_seed was before that import
    records = [("torch", {"manual_seed": wrapper}, {"manual_seed": original})]
    assert sandbox._changed_names(records) == []

    @functools.wraps(original)
    def student(*args):
        return original(0)

    records = [("torch", {"manual_seed": student}, {"manual_seed": original})]
    assert sandbox._changed_names(records) == ["torch.manual_seed"]


def test_a_non_callable_fn_is_feedback_and_a_type_error():
    with pytest.raises(TypeError, match="expected a function, got a Python int") as info:
        call(3)
    assert isinstance(info.value, StudentError)


@pytest.mark.parametrize(
    ("hints", "match"),
    [(3, "hints must be a list"), ([(2.0,)], r"hints\[0\] must be a \(value, reason\) pair"),
     ([(math.nan, "x")], r"hints\[0\]'s value must be a finite number"),
     ([(2.0, 3)], r"hints\[0\]'s reason must be a str")],
)  # fmt: skip
def test_check_number_checks_its_hints_before_any_answer(hints, match):
    with pytest.raises((TypeError, ValueError), match=match):
        check_number(1.0, 1.0, 0.1, hints)  # a right answer: the broken hint is found anyway


def test_check_choice_checks_its_question():
    with pytest.raises(TypeError, match="reasons must be a dict"):
        check_choice("a", "a", ["b"])
    with pytest.raises(TypeError, match="correct must be a str"):
        check_choice("a", 1, {"b": "no"})


def test_report_lines_and_a_coding_exercises_default_fields_check_their_arguments():
    # issue #28: Report.ok(3) printed "✓ 3"; the default observe called a non-function
    report = Report()
    for call_it, match in [
        (lambda: report.ok(3), "message must be a str, got int 3"),
        (lambda: report.fail("x", hint=3), "hint must be None or a str, got int 3"),
        (lambda: report.note(None), "message must be a str, got NoneType None"),
        (lambda: harness._answer(3), "fn must be the answer .a function., got 3"),
        (lambda: harness._changed_input(3), "name must be a str, got int 3"),
    ]:
        with pytest.raises(TypeError, match=match):
            call_it()
    assert report.lines == [] and not report.failed  # nothing printed before the refusal
    assert harness._answer(max, 1, 2) == 2
