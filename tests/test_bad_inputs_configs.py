"""Bad input to every config, field by field, with bad values of its kind (from the annotations).

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
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

CASES, case = registry()


BAD_BY_KIND: dict[str, list[tuple[object, type[Exception]]]] = {
    "int": [("1", T), (1.5, T), (True, T), (None, T), (-1, V)],
    "float": [("0.1", T), (None, T), (True, T), (math.nan, V), (math.inf, V), (-math.inf, V)],
    "bool": [("False", T), (1, T), (None, T)],
    "str": [(3, T), (None, T), ("no-such-value", V)],
    "tuple[int, ...]": [("64", T), (64, T), ((0,), V), ((2.5,), T), ((10**6,), V)],
    "float | None": [("x", T), (math.nan, V), (math.inf, V)],
    "tuple[str, ...]": [(3, T), (("no-such-value",), V)],
}
#: Fields whose size drives the run time or memory: a huge value must hit a stated cap.
CAPPED = {
    "PPOConfig": ["num_envs", "num_steps", "total_steps", "update_epochs", "num_minibatches"],
    "MetaConfig": ["iterations", "meta_batch_size", "k_support", "k_query", "inner_steps"],
    "BlackBoxConfig": ["iterations", "meta_batch_size", "k_support", "k_query", "representation"],
    "RL2Config": ["iterations", "hidden_size", "update_epochs", "num_minibatches"],
    "ReinforceConfig": ["iterations", "episodes_per_batch"],
    "FewShotConfig": ["iterations", "meta_batch_size", "inner_steps"],
    "MAMLRLConfig": ["iterations", "update_epochs", "max_steps", "cg_iterations"],
    "BanditMAMLConfig": ["k", "pulls_per_step", "inner_steps", "meta_batch_size", "iterations"],
    "PEARLConfig": [
        "iterations",
        "num_train_tasks",
        "gradient_steps",
        "meta_batch_size",
        "batch_size",
        "context_size",
        "buffer_capacity",
        "max_steps",
        "initial_episodes",
        "posterior_episodes",
    ],  # fmt: skip
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


for _cls in CONFIGS:
    for _field in dataclasses.fields(_cls):
        for _value, _error in BAD_BY_KIND.get(_field.type, []):
            if _field.name == "env_id" and _value == "no-such-value":
                _error = V
            case(
                f"config-{_cls.__name__}.{_field.name}={_value!r}",
                lambda c=_cls, f=_field.name, v=_value: c(**{f: v}),
                _error,
                _field.name,
            )
        if _field.name in CAPPED.get(_cls.__name__, []):
            case(
                f"config-cap-{_cls.__name__}.{_field.name}",
                lambda c=_cls, f=_field.name: c(**{f: 10**12}),
                V,
                _field.name,
            )
    case(
        f"config-{_cls.__name__}.seed=2**63",
        lambda c=_cls: c(seed=2**63),
        V,
        "seed must be an integer in [0, 2**63)",
    )
    case(f"config-{_cls.__name__}.device=gpu", lambda c=_cls: c(device="gpu"), V, "device must be")
    case(
        f"config-{_cls.__name__}.unknown-field",
        lambda c=_cls: c(no_such_field=1),
        T,
        "no_such_field",
    )

test_bad_input_gives_a_clear_error = sweep(CASES)

# -- hypothesis: any bad value of a field's kind is refused by every config, naming the field

_KIND_STRATEGIES = {
    "int": st.one_of(
        st.text(max_size=3),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
        st.integers(max_value=-1),  # fmt: skip
    ),
    "float": st.one_of(
        st.text(max_size=3),
        st.none(),
        st.booleans(),
        st.just(math.nan),
        st.just(math.inf),
        st.just(-math.inf),  # fmt: skip
    ),
    "bool": st.one_of(st.text(max_size=5), st.integers(), st.none(), st.floats()),
}


def _field_and_bad_value():
    fields = [
        (cls, f.name, f.type)
        for cls in CONFIGS
        for f in dataclasses.fields(cls)
        if f.type in _KIND_STRATEGIES
    ]
    return st.sampled_from(fields).flatmap(
        lambda item: st.tuples(st.just(item), _KIND_STRATEGIES[item[2]])
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_field_and_bad_value())
def test_hypothesis_every_config_refuses_bad_field_values(drawn):
    (cls, name, kind), value = drawn
    with time_limit(TIMEOUT_S), pytest.raises((TypeError, ValueError)) as info:
        cls(**{name: value})
    assert name in str(info.value)
    assert "got" in str(info.value)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=2**63), st.sampled_from(CONFIGS))
def test_hypothesis_seeds_beyond_64_bits_are_refused(seed, cls):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\)"):
        cls(seed=seed)
