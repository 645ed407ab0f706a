import dataclasses
import math

import numpy as np
import pytest
import torch

from course_lib.validation import (
    DEVICE,
    FLAG,
    SEED,
    WIDTHS,
    ArgumentTypeError,
    Choice,
    Range,
    bounded,
    check_bool,
    check_choice,
    check_declared,
    check_device,
    check_env_id,
    check_hidden_sizes,
    check_instance,
    check_int,
    check_real,
    check_same_shape,
    check_seed,
    check_sequence,
    check_tensor,
    choice,
    declared,
    declared_ranges,
)


def test_check_int_accepts_and_rejects():
    assert check_int("n", 3, 1) == 3
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got 0"):
        check_int("n", 0, 1)
    for bad in (2.0, True, "3", None):
        with pytest.raises(ArgumentTypeError, match="n must be an integer >= 1"):
            check_int("n", bad, 1)


def test_check_real_intervals():
    assert check_real("gamma", 1, 0.0, 1.0) == 1.0
    with pytest.raises(ValueError, match=r"lr must be in \(0.0, 1.0\], got 0.0"):
        check_real("lr", 0.0, 0.0, 1.0, lo_open=True)
    with pytest.raises(ValueError, match=r"x must be in \[0.0, 1.0\)"):
        check_real("x", 1.0, 0.0, 1.0, hi_open=True)
    with pytest.raises(ValueError, match="x must be in"):
        check_real("x", math.nan, 0.0, 1.0)
    with pytest.raises(ArgumentTypeError, match=r"x must be a number in \[0.0, 1.0\]"):
        check_real("x", "0.5", 0.0, 1.0)


def test_a_0_d_tensor_stands_for_its_number():
    """The lead's decision for issue #28: where a number is meant, a 0-d real tensor that does
    not require grad is its number (a run's results often are one), checked as the number."""
    assert check_real("gamma", torch.tensor(0.9), 0.0, 1.0) == pytest.approx(0.9)
    assert type(check_real("gamma", torch.tensor(1), 0.0, 1.0)) is float
    assert check_real("lr", torch.tensor(0.5, dtype=torch.float64), 0.0, 1.0) == 0.5
    assert check_int("n", torch.tensor(3), 1) == 3
    assert type(check_int("n", torch.tensor(3, dtype=torch.int32), 1)) is int
    # checked as the number: its range, NaN, inf
    with pytest.raises(ValueError, match=r"gamma must be in \[0.0, 1.0\], got 2.0"):
        check_real("gamma", torch.tensor(2.0), 0.0, 1.0)
    with pytest.raises(ValueError, match=r"gamma must be in \[0.0, 1.0\], got nan"):
        check_real("gamma", torch.tensor(math.nan), 0.0, 1.0)
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got 0"):
        check_int("n", torch.tensor(0), 1)
    # not a number: requires grad (taking its number would cut the graph), a float for an
    # integer, a bool or complex dtype, more than one element
    with pytest.raises(ArgumentTypeError, match=r"gamma must be a number in .*\.detach\(\)"):
        check_real("gamma", torch.tensor(0.5, requires_grad=True), 0.0, 1.0)
    with pytest.raises(ArgumentTypeError, match=r"n must be an integer >= 1, got tensor\(3\.\)"):
        check_int("n", torch.tensor(3.0), 1)
    for bad in (torch.tensor(True), torch.tensor(1 + 0j)):
        with pytest.raises(ArgumentTypeError, match=r"x must be a number in .* got tensor"):
            check_real("x", bad, 0.0, 1.0)
    with pytest.raises(ArgumentTypeError, match=r"n must be an integer >= 1, got tensor\(True\)"):
        check_int("n", torch.tensor(True), 1)
    for bad in (torch.tensor([0.5]), torch.zeros(2)):
        with pytest.raises(ArgumentTypeError, match=r"x must be a number in .* got tensor"):
            check_real("x", bad, 0.0, 1.0)


def test_check_int_maximum_states_the_cap():
    assert check_int("steps", 10, 0, 10) == 10
    with pytest.raises(ValueError, match=r"steps must be an integer in \[0, 1_000\], got 1001"):
        check_int("steps", 1001, 0, 1000)
    with pytest.raises(TypeError, match=r"steps must be an integer in \[0, 1_000\], got '5'"):
        check_int("steps", "5", 0, 1000)


