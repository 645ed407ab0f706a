"""The shared harness every exercise checker is built on.

A checker runs a student's code and prints friendly feedback: one line per finding,
``✓`` for what works and ``✗`` plus the likely mistake for what does not. It never raises and
never shows a traceback. The pieces:

``Report``
    Prints the lines and remembers the verdict: ``report.ok(msg)`` prints ``✓ msg`` and
    returns True, ``report.fail(msg, hint=None)`` prints ``✗ msg`` (and ``  Hint: …``) and
    returns False, so a checker can end with ``return report.fail(...)``. ``bool(report)``
    is True while nothing failed.

``call(fn, *args, time_limit=2.0, max_items=None, too_many=None, **kwargs)``
    Runs student code bounded in time (SIGALRM via ``setitimer`` when on the main thread,
    which is where Jupyter runs cells; elsewhere it runs unbounded in time) and, with
    ``max_items``, consumes the returned iterable into a list of at most that many items
    (``too_many`` is the message when it yields more, e.g. a generator that never stops).
    Any exception the student's code raises comes back as ``StudentError`` whose message is
    the feedback (see ``explain``).

``explain(error, time_limit=None) -> str``
    Turns an exception into a sentence naming the likely mistake: not implemented yet, an
    endless loop, numpy instead of torch, an in-place op on a tensor autograd needs, float64
    vs float32, a shape mismatch, ... plus the student's line where it happened.

``library_answer(fn, *library_objects) -> str | None``
    A message when ``fn`` *is* the library's answer (the object itself, a bound method, a
    ``functools.partial`` or ``functools.wraps`` wrapper of it, the same ``__code__``, or a
    function/lambda that only calls it: found through the names its code reads, its closure,
    its defaults and its source). None for the student's own work.

``check_choice(answer, correct, reasons, *, options=None, why=None) -> bool``
    A multiple-choice question: ✓ (with ``why``) for ``correct``, else the reason stored
    for that wrong choice in ``reasons``. ``None`` or ``...`` means "not answered yet".

``check_number(answer, expected, tol, hints=(), *, why=None, unit="") -> bool``
    A number question: ✓ within ``tol``; otherwise the reason of the first hint that
    matches, each hint ``(value_or_predicate, reason)`` (a value matches within ``tol``).

``compare_with_ours(obj, passed)``
    After the check cell: shows the library's source of ``obj`` only when ``passed`` is
    True, so the student edition never displays the answer before it is solved.

``safe_checker``
    Decorator for a checker: an unexpected exception *in the checker* prints one ✗ line
    and returns False instead of a traceback.

A typical checker::

    @safe_checker
    def check_double(fn) -> bool:
        report = Report()
        if (message := library_answer(fn, double)) is not None:
            return report.fail(message)
        try:
            got = call(fn, torch.ones(3))
        except StudentError as error:
            return report.fail(f"on three ones: {error}")
        if not torch.equal(got, 2 * torch.ones(3)):
            return report.fail("expected 2 everywhere", hint="multiply by 2")
        return report.ok("double is right.")
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import math
import numbers
import re
import signal
import textwrap
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "NOT_ANSWERED",
    "Report",
    "StudentError",
    "call",
    "explain",
    "library_answer",
    "check_choice",
    "check_number",
    "safe_checker",
    "compare_with_ours",
]

NOT_ANSWERED = (None, Ellipsis)
"""Placeholders a question cell starts with: ``answer = None`` or ``answer = ...``."""


class Report:
    """Feedback lines for one check; prints as it goes and remembers whether anything failed."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failed = False

    def _print(self, line: str) -> None:
        self.lines.append(line)
        print(line)

    def ok(self, message: str) -> bool:
        """Print ``✓ message``; return True unless something failed earlier."""
        self._print(f"✓ {message}")
        return not self.failed

    def fail(self, message: str, hint: str | None = None) -> bool:
        """Print ``✗ message`` (and a hint line); return False."""
        self.failed = True
        self._print(f"✗ {message}")
        if hint:
            self._print(f"  Hint: {hint}")
        return False

    def note(self, message: str) -> None:
        """Print an indented remark that is neither a pass nor a failure."""
        self._print(f"  {message}")

    def __bool__(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        return "\n".join(self.lines)


class StudentError(Exception):
    """The student's code failed; ``str(error)`` is the feedback to print."""


class _TimeLimit(BaseException):
    # A BaseException, so a student's ``except Exception`` cannot swallow the alarm.
    pass


# ---------------------------------------------------------------------------------------
# Bounded calls
# ---------------------------------------------------------------------------------------


def _bounded_time(seconds: float):
    """Context manager: raise _TimeLimit after ``seconds`` (main thread only; else no limit)."""

    class _Alarm:
        def __enter__(self):
            self.active = (
                hasattr(signal, "setitimer")
                and threading.current_thread() is threading.main_thread()
            )
            if not self.active:
                return self
            self.start = time.monotonic()
            self.old_handler = signal.getsignal(signal.SIGALRM)
            self.old_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
            limit = min(seconds, self.old_remaining) if self.old_remaining > 0 else seconds

            def _raise(signum, frame):
                raise _TimeLimit

            signal.signal(signal.SIGALRM, _raise)
            # Re-fire every 0.5 s after the limit: an alarm that lands while a gc callback runs
            # (hypothesis installs one) is swallowed, and a one-shot timer would then never stop
            # a runaway loop.
            signal.setitimer(signal.ITIMER_REAL, limit, 0.5)
            return self

        def __exit__(self, *exc):
            if self.active:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, self.old_handler)
                if self.old_remaining > 0:  # give an outer timer back what is left of it
                    left = self.old_remaining - (time.monotonic() - self.start)
                    signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
            return False

    return _Alarm()


