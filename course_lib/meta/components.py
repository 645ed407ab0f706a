"""φ as a named set of components (组件): one outer loop learns whichever ones you select.

The notes define meta-learning by a function F_φ: its input is a training set (the support
set), its output is a model. Every piece of F that a person usually fixes by hand is a
component that could be part of φ and learned instead:

=================  =====================================================  ==============
component          what it is in the inner loop (内循环)                  module
=================  =====================================================  ==============
``init``           θ₀ = φ_init, where gradient descent starts (MAML)       functional
``step_sizes``     one step size per weight, θ ← θ − α ⊙ g (Meta-SGD)      functional
``architecture``   softmax mixing weights over candidate activations       architecture
``update_rule``    a tiny network u_ψ(g, θ, t) added to each update        learned_update
``augmentation``   the magnitude s of a shift-and-flip augmentation        augmentation
``sample_weights`` a tiny network w_ψ(ℓ_i) weighting each support point    reweighting
=================  =====================================================  ==============

A component that is *not* selected keeps its hand-set default: a random (seeded) init, the
single step size ``inner_lr``, an equal mix of the candidate activations, plain SGD, no
augmentation, every point weighted 1. So "the same model without component X" is the same
config with X left out, and every comparison in Chapter 4 is exactly that.

The inner loop is the functional one of :mod:`course_lib.meta.functional`: the components
only choose its arguments (the start, the step sizes, the data, the loss function) or, for
the update rule, add one term to its step. The outer loop (外循环) is the same for every
selection: vmap the inner loop over a meta-batch of tasks, average the query losses, take an
Adam step on the selected components.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import functional_call, vmap

from course_lib.meta.architecture import MIX_KEY, MixedActivationMLP, check_activations
from course_lib.meta.augmentation import augment_support
from course_lib.meta.binary_tasks import binary_cross_entropy
from course_lib.meta.functional import (
    MAX_INNER_STEPS,
    Params,
    _adapt,
    _check_data,
    _check_inner,
    _check_support,
    _check_tasks,
    _check_weights,
    _check_work,
    mse,
)
from course_lib.meta.learned_update import _adapt_with_rule, init_update_rule
from course_lib.meta.reweighting import init_weighting_net, weighted_loss
from course_lib.meta.tasks import SinusoidTasks, TaskBatch
from course_lib.training import (
    Callback,
    MetaLoopConfig,
    Row,
    RunningMean,
    TrainResult,
    check_callback,
    log_due,
    make_generator,
    train_loop,
)
from course_lib.validation import (
    DEVICE,
    SEED,
    Checked,
    Widths,
    bounded,
    check_bool,
    check_choice,
    check_declared,
    check_instance,
    check_int,
    check_params,
    check_same_shape,
    choice,
    declared,
)

__all__ = [
    "COMPONENTS",
    "LOSSES",
    "ComponentConfig",
    "LearningAlgorithm",
    "initial_components",
    "adapt_with_components",
    "component_meta_loss",
    "learn_components",
    "squared_error",
]

COMPONENTS: tuple[str, ...] = (
    "init",
    "step_sizes",
    "architecture",
    "update_rule",
    "augmentation",
    "sample_weights",
)

#: Adam step size of each component relative to ``learning_rate``. A network's weights move
#: by about ``learning_rate`` per step and need to; a mixing logit, a shift s or a weighting
#: network must travel ~1 in a thousand steps, so they get larger steps.
LEARNING_RATE_SCALE: dict[str, float] = {
    "init": 1.0,
    "step_sizes": 1.0,
    "architecture": 10.0,
    "update_rule": 1.0,
    "augmentation": 10.0,
    "sample_weights": 30.0,
}


def squared_error(prediction: Tensor, target: Tensor) -> Tensor:
    """The squared error of each example (``[K]``): what the sample weights multiply."""
    check_same_shape(prediction=prediction, target=target)  # [K, 1] − [K] would broadcast
    _check_data("prediction", prediction)
    _check_data("target", target)
    return ((prediction - target) ** 2).sum(-1)


def _cross_entropy_per_example(logits: Tensor, target: Tensor) -> Tensor:
    return F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(-1)


#: loss name -> (loss_fn for the inner and outer loop, per-example loss for sample weights).
LOSSES = {
    "mse": (mse, squared_error),
    "bce": (binary_cross_entropy, _cross_entropy_per_example),
}


def check_component_names(components: object, name: str = "components") -> tuple[str, ...]:
    """A tuple of distinct names from ``COMPONENTS`` (a lone string is refused, not split)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be the argument's name (a str), got {name!r:.60}")
    if isinstance(components, str):
        raise TypeError(
            f"{name} must be a tuple of names from {COMPONENTS}, got the string "
            f"{components!r} (write ({components!r},))"
        )
    if not isinstance(components, tuple | list):
        raise TypeError(f"{name} must be a tuple of names from {COMPONENTS}, got {components!r}")
    names = tuple(components)
    if not all(isinstance(c, str) for c in names):
        raise TypeError(f"{name} must be a tuple of names (str) from {COMPONENTS}, got {names!r}")
    unknown = [c for c in names if c not in COMPONENTS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"{name} must be distinct names from {COMPONENTS}, got {names!r}")
    return names


