"""A chapter's checkpoint: claims about the method, checked on this run, each with its margin.

A checkpoint cell says what the chapter showed ("MAML-RL after one step beats pre-training
after one step") and asserts it. The claim has to hold on any student's CPU and any training
seed, not just ours: CPUs round floating-point sums differently (AVX-512, AVX2, ARM), and RL
training turns last-bit differences into different policies. So every claim carries

* its **margin**: how far the run clears the claim's bar, in the claim's own units
  (``> 0``: the claim holds), and
* its **noise**: the scale on which the measured number wobbles (e.g. the two intervals'
  half-widths), so that a margin of 0.1 reads as "a tenth of the noise" or "ten times it".

:func:`checkpoint` asserts every claim, prints one ``✓`` line, and, when the environment
variable ``COURSE_CLAIMS_LOG`` names a file, appends one JSON line per claim to it. That is how
``benchmarks/checkpoints.py`` audits every chapter's claims across CPU kernel paths and seeds.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass

from course_lib.i18n import tr
from course_lib.stats import Interval
from course_lib.validation import check_instance

__all__ = ["Claim", "at_least", "at_most", "above", "paired_above", "checkpoint", "LOG_VARIABLE"]

#: The environment variable naming a JSON-lines file that :func:`checkpoint` appends to.
LOG_VARIABLE = "COURSE_CLAIMS_LOG"


@dataclass(frozen=True)
class Claim:
    """One asserted statement: ``margin > 0`` means it holds; ``noise`` sets its scale."""

    statement: str
    margin: float
    noise: float | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        _check_text(statement=self.statement, detail=self.detail)
        # NaN is kept (a diverged run's claim fails, visibly); ±inf is no margin of a real run.
        object.__setattr__(self, "margin", _finite("margin", self.margin, nan_ok=True))
        if self.noise is not None:
            noise = _finite("noise", self.noise)
            if noise < 0:
                raise ValueError(f"noise must be None or a finite number >= 0, got {noise}")
            object.__setattr__(self, "noise", noise)

    @property
    def holds(self) -> bool:
        return math.isfinite(self.margin) and self.margin > 0

    @property
    def margin_in_noise(self) -> float | None:
        """The margin in units of the claim's noise (None for exact claims without noise)."""
        if self.noise is None or not self.noise > 0:
            return None
        return self.margin / self.noise


def _finite(name: str, x: object, *, nan_ok: bool = False) -> float:
    """``x`` as a finite float: a Python, numpy or 0-d torch number (a run's results are any).

    ``nan_ok``: a NaN result (a diverged run) is kept, so that its claim fails (a NaN margin
    never holds) and the checkpoint reports it, instead of an error hiding the other claims.
    """
    if isinstance(x, bool | str) or not hasattr(x, "__float__"):
        raise TypeError(f"{name} must be a finite number, got {x!r}")
    v = float(x)
    if not (math.isfinite(v) or (nan_ok and math.isnan(v))):
        raise ValueError(f"{name} must be a finite number, got {v}")
    return v


def _check_text(**texts: object) -> None:
    for name, text in texts.items():
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {type(text).__name__} {text!r:.80}")


def _check_bound_claim(
    statement: object, value: object, bound: object, noise: object, detail: object
) -> tuple[float, float]:
    """A NaN result (a diverged run) must not become a claim with a NaN margin: say so here."""
    if not isinstance(statement, str):
        raise TypeError(f"statement must be a str, got {statement!r}")
    if not isinstance(detail, str):
        raise TypeError(f"detail must be a str, got {detail!r}")
    if noise is not None and _finite("noise", noise) < 0:
        raise ValueError(f"noise must be None or a finite number >= 0, got {noise}")
    return _finite("value", value, nan_ok=True), _finite("bound", bound)


