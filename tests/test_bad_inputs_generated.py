"""The bad-input sweep generated from the code (issue #28, "Generate the sweep").

Every public callable of ``course_lib`` is discovered by walking its modules; each parameter's
annotation (``typing.get_type_hints``) gives the bad values to try, and a registry of valid
example values gives the baseline call into which one bad value at a time is substituted. Each
case must raise a ``TypeError``/``ValueError`` naming the parameter and saying what was given
("got"), within ``bad_inputs.TIMEOUT_S`` (the rules of ``tests/bad_inputs.py``).

**Public**, the rule: a function or class whose name has no leading underscore, defined in (not
imported into) a module of ``course_lib`` none of whose dotted components has a leading
underscore (``widgets._base`` and ``widgets._grid`` are internals). A class contributes its
constructor's parameters. Config dataclasses (``*Config``) are swept field by field in
``tests/test_bad_inputs_configs.py`` and are not repeated here; exceptions, enums and protocols
have no parameters of their own to check.

The coverage test (:func:`test_every_public_parameter_is_reached_or_listed`) fails when a public
parameter is neither reached by the generated cases, nor in :data:`EXEMPT` (a reason each), nor
in ``tests/bad_inputs_unreached.txt`` — the parameters this sweep does not reach *yet*: that list
may only shrink (a listed parameter that the sweep now reaches fails the test until removed).
"""

from __future__ import annotations

import collections.abc
import contextlib
import dataclasses
import enum
import importlib
import inspect
import math
import os
import pkgutil
import types
import typing
from collections.abc import Callable
from pathlib import Path

import pytest
import sweep_registry
import torch
from bad_inputs import TIMEOUT_S, time_limit

import course_lib

UNREACHED_FILE = Path(__file__).with_name("bad_inputs_unreached.txt")

# ------------------------------------------------------------------------------- discovery


def public_modules() -> list[types.ModuleType]:
    """course_lib's modules, private ones (a component starting with ``_``) left out."""
    names = ["course_lib"] + [
        m.name for m in pkgutil.walk_packages(course_lib.__path__, "course_lib.")
    ]
    public = [n for n in names if not any(part.startswith("_") for part in n.split("."))]
    return [importlib.import_module(n) for n in sorted(public)]


def _is_swept_elsewhere_or_paramless(obj: type) -> bool:
    return (
        (dataclasses.is_dataclass(obj) and obj.__name__.endswith("Config"))
        or issubclass(obj, BaseException | enum.Enum)
        or getattr(obj, "_is_protocol", False)
        or typing.is_typeddict(obj)
    )


class Method:
    """A public method of a public class, called on a fresh instance each time (so that no case
    sees what an earlier one did to it). The instance comes from the registry's ``INSTANCES``
    (an env after ``reset``, say) or else from the class's own baseline call."""

    def __init__(self, cls: type, name: str):
        self.cls, self.name = cls, name
        self.function = vars(cls)[name]
        self.__module__, self.__qualname__ = cls.__module__, f"{cls.__qualname__}.{name}"

    def instance(self) -> object:
        key = f"{self.cls.__module__}.{self.cls.__qualname__}"
        if key in INSTANCES:
            return INSTANCES[key]()
        return self.cls(**baseline(self.cls))

    def has_instance(self) -> bool:
        key = f"{self.cls.__module__}.{self.cls.__qualname__}"
        return key in INSTANCES or (key not in NO_BASELINE and baseline(self.cls) is not None)

    def __call__(self, *args, **kwargs):
        return getattr(self.instance(), self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<method {self.__module__}.{self.__qualname__}>"


def _public_methods(cls: type) -> dict[str, Method]:
    """The plain functions a class defines itself (not inherited, not static or class methods,
    not properties), with no leading underscore."""
    return {
        name: Method(cls, name)
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member)
    }