def _activations(activations: object, name: str) -> tuple[str, ...]:
    return check_activations(activations)


@dataclass
class ComponentConfig(MetaLoopConfig):
    """Which components φ holds, and the hyperparameters of the run that learns them.

    Attributes:
        components: the learned components, names from ``COMPONENTS`` (others keep defaults).
        iterations: outer-loop steps.
        meta_batch_size: tasks per outer step.
        k_support: K, support points per task; k_query: query points per task.
        inner_lr: α, the inner step size (the initial value when ``step_sizes`` is learned).
        inner_steps: inner gradient steps per task.
        learning_rate: β, Adam's step size for the outer loop (scaled per component by
            ``LEARNING_RATE_SCALE``).
        hidden_sizes: hidden layer widths of the network.
        activations: candidate activation blocks mixed in every hidden layer (one = no choice).
        loss: "mse" (regression) or "bce" (binary classification with logits).
        augment_shift: initial magnitude s of the shift-and-flip augmentation.
        seed, device, log_every: as in every trainer of the course.
    """

    components: tuple[str, ...] = declared(("init",), Checked(check_component_names))
    iterations: int = bounded(1000, 1, 1_000_000)
    meta_batch_size: int = bounded(25, 1, 10_000)
    k_support: int = bounded(5, 1, 10_000)
    k_query: int = bounded(10, 1, 10_000)
    inner_lr: float = bounded(0.01, 0.0, 10.0, low_open=True)
    inner_steps: int = bounded(1, 1, 100)
    learning_rate: float = bounded(1e-3, 0.0, 1.0, low_open=True)
    hidden_sizes: tuple[int, ...] = declared((40, 40), Widths(nonempty=True))
    activations: tuple[str, ...] = declared(("relu",), Checked(_activations))
    loss: str = choice("mse", tuple(LOSSES))
    augment_shift: float = bounded(1.0, 0.0, 10.0)
    seed: int = declared(0, SEED)
    device: str = declared("cpu", DEVICE)
    log_every: int = bounded(50, 1, 10_000_000)

    def __post_init__(self) -> None:
        check_declared(self)
        if "augmentation" in self.components and self.loss != "mse":
            raise ValueError(
                "the shift-and-flip augmentation (x - s*sign(x), -y) makes sense for regression "
                f"targets only: use loss='mse' or drop 'augmentation', got loss={self.loss!r}"
            )
        _check_work(
            "iterations × meta_batch_size × inner_steps",
            (self.iterations, self.meta_batch_size, self.inner_steps),
        )


def _check_model(model: object) -> MixedActivationMLP:
    return check_instance(
        "model", model, MixedActivationMLP, "a MixedActivationMLP (its mixing logits are φ's)"
    )


def _check_config(config: object) -> ComponentConfig:
    if not isinstance(config, ComponentConfig):
        raise TypeError(f"config must be a ComponentConfig, got {type(config).__name__}")
    return config


