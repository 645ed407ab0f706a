import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import BatchSampler, SubsetRandomSampler

from course_lib.sampling import (
    iterate_minibatches,
    minibatch_indices,
    minibatch_indices_with_replacement,
    num_batches,
    split_minibatches,
    visit_counts,
)

sizes = st.integers(min_value=0, max_value=300)
batch_sizes = st.integers(min_value=1, max_value=70)


@settings(max_examples=60, deadline=None)
@given(n=sizes, batch_size=batch_sizes, seed=st.integers(0, 2**31 - 1))
def test_equals_torch_batch_sampler(n, batch_size, seed):
    for drop_last in (False, True):
        ours = minibatch_indices(
            n, batch_size, drop_last=drop_last, generator=torch.Generator().manual_seed(seed)
        )
        sampler = SubsetRandomSampler(range(n), generator=torch.Generator().manual_seed(seed))
        theirs = [list(b) for b in BatchSampler(sampler, batch_size, drop_last)]
        assert ours == theirs


@settings(max_examples=80, deadline=None)
@given(n=sizes, batch_size=batch_sizes, seed=st.integers(0, 1000))
def test_without_drop_last_batches_partition_range(n, batch_size, seed):
    batches = minibatch_indices(n, batch_size, generator=torch.Generator().manual_seed(seed))
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(n))
    assert all(len(b) == batch_size for b in batches[:-1])
    assert len(batches) == num_batches(n, batch_size)


@settings(max_examples=80, deadline=None)
@given(n=sizes, batch_size=batch_sizes, seed=st.integers(0, 1000))
def test_with_drop_last_every_batch_is_full(n, batch_size, seed):
    batches = minibatch_indices(
        n, batch_size, drop_last=True, generator=torch.Generator().manual_seed(seed)
    )
    assert all(len(b) == batch_size for b in batches)
    assert len(batches) == n // batch_size == num_batches(n, batch_size, drop_last=True)
    flat = [i for b in batches for i in b]
    assert len(set(flat)) == len(flat) == n - n % batch_size


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), count=st.integers(1, 40), seed=st.integers(0, 2**31 - 1))
def test_split_minibatches_is_exactly_count_batches_within_one_of_each_other(n, count, seed):
    count = min(count, n)
    batches = split_minibatches(n, count, generator=torch.Generator().manual_seed(seed))
    sizes = [len(b) for b in batches]
    assert len(batches) == count and max(sizes) - min(sizes) <= 1 and min(sizes) >= 1
    assert sorted(i for b in batches for i in b) == list(range(n))


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 40), count=st.integers(1, 12), seed=st.integers(0, 2**31 - 1))
def test_split_minibatches_equals_minibatch_indices_where_count_divides(size, count, seed):
    n = size * count  # PPO's batches always divide: the same shuffle, the same batches
    split = split_minibatches(n, count, generator=torch.Generator().manual_seed(seed))
    cut = minibatch_indices(n, size, generator=torch.Generator().manual_seed(seed))
    assert split == cut


def test_split_minibatches_spreads_the_remainder():
    """250 trials in 4 minibatches: 63, 63, 62, 62, not 62, 62, 62, 62 and a fifth of 2."""
    g = torch.Generator().manual_seed(0)
    assert [len(b) for b in split_minibatches(250, 4, generator=g)] == [63, 63, 62, 62]
    assert [len(b) for b in minibatch_indices(250, 250 // 4)] == [62, 62, 62, 62, 2]


@pytest.mark.parametrize(
    "n, count, match",
    [
        (0, 1, r"n must be an integer in \[1, 100_000_000\], got 0"),
        (3, 4, r"num_minibatches must be an integer in \[1, 3\], got 4"),
        (3, 0, r"num_minibatches must be an integer in \[1, 3\], got 0"),
        (3, 1.5, r"num_minibatches must be an integer in \[1, 3\], got 1.5"),
    ],
)
def test_split_minibatches_bad_input(n, count, match):
    with pytest.raises((TypeError, ValueError), match=match):
        split_minibatches(n, count)


def test_notes_example_64_by_10():
    batches = minibatch_indices(64, 10, generator=torch.Generator().manual_seed(0))
    assert [len(b) for b in batches] == [10] * 6 + [4]


def test_same_seed_same_batches_and_different_seed_differs():
    a = minibatch_indices(50, 7, generator=torch.Generator().manual_seed(3))
    b = minibatch_indices(50, 7, generator=torch.Generator().manual_seed(3))
    c = minibatch_indices(50, 7, generator=torch.Generator().manual_seed(4))
    assert a == b
    assert a != c


def test_with_replacement_shape_and_range():
    draws = minibatch_indices_with_replacement(
        20, 5, num_batches=8, generator=torch.Generator().manual_seed(0)
    )
    assert len(draws) == 8 and all(len(b) == 5 for b in draws)
    assert all(0 <= i < 20 for b in draws for i in b)
    counts = visit_counts(draws, 20)
    assert counts.sum().item() == 40
    assert (counts == 0).any(), (
        "with replacement, 40 draws from 20 samples should miss some (seed 0 does)"
    )


def test_iterate_minibatches_visits_every_row_once_per_epoch():
    x = torch.arange(10).float().unsqueeze(1) * 10
    y = torch.arange(10)
    seen = []
    batches = list(
        iterate_minibatches(
            x, y, batch_size=4, epochs=3, generator=torch.Generator().manual_seed(0)
        )
    )
    assert [len(b[1]) for b in batches] == [4, 4, 2] * 3
    for xb, yb in batches:
        assert torch.equal(xb[:, 0], yb.float() * 10)  # rows stay aligned across tensors
        seen.extend(yb.tolist())
    for epoch in range(3):
        assert sorted(seen[epoch * 10 : (epoch + 1) * 10]) == list(range(10))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=-1, batch_size=2), r"n must be an integer in \[0, 100_000_000\]"),
        (dict(n=10, batch_size=0), "batch_size must be an integer >= 1"),
        (dict(n=10, batch_size=-3), "batch_size"),
        (dict(n=10.5, batch_size=2), "n must be an integer"),
        (dict(n=10, batch_size=2.0), "batch_size must be an integer"),
        (dict(n=True, batch_size=2), "n must be an integer"),
    ],
)
def test_minibatch_indices_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        minibatch_indices(**kwargs)


def test_bad_generator_type():
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        minibatch_indices(10, 2, generator=42)


def test_iterate_minibatches_bad_input():
    with pytest.raises(ValueError, match="same length"):
        iterate_minibatches(torch.zeros(5), torch.zeros(6), batch_size=2)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        iterate_minibatches(torch.zeros(5), batch_size=0)
    with pytest.raises(ValueError, match=r"epochs must be an integer in \[1, 10_000\]"):
        iterate_minibatches(torch.zeros(5), batch_size=2, epochs=0)
    with pytest.raises(ValueError, match="at least one tensor"):
        iterate_minibatches(batch_size=2)
    with pytest.raises(TypeError, match=r"tensors\[0\] must be a torch.Tensor"):
        iterate_minibatches([1, 2, 3], batch_size=2)
    with pytest.raises(ValueError, match="num_batches must be an integer >= 0"):
        minibatch_indices_with_replacement(5, 2, num_batches=-1)


def test_wrong_type_is_both_type_error_and_value_error():
    from course_lib.validation import ArgumentTypeError

    with pytest.raises(TypeError, match="batch_size must be an integer >= 1, got 2.5"):
        minibatch_indices(10, 2.5)
    assert issubclass(ArgumentTypeError, ValueError)
