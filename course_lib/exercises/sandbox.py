"""Run a student's answer where it can always be stopped, and bring back only plain data.

A checker must survive whatever the answer does: loop forever while catching every exception
(the alarm included), sit in one long C call, call ``sys.exit``, ``os._exit`` or crash the
interpreter, monkeypatch the checker, fill memory, or return an object whose ``__eq__`` always
says yes. An alarm signal in the same process cannot promise that (the answer can swallow it,
and a C call does not see it until it returns), so the answer runs in a **forked child**:

* The child is a copy of the kernel (``os.fork``), so the answer, its inputs and its closures
  need no pickling; whatever the answer changes (its inputs, the library, ``torch.allclose``)
  changes only the copy. The parent never runs the answer's code.
* The parent waits on a pipe with a deadline and ends the child's whole process group with
  ``SIGKILL``, which no handler can catch. Inside the child an alarm still stops an ordinary
  endless loop first, so the feedback can quote the student's line.
* The child caps its own memory (``RLIMIT_AS``, Linux) and CPU time (``RLIMIT_CPU``: an orphaned
  child ends too), and on Linux dies with its parent (``PR_SET_PDEATHSIG``).
* Results come back as plain data: numbers, strings, lists, tuples, dicts, and tensors or numpy
  arrays rebuilt from their raw bytes. Any other object comes back as :class:`Opaque` (its type
  name only), so nothing the answer defines (an ``__eq__``, a ``__float__``, a ``__reduce__``)
  ever runs in the checker's process. The unpickler accepts only this module's record types.
* While the answer runs, a profile hook (``sys.setprofile``) watches for calls into the
  library's reference implementations: a library answer is recognised by what it *does*, not by
  the name or identity of the function handed in (a helper, ``importlib`` or a copy of the
  library's code object are all seen).

Where ``os.fork`` does not exist (Windows), or a trial fork fails (a platform where forking a
process with torch loaded is unsafe, such as some macOS set-ups: see ``_probe``), the answer
runs in the checker's own process instead, bounded by ``SIGALRM`` or, without it, by a watchdog
thread that raises in the answer's thread. That fallback still computes references on copies and
converts results to plain data, but an answer that catches ``BaseException`` in a loop or sits in
one long C call can then only be stopped by the user (Kernel → Interrupt). Set the environment
variable ``COURSE_CHECKERS_IN_PROCESS=1`` to choose the fallback on purpose.

Measured overhead (``benchmarks/checkers.py``, forked against in-process in one run): about
20–40 ms of CPU per check, one fork for all of a checker's cases; under heavy load from other
jobs that was 120–190 ms of wall time.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import io
import math
import os
import pickle
import random
import select
import signal
import struct
import sys
import threading
import time
import types
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from course_lib.i18n import tr
from course_lib.validation import check_bool, check_instance, check_real, check_sequence

__all__ = [
    "Opaque",
    "Task",
    "Outcome",
    "isolation_available",
    "in_child",
    "run_tasks",
    "Run",
    "encode",
    "decode",
    "same",
    "snapshot",
    "lossy",
    "bounded_time",
    "TimeLimit",
    "set_rng_states",
    "MEMORY_LIMIT_BYTES",
    "GRACE_SECONDS",
    "MAX_RESULT_BYTES",
    "MAX_OUTPUT_CHARS",
]

#: Memory the answer may add to the child (Linux; macOS does not enforce address-space limits).
MEMORY_LIMIT_BYTES = 2 * 2**30
#: How long past its time limit a child may run before it is killed (its alarm comes first).
GRACE_SECONDS = 0.5
#: The largest result (pickled plain data) a child may send back.
MAX_RESULT_BYTES = 64 * 2**20
#: The most characters of the answer's own printed output shown after a check.
MAX_OUTPUT_CHARS = 10_000
#: Multiplies every time limit; the adversarial tests lower it so that hangs cost less.
TIME_SCALE = 1.0

_MAX_DEPTH = 40
_MAX_ITEMS = 1_000_000
_MAX_STR = 1_000_000


# ---------------------------------------------------------------------------------------
# Plain data: what may cross from the child to the parent
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Opaque:
    """An object the answer returned that is not plain data: only its type's name comes back."""

    type_name: str
    note: str = ""

    def __post_init__(self) -> None:
        check_instance("type_name", self.type_name, str, "a type's name (a str)")
        check_instance("note", self.note, str, "a str")

    def __repr__(self) -> str:
        return f"<{self.type_name} object{': ' + self.note if self.note else ''}>"