def _check_phi(phi: object, model: MixedActivationMLP, *, finite: bool = True) -> None:
    """φ as :func:`initial_components` builds it: ``init`` and ``architecture`` and learned
    components by name, each a dict of tensors; ``init`` holds every weight of ``model``."""
    if not isinstance(phi, Mapping):
        raise TypeError(
            f"phi must be a dict {{component: dict of tensors}} from initial_components, "
            f"got {type(phi).__name__}"
        )
    unknown = sorted(set(phi) - set(COMPONENTS))
    missing = sorted({"init", "architecture"} - set(phi))
    if unknown or missing:
        raise ValueError(
            f"phi must hold 'init', 'architecture' and components from {COMPONENTS}, "
            f"got keys {sorted(phi)} (missing {missing}, unknown {unknown})"
        )
    for name, group in phi.items():
        if name not in ("init", "architecture"):
            _check_weights(f"phi[{name!r}]", group, finite=finite)
    _check_weights("phi['architecture']", phi["architecture"], finite=finite)
    _check_weights("phi['init']", phi["init"], model, fixed=phi["architecture"], finite=finite)
    for key, tensor in phi.get("step_sizes", {}).items():
        if key not in phi["init"] or tensor.shape != phi["init"][key].shape:
            raise ValueError(
                f"phi['step_sizes'] must hold one tensor per weight of phi['init'], shaped like "
                f"it, got {key!r} of shape {tuple(tensor.shape)}"
            )
    if "augmentation" in phi and phi["augmentation"].get("shift", torch.zeros(1)).dim() != 0:
        raise ValueError(
            f"phi['augmentation'] must hold a 0-d 'shift', got {phi['augmentation']!r}"
        )


def _check_inner_args(inner_lr: object, steps: object, loss: object) -> None:
    if isinstance(inner_lr, Mapping):  # per-weight step sizes are the step_sizes component
        raise TypeError(
            "inner_lr must be a float or a 0-d tensor (learned step sizes go in "
            "phi['step_sizes']), got a dict"
        )
    _check_inner(inner_lr, steps)
    check_choice("loss", loss, tuple(LOSSES))


def initial_components(model: MixedActivationMLP, config: ComponentConfig) -> dict[str, Params]:
    """φ before meta-training, one dict of tensors per component.

    ``init`` and ``architecture`` are always present (the network needs weights and a mix);
    ``step_sizes``, ``update_rule``, ``augmentation`` and ``sample_weights`` only when learned.
    Learned tensors have ``requires_grad=True``, the others are constants.
    """
    _check_model(model)
    _check_config(config)
    weights = {n: p.detach().clone() for n, p in model.named_parameters() if n != MIX_KEY}
    phi: dict[str, Params] = {
        "init": weights,
        "architecture": {MIX_KEY: model.mix.detach().clone()},
    }
    if "step_sizes" in config.components:
        phi["step_sizes"] = {n: torch.full_like(p, config.inner_lr) for n, p in weights.items()}
    if "update_rule" in config.components:
        phi["update_rule"] = init_update_rule(seed=config.seed)
    if "augmentation" in config.components:
        phi["augmentation"] = {"shift": torch.tensor(float(config.augment_shift))}
    if "sample_weights" in config.components:
        phi["sample_weights"] = init_weighting_net()
    for name, group in phi.items():
        for key, tensor in group.items():
            group[key] = tensor.to(config.device).requires_grad_(name in config.components)
    return phi


def adapt_with_components(
    model: MixedActivationMLP,
    phi: Mapping[str, Params],
    x: Tensor,
    y: Tensor,
    *,
    inner_lr: float | Tensor,
    steps: int,
    loss: str = "mse",
) -> Params:
    """F_φ on one task: the inner loop with every component of ``phi`` in its place.

    Returns θ (the adapted weights plus the unchanged mixing logits), differentiable with
    respect to every tensor in ``phi``; usable inside ``vmap``.
    """
    _check_model(model)
    _check_phi(phi, model)
    _check_support(x, y)
    out_features = model.layers[-1].out_features
    if y.shape != (x.shape[0], out_features):  # the mse/bce target: shaped like the output
        raise ValueError(
            f"y must be [K, {out_features}] targets for the K = {x.shape[0]} points, "
            f"got shape {tuple(y.shape)}"
        )
    _check_inner_args(inner_lr, steps, loss)  # as adapt: a negative α climbs the loss
    return _adapt_with_components(model, phi, x, y, inner_lr, steps, loss)


