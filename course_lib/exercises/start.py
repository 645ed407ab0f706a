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
    Report,
    StudentError,
    call,
    check_choice,
    check_number,
    safe_checker,
)

__all__ = ["check_paper_scale", "check_distinct_draws", "check_seeded_noise"]


def check_paper_scale(answer: object) -> bool:
    """Question: how do you run a chapter's full-size ("paper") experiments?"""
    return check_choice(
        answer,
        "a",
        {
            "b": "the library holds no sizes of your run: each chapter reads them from its "
            "parameters cell, so editing course_lib changes nothing you asked for (and every "
            "chapter at once).",
            "c": "SEED picks *which* random numbers you get, not how much work is done; "
            "SEED must stay an integer.",
            "d": "widgets only show results computed earlier; a slider never trains anything.",
        },
        why='SCALE = "paper" in the parameters cell, then Kernel → Restart Kernel and Run '
        "All Cells: every size in the chapter is read from that cell.",
    )


def check_distinct_draws(answer: object) -> bool:
    """Question: how many distinct numbers among a, b (same generator) and c (fresh, same seed)?"""
    return check_number(
        answer,
        6,
        0,
        hints=[
            (
                9,
                "a fresh generator seeded with the same seed starts the same sequence again, "
                "so c repeats a.",
            ),
            (
                3,
                "one generator moves on after each draw: b continues where a stopped, it "
                "does not repeat it.",
            ),
            (
                1,
                "a draw of 3 numbers gives 3 different numbers (ties of continuous random "
                "numbers essentially never happen).",
            ),
            (lambda a: a > 9 or a < 0, "there are only 9 numbers in all."),
        ],
        why="a and c are the same three numbers (same seed, fresh start); b is the next three "
        "of the same sequence: 3 + 3 = 6 distinct numbers.",
    )


def _draw(fn: Callable, seed: int, n: int) -> torch.Tensor:
    out = call(fn, seed, n)
    if not isinstance(out, torch.Tensor):
        kind = type(out).__module__.split(".")[0] + "." + type(out).__name__
        raise StudentError(
            f"seeded_noise({seed}, {n}) returned a {kind}; return a torch tensor "
            "(torch.randn(n, generator=...))."
        )
    if tuple(out.shape) != (n,):
        raise StudentError(
            f"seeded_noise({seed}, {n}) returned shape {tuple(out.shape)}; expected ({n},): "
            "one number per draw, torch.randn(n, ...)."
        )
    if out.dtype != torch.float32:
        raise StudentError(
            f"seeded_noise returned {out.dtype}; the course's tensors are float32 (torch's "
            "default), the dtype of the networks' weights."
        )
    return out


@safe_checker
def check_seeded_noise(fn: Callable[[int, int], torch.Tensor]) -> bool:
    """Check a student's ``seeded_noise(seed, n) -> tensor`` of n standard normal numbers.

    Same seed ⇒ same numbers; different seeds ⇒ different numbers; torch's global random
    state untouched; the numbers look standard normal (mean ≈ 0, std ≈ 1, some negative).
    """
    report = Report()
    state = torch.random.get_rng_state()
    try:
        first = _draw(fn, 3, 2000)
        touched = not torch.equal(state, torch.random.get_rng_state())
        again = _draw(fn, 3, 2000)
        other = _draw(fn, 4, 2000)
    except StudentError as error:
        return report.fail(str(error))
    if not torch.equal(first, again):
        return report.fail(
            "the same seed gave different numbers on two calls: draw from a generator you "
            "seed yourself, torch.Generator().manual_seed(seed), and pass it as generator=."
        )
    if touched:
        return report.fail(
            "your function changed torch's global random state (torch.manual_seed or a draw "
            "without generator=): every other cell's random numbers would shift. Use a "
            "torch.Generator of your own."
        )
    if torch.equal(first, other):
        return report.fail(
            "seeds 3 and 4 gave identical numbers: your generator ignores the seed argument; "
            "seed it with manual_seed(seed)."
        )
    if bool((first >= 0).all()) and float(first.max()) < 1:
        return report.fail(
            "all the numbers lie in [0, 1): that is torch.rand, the uniform distribution; "
            "standard normal numbers come from torch.randn."
        )
    if abs(float(first.mean())) > 0.15 or abs(float(first.std()) - 1) > 0.15:
        return report.fail(
            f"the numbers have mean {float(first.mean()):.2f} and standard deviation "
            f"{float(first.std()):.2f}; standard normal numbers have mean 0 and std 1 "
            "(torch.randn, no scaling or shifting)."
        )
    return report.ok(
        "seeded_noise is right: same seed, same numbers; another seed, other numbers; torch's "
        "global random state untouched."
    )
