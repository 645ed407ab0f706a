"""The rest of the course's library: the exercise harness and sandbox, the exercises of Chapters
0-5 and 7-8's questions not owned elsewhere, validation, claims, i18n, glossary, chapters,
notebook, and the widgets not owned by another area.

The checks of :mod:`course_lib.validation` take the checked argument's *name* as their first
argument and put it in their message; their baselines pass ``name="value"``, so that a bad
``value`` gives a message naming "value", as the sweep asks of every parameter (a bad ``name``
itself, such as ``3``, is refused too).
"""

from __future__ import annotations

import dataclasses
import math

import torch

from course_lib.validation import bounded


def _interval(mean: float = 1.0):
    from course_lib.stats import Interval

    return Interval(mean, 0.1, 10)


def _claim():
    from course_lib.claims import Claim

    return Claim("a claim", 1.0)


@dataclasses.dataclass
class _Config:
    """A tiny declared config for declared_ranges / check_declared."""

    size: int = bounded(2, 1, 10)


def _task():
    from course_lib.exercises.sandbox import Task

    return Task(abs, (-1,))


def _outcome():
    from course_lib.exercises.sandbox import Outcome

    return Outcome(value=1)


def _rng_states():
    from course_lib.exercises import sandbox

    return sandbox._encode_rng(sandbox._rng_states())


def _answer(x):
    return x


def _curve_fields() -> dict:
    """A MAML-RL-shaped curve: 3 tasks, steps 0 and 1, goals, θ_0 and θ_1, positions."""
    return {
        "steps": [0, 1],
        "per_task": torch.zeros(3, 2),
        "metric": "return",
        "higher_is_better": True,
        "tasks": torch.zeros(3, 2),
        "params": [{"w": torch.zeros(3, 2)}, {"w": torch.ones(3, 2)}],
        "positions": torch.zeros(2, 4, 3, 1, 2),
    }


def _exercise_fields() -> dict:
    return {"library": (abs,), "arg_names": ("x",), "cases": list, "success": "right."}


class _RaisingFloat:
    """An answer whose ``__float__`` raises (issue #28: the number checkers crashed on it)."""

    def __float__(self) -> float:
        raise RuntimeError("no float here")


_V = "course_lib.validation"
_H = "course_lib.exercises.harness"
_S = "course_lib.exercises.sandbox"

