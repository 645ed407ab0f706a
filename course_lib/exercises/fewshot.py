"""Exercises of Chapter 6: few-shot image classification.

* :func:`check_prototype_logits` (coding): ``prototype_logits(support, support_labels,
  query, n_way) -> [Q, N]``, the prototypical network's scores −‖f(x) − c_n‖².
* :func:`check_chance_accuracy` (number): the accuracy of guessing on 5-way tasks.
* :func:`check_zero_step_maml` (multiple choice): MAML's accuracy before any inner step.
* :func:`check_most_changed_layer` (predict, then run): which layer moves most when MAML
  adapts, judged against this run's measurement.
* :func:`check_pixel_yardstick` (predict, then run): where raw-pixel prototypes score higher,
  on the digits or on the characters, judged against this run's measurement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import Tensor

from course_lib.exercises.harness import (
    CannotJudge,
    Case,
    CodingExercise,
    check_choice,
    check_number,
    describe,
    plain_number,
    safe_checker,
)
from course_lib.i18n import listing, tr
from course_lib.meta.classifiers import prototype_logits

__all__ = [
    "check_prototype_logits",
    "check_chance_accuracy",
    "check_zero_step_maml",
    "check_most_changed_layer",
    "check_pixel_yardstick",
]


def _cases() -> list[Case]:
    """(support, labels, query, n_way): a hand-sized case, then harder ones. The features
    require grad: the embedding is trained through the logits."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.tensor([2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1])  # shuffled, not sorted
    listed = [
        (
            tr("3 support points in 2-D, 2 classes"),
            torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]]),
            torch.tensor([0, 0, 1]),
            torch.tensor([[1.0, 1.0], [0.0, 3.0]]),
            2,
        ),
        (
            tr("a 3-way 4-shot task whose labels come in mixed order"),
            torch.randn(12, 5, generator=generator),
            labels,
            torch.randn(7, 5, generator=generator),
            3,
        ),
        (
            tr("classes with different numbers of support images (3, 1 and 2)"),
            torch.randn(6, 4, generator=generator),
            torch.tensor([1, 0, 0, 2, 0, 2]),
            torch.randn(5, 4, generator=generator),
            3,
        ),
    ]
    return [
        Case(tr("on {what}", what=d), (s.requires_grad_(True), y, q.requires_grad_(True), n))
        for d, s, y, q, n in listed
    ]


def _diagnose(got: Tensor, support: Tensor, labels: Tensor, query: Tensor, n_way: int) -> str:
    """The likely mistake behind wrong logits, found by comparing with common wrong versions."""
    one_hot = (labels.unsqueeze(-1) == torch.arange(n_way)).float()
    means = (one_hot.T @ support) / one_hot.sum(0).unsqueeze(-1)
    sums = one_hot.T @ support
    first = torch.stack([support[labels == n][0] for n in range(n_way)])
    by_position = support[:n_way]

    def sq(protos: Tensor) -> Tensor:
        return ((query.unsqueeze(1) - protos) ** 2).sum(-1)

    right = -sq(means)
    suspects = [
        (
            sq(means),
            tr(
                "these are the squared distances themselves: a logit must be *larger* for "
                "a closer prototype, so return minus the distance, −‖f(x) − c_n‖²."
            ),
        ),
        (
            -sq(means).sqrt(),
            tr(
                "you took the square root: prototypical networks score with the "
                "*squared* Euclidean distance (no sqrt)."
            ),
        ),
        (
            -sq(sums),
            tr(
                "the prototype of a class is the *mean* of its support features; you "
                "summed them (divide by the number of support images of that class)."
            ),
        ),
        (
            -sq(first),
            tr(
                "each prototype must average *all* support images of its class, not "
                "take the first one."
            ),
        ),
        (
            -sq(by_position),
            tr(
                "prototype n must average the support features whose *label* is "
                "n; your code took support rows by position (labels are not sorted)."
            ),
        ),
        (
            -((query.unsqueeze(1) - means) ** 2).mean(-1),
            tr(
                "you averaged the squared differences "
                "over the D feature dimensions; sum them instead (‖·‖² is a sum)."
            ),
        ),
        (
            torch.softmax(right, -1),
            tr(
                "you returned probabilities (a softmax); return the logits "
                "and let cross-entropy apply the softmax."
            ),
        ),
        (
            torch.nn.functional.normalize(query, dim=-1)
            @ torch.nn.functional.normalize(means, dim=-1).T,
            tr(
                "that is cosine similarity; prototypical networks use minus the squared "
                "Euclidean distance."
            ),
        ),
    ]
    for wrong, message in suspects:
        if wrong.shape == got.shape and torch.allclose(got, wrong, atol=1e-4):
            return message
    return tr(
        "the logits differ from −‖f(x) − c_n‖² by up to {gap:.3g}.",
        gap=(got - right).abs().max().item(),
    )