@dataclasses.dataclass(frozen=True)
class _TensorData:
    dtype: str
    shape: tuple[int, ...]
    data: bytes
    requires_grad: bool
    has_graph: bool  # a non-leaf that requires grad: the checker would need its graph
    device: str


@dataclasses.dataclass(frozen=True)
class _ArrayData:
    dtype: str
    shape: tuple[int, ...]
    data: bytes


@dataclasses.dataclass(frozen=True)
class _ScalarData:
    dtype: str
    data: bytes


@dataclasses.dataclass(frozen=True)
class _Converted:
    """A subclass of a built-in type (an ``OrderedDict``, a named tuple, an ``IntEnum``),
    carried as the plain built-in value."""

    type_name: str
    value: Any


@dataclasses.dataclass(frozen=True)
class _ModuleData:
    """An ``nn.Module`` argument, compared and written back through its state dict."""

    type_name: str
    state: dict


@dataclasses.dataclass(frozen=True)
class _GeneratorData:
    """A ``torch.Generator`` argument: its state, so that draws made by the answer count."""

    state: bytes


_RECORDS = {
    cls.__name__: cls
    for cls in (
        Opaque,
        _TensorData,
        _ArrayData,
        _ScalarData,
        _Converted,
        _ModuleData,
        _GeneratorData,
    )
}


def _type_name(obj: object) -> str:
    cls = type(obj)
    try:
        module, name = cls.__module__, cls.__qualname__
    except Exception:  # a class whose attributes misbehave
        return "object"
    if type(module) is not str or type(name) is not str:
        return "object"
    return name if module == "builtins" else f"{module}.{name}"


def _torch():
    return sys.modules.get("torch")


def _numpy():
    return sys.modules.get("numpy")


class _Budget:
    def __init__(self) -> None:
        self.items = 0


def encode(obj: Any, *, modules: bool = False) -> Any:
    """``obj`` as plain data (see the module docstring); ``modules=True`` also records
    ``nn.Module`` weights and ``torch.Generator`` states (for inputs, to see in-place changes)."""
    check_bool("modules", modules)
    return _encode(obj, 0, _Budget(), modules)


def _encode(obj: Any, depth: int, budget: _Budget, modules: bool) -> Any:
    budget.items += 1
    if budget.items > _MAX_ITEMS:
        return Opaque(_type_name(obj), "too many items")
    cls = type(obj)
    if obj is None or cls in (bool, int, float, complex, bytes):
        return obj
    if cls is str:
        return obj if len(obj) <= _MAX_STR else Opaque("str", f"{len(obj):_} characters")
    if depth > _MAX_DEPTH:
        return Opaque(_type_name(obj), "nested too deeply")
    torch, np = _torch(), _numpy()
    if torch is not None and isinstance(obj, torch.Tensor):
        return _encode_tensor(obj)
    if np is not None and issubclass(cls, np.ndarray):
        return _encode_array(obj, np)
    if np is not None and issubclass(cls, np.generic):
        if obj.dtype.hasobject:
            return Opaque(_type_name(obj))
        return _ScalarData(obj.dtype.str, obj.tobytes())
    if modules and torch is not None and isinstance(obj, torch.nn.Module):
        state = {k: _encode_tensor(v) for k, v in obj.state_dict().items()}
        return _ModuleData(_type_name(obj), state)
    if modules and torch is not None and isinstance(obj, torch.Generator):
        return _GeneratorData(bytes(obj.get_state().numpy().tobytes()))
    # Subclasses of the built-in types become the plain value (their methods never run in
    # the parent): the base slots read the stored value without calling overrides. The record
    # says a conversion happened, for callers that need the original object.
    if issubclass(cls, int):
        plain = int.__int__(obj)  # an IntEnum, numpy's bool-like ints are numpy scalars above
    elif issubclass(cls, float):
        plain = float.__float__(obj)
    elif issubclass(cls, str):
        plain = _encode("".join([obj]), depth, budget, modules)
    elif issubclass(cls, (list, tuple, set, frozenset)):
        items = [_encode(x, depth + 1, budget, modules) for x in list(obj)]
        if cls is list:
            return items
        if cls is tuple:
            return tuple(items)
        plain = items if issubclass(cls, (list, set, frozenset)) else tuple(items)
    elif issubclass(cls, dict):
        plain = {
            _encode(k, depth + 1, budget, modules): _encode(v, depth + 1, budget, modules)
            for k, v in list(dict.items(obj))
        }
        if cls is dict:
            return plain
    else:
        return Opaque(_type_name(obj))
    return _Converted(_type_name(obj), plain)


