"""Bad input to meta-learning: task families, the functional inner loop, trainers, evaluation, landscape.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

import torch
from bad_inputs import (
    K5,
    LEARNER,
    SINE,
    SINE_PARAMS,
    TASKS,
    V4,
    T,
    V,
    registry,
    sweep,
)

from course_lib.meta import evaluation as meta_evaluation
from course_lib.meta import functional, landscape, models, tasks
from course_lib.meta.architecture import MixedActivationMLP
from course_lib.meta.binary_tasks import LinearBoundaryTasks
from course_lib.meta.blackbox import (
    BlackBoxConfig,
    ConditionalNeuralProcess,
    blackbox_mse,
    train_blackbox,
)
from course_lib.meta.components import ComponentConfig
from course_lib.meta.evolution import descend_inner_lr
from course_lib.meta.first_order import first_order_terms
from course_lib.meta.train import MetaConfig, meta_train, outer_gradient

CASES, case = registry()


for _name, _kw, _error, _frag in [
    ("amp-str", dict(amplitude_range="ab"), T, "amplitude_range must be a pair of numbers"),
    ("amp-order", dict(amplitude_range=(5.0, 0.1)), V, "amplitude_range must satisfy low <= high"),
    (
        "amp-nan",
        dict(amplitude_range=(math.nan, 1.0)),
        V,
        "amplitude_range must be a pair of finite numbers",
    ),  # fmt: skip
    ("x-inf", dict(x_range=(-math.inf, 5.0)), V, "x_range must be a pair of finite numbers"),
    ("phase-none", dict(phase_range=None), T, "phase_range must be a pair of numbers"),
    ("x-three", dict(x_range=(1.0, 2.0, 3.0)), T, "x_range must be a pair of numbers"),
]:
    case(f"meta-tasks-{_name}", lambda kw=_kw: tasks.SinusoidTasks(**kw), _error, _frag)
for _name, _args, _error, _frag in [
    ("num-0", (0, 5, 5), V, "num_tasks must be an integer in [1, 100_000], got 0"),
    ("num-str", ("3", 5, 5), T, "num_tasks must be an integer"),
    ("k-0", (3, 0, 5), V, "k_support must be an integer in [1, 100_000], got 0"),
    ("q-float", (3, 5, 5.0), T, "k_query must be an integer"),
    (
        "huge",
        (10**5, 10**5, 10**5),
        V,
        "num_tasks × (k_support + k_query) must be <= 10_000_000 points",
    ),  # fmt: skip
    (
        "num-huge",
        (10**9, 5, 5),
        V,
        "num_tasks must be an integer in [1, 100_000], got 1000000000",
    ),  # fmt: skip
]:
    case(f"meta-sample-{_name}", lambda a=_args: tasks.SinusoidTasks().sample(*a), _error, _frag)
case("meta-sample-generator", lambda: tasks.SinusoidTasks().sample(3, 5, 5, generator=1), T, "generator must be a torch.Generator or None, got int")  # fmt: skip
case("meta-make-tasks-shape", lambda: tasks.SinusoidTasks().make_tasks(torch.ones(3), torch.ones(2), 5, 5), V, "amplitude and phase must have the same length")  # fmt: skip
case("meta-make-tasks-str", lambda: tasks.SinusoidTasks().make_tasks("a", torch.ones(2), 5, 5), T, "amplitude must be numbers")  # fmt: skip
case("meta-taskbatch-to", lambda: TASKS().to("gpu"), V, "device must be a torch device string")  # fmt: skip
case("meta-mse-list", lambda: functional.mse([1.0], K5), T, "prediction must be a torch.Tensor, got list")  # fmt: skip
case("meta-mse-2d", lambda: functional.mse(torch.zeros(5, 2), K5), V, "prediction [5, 2], target [5, 1]")  # fmt: skip
for _name, _kw, _error, _frag in [
    (
        "steps-neg",
        dict(inner_lr=0.1, steps=-1),
        V,
        "steps must be an integer in [0, 1_000], got -1",
    ),  # fmt: skip
    ("steps-float", dict(inner_lr=0.1, steps=1.5), T, "steps must be an integer"),
    ("steps-bool", dict(inner_lr=0.1, steps=True), T, "steps must be an integer"),
    ("lr-neg", dict(inner_lr=-0.1, steps=1), V, "inner_lr must be in [0.0, 100.0], got -0.1"),
    ("lr-nan", dict(inner_lr=math.nan, steps=1), V, "inner_lr must be in [0.0, 100.0], got nan"),
    ("lr-inf", dict(inner_lr=math.inf, steps=1), V, "inner_lr must be in [0.0, 100.0], got inf"),
    ("lr-huge", dict(inner_lr=1e9, steps=1), V, "inner_lr must be in [0.0, 100.0]"),
    ("lr-none", dict(inner_lr=None, steps=1), T, "inner_lr must be a float >= 0 or a dict"),
    (
        "lr-dict-keys",
        dict(inner_lr={"x": torch.tensor(0.1)}, steps=1),
        V,
        "inner_lr must have one step size per parameter",
    ),  # fmt: skip
]:
    case(f"meta-adapt-{_name}", lambda kw=_kw: functional.adapt(SINE(), SINE_PARAMS(), K5, K5, **kw), _error, _frag)  # fmt: skip
    case(f"meta-loss-{_name}", lambda kw=_kw: functional.meta_loss(SINE(), SINE_PARAMS(), TASKS(), **kw), _error, _frag)  # fmt: skip
case("meta-adapt-lr-dict-values", lambda: functional.adapt(SINE(), SINE_PARAMS(), K5, K5, inner_lr={n: 0.1 for n in SINE_PARAMS()}, steps=1), T, "inner_lr must be a float or a dict of per-parameter step-size tensors")  # fmt: skip
case("meta-loss-tasks-tuple", lambda: functional.meta_loss(SINE(), SINE_PARAMS(), (1, 2), inner_lr=0.1, steps=1), T, "tasks must be a TaskBatch")  # fmt: skip
case("meta-loss-tasks-2d", lambda: functional.meta_loss(SINE(), SINE_PARAMS(), tasks.TaskBatch(K5, K5, K5, K5), inner_lr=0.1, steps=1), V, "tasks.x_support must be a tensor of shape [B, K, features...]")  # fmt: skip
case("meta-loss-tasks-batch", lambda: functional.meta_loss(SINE(), SINE_PARAMS(), tasks.TaskBatch(TASKS().x_support[:2], *TASKS()[1:]), inner_lr=0.1, steps=1), V, "all TaskBatch tensors must share the batch size B")  # fmt: skip
case("meta-loss-loop-steps", lambda: functional.meta_loss_loop(SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, steps=10**6), V, "steps must be an integer in [0, 1_000]")  # fmt: skip
for _name, _eps, _error, _frag in [
    ("zero", 0.0, V, "epsilon must be in (0.0, 1.0], got 0.0"),
    ("big", 1.5, V, "epsilon must be in (0.0, 1.0], got 1.5"),
    ("nan", math.nan, V, "epsilon must be in (0.0, 1.0], got nan"),
    ("none", None, T, "epsilon must be a number"),
]:
    case(f"meta-reptile-epsilon-{_name}", lambda e=_eps: functional.reptile_update(SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, steps=1, epsilon=e), _error, _frag)  # fmt: skip
case("meta-reptile-steps", lambda: functional.reptile_update(SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, steps=10**5, epsilon=0.5), V, "steps must be an integer in [0, 1_000]")  # fmt: skip
case("meta-regressor-hidden", lambda: models.mlp_regressor((40, 0)), V, "hidden must be a non-empty sequence of ints >= 1")  # fmt: skip
case("meta-regressor-hidden-huge", lambda: models.mlp_regressor((10**6,)), V, "hidden entries must be an integer in [1, 4_096]")  # fmt: skip
case("meta-regressor-seed", lambda: models.mlp_regressor((8,), seed=-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("meta-sine-model-str", lambda: models.SineModel("1"), T, "a must be a number")
case("meta-sine-model-nan", lambda: models.SineModel(math.nan), V, "a must be in")
case("meta-init-params", lambda: models.init_params("model"), T, "model must be an nn.Module, got str")  # fmt: skip
case("meta-train-config", lambda: meta_train({"method": "maml"}), T, "config must be a MetaConfig, got dict")  # fmt: skip
case("meta-train-tasks", lambda: meta_train(MetaConfig(iterations=1), tasks=3), T, "tasks must be a task family with a sample(num_tasks, k_support, k_query, generator) method, got int")  # fmt: skip
case("meta-train-callback", lambda: meta_train(MetaConfig(iterations=1), callback=1), T, "callback must be callable")  # fmt: skip
case("meta-outer-method", lambda: outer_gradient("sgd", SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, inner_steps=1), V, "method must be one of")  # fmt: skip
case("meta-config-method-int", lambda: MetaConfig(method=3), T, "method must be one of")
case("meta-config-inner-steps-0", lambda: MetaConfig(inner_steps=0), V, "inner_steps must be >= 1 for method 'maml'")  # fmt: skip
case("meta-config-hidden-empty", lambda: MetaConfig(hidden_sizes=()), V, "hidden_sizes must hold at least one layer width")  # fmt: skip
case("meta-blackbox-config", lambda: train_blackbox(MetaConfig()), T, "config must be a BlackBoxConfig, got MetaConfig")  # fmt: skip
case("meta-blackbox-kmin", lambda: BlackBoxConfig(k_min=20, k_support=10), V, "k_min must be <= k_support (10), got 20")  # fmt: skip
case("meta-blackbox-mse", lambda: blackbox_mse(None, "tasks"), T, "tasks must be a TaskBatch")  # fmt: skip
case("meta-curve-learner", lambda: meta_evaluation.adaptation_curve("learner", TASKS()), T, "learner must be a MetaLearner, got str")  # fmt: skip
case("meta-curve-max-steps", lambda: meta_evaluation.adaptation_curve(LEARNER(), TASKS(), max_steps=10**6), V, "max_steps must be an integer in [0, 1_000], got 1000000")  # fmt: skip
case("meta-curve-max-steps-neg", lambda: meta_evaluation.adaptation_curve(LEARNER(), TASKS(), max_steps=-1), V, "max_steps must be an integer in [0, 1_000], got -1")  # fmt: skip
case("meta-curve-lr", lambda: meta_evaluation.adaptation_curve(LEARNER(), TASKS(), inner_lr=math.nan), V, "inner_lr must be in [0.0, 100.0], got nan")  # fmt: skip
case("meta-curve-tasks", lambda: meta_evaluation.adaptation_curve(LEARNER(), "tasks"), T, "tasks must be a TaskBatch")  # fmt: skip
case("meta-trajectory-steps", lambda: meta_evaluation.adaptation_trajectory(LEARNER(), K5, K5, K5, steps=10**4), V, "steps must be an integer in [0, 1_000]")  # fmt: skip
case("meta-trajectory-shape", lambda: meta_evaluation.adaptation_trajectory(LEARNER(), K5, K5.reshape(5), K5, steps=1), V, "y_support must have the model's prediction shape (5, 1)")  # fmt: skip
case("meta-eval-tasks-0", lambda: meta_evaluation.evaluation_tasks(0), V, "num_tasks must be an integer in [1, 100_000], got 0")  # fmt: skip
case("meta-eval-tasks-seed", lambda: meta_evaluation.evaluation_tasks(seed=-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("meta-learner-adapt-steps", lambda: LEARNER().adapt(K5, K5, steps=10**7), V, "steps must be an integer in [0, 1_000], got 10000000")  # fmt: skip
case("meta-learner-adapt-shape", lambda: LEARNER().adapt(K5, K5.reshape(5), steps=1), V, "y must have the model's prediction shape (5, 1)")  # fmt: skip
case("meta-learner-predict", lambda: LEARNER().predict([0.0]), T, "x must be a torch.Tensor, got list")  # fmt: skip
for _name, _kw, _error, _frag in [
    (
        "method",
        dict(method="reptile"),
        V,
        "method must be one of ('maml', 'fomaml', 'pretrain'), got 'reptile'",
    ),  # fmt: skip
    ("method-int", dict(method=1), T, "method must be one of"),
    ("inner-steps", dict(inner_steps=10**6), V, "inner_steps must be an integer in [0, 1_000]"),
    ("outer-neg", dict(outer_steps=-1), V, "outer_steps must be an integer in [0, 1_000], got -1"),
    ("outer-float", dict(outer_steps=2.0), T, "outer_steps must be an integer"),
    ("lr-0", dict(learning_rate=0.0), V, "learning_rate must be in (0.0, 10.0], got 0.0"),
    ("lr-nan", dict(learning_rate=math.nan), V, "learning_rate must be in (0.0, 10.0], got nan"),
    ("lr-str", dict(learning_rate="0.1"), T, "learning_rate must be a number"),
    ("inner-lr-inf", dict(inner_lr=math.inf), V, "inner_lr must be in [0.0, 100.0], got inf"),
    ("phi0-str", dict(phi0="ab"), T, "phi0 must be a pair of numbers (a, b), got 'ab'"),
    ("phi0-nan", dict(phi0=(math.nan, 0.0)), V, "phi0[0] must be in"),
    ("phi0-three", dict(phi0=(1.0, 2.0, 3.0)), T, "phi0 must be a pair of numbers"),
]:
    case(f"meta-two-loop-{_name}", lambda kw=_kw: landscape.two_loop_paths(TASKS(), **kw), _error, _frag)  # fmt: skip
case("meta-two-loop-tasks", lambda: landscape.two_loop_paths("tasks"), T, "tasks must be a TaskBatch")  # fmt: skip
case("meta-grid-a-2d", lambda: landscape.sine_loss_grid(torch.zeros(2, 2), V4, K5, K5), V, "a must be a 1-d tensor, got shape (2, 2)")  # fmt: skip
case("meta-grid-b-list", lambda: landscape.sine_loss_grid(V4, [0.0], K5, K5), T, "b must be a torch.Tensor, got list")  # fmt: skip
case("meta-grid-xy", lambda: landscape.sine_loss_grid(V4, V4, K5, torch.zeros(4)), V, "x and y must hold as many points, got 5 and 4")  # fmt: skip


# Found by the red team's sample (benchmarks/bad_input_sample.py), each closed as a kind.
# Configs cap the work their sizes imply (iterations × tasks per step × inner steps <= 10**9).
_HUGE = dict(iterations=10**6, meta_batch_size=10**4)
case("meta-config-work", lambda: MetaConfig(**_HUGE, inner_steps=100), V, "iterations × meta_batch_size × inner_steps must be at most 1_000_000_000, got 1_000_000 × 10_000 × 100 = 1_000_000_000_000")  # fmt: skip
case("meta-component-config-work", lambda: ComponentConfig(**_HUGE, inner_steps=100), V, "iterations × meta_batch_size × inner_steps must be at most 1_000_000_000, got 1_000_000 × 10_000 × 100")  # fmt: skip
case("meta-blackbox-config-work", lambda: BlackBoxConfig(iterations=10**7, meta_batch_size=10**4), V, "iterations × meta_batch_size must be at most 1_000_000_000, got 10_000_000 × 10_000")  # fmt: skip
# per-task numbers: NaN, none, 2-d (a NaN amplitude made every target NaN)
case("meta-make-tasks-nan", lambda: tasks.SinusoidTasks().make_tasks(torch.tensor([math.nan]), torch.zeros(1), 2, 2), V, "amplitude must hold finite numbers (no NaN or ±inf), got 1 NaN")  # fmt: skip
case("meta-make-tasks-empty", lambda: tasks.SinusoidTasks().make_tasks(torch.ones(0), torch.ones(0), 2, 2), V, "amplitude must hold one number per task (at least one), got none")  # fmt: skip
case("meta-boundary-tasks-nan", lambda: LinearBoundaryTasks().make_tasks(torch.zeros(1), torch.tensor([math.inf]), 2, 2), V, "offset must hold finite numbers (no NaN or ±inf), got 0 NaN and 1 infinite")  # fmt: skip
case("meta-boundary-tasks-huge", lambda: LinearBoundaryTasks().sample(2, 10**12, 2), V, "k_support must be an integer in [1, 100_000], got 1000000000000")  # fmt: skip
case("meta-mean-curve-nan", lambda: tasks.SinusoidTasks().mean_curve(torch.tensor([math.nan])), V, "x must hold finite numbers (no NaN or ±inf), got 1 NaN")  # fmt: skip
# support sets: an int x (a raw matmul dtype error before), no point (a NaN loss), a [K] target
case("meta-adapt-int-x", lambda: functional.adapt(SINE(), SINE_PARAMS(), K5.long(), K5, inner_lr=0.1, steps=1), T, "x must be a floating-point tensor, got dtype torch.int64")  # fmt: skip
case("meta-adapt-empty", lambda: functional.adapt(SINE(), SINE_PARAMS(), K5[:0], K5[:0], inner_lr=0.1, steps=1), V, "x must hold at least one point (K >= 1), got shape (0, 1)")  # fmt: skip
case("meta-tasks-empty-query", lambda: functional.meta_loss(SINE(), SINE_PARAMS(), TASKS()._replace(x_query=TASKS().x_query[:, :0], y_query=TASKS().y_query[:, :0]), inner_lr=0.1, steps=1), V, "tasks: every set must hold at least one point (K >= 1)")  # fmt: skip
# the models' points
case("meta-mixed-mlp-features", lambda: MixedActivationMLP(1, (8,))(torch.zeros(5, 2)), V, "x must be points [..., 1] (in_features=1), got shape (5, 2)")  # fmt: skip
case("meta-mixed-mlp-huge", lambda: MixedActivationMLP(10**12), V, "in_features must be an integer in [1, 4_096], got 1000000000000")  # fmt: skip
case("meta-sine-model-nan-x", lambda: models.SineModel()(torch.tensor([[math.nan]])), V, "x must hold finite numbers")  # fmt: skip
case("meta-cnp-b", lambda: ConditionalNeuralProcess((8,), 8)(torch.zeros(2, 3, 1), torch.zeros(2, 3, 1), torch.zeros(3, 4, 1)), V, "x_support, y_support and x_query must hold the same tasks B, got shapes x_support (2, 3, 1), y_support (2, 3, 1), x_query (3, 4, 1)")  # fmt: skip
case("meta-cnp-k", lambda: ConditionalNeuralProcess((8,), 8)(torch.zeros(2, 3, 1), torch.zeros(2, 2, 1), torch.zeros(2, 4, 1)), V, "y_support must have one target per point of x_support (3), got shape (2, 2, 1)")  # fmt: skip
# a loss that is NaN at the start: refused (it returned NaN as the best loss)
case("meta-descend-nan-loss", lambda: descend_inner_lr(lambda lr: lr * math.nan, start=0.1, iterations=2), V, "loss_of_lr must be finite at the start inner_lr=0.1, got nan")  # fmt: skip
case("meta-descend-float-loss", lambda: descend_inner_lr(lambda lr: 0.5, start=0.1, iterations=2), T, "loss_of_lr must return a one-element loss tensor")  # fmt: skip
case("meta-first-order-method", lambda: first_order_terms(SINE(), SINE_PARAMS(), (K5, K5), (K5, -K5), inner_lr=0.01).residual("sgd"), V, "method must be one of ('maml', 'fomaml', 'reptile'), got 'sgd'")  # fmt: skip
# a picture's work: (outer_steps + 1) × inner_steps (1000 × 1000 took about 25 minutes)
case("meta-two-loop-work", lambda: landscape.two_loop_paths(TASKS(), inner_steps=1000, outer_steps=1000), V, "(outer_steps + 1) × inner_steps must be at most 10_000, got 1_001 × 1_000 = 1_001_000")  # fmt: skip

test_bad_input_gives_a_clear_error = sweep(CASES)