def public_callables() -> dict[str, Callable]:
    """``{"module.name": callable}`` for every public function and class (see the rule above),
    and ``{"module.Class.method": Method}`` for each public method of those classes."""
    found: dict[str, Callable] = {}
    for module in public_modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) and _is_swept_elsewhere_or_paramless(obj):
                continue
            if inspect.isfunction(inspect.unwrap(obj)) or inspect.isclass(obj):
                found[f"{module.__name__}.{name}"] = obj
            if inspect.isclass(obj):
                for method_name, method in _public_methods(obj).items():
                    found[f"{module.__name__}.{name}.{method_name}"] = method
    return found


def parameters(obj: Callable) -> list[tuple[inspect.Parameter, object]]:
    """``(parameter, resolved annotation)`` pairs; ``self`` dropped; unresolved → the string."""
    if isinstance(obj, Method):
        obj = obj.function
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # noqa: BLE001 - a forward reference that cannot resolve: keep the strings
        hints = {}
    try:
        sig = inspect.signature(obj)
    except ValueError:  # a builtin's subclass (i18n.Text is a str): no Python-level signature
        return []
    return [(p, hints.get(p.name, p.annotation)) for p in sig.parameters.values()]


# ------------------------------------------------------------------------ annotation kinds


def _strip_optional(annotation: object) -> tuple[object, bool]:
    """``(X, True)`` for ``X | None``; ``(annotation, False)`` otherwise."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else annotation), True
    return annotation, False


def kind(annotation: object) -> str | None:
    """The kind of bad values an annotation calls for, or None when it says too little
    (``object``, ``Any``, no annotation: :data:`BAD_BY_PARAM` or :data:`EXEMPT` says)."""
    base, _ = _strip_optional(annotation)
    origin = typing.get_origin(base)
    if base is bool:
        return "bool"
    if base is int:
        return "int"
    if base is float:
        return "float"
    if base is str:
        return "str"
    if origin is typing.Literal:
        return "literal"
    if base is torch.Tensor:
        return "tensor"
    if base is torch.Generator:
        return "generator"
    if origin is collections.abc.Callable or base is collections.abc.Callable:
        return "callable"
    if (
        isinstance(base, type)
        and dataclasses.is_dataclass(base)
        and base.__name__.endswith("Config")
    ):
        return "config"
    if origin in (collections.abc.Mapping, dict) or base in (dict, collections.abc.Mapping):
        return "mapping"
    if origin in (collections.abc.Sequence, tuple, list) or base in (tuple, list):
        return "sequence"
    if origin in (typing.Union, types.UnionType):
        return "union"
    if isinstance(base, type) and base not in (object, inspect.Parameter.empty):
        return "class"
    return None


_NAN = float("nan")


def _element_type(annotation: object) -> object:
    args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return args[0] if args else None


def bad_values(annotation: object) -> list[tuple[str, object]]:
    """``(label, bad value)`` pairs for one parameter, generated from its annotation.

    ``object()`` is the universal wrong type: no annotation but ``object``/``Any`` admits it."""
    base, optional = _strip_optional(annotation)
    k = kind(annotation)
    none = [] if optional else [("None", None)]
    if k == "bool":
        return [("str", "yes"), ("int", 1), *none]
    if k == "int":
        return [("str", "3"), ("float", 2.5), ("bool", True), ("negative", -1), *none]
    if k == "float":
        return [("str", "0.5"), ("nan", _NAN), ("inf", math.inf), ("-inf", -math.inf), *none]
    if k == "str":
        return [("int", 3), *none]
    if k == "literal":
        return [("int", 3), ("unknown", "no-such-option"), *none]
    if k == "tensor":
        return [("list", [0.0, 1.0]), *none]
    if k == "generator":
        return [("int", 3), ("str", "seed")]
    if k == "callable":
        return [("int", 3), *none]
    if k == "config":  # another object in place of a config (a dict of its fields, say)
        return [("dict", {"seed": 0}), *none]
    if k == "mapping":
        return [("list", [1, 2]), *none]
    if k == "sequence":
        element = _element_type(base) in (int, float)
        return [
            ("int", 3),
            ("object", object()),
            *([("str_element", ("x",))] if element else []),
            *none,
        ]
    if k in ("union", "class"):
        return [("object", object()), *none]
    return []


def _with_one_nan(tensor: torch.Tensor) -> torch.Tensor:
    bad = tensor.detach().clone()
    bad.view(-1)[0] = _NAN
    return bad


def case_values(qualname: str, param: inspect.Parameter, annotation: object, kwargs: dict):
    """Every ``(label, bad value)`` of one parameter: from its annotation, a NaN in its valid
    tensor (when the baseline has a floating one), and the area's hand-written ones."""
    values = bad_values(annotation)
    valid = kwargs.get(param.name)
    if isinstance(valid, torch.Tensor) and valid.is_floating_point() and valid.numel():
        values.append(("nan", _with_one_nan(valid)))
    # A hand-written value under a generated label replaces it (the area says it better).
    hand = dict(BAD_BY_PARAM.get(f"{qualname}-{param.name}", list)())
    values = [(label, v) for label, v in values if label not in hand] + list(hand.items())
    if any("-" in label.lstrip("-") for label in hand):
        # the case id is "callable-parameter-label": a "-" inside a label would misplace the split
        raise ValueError(f"{qualname}-{param.name}: labels must not hold '-': {sorted(hand)}")
    return values


