"""The shared harness every exercise checker is built on.

A checker runs a student's code and prints friendly feedback: one line per finding,
``✓`` for what works and ``✗`` plus the likely mistake for what does not. It never raises,
never hangs, never shows a traceback, and cannot be fooled by what the answer does while it
runs: the answer runs in a forked child process (:mod:`course_lib.exercises.sandbox`) and only
plain data comes back. The pieces:

``CodingExercise`` (with ``Case`` and ``Problem``)
    The one checker skeleton for coding exercises: *library answer → cases → report*. It
    refuses the library's own function (by identity and by behaviour: a call into the
    library's implementation while the answer runs), runs every case in one child, computes
    the references in the checker's process where the answer cannot reach them, refuses
    changed inputs, and hands each result, as plain data, to the exercise's ``judge``.

``Report``
    Prints the lines and remembers the verdict: ``report.ok(msg)`` prints ``✓ msg`` and
    returns True, ``report.fail(msg, hint=None)`` prints ``✗ msg`` (and ``  Hint: …``) and
    returns False, so a checker can end with ``return report.fail(...)``. ``bool(report)``
    is True while nothing failed.

``call(fn, *args, time_limit=2.0, max_items=None, too_many=None, **kwargs)``
    Runs student code bounded in time (in a child process that is killed at the limit) and,
    with ``max_items``, consumes the returned iterable into a list of at most that many items
    (``too_many`` is the message when it yields more, e.g. a generator that never stops).
    Any failure comes back as ``StudentError`` whose message is the feedback (see
    ``explain``). It behaves like a plain call: in-place changes to the inputs, draws from a
    ``torch.Generator`` argument and from the global random states are carried back; a result
    that plain data cannot carry (a tensor with its autograd graph, a module) is computed
    again in this process once the child has shown that the call returns. New checkers should
    prefer ``CodingExercise``, which never runs the answer in the checker's process.

``explain(error, time_limit=None) -> str``
    Turns an exception into a sentence naming the likely mistake: not implemented yet, an
    endless loop, numpy instead of torch, an in-place op on a tensor autograd needs, float64
    vs float32, a shape mismatch, too much memory, ... plus the student's line.

``library_answer(fn, *library_objects) -> str | None``
    A message when ``fn`` *is* the library's answer (the object itself, a bound method, a
    ``functools.partial`` or ``functools.wraps`` wrapper of it, the same ``__code__``, or a
    function/lambda that only calls it: found through the names its code reads, its closure,
    its defaults and its source). None for the student's own work. It only reads attributes
    of real functions, so an answer object with a strange ``__getattr__`` runs no code here.

``check_choice(answer, correct, reasons, *, options=None, why=None) -> bool``
    A multiple-choice question: ✓ (with ``why``) for ``correct``, else the reason stored
    for that wrong choice in ``reasons``. ``None`` or ``...`` means "not answered yet". The
    answer is compared as plain text, folded (``"(B)"``, ``" b "`` and ``"b"`` are one
    choice; ``"RL2"`` is ``"RL²"``, ``"maml rl"`` is ``"MAML-RL"``).

``check_number(answer, expected, tol, hints=(), *, why=None, unit="") -> bool``
    A number question: ✓ within ``tol``; otherwise the reason of the first hint that
    matches, each hint ``(value_or_predicate, reason)`` (a value matches within ``tol``),
    then a likely cause read from the number itself (a flipped sign, a percentage, off by
    one, twice or half the value, close but rounded). The answer is converted to a plain
    float first; an object of any other type is refused without running its methods.

``compare_with_ours(obj, passed)``
    After the check cell: shows the library's source of ``obj`` only when ``passed`` is
    True, so the student edition never displays the answer before it is solved.

``safe_checker``
    Decorator for a checker: an unexpected exception *in the checker* prints one ✗ line
    and returns False instead of a traceback.

A typical checker::

    def _judge(case, got, expected):
        if not isinstance(got, torch.Tensor):
            return Problem(f"return a tensor, got {describe(got)}.")
        if not torch.equal(got, expected):
            return Problem("expected 2 everywhere", hint="multiply by 2")
        return None

    DOUBLE = CodingExercise(
        library=(double,),
        arg_names=("x",),
        cases=lambda: [Case("on three ones", (torch.ones(3),))],
        reference=lambda case: double(*case.args),
        judge=_judge,
        success="double is right.",
    )

    @safe_checker
    def check_double(fn) -> bool:
        return DOUBLE.check(fn)
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import linecache
import math
import numbers
import re
import sys
import textwrap
import traceback
import types
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from course_lib.exercises import sandbox
from course_lib.exercises.sandbox import Opaque, Task, TimeLimit, bounded_time
from course_lib.i18n import tr
from course_lib.validation import ArgumentTypeError, check_bool, check_instance, check_real

__all__ = [
    "NOT_ANSWERED",
    "Report",
    "StudentError",
    "CannotJudge",
    "call",
    "explain",
    "library_answer",
    "check_choice",
    "check_number",
    "safe_checker",
    "compare_with_ours",
    "Case",
    "Problem",
    "CodingExercise",
    "describe",
    "uses_numpy",
    "plain_number",
    "Opaque",
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
        _check_text("message", message)
        self._print(f"✓ {message}")
        return not self.failed

    def fail(self, message: str, hint: str | None = None) -> bool:
        """Print ``✗ message`` (and a hint line); return False."""
        _check_text("message", message)
        _check_text("hint", hint, optional=True)
        self.failed = True
        self._print(f"✗ {message}")
        if hint:
            self._print(tr("  Hint: {hint}", hint=hint))
        return False

    def note(self, message: str) -> None:
        """Print an indented remark that is neither a pass nor a failure."""
        _check_text("message", message)
        self._print(f"  {message}")

    def __bool__(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        return "\n".join(self.lines)


class StudentError(Exception):
    """The student's code failed; ``str(error)`` is the feedback to print."""