def at_least(
    statement: str, value: float, bound: float, *, noise: float | None = None, detail: str = ""
) -> Claim:
    """``value ≥ bound`` (a threshold such as CartPole's 475); margin ``value − bound``."""
    _check_bound_claim(statement, value, bound, noise, detail)
    return Claim(
        statement,
        float(value) - float(bound),
        noise,
        detail or tr("{value:.4g} vs bound {bound:.4g}", value=value, bound=bound),
    )


def at_most(
    statement: str, value: float, bound: float, *, noise: float | None = None, detail: str = ""
) -> Claim:
    """``value ≤ bound``; margin ``bound − value``."""
    _check_bound_claim(statement, value, bound, noise, detail)
    return Claim(
        statement,
        float(bound) - float(value),
        noise,
        detail or tr("{value:.4g} vs bound {bound:.4g}", value=value, bound=bound),
    )


def above(statement: str, a: Interval, b: Interval, *, detail: str = "") -> Claim:
    """The interval of ``a`` lies wholly above that of ``b``: margin ``a.low − b.high``."""
    _check_text(statement=statement, detail=detail)
    check_instance("a", a, Interval, "an Interval (from course_lib.stats.mean_ci)")
    check_instance("b", b, Interval, "an Interval (from course_lib.stats.mean_ci)")
    return Claim(
        statement,
        a.low - b.high,
        a.half_width + b.half_width,
        detail or tr("{a:.4g} vs {b:.4g}", a=a, b=b),
    )


def paired_above(
    statement: str, difference: Interval, by: float = 0.0, *, detail: str = ""
) -> Claim:
    """A paired difference (:func:`course_lib.stats.paired_difference`) whose interval lies above ``by``."""
    _check_text(statement=statement, detail=detail)
    what = "an Interval (from course_lib.stats.paired_difference)"
    check_instance("difference", difference, Interval, what)
    by = _finite("by", by)
    return Claim(
        statement,
        difference.low - float(by),
        difference.half_width,
        detail
        or tr(
            "paired difference {difference:.4g} (must exceed {by:.4g})",
            difference=difference,
            by=by,
        ),
    )


def checkpoint(chapter: str, claims: list[Claim], summary: str) -> None:
    """Assert every claim of a chapter's checkpoint and print ``✓ summary``.

    A failing claim raises ``AssertionError`` listing each claim that failed with its numbers.
    Every claim, passing or not, is first logged to ``$COURSE_CLAIMS_LOG`` when that is set.
    """
    if not isinstance(chapter, str) or not chapter:
        raise TypeError(f"chapter must be a non-empty string such as '08', got {chapter!r}")
    if (
        not isinstance(claims, list | tuple)
        or not claims
        or not all(isinstance(c, Claim) for c in claims)
    ):
        raise TypeError(
            "claims must be a non-empty list of Claim (from at_least, above, paired_above, ...), "
            f"got {claims!r:.80}"
        )
    _check_text(summary=summary)
    _log(chapter, claims)
    failed = [c for c in claims if not c.holds]
    if failed:
        lines = "\n".join(_failure_line(c) for c in failed)
        header = tr(
            "Chapter {chapter} checkpoint: {failed} of {total} claims failed",
            chapter=chapter,
            failed=len(failed),
            total=len(claims),
        )
        raise AssertionError(f"{header}\n{lines}")
    print(f"✓ {summary}")


def _failure_line(claim: Claim) -> str:
    """One failed claim with its numbers; a NaN margin says where a NaN comes from."""
    line = tr(
        "  ✗ {statement}: {detail} (margin {margin:.4g})",
        statement=claim.statement,
        detail=claim.detail,
        margin=claim.margin,
    )
    if math.isnan(claim.margin):
        line += tr(": a NaN result (a diverged run, or a metric of no data) never holds")
    return line


def _log(chapter: str, claims: list[Claim]) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as log:
        for claim in claims:
            record = {"chapter": chapter, **asdict(claim), "holds": claim.holds}
            record["margin_in_noise"] = claim.margin_in_noise
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