# ------------------------------------------------------------------------ valid baselines
# The registry lives in tests/sweep_registry/, one module per area of course_lib.
#: Valid example values for required parameters, by kind (small, so that no baseline trains).
VALID_BY_KIND: dict[str, Callable[[], object]] = {
    "int": lambda: 2,
    "float": lambda: 0.5,
    "bool": lambda: True,
    "generator": lambda: torch.Generator().manual_seed(0),
}
VALID_BY_NAME = sweep_registry.merged("VALID_BY_NAME")
VALID_BY_TYPE = sweep_registry.merged("VALID_BY_TYPE")
VALID_BY_CALLABLE = sweep_registry.merged("VALID_BY_CALLABLE")
BAD_BY_PARAM = sweep_registry.merged("BAD_BY_PARAM")
NO_BASELINE = sweep_registry.merged("NO_BASELINE")
RECORDS = sweep_registry.merged("RECORDS")
INTENDED = sweep_registry.merged("INTENDED")
EXEMPT = sweep_registry.merged("EXEMPT")
KNOWN_GAPS = sweep_registry.merged("KNOWN_GAPS")
HUGE_CONTRADICTS = sweep_registry.merged("HUGE_CONTRADICTS")
INSTANCES = sweep_registry.merged("INSTANCES")
POSITIONAL = sweep_registry.merged("POSITIONAL")

_NO_VALUE = object()


def valid_value(param: inspect.Parameter, annotation: object) -> object:
    """A valid example for a required parameter, or ``_NO_VALUE`` when the registry has none."""
    if param.name in VALID_BY_NAME:
        return VALID_BY_NAME[param.name]()
    type_name = getattr(_strip_optional(annotation)[0], "__name__", None)
    if type_name in VALID_BY_TYPE:
        return VALID_BY_TYPE[type_name]()
    k = kind(annotation)
    if k == "literal":
        return typing.get_args(_strip_optional(annotation)[0])[0]
    return VALID_BY_KIND[k]() if k in VALID_BY_KIND else _NO_VALUE


def baseline(obj: Callable) -> dict[str, object] | None:
    """Keyword arguments of a valid call (the required ones only), or None if one has no example
    (or, for a method, its class has no instance)."""
    if isinstance(obj, Method) and not obj.has_instance():
        return None
    kwargs: dict[str, object] = {}
    given = VALID_BY_CALLABLE.get(f"{obj.__module__}.{obj.__qualname__}", dict)()
    for param, annotation in parameters(obj):
        if param.name in given:
            kwargs[param.name] = given[param.name]
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.name == "self":
            continue
        if param.default is param.empty:
            value = valid_value(param, annotation)
            if value is _NO_VALUE:
                return None
            kwargs[param.name] = value
    return kwargs