class _NotAFunction(StudentError, TypeError):
    """``call``'s ``fn`` is not callable: feedback for the student (a StudentError) and a wrong
    argument (a TypeError) for the checker that handed it in."""


class CannotJudge(ValueError):
    """What the notebook handed a checker (this run's measurements, a question's sizes) is
    missing or broken, so no answer can be judged; ``safe_checker`` prints it as one ✗ line."""


# ---------------------------------------------------------------------------------------
# Describing what an answer returned (in words a student recognises)
# ---------------------------------------------------------------------------------------


def describe(value: Any) -> str:
    """What ``value`` is, for feedback: "a torch tensor", "a numpy scalar (numpy.float32)",
    "a Python float", "None", "a Foo object". Runs none of the value's own methods."""
    cls = type(value)
    if value is None:
        return "None"
    if cls is bool:
        return tr("a bool ({value})", value=value)
    if cls in (int, float, complex):
        return tr("a Python {name}", name=cls.__name__)
    if cls is str:
        return tr("a string")
    if cls in (list, tuple, dict, set):
        return tr("a {name}", name=cls.__name__)
    if cls is Opaque:
        return tr("a {name} object", name=value.type_name)
    torch, np = sys.modules.get("torch"), sys.modules.get("numpy")
    if torch is not None and isinstance(value, torch.Tensor):
        return tr("a torch tensor")
    if np is not None and issubclass(cls, np.ndarray):
        return tr("a numpy array")
    if np is not None and issubclass(cls, np.generic):
        return tr("a numpy scalar (numpy.{name})", name=cls.__name__)
    return tr("a {name} object", name=sandbox._type_name(value))


def uses_numpy(fn: Any) -> bool:
    """Whether ``fn``'s code reads numpy (a global bound to it, or a ``.numpy()`` call)."""
    fn = _unwrap(fn)
    if type(fn) is not types.FunctionType:
        return False
    names = _code_names(fn.__code__)
    if "numpy" in names:
        return True
    bound = (fn.__globals__.get(n) for n in names)
    return any(
        type(obj) is types.ModuleType and obj.__name__.split(".")[0] == "numpy" for obj in bound
    )


# ---------------------------------------------------------------------------------------
# Bounded calls
# ---------------------------------------------------------------------------------------


def _check_text(name: str, value: object, *, optional: bool = False) -> None:
    """A checker's own wording (a message, a hint, a unit): a str (or None where optional)."""
    if not (isinstance(value, str) or (optional and value is None)):
        wanted = "None or a str" if optional else "a str"
        raise TypeError(f"{name} must be {wanted}, got {type(value).__name__} {value!r:.80}")


def _finite(name: str, value: object, *, minimum: float | None = None) -> float:
    """A checker author's number (an expected value, a tolerance, a hint) as a finite float."""
    wanted = "a finite number" + ("" if minimum is None else f" >= {minimum:g}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be {wanted}, got {value!r:.80}")
    try:
        v = float(value)
    except OverflowError:  # an int beyond float's range, such as 10**400
        v = math.inf
    if not math.isfinite(v) or (minimum is not None and v < minimum):
        raise ValueError(f"{name} must be {wanted}, got {value!r:.80}")
    return v


def _check_limits(time_limit: object, max_items: object) -> None:
    # 0 is refused, not read as "no limit": an answer is never run unbounded (issue #28).
    wrong_type = type(time_limit) not in (int, float)
    if wrong_type or not 0 < time_limit <= 600:
        error = ArgumentTypeError if wrong_type else ValueError
        raise error(f"time_limit must be a number of seconds in (0, 600], got {time_limit!r}")
    if max_items is not None and (type(max_items) is not int or max_items < 0):
        error = ArgumentTypeError if type(max_items) is not int else ValueError
        raise error(f"max_items must be None or an integer >= 0, got {max_items!r}")


def _not_a_function(fn: Any) -> StudentError:
    return StudentError(
        tr(
            "expected a function, got {what}: pass the function itself "
            "(its name, without parentheses).",
            what=describe(fn),
        )
    )


