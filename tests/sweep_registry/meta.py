"""meta.*, but the few-shot modules (they are ``fewshot``'s); widgets.meta, widgets.components;
exercises.meta, exercises.components, exercises.maml.

Every baseline is tiny: width-8 networks, 2-3 tasks of 5 points, trainers of one iteration.
"""

from __future__ import annotations

import bad_inputs
import torch

_M = "course_lib.meta."


def _gen():
    return torch.Generator().manual_seed(0)


# ------------------------------------------------------------------------------- fixtures


def _mixed():
    from course_lib.meta.architecture import MixedActivationMLP

    return MixedActivationMLP(1, (8,), ("relu", "tanh"), seed=0)


def _component_config():
    from course_lib.meta.components import ComponentConfig

    return ComponentConfig(
        components=("init",),
        iterations=1,
        meta_batch_size=2,
        k_support=2,
        k_query=2,
        hidden_sizes=(8,),
        activations=("relu", "tanh"),
        log_every=1,
    )


def _phi():
    from course_lib.meta.components import initial_components

    return initial_components(MIXED(), COMPONENT_CONFIG())


def _component_run():
    from course_lib.meta.components import learn_components

    return learn_components(COMPONENT_CONFIG(), progress=False)


def _meta_config():
    from course_lib.meta.train import MetaConfig

    return MetaConfig(iterations=1, meta_batch_size=2, k_support=2, k_query=2, hidden_sizes=(8,))


def _fits():
    from course_lib.meta.geometry import fit_tasks

    return {
        "phi": fit_tasks(
            bad_inputs.SINE(), bad_inputs.SINE_PARAMS(), bad_inputs.TASKS(), target=100.0
        )
    }


def _per_task_params():
    """θ per task: SINE_PARAMS with a leading task dimension of 3 (as in TaskFits)."""
    return {n: p.detach().expand(3, *p.shape).clone() for n, p in bad_inputs.SINE_PARAMS().items()}


MIXED = bad_inputs.Lazy(_mixed)
COMPONENT_CONFIG = bad_inputs.Lazy(_component_config)
PHI = bad_inputs.Lazy(_phi)
COMPONENT_RUN = bad_inputs.Lazy(_component_run)
META_CONFIG = bad_inputs.Lazy(_meta_config)
FITS = bad_inputs.Lazy(_fits)
RULE = bad_inputs.Lazy(
    lambda: __import__("course_lib.meta.learned_update").meta.learned_update.init_update_rule(4)
)
WEIGHTING_NET = bad_inputs.Lazy(
    lambda: __import__("course_lib.meta.reweighting").meta.reweighting.init_weighting_net(4)
)
K5 = bad_inputs.K5
LOGITS = torch.linspace(-1, 1, 10).reshape(2, 5, 1)
LABELS = (LOGITS > 0).float()
SINE_TASKS_AB = bad_inputs.Lazy(
    lambda: (
        __import__("course_lib.meta.tasks")
        .meta.tasks.SinusoidTasks()
        .make_tasks(torch.tensor([1.0, 2.0]), torch.tensor([0.5, 1.0]), 5, 5, _gen())
    )
)


def _cnp():
    from course_lib.meta.blackbox import ConditionalNeuralProcess

    return ConditionalNeuralProcess((8,), 8)


def _first_order_terms():
    from course_lib.meta.first_order import first_order_terms

    return first_order_terms(
        bad_inputs.SINE(), bad_inputs.SINE_PARAMS(), (K5, K5), (K5, -K5), inner_lr=0.01
    )


FIRST_ORDER_TERMS = bad_inputs.Lazy(_first_order_terms)


def _mse():
    from course_lib.meta.functional import mse

    return mse


def _squared_error():
    from course_lib.meta.components import squared_error

    return squared_error


# ------------------------------------------------------------------------------- baselines

#: Instances for the methods of classes the sweep does not construct itself (result records);
#: their methods do not change them, so one cached instance serves every case.
INSTANCES = {
    _M + "first_order.FirstOrderTerms": FIRST_ORDER_TERMS,
    _M + "tasks.TaskBatch": bad_inputs.TASKS,
}

_CNP_INPUTS = {
    "x_support": torch.zeros(2, 3, 1),
    "y_support": torch.zeros(2, 3, 1),
    "x_query": torch.zeros(2, 4, 1),
}