def _adapt_with_components(model, phi, x, y, inner_lr, steps: int, loss: str) -> Params:
    """:func:`adapt_with_components` without the checks: its callers checked the inputs once
    (inside ``vmap`` the same checks would run on every trace of the inner loop)."""
    step_sizes = phi.get("step_sizes")
    loss_fn, point_loss = LOSSES[loss]
    if "augmentation" in phi:  # 数据增强: more support points, made from the real ones
        x, y = augment_support(x, y, phi["augmentation"]["shift"])
    if "sample_weights" in phi:  # 采样权重: each point's loss multiplied by w_ψ(ℓ_i)
        loss_fn = weighted_loss(phi["sample_weights"], point_loss)
    start, mix = phi["init"], phi["architecture"]
    # 学习优化器: learned per-weight step sizes, else the one hand-set α
    if step_sizes is None:
        step_sizes = {
            name: torch.as_tensor(inner_lr, dtype=p.dtype, device=p.device)
            for name, p in start.items()
        }
    if "update_rule" in phi:
        rule = phi["update_rule"]
        theta = _adapt_with_rule(model, start, x, y, rule, step_sizes, steps, loss_fn, mix)
        return {**theta, **mix}
    # The mixing logits ride along with step size 0: the inner loop never changes the
    # architecture, yet gradients reach it through every forward pass.
    inner_lr = {**step_sizes, MIX_KEY: torch.zeros_like(mix[MIX_KEY])}
    return _adapt(model, {**start, **mix}, x, y, inner_lr, steps, False, loss_fn)


def component_meta_loss(
    model: MixedActivationMLP,
    phi: Mapping[str, Params],
    tasks: TaskBatch,
    *,
    inner_lr: float,
    steps: int,
    loss: str = "mse",
) -> Tensor:
    """Per-task query loss after adapting with the components (``[B]``): L(φ) before the mean.

    The query loss is always the plain, unweighted loss on the clean query set: it is how
    good the output model is, whatever the inner loop did to get there.
    """
    _check_model(model)
    _check_phi(phi, model)
    _check_tasks(tasks)
    _check_inner_args(inner_lr, steps, loss)
    return _component_meta_loss(model, phi, tasks, inner_lr, steps, loss)


def _component_meta_loss(model, phi, tasks, inner_lr, steps: int, loss: str) -> Tensor:
    """:func:`component_meta_loss` without the checks, for :func:`learn_components`' loop (a
    run that diverges records NaN losses, as it always did)."""
    loss_fn = LOSSES[loss][0]

    def query_loss(x_s: Tensor, y_s: Tensor, x_q: Tensor, y_q: Tensor) -> Tensor:
        theta = _adapt_with_components(model, phi, x_s, y_s, inner_lr, steps, loss)
        return loss_fn(functional_call(model, theta, (x_q,)), y_q)

    return vmap(query_loss)(*tasks)


@dataclass
class LearningAlgorithm:
    """F_φ after meta-training: the network, the learned components φ and the config.

    ``adapt(x, y)`` runs the inner loop on a support set, ``predict(x, theta)`` evaluates a
    model, ``query_losses(tasks)`` scores F_φ on new tasks (one value per task).
    """

    model: MixedActivationMLP
    phi: dict[str, Params]
    config: ComponentConfig

    def __post_init__(self) -> None:
        _check_model(self.model)
        _check_config(self.config)
        # A diverged run is handed back with its history: NaN is refused where φ is an input.
        _check_phi(self.phi, self.model, finite=False)
        expected = {"init", "architecture", *self.config.components}
        if set(self.phi) != expected:
            raise ValueError(
                f"phi must hold the components {sorted(expected)} of config.components, "
                f"got {sorted(self.phi)}"
            )

    def adapt(self, x: Tensor, y: Tensor, *, steps: int | None = None) -> Params:
        """θ after the inner loop on the support set ``x, y`` (``[K, in_features]``, ``[K, 1]``)."""
        steps = self.config.inner_steps if steps is None else _check_steps(steps)
        if steps == 0:
            return {**self.phi["init"], **self.phi["architecture"]}
        theta = adapt_with_components(
            self.model,
            self.phi,
            x,
            y,
            inner_lr=self.config.inner_lr,
            steps=steps,
            loss=self.config.loss,
        )
        return {name: t.detach() for name, t in theta.items()}

    def predict(self, x: Tensor, theta: Params | None = None) -> Tensor:
        """The network's output at ``x`` with ``theta`` (default: φ's initialization)."""
        # An empty dict is refused, not read as "use φ" (issue #28)
        params = check_params(theta, {**self.phi["init"], **self.phi["architecture"]}, "theta")
        _check_data("x", x)
        with torch.no_grad():
            return functional_call(self.model, params, (x,))

    def query_losses(self, tasks: TaskBatch, *, steps: int | None = None) -> Tensor:
        """Query loss of each new task after the inner loop (``[B]``, no gradient)."""
        _check_tasks(tasks)
        steps = self.config.inner_steps if steps is None else _check_steps(steps)
        loss_fn = LOSSES[self.config.loss][0]
        if steps == 0:
            with torch.no_grad():
                start = {**self.phi["init"], **self.phi["architecture"]}
                return vmap(lambda x, y: loss_fn(functional_call(self.model, start, (x,)), y))(
                    tasks.x_query, tasks.y_query
                )
        return component_meta_loss(
            self.model,
            self.phi,
            tasks.to(self.config.device),
            inner_lr=self.config.inner_lr,
            steps=steps,
            loss=self.config.loss,
        ).detach()


