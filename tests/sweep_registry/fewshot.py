"""Few-shot image classification: meta.characters, meta.classifiers, meta.images, Chapter 6's
exercises (exercises.fewshot) and widget (widgets.fewshot).

The fixtures are tiny: a 2-way learner with one hidden layer of 8 units that has not trained
("scratch"), two 2-way 1-shot tasks of the digits, and, for the character pipeline, a typeface
every machine has: matplotlib's own STIX General (SIL OFL 1.1, with Latin glyphs), so the
rendering functions get a valid call without the Debian CJK fonts. A baseline renders one
8×8 glyph at most.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import bad_inputs
import numpy as np
import torch

# ------------------------------------------------------------------------------- fixtures


def _stix():
    import matplotlib

    from course_lib.meta.characters import Typeface

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "STIXGeneral.ttf"
    return Typeface("STIX General", "Song", "STIX", "matplotlib", str(path))


def _digits():
    from course_lib.meta.images import digit_split

    return digit_split()


def _config(method: str, **changes):
    from course_lib.meta.classifiers import FewShotConfig

    fields = dict(n_way=2, k_query=1, meta_batch_size=1, iterations=1, hidden_sizes=(8,))
    return FewShotConfig(method=method, log_every=1, **{**fields, **changes})


def _learner():
    from course_lib.meta.classifiers import train_fewshot

    return train_fewshot(_config("scratch"), DIGITS()[0], progress=False).model


def _tasks():
    """Two 2-way 1-shot tasks of the meta-test digits, one query image per class."""
    return DIGITS()[1].sample(2, 2, 1, 1, torch.Generator().manual_seed(0))


STIX = bad_inputs.Lazy(_stix)
DIGITS = bad_inputs.Lazy(_digits)
LEARNER = bad_inputs.Lazy(_learner)
TASKS = bad_inputs.Lazy(_tasks)
TMP = bad_inputs.Lazy(lambda: Path(tempfile.mkdtemp(prefix="sweep-fewshot-")))


def _tasks_with(**changes):
    """TASKS with some of its tensors replaced (a label 7 in a 2-way task, a NaN pixel)."""
    return TASKS()._replace(**changes)


def _nan_image():
    x = TASKS().x_support.clone()
    x[0, 0, 0, 0, 0] = float("nan")
    return x


def _arrays():
    from course_lib.meta.characters import build_character_set

    return build_character_set(1, typefaces=(STIX(),), candidates="A", size=8)


def _levels(*shape, value=0, dtype=torch.uint8):
    return torch.full(shape, value, dtype=dtype)


def _learner_fields():
    learner = LEARNER()
    return {
        "method": learner.method,
        "model": learner.model,
        "params": learner.params,
        "inner_lr": learner.inner_lr,
        "n_way": learner.n_way,
        "config": learner.config,
    }


def _outer_loss_args():
    learner = LEARNER()
    return {
        "config": _config("maml"),
        "model": learner.model,
        "params": dict(learner.params),
        "batch": TASKS(),
    }


def _tasks_28():
    from course_lib.meta.images import ImageTasks

    return ImageTasks(torch.zeros(4, 3, 1, 28, 28), list("abcd"), description="28×28 images")


def _widget_args():
    learner = LEARNER()
    return {
        "learners": {"maml": learner, "scratch": learner},
        "tasks": DIGITS()[1],
        "num_tasks": 2,
        "shots": (1,),
        "k_query": 1,
        "max_steps": 1,
    }


_CH, _CL, _IM = (
    "course_lib.meta.characters",
    "course_lib.meta.classifiers",
    "course_lib.meta.images",
)
_W = "course_lib.widgets.fewshot"
_EVAL = {"learner": lambda: LEARNER(), "tasks": lambda: TASKS(), "max_steps": lambda: 1}

VALID_BY_CALLABLE = {
    # meta.characters: one Latin glyph of STIX General, 8×8
    f"{_CH}.Typeface": lambda: {
        k: getattr(STIX(), k) for k in ("name", "style", "family", "package", "path")
    },
    f"{_CH}.check_glyphs": lambda: {"typeface": STIX(), "characters": "A"},
    f"{_CH}.common_characters": lambda: {"typefaces": (STIX(),), "candidates": "AB"},
    f"{_CH}.open_typeface": lambda: {"typeface": STIX(), "size": 8},
    f"{_CH}.draw_jitter": lambda: {"rng": np.random.default_rng(0)},
    f"{_CH}.instance_rng": lambda: {"character": "A", "typeface": STIX()},
    f"{_CH}.render_character": lambda: {"character": "A", "typeface": STIX(), "size": 8},
    f"{_CH}.render_characters": lambda: {"characters": "A", "typefaces": (STIX(),), "size": 8},
    f"{_CH}.build_character_set": lambda: {
        "count": 1,
        "typefaces": (STIX(),),
        "candidates": "AB",
        "size": 8,
    },
    f"{_CH}.write_character_set": lambda: {"arrays": _arrays(), "path": TMP() / "tiny.npz"},
    f"{_CH}.file_sha256": lambda: {"path": STIX().path},
    f"{_CH}.CharacterSet": lambda: {
        "levels": _levels(2, 1, 8, 8),
        "characters": "AB",
        "typefaces": (STIX(),),
        "font_sha256": ("0" * 64,),
    },
    f"{_CH}.CharacterTasks": lambda: {
        "levels": _levels(2, 2, 1, 8, 8),
        "characters": "AB",
        "typefaces": (STIX(), STIX()),
    },
    # meta.images
    f"{_IM}.check_images": lambda: {"x": torch.zeros(2, 1, 8, 8)},
    f"{_IM}.ImageTasks": lambda: {"images": torch.zeros(2, 2, 1, 8, 8), "class_names": ("a", "b")},
    f"{_IM}.DigitTasks": lambda: {"digits": (0, 1), "rotations": (0,)},
    f"{_IM}.describe_class": lambda: {"digit_rotation": (7, 90)},
    # meta.classifiers
    f"{_CL}.prototype_logits": lambda: {
        "support": torch.tensor([[0.0, 0.0], [0.0, 1.0], [2.0, 0.0], [2.0, 1.0]]),
        "support_labels": torch.tensor([0, 0, 1, 1]),
        "query": torch.tensor([[0.5, 0.5], [1.5, 0.5], [3.0, 0.0]]),
        "n_way": 2,
    },
    f"{_CL}.FewShotLearner": _learner_fields,
    f"{_CL}.outer_loss": _outer_loss_args,
    f"{_CL}.train_fewshot": lambda: {
        "config": _config("protonet"),
        "tasks": DIGITS()[0],
        "progress": False,
    },
    f"{_CL}.meta_iterations_per_second": lambda: {
        "config": _config("maml"),
        "tasks": DIGITS()[0],
        "seconds": 0.01,
        "batches": 1,
    },
    **{
        f"{_CL}.{name}": lambda: {k: v() for k, v in _EVAL.items()}
        for name in ("adaptation_accuracy", "predictions_along_the_way", "evaluate_fewshot")
    },
    f"{_CL}.choose_inner_lr": lambda: {
        "learner": LEARNER(),
        "tasks": TASKS(),
        "candidates": (0.1, 0.4),
        "steps": 1,
    },
    f"{_CL}.layer_names": lambda: {"params": LEARNER().params},
    f"{_CL}.layer_changes": lambda: {"learner": LEARNER(), "tasks": TASKS(), "steps": 1},
    # methods: ImageTasks on INSTANCES' tiny family, the learner's on one task of TASKS
    f"{_IM}.ImageTasks.describe": lambda: {"c": 0},
    f"{_IM}.ImageTasks.check_task_shape": lambda: {"n_way": 2, "k_shot": 1, "k_query": 1},
    f"{_IM}.ImageTasks.sample_classes": lambda: {"num_tasks": 2, "n_way": 2},
    f"{_IM}.ImageTasks.make_tasks": lambda: {
        "classes": torch.tensor([[0, 1], [3, 2]]),
        "k_shot": 1,
        "k_query": 1,
    },
    f"{_IM}.ImageTasks.sample": lambda: {"num_tasks": 2, "n_way": 2, "k_shot": 1, "k_query": 1},
    f"{_IM}.ImageTasks.labelled_batch": lambda: {"size": 3},
    f"{_CH}.CharacterSet.tasks": lambda: {
        "classes": (1, 0),
        "instances": (0,),
        "description": "two letters",
    },
    f"{_CH}.CharacterSet.family": lambda: {
        "characters": "BA",
        "typefaces": (STIX(),),
        "description": "two letters",
    },
    f"{_CL}.FewShotNet.features": lambda: {"x": TASKS().x_support[0]},
    f"{_CL}.FewShotNet.forward": lambda: {"x": TASKS().x_support[0]},
    f"{_CL}.FewShotLearner.adapt": lambda: {
        "x": TASKS().x_support[0],
        "y": TASKS().y_support[0],
        "steps": 1,
    },
    f"{_CL}.FewShotLearner.logits": lambda: {"x": TASKS().x_query[0]},
    # widgets.fewshot
    f"{_W}.story_task": lambda: {
        "correct": {"maml": np.array([1.0, 0.5]), "scratch": np.array([0.5, 0.5])},
        "winners": ["maml"],
        "losers": ["scratch"],
    },
    f"{_W}.fewshot_explorer": _widget_args,
}


def _image_tasks():
    """A fresh family of 4 classes × 3 random 8×8 images (its methods are swept on it)."""
    from course_lib.meta.images import ImageTasks

    images = torch.rand(4, 3, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    return ImageTasks(images, list("abcd"), description="4 random classes")


def _net():
    """A small untrained 2-way network of the digits' 8×8 images."""
    return _other_net(2)


