"""Bad input to course_lib.validation itself.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

from bad_inputs import (
    V4,
    V41,
    T,
    V,
    registry,
    sweep,
)

from course_lib import (
    validation,
)

CASES, case = registry()


for _name, _call, _error, _frag in [
    (
        "int-max",
        lambda: validation.check_int("n", 11, 0, 10),
        V,
        "n must be an integer in [0, 10], got 11",
    ),  # fmt: skip
    (
        "int-type-max",
        lambda: validation.check_int("n", "1", 0, 10),
        T,
        "n must be an integer in [0, 10], got '1'",
    ),  # fmt: skip
    (
        "real-inf",
        lambda: validation.check_real("x", math.inf, 0.0, math.inf),
        V,
        "x must be in [0.0, inf], got inf",
    ),  # fmt: skip
    (
        "seed-float",
        lambda: validation.check_seed(1.0),
        T,
        "seed must be an integer >= 0, got 1.0",
    ),  # fmt: skip
    (
        "bool-str",
        lambda: validation.check_bool("flag", "True"),
        T,
        "flag must be True or False, got 'True'",
    ),  # fmt: skip
    (
        "device-list",
        lambda: validation.check_device(["cpu"]),
        T,
        "device must be a torch device string",
    ),  # fmt: skip
    (
        "choice-int",
        lambda: validation.check_choice("m", 1, ("a", "b")),
        T,
        "m must be one of ('a', 'b'), got 1",
    ),  # fmt: skip
    (
        "choice-value",
        lambda: validation.check_choice("m", "c", ("a", "b")),
        V,
        "m must be one of ('a', 'b'), got 'c'",
    ),  # fmt: skip
    (
        "tensor-ndim",
        lambda: validation.check_tensor("t", V4, ndim=2),
        V,
        "t must be a 2-d tensor, got shape (4,) (1-d)",
    ),  # fmt: skip
    (
        "tensor-float",
        lambda: validation.check_tensor("t", V4.long(), floating=True),
        T,
        "t must be a floating-point tensor, got dtype torch.int64",
    ),  # fmt: skip
    (
        "same-shape",
        lambda: validation.check_same_shape(a=V4, b=V41),
        V,
        "a, b must all have the same shape, got a [4], b [4, 1]",
    ),  # fmt: skip
    (
        "hidden-sizes-bytes",
        lambda: validation.check_hidden_sizes(b"64"),
        T,
        "hidden_sizes must be a sequence of positive integers",
    ),  # fmt: skip
]:
    case(f"validation-{_name}", _call, _error, _frag)

test_bad_input_gives_a_clear_error = sweep(CASES)