VALID_BY_CALLABLE = {
    _M + "architecture.block_weights": lambda: {"model": MIXED(), "mix": torch.zeros(1, 2)},
    _M + "architecture.check_activations": lambda: {"activations": ("relu",)},
    _M + "augmentation.augment_support": lambda: {"shift": torch.tensor(0.5)},
    _M + "binary_tasks.accuracy": lambda: {"logits": LOGITS, "target": LABELS},
    _M + "binary_tasks.binary_cross_entropy": lambda: {"logits": LOGITS, "target": LABELS},
    _M + "binary_tasks.label": lambda: {
        "x": torch.rand(2, 5, 2, generator=_gen()),
        "angle": torch.tensor([0.0, 1.0]),
        "offset": torch.tensor([0.1, -0.1]),
    },
    _M + "blackbox.blackbox_mse": lambda: {
        "model": __import__("course_lib.meta.blackbox").meta.blackbox.ConditionalNeuralProcess(
            (8,), 8
        )
    },
    _M + "blackbox.ConditionalNeuralProcess.forward": lambda: dict(_CNP_INPUTS),
    _M + "binary_tasks.LinearBoundaryTasks.make_tasks": lambda: {
        "angle": torch.tensor([0.0, 1.0]),
        "offset": torch.tensor([0.1, -0.1]),
        "k_support": 3,
        "k_query": 3,
        "generator": _gen(),
    },
    _M + "tasks.SinusoidTasks.make_tasks": lambda: {
        "amplitude": torch.tensor([1.0, 2.0]),
        "phase": torch.tensor([0.5, 1.0]),
        "k_support": 3,
        "k_query": 3,
        "generator": _gen(),
    },
    _M + "first_order.FirstOrderTerms.predicted": lambda: {"method": "maml"},
    _M + "first_order.FirstOrderTerms.residual": lambda: {"method": "reptile"},
    _M + "tasks.TaskBatch.to": lambda: {"device": "cpu"},
    _M + "blackbox.train_blackbox": lambda: {
        "config": __import__("course_lib.meta.blackbox").meta.blackbox.BlackBoxConfig(
            iterations=1,
            meta_batch_size=2,
            k_support=2,
            k_min=1,
            k_query=2,
            hidden_sizes=(8,),
            representation=8,
            log_every=1,
        ),
        "progress": False,
    },  # fmt: skip
    _M + "components.LearningAlgorithm": lambda: {
        "model": MIXED(),
        "phi": PHI(),
        "config": COMPONENT_CONFIG(),
    },
    _M + "components.adapt_with_components": lambda: {
        "model": MIXED(),
        "phi": PHI(),
        "inner_lr": 0.01,
        "steps": 1,
    },
    _M + "components.check_component_names": lambda: {"components": ("init",)},
    _M + "components.component_meta_loss": lambda: {
        "model": MIXED(),
        "phi": PHI(),
        "inner_lr": 0.01,
        "steps": 1,
    },
    _M + "components.initial_components": lambda: {"model": MIXED(), "config": COMPONENT_CONFIG()},
    _M + "components.learn_components": lambda: {"config": COMPONENT_CONFIG(), "progress": False},
    _M + "components.squared_error": lambda: {"prediction": K5, "target": K5},
    _M + "evaluation.adaptation_curve": lambda: {"learner": bad_inputs.LEARNER(), "max_steps": 1},
    _M + "evaluation.adaptation_trajectory": lambda: {
        "learner": bad_inputs.LEARNER(),
        "x_support": K5,
        "y_support": K5,
        "x_eval": K5,
        "steps": 1,
    },
    _M + "evolution.descend_inner_lr": lambda: {
        "loss_of_lr": lambda lr: (lr - 0.1) ** 2,
        "start": 0.05,
        "iterations": 1,
    },
    _M + "evolution.evolve_inner_loop": lambda: {
        "fitness": lambda steps, lr: float(lr),
        "config": __import__("course_lib.meta.evolution").meta.evolution.EvolutionConfig(
            population=2, generations=1, survivors=1
        ),
        "progress": False,
    },
    _M + "first_order.first_order_terms": lambda: {
        "batch_a": (K5, K5),
        "batch_b": (K5, -K5),
        "inner_lr": 0.01,
    },
    _M + "first_order.second_order_term": lambda: {"task": (K5, K5, K5, -K5), "inner_lr": 0.01},
    _M + "functional.adapt": lambda: {"inner_lr": 0.01, "steps": 1},
    _M + "functional.meta_loss": lambda: {"inner_lr": 0.01, "steps": 1},
    _M + "functional.meta_loss_loop": lambda: {"inner_lr": 0.01, "steps": 1},
    _M + "functional.mse": lambda: {"prediction": K5, "target": K5},
    _M + "geometry.fit_tasks": lambda: {"start": bad_inputs.SINE_PARAMS(), "target": 100.0},
    _M + "geometry.nearest_fit": lambda: {"phi": bad_inputs.SINE_PARAMS(), "fits": FITS()},
    _M + "geometry.parameter_distance": lambda: {
        "phi": bad_inputs.SINE_PARAMS(),
        "theta": _per_task_params(),
    },
    _M + "geometry.steps_to_reach": lambda: {"per_task": torch.rand(3, 4, generator=_gen())},
    _M + "landscape.sine_loss_grid": lambda: {
        "a": torch.linspace(0.0, 2.0, 3),
        "b": torch.linspace(0.0, 1.0, 2),
    },
    _M + "landscape.two_loop_paths": lambda: {"tasks": SINE_TASKS_AB(), "outer_steps": 1},
    _M + "learned_update.adapt_with_rule": lambda: {"rule": RULE(), "inner_lr": 0.01, "steps": 1},
    _M + "learned_update.rule_effects": lambda: {
        "rule": RULE(),
        "gradients": _per_task_params(),
        "weights": bad_inputs.SINE_PARAMS(),
    },
    _M + "learned_update.rule_update": lambda: {"rule": RULE(), "g": K5, "theta": K5},
    _M + "learned_update.without_gradient_input": lambda: {"rule": RULE()},
    _M + "reweighting.example_weights": lambda: {
        "net": WEIGHTING_NET(),
        "losses": torch.rand(5, generator=_gen()),
    },
    _M + "reweighting.weighted_loss": lambda: {
        "net": WEIGHTING_NET(),
        "point_loss": _squared_error(),
    },
    _M + "train.MetaLearner": lambda: {
        "method": "maml",
        "model": bad_inputs.SINE(),
        "params": bad_inputs.SINE_PARAMS(),
        "inner_lr": 0.01,
        "config": META_CONFIG(),
    },  # fmt: skip
    _M + "train.meta_train": lambda: {"config": META_CONFIG(), "progress": False},
    _M + "train.outer_gradient": lambda: {"method": "maml", "inner_lr": 0.01, "inner_steps": 1},
    "course_lib.widgets.components.component_explorer": lambda: {
        "runs": {"init": COMPONENT_RUN()},
        "tasks": bad_inputs.TASKS(),
    },
    "course_lib.widgets.components.precompute_views": lambda: {
        "runs": {"init": COMPONENT_RUN()},
        "tasks": bad_inputs.TASKS(),
        "x_grid": K5,
    },
    "course_lib.widgets.meta.adaptation_default": lambda: {
        "maml": bad_inputs.LEARNER(),
        "pretrained": bad_inputs.LEARNER(),
        "x_support": K5,
        "x_eval": K5,
    },
    "course_lib.widgets.meta.adaptation_explorer": lambda: {
        "maml": bad_inputs.LEARNER(),
        "pretrained": bad_inputs.LEARNER(),
        "max_k": 3,
        "max_steps": 1,
    },
    "course_lib.widgets.meta.diverged": lambda: {"support_losses": [1.0, 0.5, 0.7]},
    "course_lib.widgets.meta.overfitted": lambda: {
        "support_losses": [1.0, 0.5],
        "curve_errors": [1.0, 1.5],
    },
    "course_lib.widgets.meta.final_objectives": lambda: {
        "tasks": SINE_TASKS_AB(),
        "phi0": (1.0, 0.0),
        "inner_lr": 0.1,
        "inner_steps": 1,
        "outer_steps": 1,
        "learning_rate": 0.1,
    },  # fmt: skip
    "course_lib.widgets.meta.param_space_default": lambda: {
        "batch": SINE_TASKS_AB(),
        "phi0": (1.0, 0.0),
        "learning_rate": 0.1,
    },
}