def call(
    fn: Callable,
    *args: Any,
    time_limit: float = 2.0,
    max_items: int | None = None,
    too_many: str | None = None,
    **kwargs: Any,
) -> Any:
    """Run ``fn(*args, **kwargs)`` bounded in time (and in items, with ``max_items``).

    With ``max_items`` the result must be iterable and is consumed into a list inside the
    same time limit; more than ``max_items`` items raise StudentError(``too_many``).
    Every failure comes back as StudentError carrying feedback, never a traceback.
    """
    if not callable(fn):
        raise StudentError(
            f"expected a function, got {type(fn).__name__}: pass the function itself "
            "(its name, without parentheses)."
        )
    try:
        with _bounded_time(time_limit):
            out = fn(*args, **kwargs)
            if max_items is None:
                return out
            if not isinstance(out, Iterable) or isinstance(out, (str, bytes)):
                raise StudentError(
                    f"your function returned {type(out).__name__}; it should return or "
                    "yield the items one by one."
                )
            items = []
            for item in out:
                if len(items) == max_items:
                    raise StudentError(
                        too_many or f"stopped after {max_items} items: your generator never stops."
                    )
                items.append(item)
            return items
    except StudentError:
        raise
    except _TimeLimit:
        raise StudentError(explain(TimeoutError(), time_limit=time_limit)) from None
    except Exception as error:  # the student's code: turn it into feedback
        raise StudentError(explain(error)) from None


# ---------------------------------------------------------------------------------------
# Exceptions → feedback
# ---------------------------------------------------------------------------------------

_NUMPY = (
    "your code mixes numpy and torch: autograd cannot follow a numpy array. Stay in torch "
    "(torch.exp, torch.clamp, torch.min, torch.zeros …) and keep tensors as tensors."
)
_INPLACE = (
    "your code changes a tensor autograd needs in place (`+=`, `x[...] = …`, or a method "
    "ending in `_` such as `.clamp_()`): build a new tensor instead "
    "(`x = x + …`, `torch.clamp(x, …)`)."
)
_DTYPE = (
    "your code mixes float64 (double) and float32 (float) tensors, or integers with floats: "
    "create tensors as float32 (`torch.tensor(…, dtype=torch.float32)`, `.float()`), "
    "the dtype of the network's weights."
)
_SHAPE = (
    "your code has a shape mismatch: two tensors that should line up do not. Print the `.shape` of "
    "each and check which dimension is the batch (broadcasting needs equal sizes or 1)."
)

