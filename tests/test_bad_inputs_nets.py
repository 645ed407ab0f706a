"""Bad input to the MLP and layer_init.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

import torch
from bad_inputs import (
    T,
    V,
    registry,
    sweep,
)

from course_lib import (
    nets,
)

CASES, case = registry()


for _name, _args, _kw, _error, _frag in [
    ("in-str", ("3", (4,), 2), {}, T, "in_features must be an integer"),
    ("in-0", (0, (4,), 2), {}, V, "in_features must be an integer in [1, 100_000], got 0"),
    ("out-0", (3, (4,), 0), {}, V, "out_features must be an integer in [1, 100_000], got 0"),
    ("out-float", (3, (4,), 2.0), {}, T, "out_features must be an integer"),
    ("hidden-str", (3, "64", 2), {}, T, "hidden_sizes must be a sequence of positive integers"),
    ("hidden-int", (3, 64, 2), {}, T, "hidden_sizes must be a sequence of positive integers"),
    (
        "hidden-0",
        (3, (0,), 2),
        {},
        V,
        "hidden_sizes entries must be an integer in [1, 4_096], got 0",
    ),
    (
        "hidden-neg",
        (3, (4, -4), 2),
        {},
        V,
        "hidden_sizes entries must be an integer in [1, 4_096], got -4",
    ),
    (
        "hidden-huge",
        (3, (5000,), 2),
        {},
        V,
        "hidden_sizes entries must be an integer in [1, 4_096], got 5000",
    ),  # fmt: skip
    ("hidden-float", (3, (4.5,), 2), {}, T, "hidden_sizes entries must be an integer"),
    (
        "weights-cap",
        (100_000, (4096, 4096), 2),
        {},
        V,
        "in_features, hidden_sizes and out_features must make a network of at most 50_000_000 weights, got",
    ),  # fmt: skip
    (
        "activation",
        (3, (4,), 2),
        {"activation": "tanh"},
        T,
        "activation must be an nn.Module class such as nn.Tanh, got 'tanh'",
    ),  # fmt: skip
    (
        "activation-instance",
        (3, (4,), 2),
        {"activation": torch.nn.Tanh()},
        T,
        "activation must be an nn.Module class",
    ),  # fmt: skip
    (
        "gain-nan",
        (3, (4,), 2),
        {"out_gain": math.nan},
        V,
        "out_gain must be in [0.0, 100.0], got nan",
    ),  # fmt: skip
    ("gain-str", (3, (4,), 2), {"out_gain": "1"}, T, "out_gain must be a number"),
]:
    case(f"nets-mlp-{_name}", lambda a=_args, k=_kw: nets.mlp(*a, **k), _error, _frag)
case("nets-layer-init", lambda: nets.layer_init("layer"), T, "layer must be an nn.Linear, got str")  # fmt: skip
case("nets-layer-init-gain", lambda: nets.layer_init(torch.nn.Linear(2, 2), gain=math.inf), V, "gain must be in [0.0, 100.0], got inf")  # fmt: skip

test_bad_input_gives_a_clear_error = sweep(CASES)
