"""Chapter 2 exercises: minibatch sampling.

* :func:`check_batches_per_epoch` (easy, a number): how many minibatches one epoch yields.
* :func:`check_never_used` (a choice): what sampling with replacement leaves unused.
* :func:`check_minibatches` (coding): ``my_minibatches(n, batch_size, generator)`` yields one
  shuffled epoch of index lists, written with ``torch.randperm``.
* :func:`check_drop_last_uses` (think, a number): how often a sample is used with ``drop_last``.

Each prints ✓/✗ feedback that names the likely mistake and returns True when right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from course_lib.exercises.harness import (
    Case,
    CodingExercise,
    StudentError,
    call,
    check_choice,
    check_number,
    safe_checker,
)
from course_lib.i18n import tr
from course_lib.sampling import MAX_SAMPLES, iterate_minibatches, minibatch_indices
from course_lib.validation import check_int

__all__ = [
    "reference_minibatches",
    "check_minibatches",
    "check_batches_per_epoch",
    "check_never_used",
    "check_drop_last_uses",
]


def reference_minibatches(n: int, batch_size: int, generator: torch.Generator | None = None):
    """The reference answer: one shuffle per epoch, then consecutive slices of it."""
    n = check_int("n", n, 0, MAX_SAMPLES)
    batch_size = check_int("batch_size", batch_size, 1)
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size].tolist()


# (n, batch_size): even split, a short last batch, batch larger than the buffer, the notes' 64/10.
_CASES = [(12, 4), (10, 3), (5, 8), (64, 10), (1, 1)]


def _epoch(fn: Callable, n: int, batch_size: int, generator: torch.Generator) -> list[list[int]]:
    """One epoch of the student's batches as lists of ints (bounded in time and count).

    It runs in the sandbox's forked child, which inherits the reader's language and the catalog
    the checker loaded before forking, so its feedback comes back already translated."""
    expected = -(-n // batch_size)
    cap = 2 * expected + 10
    batches = call(
        fn,
        n,
        batch_size,
        generator,
        max_items=cap,
        too_many=tr(
            "n={n}, batch_size={batch_size}: stopped after {cap} batches (one epoch has "
            "{expected}): your generator never stops. Did you forget to advance the start "
            "index (start += batch_size)?",
            n=n,
            batch_size=batch_size,
            cap=cap,
            expected=expected,
        ),
    )
    out = []
    for batch in batches:
        if isinstance(batch, torch.Tensor) and batch.dim() == 0 or isinstance(batch, int):
            raise StudentError(
                tr(
                    "n={n}, batch_size={batch_size}: you yielded single indices; yield whole "
                    "batches, lists of indices such as order[start : start + batch_size].tolist().",
                    n=n,
                    batch_size=batch_size,
                )
            )
        if not isinstance(batch, Iterable):
            raise StudentError(
                tr(
                    "n={n}, batch_size={batch_size}: each batch must be a list of indices, "
                    "got {got}.",
                    n=n,
                    batch_size=batch_size,
                    got=type(batch).__name__,
                )
            )
        out.append([int(i) for i in batch])
    return out


def _epochs(fn: Callable, n: int, batch_size: int) -> dict:
    """Runs with the answer: the epochs the properties below are read from, in the order a
    reader would try them (so an answer that leans on global state shows it)."""
    global_state = torch.random.get_rng_state()
    first = _epoch(fn, n, batch_size, torch.Generator().manual_seed(0))
    touched = not torch.equal(global_state, torch.random.get_rng_state())
    again = _epoch(fn, n, batch_size, torch.Generator().manual_seed(0))
    other = _epoch(fn, n, batch_size, torch.Generator().manual_seed(1))
    shared = torch.Generator().manual_seed(0)
    consecutive = (_epoch(fn, n, batch_size, shared), _epoch(fn, n, batch_size, shared))
    return {
        "first": first,
        "touched": touched,
        "again": again,
        "other": other,
        "consecutive": consecutive,
    }


def _judge(case: Case, epochs: dict, expected: None) -> str | None:
    """The first property the student's answer breaks on this case; None if fine."""
    n, batch_size = case.args
    batches = epochs["first"]
    flat = [i for b in batches for i in b]
    if len(flat) != len(set(flat)):
        return tr(
            "{case}: some index appears twice in one epoch. Sample *without* replacement: "
            "shuffle once with torch.randperm(n) and slice it (torch.randint draws with "
            "replacement).",
            case=case.label,
        )
    if sorted(flat) != list(range(n)):
        missing = sorted(set(range(n)) - set(flat))
        if not missing:
            return tr(
                "{case}: indices outside 0 … {last} appear; index the buffer with range(n).",
                case=case.label,
                last=n - 1,
            )
        more = "…" if len(missing) > 5 else ""
        return tr(
            "{case}: indices {missing}{more} are never visited. Every sample should "
            "appear exactly once per epoch: keep the last, shorter batch, and make each slice "
            "order[start : start + batch_size] (the end is excluded).",
            case=case.label,
            missing=missing[:5],
            more=more,
        )
    sizes = [len(b) for b in batches]
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected_sizes:
        return tr(
            "{case}: batch sizes are {sizes}, expected {expected} (full batches, "
            "then one shorter batch with the remainder).",
            case=case.label,
            sizes=sizes,
            expected=expected_sizes,
        )
    if n >= 10 and flat == list(range(n)):
        return tr(
            "{case}: the indices come out in order 0, 1, 2, …: shuffle them first with "
            "torch.randperm(n, generator=generator).",
            case=case.label,
        )
    if batches != epochs["again"]:
        return tr(
            "the same seeded generator gave different batches on two calls: draw the "
            "permutation with torch.randperm(n, generator=generator), not from torch's (or "
            "numpy's) global random state, so results are reproducible."
        )
    if epochs["touched"]:
        return tr(
            "your function changed torch's global random state (torch.manual_seed or a draw "
            "without generator=): use only the generator you are given."
        )
    if n >= 10 and batches == epochs["other"]:
        return tr(
            "two different seeds gave identical batches: pass the generator you are given to "
            "torch.randperm instead of making your own."
        )
    one, two = epochs["consecutive"]
    if n >= 10 and one == two:
        return tr(
            "every epoch is identical: two calls with the same generator gave the same "
            "batches, so you restart the random sequence each call (a new generator seeded "
            "from generator.initial_seed(), or a manual_seed). Draw from the generator itself, "
            "so that each epoch reshuffles."
        )
    return None