def _encode_tensor(t: Any) -> Any:
    torch = _torch()
    try:
        requires_grad = bool(t.requires_grad)
        has_graph = requires_grad and t.grad_fn is not None
        plain = torch.Tensor.as_subclass(t.detach(), torch.Tensor)
        device = str(plain.device)
        if plain.layout != torch.strided:
            plain = plain.to_dense()
        flat = torch.empty(plain.numel(), dtype=plain.dtype)  # stride 1, whatever plain's
        flat.copy_(plain.cpu().reshape(-1))
        data = flat.view(torch.uint8).numpy().tobytes() if plain.numel() else b""
        return _TensorData(
            str(plain.dtype).removeprefix("torch."),
            tuple(int(s) for s in plain.shape),
            data,
            requires_grad,
            has_graph,
            device,
        )
    except Exception as error:  # meta tensors, quantized tensors, subclasses that refuse
        return Opaque("torch.Tensor", f"could not be read ({type(error).__name__})")


def _encode_array(a: Any, np: Any) -> Any:
    if a.dtype.hasobject:
        return Opaque("numpy.ndarray", "an array of Python objects")
    plain = np.ascontiguousarray(np.asarray(a))
    return _ArrayData(plain.dtype.str, tuple(int(s) for s in plain.shape), plain.tobytes())


def decode(data: Any) -> Any:
    """The parent's side of :func:`encode`: tensors and arrays rebuilt from their bytes."""
    cls = type(data)
    if cls is list:
        return [decode(x) for x in data]
    if cls is tuple:
        return tuple(decode(x) for x in data)
    if cls is dict:
        return {decode(k): decode(v) for k, v in data.items()}
    if cls is _TensorData:
        return _decode_tensor(data)
    if cls is _ArrayData:
        np = _numpy() or __import__("numpy")
        return np.frombuffer(data.data, dtype=np.dtype(data.dtype)).reshape(data.shape).copy()
    if cls is _ScalarData:
        np = _numpy() or __import__("numpy")
        return np.frombuffer(data.data, dtype=np.dtype(data.dtype))[0]
    if cls is _Converted:
        return decode(data.value)
    if cls is _ModuleData:
        return Opaque(data.type_name)
    if cls is _GeneratorData:
        return Opaque("torch.Generator")
    return data


def _decode_tensor(data: _TensorData) -> Any:
    import torch

    dtype = getattr(torch, data.dtype, None)
    if not isinstance(dtype, torch.dtype):
        return Opaque("torch.Tensor", f"dtype {data.dtype}")
    if not data.data:
        t = torch.empty(data.shape, dtype=dtype)
    else:
        t = torch.frombuffer(bytearray(data.data), dtype=dtype).reshape(data.shape)
    if data.requires_grad and (t.is_floating_point() or t.is_complex()):
        t.requires_grad_(True)
    return t


def same(a: Any, b: Any) -> bool:
    """Whether two encoded values hold the same data (tensor bytes, dtypes and shapes)."""
    if type(a) is not type(b):
        return False
    if type(a) in (_TensorData, _ArrayData):
        return a.dtype == b.dtype and a.shape == b.shape and a.data == b.data
    if type(a) is _ModuleData:
        return same(a.state, b.state)
    if type(a) is _Converted:
        return a.type_name == b.type_name and same(a.value, b.value)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if type(a) is float and math.isnan(a):
        return math.isnan(b)
    if type(a) is Opaque:
        return a.type_name == b.type_name  # nothing more is known
    return a == b