def _items(fn: Callable, max_items: int | None, too_many: str | None, /, *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)``, consumed into a list of at most ``max_items`` items if given."""
    out = fn(*args, **kwargs)
    if max_items is None:
        return out
    if not isinstance(out, Iterable) or isinstance(out, (str, bytes)):
        raise StudentError(
            tr(
                "your function returned {kind}; it should return or yield the items one by one.",
                kind=type(out).__name__,
            )
        )
    items = []
    for item in out:
        if len(items) == max_items:
            raise StudentError(
                too_many or tr("stopped after {n} items: your generator never stops.", n=max_items)
            )
        items.append(item)
    return items


def _call_here(fn, args, kwargs, time_limit, max_items, too_many) -> Any:
    """The call in this process, bounded by an alarm (nested in a child, or the fallback)."""
    try:
        with bounded_time(time_limit * sandbox.TIME_SCALE):
            return _items(fn, max_items, too_many, *args, **kwargs)
    except StudentError:
        raise
    except TimeLimit:
        raise StudentError(explain(TimeoutError(), time_limit=time_limit)) from None
    except KeyboardInterrupt:
        if not sandbox.in_child():
            raise  # the user stopping the cell
        raise StudentError(explain(KeyboardInterrupt())) from None
    except BaseException as error:  # noqa: BLE001 - the student's code: turn it into feedback
        raise StudentError(explain(error)) from None


def _feedback(error: BaseException, time_limit: float | None) -> str:
    """The sandbox's way of turning an exception into a sentence."""
    if isinstance(error, StudentError):
        return str(error)
    return explain(error, time_limit=time_limit)


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
    Every failure comes back as StudentError carrying feedback, never a traceback; an ``fn``
    that is not callable is also a TypeError, and a bad ``time_limit`` (0 included: there is
    no "no limit"), ``max_items`` or ``too_many`` is the checker's bug: a TypeError/ValueError.
    """
    _check_limits(time_limit, max_items)
    _check_text("too_many", too_many, optional=True)
    if not callable(fn):
        raise _NotAFunction(f"{_not_a_function(fn)} [fn: got {type(fn).__name__}]")
    if sandbox.in_child() or not sandbox.isolation_available():
        return _call_here(fn, args, kwargs, time_limit, max_items, too_many)
    before = sandbox.snapshot(args, kwargs)
    task = Task(functools.partial(_items, fn, max_items, too_many), args, kwargs, time_limit)
    with sandbox.run_tasks([task], explain=_feedback) as run:
        (outcome,) = list(run)
    if outcome.error is not None:
        raise StudentError(outcome.error)
    if sandbox.lossy(outcome.raw):
        # The child showed that the call returns in time; the caller needs the real objects
        # (a graph to differentiate, a module), so compute them here.
        return _call_here(fn, args, kwargs, time_limit, max_items, too_many)
    after_args, after_kwargs = outcome.inputs
    _write_back(args, before[0], after_args)
    _write_back(kwargs, before[1], after_kwargs)
    sandbox.set_rng_states(outcome.rng)
    return outcome.value


def _write_back(target: Any, before: Any, after: Any) -> None:
    """Make ``target`` (an input of a call run in a child) hold what the child left in it."""
    if sandbox.same(before, after):
        return
    torch = sys.modules.get("torch")
    kind = type(after).__name__
    if torch is not None and isinstance(target, torch.Tensor) and kind == "_TensorData":
        new = sandbox.decode(after).detach()
        with torch.no_grad():
            if new.shape == target.shape and new.dtype == target.dtype:
                target.copy_(new)
            else:
                target.data = new
    elif torch is not None and isinstance(target, torch.nn.Module) and kind == "_ModuleData":
        target.load_state_dict({k: sandbox.decode(v).detach() for k, v in after.state.items()})
    elif torch is not None and isinstance(target, torch.Generator) and kind == "_GeneratorData":
        target.set_state(torch.frombuffer(bytearray(after.state), dtype=torch.uint8))
    elif isinstance(target, (list, tuple)) and type(after) in (list, tuple):
        if len(target) == len(after) == len(before):
            for item, b, a in zip(target, before, after):
                _write_back(item, b, a)
        elif isinstance(target, list):
            target[:] = sandbox.decode(after)
    elif isinstance(target, dict) and type(after) is dict:
        for key in list(target):
            if key not in after:
                del target[key]
        for key, value in after.items():
            if key in target and key in before:
                _write_back(target[key], before[key], value)
            else:
                target[key] = sandbox.decode(value)


# ---------------------------------------------------------------------------------------
# Exceptions → feedback
# ---------------------------------------------------------------------------------------


# Each feedback is a function, so it is worded in the language set when the error is explained
# (in the sandbox's child too: the fork inherits the reader's language).
def _NUMPY() -> str:
    return tr(
        "your code mixes numpy and torch: autograd cannot follow a numpy array. Stay in torch "
        "(torch.exp, torch.clamp, torch.min, torch.zeros …) and keep tensors as tensors."
    )


def _INPLACE() -> str:
    return tr(
        "your code changes a tensor autograd needs in place (`+=`, `x[...] = …`, or a method "
        "ending in `_` such as `.clamp_()`): build a new tensor instead "
        "(`x = x + …`, `torch.clamp(x, …)`)."
    )


def _DTYPE() -> str:
    return tr(
        "your code mixes float64 (double) and float32 (float) tensors, or integers with floats: "
        "create tensors as float32 (`torch.tensor(…, dtype=torch.float32)`, `.float()`), "
        "the dtype of the network's weights."
    )


def _SHAPE() -> str:
    return tr(
        "your code has a shape mismatch: two tensors that should line up do not. Print the "
        "`.shape` of each and check which dimension is the batch (broadcasting needs equal "
        "sizes or 1)."
    )


def _NOT_IMPLEMENTED() -> str:
    return tr("not implemented yet: replace `raise NotImplementedError` with your code.")


def _MEMORY() -> str:
    return tr(
        "your code asked for more memory than it may use here (the checker allows "
        "{gib} GiB): a tensor or list far larger than the inputs, or one that never stops "
        "growing?",
        gib=sandbox.MEMORY_LIMIT_BYTES // 2**30,
    )


# (exception type or None for any, regex on the message, feedback), first match wins.
_PATTERNS: list[tuple[type | None, str, Callable[[], str]]] = [
    (MemoryError, r"", _MEMORY),
    (
        RuntimeError,
        r"DefaultCPUAllocator|can't allocate memory|not enough memory|out of memory|"
        r"Cannot allocate memory",
        _MEMORY,
    ),
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
    (
        IndexError,
        r"",
        lambda: tr("your code indexes out of range: check the bounds of your loop or slice."),
    ),
    (ZeroDivisionError, r"", lambda: tr("your code divides by zero.")),
    (RecursionError, r"", lambda: tr("your function calls itself without end.")),
    (
        SystemExit,
        r"",
        lambda: tr(
            "your code called exit() (SystemExit): a function being checked must return its "
            "result, not stop the program."
        ),
    ),
    (
        KeyboardInterrupt,
        r"",
        lambda: tr(
            "your code raised KeyboardInterrupt: a function being checked must return its result."
        ),
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
            return tr(" (line {line}: `{code}`)", line=frame.lineno, code=code)
    return ""


def _message(error: BaseException) -> str:
    try:
        text = str(error).strip()
    except Exception:  # an exception whose __str__ misbehaves
        return ""
    return text.splitlines()[0][:500] if text else ""


def explain(error: BaseException, time_limit: float | None = None) -> str:
    """A sentence naming the likely mistake behind ``error``, with the student's line."""
    check_instance("error", error, BaseException, "an exception")
    if time_limit is not None:
        check_real("time_limit", time_limit, 0.0, math.inf, lo_open=True)
    if isinstance(error, NotImplementedError):
        return _NOT_IMPLEMENTED()
    if isinstance(error, TimeoutError) and time_limit is not None:
        return tr(
            "your code ran for more than {limit:g} s and was stopped: is there a loop that "
            "never ends (a `while` whose condition never becomes false)?",
            limit=time_limit,
        )
    message = _message(error)
    where = _student_line(error)
    name = sandbox._type_name(error)
    for kind, pattern, feedback in _PATTERNS:
        if (kind is None or isinstance(error, kind)) and re.search(pattern, message):
            # The allocator's own words add nothing a student can use (MemoryError has none).
            detail = f" [{name}: {message}]" if message and feedback is not _MEMORY else ""
            return f"{feedback()}{where}{detail}"
    return tr("your code raised {name}: {message}{where}", name=name, message=message, where=where)