RECORDS = {
    _M + "first_order.FirstOrderTerms": "built by first_order_terms from checked inputs",
    _M + "geometry.TaskFits": "built by fit_tasks from checked inputs",
    _M + "landscape.TwoLoopPaths": "built by two_loop_paths from checked inputs",
    _M + "tasks.TaskBatch": "built by the task families' sample/make_tasks; a NamedTuple cannot "
    "check in its constructor, so every consumer checks it (functional._check_tasks)",
    "course_lib.widgets.components.ComponentView": "built by precompute_views from trained runs",
}

INTENDED = {
    _M + "train.MetaLearner-params-nan_weight": "a diverged run's φ is handed back with its "
    "history (whose NaN loss says so); adapt and the evaluations refuse it as an input",
}

_CHECKER = (
    "a checker judges any answer at all: it prints ✓ or the likely mistake and returns a bool, "
    "never raises (tests/test_exercise*.py try the wrong answers, runaways and junk)"
)
EXEMPT = {
    "course_lib.exercises.components.check_more_steps_question-answer": _CHECKER,
    "course_lib.exercises.components.check_no_gradient_question-answer": _CHECKER,
    "course_lib.exercises.components.check_shift_question-answer": _CHECKER,
    "course_lib.exercises.maml.check_second_order_term-fn": _CHECKER,
    "course_lib.exercises.meta.check_inner_step-fn": _CHECKER,
    "course_lib.exercises.meta.check_maml_objective-answer": _CHECKER,
    "course_lib.exercises.meta.check_meta_sgd_step-fn": _CHECKER,
    "course_lib.exercises.meta.check_which_phi-answer": _CHECKER,
}