MINIBATCHES = CodingExercise(
    library=(minibatch_indices, iterate_minibatches, reference_minibatches),
    arg_names=("n", "batch_size"),
    cases=lambda: [Case(f"n={n}, batch_size={b}", (n, b), time_limit=3.0) for n, b in _CASES],
    observe=_epochs,
    judge=_judge,
    prefix_errors=False,  # _epoch's feedback names the case itself
    success="",  # set by check_minibatches, in the reader's language
)


@safe_checker
def check_minibatches(fn: Callable[[int, int, torch.Generator], Iterable[list[int]]]) -> bool:
    """Check a student's ``fn(n, batch_size, generator)`` that yields minibatches of indices.

    The properties: each epoch visits every index exactly once (no duplicates, nothing
    missing), batches are full except possibly the last, the order is shuffled, the
    generator controls it (same seed, same batches; the next epoch, new batches), and the
    generator stops. Prints one line per finding; returns True when every case passes.
    """
    MINIBATCHES.success = tr(
        "all {n} cases pass: every index once per epoch, full batches then the "
        "remainder, shuffled, reproducible from the generator, a new shuffle each epoch.",
        n=len(_CASES),
    )
    return MINIBATCHES.check(fn)


@safe_checker
def check_batches_per_epoch(answer: object) -> bool:
    """Question: n = 100 samples, batch_size = 32, drop_last=False: minibatches per epoch?"""
    return check_number(
        answer,
        4,
        0,
        hints=[
            (
                3,
                tr(
                    "that is drop_last=True; with drop_last=False the short tail of 4 is a batch too."
                ),
            ),
            (
                3.125,
                tr("batches come whole: 100 / 32 = 3.125 rounds *up*, the last batch is short."),
            ),
            (32, tr("that is the batch size, not the number of batches.")),
            (4 * 32, tr("that counts samples, not batches.")),
            (lambda a: a != int(a), tr("a number of batches is a whole number.")),
        ],
        why=tr("⌈100 / 32⌉ = 4: three batches of 32 and a last one of 4."),
    )


@safe_checker
def check_never_used(answer: object) -> bool:
    """Question: with replacement, one epoch's worth of draws: how much is never used?"""
    return check_choice(
        answer,
        "c",
        {
            "a": tr(
                "none unused is what *shuffled* epochs give; independent draws can repeat "
                "an index and so miss others."
            ),
            "b": tr(
                "each sample is missed by one draw with probability 1 − 1/n, but there are n "
                "draws: (1 − 1/n)^n, not 1/n."
            ),
            "d": tr(
                "63% ≈ 1 − e⁻¹ is the fraction used *at least once*; the question asks for "
                "the samples never used."
            ),
        },
        why=tr(
            "each of the n draws misses a given sample with probability 1 − 1/n, so it is "
            "never drawn with probability (1 − 1/n)^n ≈ e⁻¹ ≈ 37%."
        ),
    )


@safe_checker
def check_drop_last_uses(answer: object) -> bool:
    """Question: n = 64, batch_size = 10, drop_last=True, 4 epochs: mean uses per sample?"""
    return check_number(
        answer,
        3.75,
        0.01,
        hints=[
            (
                4,
                tr(
                    "that is drop_last=False. With drop_last=True each epoch drops the 4 samples "
                    "of the short tail, so not every sample is used in every epoch."
                ),
            ),
            (4 * 60, tr("that is the total number of uses; divide by the 64 samples.")),
            (
                60,
                tr(
                    "that is how many samples one epoch uses; the question asks for the mean "
                    "number of uses per sample over 4 epochs."
                ),
            ),
            (
                3,
                tr(
                    "a sample is dropped only in the epochs where it lands in the short tail: "
                    "count the uses over all 64 samples, then take the mean."
                ),
            ),
            (0.9375, tr("that is the mean over one epoch; the question asks about 4 epochs.")),
        ],
        why=tr(
            "each epoch uses 6 · 10 = 60 of the 64 samples, so 4 · 60 / 64 = 3.75: most "
            "samples are used 4 times, the ones that fell in a dropped tail fewer."
        ),
    )