def generated_cases() -> list:
    """One ``pytest.param`` per (callable, parameter, bad value), ids ``module.name-param-label``."""
    cases = []
    for qualname, obj in public_callables().items():
        if qualname in NO_BASELINE or qualname in RECORDS:
            continue
        kwargs = baseline(obj)
        if kwargs is None:
            continue
        for param, annotation in parameters(obj):
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            for label, value in case_values(qualname, param, annotation, kwargs):
                case_id = f"{qualname}-{param.name}-{label}"
                if case_id in INTENDED:
                    continue
                gap = KNOWN_GAPS.get(case_id) or KNOWN_GAPS.get(f"{qualname}-{param.name}")
                marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
                cases.append(pytest.param(obj, kwargs, param.name, value, id=case_id, marks=marks))
    return cases


def invoke(obj: Callable, arguments: dict[str, object]) -> object:
    """``obj(...)`` with ``arguments`` by name, but positional-only ones by position, in order,
    followed by the registry's ``POSITIONAL`` values for a ``*args`` parameter."""
    arguments = dict(arguments)
    positional = [
        arguments.pop(p.name)
        for p, _ in parameters(obj)
        if p.kind is p.POSITIONAL_ONLY and p.name in arguments
    ]
    star = POSITIONAL.get(f"{obj.__module__}.{obj.__qualname__}", tuple)()
    return obj(*positional, *star, **arguments)


def drive(result: object) -> None:
    """Run what a call hands back far enough for it to check its arguments: a ``@contextmanager``
    checks them when entered, a generator when first advanced. (A ``pathlib.Path`` is a context
    manager too, a deprecated no-op: it is left alone.)"""
    if isinstance(result, contextlib.AbstractContextManager) and not isinstance(
        result, os.PathLike
    ):
        with result:
            pass
    elif isinstance(result, types.GeneratorType):
        next(result, None)


CASES = generated_cases()


@pytest.mark.parametrize("case_id", sorted(INTENDED))
def test_intended_accepts_are_accepted(case_id):
    """What :data:`INTENDED` lists really is accepted: the call returns."""
    qualname, name, label = case_id.split("-", 2)
    obj = public_callables()[qualname]
    kwargs = baseline(obj)
    param, annotation = next((p, a) for p, a in parameters(obj) if p.name == name)
    value = dict(case_values(qualname, param, annotation, kwargs))[label]
    with time_limit(TIMEOUT_S):
        invoke(obj, {**kwargs, name: value})


def swept_callables() -> list:
    found = public_callables()
    return [
        pytest.param(found[q], id=q) for q in sorted({case.id.split("-", 1)[0] for case in CASES})
    ]


@pytest.mark.parametrize("obj", swept_callables())
def test_baseline_call_is_valid(obj):
    """The valid call every case starts from returns: so each case's error is the bad value's."""
    with time_limit(TIMEOUT_S):
        result = invoke(obj, baseline(obj))
        drive(result)


@pytest.mark.parametrize("obj, kwargs, name, value", CASES)
def test_generated_bad_input_gives_a_clear_error(obj, kwargs, name, value):
    """One bad value in an otherwise valid call: a TypeError/ValueError within the time limit
    whose message names the parameter and says what was given ("got")."""
    call = {**kwargs, name: value}
    with time_limit(TIMEOUT_S):
        try:
            result = invoke(obj, call)
            drive(result)
        except TimeoutError:
            raise
        except Exception as err:  # noqa: BLE001 - every exception is judged below
            assert isinstance(err, TypeError | ValueError), f"raw error {err!r}"
            assert name in str(err) and "got" in str(err), f"unclear message {str(err)!r}"
            return
    pytest.fail(f"{name}={value!r} accepted silently, returned {result!r}")


#: An int far beyond any size a course run uses: each int parameter must refuse it, or return
#: quickly with it (a seed, a counter in arithmetic). A raw MemoryError, a torch allocation
#: failure or a hang is a size or a work product that nothing caps.
HUGE = 10**12