# ------------------------------------------------------------------- hand-written bad values


def _nan_dict(params):
    bad = {n: p.detach().clone() for n, p in params.items()}
    next(iter(bad.values())).view(-1)[0] = float("nan")
    return bad


def _bad_params():
    """A weights dict that is wrong without being the wrong type: empty, a name missing, a
    tensor of the wrong shape, a NaN weight."""
    good = bad_inputs.SINE_PARAMS()
    first = next(iter(good))
    return [
        ("empty", {}),
        ("missing", {n: p for n, p in good.items() if n != first}),
        ("shape", {**good, first: torch.zeros(7)}),
        ("nan_weight", _nan_dict(good)),
        ("not_tensor", {**good, first: [0.0]}),
    ]


def _bad_tasks():
    from course_lib.meta.tasks import TaskBatch

    good = bad_inputs.TASKS()
    nan = good.y_support.clone()
    nan[0, 0, 0] = float("nan")
    return [
        ("nan_inside", good._replace(y_support=nan)),
        ("tuple_of_3", tuple(good)[:3]),
        ("k_mismatch", good._replace(y_support=good.y_support[:, :2])),
        ("b_mismatch", TaskBatch(good.x_support[:2], good.y_support[:2], *good[2:])),
    ]


def _bad_xy():
    """Targets for another number of points than x has (a 1-d y is class labels: valid)."""
    return [("k_mismatch", K5[:3])]