VALID_BY_CALLABLE = {
    "course_lib.claims.at_least": lambda: {"statement": "a claim"},
    "course_lib.claims.at_most": lambda: {"statement": "a claim"},
    "course_lib.claims.Claim": lambda: {"statement": "a claim", "margin": 1.0, "noise": 0.5},
    "course_lib.claims.above": lambda: {
        "statement": "a claim",
        "a": _interval(2.0),
        "b": _interval(1.0),
    },
    "course_lib.claims.paired_above": lambda: {"statement": "a claim", "difference": _interval()},
    "course_lib.claims.checkpoint": lambda: {
        "chapter": "00",
        "claims": [_claim()],
        "summary": "every claim holds",
    },
    "course_lib.adaptation.AdaptationCurve": _curve_fields,
    "course_lib.chapters.Chapter": lambda: {
        "number": 1,
        "name": "01_rl_from_zero",
        "title": "RL from zero",
        "builds": "an agent",
    },
    "course_lib.glossary.Term": lambda: {
        "english": "policy",
        "chinese": "策略",
        "chapter": 1,
        "also": ("policies",),
        "note": "π",
        "note_zh": "π",
    },
    "course_lib.glossary.chinese": lambda: {"english": "policy"},
    "course_lib.glossary.find": lambda: {"english": "policy"},
    "course_lib.i18n.display_width": lambda: {"text": "策略 policy"},
    "course_lib.i18n.listing": lambda: {"items": ["a", "b"]},
    "course_lib.i18n.pad": lambda: {"text": "策略", "spec": "<8"},
    "course_lib.i18n.placeholders": lambda: {"message": "{a} and {b}"},
    "course_lib.i18n.set_language": lambda: {"language": "en"},
    "course_lib.notebook.show_source": lambda: {"obj": _answer},
    # the harness
    f"{_H}.Case": lambda: {"label": "on one case", "args": (1,), "kwargs": {}, "time_limit": 1.0},
    f"{_H}.CodingExercise": _exercise_fields,
    f"{_H}.Problem": lambda: {"message": "wrong", "hint": "try again"},
    f"{_H}.call": lambda: {"fn": list, "max_items": 2, "too_many": "too many"},
    f"{_H}.check_choice": lambda: {
        "answer": "a",
        "correct": "a",
        "reasons": {"b": "not b"},
        "why": "a is right",
    },
    f"{_H}.check_number": lambda: {
        "answer": 1.0,
        "expected": 1.0,
        "tol": 0.1,
        "hints": [(2.0, "twice")],
        "why": "one",
        "unit": " s",
    },
    f"{_H}.compare_with_ours": lambda: {"obj": _answer, "passed": True},
    f"{_H}.describe": lambda: {"value": 1},
    f"{_H}.explain": lambda: {"error": ValueError("x"), "time_limit": 1.0},
    f"{_H}.library_answer": lambda: {"fn": _answer},
    f"{_H}.plain_number": lambda: {"value": 0.5, "what": "value"},
    f"{_H}.safe_checker": lambda: {"checker": _answer},
    f"{_H}.uses_numpy": lambda: {"fn": _answer},
    # the sandbox
    f"{_S}.Opaque": lambda: {"type_name": "Foo", "note": "a note"},
    f"{_S}.Run": lambda: {"outcomes": iter([])},
    f"{_S}.Task": lambda: {"function": abs, "args": (-1,), "kwargs": {}, "time_limit": 1.0},
    f"{_S}.decode": lambda: {"data": [1, 2]},
    f"{_S}.encode": lambda: {"obj": [1, 2]},
    f"{_S}.lossy": lambda: {"data": [1, 2]},
    f"{_S}.outcome_to_plain": lambda: {"outcome": _outcome()},
    f"{_S}.same": lambda: {"a": [1], "b": [1]},
    f"{_S}.set_rng_states": lambda: {"states": _rng_states()},
    f"{_S}.snapshot": lambda: {"args": (1,), "kwargs": {"y": 2}},
    f"{_S}.run_tasks": lambda: {"tasks": [], "watch": {}},
    # Chapter 0's exercises
    "course_lib.exercises.start.check_distinct_draws": lambda: {"answer": 6},
    "course_lib.exercises.start.check_paper_scale": lambda: {"answer": "a"},
    "course_lib.exercises.start.check_seeded_noise": lambda: {"fn": _answer},
    # validation: name="value" (see the module docstring)
    f"{_V}.check_int": lambda: {"name": "value", "value": 3, "minimum": 0, "maximum": 10},
    f"{_V}.check_real": lambda: {"name": "value", "value": 0.5, "lo": 0.0, "hi": 1.0},
    f"{_V}.check_seed": lambda: {"value": 0, "name": "value"},
    f"{_V}.check_bool": lambda: {"name": "value", "value": True},
    f"{_V}.check_device": lambda: {"value": "cpu", "name": "value"},
    f"{_V}.check_hidden_sizes": lambda: {"hidden_sizes": (8,), "name": "hidden_sizes"},
    f"{_V}.check_choice": lambda: {"name": "value", "value": "a", "choices": ("a", "b")},
    f"{_V}.check_tensor": lambda: {
        "name": "value",
        "value": torch.zeros(2),
        "ndim": 1,
        "finite": True,
    },
    f"{_V}.check_finite": lambda: {"name": "value", "value": torch.zeros(2)},
    f"{_V}.check_instance": lambda: {
        "name": "value",
        "value": 1,
        "types": int,
        "what": "an int",
    },
    f"{_V}.check_sequence": lambda: {
        "name": "value",
        "value": (1, 2),
        "of": int,
        "length": 2,
    },
    f"{_V}.check_env_id": lambda: {"value": "CartPole-v1", "name": "value"},
    f"{_V}.check_params": lambda: {"params": {"w": torch.zeros(2)}, "default": None},
    f"{_V}.Choice": lambda: {"options": ("a", "b")},
    f"{_V}.Checked": lambda: {"function": lambda value, name: value},
    f"{_V}.declared": lambda: {"default": 2, "spec": _range()},
    f"{_V}.bounded": lambda: {"default": 0.5, "low": 0.0, "high": 1.0},
    f"{_V}.choice": lambda: {"default": "a", "options": ("a", "b")},
    f"{_V}.declared_ranges": lambda: {"config_cls": _Config},
    f"{_V}.check_declared": lambda: {"config": _Config()},
    # the methods (their instances: INSTANCES below, or the class's own baseline)
    f"{_V}.Range.check": lambda: {"name": "value", "value": 3},
    f"{_V}.Choice.check": lambda: {"name": "value", "value": "a"},
    f"{_V}.Checked.check": lambda: {"name": "value", "value": True},
    f"{_V}.Widths.check": lambda: {"name": "value", "value": (8,)},
    "course_lib.adaptation.AdaptationCurve.scores": lambda: {"steps": 1},
    "course_lib.adaptation.AdaptationCurve.interval": lambda: {"steps": 1},
    "course_lib.i18n.catalog": lambda: {"language": "zh"},
    "course_lib.i18n.tr": lambda: {"message": "a message"},
    f"{_H}.Report.ok": lambda: {"message": "right"},
    f"{_H}.Report.fail": lambda: {"message": "wrong", "hint": "try again"},
    f"{_H}.Report.note": lambda: {"message": "a remark"},
    # a CodingExercise's fields observe and changed_input are functions, swept as its methods
    f"{_H}.CodingExercise.observe": lambda: {"fn": list},
    f"{_H}.CodingExercise.changed_input": lambda: {"name": "x"},
    f"{_H}.CodingExercise.check": lambda: {"fn": _answer},
}


