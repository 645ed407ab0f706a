"""Chapter 0 exercises: how the course's cells, parameters and seeds work.

* :func:`check_paper_scale` (easy, a choice): how to run a chapter's full-size experiment.
* :func:`check_distinct_draws` (predict then run, a number): what a seeded generator repeats.
* :func:`check_seeded_noise` (coding): ``seeded_noise(seed, n)`` draws ``n`` standard normal
  numbers from its own seeded ``torch.Generator``, leaving torch's global random state alone,
  the rule every trainer of the course follows.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_lib.exercises.harness import (
    Case,
    CodingExercise,
    check_choice,
    check_number,
    describe,
    safe_checker,
)
from course_lib.i18n import tr
from course_lib.training import make_generator, seeded

__all__ = ["check_paper_scale", "check_distinct_draws", "check_seeded_noise"]


@safe_checker
def check_paper_scale(answer: object) -> bool:
    """Question: how do you run a chapter's full-size ("paper") experiments?"""
    return check_choice(
        answer,
        "a",
        {
            "b": tr(
                "the library holds no sizes of your run: each chapter reads them from its "
                "parameters cell, so editing course_lib changes nothing you asked for (and every "
                "chapter at once)."
            ),
            "c": tr(
                "SEED picks *which* random numbers you get, not how much work is done; "
                "SEED must stay an integer."
            ),
            "d": tr("widgets only show results computed earlier; a slider never trains anything."),
        },
        why=tr(
            'SCALE = "paper" in the parameters cell, then Kernel → Restart Kernel and Run '
            "All Cells: every size in the chapter is read from that cell."
        ),
    )


@safe_checker
def check_distinct_draws(answer: object) -> bool:
    """Question: how many distinct numbers among a, b (same generator) and c (fresh, same seed)?"""
    return check_number(
        answer,
        6,
        0,
        hints=[
            (
                9,
                tr(
                    "a fresh generator seeded with the same seed starts the same sequence again, "
                    "so c repeats a."
                ),
            ),
            (
                3,
                tr(
                    "one generator moves on after each draw: b continues where a stopped, it "
                    "does not repeat it."
                ),
            ),
            (
                1,
                tr(
                    "a draw of 3 numbers gives 3 different numbers (ties of continuous random "
                    "numbers essentially never happen)."
                ),
            ),
            (
                2,
                tr(
                    "a, b and c are three numbers each: even the two that repeat each other hold 3 "
                    "different numbers."
                ),
            ),
            (lambda a: a > 9 or a < 0, tr("there are only 9 numbers in all.")),
        ],
        why=tr(
            "a and c are the same three numbers (same seed, fresh start); b is the next three "
            "of the same sequence: 3 + 3 = 6 distinct numbers."
        ),
    )


_N = 2000


def _draw(fn: Callable, seed: int, n: int) -> tuple:
    """Runs with the answer: its numbers, and whether torch's global random state moved."""
    state = torch.random.get_rng_state()
    out = fn(seed, n)
    return out, not torch.equal(state, torch.random.get_rng_state())


def _cases() -> list[Case]:
    label = f"seeded_noise(3, {_N})"
    return [Case(label, (3, _N)), Case(label, (3, _N)), Case(f"seeded_noise(4, {_N})", (4, _N))]


def _judge(case: Case, got: tuple, expected: None) -> str | None:
    out, _ = got
    seed, n = case.args
    if not isinstance(out, torch.Tensor):
        return tr(
            "seeded_noise({seed}, {n}) returned {got}; return a torch tensor "
            "(torch.randn(n, generator=...)).",
            seed=seed,
            n=n,
            got=describe(out),
        )
    if tuple(out.shape) != (n,):
        return tr(
            "seeded_noise({seed}, {n}) returned shape {shape}; expected ({n},): "
            "one number per draw, torch.randn(n, ...).",
            seed=seed,
            n=n,
            shape=tuple(out.shape),
        )
    if out.dtype != torch.float32:
        return tr(
            "seeded_noise returned {dtype}; the course's tensors are float32 (torch's "
            "default), the dtype of the networks' weights.",
            dtype=out.dtype,
        )
    return None


def _judge_all(cases: list[Case], got: list[tuple], expected: list) -> str | None:
    (first, touched), (again, _), (other, _) = got
    if not torch.equal(first, again):
        return tr(
            "the same seed gave different numbers on two calls: draw from a generator you "
            "seed yourself, torch.Generator().manual_seed(seed), and pass it as generator=."
        )
    if touched:
        return tr(
            "your function changed torch's global random state (torch.manual_seed or a draw "
            "without generator=): every other cell's random numbers would shift. Use a "
            "torch.Generator of your own."
        )
    if torch.equal(first, other):
        return tr(
            "seeds 3 and 4 gave identical numbers: your generator ignores the seed argument; "
            "seed it with manual_seed(seed)."
        )
    if not bool(torch.isfinite(first).all()):
        return tr("some numbers are NaN or infinite: draw them with torch.randn, unchanged.")
    if bool((first >= 0).all()) and float(first.max()) < 1:
        return tr(
            "all the numbers lie in [0, 1): that is torch.rand, the uniform distribution; "
            "standard normal numbers come from torch.randn."
        )
    if abs(float(first.mean())) > 0.15 or abs(float(first.std()) - 1) > 0.15:
        return tr(
            "the numbers have mean {mean:.2f} and standard deviation {std:.2f}; standard "
            "normal numbers have mean 0 and std 1 (torch.randn, no scaling or shifting).",
            mean=float(first.mean()),
            std=float(first.std()),
        )
    return None


SEEDED_NOISE = CodingExercise(
    # The course's own ways to a seeded generator: building one is the exercise.
    library=(make_generator, seeded),
    arg_names=("seed", "n"),
    cases=_cases,
    observe=_draw,
    judge=_judge,
    across_cases=[(_judge_all, None)],
    prefix_errors=False,
    success="",  # set by check_seeded_noise, in the reader's language
)


@safe_checker
def check_seeded_noise(fn: Callable[[int, int], torch.Tensor]) -> bool:
    """Check a student's ``seeded_noise(seed, n) -> tensor`` of n standard normal numbers.

    Same seed ⇒ same numbers; different seeds ⇒ different numbers; torch's global random
    state untouched; the numbers look standard normal (mean ≈ 0, std ≈ 1, some negative).
    """
    SEEDED_NOISE.success = tr(
        "seeded_noise is right: same seed, same numbers; another seed, other numbers; "
        "torch's global random state untouched."
    )
    return SEEDED_NOISE.check(fn)