# (exception type or None for any, regex on the message, feedback), first match wins.
_PATTERNS: list[tuple[type | None, str, str]] = [
    (None, r"numpy\(\) on Tensor that requires grad", _NUMPY),
    (None, r"in-?place operation|modified by an inplace", _INPLACE),
    (None, r"numpy|ndarray|np\.", _NUMPY),
    (AttributeError, r"'Tensor' object has no attribute '(astype|size_|ndim_)'", _NUMPY),
    (
        None,
        r"dtype|scalar type|Double|expected .*Float|Found .*Float|can't be cast|"
        r"result type .* can't",
        _DTYPE,
    ),
    (
        None,
        r"size of tensor|must match the size|shapes? cannot be multiplied|"
        r"Sizes of tensors must match|shape '\[.*\]' is invalid|broadcast|"
        r"mat1 and mat2|Dimension out of range|expected .*dimension|same size|"
        r"number of dimensions",
        _SHAPE,
    ),
    (IndexError, r"", "your code indexes out of range: check the bounds of your loop or slice."),
    (ZeroDivisionError, r"", "your code divides by zero."),
    (RecursionError, r"", "your function calls itself without end."),
    (
        MemoryError,
        r"",
        "your code asked for more memory than exists: a list that never stops growing?",
    ),
]


def _student_line(error: BaseException) -> str:
    """`` (line N: `code`)`` for the last frame of the traceback outside libraries."""
    here = Path(__file__).resolve().parent.parent  # course_lib/
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename)
        if (
            "site-packages" in frame.filename
            or frame.filename.startswith("<frozen")
            or here in path.resolve().parents
        ):
            continue
        code = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
        if code:
            return f" (line {frame.lineno}: `{code}`)"
    return ""


def explain(error: BaseException, time_limit: float | None = None) -> str:
    """A sentence naming the likely mistake behind ``error``, with the student's line."""
    if isinstance(error, NotImplementedError):
        return "not implemented yet: replace `raise NotImplementedError` with your code."
    if isinstance(error, TimeoutError) and time_limit is not None:
        return (
            f"your code ran for more than {time_limit:g} s and was stopped: is there a loop that "
            "never ends (a `while` whose condition never becomes false)?"
        )
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    where = _student_line(error)
    for kind, pattern, feedback in _PATTERNS:
        if (kind is None or isinstance(error, kind)) and re.search(pattern, message):
            return f"{feedback}{where} [{type(error).__name__}: {message}]"
    return f"your code raised {type(error).__name__}: {message}{where}"


# ---------------------------------------------------------------------------------------
# The library's own answer handed in
# ---------------------------------------------------------------------------------------


