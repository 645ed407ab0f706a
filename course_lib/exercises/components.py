"""Chapter 4 questions about the components φ: predict, then run.

* :func:`check_more_steps_question` (conceptual): why 5 inner steps from a random φ score
  worse on the query set than 1 step.
* :func:`check_shift_question` (a number, before the augmentation run): which shift s makes
  the augmented point (x − s·sign(x), −y) a true point of every sinusoid task.
* :func:`check_no_gradient_question` (think): which component has no gradient, so the
  outer loop must search it by evolution or reinforcement learning.

Each checker prints ✓ or the reason the chosen answer is wrong, and never raises.
"""

from __future__ import annotations

import math

from course_lib.exercises.harness import check_choice, check_number, safe_checker
from course_lib.i18n import tr

__all__ = [
    "more_steps_options",
    "check_more_steps_question",
    "check_shift_question",
    "check_no_gradient_question",
]

MORE_STEPS_OPTIONS = {
    "a": "the step size α = 0.01 is too large, so the inner loop diverges",
    "b": "the inner loop fits the 5 support points better and better, "
    "but a random φ knows nothing about sinusoids, so the fit gets worse elsewhere",
    "c": "the query set is drawn from a different task than the support set",
    "d": "gradient descent only reduces the loss in expectation, so more steps add noise",
}


def more_steps_options() -> dict[str, str]:
    """:data:`MORE_STEPS_OPTIONS` in the reader's language, for a chapter to print."""
    return {
        "a": tr("the step size α = 0.01 is too large, so the inner loop diverges"),
        "b": tr(
            "the inner loop fits the 5 support points better and better, "
            "but a random φ knows nothing about sinusoids, so the fit gets worse elsewhere"
        ),
        "c": tr("the query set is drawn from a different task than the support set"),
        "d": tr("gradient descent only reduces the loss in expectation, so more steps add noise"),
    }


@safe_checker
def check_more_steps_question(answer: object) -> bool:
    """Why does the query loss of a random φ rise from 1 to 5 inner steps? (correct: "b")."""
    return check_choice(
        answer,
        "b",
        {
            "a": tr(
                "a diverging inner loop would make the *support* loss grow, and the run shows "
                "it falling at every step; the step is small enough."
            ),
            "c": tr(
                "support and query points come from the same task (same A and phase); only "
                "the x positions differ."
            ),
            "d": tr(
                "the inner loop uses the full support set, so its gradient has no sampling "
                "noise: each step really lowers the support loss, as the run shows."
            ),
        },
        why=tr(
            "the support loss falls at every step while the query loss rises: that is "
            "overfitting 5 points. A meta-learned φ carries what the tasks share, so its few "
            "steps generalise."
        ),
    )


@safe_checker
def check_shift_question(answer: object) -> bool:
    """Which positive shift s makes (x − s·sign(x), −y) true for every task A·sin(x + φ)? (π)."""
    return check_number(
        answer,
        math.pi,
        0.05,
        [
            (
                lambda a: abs(a - 2 * math.pi) <= 0.05,
                tr(
                    "2π is the period: it keeps y, but the "
                    "augmented point has −y. Which shift flips the sign of a sine?"
                ),
            ),
            (
                lambda a: abs(a + math.pi) <= 0.05,
                tr(
                    "−π also flips the sign (sin(x − π) = −sin x), "
                    "but the question asks for the positive shift."
                ),
            ),
            (
                lambda a: abs(a - math.pi / 2) <= 0.05,
                tr(
                    "a shift of π/2 turns sin into cos, not into "
                    "−sin: the partner point would be wrong for most x."
                ),
            ),
            (
                lambda a: abs(a) <= 0.05,
                tr(
                    "with s = 0 each partner is (x, −y): it contradicts its "
                    "own original point, and the two cancel in the loss."
                ),
            ),
            (lambda a: abs(a - 180) <= 1, tr("that is π in degrees; the inputs x are in radians.")),
            (
                lambda a: abs(a - 1.0) <= 0.05,
                tr("1.0 is only where the run starts s; the question is where it should end up."),
            ),
            (lambda a: a < 0, tr("the question asks for a positive shift.")),
            (
                lambda a: a > 5,
                tr(
                    "the inputs live in [−5, 5]; a shift this large moves every "
                    "partner out of range. Which shift flips the sign of a sine?"
                ),
            ),
        ],
        why=tr(
            "sin(x − π + φ) = −sin(x + φ) for every amplitude and phase, so (x − π·sign(x), −y) "
            "is a true point of the same task: the augmentation doubles K for free."
        ),
    )


@safe_checker
def check_no_gradient_question(answer: object) -> bool:
    """Which component gets no gradient from L(φ)? (correct: "c", the number of inner steps)."""
    return check_choice(
        answer,
        "c",
        {
            "a": tr(
                "the step sizes multiply the gradient in θ = φ − α ⊙ g, so ∂L/∂α exists: "
                "Meta-SGD learns them by gradient."
            ),
            "b": tr(
                "the mixing weights enter every forward pass through a softmax, a smooth "
                "function: that relaxation is exactly what makes DARTS differentiable."
            ),
            "d": tr(
                "s moves the partner points smoothly (x − s·sign(x)), so the query loss "
                "changes smoothly with s and has a gradient."
            ),
            "e": tr(
                "the weighting network's output multiplies each point's loss, a smooth "
                "function of its parameters ψ."
            ),
        },
        options=["a", "b", "c", "d", "e"],
        why=tr(
            "an integer has no derivative: L(φ) jumps between 1, 2, 3 … steps, so the outer "
            "loop must search it (evolution, reinforcement learning) instead of following a gradient."
        ),
    )
