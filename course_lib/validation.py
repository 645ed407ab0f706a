"""Argument checks shared by the library's entry points.

Bad input is stopped at the library's edge with a message that names the argument and the
accepted range, so a student sees ``batch_size must be an integer >= 1, got 0`` instead of
a shape error three calls deeper.

The convention, everywhere: a wrong *type* raises ``TypeError``, a wrong *value* (out of
range, NaN or inf, a mismatched shape, a size over a stated cap) raises ``ValueError``. The
integer and number checks raise :class:`ArgumentTypeError` for a wrong type: a ``TypeError``
that is also a ``ValueError``, kept so that callers written against the older "everything is a
ValueError" convention still catch it.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import types as _types
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

__all__ = [
    "ArgumentTypeError",
    "MAX_SEED",
    "check_int",
    "check_real",
    "check_seed",
    "check_bool",
    "check_device",
    "available_device_types",
    "check_hidden_sizes",
    "check_choice",
    "check_tensor",
    "check_finite",
    "check_instance",
    "check_sequence",
    "check_same_shape",
    "check_env_id",
    "check_params",
    "Range",
    "Choice",
    "Checked",
    "Widths",
    "FLAG",
    "SEED",
    "DEVICE",
    "WIDTHS",
    "ENV_ID",
    "declared",
    "bounded",
    "choice",
    "declared_ranges",
    "check_declared",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type. Both a TypeError and a ValueError, so code (and tests)
    written against either convention catch it, as numpy's AxisError is both a ValueError
    and an IndexError."""


def _check_name(name: object) -> str:
    """The checks' own first argument: the name their message gives the checked value. A
    check that named ``3`` (or ``None``) would tell the reader nothing, so it is refused."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be the checked argument's name (a non-empty str), got {name!r}")
    return name


def _check_bound(label: str, bound: object, *, optional: bool = False) -> None:
    """A check's own integer bound (``minimum``, ``maximum``, ``length``): an int, not a bool."""
    if bound is None and optional:
        return
    if isinstance(bound, bool) or not isinstance(bound, Integral):
        wanted = "None or an integer" if optional else "an integer"
        raise ArgumentTypeError(f"{label} must be {wanted}, got {bound!r}")