def _unwrap(fn: Any) -> Any:
    seen = set()
    while id(fn) not in seen:
        seen.add(id(fn))
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, types.MethodType):
            fn = fn.__func__
        elif hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        else:
            break
    return fn


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _refers_to(fn: Any, library: Sequence[Any]) -> str | None:
    """The library object ``fn``'s code reaches (globals, closure, defaults, source), if any."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    by_id = {id(obj): obj for obj in library}
    names = {getattr(obj, "__name__", "") for obj in library}
    reached: list[Any] = []
    glob = getattr(fn, "__globals__", {})
    code_names = _code_names(code)
    reached += [glob[n] for n in code_names if n in glob]
    reached += [cell.cell_contents for cell in (fn.__closure__ or ()) if _filled(cell)]
    reached += list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values())
    for obj in reached:
        if id(_unwrap(obj)) in by_id:
            return by_id[id(_unwrap(obj))].__name__
    # `import course_lib.ppo as p; p.clipped_surrogate_loss(...)`, or a module attribute.
    for obj in reached:
        if isinstance(obj, types.ModuleType) and obj.__name__.startswith("course_lib"):
            if code_names & names:
                return next(iter(code_names & names))
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    mentions_course_lib = any(
        (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_lib"))
        or (isinstance(node, ast.Name) and node.id == "course_lib")
        for node in ast.walk(tree)
    )
    called = {
        getattr(node.func, "id", getattr(node.func, "attr", None))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    if mentions_course_lib and called & names:
        return next(iter(called & names))
    return None


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises ValueError
    except ValueError:
        return False
    return True


def library_answer(fn: Any, *library: Any) -> str | None:
    """Feedback if ``fn`` is (or only calls) one of the ``library`` objects; None otherwise."""
    base = _unwrap(fn)
    lib_codes = {id(getattr(obj, "__code__", None)): obj for obj in library}
    lib_codes.pop(id(None), None)
    hit = None
    if any(base is obj for obj in library):
        hit = base.__name__
    elif id(getattr(base, "__code__", None)) in lib_codes:
        hit = lib_codes[id(base.__code__)].__name__
    elif getattr(base, "__module__", "") and str(base.__module__).startswith("course_lib"):
        hit = getattr(base, "__name__", "that function")
    else:
        hit = _refers_to(base, library)
    if hit is None:
        return None
    return (
        f"that is the library's own `{hit}` (or a call of it) handed in as the answer: "
        "write your own version; the library's is shown after the exercise to compare."
    )


# ---------------------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------------------


def _not_answered(answer: Any) -> bool:
    return any(answer is placeholder for placeholder in NOT_ANSWERED)


def _normal(choice: Any) -> Any:
    if isinstance(choice, str):
        return choice.strip().strip("()").strip().lower()
    return choice


def check_choice(
    answer: Any,
    correct: Any,
    reasons: Mapping[Any, str],
    *,
    options: Iterable[Any] | None = None,
    why: str | None = None,
) -> bool:
    """Check a multiple-choice ``answer``; print ✓ or the reason the chosen option is wrong.

    ``reasons`` maps each wrong choice to why it is wrong; strings compare without case,
    spaces or parentheses (``"(b)"`` is ``"B"``). ``options`` defaults to ``correct`` plus
    the keys of ``reasons``.
    """
    report = Report()
    choices = [correct, *reasons] if options is None else list(options)
    listed = ", ".join(repr(c) for c in choices)
    if _not_answered(answer):
        return report.fail(f"not answered yet: set `answer` to one of {listed}.")
    chosen = _normal(answer)
    if chosen == _normal(correct):
        return report.ok(f"right{': ' + why if why else '.'}")
    for choice, reason in reasons.items():
        if chosen == _normal(choice):
            return report.fail(f"{answer!r} is not it: {reason}")
    return report.fail(f"{answer!r} is not one of the choices {listed}.")


def check_number(
    answer: Any,
    expected: float,
    tol: float,
    hints: Iterable[tuple[Any, str]] = (),
    *,
    why: str | None = None,
    unit: str = "",
) -> bool:
    """Check a number ``answer`` against ``expected`` ± ``tol``; name the likely slip if wrong.

    Each hint is ``(value, reason)``, matched when the answer is within ``tol`` of the
    value, or ``(predicate, reason)``, matched when ``predicate(answer)`` is true; the first
    match is printed. The expected value is not revealed on a wrong answer.
    """
    report = Report()
    if _not_answered(answer):
        return report.fail("not answered yet: set `answer` to a number.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        try:  # a 0-d tensor or numpy scalar is fine
            answer = float(answer)
        except (TypeError, ValueError):
            return report.fail(f"give a number, got {type(answer).__name__} {answer!r}.")
    answer = float(answer)
    if math.isnan(answer):
        return report.fail("the answer is NaN: give a number.")
    shown = f"{answer:g}{unit}"
    if abs(answer - expected) <= tol:
        return report.ok(f"{shown} is right{': ' + why if why else '.'}")
    for match, reason in hints:
        if callable(match):
            try:
                hit = bool(match(answer))
            except Exception:  # a hint that does not apply to this answer
                hit = False
        else:
            hit = abs(answer - float(match)) <= tol
        if hit:
            return report.fail(f"{shown} is not it: {reason}")
    return report.fail(f"{shown} is not it: re-read the question and try again.")


# ---------------------------------------------------------------------------------------
# Checkers never raise
# ---------------------------------------------------------------------------------------


def safe_checker(checker: Callable[..., bool]) -> Callable[..., bool]:
    """Wrap a checker so a bug in the checker itself prints one ✗ line and returns False."""

    @functools.wraps(checker)
    def wrapped(*args: Any, **kwargs: Any) -> bool:
        try:
            return bool(checker(*args, **kwargs))
        except StudentError as error:
            return Report().fail(str(error))
        except Exception as error:  # the checker's own bug: say so, don't show a traceback
            return Report().fail(
                f"the checker could not finish ({type(error).__name__}: {error}). "
                "Check what your function returns; if it looks right, tell the course authors."
            )

    return wrapped


# ---------------------------------------------------------------------------------------
# After the exercise: the library's version
# ---------------------------------------------------------------------------------------


def compare_with_ours(obj: Any, passed: bool):
    """The library's source of ``obj`` once the student's answer has ``passed`` its check.

    Put it in the cell after an exercise's check cell (``passed = check_…(answer)``): the
    instructor edition shows our version to compare, while a student who has not solved
    the exercise yet sees a one-line note instead of the answer.
    """
    if passed is True:
        from course_lib.notebook import show_source

        return show_source(obj)
    print(
        "Our version appears here once your answer passes the check above "
        "(run the check cell, then this one)."
    )
    return None