def _instances() -> dict:
    """Instances for the methods of validation's specs (their baselines would be guesses)."""
    from course_lib import validation

    return {
        f"{_V}.Range": lambda: validation.Range(1, 10, integer=True),
        f"{_V}.Choice": lambda: validation.Choice(("a", "b")),
        f"{_V}.Checked": lambda: validation.FLAG,
        f"{_V}.Widths": lambda: validation.Widths(max_layers=2),
    }


INSTANCES = _instances()


def _range():
    from course_lib.validation import Range

    return Range(1, 10, integer=True)


def _values(*pairs):
    """Hand-written ``(label, value)`` pairs; a label has no "-" (the case id's separator)."""
    assert all("-" not in label for label, _ in pairs), pairs
    return lambda: list(pairs)


_NOT_A_NUMBER = [("str", "3"), ("float", 2.5), ("bool", True), ("None", None)]

BAD_BY_PARAM = {
    # issue #28's examples: time_limit=0 is refused (never "no limit"); 10**400 and a raising
    # __float__ are judged as wrong answers by the number checkers (tests/test_exercise_harness.py)
    f"{_H}.call-time_limit": _values(("zero", 0), ("negative", -1.0), ("over_600", 601.0)),
    f"{_H}.call-max_items": _values(("negative", -1)),
    f"{_H}.check_number-expected": _values(("int_overflow", 10**400)),
    f"{_H}.check_number-tol": _values(("negative", -0.1)),
    f"{_H}.check_number-hints": _values(
        ("int", 3), ("str", "2"), ("not_a_pair", [(2.0,)]), ("nan_value", [(math.nan, "x")])
    ),
    f"{_H}.check_choice-correct": _values(("int", 3)),
    f"{_H}.check_choice-options": _values(("int", 3), ("without_correct", ["b"])),
    f"{_H}.compare_with_ours-obj": _values(("int", 3)),
    f"{_H}.plain_number-value": _values(
        ("nan", math.nan),
        ("int_overflow", 10**400),
        ("raising_float", _RaisingFloat()),
        ("str", "0.5"),
    ),
    f"{_H}.Case-time_limit": _values(("zero", 0.0)),
    f"{_H}.CodingExercise-time_limit": _values(("zero", 0.0)),
    f"{_H}.CodingExercise-library": _values(("not_callable", (3,))),
    f"{_H}.CodingExercise-arg_names": _values(("int_name", (3,))),
    f"{_H}.CodingExercise-across_cases": _values(("not_a_pair", [(len,)])),
    f"{_S}.Task-time_limit": _values(("zero", 0.0)),
    f"{_S}.Run-outcomes": _values(("int", 3), ("None", None), ("list", [])),
    f"{_S}.run_tasks-tasks": _values(("not_a_task", [3])),
    f"{_S}.set_rng_states-states": _values(("empty", {})),
    "course_lib.adaptation.AdaptationCurve-steps": _values(
        ("empty", []), ("negative", [-1, 0]), ("decreasing", [1, 0])
    ),
    "course_lib.adaptation.AdaptationCurve-per_task": _values(
        ("1_d", torch.zeros(2)),
        ("columns_not_steps", torch.zeros(3, 3)),
        ("int", torch.zeros(3, 2, dtype=torch.long)),
    ),
    "course_lib.adaptation.AdaptationCurve-tasks": _values(("rows_not_tasks", torch.zeros(4, 2))),
    "course_lib.adaptation.AdaptationCurve-params": _values(
        ("length_not_steps", [{"w": torch.zeros(1)}]), ("not_tensors", [{"w": 1}, {"w": 2}])
    ),
    "course_lib.adaptation.AdaptationCurve-positions": _values(
        ("4_d", torch.zeros(2, 4, 3, 2)), ("tasks_not_rows", torch.zeros(2, 4, 5, 1, 2))
    ),
    "course_lib.adaptation.AdaptationCurve.scores-steps": _values(
        ("not_evaluated", 5), ("bool", True), ("float", 1.0)
    ),
    "course_lib.adaptation.AdaptationCurve.interval-steps": _values(("not_evaluated", 5)),
    # message is positional-only (so that a placeholder may be called `message`)
    "course_lib.i18n.tr-message": _values(("missing_value", "{n} and {m}"), ("bytes", b"{n}")),
    "course_lib.i18n.catalog-language": _values(("unknown", "fr"), ("list", ["zh"])),
    "course_lib.i18n.pad-spec": _values(("not_a_spec", "zz"), ("int", 8)),
    "course_lib.glossary.chinese-english": _values(("unknown", "flux capacitor"), ("int", 3)),
    f"{_V}.Range.check-value": _values(
        ("over", 11), ("float", 2.5), ("0_d_float", torch.tensor(2.0))
    ),
    f"{_V}.Choice.check-value": _values(("unknown", "c"), ("int", 3), ("None", None)),
    f"{_V}.Checked.check-value": _values(("str", "yes"), ("int", 1), ("None", None)),
    f"{_V}.Widths.check-value": _values(("too_many", (8, 8, 8)), ("too_wide", (5000,))),
    "course_lib.chapters.Chapter-number": _values(("negative", -1)),
    "course_lib.glossary.Term-chapter": _values(("negative", -1)),
    "course_lib.i18n.listing-items": _values(("int", 3), ("str", "ab"), ("None", None)),
    "course_lib.i18n.set_language-language": _values(("unknown", "fr")),
    "course_lib.notebook.show_source-obj": _values(("int", 3), ("None", None)),
    "course_lib.claims.Claim-noise": _values(("negative", -1.0)),
    "course_lib.claims.checkpoint-claims": _values(("empty", []), ("not_claims", [1.0])),
    # validation: the checks refuse bad values, and a bad bound or name of their own
    # a 0-d tensor stands for its number (the lead's decision), checked as the number; one that
    # requires grad, of a float dtype for an int, of a bool dtype, or of 1 element is refused
    f"{_V}.check_int-value": _values(
        *_NOT_A_NUMBER[:3],
        ("over", 11),
        ("under", -1),
        ("0_d_over", torch.tensor(11)),
        ("0_d_float", torch.tensor(3.0)),
        ("0_d_bool", torch.tensor(True)),
    ),
    f"{_V}.check_int-maximum": _values(("below_minimum", -1)),
    f"{_V}.check_real-value": _values(
        ("str", "0.5"),
        ("bool", True),
        ("nan", math.nan),
        ("inf", math.inf),
        ("over", 2.0),
        ("0_d_nan", torch.tensor(math.nan)),
        ("0_d_over", torch.tensor(2.0)),
        ("0_d_requires_grad", torch.tensor(0.5, requires_grad=True)),
        ("0_d_complex", torch.tensor(0.5 + 0j)),
        ("1_element", torch.tensor([0.5])),
    ),
    f"{_V}.check_seed-value": _values(*_NOT_A_NUMBER, ("negative", -1), ("2**63", 2**63)),
    f"{_V}.check_bool-value": _values(("str", "False"), ("int", 1), ("None", None)),
    f"{_V}.check_device-value": _values(("int", 3), ("unknown", "no-such-device"), ("None", None)),
    f"{_V}.check_hidden_sizes-hidden_sizes": _values(
        ("str", "64"), ("int", 64), ("zero_width", (0,)), ("bool_width", (True,)), ("None", None)
    ),
    f"{_V}.check_choice-value": _values(("int", 3), ("unknown", "c"), ("None", None)),
    f"{_V}.check_choice-choices": _values(("str", "ab"), ("empty", ())),
    f"{_V}.check_tensor-value": _values(
        ("list", [0.0]), ("2_d", torch.zeros(1, 2)), ("None", None)
    ),
    f"{_V}.check_tensor-ndim": _values(("negative", -1)),
    f"{_V}.check_finite-value": _values(
        ("list", [0.0]), ("inf", torch.tensor([math.inf])), ("None", None)
    ),
    f"{_V}.check_instance-value": _values(("str", "1"), ("None", None)),
    f"{_V}.check_instance-types": _values(("int", 3), ("str", "int"), ("empty_tuple", ())),
    f"{_V}.check_sequence-value": _values(
        ("str", "ab"), ("int", 3), ("too_long", (1, 2, 3)), ("str_element", (1, "x"))
    ),
    f"{_V}.check_sequence-of": _values(("instance", 3)),
    f"{_V}.check_sequence-length": _values(("negative", -1)),
    f"{_V}.check_sequence-min_length": _values(("over_max", 2_000_000)),
    f"{_V}.check_sequence-max_length": _values(("under_min", -1)),
    f"{_V}.check_env_id-value": _values(("int", 3), ("unknown", "NoSuchEnv-v0"), ("None", None)),
    f"{_V}.check_params-params": _values(
        ("list", [1, 2]), ("empty", {}), ("not_tensors", {"w": 1.0}), ("int", 3)
    ),
    f"{_V}.Choice-options": _values(("str", "ab"), ("empty", ())),
    f"{_V}.declared-default": _values(("list", [2]), ("outside_spec", 11), ("str", "2")),
    f"{_V}.declared-spec": _values(("int", 3), ("dict", {"low": 1})),
    f"{_V}.bounded-default": _values(("str", "0.5"), ("nan", math.nan), ("outside", 2.0)),
    f"{_V}.choice-default": _values(("unknown", "c")),
    f"{_V}.choice-options": _values(("str", "ab"), ("empty", ())),
    f"{_V}.declared_ranges-config_cls": _values(("int", 3), ("a_class", int), ("None", None)),
    f"{_V}.check_declared-config": _values(("int", 3), ("the_class", _Config)),
}