# ---------------------------------------------------------------------------------------
# The library's own answer handed in
# ---------------------------------------------------------------------------------------


def _unwrap(fn: Any) -> Any:
    """The function behind partials, bound methods and ``functools.wraps`` wrappers. Only real
    functions' attributes are read, so no code of the answer's runs here."""
    seen = set()
    while id(fn) not in seen:
        seen.add(id(fn))
        if type(fn) is functools.partial:
            fn = fn.func
        elif type(fn) is types.MethodType:
            fn = fn.__func__
        elif type(fn) is types.FunctionType and "__wrapped__" in fn.__dict__:
            fn = fn.__dict__["__wrapped__"]
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
    if type(fn) is not types.FunctionType:
        return None
    code = fn.__code__
    by_id = {id(obj): obj for obj in library}
    names = {_name(obj) for obj in library}
    reached: list[Any] = []
    glob = fn.__globals__
    code_names = _code_names(code)
    reached += [glob[n] for n in code_names if n in glob]
    reached += [cell.cell_contents for cell in (fn.__closure__ or ()) if _filled(cell)]
    reached += list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values())
    for obj in reached:
        if id(_unwrap(obj)) in by_id:
            return _name(by_id[id(_unwrap(obj))])
    # `import course_lib.ppo as p; p.clipped_surrogate_loss(...)`, or a module attribute.
    for obj in reached:
        if issubclass(type(obj), types.ModuleType) and str(obj.__name__).startswith("course_lib"):
            if code_names & names:
                return next(iter(code_names & names))
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError, ValueError):
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


def _name(obj: Any) -> str:
    return getattr(_unwrap(obj), "__name__", "that function")


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises ValueError
    except ValueError:
        return False
    return True


def _library_message(name: str) -> str:
    return tr(
        "that is the library's own `{name}` (or a call of it) handed in as the answer: "
        "write your own version; the library's is shown after the exercise to compare.",
        name=name,
    )


def library_answer(fn: Any, *library: Any) -> str | None:
    """Feedback if ``fn`` is (or only calls) one of the ``library`` objects; None otherwise."""
    base = _unwrap(fn)
    lib_codes = {
        id(code): obj
        for obj in library
        if (code := getattr(_unwrap(obj), "__code__", None)) is not None
    }
    hit = None
    if any(base is obj or base is _unwrap(obj) for obj in library):
        hit = _name(base)
    elif type(base) is types.FunctionType and id(base.__code__) in lib_codes:
        hit = _name(lib_codes[id(base.__code__)])
    elif type(base) in (types.FunctionType, types.BuiltinFunctionType, type) and str(
        base.__module__ or ""
    ).startswith("course_lib"):
        hit = _name(base)
    else:
        hit = _refers_to(base, library)
    return None if hit is None else _library_message(hit)