def check_int(name: str, value: object, minimum: int = 0, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``; bools and non-integers are rejected (a 0-d
    integer tensor that does not require grad stands for its number).

    ``maximum`` caps sizes and step counts that would otherwise run for minutes or allocate
    gigabytes; the cap is stated in the message.
    """
    _check_name(name)
    _check_bound("minimum", minimum)
    _check_bound("maximum", maximum, optional=True)
    if maximum is not None and maximum < minimum:
        raise ValueError(f"maximum must be >= minimum, got minimum={minimum}, maximum={maximum}")
    if type(value) is int and minimum <= value and (maximum is None or value <= maximum):
        return value  # the common case, checked without building a message
    bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum:_}]"
    value = _number_of_0d_tensor(name, value, integer=True, wanted=f"an integer {bounds}")
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ArgumentTypeError(f"{name} must be an integer {bounds}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be an integer {bounds}, got {value}")
    return int(value)


def _number_of_0d_tensor(name: str, value: object, *, integer: bool, wanted: str) -> object:
    """A 0-d real tensor's Python number (``torch.tensor(0.9)`` where a number is meant, as a
    run's results often are), else ``value`` as it is, for the caller's own checks.

    The lead's decision for issue #28: a 0-d tensor that does not require grad stands for its
    number (an integer dtype for an integer, any real dtype for a number; a bool or complex
    dtype does not). One that requires grad is refused: taking its number would silently cut
    the graph a caller may mean to keep (a function that differentiates through such an
    argument, like ``adapt(inner_lr=...)``, checks it with its own rule).
    """
    torch = sys.modules.get("torch")  # not imported yet: ``value`` cannot be a tensor
    if torch is None or not isinstance(value, torch.Tensor) or value.ndim != 0:
        return value
    if value.requires_grad:
        raise ArgumentTypeError(
            f"{name} must be {wanted} (a 0-d tensor that does not require grad is taken for "
            f"its number: pass .detach()), got {value!r}"
        )
    dtype = value.dtype
    real = not (dtype == torch.bool or dtype.is_complex)
    if not real or (integer and dtype.is_floating_point):
        raise ArgumentTypeError(f"{name} must be {wanted}, got {value!r} (dtype {dtype})")
    return value.item()


def check_real(
    name: str, value: object, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False
) -> float:
    """``value`` as a finite float in the interval from ``lo`` to ``hi`` (closed unless ``*_open``);
    a 0-d real tensor that does not require grad stands for its number.

    ``lo=-math.inf`` or ``hi=math.inf`` leaves that side open-ended (``value`` stays finite)."""
    _check_name(name)
    for label, bound in (("lo", lo), ("hi", hi)):
        if isinstance(bound, bool) or not isinstance(bound, Real) or math.isnan(bound):
            raise ArgumentTypeError(f"{label} must be a number (or ±math.inf), got {bound!r}")
    if not lo <= hi or (math.isinf(lo) and lo > 0) or (math.isinf(hi) and hi < 0):
        raise ValueError(f"lo and hi must have lo <= hi (an interval), got lo={lo}, hi={hi}")
    check_bool("lo_open", lo_open)
    check_bool("hi_open", hi_open)
    if type(value) is float and math.isfinite(value):  # the common case, no message built
        if (value > lo if lo_open else value >= lo) and (value < hi if hi_open else value <= hi):
            return value
    left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
    interval = f"{left}{lo}, {hi}{right}"
    value = _number_of_0d_tensor(name, value, integer=False, wanted=f"a number in {interval}")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ArgumentTypeError(f"{name} must be a number in {interval}, got {value!r}")
    v = float(value)
    inside = (
        math.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    )
    if not inside:
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v


#: Seeds are accepted in [0, 2**63): torch and numpy generators take 64-bit seeds, and the
#: trainers derive further seeds by adding small offsets.
MAX_SEED = 2**63 - 1


def check_seed(value: object, name: str = "seed") -> int:
    """A seed: an integer in [0, 2**63)."""
    _check_name(name)
    seed = check_int(name, value, 0)
    if seed > MAX_SEED:
        raise ValueError(f"{name} must be an integer in [0, 2**63), got {value}")
    return seed


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is exactly ``True`` or ``False`` (a string such as ``"False"`` is rejected)."""
    _check_name(name)
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_device(value: object, name: str = "device"):
    """A ``torch.device`` for a string such as ``"cpu"`` or ``"cuda:0"`` (or a device itself)."""
    import torch

    _check_name(name)
    if not isinstance(value, str | torch.device):
        raise TypeError(
            f"{name} must be a torch device string such as 'cpu' or 'cuda', got {value!r}"
        )
    try:
        device = torch.device(value)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"{name} must be a torch device string such as 'cpu' or 'cuda', got {value!r}"
        ) from err
    available = available_device_types()
    if device.type not in available:
        missing = "CUDA GPU" if device.type == "cuda" else f"{device.type!r} backend"
        raise ValueError(
            f"{name} is {value!r}, but this machine has no {missing}: use one of {available}"
        )
    return device


def available_device_types() -> tuple[str, ...]:
    """The device types this machine can train on: ``"cpu"`` and each accelerator whose
    backend reports itself available (``"meta"`` holds no data, so it never trains)."""
    import torch

    probes = {
        "cuda": torch.cuda.is_available,
        "mps": lambda: torch.backends.mps.is_available(),
        "xpu": lambda: hasattr(torch, "xpu") and torch.xpu.is_available(),
    }
    return ("cpu", *(kind for kind, probe in probes.items() if probe()))