INSTANCES = {
    f"{_IM}.ImageTasks": _image_tasks,
    f"{_CL}.FewShotNet": _net,
}

INTENDED = {
    f"{_CH}.Jitter-stroke-negative": "stroke=-1 thins every stroke by one pixel: -1, 0 and +1 "
    "are the three strokes the docstring names (draw_jitter draws each)",
}

_CHECKER = (
    "a checker judges whatever the notebook passes: a wrong or odd answer, or a broken "
    "measurement of this run, is feedback (it prints why, or 'cannot judge', and returns "
    "False), never an exception raised at the reader (tests/test_exercises_fewshot.py)"
)

EXEMPT = {
    f"course_lib.exercises.fewshot.{name}": _CHECKER
    for name in (
        "check_prototype_logits-fn",
        "check_chance_accuracy-answer",
        "check_zero_step_maml-answer",
        "check_most_changed_layer-answer",
        "check_most_changed_layer-changes",
        "check_pixel_yardstick-answer",
        "check_pixel_yardstick-digits",
        "check_pixel_yardstick-characters",
    )
}

# ------------------------------------------------------------------- hand-written bad values
# What the annotations cannot say: shapes, labels beyond N, lengths that disagree, NaN inside a
# task batch, names that are not there; and issue #28's examples (prototype_logits(n_way=0),
# labels 7 in a 5-way task: here 7 in a 2-way one).