def _watch(library: Sequence[Any]) -> dict[int, str]:
    """``id(code object) → name`` for the library's implementations, for the profile hook."""
    watch = {}
    for obj in library:
        code = getattr(_unwrap(obj), "__code__", None)
        if isinstance(code, types.CodeType):
            watch[id(code)] = _name(obj)
    return watch


# ---------------------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------------------


def _not_answered(answer: Any) -> bool:
    return any(answer is placeholder for placeholder in NOT_ANSWERED)


def _folded(text: str) -> str:
    """A choice as the letters and digits it spells: NFKC turns ``²`` into ``2``, case is folded
    and spaces, hyphens, brackets and dots are dropped ("(B)" → "b", "MAML-RL" → "mamlrl")."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _plain_text(answer: Any) -> str | None:
    """The answer as an exact ``str`` (a subclass's own methods never run), or None."""
    if issubclass(type(answer), str):
        return "".join([answer])  # C-level copy into an exact str
    return None


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "…")


def check_choice(
    answer: Any,
    correct: Any,
    reasons: Mapping[Any, str],
    *,
    options: Iterable[Any] | None = None,
    why: str | None = None,
) -> bool:
    """Check a multiple-choice ``answer``; print ✓ or the reason the chosen option is wrong.

    ``reasons`` maps each wrong choice to why it is wrong; choices compare as folded text (see
    :func:`_folded`: ``"(b)"`` is ``"B"``, ``"RL2"`` is ``"RL²"``). ``options`` defaults to
    ``correct`` plus the keys of ``reasons``. Only a string can be a choice: any other answer
    (a number, a list, an object whose ``__eq__`` always says yes) is refused as it is.
    """
    _check_text("correct", correct)
    if not isinstance(reasons, Mapping):
        raise TypeError(f"reasons must be a dict (wrong choice → why), got {reasons!r:.80}")
    for choice, reason in reasons.items():
        _check_text("reasons' choices", choice)
        _check_text(f"reasons[{choice!r}]", reason)
    if options is not None and (
        isinstance(options, str | bytes) or not isinstance(options, Iterable)
    ):
        raise TypeError(f"options must be None or a list of the choices, got {options!r:.80}")
    _check_text("why", why, optional=True)
    report = Report()
    choices = [correct, *reasons] if options is None else list(options)
    folded = [_folded(str(c)) for c in choices]
    if len(set(folded)) != len(folded) or _folded(str(correct)) not in folded:
        raise ValueError(f"options must be distinct and include the correct one, got {choices!r}")
    listed = ", ".join(repr(c) for c in choices)
    if _not_answered(answer):
        return report.fail(tr("not answered yet: set `answer` to one of {listed}.", listed=listed))
    text = _plain_text(answer)
    if text is None:
        return report.fail(
            tr(
                "{what} is not one of the choices {listed}: give your choice as a "
                'string, e.g. answer = "{first}".',
                what=describe(answer),
                listed=listed,
                first=choices[0],
            )
        )
    chosen = _folded(text)
    if chosen == _folded(str(correct)):
        return report.ok(tr("right: {why}", why=why) if why else tr("right."))
    for choice, reason in reasons.items():
        if chosen == _folded(str(choice)):
            return report.fail(tr("{shown} is not it: {reason}", shown=_shown(text), reason=reason))
    return report.fail(
        tr("{shown} is not one of the choices {listed}.", shown=_shown(text), listed=listed)
    )


def _plain_number(answer: Any) -> float | str:
    """The answer as a finite float, or the reason it is not one. Runs none of its methods:
    only Python, numpy and 0-d torch numbers are read (their values, in C)."""
    cls = type(answer)
    if cls is bool:
        return tr("{answer} is a truth value; give a number.", answer=answer)
    if cls is int:
        try:
            return float(answer)
        except OverflowError:
            return tr(
                "that number is too large to be the answer (about 10^{digits}).",
                digits=int(answer.bit_length() * 0.30103),
            )
    if cls is float:
        value = answer
    elif cls is str:
        text = answer.strip()
        try:
            float(text)
        except ValueError:
            return tr("give a number, got the text {shown}.", shown=_shown(answer))
        return tr(
            "{shown} is text: write the number without quotes (answer = {text}).",
            shown=_shown(answer),
            text=text,
        )
    else:
        torch, np = sys.modules.get("torch"), sys.modules.get("numpy")
        if np is not None and issubclass(cls, np.generic) and cls.__module__ == "numpy":
            if not np.issubdtype(answer.dtype, np.number) or np.issubdtype(
                answer.dtype, np.complexfloating
            ):
                return tr("give a number, got {what}.", what=describe(answer))
            value = float(answer)
        elif torch is not None and cls is torch.Tensor:
            if answer.numel() != 1 or answer.is_complex() or answer.dtype == torch.bool:
                return tr(
                    "give one number, got a tensor of shape {shape}.", shape=tuple(answer.shape)
                )
            value = float(answer.detach().reshape(-1)[0])
        else:
            return tr("give a number (an int or a float), got {what}.", what=describe(answer))
    if math.isnan(value):
        return tr("the answer is NaN: give a number.")
    if math.isinf(value):
        return tr("the answer is infinite: give a finite number.")
    return value