RECORDS = {
    "course_lib.exercises.sandbox.Outcome": "built by the sandbox from a child's report",
}

_ANSWER = "an answer: every value is judged (a ✗ line and False), never raised on"
_PASS = "a pass-through: any value is handed back as it is (the caller's own)"

INTENDED = {
    "course_lib.claims.at_least-value-nan": "a diverged run's NaN makes its claim fail, visibly",
    "course_lib.claims.at_most-value-nan": "a diverged run's NaN makes its claim fail, visibly",
    "course_lib.claims.Claim-margin-nan": "a diverged run's NaN margin makes its claim fail, visibly",
    "course_lib.validation.Range-high-inf": "high=math.inf declares a float field with no cap",
    "course_lib.validation.check_int-minimum-negative": (
        "a negative minimum is legal (an offset, a signed count): 3 is in [-1, 10]"
    ),
    f"{_H}.CodingExercise.check-fn-object": _ANSWER,
    f"{_H}.CodingExercise.check-fn-None": _ANSWER,
    "course_lib.validation.bounded-high-inf": "high=math.inf declares a float field with no cap",
    "course_lib.validation.check_real-lo--inf": "lo=-math.inf: no floor (value stays finite)",
    "course_lib.validation.check_real-hi-inf": "hi=math.inf: no cap (value stays finite)",
    "course_lib.adaptation.AdaptationCurve-per_task-nan": (
        "a diverged learner's score (an MSE that overflowed) is a result to show, not an input"
    ),
    "course_lib.exercises.start.check_seeded_noise-fn-int": _ANSWER,
    "course_lib.exercises.start.check_seeded_noise-fn-None": _ANSWER,
    # parameters annotated Any that every value is valid for (EXEMPT below): the generated
    # object() and None are accepted, by design
    **{
        f"{pair}-{label}": "any value (see EXEMPT)"
        for pair in (
            f"{_H}.check_choice-answer",
            f"{_H}.check_number-answer",
            f"{_H}.library_answer-fn",
            f"{_H}.uses_numpy-fn",
            f"{_H}.describe-value",
            f"{_H}.Case-data",
            f"{_S}.encode-obj",
            f"{_S}.decode-data",
            f"{_S}.lossy-data",
            f"{_S}.same-a",
            f"{_S}.same-b",
        )
        for label in ("object", "None")
    },
}