def _values(*pairs):
    return lambda: list(pairs)


BAD_BY_PARAM = {
    # meta.classifiers
    f"{_CL}.prototype_logits-n_way": _values(("zero", 0), ("more_than_the_labels", 3)),
    f"{_CL}.prototype_logits-support_labels": lambda: [
        ("label_7", torch.tensor([0, 0, 1, 7])),
        ("negative", torch.tensor([0, -1, 1, 1])),
        ("float", torch.tensor([0.0, 0.0, 1.0, 1.0])),
        ("short", torch.tensor([0, 1])),
        ("2_d", torch.tensor([[0, 0, 1, 1]])),
    ],
    f"{_CL}.prototype_logits-support": lambda: [
        ("1_d", torch.zeros(4)),
        ("long", torch.zeros(4, 2, dtype=torch.long)),
        ("inf", torch.full((4, 2), float("inf"))),
    ],
    f"{_CL}.prototype_logits-query": lambda: [
        ("other_width", torch.zeros(3, 5)),
        ("inf", torch.full((3, 2), float("inf"))),
    ],
    f"{_CL}.FewShotLearner-method": _values(("unknown", "knn"), ("not_the_configs", "anil")),
    f"{_CL}.FewShotLearner-inner_lr": _values(("negative", -1.0), ("zero", 0.0)),
    f"{_CL}.FewShotLearner-n_way": _values(("not_the_heads", 3), ("one", 1)),
    f"{_CL}.FewShotLearner-params": lambda: [
        ("empty", {}),
        ("no_head", {k: v for k, v in LEARNER().params.items() if k.startswith("body.")}),
    ],
    f"{_CL}.FewShotLearner-model": lambda: [("other_head", _other_net(3))],
    f"{_CL}.outer_loss-config": lambda: [("scratch", _config("scratch"))],
    f"{_CL}.outer_loss-model": lambda: [("other_head", _other_net(3))],
    f"{_CL}.outer_loss-params": lambda: [("empty", {}), ("no_head", _body_only())],
    f"{_CL}.outer_loss-batch": lambda: [
        ("object", object()),
        ("None", None),
        ("label_7", _tasks_with(y_query=torch.full_like(TASKS().y_query, 7))),
        ("nan_pixel", _tasks_with(x_support=_nan_image())),
        ("28x28_images", _tasks_28().sample(1, 2, 1, 1)),
    ],
    f"{_CL}.train_fewshot-tasks": lambda: [("a_task_batch", TASKS())],
    f"{_CL}.train_fewshot-config": lambda: [("over_the_image_budget", _huge("protonet"))],
    f"{_CL}.meta_iterations_per_second-config": lambda: [
        ("scratch", _config("scratch")),
        ("over_the_image_budget", _huge("maml")),
    ],
    f"{_CL}.meta_iterations_per_second-tasks": lambda: [("a_task_batch", TASKS())],
    **{
        f"{_CL}.{name}-tasks": lambda: [
            ("label_7", _tasks_with(y_support=torch.full_like(TASKS().y_support, 7))),
            ("nan_pixel", _tasks_with(x_support=_nan_image())),
            ("28x28_images", _tasks_28().sample(1, 2, 1, 1)),
            ("float_labels", _tasks_with(y_query=TASKS().y_query.float())),
            ("no_tasks", TASKS()._replace(**{k: v[:0] for k, v in TASKS()._asdict().items()})),
        ]
        for name in (
            "adaptation_accuracy",
            "predictions_along_the_way",
            "evaluate_fewshot",
            "choose_inner_lr",
            "layer_changes",
        )
    },
    f"{_CL}.choose_inner_lr-candidates": _values(("empty", ()), ("negative", (-1.0,))),
    f"{_CL}.layer_changes-learner": lambda: [("protonet", _pixels())],
    f"{_CL}.FewShotLearner.logits-support": lambda: [
        ("object", object()),
        ("images_alone", TASKS().x_support[0]),
        ("label_7", (TASKS().x_support[0], torch.full_like(TASKS().y_support[0], 7))),
        ("nan_pixel", (_nan_image()[0], TASKS().y_support[0])),
        ("a_task_batch", (TASKS().x_support, TASKS().y_support)),
    ],
    f"{_CL}.FewShotLearner.logits-x": lambda: [("28x28", torch.zeros(2, 1, 28, 28))],
    f"{_CL}.FewShotLearner.adapt-x": lambda: [("a_task_batch", TASKS().x_support)],
    f"{_CL}.FewShotLearner.adapt-y": lambda: [
        ("label_7", torch.full_like(TASKS().y_support[0], 7)),
        ("short", TASKS().y_support[0][:1]),
    ],
    **{
        f"{_CL}.FewShotNet.{name}-x": lambda: [
            ("28x28", torch.zeros(2, 1, 28, 28)),
            ("long", torch.zeros(2, 1, 8, 8, dtype=torch.long)),
            ("flat", torch.zeros(2, 64)),
        ]
        for name in ("features", "forward")
    },
    f"{_IM}.ImageTasks.make_tasks-classes": lambda: [
        ("float", torch.tensor([[0.0, 1.0]])),
        ("1_d", torch.tensor([0, 1])),
        ("class_4", torch.tensor([[0, 4]])),
        ("repeated", torch.tensor([[1, 1]])),
    ],
    f"{_IM}.ImageTasks.check_task_shape-k_shot": _values(("all_images", 3)),
    f"{_IM}.ImageTasks.sample-n_way": _values(("more_than_the_classes", 5)),
    f"{_CH}.CharacterSet.tasks-classes": _values(
        ("class_2", (0, 2)), ("repeated", (0, 0)), ("empty", ())
    ),
    f"{_CH}.CharacterSet.tasks-instances": _values(("instance_1", (1,)), ("floats", (0.0,))),
    f"{_CH}.CharacterSet.family-characters": _values(("not_in_the_set", "AZ"), ("empty", "")),
    f"{_CH}.CharacterSet.family-typefaces": lambda: [("not_in_the_set", (_other_stix(),))],
    f"{_CL}.layer_names-params": _values(("empty", {}), ("not_tensors", {"head.weight": 1.0})),
    # meta.images
    f"{_IM}.check_images-x": lambda: [
        ("list", [[0.0]]),
        ("5x5", torch.zeros(2, 1, 5, 5)),
        ("long", torch.zeros(2, 1, 8, 8, dtype=torch.long)),
    ],
    f"{_IM}.check_images-shape": _values(("two_channels", (2, 8, 8)), ("zero_height", (1, 0, 8))),
    f"{_IM}.ImageTasks-images": lambda: [
        ("4_d", torch.zeros(2, 2, 8, 8)),
        ("3_channels", torch.zeros(2, 2, 3, 8, 8)),
        ("bool", torch.zeros(2, 2, 1, 8, 8, dtype=torch.bool)),
    ],
    f"{_IM}.ImageTasks-class_names": _values(("too_few", ("a",)), ("not_strings", (1, 2))),
    f"{_IM}.DigitTasks-digits": _values(("ten", (10,)), ("repeated", (1, 1)), ("empty", ())),
    f"{_IM}.DigitTasks-rotations": _values(("45", (45,)), ("repeated", (0, 0))),
    f"{_IM}.digit_split-test_digits": _values(
        ("six_without_nine", (6,)), ("all", tuple(range(10)))
    ),
    f"{_IM}.digit_split-rotations": _values(
        ("45", (45,)),
    ),
    f"{_IM}.describe_class-digit_rotation": _values(
        ("rotation_45", (7, 45)), ("digit_12", (12, 0)), ("three", (1, 0, 0))
    ),
    # meta.characters
    f"{_CH}.Typeface-name": _values(("empty", "")),
    f"{_CH}.Typeface-style": _values(("unknown", "Gothic")),
    f"{_CH}.Typeface-index": _values(("negative", -1)),
    f"{_CH}.Typeface-licence": _values(("unknown", "MIT")),
    f"{_CH}.render_characters-characters": _values(
        ("ints", [1, 2]), ("no_glyph", "永"), ("endless", itertools.repeat("A"))
    ),
    f"{_CH}.check_glyphs-characters": _values(
        ("int", 3), ("None", None), ("empty", ""), ("ints", [1, 2]), ("no_glyph", "永")
    ),
    f"{_CH}.check_glyphs-font_dirs": _values(("str", "/usr/share/fonts"), ("ints", [1])),
    f"{_CH}.common_characters-candidates": _values(
        ("empty", ""),
    ),
    f"{_CH}.instance_rng-character": _values(("two", "AB"), ("empty", "")),
    f"{_CH}.render_character-character": _values(("two", "AB")),
    f"{_CH}.render_character-size": _values(("4", 4), ("1000", 1000)),
    f"{_CH}.render_characters-typefaces": lambda: [("over_the_render_budget", (STIX(),) * 100_001)],
    f"{_CH}.render_characters-size": _values(
        ("4", 4),
    ),
    f"{_CH}.build_character_set-count": _values(
        ("zero", 0), ("more_than_the_pool", 3), ("over_the_render_budget", 100_001)
    ),
    f"{_CH}.write_character_set-arrays": lambda: [
        ("no_levels", {k: v for k, v in _arrays().items() if k != "levels"}),
        ("level_16", {**_arrays(), "levels": np.full((1, 1, 8, 8), 16, np.uint8)}),
        ("float_levels", {**_arrays(), "levels": np.zeros((1, 1, 8, 8))}),
    ],
    f"{_CH}.write_character_set-path": lambda: [("no_folder", TMP() / "missing" / "x.npz")],
    f"{_CH}.file_sha256-path": lambda: [("missing", TMP() / "no-such-file")],
    f"{_CH}.CharacterSet-levels": lambda: [
        ("float", torch.zeros(2, 1, 8, 8)),
        ("level_16", _levels(2, 1, 8, 8, value=16)),
        ("3_d", _levels(2, 8, 8)),
    ],
    f"{_CH}.CharacterSet-characters": _values(("too_few", "A")),
    f"{_CH}.CharacterSet-typefaces": lambda: [("too_many", (STIX(), STIX()))],
    f"{_CH}.CharacterSet-font_sha256": _values(("not_hex", ("x" * 64,)), ("two", ("0" * 64,) * 2)),
    f"{_CH}.CharacterTasks-levels": lambda: [
        ("float", torch.zeros(2, 2, 1, 8, 8)),
        ("4_d", _levels(2, 2, 8, 8)),
    ],
    f"{_CH}.CharacterTasks-characters": _values(("too_few", "A")),
    f"{_CH}.CharacterTasks-typefaces": lambda: [("too_few", (STIX(),))],
    # widgets.fewshot
    f"{_W}.story_task-correct": lambda: [
        ("empty", {}),
        ("nan", {"maml": np.array([np.nan, 0.5]), "scratch": np.array([0.5, 0.5])}),
        ("ragged", {"maml": np.array([1.0]), "scratch": np.array([0.5, 0.5])}),
        ("not_numbers", {"maml": ["right", "wrong"], "scratch": np.array([0.5, 0.5])}),
    ],
    f"{_W}.story_task-winners": _values(("unknown", ["knn"]), ("empty", [])),
    f"{_W}.story_task-losers": _values(("unknown", ["knn"]), ("empty", [])),
    f"{_W}.fewshot_explorer-learners": lambda: [("empty", {}), ("not_a_learner", {"a": object()})],
    f"{_W}.fewshot_explorer-tasks": lambda: [("28x28_images", _tasks_28())],
    f"{_W}.fewshot_explorer-shots": _values(("empty", ()), ("zero", (0,))),
    f"{_W}.fewshot_explorer-winners": _values(("unknown", ["knn"])),
    f"{_W}.fewshot_explorer-losers": _values(("unknown", ["knn"])),
    f"{_W}.fewshot_explorer-num_tasks": _values(("zero", 0), ("1000", 1000)),
}


def _huge(method: str):
    """4.2 million images a step: every size within its range and the digits' limits."""
    return _config(method, meta_batch_size=1000, n_way=24, k_shot=100, k_query=74)


def _other_stix():
    import dataclasses

    return dataclasses.replace(STIX(), name="STIX General copy")


def _other_net(n_out: int):
    from course_lib.meta.classifiers import FewShotNet

    return FewShotNet(n_out, (8,))


def _body_only():
    return {k: v for k, v in LEARNER().params.items() if k.startswith("body.")}


def _pixels():
    from course_lib.meta.classifiers import pixel_prototypes

    return pixel_prototypes(2)


#: Gaps the generated sweep found that are not fixed yet (strict xfails: a fixed one must leave).
KNOWN_GAPS: dict = {}
