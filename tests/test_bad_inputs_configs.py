"""Bad input to every config, field by field, generated from the ranges each config declares
(``course_lib.validation.declared_ranges``) and, for wrong types, from the annotations.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from bad_inputs import (
    TIMEOUT_S,
    T,
    V,
    registry,
    remove_hypothesis_gc_callback,  # noqa: F401 (an autouse fixture: imported, it applies here)
    sweep,
    time_limit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.maml_rl.bandits import BanditMAMLConfig
from course_lib.maml_rl.train import MAMLRLConfig
from course_lib.meta.blackbox import BlackBoxConfig
from course_lib.meta.classifiers import FewShotConfig
from course_lib.meta.components import ComponentConfig
from course_lib.meta.train import MetaConfig
from course_lib.pearl.train import PEARLConfig
from course_lib.pg import ReinforceConfig
from course_lib.ppo import PPOConfig
from course_lib.rl2.train import RL2Config
from course_lib.validation import (
    FLAG,
    SEED,
    Choice,
    Range,
    Widths,
    available_device_types,
    declared_ranges,
)

CASES, case = registry()


#: Wrong types by annotation (wrong *values* come from the declared ranges below).
BAD_BY_KIND: dict[str, list[tuple[object, type[Exception]]]] = {
    "int": [("1", T), (1.5, T), (True, T), (None, T)],
    "float": [("0.1", T), (None, T), (True, T), (math.nan, V), (math.inf, V), (-math.inf, V)],
    "bool": [("False", T), (1, T), (None, T)],
    "str": [(3, T), (None, T), ("no-such-value", V)],
    "tuple[int, ...]": [("64", T), (64, T), ((0,), V), ((2.5,), T), ((10**6,), V)],
    "float | None": [("x", T), (math.nan, V), (math.inf, V)],
    "tuple[str, ...]": [(3, T), (("no-such-value",), V)],
}
#: Every config of the library: each field is swept with bad values below.
CONFIGS = [
    PPOConfig,
    MetaConfig,
    BlackBoxConfig,
    RL2Config,
    ReinforceConfig,
    FewShotConfig,
    ComponentConfig,
    MAMLRLConfig,
    BanditMAMLConfig,
    PEARLConfig,
]
#: An extreme of one field that the checks *between* fields refuse beside the other defaults
#: (a batch beyond its cap, k_min > k_support, ...): the other fields it needs to construct.
COMPANIONS: dict[tuple[str, str, float], dict[str, object]] = {
    ("PPOConfig", "num_envs", 4096): {"total_steps": 4096 * 32},
    ("PPOConfig", "num_steps", 100_000): {"num_envs": 1, "total_steps": 100_000},
    ("PPOConfig", "total_steps", 1): {
        "num_envs": 1,
        "num_steps": 1,
        "num_minibatches": 1,
        "norm_adv": False,
    },
    ("PPOConfig", "num_minibatches", 100_000): {
        "num_envs": 1,
        "num_steps": 100_000,
        "total_steps": 100_000,
        "norm_adv": False,
    },
    ("MetaConfig", "inner_steps", 0): {"method": "pretrain"},
    ("BlackBoxConfig", "k_support", 1): {"k_min": 1},
    ("BlackBoxConfig", "k_min", 10_000): {"k_support": 10_000},
    ("MAMLRLConfig", "meta_batch_size", 100_000): {"num_trajectories": 2},
    ("MAMLRLConfig", "num_trajectories", 200_000): {"meta_batch_size": 1},
    ("PEARLConfig", "num_train_tasks", 1): {"tasks_per_iteration": 1},
    ("PEARLConfig", "num_train_tasks", 10_000): {"buffer_capacity": 2222},
    ("PEARLConfig", "tasks_per_iteration", 10_000): {
        "num_train_tasks": 10_000,
        "buffer_capacity": 2222,
    },
    ("PEARLConfig", "meta_batch_size", 10_000): {"batch_size": 100, "context_size": 100},
    ("PEARLConfig", "batch_size", 100_000): {"meta_batch_size": 10},
    ("PEARLConfig", "context_size", 100_000): {"meta_batch_size": 10},
    ("PEARLConfig", "buffer_capacity", 22_222_222): {
        "num_train_tasks": 1,
        "tasks_per_iteration": 1,
    },
}
#: Devices that no CPU-only machine has (and "cuda" where no GPU is present): refused at the config.
MISSING_DEVICES = ["mps", "xpu", "hpu", "meta", "vulkan"] + (
    [] if torch.cuda.is_available() else ["cuda", "cuda:0"]
)
MISSING_DEVICES = [
    d for d in MISSING_DEVICES if torch.device(d).type not in available_device_types()
]


def _ranges(cls) -> list[tuple[str, Range]]:
    return [(name, spec) for name, spec in declared_ranges(cls).items() if isinstance(spec, Range)]


for _cls in CONFIGS:
    for _field in dataclasses.fields(_cls):
        for _value, _error in BAD_BY_KIND.get(_field.type, []):
            case(
                f"config-{_cls.__name__}.{_field.name}={_value!r}",
                lambda c=_cls, f=_field.name, v=_value: c(**{f: v}),
                _error,
                _field.name,
            )
    for _name, _spec in _ranges(_cls):
        for _value in _spec.outside:  # just below the minimum, just above the maximum
            case(
                f"config-range-{_cls.__name__}.{_name}={_value!r}",
                lambda c=_cls, f=_name, v=_value: c(**{f: v}),
                V,
                _name,
            )
    for _name, _spec in declared_ranges(_cls).items():
        if isinstance(_spec, Widths):  # one width too wide, one layer too many, none at all
            _bad = [(_spec.max_width + 1,)]
            _bad += [] if _spec.max_layers is None else [(1,) * (_spec.max_layers + 1)]
            _bad += [()] if _spec.nonempty else []
            for _value in _bad:
                case(
                    f"config-widths-{_cls.__name__}.{_name}={_value!r}",
                    lambda c=_cls, f=_name, v=_value: c(**{f: v}),
                    V,
                    _name,
                )
    case(
        f"config-{_cls.__name__}.seed=2**63",
        lambda c=_cls: c(seed=2**63),
        V,
        "seed must be an integer in [0, 2**63)",
    )
    case(f"config-{_cls.__name__}.device=gpu", lambda c=_cls: c(device="gpu"), V, "device must be")
    for _device in MISSING_DEVICES:
        case(
            f"config-{_cls.__name__}.device={_device}",
            lambda c=_cls, d=_device: c(device=d),
            V,
            f"device is {_device!r}, but this machine has no",
        )
    case(
        f"config-{_cls.__name__}.unknown-field",
        lambda c=_cls: c(no_such_field=1),
        T,
        "no_such_field",
    )

test_bad_input_gives_a_clear_error = sweep(CASES)


# -- the declared ranges themselves

EDGES = [
    pytest.param(cls, name, edge, id=f"{cls.__name__}.{name}={edge!r}")
    for cls in CONFIGS
    for name, spec in _ranges(cls)
    for edge in spec.edges
]


@pytest.mark.parametrize(("cls", "name", "edge"), EDGES)
def test_the_declared_extremes_are_accepted(cls, name, edge):
    """The minimum and the maximum of every declared range construct (with the other fields
    that the checks between fields need, from COMPANIONS)."""
    others = COMPANIONS.get((cls.__name__, name, edge), {})
    config = cls(**{name: edge, **others})
    assert getattr(config, name) == edge


def test_every_companion_is_needed():
    """A companion entry whose extreme constructs without it is stale: drop it."""
    for cls_name, name, edge in COMPANIONS:
        cls = next(c for c in CONFIGS if c.__name__ == cls_name)
        assert edge in declared_ranges(cls)[name].edges, (cls_name, name, edge)
        with pytest.raises(ValueError):
            cls(**{name: edge})


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_field_declares_its_range_of_its_kind(cls):
    """Every field has a declared spec, of the kind its annotation says: ints and floats a
    Range (integer or not), bools the FLAG, every default inside its own range."""
    ranges = declared_ranges(cls)
    for f in dataclasses.fields(cls):
        assert f.name in ranges, f"{cls.__name__}.{f.name} declares no range"
        spec = ranges[f.name]
        if f.type in ("int", "float", "float | None"):
            assert isinstance(spec, Range), (cls.__name__, f.name)
            assert spec.integer == (f.type == "int"), (cls.__name__, f.name)
            assert spec.optional == (f.type == "float | None"), (cls.__name__, f.name)
        if f.type == "bool":
            assert spec is FLAG, (cls.__name__, f.name)
        if f.type == "tuple[int, ...]":
            assert isinstance(spec, Widths), (cls.__name__, f.name)
        if isinstance(spec, Choice):
            assert f.default in spec.options
        assert spec.check(f.name, f.default) == f.default


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_int_field_has_a_finite_declared_maximum(cls):
    """The rule: every int field of a config is a count (iterations, envs, steps, tasks, sizes)
    that scales a run's time or memory, or a seed; each declares a finite maximum, so a huge
    value is refused before it runs. (This replaces the old hand-kept CAPPED list.)"""
    for name, spec in _ranges(cls):
        if spec.integer:
            assert math.isfinite(spec.high), f"{cls.__name__}.{name} has no cap"
            with pytest.raises(ValueError, match=name):
                cls(**{name: 2**64})  # beyond every cap, the seeds' 2**63 included


def test_rl2_declares_the_ranges_of_the_shared_ppo_update():
    """RL² runs PPO's update (``ppo_update``): the fields it reads accept the same values in
    both configs. (``reward_scale`` differs on purpose: RL²'s is capped, PPO's is not.)"""
    ppo, rl2 = declared_ranges(PPOConfig), declared_ranges(RL2Config)
    update = (
        "num_minibatches update_epochs learning_rate anneal_lr gamma gae_lambda clip_coef "
        "clip_vloss ent_coef vf_coef max_grad_norm target_kl norm_adv seed device"
    ).split()
    for name in update:
        assert ppo[name] == rl2[name], name


def test_seed_range_is_the_generators_range():
    assert SEED.edges == (0,) and SEED.outside == (-1, 2**63)


# -- hypothesis: values drawn from the declared ranges


def _outside(spec: Range):
    """Any value outside the declared range (and, for float fields, NaN and ±inf)."""
    if spec.integer:
        below = st.integers(max_value=int(spec.low) - 1)
        above = st.integers(min_value=int(spec.high) + (0 if spec.high_open else 1))
        return st.one_of(below, above)
    parts = [st.floats(max_value=spec.outside[0]), st.just(math.nan)]
    if math.isfinite(spec.high):
        parts.append(st.floats(min_value=spec.outside[1]))
    return st.one_of(*parts)


def _inside(spec: Range):
    if spec.integer:
        return st.integers(int(spec.low), int(spec.high) - (1 if spec.high_open else 0))
    return st.floats(
        spec.low,
        spec.high,
        exclude_min=spec.low_open,
        exclude_max=spec.high_open,
        allow_infinity=False,
        allow_nan=False,
    )


_WRONG_TYPE = {
    "int": st.one_of(st.text(max_size=3), st.floats(allow_nan=True), st.booleans(), st.none()),
    "float": st.one_of(st.text(max_size=3), st.none(), st.booleans()),
    "bool": st.one_of(st.text(max_size=5), st.integers(), st.none(), st.floats()),
}


def _field_and_bad_value():
    items = [
        (cls, f.name, f.type, declared_ranges(cls)[f.name])
        for cls in CONFIGS
        for f in dataclasses.fields(cls)
        if f.type in _WRONG_TYPE
    ]

    def bad(item):
        _, _, kind, spec = item
        values = _WRONG_TYPE[kind]
        if isinstance(spec, Range):
            values = st.one_of(values, _outside(spec))
        return st.tuples(st.just(item[:2]), values)

    return st.sampled_from(items).flatmap(bad)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_field_and_bad_value())
def test_hypothesis_every_config_refuses_bad_field_values(drawn):
    (cls, name), value = drawn
    with time_limit(TIMEOUT_S), pytest.raises((TypeError, ValueError)) as info:
        cls(**{name: value})
    assert name in str(info.value)
    assert "got" in str(info.value)


#: The numeric fields that a check *between* fields reads (batch caps, k_min <= k_support,
#: goal_low < goal_high, products of sizes): an in-range value of one of them may still be
#: refused beside the other defaults, by that check. Every other range field is free.
_COUPLED = {
    "PPOConfig": {"num_envs", "num_steps", "total_steps", "num_minibatches"},
    "MetaConfig": {"inner_steps"},
    "BlackBoxConfig": {"k_min", "k_support"},
    "MAMLRLConfig": {"meta_batch_size", "num_trajectories", "goal_low", "goal_high"},
    "PEARLConfig": {
        "num_train_tasks",
        "tasks_per_iteration",
        "buffer_capacity",
        "meta_batch_size",
        "batch_size",
        "context_size",
        "goal_low",
        "goal_high",
    },
}
_FREE = [
    (cls, name, spec)
    for cls in CONFIGS
    for name, spec in _ranges(cls)
    if name not in _COUPLED.get(cls.__name__, set())
]


def test_companions_name_only_coupled_fields():
    for cls_name, name, _ in COMPANIONS:
        assert name in _COUPLED[cls_name], (cls_name, name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_FREE).flatmap(lambda item: st.tuples(st.just(item), _inside(item[2]))))
def test_hypothesis_values_inside_a_declared_range_are_accepted(drawn):
    (cls, name, _), value = drawn
    assert getattr(cls(**{name: value}), name) == value


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=2**63), st.sampled_from(CONFIGS))
def test_hypothesis_seeds_beyond_64_bits_are_refused(seed, cls):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\)"):
        cls(seed=seed)
