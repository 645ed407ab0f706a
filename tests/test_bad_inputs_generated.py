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
import pkgutil
import types
import typing
from collections.abc import Callable
from pathlib import Path

import bad_inputs
import pytest
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


def public_callables() -> dict[str, Callable]:
    """``{"module.name": callable}`` for every public function and class (see the rule above)."""
    found: dict[str, Callable] = {}
    for module in public_modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) and _is_swept_elsewhere_or_paramless(obj):
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found[f"{module.__name__}.{name}"] = obj
    return found


def parameters(obj: Callable) -> list[tuple[inspect.Parameter, object]]:
    """``(parameter, resolved annotation)`` pairs; ``self`` dropped; unresolved → the string."""
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
    """The kind of bad values an annotation calls for, or None when it says too little."""
    base, _ = _strip_optional(annotation)
    if base is bool:
        return "bool"
    if base is int:
        return "int"
    if base is float:
        return "float"
    if base is str:
        return "str"
    if typing.get_origin(base) is typing.Literal:
        return "literal"
    if base is torch.Tensor:
        return "tensor"
    if base is torch.Generator:
        return "generator"
    if typing.get_origin(base) is collections.abc.Callable or base is collections.abc.Callable:
        return "callable"
    if (
        isinstance(base, type)
        and dataclasses.is_dataclass(base)
        and base.__name__.endswith("Config")
    ):
        return "config"
    return None


_NAN = float("nan")


def bad_values(annotation: object) -> list[tuple[str, object]]:
    """``(label, bad value)`` pairs for one parameter, generated from its annotation."""
    base, optional = _strip_optional(annotation)
    k = kind(annotation)
    none = [] if optional else [("None", None)]
    if k == "bool":
        return [("str", "yes"), ("int", 1), *none]
    if k == "int":
        return [("str", "3"), ("float", 2.5), ("bool", True), *none]
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
    return []


# ------------------------------------------------------------------------ valid baselines
#: Valid example values for required parameters, by kind (small, so that no baseline trains).
VALID_BY_KIND: dict[str, Callable[[], object]] = {
    "int": lambda: 2,
    "float": lambda: 0.5,
    "bool": lambda: True,
    "generator": lambda: torch.Generator().manual_seed(0),
}


def _lazy(make: Callable[[], object]) -> Callable[[], object]:
    return bad_inputs.Lazy(make)


def _rl2_agent():
    from course_lib.rl2.train import RL2Config, make_agent
    from course_lib.tasks import bandits

    env = bandits.BernoulliBanditVectorEnv(num_envs=2, k=2, episodes_per_trial=2)
    return make_agent(env, RL2Config(hidden_size=8))


def _pearl_agent():
    from course_lib.pearl.train import PEARLConfig, make_agent

    return make_agent(PEARLConfig(hidden_sizes=(8,), encoder_hidden_sizes=(8,)))


def _gaussian_policy():
    from course_lib.maml_rl.train import GaussianPolicy

    return GaussianPolicy((8,))


def _reinforce_agent():
    from course_lib.pg import ReinforceAgent

    return ReinforceAgent(4, 2, (8,))


def _chain_mdp():
    from course_lib.tabular import chain_mdp

    return chain_mdp(3)


#: Where the kind is not enough: by parameter name (tensors of one shape where the name is
#: used alike across modules: a rollout's four steps, a batch of goals on the plane).
VALID_BY_NAME: dict[str, Callable[[], object]] = {
    "goals": lambda: torch.tensor([[0.1, 0.2], [0.3, -0.1]]),
    "goal": lambda: torch.tensor([0.1, 0.2]),
    "mdp": _lazy(_chain_mdp),
    "tasks": bad_inputs.TASKS,
    "params": bad_inputs.SINE_PARAMS,
    "model": bad_inputs.SINE,
    "x": lambda: bad_inputs.K5,
    "y": lambda: bad_inputs.K5,
    "env_id": lambda: "CartPole-v1",
    **{
        name: (lambda: torch.zeros(4))
        for name in ("rewards", "values", "returns", "advantages", "logprob", "old_logprob")
    },
}