def _check_steps(steps: object) -> int:
    check_int("steps", steps, 0, MAX_INNER_STEPS)
    return int(steps)


def _snapshot(model: MixedActivationMLP, phi, config: ComponentConfig) -> LearningAlgorithm:
    frozen = {
        name: {k: t.detach().clone() for k, t in group.items()} for name, group in phi.items()
    }
    return LearningAlgorithm(model, frozen, config)


def _summary(phi: Mapping[str, Params], model: MixedActivationMLP) -> dict[str, float]:
    """Readable numbers about the learned components for a history row."""
    row: dict[str, float] = {}
    if "step_sizes" in phi:
        sizes = torch.cat([a.detach().flatten() for a in phi["step_sizes"].values()])
        row["mean_step_size"] = sizes.abs().mean().item()
    if "augmentation" in phi:
        row["shift"] = phi["augmentation"]["shift"].item()
    if len(model.activations) > 1:
        weights = torch.softmax(phi["architecture"][MIX_KEY].detach(), -1).mean(0)
        row.update({f"weight_{a}": w.item() for a, w in zip(model.activations, weights)})
    return row


def learn_components(
    config: ComponentConfig,
    tasks: object | None = None,
    callback: Callback | None = None,
    *,
    progress: bool = True,
) -> TrainResult[LearningAlgorithm, ComponentConfig]:
    """Meta-train the selected components of F_φ; returns a TrainResult of a LearningAlgorithm.

    Args:
        config: which components to learn and how (see :class:`ComponentConfig`).
        tasks: a task family with ``sample(num_tasks, k_support, k_query, generator)``
            (default: the MAML sinusoids; ``LinearBoundaryTasks`` for classification,
            ``CorruptedSupport`` for noisy support sets).
        callback: ``callback(row, algorithm)`` after each history row; ``True`` stops.
        progress: show a tqdm progress bar.

    History rows every ``log_every`` iterations: ``iteration``, ``loss`` (mean query loss
    since the last row), ``seconds`` and a few numbers about the learned components
    (``mean_step_size``, ``shift``, ``weight_<activation>``).
    """
    _check_config(config)
    check_callback(callback)
    check_bool("progress", progress)
    tasks = SinusoidTasks() if tasks is None else tasks
    if not callable(getattr(tasks, "sample", None)):
        raise TypeError(f"tasks must be a task family with a sample() method, got {tasks!r}")
    generator = make_generator(config.seed)
    probe = tasks.sample(1, 1, 1, make_generator(config.seed))  # only to read the input size
    model = MixedActivationMLP(
        probe.x_support.shape[-1], config.hidden_sizes, config.activations, seed=config.seed
    ).to(config.device)
    phi = initial_components(model, config)
    optimizer = torch.optim.Adam(
        [
            {"params": list(phi[name].values()), "lr": config.learning_rate * scale}
            for name, scale in LEARNING_RATE_SCALE.items()
            if name in config.components
        ]
        or [{"params": [torch.zeros(1, requires_grad=True)]}]  # nothing learned: a no-op run
    )
    result, loss_mean = TrainResult(None, config, []), RunningMean()

    def iteration(i: int) -> Row | None:
        batch = tasks.sample(config.meta_batch_size, config.k_support, config.k_query, generator)
        _check_tasks(batch, "tasks.sample()")  # a custom family's batch: checked once, here
        loss = _component_meta_loss(
            model,
            phi,
            batch.to(config.device),
            inner_lr=config.inner_lr,
            steps=config.inner_steps,
            loss=config.loss,
        ).mean()
        if config.components:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        loss_mean.add(loss.item())
        if not log_due(i, config.log_every, config.iterations):
            return None
        result.model = _snapshot(model, phi, config)  # what the callback sees
        return {"loss": loss_mean.take(), **_summary(phi, model)}

    train_loop(
        result, iteration, iterations=config.iterations, callback=callback,
        progress=progress, desc="+".join(config.components) or "nothing", show="loss",
    )  # fmt: skip
    result.model = _snapshot(model, phi, config)
    return result