def _judge(case: Case, got: object, right: Tensor) -> str | None:
    support, labels, query, n_way = case.args
    if not isinstance(got, Tensor):
        return tr(
            "{case}: return a torch tensor of logits, got {what}.",
            case=case.label,
            what=describe(got),
        )
    q, n = query.shape[0], n_way
    if got.shape == (n, q) and n != q:
        return tr(
            "{case}: the result has shape {shape}, transposed: one row per "
            "query image, one column per class ([Q, N] = [{q}, {n}]).",
            case=case.label,
            shape=tuple(got.shape),
            q=q,
            n=n,
        )
    if got.shape != (q, n):
        return tr(
            "{case}: the logits must have shape [Q, N] = [{q}, {n}], got {shape}.",
            case=case.label,
            q=q,
            n=n,
            shape=tuple(got.shape),
        )
    if not got.is_floating_point():
        return tr(
            "{case}: the logits must be floats, got {dtype}.", case=case.label, dtype=got.dtype
        )
    values = got.detach().float()
    if not torch.allclose(values, right, atol=1e-4):
        return f"{case.label}: " + _diagnose(values, support.detach(), labels, query.detach(), n)
    if not got.requires_grad:
        return tr(
            "the values are right, but no gradient flows back to the "
            "features: don't use .detach(), .item(), numpy or torch.no_grad(); "
            "the embedding network is trained through these logits."
        )
    return None


PROTOTYPE_LOGITS = CodingExercise(
    library=(prototype_logits,),
    arg_names=("support", "support_labels", "query", None),
    cases=_cases,
    reference=lambda case: prototype_logits(
        case.args[0].detach(), case.args[1], case.args[2].detach(), case.args[3]
    ),
    judge=_judge,
    changed_input=lambda name: tr(
        "your function changed `{name}` in place: leave its inputs as they are and build new "
        "tensors.",
        name=name,
    ),
    success="",  # set by check_prototype_logits, in the reader's language
)


@safe_checker
def check_prototype_logits(fn: Callable[[Tensor, Tensor, Tensor, int], Tensor]) -> bool:
    """Check a student's ``prototype_logits(support, support_labels, query, n_way)``.

    Right means: a ``[Q, N]`` tensor equal to −‖query_q − c_n‖² (c_n the mean of the support
    rows labelled n), on three cases, inputs left unchanged, and differentiable with respect
    to the features (the embedding is trained through these logits).
    """
    PROTOTYPE_LOGITS.success = tr(
        "prototype_logits is right: minus the squared distance to each class "
        "mean, [Q, N], differentiable, with labels in any order."
    )
    return PROTOTYPE_LOGITS.check(fn)