def _tabular_policy():
    return torch.full((3, 2), 0.5)  # chain_mdp(3): 3 states, 2 actions


def _first_baseline():
    from course_lib.rl2.baselines import BASELINES

    return BASELINES[0]


#: Where neither is enough: the missing required arguments of one callable.
VALID_BY_CALLABLE: dict[str, Callable[[], dict[str, object]]] = {
    "course_lib.ppo.ppo_loss": lambda: {"old_values": torch.zeros(4), "entropy": torch.zeros(4)},
    "course_lib.ppo.compute_gae": lambda: {
        "next_values": torch.zeros(4),
        "terminated": torch.zeros(4),
        "episode_end": torch.zeros(4),
    },
    "course_lib.rl2.baselines.run_baseline": lambda: {"name": _first_baseline()},
    "course_lib.rl2.baselines.baseline_returns": lambda: {
        "name": _first_baseline(),
        "arm_probs": __import__("numpy").array([[0.2, 0.8]]),
    },
    "course_lib.claims.at_least": lambda: {"statement": "a claim"},
    "course_lib.claims.at_most": lambda: {"statement": "a claim"},
    "course_lib.tabular.score_function_gradient": lambda: {"theta": torch.zeros(3, 2)},
    "course_lib.tabular.policy_evaluation": lambda: {"policy": _tabular_policy()},
    "course_lib.tabular.sample_episodes": lambda: {"policy": _tabular_policy()},
    "course_lib.td.sample_runs": lambda: {"policy": _tabular_policy()},
    "course_lib.evaluation.evaluate": lambda: {"agent": bad_inputs.AGENT(), "episodes": 2},
}

#: By annotation (a class): the library's own objects at tiny sizes.
VALID_BY_TYPE: dict[str, Callable[[], object]] = {
    "RecurrentActorCritic": _lazy(_rl2_agent),
    "PEARLAgent": _lazy(_pearl_agent),
    "GaussianPolicy": _lazy(_gaussian_policy),
    "ReinforceAgent": _lazy(_reinforce_agent),
    "TabularMDP": _lazy(_chain_mdp),
}

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
    """Keyword arguments of a valid call (the required ones only), or None if one has no example."""
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
            if value is _NO_VALUE or param.kind is param.POSITIONAL_ONLY:
                return None
            kwargs[param.name] = value
    return kwargs


#: Callables with no baseline here: a valid call trains or builds a data set (seconds to minutes),
#: so a bad value that slipped through would run that long. Their parameters are in the
#: unreached list until a cheap valid call exists.
NO_BASELINE = {
    "course_lib.maml_rl.train.train_maml_rl": "trains",
    "course_lib.maml_rl.bandits.train_bandit_maml": "trains",
    "course_lib.pearl.train.train_pearl": "trains",
    "course_lib.meta.characters.build_character_set": "renders a character set (minutes)",
    "course_lib.meta.characters.common_characters": "reads the font tables (2.5 s)",
    "course_lib.meta.images.digit_split": "builds the digit data set",
    "course_lib.rl2.baselines.discounted_gittins_table": "solves the Gittins table (1.5 s)",
    "course_lib.sampling.iterate_minibatches": "needs at least one tensor (*tensors)",
    "course_lib.compare.maml_rl_vs_rl2.rl2_episode_returns": "needs a navigation-trained agent",
    "course_lib.compare.maml_rl_vs_rl2.rl2_paths": "needs a navigation-trained agent",
    "course_lib.widgets.maml_rl.maml_rl_explorer": "needs a navigation-trained agent",
    "course_lib.maml_rl.dice.dice_surrogate": "needs time-major [T, N] tensors",
    "course_lib.maml_rl.dice.reinforce_surrogate": "needs time-major [T, N] tensors",
    "course_lib.meta.blackbox.blackbox_mse": "needs a black-box model, not the sine regressor",
    "course_lib.meta.images.check_images": "needs [..., 1, 8, 8] images",
}


