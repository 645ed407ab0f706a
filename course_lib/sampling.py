"""Minibatch sampling: the index bookkeeping behind every epoch of PPO (Chapter 2).

PPO collects one rollout buffer and then reuses it for several epochs. In each epoch the
buffer is reshuffled and cut into minibatches, so every sample is visited exactly once
per epoch. PyTorch spells this

    BatchSampler(SubsetRandomSampler(range(n), generator=g), batch_size, drop_last)

and :func:`minibatch_indices` returns exactly those batches as lists. PPO asks for a number
of minibatches rather than a size: :func:`split_minibatches` cuts the same shuffle into exactly
that many, as equal as the buffer allows. Sampling *with replacement*
(:func:`minibatch_indices_with_replacement`) is the contrast: some samples are seen several
times in an epoch and others not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from course_lib.validation import check_bool, check_int

__all__ = [
    "minibatch_indices",
    "split_minibatches",
    "minibatch_indices_with_replacement",
    "iterate_minibatches",
    "visit_counts",
    "num_batches",
]


#: Larger buffers (or draws) take gigabytes of index lists: far beyond any rollout in the course.
MAX_SAMPLES = 100_000_000


def _check_generator(generator: object) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )


def num_batches(n: int, batch_size: int, *, drop_last: bool = False) -> int:
    """How many minibatches one epoch over ``n`` samples yields."""
    n = check_int("n", n, minimum=0)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_bool("drop_last", drop_last)
    return n // batch_size if drop_last else -(-n // batch_size)


def minibatch_indices(
    n: int,
    batch_size: int,
    *,
    drop_last: bool = False,
    generator: torch.Generator | None = None,
) -> list[list[int]]:
    """One shuffled epoch over ``range(n)``, cut into minibatches of ``batch_size``.

    Identical to ``list(BatchSampler(SubsetRandomSampler(range(n), generator=generator),
    batch_size, drop_last))``: one ``torch.randperm(n, generator=generator)``, cut into
    consecutive slices. With ``drop_last=False`` the batches partition ``range(n)`` and the
    last one may be short; with ``drop_last=True`` the short tail (``n % batch_size``
    samples) is dropped, so every batch is full.

    Args:
        n: number of samples in the buffer (>= 0).
        batch_size: samples per minibatch (>= 1).
        drop_last: drop the final short batch instead of yielding it.
        generator: a seeded ``torch.Generator`` makes the shuffle reproducible; ``None``
            uses torch's global random state.
    """
    n = check_int("n", n, 0, MAX_SAMPLES)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_bool("drop_last", drop_last)
    _check_generator(generator)
    order = torch.randperm(n, generator=generator).tolist()
    stop = n - n % batch_size if drop_last else n
    return [order[i : min(i + batch_size, stop)] for i in range(0, stop, batch_size)]


def split_minibatches(
    n: int, num_minibatches: int, *, generator: torch.Generator | None = None
) -> list[list[int]]:
    """One shuffled epoch over ``range(n)``, cut into exactly ``num_minibatches`` minibatches
    whose sizes differ by at most one (the first ``n % num_minibatches`` are one larger).

    Where ``num_minibatches`` divides ``n`` this is :func:`minibatch_indices` with
    ``batch_size = n // num_minibatches``: the same shuffle, the same batches. Where it does
    not, cutting by size would leave a short last batch (250 trials in 4 minibatches of 62
    would run a fifth minibatch of 2, one more gradient step on a noisy handful; SB3 warns of
    this "truncated mini-batch"); cutting by count spreads the remainder instead: 63, 63, 62, 62.
    """
    n = check_int("n", n, 1, MAX_SAMPLES)
    count = check_int("num_minibatches", num_minibatches, 1, n)  # no empty minibatch
    _check_generator(generator)
    order = torch.randperm(n, generator=generator)
    return [part.tolist() for part in order.tensor_split(count)]


def minibatch_indices_with_replacement(
    n: int,
    batch_size: int,
    *,
    num_batches: int,
    generator: torch.Generator | None = None,
) -> list[list[int]]:
    """``num_batches`` minibatches, each drawn uniformly *with replacement* from ``range(n)``.

    The contrast to :func:`minibatch_indices`: the same number of draws, but nothing
    guarantees that every sample is used, and some are used several times.
    """
    n = check_int("n", n, 1, MAX_SAMPLES)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    count = check_int("num_batches", num_batches, minimum=0)
    if count * batch_size > MAX_SAMPLES:
        raise ValueError(
            f"num_batches × batch_size must be <= {MAX_SAMPLES:_} draws, got {count} × {batch_size}"
        )
    _check_generator(generator)
    draws = torch.randint(n, (count, batch_size), generator=generator)
    return draws.tolist()


def visit_counts(batches: Sequence[Sequence[int]], n: int) -> torch.Tensor:
    """How many times each of the ``n`` samples appears in ``batches`` (a tensor of length n)."""
    n = check_int("n", n, 0, MAX_SAMPLES)
    if (
        isinstance(batches, str)
        or not isinstance(batches, Sequence)
        or not all(isinstance(b, Sequence) for b in batches)
    ):
        raise TypeError(f"batches must be a list of lists of indices, got {batches!r:.60}")
    flat = torch.tensor(
        [check_int("batches entries", i) for b in batches for i in b], dtype=torch.long
    )
    if flat.numel() and not 0 <= int(flat.min()) <= int(flat.max()) < n:
        bad = int(flat.max()) if int(flat.max()) >= n else int(flat.min())
        raise ValueError(f"batches must hold indices in [0, {n - 1}], got {bad}")
    return torch.bincount(flat, minlength=n)


def iterate_minibatches(
    *tensors: torch.Tensor,
    batch_size: int,
    epochs: int = 1,
    drop_last: bool = False,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[torch.Tensor, ...]]:
    """Yield ``tuple(t[idx] for t in tensors)`` for each minibatch, epoch after epoch.

    This is PPO's update loop: the rollout tensors (observations, actions, log-probs,
    advantages, returns, ...) share their first dimension; each epoch reshuffles it with
    :func:`minibatch_indices`.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> obs, adv = torch.zeros(8, 4), torch.zeros(8)
        >>> [b[0].shape[0] for b in iterate_minibatches(obs, adv, batch_size=4, epochs=2, generator=g)]
        [4, 4, 4, 4]
    """
    if not tensors:
        raise ValueError(
            "tensors must be at least one tensor (iterate_minibatches(obs, ...)), got none"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"tensors[{i}] must be a torch.Tensor, got {type(t).__name__}")
        if t.dim() == 0:
            raise ValueError(f"tensors[{i}] must have a batch dimension, got a 0-d tensor")
    lengths = [t.shape[0] for t in tensors]
    if len(set(lengths)) != 1:
        raise ValueError(f"tensors must all have the same length (first dimension), got {lengths}")
    epochs = check_int("epochs", epochs, 1, 10_000)
    check_bool("drop_last", drop_last)
    # Validate eagerly: a generator function would otherwise raise only on first next().
    batch_size = check_int("batch_size", batch_size, minimum=1)
    _check_generator(generator)
    return _iterate(tensors, lengths[0], batch_size, epochs, drop_last, generator)


def _iterate(tensors, n, batch_size, epochs, drop_last, generator):
    for _ in range(epochs):
        for batch in minibatch_indices(n, batch_size, drop_last=drop_last, generator=generator):
            idx = torch.as_tensor(batch, dtype=torch.long)
            yield tuple(t[idx] for t in tensors)
