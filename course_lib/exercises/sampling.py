"""Chapter 2 exercise: write a minibatch generator with ``torch.randperm``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

__all__ = ["reference_minibatches", "check_minibatches"]


def reference_minibatches(n: int, batch_size: int, generator: torch.Generator | None = None):
    """The reference answer: one shuffle per epoch, then consecutive slices of it."""
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size].tolist()


# (n, batch_size): even split, a short last batch, batch larger than the buffer, the notes' 64/10.
_CASES = [(12, 4), (10, 3), (5, 8), (64, 10), (1, 1)]


def _run(fn: Callable, n: int, batch_size: int, seed: int) -> list[list[int]]:
    out = fn(n, batch_size, torch.Generator().manual_seed(seed))
    if not isinstance(out, Iterable):
        raise TypeError(
            f"your function returned {type(out).__name__}; return or yield lists of indices"
        )
    return [[int(i) for i in batch] for batch in out]


def _problem(fn: Callable, n: int, batch_size: int) -> str | None:
    """The first property the student's answer breaks on this case, as a hint; None if fine."""
    batches = _run(fn, n, batch_size, seed=0)
    flat = [i for b in batches for i in b]
    if len(flat) != len(set(flat)):
        return (
            f"n={n}, batch_size={batch_size}: some index appears twice in one epoch. "
            "Sample *without* replacement: shuffle once with torch.randperm(n) and slice it."
        )
    if sorted(flat) != list(range(n)):
        missing = sorted(set(range(n)) - set(flat))
        return (
            f"n={n}, batch_size={batch_size}: indices {missing[:5]}{'…' if len(missing) > 5 else ''} "
            "are never visited. Every sample should appear exactly once per epoch: "
            "keep the last, shorter batch."
        )
    sizes = [len(b) for b in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected:
        return (
            f"n={n}, batch_size={batch_size}: batch sizes are {sizes}, expected {expected} "
            "(full batches, then one shorter batch with the remainder)."
        )
    if n >= 10 and flat == list(range(n)):
        return (
            f"n={n}, batch_size={batch_size}: the indices come out in order 0, 1, 2, …: "
            "shuffle them first with torch.randperm(n, generator=generator)."
        )
    if batches != _run(fn, n, batch_size, seed=0):
        return (
            "the same seeded generator gave different batches on two calls: draw the "
            "permutation with torch.randperm(n, generator=generator) so results are reproducible."
        )
    if n >= 10 and batches == _run(fn, n, batch_size, seed=1):
        return (
            "two different seeds gave identical batches: pass the generator to torch.randperm "
            "instead of ignoring it."
        )
    return None


def check_minibatches(fn: Callable[[int, int, torch.Generator], Iterable[list[int]]]) -> bool:
    """Check a student's ``fn(n, batch_size, generator)`` that yields minibatches of indices.

    Prints one line per finding and returns True when every case passes. The properties:
    each epoch visits every index exactly once (no duplicates, nothing missing), batches are
    full except possibly the last, the order is shuffled, and the generator controls it.
    """
    try:
        for n, batch_size in _CASES:
            problem = _problem(fn, n, batch_size)
            if problem:
                print(f"✗ {problem}")
                return False
    except NotImplementedError:
        print("✗ not implemented yet: replace the `raise NotImplementedError` with your code.")
        return False
    except Exception as exc:  # the student's code crashed: say where, kindly
        print(f"✗ your function raised {type(exc).__name__}: {exc}")
        return False
    print(
        f"✓ all {len(_CASES)} cases pass: every index once per epoch, full batches then the "
        "remainder, shuffled, reproducible from the generator."
    )
    return True