@safe_checker
def check_chance_accuracy(answer: object) -> bool:
    """Question: the expected accuracy of random guessing on a 5-way task, as a fraction."""
    return check_number(
        answer,
        0.2,
        1e-3,
        hints=[
            (20, tr("write it as a fraction between 0 and 1 (20% is 0.2).")),
            (
                0.1,
                tr("there are 10 digits, but a task only asks to choose among its N = 5 labels."),
            ),
            (1 / 40, tr("the data set has 40 classes, but a task only uses N = 5 of them.")),
            (1 / 16, tr("the meta-test set has 16 classes, but one task only uses N = 5.")),
            (1 / 24, tr("24 is the number of meta-training classes; a task has N = 5 labels.")),
            (
                1 / 1000,
                tr("the data set has 1,000 characters, but a task only uses N = 5 of them."),
            ),
            (1 / 200, tr("the meta-test set has 200 characters, but one task only uses N = 5.")),
            (1 / 28, tr("28 is the number of typefaces (instances of a class), not of labels.")),
            (0.5, tr("a guess is right with probability 1/N, and N = 5 here, not 2.")),
            (lambda a: a > 1, tr("an accuracy is a fraction between 0 and 1.")),
        ],
        why=tr("a guess picks one of N = 5 labels, right with probability 1/5."),
    )


@safe_checker
def check_zero_step_maml(answer: object) -> bool:
    """Question: MAML's accuracy on new tasks before any inner step (0 steps)."""
    return check_choice(
        answer,
        "a",
        {
            "b": tr(
                "MAML's φ is trained to be good *after* the inner loop, and before it the head "
                "cannot know which output stands for which class: labels are shuffled in every "
                "task."
            ),
            "c": tr(
                "0% would mean the network always picks a wrong label, which needs knowing the "
                "right one. Without the support set it can only guess: right 1 time in N."
            ),
            "d": tr(
                "nothing can beat chance without looking at the support set: the labels 0…4 "
                "are assigned to the task's classes in a fresh random order every time."
            ),
        },
        why=tr(
            "labels are a fresh permutation in every task, so before adapting to the support "
            "set no output unit means any particular class: about 1/N = 20%."
        ),
    )


_LAYER_CHOICES = {"a": "hidden layer 1", "b": "hidden layer 2", "c": "head"}


def _layer_names() -> dict[str, str]:
    """The layers as the reader reads them (``_LAYER_CHOICES`` are the measurement's keys)."""
    return {"a": tr("hidden layer 1"), "b": tr("hidden layer 2"), "c": tr("head")}


@safe_checker
def check_most_changed_layer(answer: object, changes: Mapping[str, float]) -> bool:
    """Predict-then-run: which layer's weights move most (relative to their size) when MAML
    adapts? a) hidden layer 1, b) hidden layer 2, c) the head, d) all about equally.

    ``changes`` is this run's :func:`course_lib.meta.layer_changes` of the MAML learner; the
    right choice is read from it ("d" when the largest change is under 1.5× the smallest). A
    layer whose change is not a finite number (a diverged run) is left out of the comparison,
    and said so; with fewer than two layers left there is nothing to judge.
    """
    if not isinstance(changes, Mapping):
        raise CannotJudge(
            tr("changes must map layer names to numbers, got {what}", what=describe(changes))
        )
    # layer_changes names the layers in the chapter's language; English keys are read too.
    shown = _layer_names()
    names = {k: n if n in changes else shown[k] for k, n in _LAYER_CHOICES.items()}
    missing = [name for name in names.values() if name not in changes]
    if missing:
        raise CannotJudge(
            tr(
                "this run's changes lack {missing} (they hold {held}): run the cell that "
                "measures layer_changes first",
                missing=missing,
                held=sorted(map(str, changes)),
            )
        )
    values, broken = {}, []
    for key, name in names.items():
        try:
            values[key] = plain_number(changes[name], f"the change of {name}")
        except CannotJudge:
            broken.append(name)
    if len(values) < 2:
        raise CannotJudge(
            tr("the changes of {broken} are not finite numbers: re-run the training", broken=broken)
        )
    largest = max(values, key=values.get)
    correct = "d" if values[largest] < 1.5 * min(values.values()) else largest
    measured = listing(
        tr("{layer} {change:.1f}%", layer=shown[k], change=100 * v) for k, v in values.items()
    )
    if broken:
        left_out = listing(shown[k] for k, n in names.items() if n in broken)
        measured += tr(" ({layers}: not a number in this run, left out)", layers=left_out)
    if correct == "d":
        reasons = {
            key: tr(
                "the changes were within a factor 1.5 of each other ({measured}): no layer "
                "stands out.",
                measured=measured,
            )
            for key in _LAYER_CHOICES
        }
    else:
        best = tr("{layer} ({change:.1f}%)", layer=shown[correct], change=100 * values[correct])
        reasons = {
            key: (
                tr(
                    "{layer} moved {change:.1f}% of its size in this run, less than the {best}.",
                    layer=shown[key],
                    change=100 * values[key],
                    best=best,
                )
                if key in values
                else tr(
                    "{layer}'s change is not a number in this run ({measured}).",
                    layer=shown[key],
                    measured=measured,
                )
            )
            for key in _LAYER_CHOICES
            if key != correct
        }
        reasons["d"] = tr(
            "the layers did not change equally ({measured}): the inner loop moves some "
            "layers far more than others.",
            measured=measured,
        )
    return check_choice(
        answer,
        correct,
        reasons,
        options=["a", "b", "c", "d"],
        why=(
            tr(
                "measured relative changes: {measured}. Raghu et al. (2020) saw the same on "
                "Omniglot and mini-ImageNet: MAML's inner loop mostly re-fits the head and "
                "reuses the body's features (feature reuse).",
                measured=measured,
            )
            if correct == "c"
            else tr("measured relative changes: {measured}.", measured=measured)
        ),
    )