def test_type_errors_are_type_errors_and_value_errors_are_not():
    """ArgumentTypeError is a TypeError (and, for old callers, a ValueError); a wrong value is
    a plain ValueError, never a TypeError."""
    with pytest.raises(TypeError):
        check_real("x", "1", 0.0, 1.0)
    try:
        check_real("x", 2.0, 0.0, 1.0)
    except ValueError as err:
        assert not isinstance(err, TypeError)


def test_check_seed_range():
    assert check_seed(2**63 - 1) == 2**63 - 1
    with pytest.raises(
        ValueError, match=r"seed must be an integer in \[0, 2\*\*63\), got 9223372036854775808"
    ):
        check_seed(2**63)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        check_seed(-1)


def test_check_bool_rejects_truthy_lookalikes():
    assert check_bool("flag", False) is False
    for bad in ("False", 0, 1, None, 1.0):
        with pytest.raises(TypeError, match="flag must be True or False"):
            check_bool("flag", bad)


def test_check_device():
    assert check_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="device must be a torch device string .* got 'gpu'"):
        check_device("gpu")
    with pytest.raises(TypeError, match="device must be a torch device string"):
        check_device(0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=r"this machine has no CUDA GPU: use one of \('cpu'"):
            check_device("cuda")


@pytest.mark.parametrize("kind", ["mps", "xpu", "hpu", "meta", "vulkan", "cuda"])
def test_check_device_refuses_a_backend_this_machine_lacks(kind):
    from course_lib.validation import available_device_types

    available = available_device_types()
    assert available[0] == "cpu"
    if kind in available:
        assert check_device(kind).type == kind
        return
    with pytest.raises(
        ValueError,
        match=rf"device is '{kind}', but this machine has no .*"
        rf"use one of \('cpu'",
    ):
        check_device(kind)


def test_check_choice():
    assert check_choice("method", "maml", ("maml", "reptile")) == "maml"
    with pytest.raises(ValueError, match=r"method must be one of \('maml', 'reptile'\), got 'x'"):
        check_choice("method", "x", ("maml", "reptile"))
    with pytest.raises(TypeError, match=r"method must be one of .*, got 3"):
        check_choice("method", 3, ("maml", "reptile"))


def test_check_tensor_and_same_shape():
    t = torch.zeros(4)
    assert check_tensor("t", t, ndim=1, floating=True) is t
    with pytest.raises(TypeError, match="t must be a torch.Tensor, got list"):
        check_tensor("t", [0.0])
    with pytest.raises(ValueError, match=r"t must be a 2-d tensor, got shape \(4,\) \(1-d\)"):
        check_tensor("t", t, ndim=2)
    with pytest.raises(TypeError, match="t must be a floating-point tensor, got dtype torch.int64"):
        check_tensor("t", t.long(), floating=True)
    check_same_shape(a=t, b=t)
    with pytest.raises(
        ValueError, match=r"a, b must all have the same shape, got a \[4\], b \[4, 1\]"
    ):
        check_same_shape(a=t, b=t[:, None])


def test_check_env_id():
    assert check_env_id("CartPole-v1") == "CartPole-v1"
    with pytest.raises(
        ValueError, match="env_id must be a registered gymnasium id .* got 'Nope-v0'"
    ):
        check_env_id("Nope-v0")
    with pytest.raises(TypeError, match="env_id must be a registered gymnasium id"):
        check_env_id(3)


def test_check_hidden_sizes():
    assert check_hidden_sizes([8, 4]) == (8, 4)
    assert check_hidden_sizes(()) == ()
    with pytest.raises(
        ValueError, match=r"hidden_sizes entries must be an integer in \[1, 4_096\]"
    ):
        check_hidden_sizes((5000,))
    with pytest.raises(TypeError, match="hidden_sizes must be a sequence of positive integers"):
        check_hidden_sizes("64")


# -- ranges declared with a config's fields


def test_range_checks_with_the_messages_of_check_int_and_check_real():
    counts = Range(1, 4096, integer=True)
    assert counts.check("num_envs", 16) == 16
    with pytest.raises(ValueError, match=r"num_envs must be an integer in \[1, 4_096\], got 0"):
        counts.check("num_envs", 0)
    with pytest.raises(ArgumentTypeError, match="num_envs must be an integer"):
        counts.check("num_envs", 2.0)
    rates = Range(0.0, 1.0, low_open=True)
    with pytest.raises(ValueError, match=r"lr must be in \(0.0, 1.0\], got 0.0"):
        rates.check("lr", 0.0)
    assert Range(0.0, 1.0, optional=True).check("target_kl", None) is None
    with pytest.raises(ValueError, match="target_kl must be in"):
        Range(0.0, 1.0, optional=True).check("target_kl", math.nan)
    with pytest.raises(TypeError, match="target_kl must be a number"):
        Range(0.0, 1.0).check("target_kl", None)