def _close_to(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= max(tol, 1e-9 * max(abs(a), abs(b)))


def _likely_cause(answer: float, expected: float, tol: float) -> str | None:
    """A mistake the number itself suggests, when no listed hint matched."""
    if expected != 0 and _close_to(answer, -expected, tol):
        return tr("the sign is flipped: check which way round the difference (or the loss) goes.")
    if 0 < abs(expected) <= 1 and _close_to(answer, 100 * expected, 100 * tol):
        return tr("that looks like a percentage: give it as a fraction (50% is 0.5).")
    if abs(expected) > 1 and _close_to(answer, expected / 100, tol / 100):
        return tr(
            "that looks like a fraction where a larger number is asked for: is it a percentage?"
        )
    whole = float(expected).is_integer() and tol < 0.5
    if whole and not float(answer).is_integer():
        return tr("the answer is a whole number: count, don't average.")
    if whole and abs(answer - expected) == 1:
        return tr("off by one: check whether the first (or the last) item counts.")
    if expected != 0 and _close_to(answer, 2 * expected, 2 * tol):
        return tr("twice too large: is something counted twice?")
    if expected != 0 and _close_to(answer, expected / 2, tol / 2):
        return tr(
            "half the right size: is something counted once that happens twice, or divided by 2?"
        )
    if expected != 0 and abs(answer - expected) <= 0.05 * abs(expected):
        return tr("close, but outside the tolerance: compute it exactly instead of rounding.")
    return None


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
    value, or ``(predicate, reason)``, matched when ``predicate(answer)`` is true (it gets the
    answer as a float); the first match is printed, else a cause the number suggests. The
    expected value is not printed on a wrong answer.
    """
    expected = _finite("expected", expected)
    tol = _finite("tol", tol, minimum=0)
    hints = _checked_hints(hints)
    _check_text("why", why, optional=True)
    _check_text("unit", unit)
    report = Report()
    if _not_answered(answer):
        return report.fail(tr("not answered yet: set `answer` to a number."))
    value = _plain_number(answer)
    if isinstance(value, str):
        return report.fail(value)
    shown = f"{value:g}{unit}"
    if abs(value - expected) <= tol:
        return report.ok(
            tr("{shown} is right: {why}", shown=shown, why=why)
            if why
            else tr("{shown} is right.", shown=shown)
        )
    for match, reason in hints:
        if callable(match):
            try:
                hit = bool(match(value))
            except Exception:  # a hint that does not apply to this answer
                hit = False
        else:
            hit = abs(value - float(match)) <= tol
        if hit:
            return report.fail(tr("{shown} is not it: {reason}", shown=shown, reason=reason))
    cause = _likely_cause(value, float(expected), float(tol))
    reason = cause or tr("re-read the question and try again.")
    return report.fail(tr("{shown} is not it: {reason}", shown=shown, reason=reason))


def _checked_hints(hints: object) -> list[tuple[Any, str]]:
    """A number question's hints as a list of ``(value or predicate, reason)`` pairs, checked
    before any answer is judged (a broken hint is the checker's bug, found on every answer)."""
    if isinstance(hints, str | bytes) or not isinstance(hints, Iterable):
        raise TypeError(f"hints must be a list of (value, reason) pairs, got {hints!r:.80}")
    pairs = list(hints)
    for i, pair in enumerate(pairs):
        if type(pair) not in (tuple, list) or len(pair) != 2:
            raise TypeError(f"hints[{i}] must be a (value, reason) pair, got {pair!r:.80}")
        match, reason = pair
        if not callable(match):
            _finite(f"hints[{i}]'s value", match)
        _check_text(f"hints[{i}]'s reason", reason)
    return pairs


def plain_number(value: Any, what: str) -> float:
    """A number a notebook hands a checker (this run's measurement) as a finite float, or
    :class:`CannotJudge` naming it: no answer can be judged against a broken measurement."""
    _check_text("what", what)
    plain = _plain_number(value)
    if isinstance(plain, str):
        raise CannotJudge(
            tr(
                "{what} is not a finite number, got {got} ({why})",
                what=what,
                got=describe(value),
                why=plain.rstrip(".。"),
            )
        )
    return plain


# ---------------------------------------------------------------------------------------
# Checkers never raise
# ---------------------------------------------------------------------------------------


def safe_checker(checker: Callable[..., bool]) -> Callable[..., bool]:
    """Wrap a checker so a bug in the checker itself prints one ✗ line and returns False."""
    if not callable(checker):
        raise TypeError(f"checker must be a function, got {type(checker).__name__} {checker!r:.80}")

    @functools.wraps(checker)
    def wrapped(*args: Any, **kwargs: Any) -> bool:
        try:
            return checker(*args, **kwargs) is True
        except StudentError as error:
            return Report().fail(str(error))
        except CannotJudge as error:
            return Report().fail(tr("the check cannot judge an answer yet: {error}.", error=error))
        except (Exception, SystemExit) as error:  # the checker's own bug: no traceback
            return Report().fail(
                tr(
                    "the checker could not finish ({kind}: {message}). Check what your function "
                    "returns; if it looks right, tell the course authors.",
                    kind=type(error).__name__,
                    message=_message(error),
                )
            )

    return wrapped


# ---------------------------------------------------------------------------------------
# The checker skeleton: library answer → cases → report
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One input the answer is run on: ``label`` names it in feedback ("on a one-step
    episode"); ``args``/``kwargs`` go to the exercise's ``observe`` after the answer;
    ``data`` is anything else the judge needs (the answer can see it, so no references)."""

    label: str
    args: tuple = ()
    kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    data: Any = None
    time_limit: float | None = None

    def __post_init__(self) -> None:
        _check_text("label", self.label)
        if type(self.args) is not tuple:
            raise TypeError(
                f"args must be a tuple, got {type(self.args).__name__} {self.args!r:.80}"
            )
        if not isinstance(self.kwargs, Mapping) or not all(isinstance(k, str) for k in self.kwargs):
            raise TypeError(f"kwargs must be a dict of str keys, got {self.kwargs!r:.80}")
        if self.time_limit is not None:
            _check_limits(self.time_limit, None)


@dataclasses.dataclass(frozen=True)
class Problem:
    """A wrong answer's feedback: the ✗ line and an optional hint line."""

    message: str
    hint: str | None = None

    def __post_init__(self) -> None:
        _check_text("message", self.message)
        _check_text("hint", self.hint, optional=True)


Judgement = Problem | str | None


def _answer(fn: Callable, /, *args: Any, **kwargs: Any) -> Any:
    if not callable(fn):  # check() refuses a non-function answer before it gets here
        raise TypeError(f"fn must be the answer (a function), got {fn!r:.80}")
    return fn(*args, **kwargs)


def _prefixed(label: str, judgement: Judgement) -> Judgement:
    if isinstance(judgement, Problem):
        return Problem(
            tr("{case}: {message}", case=label, message=judgement.message), judgement.hint
        )
    return tr("{case}: {message}", case=label, message=judgement)


def _changed_input(name: str) -> Judgement:
    _check_text("name", name)
    return tr(
        "your function changed its input `{name}` in place: the caller still needs it. Build "
        "new tensors (x = x + …, torch.zeros_like(x)) and leave the inputs as they are.",
        name=name,
    )


@dataclasses.dataclass
class CodingExercise:
    """A coding exercise's checker: ``exercise.check(fn)`` prints the feedback, returns True
    when every case passes.

    * ``library``: the library's implementations of the answer. Handing one in, or calling one
      while the answer runs (through a helper, ``importlib``, a copy of its code object), is
      refused. Captured when the module is imported: replacing them later is noticed too.
    * ``cases()``: builds the inputs, fresh for every check.
    * ``observe(fn, *case.args, **case.kwargs)``: runs in the child with the answer, returns
      what the judge needs as plain data (default: the answer's return value). It may raise
      :class:`StudentError` with feedback; it must not call the ``library`` functions.
    * ``reference(case)``: the right result, computed in the checker's process, on inputs the
      answer never touched, while the answer runs.
    * ``judge(case, got, expected)`` → :class:`Problem`, a message, or None when the case
      passes. ``across_cases``: ``(judge_all, ok_line)`` pairs run in order once every case
      passed ``judge``, ``judge_all(cases, gots, expecteds)`` for properties across cases; a
      pass prints ``ok_line`` (if any). All run in the checker's process, on plain data.
    * ``arg_names``: the names of ``case.args`` for the "changed its input in place" feedback
      (``changed_input(name)`` words it); None for an argument not to compare.
    * ``prefix_errors``: start each error with the case label; ``per_case_ok``: a ✓ line per
      case.
    """

    library: Sequence[Callable]
    arg_names: Sequence[str | None]
    cases: Callable[[], Sequence[Case]]
    success: str
    judge: Callable[[Case, Any, Any], Judgement] | None = None
    across_cases: Sequence[
        tuple[Callable[[Sequence[Case], list, list], Judgement], str | None]
    ] = ()
    observe: Callable[..., Any] = _answer
    reference: Callable[[Case], Any] | None = None
    time_limit: float = 2.0
    prefix_errors: bool = True
    per_case_ok: bool = False
    changed_input: Callable[[str], Judgement] = _changed_input

    def __post_init__(self) -> None:
        self._check_fields()
        self.library = tuple(self.library)
        self._watch = _watch(self.library)
        self._pristine = [(obj, getattr(_unwrap(obj), "__code__", None)) for obj in self.library]
        # The exercise module's own names (its judge's helpers, the library names it imported),
        # as they are when the exercise is defined: rebinding one later changes the check.
        home = sys.modules.get(getattr(self.cases, "__module__", None) or "", None)
        self._home = (home, dict(vars(home)) if home is not None else {})

    def _check_fields(self) -> None:
        """Each field, once, when the exercise is defined (at the chapter module's import)."""
        for name in ("library", "arg_names", "across_cases"):
            value = getattr(self, name)
            if isinstance(value, str | bytes) or not isinstance(value, Sequence):
                raise TypeError(f"{name} must be a list or tuple, got {value!r:.80}")
        for i, obj in enumerate(self.library):
            if not callable(obj):
                raise TypeError(f"library[{i}] must be a function, got {obj!r:.80}")
        for i, name in enumerate(self.arg_names):
            _check_text(f"arg_names[{i}]", name, optional=True)
        for name in ("cases", "observe", "changed_input"):
            if not callable(getattr(self, name)):
                raise TypeError(f"{name} must be a function, got {getattr(self, name)!r:.80}")
        for name in ("judge", "reference"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise TypeError(f"{name} must be None or a function, got {value!r:.80}")
        for i, pair in enumerate(self.across_cases):
            if type(pair) not in (tuple, list) or len(pair) != 2 or not callable(pair[0]):
                raise TypeError(
                    f"across_cases[{i}] must be a (judge_all, ok_line) pair, got {pair!r:.80}"
                )
            _check_text(f"across_cases[{i}]'s ok_line", pair[1], optional=True)
        _check_text("success", self.success)
        _check_limits(self.time_limit, None)
        check_bool("prefix_errors", self.prefix_errors)
        check_bool("per_case_ok", self.per_case_ok)

    def _tampered(self) -> str | None:
        """The library function or checker helper replaced in this session, if any (the check
        would compare the answer with something else than the course's own code)."""
        replaced = None
        for obj, code in self._pristine:
            base = _unwrap(obj)
            home = sys.modules.get(getattr(obj, "__module__", None) or "", None)
            name = getattr(obj, "__qualname__", "")
            if (code is not None and base.__code__ is not code) or (
                home is not None and "." not in name and vars(home).get(name, obj) is not obj
            ):
                replaced = _name(obj)
                break
        module, before = self._home
        if replaced is None and module is not None:
            now = vars(module)
            replaced = next(
                (
                    f"{module.__name__}.{key}"
                    for key, value in before.items()
                    if not key.startswith("__") and now.get(key, value) is not value
                ),
                None,
            )
        if replaced is None:
            return None
        return tr(
            "the library's `{name}` was replaced in this session, so the check cannot "
            "trust its reference: restart the kernel (Kernel → Restart) and run the chapter's "
            "cells again.",
            name=replaced,
        )

    def check(self, fn: Any) -> bool:
        report = Report()
        if not callable(fn):
            return report.fail(str(_not_a_function(fn)))
        if (message := self._tampered() or library_answer(fn, *self.library)) is not None:
            return report.fail(message)
        cases = list(self.cases())
        before = [sandbox.snapshot(case.args, case.kwargs) for case in cases]
        tasks = [
            Task(self.observe, (fn, *case.args), case.kwargs, case.time_limit or self.time_limit)
            for case in cases
        ]
        with sandbox.run_tasks(tasks, watch=self._watch, explain=_feedback) as run:
            # The child is running: compute the references now, here, where it cannot reach.
            expected = [self.reference(case) if self.reference else None for case in cases]
            got: list[Any] = []
            for case, pristine, outcome in zip(cases, before, run):
                problem = self._first_problem(case, pristine, outcome)
                if problem is None and self.judge is not None:
                    problem = self.judge(case, outcome.value, expected[len(got)])
                if problem is not None:
                    return _fail(report, problem)
                got.append(outcome.value)
                if self.per_case_ok:
                    report.ok(case.label)
        if len(got) < len(cases):  # the child ended early without an outcome (cannot happen)
            return report.fail(
                tr("the checker lost track of your function's results; run it again.")
            )
        for judge_all, ok_line in self.across_cases:
            if (problem := judge_all(cases, got, expected)) is not None:
                return _fail(report, problem)
            if ok_line:
                report.ok(ok_line)
        return report.ok(self.success)

    def _first_problem(self, case: Case, before: Any, outcome: sandbox.Outcome) -> Judgement:
        if outcome.library is not None:
            return _library_message(outcome.library)
        if outcome.hook_removed:
            return tr(
                "your code replaced the checker's profile hook (sys.setprofile), so the checker "
                "cannot see what it calls: remove that from your function."
            )
        if outcome.error is not None:
            if not self.prefix_errors or outcome.error.startswith(
                ("not implemented", _NOT_IMPLEMENTED())
            ):
                return outcome.error
            return tr("{case}: {message}", case=case.label, message=outcome.error)
        (after_args, after_kwargs) = outcome.inputs
        for name, old, new in zip(self.arg_names, before[0], after_args[1:]):
            if name is not None and not sandbox.same(old, new):
                return _prefixed(case.label, self.changed_input(name))
        for name in before[1]:
            if not sandbox.same(before[1][name], after_kwargs.get(name)):
                return _prefixed(case.label, self.changed_input(name))
        return None


def _fail(report: Report, problem: Judgement) -> bool:
    if isinstance(problem, Problem):
        return report.fail(problem.message, hint=problem.hint)
    return report.fail(str(problem))


# ---------------------------------------------------------------------------------------
# After the exercise: the library's version
# ---------------------------------------------------------------------------------------


def compare_with_ours(obj: Any, passed: bool):
    """The library's source of ``obj`` once the student's answer has ``passed`` its check.

    Put it in the cell after an exercise's check cell (``passed = check_…(answer)``): the
    instructor edition shows our version to compare, while a student who has not solved
    the exercise yet sees a one-line note instead of the answer.
    """
    from course_lib.notebook import _check_source

    _check_source(obj)
    check_bool("passed", passed)
    if passed:
        from course_lib.notebook import show_source

        return show_source(obj)
    print(
        tr(
            "Our version appears here once your answer passes the check above "
            "(run the check cell, then this one)."
        )
    )
    return None