_YARDSTICK_CHOICES = {"a": "the digits", "b": "the characters", "c": "about the same"}
#: Within this many points (as a fraction) the two accuracies count as "about the same".
_SAME = 0.05


def _accuracy(value: object, what: str) -> float:
    """A measured accuracy as a fraction in [0, 1], or CannotJudge: an impossible accuracy
    (2.0, a percentage) would otherwise decide which answer is right."""
    number = plain_number(value, what)
    if not 0.0 <= number <= 1.0:
        raise CannotJudge(
            tr("{what} must be a fraction in [0, 1], got {got}", what=what, got=number)
        )
    return number


@safe_checker
def check_pixel_yardstick(answer: object, digits: float, characters: float) -> bool:
    """Predict-then-run: at 5-way 1-shot, where do raw-pixel prototypes score higher?
    a) on the digits, b) on the characters, c) about the same (within 5 points).

    ``digits`` and ``characters`` are this run's mean accuracies (fractions) of
    :func:`course_lib.meta.pixel_prototypes` on 600 new tasks of each; the right choice is
    read from them. A measurement that is not a finite number (a broken run) cannot be judged.
    """
    digits = _accuracy(digits, tr("this run's digits accuracy"))
    characters = _accuracy(characters, tr("this run's characters accuracy"))
    measured = tr(
        "this run: digits {digits:.1f}%, characters {characters:.1f}%",
        digits=100 * digits,
        characters=100 * characters,
    )
    gap = digits - characters
    correct = "c" if abs(gap) < _SAME else ("a" if gap > 0 else "b")
    why = {
        "a": tr(
            "two handwritten 7s share most of their ink, so the class mean of the raw pixels "
            "already separates the digits; two typefaces' drawings of one character (hairline or "
            "heavy strokes, serifs, brush shapes, a slight turn) can be as far apart pixel by "
            "pixel as two different characters, so the characters need learned features"
        ),
        "b": tr("the characters' instances were closer to their class means than the digits' were"),
        "c": tr("pixels separated both data sets about equally well"),
    }
    higher = {"a": tr("the digits scored higher"), "b": tr("the characters scored higher")}
    reasons = {
        key: tr(
            "{higher} ({measured}): {why}.",
            higher=higher[correct],
            measured=measured,
            why=why[correct],
        )
        if correct != "c"
        else tr(
            "the two differ by less than {points:.0f} points ({measured}).",
            points=100 * _SAME,
            measured=measured,
        )
        for key in _YARDSTICK_CHOICES
        if key != correct
    }
    return check_choice(
        answer,
        correct,
        reasons,
        options=list(_YARDSTICK_CHOICES),
        why=tr("{measured}: {why}.", measured=measured, why=why[correct]),
    )