def snapshot(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
    """The inputs of a call as plain data, to tell afterwards whether the answer changed them."""
    check_sequence("args", args)
    _check_kwargs(kwargs)
    return (encode(tuple(args), modules=True), encode(dict(kwargs), modules=True))


def _check_kwargs(kwargs: object, name: str = "kwargs") -> None:
    if not isinstance(kwargs, Mapping) or not all(isinstance(k, str) for k in kwargs):
        raise TypeError(f"{name} must be a dict with str keys, got {kwargs!r:.80}")


def lossy(data: Any) -> bool:
    """True if the encoded ``data`` lost something a caller may need: a tensor's autograd
    graph, an object that is not plain data, or the subclass of a built-in value."""
    cls = type(data)
    if cls in (list, tuple):
        return any(lossy(x) for x in data)
    if cls is dict:
        return any(lossy(k) or lossy(v) for k, v in data.items())
    if cls is _TensorData:
        return data.has_graph
    return cls in (Opaque, _Converted)


_BUILTINS = {"complex": complex, "set": set, "frozenset": frozenset}


class _Unpickler(pickle.Unpickler):
    """Only the record types above; no other global can be named by the child's bytes."""

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name in _RECORDS:
            return _RECORDS[name]
        if module == "builtins" and name in _BUILTINS:
            return _BUILTINS[name]
        raise pickle.UnpicklingError(f"refused {module}.{name}")


def _loads(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


# ---------------------------------------------------------------------------------------
# Time limits inside one process (the child's alarm, or the in-process fallback)
# ---------------------------------------------------------------------------------------


class TimeLimit(BaseException):
    """Raised into the answer when its time is up. A BaseException, so ``except Exception`` in
    the answer does not swallow it (``except BaseException`` does: then the child is killed)."""


@contextlib.contextmanager
def bounded_time(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimit` in this thread after ``seconds`` (and every 0.5 s after that).

    ``SIGALRM`` on the main thread where it exists (an outer timer is given back what is left
    of it); elsewhere a watchdog thread raises asynchronously in this thread, which a C call
    delays until it returns."""
    seconds = check_real(
        "seconds", seconds, 0.0, 86_400.0, lo_open=True
    )  # setitimer fails raw on NaN, inf, str
    use_alarm = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not use_alarm:
        with _watchdog(seconds):
            yield
        return
    start = time.monotonic()
    old_handler = signal.getsignal(signal.SIGALRM)
    old_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    limit = min(seconds, old_remaining) if old_remaining > 0 else seconds

    def _raise(signum, frame):
        raise TimeLimit

    signal.signal(signal.SIGALRM, _raise)
    # Re-fire every 0.5 s: an alarm that lands while a gc callback runs is swallowed, and a
    # one-shot timer would then never stop a runaway loop.
    signal.setitimer(signal.ITIMER_REAL, limit, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_remaining > 0:
            left = old_remaining - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


@contextlib.contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    target = threading.get_ident()
    done = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        while not done.is_set():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(target), ctypes.py_object(TimeLimit)
            )
            done.wait(0.5)

    thread = threading.Thread(target=watch, daemon=True, name="checker-watchdog")
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


# ---------------------------------------------------------------------------------------
# Tasks and outcomes
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Task:
    """One call to run: ``function(*args, **kwargs)`` within ``time_limit`` seconds."""

    function: Callable[..., Any]
    args: tuple = ()
    kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    time_limit: float = 2.0

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise TypeError(f"function must be callable, got {self.function!r:.80}")
        self.args = check_sequence("args", self.args)
        _check_kwargs(self.kwargs)
        # Never 0 for "no limit": a task always runs bounded (issue #28).
        self.time_limit = check_real("time_limit", self.time_limit, 0.0, 600.0, lo_open=True)


@dataclasses.dataclass
class Outcome:
    """What one task did, as plain data.

    ``value`` is the decoded result (None on error); ``error`` the feedback sentence when the
    call failed; ``raw`` the encoded result (to tell whether something was lost on the way);
    ``inputs`` the encoded inputs after the call; ``library`` the name of a watched library
    function the call reached; ``hook_removed`` whether the answer turned the watch off;
    ``rng`` the global random states after the call; ``output`` what the answer printed."""

    value: Any = None
    error: str | None = None
    raw: Any = None
    inputs: Any = None
    library: str | None = None
    hook_removed: bool = False
    rng: dict | None = None
    output: str = ""
    seconds: float = 0.0


_IN_CHILD = False
#: Whether a trial fork worked here (None: not tried yet). A dict, so that answering it never
#: rebinds a module name, which the tamper guard would report.
_PROBE: dict[str, bool | None] = {"forks": None}


def in_child() -> bool:
    """True inside a checker's child process (nested calls then simply run)."""
    return _IN_CHILD


def isolation_available() -> bool:
    """Whether answers run in a forked child here (see the module docstring for the fallback)."""
    if os.environ.get("COURSE_CHECKERS_IN_PROCESS", "") not in ("", "0"):
        return False
    if not hasattr(os, "fork") or _IN_CHILD:
        return False
    if _PROBE["forks"] is None:
        _PROBE["forks"] = _probe()
        if not _PROBE["forks"]:
            print(
                tr(
                    "Note: this Python cannot run checks in a separate process, so each check "
                    "runs in the notebook's own process: an answer that never returns may need "
                    "Kernel → Interrupt."
                ),
                file=sys.stderr,
            )
    return _PROBE["forks"]


def _probe() -> bool:
    """Fork once and run a little torch and numpy in the child: on platforms where a forked
    child of a process with these libraries loaded crashes or hangs (Apple's Objective-C
    fork-safety check, a BLAS thread pool that does not survive fork), use the fallback."""

    def exercise() -> str:
        torch, np = _torch(), _numpy()
        if torch is not None:
            float((torch.ones(8, 8) @ torch.ones(8, 8)).sum())
        if np is not None:
            float((np.ones((8, 8)) @ np.ones((8, 8))).sum())
        return "ok"

    try:
        with _ForkedRun([Task(exercise, time_limit=5.0)], {}, _explain_default, False) as run:
            (outcome,) = list(run)
    except Exception:
        return False
    return outcome.value == "ok"


def run_tasks(
    tasks: Sequence[Task],
    *,
    watch: Mapping[int, str] | None = None,
    explain: Callable[[BaseException, float | None], str] | None = None,
    snapshots: bool = True,
) -> Run:
    """Start ``tasks`` (in order, in one child process, or here in the fallback) and return a
    :class:`Run`: iterate it for one :class:`Outcome` per task as each finishes, and close it
    (a ``with`` block) to kill the child. The child is already running when this returns, so
    the caller can compute its references meanwhile, in a process the answer never touches.

    ``watch`` maps ``id(code object)`` to a library function's name: a call into one of them
    while a task runs is reported in ``Outcome.library``. ``explain(error, time_limit)`` turns
    an exception into feedback. After a task is killed or the child dies, no later task runs.
    """
    if explain is not None and not callable(explain):
        raise TypeError(
            f"explain must be None or a function (error, time_limit) -> str, got {explain!r}"
        )
    tasks = check_sequence("tasks", tasks, of=Task)
    if watch is not None and not isinstance(watch, Mapping):
        raise TypeError(
            f"watch must be None or a dict (id of a code object → name), got {watch!r:.80}"
        )
    explain = explain or _explain_default
    check_bool("snapshots", snapshots)
    if tasks and isolation_available():
        return _ForkedRun(tasks, watch or {}, explain, snapshots)
    return Run(_run_here(tasks, watch or {}, explain, snapshots))


class Run:
    """The outcomes of :func:`run_tasks`, one per task, in order."""

    def __init__(self, outcomes: Iterator[Outcome]) -> None:
        check_instance("outcomes", outcomes, Iterator, "an iterator of Outcome")
        self._outcomes = outcomes

    def __iter__(self) -> Iterator[Outcome]:
        return self._outcomes

    def close(self) -> None:
        close = getattr(self._outcomes, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _explain_default(error: BaseException, time_limit: float | None) -> str:
    if isinstance(error, TimeoutError) and time_limit is not None:
        return tr("ran for more than {limit:g} s", limit=time_limit)
    return f"{_type_name(error)}: {error}"


# ---------------------------------------------------------------------------------------
# One task, run here (in the child, or in the fallback)
# ---------------------------------------------------------------------------------------


class _Captured(io.TextIOBase):
    """sys.stdout / sys.stderr of the child: keeps the first MAX_OUTPUT_CHARS characters."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.cut = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = "".join([text]) if isinstance(text, str) else str(type(text).__name__)
        room = MAX_OUTPUT_CHARS - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.cut += max(0, len(text) - max(room, 0))
        return len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        if self.cut:
            text += tr("\n… ({cut:_} more characters of output cut)\n", cut=self.cut)
        self.parts, self.size, self.cut = [], 0, 0
        return text


def _rng_states() -> dict:
    states: dict = {"random": random.getstate()}
    torch, np = _torch(), _numpy()
    if torch is not None:
        states["torch"] = bytes(torch.random.get_rng_state().numpy().tobytes())
    if np is not None:
        states["numpy"] = np.random.get_state(legacy=False)
    return states


def _encode_rng(states: dict) -> dict:
    """Global random states as plain data (numpy's holds arrays and nested dicts)."""
    out = {"random": states["random"], "torch": states.get("torch")}
    if "numpy" in states:
        out["numpy"] = encode(states["numpy"])
    return out


def set_rng_states(states: dict) -> None:
    """Give this process the global random states a child ended with (legacy ``call``)."""
    if not isinstance(states, Mapping) or "random" not in states:
        raise TypeError(
            f"states must be a dict of random states (from a child), got {states!r:.80}"
        )
    random.setstate(_tuplify(states["random"]))
    torch, np = _torch(), _numpy()
    if torch is not None and states.get("torch") is not None:
        torch.random.set_rng_state(torch.frombuffer(bytearray(states["torch"]), dtype=torch.uint8))
    if np is not None and states.get("numpy") is not None:
        np.random.set_state(decode(states["numpy"]))


def _tuplify(x: Any) -> Any:
    return tuple(_tuplify(v) for v in x) if isinstance(x, (list, tuple)) else x


def _guarded_namespaces() -> list[tuple[str, dict]]:
    """The namespaces whose functions a check relies on after the answer returns: the course's
    modules (the checker, its library, this module), torch's functions and tensor methods, and
    the builtins."""
    import builtins

    spaces = [
        (name, vars(module))
        for name, module in list(sys.modules.items())
        if name.startswith("course_lib")
    ]
    spaces.append(("builtins", vars(builtins)))
    torch = _torch()
    if torch is not None:
        spaces += [
            ("torch", vars(torch)),
            ("torch.Tensor", vars(torch.Tensor)),
            ("torch.nn.functional", vars(torch.nn.functional)),
        ]
    return spaces


def _record(spaces: list[tuple[str, dict]]) -> list[tuple[str, dict, dict]]:
    return [(name, space, dict(space)) for name, space in spaces]


def _changed_names(records: list[tuple[str, dict, dict]]) -> list[str]:
    """Entries that existed before the answer ran and now point elsewhere (new ones, such as
    a submodule imported for the first time, are fine)."""
    return [
        f"{name}.{key}"
        for name, space, before in records
        for key, value in before.items()
        if space.get(key, _MISSING) is not value and not _torch_wrapped(space.get(key), value)
    ]


_MISSING = object()


def _torch_wrapped(new: object, old: object) -> bool:
    """Whether torch itself wrapped ``old`` as ``new``: the first import of torch._dynamo
    (which torch.func's transforms import lazily) replaces torch.manual_seed by a wrapper of
    it, defined in torch's own files. A wrapper written by the answer lives elsewhere."""
    code, torch = getattr(new, "__code__", None), _torch()
    return (
        getattr(new, "__wrapped__", None) is old
        and code is not None
        and torch is not None
        and code.co_filename.startswith(os.path.dirname(torch.__file__) + os.sep)
    )


def _tampered(changed: list[str], tr: Callable = tr) -> str:
    # tr is bound now, like _run_one's helpers: the answer may have replaced the module's.
    shown = ", ".join(changed[:3]) + (" …" if len(changed) > 3 else "")
    return tr(
        "your code replaced parts of the course's library, the checker or torch while it ran "
        "({shown}): the check cannot trust anything measured after that. Leave them as they "
        "are and compute the answer yourself.",
        shown=shown,
    )


def _run_one(
    task: Task,
    watch: Mapping[int, str],
    explain: Callable[[BaseException, float | None], str],
    snapshots: bool,
    captured: _Captured | None,
    _changed: Callable = _changed_names,
    _message: Callable = _tampered,
    _outcome: type = Outcome,
) -> Outcome:
    # Everything used after the answer runs is bound here, before it: an answer that replaces
    # this module's functions cannot change how its own result is read.
    outcome = Outcome()
    hits: list[str] = []

    def hook(frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call" and id(frame.f_code) in watch:
            hits.append(watch[id(frame.f_code)])

    limit = task.time_limit * TIME_SCALE
    previous = sys.getprofile()
    records = _record(_guarded_namespaces())
    changed = []
    start = time.perf_counter()
    try:
        with bounded_time(limit):
            try:
                if watch:
                    threading.setprofile(hook)
                    sys.setprofile(hook)
                value = task.function(*task.args, **task.kwargs)
                # Only a call that returned can have removed the hook on purpose: an exception
                # raised while the hook itself runs (the alarm) unsets it too.
                outcome.hook_removed = bool(watch) and sys.getprofile() is not hook
            finally:
                if watch:
                    sys.setprofile(previous)
                    threading.setprofile(None)
                changed = _changed(records)
            if not changed:
                outcome.raw = encode(value)  # may run the answer's code (a list subclass): timed
    except KeyboardInterrupt:
        if not _IN_CHILD:
            raise  # in the notebook's own process, this is the user stopping the cell
        outcome.error = explain(KeyboardInterrupt(), None)
    except TimeLimit:
        outcome.error = explain(TimeoutError(), task.time_limit)
    except BaseException as error:  # noqa: BLE001 - the answer's code: every failure is feedback
        changed = changed or _changed(records)
        outcome.error = None if changed else _safe_explain(explain, error)
    outcome.seconds = time.perf_counter() - start
    if changed:
        return _outcome(error=_message(changed), seconds=outcome.seconds)
    outcome.library = hits[0] if hits else None
    if snapshots:
        outcome.inputs = snapshot(task.args, task.kwargs)
    outcome.rng = _encode_rng(_rng_states())
    outcome.output = _take(captured)
    return outcome


def _take(captured: _Captured | None) -> str:
    return captured.take() if captured is not None else ""


def _safe_explain(explain: Callable, error: BaseException) -> str:
    try:
        return explain(error, None)
    except Exception:  # an exception whose str() misbehaves
        return tr("your code raised {name}", name=_type_name(error))


def _run_here(
    tasks: Sequence[Task],
    watch: Mapping[int, str],
    explain: Callable | None,
    snapshots: bool,
) -> Iterator[Outcome]:
    """The fallback: each task in this process, on deep copies of its inputs."""
    import copy

    for task in tasks:
        try:
            args, kwargs = copy.deepcopy((task.args, dict(task.kwargs)))
        except Exception:  # an input that cannot be copied (a non-leaf tensor): share it
            args, kwargs = task.args, task.kwargs
        outcome = _run_one(
            Task(task.function, args, kwargs, task.time_limit),
            watch,
            explain or _explain_default,
            snapshots,
            None,
        )
        outcome.value = decode(outcome.raw) if outcome.error is None else None
        yield outcome


# ---------------------------------------------------------------------------------------
# The child process
# ---------------------------------------------------------------------------------------

_HEADER = struct.Struct(">Q")


def outcome_to_plain(outcome: Outcome) -> dict:
    check_instance("outcome", outcome, Outcome, "an Outcome")
    return {
        # str(): a translated message is a str subclass (i18n.Text), and only plain data crosses.
        "error": None if outcome.error is None else str(outcome.error),
        "raw": outcome.raw,
        "inputs": outcome.inputs,
        "library": outcome.library,
        "hook_removed": outcome.hook_removed,
        "rng": outcome.rng,
        "output": outcome.output,
        "seconds": outcome.seconds,
    }


def _send(
    fd: int,
    outcome: Outcome,
    _plain: Callable = outcome_to_plain,
    _dumps: Callable = pickle.dumps,
    _write: Callable = os.write,
    tr: Callable = tr,  # bound now, like the helpers above
) -> None:
    """One length-prefixed frame on the pipe (its helpers bound now: see _run_one)."""
    try:
        data = _dumps(_plain(outcome), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        data = pickle.dumps(
            {"error": tr("the result could not be sent back ({name})", name=type(error).__name__)}
        )
    if len(data) > MAX_RESULT_BYTES:
        data = pickle.dumps(
            {
                "error": tr(
                    "your function returned {size:.0f} MB of data; the checker accepts at most "
                    "{limit} MB (a tensor far larger than its inputs?)",
                    size=len(data) / 2**20,
                    limit=MAX_RESULT_BYTES // 2**20,
                ),
                "output": outcome.output,
            }
        )
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = _write(fd, view)
        view = view[written:]


_FIELDS = {
    "error": (str, type(None)),
    "inputs": (tuple, type(None)),
    "library": (str, type(None)),
    "hook_removed": (bool,),
    "rng": (dict, type(None)),
    "output": (str,),
    "seconds": (float, int),
}


def _plain_to_outcome(plain: Any) -> Outcome:
    """The parent's reading of a child's frame; anything malformed (an answer that broke the
    child's machinery) becomes an error outcome, never a result."""
    broken = Outcome(
        error=tr(
            "your code broke the checker's process, so its result cannot be read: leave the "
            "checker's and the library's code alone."
        )
    )
    if type(plain) is not dict or not set(plain) <= set(_FIELDS) | {"raw"}:
        return broken
    for key, kinds in _FIELDS.items():
        if key in plain and type(plain[key]) not in kinds:
            return broken
    if plain.get("inputs") is not None and (
        len(plain["inputs"]) != 2
        or type(plain["inputs"][0]) is not tuple
        or type(plain["inputs"][1]) is not dict
    ):
        return broken
    outcome = Outcome(
        **{k: plain.get(k, getattr(Outcome(), k)) for k in outcome_to_plain(Outcome())}
    )
    if outcome.error is None:
        try:
            outcome.value = decode(outcome.raw)
        except Exception:  # bytes that do not fit their dtype and shape
            return broken
    return outcome


def _limit_resources(cpu_seconds: float) -> None:
    try:
        import resource
    except ImportError:
        return
    with contextlib.suppress(ValueError, OSError):
        cpu = int(math.ceil(cpu_seconds)) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(ValueError, OSError):
            with open("/proc/self/statm") as f:
                used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            cap = used + MEMORY_LIMIT_BYTES
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        with contextlib.suppress(Exception):  # die with the parent, even on kill -9
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child(
    fd: int,
    tasks: Sequence[Task],
    watch: Mapping[int, str],
    explain: Callable,
    snapshots: bool,
) -> None:
    """The child's whole life; it always ends in ``os._exit`` (no atexit, no finalizers that
    could touch the kernel's sockets)."""
    global _IN_CHILD
    try:
        _IN_CHILD = True
        os.setpgid(0, 0)  # its own process group: killed as a whole, untouched by Ctrl-C
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        _limit_resources(sum(t.time_limit * TIME_SCALE for t in tasks) + GRACE_SECONDS)
        captured = _Captured()
        sys.stdout = sys.stderr = captured
        sys.stdin = io.StringIO()
        torch = _torch()
        if torch is not None:
            torch.set_num_threads(1)  # no OpenMP pool in a forked child
        run_one, send = _run_one, _send  # bound before any answer runs
        for task in tasks:
            send(fd, run_one(task, watch, explain, snapshots, captured))
    except BaseException:  # noqa: BLE001 - nothing may escape a child
        pass
    finally:
        os._exit(0)


class _Reader:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()

    def frame(self, deadline: float) -> bytes | None:
        """The next frame; None at end of file; raises TimeoutError past ``deadline``."""
        while True:
            if len(self.buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(self.buffer)
                if size > MAX_RESULT_BYTES + 2**20:
                    raise ValueError("a result frame over the size limit")
                if len(self.buffer) >= _HEADER.size + size:
                    data = bytes(self.buffer[_HEADER.size : _HEADER.size + size])
                    del self.buffer[: _HEADER.size + size]
                    return data
            # Past the deadline, still read what the child already sent (the parent may have
            # been the slow one, computing references): only a missing frame is a timeout.
            left = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                if time.monotonic() >= deadline:
                    raise TimeoutError
                continue
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.buffer += chunk


def _death(status: int) -> str:
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return tr(
            "your code ended the process (os._exit({code}) or a crash) before returning a "
            "result: return the result instead of exiting.",
            code=code,
        )
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGXCPU:
            return "__timeout__"
        if sig == signal.SIGKILL:
            return tr(
                "your code crashed the checker's process (signal {name}) (it may have run out "
                "of memory).",
                name=name,
            )
        return tr("your code crashed the checker's process (signal {name}).", name=name)
    return tr("your code ended the checker's process.")


class _ForkedRun(Run):
    def __init__(
        self,
        tasks: Sequence[Task],
        watch: Mapping[int, str],
        explain: Callable,
        snapshots: bool,
    ) -> None:
        self.tasks = tasks
        self.explain = explain
        read_fd, write_fd = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is printed twice
            with contextlib.suppress(Exception):
                stream.flush()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: fork with threads
            pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(write_fd, tasks, watch, explain, snapshots)
        os.close(write_fd)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also here, so that the kill below cannot miss (no race)
        self.pid, self.fd, self.reaped = pid, read_fd, False
        self.started = time.monotonic()
        super().__init__(self._outcomes_in_order())

    def _outcomes_in_order(self) -> Iterator[Outcome]:
        reader = _Reader(self.fd)
        mark = self.started
        for task in self.tasks:
            deadline = mark + task.time_limit * TIME_SCALE + GRACE_SECONDS
            try:
                data = reader.frame(deadline)
            except TimeoutError:
                yield Outcome(error=self.explain(TimeoutError(), task.time_limit))
                return
            if data is None:  # the child died before it sent this task's outcome
                _kill(self.pid)
                message = _death(self._reap())
                if message == "__timeout__":
                    message = self.explain(TimeoutError(), task.time_limit)
                yield Outcome(error=message)
                return
            mark = time.monotonic()
            try:
                plain = _loads(data)
            except Exception:  # a frame that names something the unpickler refuses
                plain = None
            outcome = _plain_to_outcome(plain)
            if outcome.output:
                print(outcome.output, end="" if outcome.output.endswith("\n") else "\n")
            yield outcome

    def _reap(self) -> int:
        self.reaped = True
        return _reap(self.pid)

    def close(self) -> None:
        super().close()
        if self.fd is not None:
            _kill(self.pid)
            if not self.reaped:
                self._reap()
            os.close(self.fd)
            self.fd = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            kill(pid, signal.SIGKILL)
            return


def _reap(pid: int) -> int:
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return status
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0
