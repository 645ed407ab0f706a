import math

import pytest

from course_lib.validation import ArgumentTypeError, check_int, check_real


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