def check_hidden_sizes(hidden_sizes: object, name: str = "hidden_sizes") -> tuple[int, ...]:
    """A tuple of positive layer widths, each at most 4096 (wider nets do not fit the course's CPU budget)."""
    _check_name(name)
    if isinstance(hidden_sizes, str | bytes) or not isinstance(hidden_sizes, Sequence):
        raise TypeError(
            f"{name} must be a sequence of positive integers such as (64, 64), got {hidden_sizes!r}"
        )
    for h in hidden_sizes:
        check_int(f"{name} entries", h, 1, 4096)
    return tuple(int(h) for h in hidden_sizes)


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``choices`` (a tuple, list or the keys of a dict)."""
    _check_name(name)
    if (
        isinstance(choices, str | bytes)
        or not isinstance(choices, Collection)
        or not choices
        or not all(isinstance(c, str) for c in choices)
    ):
        raise TypeError(f"choices must be a non-empty collection of strings, got {choices!r:.80}")
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_tensor(
    name: str,
    value: object,
    *,
    ndim: int | None = None,
    floating: bool = False,
    finite: bool = False,
):
    """``value`` if it is a ``torch.Tensor`` (of ``ndim`` dimensions, of a floating dtype, with
    no NaN or ±inf, each where asked).

    ``finite`` is for data that a NaN would poison without an error: a reward, an advantage or
    a log-probability that is NaN turns every number computed from it into NaN, silently.
    """
    import torch

    _check_name(name)
    if ndim is not None:
        _check_bound("ndim", ndim)
        if ndim < 0:
            raise ValueError(f"ndim must be None or an integer >= 0, got {ndim}")
    if floating is not False and floating is not True:
        check_bool("floating", floating)
    if finite is not False and finite is not True:
        check_bool("finite", finite)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if ndim is not None and value.dim() != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-d tensor, got shape {tuple(value.shape)} ({value.dim()}-d)"
        )
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if finite:
        check_finite(name, value)
    return value


def check_finite(name: str, value):
    """``value`` (a tensor) if none of its entries is NaN or ±inf; else how many of each."""
    import torch

    _check_name(name)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not (value.is_floating_point() or value.is_complex()):
        return value  # integer and bool tensors cannot hold NaN or inf
    data = value.detach()
    if not bool(torch.isfinite(data).all()):  # one reduction on the common, finite path
        nan = int(torch.isnan(data).sum())
        bad = int((~torch.isfinite(data)).sum())
        raise ValueError(
            f"{name} must hold finite numbers (no NaN or ±inf), got {nan} NaN and "
            f"{bad - nan} infinite of {value.numel()} entries"
        )
    return value


def check_instance(name: str, value: object, types, what: str):
    """``value`` if it is an instance of ``types``; else a TypeError saying ``what`` is wanted
    (such as ``"a torch.nn.Module"``) and what was given."""
    _check_name(name)
    if not _is_types(types):
        raise TypeError(f"types must be a class, a union or a tuple of classes, got {types!r:.80}")
    if not isinstance(what, str) or not what:
        raise TypeError(f"what must say what is wanted (a non-empty str), got {what!r}")
    if not isinstance(value, types):
        shown = repr(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {shown}")
    return value


def _is_types(types: object) -> bool:
    """Whether ``types`` is what ``isinstance`` takes as its second argument."""
    if isinstance(types, tuple):
        return bool(types) and all(_is_types(t) for t in types)
    return isinstance(types, type | _types.UnionType)


def check_sequence(
    name: str,
    value: object,
    *,
    of: type | tuple[type, ...] | None = None,
    length: int | None = None,
    min_length: int = 0,
    max_length: int = 1_000_000,
) -> tuple:
    """``value`` as a tuple if it is a list or tuple (not a str) of ``length`` items (or of
    ``min_length`` to ``max_length``), each an instance of ``of`` where given (bools are not ints)."""
    _check_name(name)
    if of is not None and not _is_types(of):
        raise TypeError(f"of must be None, a class or a tuple of classes, got {of!r:.80}")
    _check_bound("length", length, optional=True)
    _check_bound("min_length", min_length)
    _check_bound("max_length", max_length)
    if (length is not None and length < 0) or not 0 <= min_length <= max_length:
        raise ValueError(
            "length must be None or >= 0 and 0 <= min_length <= max_length, got "
            f"length={length}, min_length={min_length}, max_length={max_length}"
        )
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list or tuple, got {type(value).__name__} {value!r:.80}")
    items = tuple(value)
    if length is not None and len(items) != length:
        raise ValueError(f"{name} must have {length} items, got {len(items)}: {value!r:.80}")
    if not min_length <= len(items) <= max_length:
        raise ValueError(f"{name} must have {min_length} to {max_length:_} items, got {len(items)}")
    if of is not None:
        for i, item in enumerate(items):
            wrong_bool = isinstance(item, bool) and of in (int, Integral, float, Real)
            if wrong_bool or not isinstance(item, of):
                wanted = (
                    of.__name__ if isinstance(of, type) else " or ".join(t.__name__ for t in of)
                )
                raise TypeError(f"{name}[{i}] must be of type {wanted}, got {item!r:.80}")
    return items


def check_same_shape(**tensors: object) -> None:
    """Every keyword a tensor, all of one shape.

    Elementwise arithmetic broadcasts silently: ``[B]`` against ``[B, 1]`` gives ``[B, B]``
    and a mean over it is a wrong number with no error. Checking the shapes at the edge turns
    that into a message naming the arguments.
    """
    for name, value in tensors.items():
        check_tensor(name, value)
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {list(shape)}" for name, shape in shapes.items())
        raise ValueError(f"{', '.join(shapes)} must all have the same shape, got {listed}")


def check_env_id(value: object, name: str = "env_id") -> str:
    """``value`` if it is the id of a registered gymnasium environment, such as ``"CartPole-v1"``."""
    import gymnasium as gym

    _check_name(name)
    if not isinstance(value, str) or value not in gym.registry:
        error = ValueError if isinstance(value, str) else TypeError
        raise error(
            f"{name} must be a registered gymnasium id such as 'CartPole-v1', got {value!r}"
        )
    return value


def check_params(params: object, default, name: str = "params"):
    """``default`` (a model's own weights) if ``params`` is None, else ``params`` if it is a
    non-empty mapping of names to tensors.

    ``params or default`` would treat an empty dict as "use the defaults" and silently run
    the wrong weights; an empty dict is refused instead. ``default`` is handed back as it is
    (the caller's own weights).
    """
    _check_name(name)
    if params is None:
        return default
    if not isinstance(params, Mapping):
        raise TypeError(f"{name} must be a dict of weight tensors or None, got {params!r}")
    if not params:
        raise ValueError(
            f"{name} must hold the model's weights (a non-empty dict), got an empty dict; "
            "pass None for the model's own"
        )
    import torch

    for key, weight in params.items():
        if not isinstance(weight, torch.Tensor):
            raise TypeError(f"{name}[{key!r}] must be a torch.Tensor, got {type(weight).__name__}")
    return params


# -- Ranges declared with a config's fields ---------------------------------------------------
#
# A config states each field's accepted values where it declares the field, as pydantic's
# ``Field(ge=..., le=...)`` or an attrs validator does, but with nothing beyond ``dataclasses``:
#
#     num_envs: int = bounded(16, 1, 4096)
#     gamma: float = bounded(0.98, 0.0, 1.0)
#     variant: str = choice("baseline", VARIANTS)
#     anneal_lr: bool = declared(True, FLAG)
#     hidden_sizes: tuple[int, ...] = declared((64, 64), WIDTHS)
#
# The spec lives in the field's ``metadata["range"]``. ``check_declared(self)``, called first in
# every config's ``__post_init__``, checks each field against it (the messages of ``check_int``
# and ``check_real``); ``declared_ranges(cls)`` hands the specs to tests that generate bad and
# edge values from them. Only the checks between fields stay in ``__post_init__``.


@dataclass(frozen=True)
class Range:
    """The numbers a field accepts: ``low`` to ``high`` (closed unless ``*_open``).

    ``integer`` fields take ints only (bools refused); ``high=math.inf`` means no cap, which
    only float fields may have. ``optional`` also accepts ``None`` (a switch that is off).
    """

    low: float
    high: float
    integer: bool = False
    low_open: bool = False
    high_open: bool = False
    optional: bool = False

    def __post_init__(self) -> None:
        # A declaration is code too: a typo here would silently accept or refuse every value.
        for flag in ("integer", "low_open", "high_open", "optional"):
            check_bool(flag, getattr(self, flag))
        check_real("low", self.low, -1e300, 1e300)  # a finite number: every range has a floor
        if isinstance(self.high, bool) or not isinstance(self.high, Real) or math.isnan(self.high):
            raise ArgumentTypeError(f"high must be a number or math.inf, got {self.high!r}")
        if self.high < self.low or (self.integer and math.isinf(self.high)):
            raise ValueError(
                f"high must be >= low, and finite for an integer range, got low={self.low}, "
                f"high={self.high}"
            )

    def check(self, name: str, value: object):
        """``value`` if this range accepts it (the message names ``name``), else an error."""
        _check_name(name)
        if value is None and self.optional:
            return None
        if not self.integer:
            lo_open, hi_open = self.low_open, self.high_open
            return check_real(name, value, self.low, self.high, lo_open=lo_open, hi_open=hi_open)
        if self.high_open:  # a half-open integer range: the seeds' [0, 2**63)
            bounds = f"in [{self.low}, {_power(self.high)})"
            value = _number_of_0d_tensor(name, value, integer=True, wanted=f"an integer {bounds}")
            if isinstance(value, bool) or not isinstance(value, Integral):
                raise ArgumentTypeError(f"{name} must be an integer {bounds}, got {value!r}")
            if not self.low <= value < self.high:
                raise ValueError(f"{name} must be an integer {bounds}, got {value}")
            return int(value)
        return check_int(name, value, int(self.low), int(self.high))

    @property
    def edges(self) -> tuple[float, ...]:
        """The accepted extremes (closed, finite ends only): each must construct."""
        ends = [] if self.low_open else [self.low]
        if not self.high_open and math.isfinite(self.high):
            ends.append(self.high)
        return tuple(int(e) if self.integer else e for e in ends)

    @property
    def outside(self) -> tuple[float, ...]:
        """The nearest refused values just beyond each finite end."""
        if self.integer:
            values = [int(self.low) - 1]
            if math.isfinite(self.high):
                values.append(int(self.high) if self.high_open else int(self.high) + 1)
            return tuple(values)
        below = self.low if self.low_open else math.nextafter(self.low, -math.inf)
        values = [below]
        if math.isfinite(self.high):
            values.append(self.high if self.high_open else math.nextafter(self.high, math.inf))
        return tuple(values)


def _power(n: float) -> str:
    """``2**63`` rather than nineteen digits, for a bound that is a large power of two."""
    k = int(n).bit_length() - 1
    return f"2**{k}" if k >= 32 and 2**k == n else f"{int(n):_}"


@dataclass(frozen=True)
class Choice:
    """One of the strings ``options``."""

    options: tuple[str, ...]

    def __post_init__(self) -> None:
        options = check_sequence("options", self.options, of=str, min_length=1)
        object.__setattr__(self, "options", options)

    def check(self, name: str, value: object) -> str:
        """``value`` if it is one of the options, else an error naming ``name``."""
        return check_choice(name, value, self.options)


@dataclass(frozen=True)
class Checked:
    """A value that a named check function accepts: ``check(value, name) -> value``.

    For what is not a number or a choice: a flag, a device, layer widths, an env id.
    """

    function: Callable[[object, str], object]

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise TypeError(
                f"function must be a check (value, name) -> value, got {self.function!r:.80}"
            )

    def check(self, name: str, value: object):
        """``value`` as the check function hands it back (its error names ``name``)."""
        _check_name(name)
        return self.function(value, name)


@dataclass(frozen=True)
class Widths:
    """MLP layer widths: at most ``max_layers`` entries (at least one if ``nonempty``), each in
    ``[1, max_width]``."""

    nonempty: bool = False
    max_layers: int | None = None
    max_width: int = 4096

    def __post_init__(self) -> None:
        check_bool("nonempty", self.nonempty)
        if self.max_layers is not None:
            check_int("max_layers", self.max_layers, 1)
        check_int("max_width", self.max_width, 1)

    def check(self, name: str, value: object) -> tuple[int, ...]:
        """``value`` as a tuple of widths within this spec's caps, else an error naming ``name``."""
        widths = check_hidden_sizes(value, name)
        if self.nonempty and not widths:
            raise ValueError(f"{name} must hold at least one layer width, got ()")
        too_many = self.max_layers is not None and len(widths) > self.max_layers
        if too_many or max(widths, default=1) > self.max_width:
            raise ValueError(
                f"{name} must be at most {self.max_layers} widths in [1, {self.max_width}], "
                f"got {widths}"
            )
        return widths


Spec = Range | Choice | Checked | Widths


def _bool(value: object, name: str) -> bool:
    return check_bool(name, value)


def _device(value: object, name: str):
    check_device(value, name)
    return value  # kept as given (a string stays a string in the config and its checkpoint)


#: The common specs: a True/False switch, a seed, a device, MLP widths, a gymnasium id.
FLAG = Checked(_bool)
SEED = Range(0, MAX_SEED + 1, integer=True, high_open=True)
DEVICE = Checked(_device)
WIDTHS = Widths()
ENV_ID = Checked(check_env_id)


def declared(default, spec: Spec, **field_kwargs):
    """A dataclass field with default ``default`` whose accepted values are ``spec``; the
    default must be one of them (a declaration is code too: see :class:`Range`)."""
    check_instance(
        "spec", spec, Range | Choice | Checked | Widths, "a Range, Choice, Checked or Widths"
    )
    if isinstance(default, list | dict | set):
        raise TypeError(f"default must be an immutable default (use a tuple), got {default!r:.80}")
    spec.check("default", default)
    return dataclasses.field(default=default, metadata={"range": spec}, **field_kwargs)


def bounded(
    default,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
    optional: bool = False,
):
    """A field of numbers in ``[low, high]``: integers if ``default`` is an int (so write
    ``0.0``, not ``0``, for a float field), floats otherwise; ``None`` default = optional."""
    check_bool("optional", optional)  # before `optional or ...` reads it as a truth value
    integer = isinstance(default, int) and not isinstance(default, bool)
    spec = Range(low, high, integer, low_open, high_open, optional or default is None)
    return declared(default, spec)


def choice(default: str, options: Sequence[str]):
    """A field that takes one of the strings ``options``."""
    listed = isinstance(options, Collection) and not isinstance(options, str | bytes)
    return declared(default, Choice(tuple(options) if listed else options))


def declared_ranges(config_cls) -> dict[str, Spec]:
    """Each field of a config dataclass (class or instance) mapped to its declared spec.

    The public way for tests and tools to read what a config accepts: ``Range`` fields give
    their ``low``/``high``/``edges``/``outside``; every spec has ``check(name, value)``.
    Fields declared without a spec are left out.
    """
    if not dataclasses.is_dataclass(config_cls):
        raise TypeError(
            f"config_cls must be a dataclass (class or instance), got {config_cls!r:.80}"
        )
    return {
        f.name: f.metadata["range"] for f in dataclasses.fields(config_cls) if "range" in f.metadata
    }


def check_declared(config) -> None:
    """Check every declared field of ``config`` against its spec, in declaration order, and
    store the normalised value (an int, a float, a tuple of widths). Raises the spec's
    ``TypeError``/``ValueError``, naming the field, the accepted values and what was given."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"config must be a dataclass instance, got {config!r:.80}")
    for name, spec in declared_ranges(config).items():
        object.__setattr__(config, name, spec.check(name, getattr(config, name)))