def test_range_edges_and_the_values_just_outside():
    assert Range(1, 10, integer=True).edges == (1, 10)
    assert Range(1, 10, integer=True).outside == (0, 11)
    assert Range(0.0, 1.0, low_open=True).edges == (1.0,)
    assert Range(0.0, 1.0, low_open=True).outside == (0.0, math.nextafter(1.0, 2.0))
    assert Range(0.0, math.inf, low_open=True, high_open=True).outside == (0.0,)
    assert SEED.edges == (0,) and SEED.outside == (-1, 2**63)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\), got -1"):
        SEED.check("seed", -1)


def test_bounded_takes_its_kind_from_the_default():
    assert bounded(3, 1, 10).metadata["range"] == Range(1, 10, integer=True)
    assert bounded(0.5, 0.0, 1.0).metadata["range"] == Range(0.0, 1.0)
    assert bounded(None, 0.0, 1.0).metadata["range"].optional
    assert choice("a", ["a", "b"]).metadata["range"] == Choice(("a", "b"))
    with pytest.raises(TypeError, match="immutable default"):
        declared([64], WIDTHS)


@dataclasses.dataclass
class _Toy:
    steps: int = bounded(10, 1, 100)
    rate: float = bounded(0.1, 0.0, 1.0, low_open=True)
    widths: tuple[int, ...] = declared((4,), WIDTHS)
    mode: str = choice("fast", ("fast", "slow"))
    on: bool = declared(True, FLAG)
    device: str = declared("cpu", DEVICE)
    note: str = "not declared"

    def __post_init__(self):
        check_declared(self)


def test_declared_ranges_and_check_declared():
    ranges = declared_ranges(_Toy)
    assert list(ranges) == ["steps", "rate", "widths", "mode", "on", "device"]
    assert declared_ranges(_Toy()) == ranges  # an instance reads the same
    toy = _Toy(steps=np.int64(5), rate=1, widths=[8, 8])
    assert (type(toy.steps), toy.rate, toy.widths) == (int, 1.0, (8, 8))  # normalised
    assert toy.device == "cpu"  # a device string stays a string
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 100\], got 101"):
        _Toy(steps=101)
    with pytest.raises(ValueError, match=r"mode must be one of \('fast', 'slow'\), got 'x'"):
        _Toy(mode="x")
    with pytest.raises(TypeError, match="on must be True or False"):
        _Toy(on="yes")
    with pytest.raises(ValueError, match="device is 'meta', but this machine has no"):
        _Toy(device="meta")


# --- the checks check their own arguments (issue #28: a bad name or bound is refused) ---------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: check_int(3, 1), TypeError, "name must be the checked argument's name"),
        (lambda: check_int("n", 1, minimum=True), TypeError, "minimum must be an integer"),
        (lambda: check_int("n", 1, 0, 2.5), TypeError, "maximum must be None or an integer"),
        (lambda: check_int("n", 1, 5, 2), ValueError, "maximum must be >= minimum"),
        (lambda: check_real("x", 0.5, 1.0, 0.0), ValueError, "lo <= hi"),
        (lambda: check_real("x", 0.5, math.nan, 1.0), TypeError, "lo must be a number"),
        (lambda: check_real("x", 0.5, 0.0, 1.0, lo_open=1), TypeError, "lo_open must be"),
        (lambda: check_choice("x", "a", "abc"), TypeError, "choices must be a non-empty"),
        (lambda: check_tensor("x", torch.zeros(1), ndim=-1), ValueError, "ndim must be"),
        (lambda: check_sequence("x", (), min_length=3, max_length=2), ValueError, "min_length"),
        (lambda: check_instance("x", 1, "int", "an int"), TypeError, "types must be a class"),
        (lambda: declared(11, Range(1, 10, integer=True)), ValueError, "default must be"),
        (lambda: declared_ranges(3), TypeError, "config_cls must be a dataclass"),
    ],
)
def test_a_check_refuses_a_bad_argument_of_its_own(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numpy_bounds_and_dict_choices_still_pass():
    assert check_int("n", np.int64(3), np.int64(0), np.int64(5)) == 3
    assert check_real("x", np.float32(0.5), np.float64(0.0), np.float64(1.0)) == 0.5
    assert check_real("x", 5.0, -math.inf, math.inf) == 5.0
    assert check_choice("x", "a", {"a": 1, "b": 2}) == "a"