BAD_BY_PARAM = {
    # weights dicts: empty (issue #28: "an empty params={} silently falls back to φ"), missing, shape, NaN
    **{
        _M + f"{callable_}-params": _bad_params
        for callable_ in (
            "functional.task_loss",
            "functional.adapt",
            "functional.meta_loss",
            "functional.meta_loss_loop",
            "functional.reptile_update",
            "functional.reptile_inner_loop",
            "first_order.first_order_terms",
            "first_order.second_order_term",
            "learned_update.adapt_with_rule",
            "train.MetaLearner",
            "train.outer_gradient",
        )
    },
    _M + "geometry.fit_tasks-start": _bad_params,
    _M + "geometry.nearby-params": lambda: [
        ("empty", {}),
        ("nan_weight", _nan_dict(bad_inputs.SINE_PARAMS())),
    ],
    # task batches: NaN inside, a 3-tuple, K or B that disagree
    **{
        _M + f"{callable_}-tasks": _bad_tasks
        for callable_ in (
            "functional.meta_loss",
            "functional.meta_loss_loop",
            "functional.reptile_update",
            "functional.reptile_inner_loop",
            "train.outer_gradient",
            "evaluation.adaptation_curve",
            "geometry.fit_tasks",
            "blackbox.blackbox_mse",
            "components.component_meta_loss",
            "landscape.two_loop_paths",
        )
    },
    # support sets whose x and y disagree
    **{_M + f"{callable_}-y": _bad_xy for callable_ in ("augmentation.augment_support",)},
    _M + "augmentation.augment_support-x": lambda: [("1_d", K5.reshape(-1))],
    _M + "components.learn_components-tasks": lambda: [("int", 3), ("no_sample", object())],
    "course_lib.widgets.meta.final_objectives-tasks": lambda: [("object", object()), *_bad_tasks()],
    "course_lib.widgets.meta.param_space_default-batch": lambda: [
        ("object", object()),
        (
            "one_task",
            bad_inputs.TASKS()._replace(
                **{f: t[:1] for f, t in bad_inputs.TASKS()._asdict().items()}
            ),
        ),
        *_bad_tasks(),
    ],
    _M + "functional.mse-target": lambda: [("shape", K5.reshape(-1))],
    # support sets: an int x (a raw matmul dtype error before), no point at all (NaN loss)
    **{
        _M + f"{callable_}-x": lambda: [("int", K5.long()), ("empty", K5[:0])]
        for callable_ in (
            "functional.task_loss",
            "functional.adapt",
            "components.adapt_with_components",
            "learned_update.adapt_with_rule",
        )
    },
    # a [K] target against the [K, 1] prediction: mse would broadcast it; y is named
    **{
        _M + f"{callable_}-y": lambda: [*_bad_xy(), ("broadcast", K5.reshape(-1))]
        for callable_ in (
            "functional.task_loss",
            "functional.adapt",
            "learned_update.adapt_with_rule",
            "components.adapt_with_components",
        )
    },
    _M + "evaluation.adaptation_trajectory-y_support": lambda: [
        ("k_mismatch", K5[:3]),
        ("broadcast", K5.reshape(-1)),
    ],
    # per-task numbers: a 2-d tensor, none, lengths that disagree
    **{
        _M + f"{family}.make_tasks-{name}": lambda: [
            ("2_d", torch.ones(2, 1)),
            ("none_given", torch.ones(0)),
            ("length", torch.ones(3)),
        ]
        for family, names in (
            ("tasks.SinusoidTasks", ("amplitude", "phase")),
            ("binary_tasks.LinearBoundaryTasks", ("angle", "offset")),
        )
        for name in names
    },
    # the models' points: the wrong feature count, an int tensor
    _M + "architecture.MixedActivationMLP.forward-x": lambda: [
        ("features", torch.zeros(5, 2)),
        ("int", K5.long()),
    ],
    _M + "models.SineModel.forward-x": lambda: [("int", K5.long())],
    _M + "train.MetaLearner.predict-x": lambda: [("int", K5.long())],
    # the CNP's sets: another B, another K for y, 2-d points, 2-feature points
    _M + "blackbox.ConditionalNeuralProcess.forward-x_query": lambda: [
        ("other_b", torch.zeros(3, 4, 1)),
        ("2_d", torch.zeros(2, 4)),
        ("features", torch.zeros(2, 4, 2)),
    ],
    _M + "blackbox.ConditionalNeuralProcess.forward-y_support": lambda: [
        ("k_mismatch", torch.zeros(2, 2, 1)),
        ("empty", torch.zeros(2, 0, 1)),
    ],
    # a loss that is NaN from the start (a broken loss_of_lr), or not a tensor
    _M + "evolution.descend_inner_lr-loss_of_lr": lambda: [
        ("nan_loss", lambda lr: lr * float("nan")),
        ("float_loss", lambda lr: 0.5),
    ],
    _M + "components.squared_error-target": lambda: [("shape", K5[:3])],
    # step sizes: negative (gradient ascent), a 0-d tensor that is negative or NaN
    **{
        _M + f"{callable_}-inner_lr": lambda: [
            ("negative", -1.0),
            ("negative_tensor", torch.tensor(-1.0)),
            ("nan_tensor", torch.tensor(float("nan"))),
            ("bool", True),
        ]
        for callable_ in (
            "functional.adapt",
            "functional.meta_loss",
            "components.adapt_with_components",
            "components.component_meta_loss",
            "learned_update.adapt_with_rule",
            "train.outer_gradient",
        )
    },
    _M + "functional.adapt-steps": lambda: [("negative", -1), ("huge", 10**9)],
    _M + "components.adapt_with_components-steps": lambda: [("negative", -1), ("huge", 10**9)],
    _M + "components.adapt_with_components-phi": lambda: [
        ("empty", {}),
        ("no_init", {"architecture": PHI()["architecture"]}),
        ("unknown_component", {**PHI(), "optimizer": {}}),
    ],
    _M + "components.adapt_with_components-loss": lambda: [("unknown", "l1")],
    _M + "components.component_meta_loss-loss": lambda: [("unknown", "l1")],
    _M + "architecture.check_activations-activations": lambda: [
        ("str", "relu"),
        ("unknown", ("swish",)),
        ("empty", ()),
        ("int", 3),
    ],
    _M + "architecture.block_weights-mix": lambda: [("shape", torch.zeros(1, 3))],
    _M + "components.check_component_names-components": lambda: [
        ("str", "init"),
        ("unknown", ("lr",)),
        ("int", 3),
    ],
    _M + "augmentation.augment_support-shift": lambda: [("1_d", torch.zeros(2))],
    _M + "binary_tasks.accuracy-target": lambda: [("shape", LABELS[:, :3])],
    _M + "binary_tasks.binary_cross_entropy-target": lambda: [
        ("shape", LABELS[:, :3]),
        ("not_0_1", LABELS * 3),
    ],
    _M + "binary_tasks.label-offset": lambda: [("length", torch.zeros(3))],
    _M + "binary_tasks.label-x": lambda: [("not_2_d_points", torch.rand(2, 5, 3))],
    _M + "geometry.steps_to_reach-per_task": lambda: [("1_d", torch.rand(4))],
    _M + "geometry.parameter_distance-theta": lambda: [
        ("missing", {"0.weight": torch.zeros(3, 8, 1)})
    ],
    _M + "geometry.nearest_fit-fits": lambda: [("empty", {}), ("not_fits", {"phi": 3})],
    _M + "landscape.sine_loss_grid-y": lambda: [("size", K5[:3])],
    _M + "learned_update.rule_update-theta": lambda: [("shape", K5[:3])],
    _M + "learned_update.rule_update-rule": lambda: [("missing", {"w1": torch.zeros(4, 3)})],
    _M + "learned_update.rule_effects-weights": lambda: [("missing", {})],
    _M + "learned_update.adapt_with_rule-rule": lambda: [("empty", {})],
    _M + "learned_update.without_gradient_input-rule": lambda: [
        ("missing", {"b1": torch.zeros(4)})
    ],
    _M + "reweighting.example_weights-net": lambda: [("missing", {"w1": torch.ones(4, 1)})],
    _M + "reweighting.example_weights-losses": lambda: [
        ("negative", -torch.rand(5, generator=_gen()))
    ],
    _M + "reweighting.weighted_loss-net": lambda: [("empty", {})],
    _M + "train.MetaLearner-method": lambda: [("other_than_config", "reptile")],
    _M + "train.outer_gradient-method": lambda: [("unknown", "sgd")],
    _M + "models.mlp_regressor-hidden": lambda: [("empty", ()), ("zero", (0,))],
    "course_lib.widgets.meta.diverged-support_losses": lambda: [("empty", [])],
    "course_lib.widgets.meta.overfitted-curve_errors": lambda: [
        ("empty", []),
        ("length", [1.0]),  # one value per step, as support_losses
    ],
    "course_lib.widgets.meta.overfitted-support_losses": lambda: [("empty", [])],
    "course_lib.widgets.meta.adaptation_default-x_eval": lambda: [("1_d", K5.reshape(-1))],
    "course_lib.widgets.components.precompute_views-x_grid": lambda: [("1_d", K5.reshape(-1))],
    "course_lib.widgets.components.component_explorer-baseline": lambda: [("unknown", "nope")],
}

#: Gaps the generated sweep found that are not fixed yet (strict xfails: a fixed one must leave).
KNOWN_GAPS: dict[str, str] = {}