EXEMPT = {
    f"{_H}.check_choice-answer": _ANSWER,
    f"{_H}.check_number-answer": _ANSWER,
    f"{_H}.CodingExercise.check-fn": _ANSWER,
    f"{_H}.library_answer-fn": _ANSWER + " (None: not the library's)",
    f"{_H}.uses_numpy-fn": "any object: False for what is not a Python function",
    f"{_H}.describe-value": "any object: describing it is the purpose (none of its methods runs)",
    f"{_H}.Case-data": "anything the exercise's judge needs, passed through to it",
    "course_lib.exercises.start.check_distinct_draws-answer": _ANSWER,
    "course_lib.exercises.start.check_paper_scale-answer": _ANSWER,
    "course_lib.exercises.start.check_seeded_noise-fn": _ANSWER,
    f"{_S}.encode-obj": "any object: what is not plain data becomes an Opaque",
    f"{_S}.decode-data": "any encoded value; what is not an encoding is handed back as it is",
    f"{_S}.lossy-data": "any encoded value (what is not an encoding is not lossy)",
    f"{_S}.same-a": "any two values: different ones compare as not the same",
    f"{_S}.same-b": "any two values: different ones compare as not the same",
    f"{_V}.check_params-default": _PASS,
}

#: 10**12 where the other arguments then contradict it (the error names those).
HUGE_CONTRADICTS = {
    f"{_V}.check_tensor-ndim": (
        "ndim=10**12 is a legal request (torch sets no cap on dimensions); the baseline's 1-d "
        "value contradicts it: 'value must be a 1000000000000-d tensor, got ... (1-d)'"
    ),
    f"{_V}.check_sequence-length": (
        "length=10**12 is a legal request (a range has any length); the baseline's 2 items "
        "contradict it: 'value must have 1000000000000 items, got 2'"
    ),
}

#: Gaps the generated sweep found that are not fixed yet (strict xfails: a fixed one must leave).
KNOWN_GAPS: dict[str, str] = {}