#: Result records: dataclasses the library builds from values it has already checked and hands
#: back (a student reads them, never builds one), so their fields are not an input edge.
RECORDS = {
    "course_lib.compare.meta_rl.LearningCurve": "built by compare.meta_rl from a run's history",
    "course_lib.exercises.sandbox.Outcome": "built by the sandbox from a child's report",
    "course_lib.stats.Interval": "built by stats.mean_ci and friends from checked samples",
}

#: Gaps the sweep found in files other helpers own this session (reported to the lead, not fixed
#: here), by case id or by ``callable-parameter`` for all its cases. ``strict`` xfail: the day one is fixed its case passes and must leave this table.
KNOWN_GAPS: dict[str, str] = {
    # A case id (or callable-parameter) the library still gets wrong, with why: the case runs as
    # a strict xfail, so fixing the gap fails the test until the entry leaves this table.
}


#: Generated bad values that a callable accepts on purpose, a reason each; the test checks it
#: does (so the table cannot hide a crash).
INTENDED = {
    "course_lib.claims.at_least-value-nan": "a diverged run's NaN makes its claim fail, visibly",
    "course_lib.claims.at_most-value-nan": "a diverged run's NaN makes its claim fail, visibly",
    "course_lib.validation.Range-high-inf": "high=math.inf declares a float field with no cap",
}


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
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
                continue
            for label, value in bad_values(annotation):
                case_id = f"{qualname}-{param.name}-{label}"
                if case_id in INTENDED:
                    continue
                gap = KNOWN_GAPS.get(case_id) or KNOWN_GAPS.get(f"{qualname}-{param.name}")
                marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
                cases.append(pytest.param(obj, kwargs, param.name, value, id=case_id, marks=marks))
    return cases


CASES = generated_cases()


@pytest.mark.parametrize("case_id", sorted(INTENDED))
def test_intended_accepts_are_accepted(case_id):
    """What :data:`INTENDED` lists really is accepted: the call returns."""
    qualname, name, label = case_id.split("-", 2)
    obj = public_callables()[qualname]
    value = dict(bad_values(dict((p.name, a) for p, a in parameters(obj))[name]))[label]
    with time_limit(TIMEOUT_S):
        obj(**{**baseline(obj), name: value})


def swept_callables() -> list:
    found = public_callables()
    return [
        pytest.param(found[q], id=q) for q in sorted({case.id.split("-", 1)[0] for case in CASES})
    ]


@pytest.mark.parametrize("obj", swept_callables())
def test_baseline_call_is_valid(obj):
    """The valid call every case starts from returns: so each case's error is the bad value's."""
    with time_limit(TIMEOUT_S):
        result = obj(**baseline(obj))
        if isinstance(result, contextlib.AbstractContextManager):
            with result:
                pass
        elif isinstance(result, types.GeneratorType):
            next(result, None)


@pytest.mark.parametrize("obj, kwargs, name, value", CASES)
def test_generated_bad_input_gives_a_clear_error(obj, kwargs, name, value):
    """One bad value in an otherwise valid call: a TypeError/ValueError within the time limit
    whose message names the parameter and says what was given ("got")."""
    call = {**kwargs, name: value}
    with time_limit(TIMEOUT_S):
        try:
            result = obj(**call)
            if isinstance(result, contextlib.AbstractContextManager):
                with result:  # a @contextmanager checks its arguments when entered
                    pass
            elif isinstance(result, types.GeneratorType):
                next(result, None)  # so does a generator, when first advanced
        except TimeoutError:
            raise
        except Exception as err:  # noqa: BLE001 - every exception is judged below
            assert isinstance(err, TypeError | ValueError), f"raw error {err!r}"
            assert name in str(err) and "got" in str(err), f"unclear message {str(err)!r}"
            return
    pytest.fail(f"{name}={value!r} accepted silently, returned {result!r}")


# --------------------------------------------------------------------------------- coverage
#: Parameters no generated value can honestly be wrong for, a reason each. (``*args`` and
#: ``**kwargs`` are exempt by rule: they pass through to a callee that checks its own.)
EXEMPT: dict[str, str] = {}


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
    return {case.id.rsplit("-", 1)[0] for case in CASES if not case.id.endswith("--inf")} | {
        case.id[: -len("--inf")] for case in CASES if case.id.endswith("--inf")
    }


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