def huge_cases() -> list:
    """One ``pytest.param`` per int parameter of a callable with a baseline: ``HUGE`` in it."""
    cases = []
    for qualname, obj in public_callables().items():
        if qualname in NO_BASELINE or qualname in RECORDS or (kwargs := baseline(obj)) is None:
            continue
        for param, annotation in parameters(obj):
            if kind(annotation) == "int" and param.kind not in (
                param.VAR_POSITIONAL,
                param.VAR_KEYWORD,
            ):
                cases.append(pytest.param(obj, kwargs, param.name, id=f"{qualname}-{param.name}"))
    return cases


@pytest.mark.parametrize("obj, kwargs, name", huge_cases())
def test_a_huge_int_is_refused_or_harmless(obj, kwargs, name):
    """``name=10**12`` either gets a clear error (as above) or returns within the time limit.
    Where 10**12 is a legal value that the *other* arguments then contradict (a tensor is not
    10**12-d), :data:`HUGE_CONTRADICTS` says so and the error may name them instead."""
    qualname = f"{obj.__module__}.{obj.__qualname__}"
    with time_limit(TIMEOUT_S):
        try:
            result = invoke(obj, {**kwargs, name: HUGE})
            drive(result)
        except TimeoutError:
            raise
        except Exception as err:  # noqa: BLE001 - every exception is judged below
            assert isinstance(err, TypeError | ValueError), f"raw error {err!r}"
            if f"{qualname}-{name}" in HUGE_CONTRADICTS:
                assert "got" in str(err), f"unclear message {str(err)!r}"
            else:
                assert name in str(err) and "got" in str(err), f"unclear message {str(err)!r}"


# --------------------------------------------------------------------------------- coverage
# EXEMPT (from the registry): parameters no value can honestly be wrong for, a reason each.
# ``*args`` and ``**kwargs`` are exempt by rule: they pass through to a callee that checks its own.


def all_pairs() -> set[str]:
    """``"module.name-param"`` for every public callable's every named parameter."""
    pairs = set()
    for qualname, obj in public_callables().items():
        for param, _ in parameters(obj):
            if param.name != "self" and param.kind not in (
                param.VAR_POSITIONAL,
                param.VAR_KEYWORD,
            ):
                pairs.add(f"{qualname}-{param.name}")
    return pairs


def reached_pairs() -> set[str]:
    """``"module.name-param"`` for every parameter at least one generated case reaches."""
    return {f"{case.id.split('-', 1)[0]}-{case.values[2]}" for case in CASES}


def unreached_listed() -> set[str]:
    lines = UNREACHED_FILE.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_every_public_parameter_is_reached_or_listed():
    """A public parameter is reached by a generated case, exempt (a reason), or listed as not
    reached yet; a new one that is none of these fails here, naming it."""
    pairs, reached, listed = all_pairs(), reached_pairs(), unreached_listed()
    record_pairs = {p for p in pairs if p.rsplit("-", 1)[0] in RECORDS}
    new = sorted(pairs - reached - set(EXEMPT) - record_pairs - listed)
    assert not new, f"public parameters the sweep does not reach (add a valid example): {new}"


def test_the_unreached_list_only_shrinks():
    """An entry of tests/bad_inputs_unreached.txt that the sweep now reaches, or that no longer
    exists, must leave the list."""
    pairs, listed = all_pairs(), unreached_listed()
    assert not listed & reached_pairs(), sorted(listed & reached_pairs())
    assert listed <= pairs, f"gone from the library: {sorted(listed - pairs)}"
    assert not set(EXEMPT) & reached_pairs()


def test_counts():
    """The README's "Reliability" figures for the generated sweep (printed with ``-s``)."""
    pairs, reached = all_pairs(), reached_pairs()
    print(
        f"\ngenerated sweep: {len(public_callables())} callables, {len(pairs)} parameters, "
        f"{len(reached)} reached, {len(CASES)} cases, {len(EXEMPT)} exempt, "
        f"{len(unreached_listed())} not reached yet"
    )
    assert len(reached) >= 150 and len(CASES) >= 700
