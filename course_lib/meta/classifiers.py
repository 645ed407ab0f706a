"""Few-shot classifiers on one backbone: scratch, pre-training, MAML, FOMAML, ANIL, prototypes.

Every method here shares the same network, :class:`FewShotNet`: a **body** (hidden layers,
or a small CNN, that turn an image into a feature vector) and a **head** (a linear layer from
the features to N class scores). They differ in what is learned before a new task arrives and in
what happens on its support set (支持集):

=============  ===========================================  ==================================
method         meta-training learns                         on a new task's support set
=============  ===========================================  ==================================
``scratch``    nothing: a seeded random network             gradient steps on every layer
``pretrain``   body + a C-way head on all C training classes a new zero N-way head, then
               (预训练, ordinary supervised learning)        gradient steps on every layer (微调)
``maml``       the initialization φ of body and head,       gradient steps on every layer
               through the inner loop (second order)
``fomaml``     the same, first-order meta-gradient          gradient steps on every layer
``anil``       φ, with an inner loop on the head only       gradient steps on the head only
               (Raghu et al., 2020)
``protonet``   the body, so that class means separate      no optimizer at all: each class's
               the classes (Snell et al., 2017)             mean feature is its prototype
=============  ===========================================  ==================================

MAML, FOMAML and ANIL reuse the course's one functional inner loop
(:func:`course_lib.meta.functional.meta_loss` with ``loss_fn=cross_entropy``); ANIL runs it
on the head alone, with the body's features as inputs, so the gradient still reaches the
body through those features.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, vmap

from course_lib.adaptation import AdaptationCurve
from course_lib.i18n import tr
from course_lib.meta.functional import Params, adapt, meta_loss
from course_lib.meta.images import IMAGE_SHAPE, ImageTasks, check_images, digit_split
from course_lib.meta.tasks import TaskBatch
from course_lib.training import (
    Callback,
    MetaLoopConfig,
    Row,
    RunningMean,
    TrainResult,
    check_callback,
    log_due,
    make_generator,
    seeded,
    train_loop,
)
from course_lib.validation import (
    DEVICE,
    SEED,
    Widths,
    bounded,
    check_bool,
    check_choice,
    check_declared,
    check_finite,
    check_hidden_sizes,
    check_instance,
    check_int,
    check_params,
    check_real,
    check_sequence,
    check_tensor,
    choice,
    declared,
)

__all__ = [
    "FEWSHOT_METHODS",
    "FewShotNet",
    "FewShotConfig",
    "FewShotLearner",
    "prototype_logits",
    "train_fewshot",
    "adaptation_accuracy",
    "predictions_along_the_way",
    "outer_loss",
    "evaluate_fewshot",
    "layer_changes",
    "layer_names",
    "pixel_prototypes",
    "meta_iterations_per_second",
    "choose_inner_lr",
    "BACKBONES",
]

FEWSHOT_METHODS: tuple[str, ...] = ("scratch", "pretrain", "maml", "fomaml", "anil", "protonet")
#: The body's kinds: a multilayer perceptron on the flattened pixels, or a small CNN.
BACKBONES: tuple[str, ...] = ("mlp", "cnn")
#: Most inner steps an evaluation or a widget may ask for (each step is a full-batch gradient).
MAX_STEPS = 100
#: Most images one call holds at once (a meta-batch, or the batches timed together): 200,000
#: 28×28 float images are 630 MB. The chapter's steps hold 480; each size alone is capped, but
#: their product (meta_batch_size · n_way · (k_shot + k_query)) could reach billions.
MAX_IMAGES = 200_000


class FewShotNet(nn.Module):
    """image ``[..., 1, H, W]`` → body → features → head → N scores.

    Args:
        n_out: N, the number of class scores.
        hidden_sizes: the body's layer widths: hidden units for ``backbone="mlp"``
            (Linear-ReLU per width), channels for ``"cnn"`` (a 3×3 convolution of stride 2
            and a ReLU per width: each layer halves the image's side).
        image_shape: ``(1, H, W)`` of the inputs.
        backbone: "mlp" or "cnn".

    Parameters are named ``body.0.*``, ``body.2.*``, … (the hidden layers) and ``head.*``.
    ``forward(x, head=False)`` returns the features (the body's output, flattened), which
    prototypes and ANIL's inner loop use.
    """

    def __init__(
        self,
        n_out: int,
        hidden_sizes: tuple[int, ...] = (64, 64),
        image_shape: tuple[int, int, int] = IMAGE_SHAPE,
        backbone: str = "mlp",
    ):
        super().__init__()
        n_out = check_int("n_out", n_out, 1, 10_000)
        hidden_sizes = check_hidden_sizes(hidden_sizes)
        self.image_shape = _check_image_shape(image_shape)
        self.backbone = check_choice("backbone", backbone, BACKBONES)
        layers: list[nn.Module] = []
        channels, side_h, side_w = self.image_shape
        if backbone == "mlp":
            sizes = (channels * side_h * side_w, *hidden_sizes)
            for n_in, n_hidden in zip(sizes[:-1], sizes[1:]):
                layers += [nn.Linear(n_in, n_hidden), nn.ReLU()]
            width = sizes[-1]
        else:
            for n_hidden in hidden_sizes:
                layers += [nn.Conv2d(channels, n_hidden, 3, stride=2, padding=1), nn.ReLU()]
                channels, side_h, side_w = n_hidden, (side_h + 1) // 2, (side_w + 1) // 2
            width = channels * side_h * side_w
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, n_out)

    def features(self, x: Tensor) -> Tensor:
        """The body's output for images ``[..., 1, H, W]``: ``[..., feature width]``."""
        _check_net_input(x, self.image_shape)
        lead = x.shape[:-3]
        if self.backbone == "mlp":
            return self.body(x.flatten(-3))
        return self.body(x.reshape(-1, *self.image_shape)).reshape(*lead, -1)

    def forward(self, x: Tensor, head: bool = True) -> Tensor:
        """N class scores ``[..., N]`` for images ``[..., 1, H, W]``; the features if not ``head``."""
        f = self.features(x)
        return self.head(f) if check_bool("head", head) else f


def _check_net_input(x: object, shape: tuple[int, int, int]) -> None:
    """Float images ``[..., *shape]``, finite. Every inner step calls the network, often inside
    ``vmap``, which cannot branch on a batched tensor's values: the finiteness check runs on a
    plain tensor only (a wrapped one's plain original was checked where it entered)."""
    if not isinstance(x, Tensor) or not x.is_floating_point():
        raise TypeError(
            f"x must be a float tensor of images [..., {', '.join(map(str, shape))}], got "
            f"{getattr(x, 'dtype', type(x).__name__)}"
        )
    if x.dim() < 3 or tuple(x.shape[-3:]) != tuple(shape):
        raise ValueError(
            f"x must hold images of shape [..., {', '.join(map(str, shape))}], got {tuple(x.shape)}"
        )
    if not torch._C._functorch.is_functorch_wrapped_tensor(x):
        check_finite("x", x)


#: Classes per task :func:`prototype_logits` accepts: Omniglot, the largest set, has 1,623.
MAX_N_WAY = 10_000


def prototype_logits(support: Tensor, support_labels: Tensor, query: Tensor, n_way: int) -> Tensor:
    """Prototypical networks' scores: minus the squared distance to each class's mean feature.

    Args:
        support: features of the support images ``[S, D]``; support_labels: ``[S]`` in 0..N−1,
            every class present at least once (else its prototype is 0 / 0).
        query: features of the query images ``[Q, D]``; n_way: N.

    Returns logits ``[Q, N]``: ``−‖f(x) − c_n‖²`` where ``c_n`` is the mean of the support
    features labelled n (its prototype, 原型). Softmax over them is the classifier.
    """
    n_way = check_int("n_way", n_way, 1, MAX_N_WAY)
    # finite: a NaN feature (a diverged body) would make every score NaN, silently
    check_tensor("support", support, ndim=2, floating=True, finite=True)
    check_tensor("query", query, ndim=2, floating=True, finite=True)
    check_tensor("support_labels", support_labels, ndim=1)
    if support_labels.is_floating_point() or support_labels.dtype == torch.bool:
        raise TypeError(f"support_labels must be integer labels, got dtype {support_labels.dtype}")
    if not len(support):
        raise ValueError("support must hold at least one feature row [S, D], got S = 0")
    if len(support_labels) != len(support) or query.shape[1] != support.shape[1]:
        raise ValueError(
            f"support [S, D], support_labels [S] and query [Q, D] must agree, got "
            f"{list(support.shape)}, {list(support_labels.shape)} and {list(query.shape)}"
        )
    present = torch.bincount(support_labels.clamp(0, n_way), minlength=n_way + 1)
    if support_labels.min() < 0 or present[n_way] > 0 or (present[:n_way] == 0).any():
        raise ValueError(
            f"support_labels must cover every class 0..{n_way - 1} (n_way = {n_way}) and no "
            f"other, got {sorted(set(support_labels.tolist()))}"
        )
    return _prototype_logits(support, support_labels, query, n_way)


def _prototype_logits(support: Tensor, support_labels: Tensor, query: Tensor, n_way: int) -> Tensor:
    """:func:`prototype_logits` without the checks (they read values, which ``vmap`` forbids)."""
    classes = torch.arange(n_way, device=support_labels.device)
    one_hot = (support_labels.unsqueeze(-1) == classes).to(support.dtype)  # [S, N]
    prototypes = (one_hot.T @ support) / one_hot.sum(0).unsqueeze(-1)  # [N, D]
    return -((query.unsqueeze(-2) - prototypes) ** 2).sum(-1)


@dataclass
class FewShotConfig(MetaLoopConfig):
    """One few-shot training run (defaults: 5-way 1-shot, the chapter's quick scale).

    Attributes:
        method: one of ``FEWSHOT_METHODS``.
        n_way: N, classes per task; k_shot: K, support images per class.
        k_query: query images per class that score each task during training.
        iterations: outer steps (for "pretrain": supervised steps; "scratch" trains nothing).
        meta_batch_size: tasks per outer step; "pretrain" sees as many images per step
            (meta_batch_size · n_way · (k_shot + k_query)), so every method gets the same budget.
        inner_lr: α, the step size of every inner loop and of fine-tuning on a new task.
        inner_steps: gradient steps of the inner loop during meta-training.
        learning_rate: Adam's step size for the outer loop (and for pre-training).
        hidden_sizes: widths of the body's hidden layers (channels for a CNN); ``()`` with
            "protonet" means no body at all: the prototypes of raw pixels, a baseline with
            nothing to learn.
        backbone: "mlp" or "cnn" (:class:`FewShotNet`).
        seed, device: the training contract; log_every: iterations between history rows.
    """

    method: str = choice("maml", FEWSHOT_METHODS)
    n_way: int = bounded(5, 2, 1000)
    k_shot: int = bounded(1, 1, 10_000)
    k_query: int = bounded(5, 1, 10_000)
    iterations: int = bounded(500, 1, 1_000_000)
    meta_batch_size: int = bounded(16, 1, 1000)  # images cost more than sinusoid points
    inner_lr: float = bounded(0.4, 0.0, 10.0, low_open=True)
    inner_steps: int = bounded(1, 1, 20)
    learning_rate: float = bounded(1e-3, 0.0, 1.0, low_open=True)
    hidden_sizes: tuple[int, ...] = declared((64, 64), Widths(max_layers=4, max_width=1024))
    backbone: str = choice("mlp", BACKBONES)
    seed: int = declared(0, SEED)
    device: str = declared("cpu", DEVICE)
    log_every: int = bounded(50, 1, 10_000_000)

    def __post_init__(self) -> None:
        check_declared(self)
        if not self.hidden_sizes and self.method != "protonet":
            raise ValueError(
                f"hidden_sizes=() (no body: raw pixels) only makes sense for 'protonet', "
                f"got method {self.method!r}"
            )


@dataclass
class FewShotLearner:
    """What meta-training hands over: the method, the network and φ, ready for new tasks.

    ``params`` is φ with an N-way head (for "pretrain", the new zero head replaces the
    C-way one of the training classes). :meth:`adapt` runs the method's inner loop on a support set,
    :meth:`logits` scores images; both work on one task (``[S, 1, H, W]``).
    """

    method: str
    model: FewShotNet
    params: Params
    inner_lr: float
    n_way: int
    config: FewShotConfig

    def __post_init__(self) -> None:
        check_choice("method", self.method, FEWSHOT_METHODS)
        check_instance("model", self.model, FewShotNet, "a FewShotNet")
        check_instance("config", self.config, FewShotConfig, "a FewShotConfig")
        self.inner_lr = check_real("inner_lr", self.inner_lr, 0.0, 10.0, lo_open=True)
        self.n_way = check_int("n_way", self.n_way, 2, 1000)
        _check_weights(self.params, self.model)
        heads = self.model.head.out_features
        agree = {
            "method": (self.method, self.config.method),
            "n_way": (self.n_way, self.config.n_way),
            "inner_lr": (self.inner_lr, self.config.inner_lr),
        }
        for name, (mine, configured) in agree.items():
            if mine != configured:
                raise ValueError(f"{name} must match config.{name} = {configured!r}, got {mine!r}")
        if heads != self.n_way:
            raise ValueError(
                f"n_way must match the model's head ({heads} class scores), got {self.n_way}"
            )

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(1, H, W)``: the images this learner takes."""
        return self.model.image_shape

    def adapt(self, x: Tensor, y: Tensor, *, steps: int, head_only: bool | None = None) -> Params:
        """θ after ``steps`` gradient steps on the support set (φ itself for "protonet").

        ``head_only`` (default: True for ANIL only) freezes the body, as ANIL does; setting it
        for MAML is Raghu et al.'s test of how much MAML relies on changing its features.
        """
        _check_task(x, y, self.n_way, self.image_shape)
        _check_steps(steps)
        with torch.no_grad():
            theta = _adapt(self, x, y, steps, _head_only(self, head_only))
        return {name: t.detach() for name, t in theta.items()}

    def with_inner_lr(self, inner_lr: float) -> FewShotLearner:
        """The same φ with another step size α for the inner loop (fine-tuning)."""
        inner_lr = check_real("inner_lr", inner_lr, 0.0, 10.0, lo_open=True)
        config = dataclasses.replace(self.config, inner_lr=inner_lr)
        return dataclasses.replace(self, inner_lr=inner_lr, config=config)

    def logits(self, x: Tensor, params: Params | None = None, support=None) -> Tensor:
        """Class scores ``[Q, N]`` of images ``x`` with ``params`` (default φ); "protonet"
        needs ``support=(x_support, y_support)`` to build its prototypes (the other methods
        ignore it, but a malformed one is refused)."""
        check_images(x, shape=self.image_shape)
        params = check_params(params, self.params)
        _check_weights(params, self.model)
        if support is not None:  # checked for every method (a broken one is a mistake anyway)
            if not isinstance(support, tuple | list) or len(support) != 2:
                raise TypeError(f"support must be (x_support, y_support), got {support!r:.60}")
            _check_task(*support, self.n_way, self.image_shape, name="support")
            if self.method == "protonet":
                _check_every_class_shown(support[1], self.n_way, "support's labels")
        with torch.no_grad():
            return _logits(self, params, x, support)


# ---------------------------------------------------------------------------------------
# One task at a time (pure functions: they run inside vmap over tasks)
# ---------------------------------------------------------------------------------------


def _strip(params: Mapping[str, Tensor], prefix: str) -> Params:
    """The entries of ``params`` under ``prefix``, with the prefix removed."""
    return {n.removeprefix(prefix): p for n, p in params.items() if n.startswith(prefix)}


def _features(model: FewShotNet, params: Mapping[str, Tensor], x: Tensor) -> Tensor:
    body = {n: p for n, p in params.items() if n.startswith("body.")}
    return functional_call(model, body, (x,), {"head": False})


def _inner_problem(
    learner: FewShotLearner, x_s: Tensor, x_q: Tensor, head_only: bool
) -> tuple[nn.Module, Params, Tensor, Tensor]:
    """(network, starting parameters, support inputs, query inputs) of the inner loop.

    Head-only adaptation (ANIL) is the same gradient descent on a smaller problem: the head
    alone, fed the body's features, which are computed once because the body does not move.
    """
    if not head_only:
        return learner.model, dict(learner.params), x_s, x_q
    features = (_features(learner.model, learner.params, x) for x in (x_s, x_q))
    return learner.model.head, _strip(learner.params, "head."), *features


def _predictions_along_the_way(
    learner: FewShotLearner, x_s: Tensor, y_s: Tensor, x_q: Tensor, max_steps: int, head_only: bool
) -> Tensor:
    """Predicted labels of the query images after 0, 1, …, ``max_steps`` inner steps: ``[S+1, Q]``."""
    if learner.method == "protonet":  # no inner loop: the same prediction at every "step"
        f_s, f_q = (_features(learner.model, learner.params, x) for x in (x_s, x_q))
        labels = _prototype_logits(f_s, y_s, f_q, learner.n_way).argmax(-1)
        return labels.expand(max_steps + 1, -1)
    model, theta, in_s, in_q = _inner_problem(learner, x_s, x_q, head_only)
    predictions = [functional_call(model, theta, (in_q,)).argmax(-1)]
    for _ in range(max_steps):
        theta = adapt(
            model,
            theta,
            in_s,
            y_s,
            inner_lr=learner.inner_lr,
            steps=1,
            first_order=True,
            loss_fn=F.cross_entropy,
        )
        predictions.append(functional_call(model, theta, (in_q,)).argmax(-1))
    return torch.stack(predictions)


def _head_only(learner: FewShotLearner, head_only: bool | None) -> bool:
    return learner.method == "anil" if head_only is None else check_bool("head_only", head_only)


def _adapt(learner: FewShotLearner, x: Tensor, y: Tensor, steps: int, head_only: bool) -> Params:
    if learner.method == "protonet":
        return dict(learner.params)
    model, theta, in_s, _ = _inner_problem(learner, x, x[:0], head_only)
    theta = adapt(
        model,
        theta,
        in_s,
        y,
        inner_lr=learner.inner_lr,
        steps=steps,
        first_order=True,
        loss_fn=F.cross_entropy,
    )
    if head_only:
        return {**learner.params, **{"head." + n: p for n, p in theta.items()}}
    return theta


def _logits(learner: FewShotLearner, params: Mapping[str, Tensor], x: Tensor, support) -> Tensor:
    if learner.method != "protonet":
        return functional_call(learner.model, dict(params), (x,))
    if support is None:
        raise ValueError(
            "support must be (x_support, y_support) for a protonet learner's prototypes, got None"
        )
    x_s, y_s = support
    f_s, f_q = (_features(learner.model, params, z) for z in (x_s, x))
    return _prototype_logits(f_s, y_s, f_q, learner.n_way)


# ---------------------------------------------------------------------------------------
# Meta-training: one outer loss per method, one loop for all
# ---------------------------------------------------------------------------------------


def outer_loss(config: FewShotConfig, model: FewShotNet, params: Params, batch) -> Tensor:
    """The loss each method's outer loop descends, for one batch.

    ``batch`` is a TaskBatch of images (meta-learners) or ``(images, labels)`` (pre-training).
    """
    check_instance("config", config, FewShotConfig, "a FewShotConfig")
    check_instance("model", model, FewShotNet, "a FewShotNet")
    if config.method == "scratch":
        raise ValueError("config.method must be one that trains (not 'scratch'), got 'scratch'")
    _check_weights(params, model)
    heads = model.head.out_features
    if config.method == "pretrain":
        _check_labelled_batch(batch, heads, model.image_shape)
    else:
        if heads != config.n_way:
            raise ValueError(f"model must have config.n_way = {config.n_way} outputs, got {heads}")
        _check_task_batch(batch, config.n_way, model.image_shape, "batch")
        if config.method == "protonet":
            _check_every_class_shown(batch.y_support, config.n_way, "batch.y_support")
    return _outer_loss(config, model, params, batch)


def _outer_loss(config: FewShotConfig, model: FewShotNet, params: Params, batch) -> Tensor:
    """:func:`outer_loss` without the checks (the training loop's batches are drawn checked)."""
    if config.method == "pretrain":  # ordinary supervised learning on all training classes
        x, y = batch
        return F.cross_entropy(functional_call(model, params, (x,)), y)
    if config.method in ("maml", "fomaml"):
        return meta_loss(
            model,
            params,
            batch,
            inner_lr=config.inner_lr,
            steps=config.inner_steps,
            first_order=config.method == "fomaml",
            loss_fn=F.cross_entropy,
        )
    f_s, f_q = (_features(model, params, x) for x in (batch.x_support, batch.x_query))
    if config.method == "anil":  # MAML on the head, the features as its inputs
        features = TaskBatch(f_s, batch.y_support, f_q, batch.y_query)
        return meta_loss(
            model.head,
            _strip(params, "head."),
            features,
            inner_lr=config.inner_lr,
            steps=config.inner_steps,
            loss_fn=F.cross_entropy,
        )
    # protonet: no inner loop; the query images are classified by the nearest prototype
    logits = vmap(_prototype_logits, in_dims=(0, 0, 0, None))(
        f_s, batch.y_support, f_q, config.n_way
    )
    return F.cross_entropy(logits.flatten(0, 1), batch.y_query.flatten())


def train_fewshot(
    config: FewShotConfig,
    tasks: ImageTasks | None = None,
    callback: Callback | None = None,
    *,
    progress: bool = True,
) -> TrainResult[FewShotLearner, FewShotConfig]:
    """Train one few-shot method on the meta-training classes; returns a ``TrainResult`` whose
    ``model`` is a :class:`FewShotLearner`.

    Args:
        config: method, task shape, budget and seed (:class:`FewShotConfig`).
        tasks: the meta-training task family (an :class:`ImageTasks`, e.g. the first of
            ``character_split()``; default: ``digit_split()[0]``, 24 classes of digits).
        callback: ``callback(row, learner)`` after each history row; ``True`` stops training.
        progress: show a tqdm bar.

    History rows every ``log_every`` iterations: ``iteration``, ``loss`` (mean since the last
    row), ``accuracy`` (on the last batch's queries after the inner loop; for "pretrain" the
    accuracy over all training classes on the last minibatch) and ``seconds``.
    "scratch" and "protonet" with ``hidden_sizes=()`` have nothing to train: they return
    at once with an empty history.
    """
    if not isinstance(config, FewShotConfig):
        raise TypeError(f"config must be a FewShotConfig, got {type(config).__name__}")
    check_callback(callback)
    check_bool("progress", progress)
    tasks = digit_split()[0] if tasks is None else tasks
    if not isinstance(tasks, ImageTasks):
        raise TypeError(
            f"tasks must be an ImageTasks family (character_split, digit_split), got "
            f"{type(tasks).__name__}"
        )
    tasks.check_task_shape(config.n_way, config.k_shot, config.k_query)
    _check_images_held(config)
    pretrain = config.method == "pretrain"
    model = _network(config, tasks.num_classes if pretrain else config.n_way, tasks.image_shape)
    params = {n: p.detach().clone().requires_grad_(True) for n, p in model.named_parameters()}
    result = TrainResult(None, config, [])
    if config.method == "scratch" or not config.hidden_sizes:
        result.model = _learner(config, model, params)
        return result

    generator = make_generator(config.seed)  # tasks and minibatches are drawn on the CPU
    optimizer = torch.optim.Adam(params.values(), lr=config.learning_rate)
    images_per_step = config.meta_batch_size * config.n_way * (config.k_shot + config.k_query)
    loss_mean = RunningMean()

    def iteration(i: int) -> Row | None:
        if pretrain:
            x, y = tasks.labelled_batch(images_per_step, generator)
            batch = (x.to(config.device), y.to(config.device))
        else:
            batch = tasks.sample(
                config.meta_batch_size, config.n_way, config.k_shot, config.k_query, generator
            ).to(config.device)
        loss = _outer_loss(config, model, params, batch)
        # protonet never uses the head: its gradient is zero (materialized), so Adam leaves it
        grads = torch.autograd.grad(
            loss, list(params.values()), allow_unused=True, materialize_grads=True
        )
        for p, g in zip(params.values(), grads):
            p.grad = g
        optimizer.step()
        loss_mean.add(loss.item())
        if not log_due(i, config.log_every, config.iterations):
            return None
        result.model = _learner(config, model, params)  # what the callback sees
        return {"loss": loss_mean.take(), "accuracy": _batch_accuracy(config, model, params, batch)}

    train_loop(
        result, iteration, iterations=config.iterations, callback=callback,
        progress=progress, desc=config.method, show="accuracy",
    )  # fmt: skip
    result.model = _learner(config, model, params)
    return result


def pixel_prototypes(
    n_way: int = 5, image_shape: tuple[int, int, int] = IMAGE_SHAPE
) -> FewShotLearner:
    """The baseline with nothing to learn: prototypes (class means) of the raw pixels.

    ``image_shape`` is ``(1, H, W)`` of the tasks it will see (default: the 8×8 digits;
    ``tasks.image_shape`` of a family).
    """
    config = FewShotConfig(method="protonet", n_way=n_way, hidden_sizes=())
    image_shape = _check_image_shape(image_shape)
    model = _network(config, n_way, image_shape)
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    return _learner(config, model, params)


def _network(config: FewShotConfig, n_out: int, image_shape: tuple[int, int, int]) -> FewShotNet:
    """The config's network with ``n_out`` scores, drawn from ``seeded(config.seed)``'s RNG."""
    with seeded(config.seed):
        return FewShotNet(n_out, config.hidden_sizes, image_shape, config.backbone).to(
            config.device
        )


def _batch_accuracy(config: FewShotConfig, model: FewShotNet, params: Params, batch) -> float:
    """Accuracy on the batch just trained on (for the history; not an evaluation)."""
    with torch.no_grad():
        if config.method == "pretrain":
            x, y = batch
            return (functional_call(model, params, (x,)).argmax(-1) == y).float().mean().item()
    learner = _learner(config, model, params)
    return adaptation_accuracy(learner, batch, max_steps=config.inner_steps)[:, -1].mean().item()


def _learner(config: FewShotConfig, model: FewShotNet, params: Params) -> FewShotLearner:
    """The learner handed to callbacks and returned: a detached copy of φ.

    Pre-training's head over the training classes is useless for a new task's N labels, so it
    is replaced by a new N-way head initialised at zero (all classes equally likely until
    fine-tuning moves it).
    """
    phi = {n: p.detach().clone() for n, p in params.items()}
    if config.method == "pretrain":  # only the architecture is used; the global RNG is kept
        model = _network(config, config.n_way, model.image_shape)
        phi = {
            **{n: p for n, p in phi.items() if not n.startswith("head.")},
            **{n: torch.zeros_like(p) for n, p in model.head.named_parameters(prefix="head")},
        }
    return FewShotLearner(config.method, model, phi, config.inner_lr, config.n_way, config)


def meta_iterations_per_second(
    config: FewShotConfig, tasks: ImageTasks, *, seconds: float = 1.0, batches: int = 4
) -> float:
    """Outer steps' worth of work (outer loss + its gradient) per CPU second, for ``config``.

    CPU time of this process, not wall time: on a shared machine other jobs stretch the wall
    clock, not the CPU time the work takes. The network and ``batches`` meta-batches are
    drawn from the config's seed; one warm-up step is not timed. This is how the chapter and
    ``benchmarks/fewshot.py`` compare a CNN with the MLP under the same ``vmap`` code.
    """
    if not isinstance(config, FewShotConfig):
        raise TypeError(f"config must be a FewShotConfig, got {type(config).__name__}")
    if not isinstance(tasks, ImageTasks):
        raise TypeError(f"tasks must be an ImageTasks family, got {type(tasks).__name__}")
    if config.method in ("scratch", "pretrain"):
        raise ValueError(
            f"config.method must be a meta-learner (maml, fomaml, anil, protonet), got {config.method!r}"
        )
    check_real("seconds", seconds, 0.0, 60.0, lo_open=True)
    check_int("batches", batches, 1, 100)
    tasks.check_task_shape(config.n_way, config.k_shot, config.k_query)
    _check_images_held(config, batches)
    model = _network(config, config.n_way, tasks.image_shape)
    params = {n: p.detach().clone().requires_grad_(True) for n, p in model.named_parameters()}
    generator = make_generator(config.seed)
    drawn = [
        tasks.sample(config.meta_batch_size, config.n_way, config.k_shot, config.k_query, generator)
        for _ in range(batches)
    ]

    def step(batch: TaskBatch) -> None:
        loss = _outer_loss(config, model, params, batch)
        torch.autograd.grad(loss, list(params.values()), allow_unused=True)

    step(drawn[0])
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        step(drawn[done % batches])
        done += 1
    return done / (time.process_time() - start)


# ---------------------------------------------------------------------------------------
# Evaluation: accuracy on new tasks, with the papers' 95% confidence interval
# ---------------------------------------------------------------------------------------


def adaptation_accuracy(
    learner: FewShotLearner,
    tasks: TaskBatch,
    *,
    max_steps: int = 10,
    head_only: bool | None = None,
    chunk: int = 50,
) -> Tensor:
    """Query accuracy of every task after 0..``max_steps`` inner steps: ``[num_tasks, S + 1]``.

    Tasks are adapted in parallel (``vmap``), ``chunk`` at a time: it bounds memory, and 50
    ran about 1.5× faster than 200 on one CPU thread (the batched products stay in cache). Nothing
    flows back into φ. ``head_only`` as in :meth:`FewShotLearner.adapt`.
    """
    labels = predictions_along_the_way(
        learner, tasks, max_steps=max_steps, head_only=head_only, chunk=chunk
    )
    return (labels == tasks.y_query.unsqueeze(1)).float().mean(-1)


def predictions_along_the_way(
    learner: FewShotLearner,
    tasks: TaskBatch,
    *,
    max_steps: int = 10,
    head_only: bool | None = None,
    chunk: int = 50,
) -> Tensor:
    """Predicted query labels of every task after 0..S inner steps: ``[num_tasks, S + 1, Q]``."""
    _check_learner(learner)
    _check_task_batch(tasks, learner.n_way, learner.image_shape)
    _check_steps(max_steps, "max_steps")
    check_int("chunk", chunk, 1)
    if learner.method == "protonet":
        _check_every_class_shown(tasks.y_support, learner.n_way, "tasks.y_support")
    only_head = _head_only(learner, head_only)

    def one_task(x_s: Tensor, y_s: Tensor, x_q: Tensor) -> Tensor:
        return _predictions_along_the_way(learner, x_s, y_s, x_q, max_steps, only_head)

    with torch.no_grad():  # torch.func.grad inside still differentiates the inner loop
        return torch.cat(
            [
                vmap(one_task)(*(t[i : i + chunk] for t in tasks[:3]))
                for i in range(0, tasks.x_support.shape[0], chunk)
            ]
        )


def evaluate_fewshot(
    learner: FewShotLearner, tasks: TaskBatch, *, max_steps: int = 10, head_only: bool | None = None
) -> AdaptationCurve:
    """The papers' protocol on new tasks: accuracy after 0..S steps, mean ± 95% interval."""
    per_task = adaptation_accuracy(learner, tasks, max_steps=max_steps, head_only=head_only)
    return AdaptationCurve(list(range(max_steps + 1)), per_task, "query accuracy", True)


def choose_inner_lr(
    learner: FewShotLearner,
    tasks: TaskBatch,
    candidates: Sequence[float],
    *,
    steps: int = 10,
) -> tuple[float, dict[float, float]]:
    """The step size α among ``candidates`` with the best mean query accuracy after ``steps``.

    ``tasks`` should be meta-*validation* tasks: choosing on the test tasks would flatter the
    chosen method. Returns ``(best α, {α: mean accuracy})``; ties go to the first candidate.
    """
    _check_learner(learner)
    _check_task_batch(tasks, learner.n_way, learner.image_shape)
    _check_steps(steps)
    candidates = check_sequence("candidates", candidates, max_length=100)
    candidates = [check_real("candidates entries", a, 0.0, 10.0, lo_open=True) for a in candidates]
    if not candidates:
        raise ValueError("candidates must hold at least one step size, got none")
    scores = {
        a: adaptation_accuracy(learner.with_inner_lr(a), tasks, max_steps=steps)[:, -1]
        .mean()
        .item()
        for a in candidates
    }
    return max(scores, key=scores.get), scores


def layer_names(params: Mapping[str, Tensor]) -> dict[str, str]:
    """Parameter-name prefix → readable name of each layer: ``{"body.0.": "hidden layer 1", …,
    "head.": "head"}`` (in the chapter's language: the names are printed as they are)."""
    _check_weights(params)
    hidden = sorted({n.split(".")[1] for n in params if n.startswith("body.")}, key=int)
    names = {f"body.{i}.": _hidden_layer(k) for k, i in enumerate(hidden, start=1)}
    return {**names, "head.": tr("head")}


def _hidden_layer(k: int) -> str:
    # The first two by their own messages, shared with the checker that names them.
    if k == 1:
        return tr("hidden layer 1")
    if k == 2:
        return tr("hidden layer 2")
    return tr("hidden layer {k}", k=k)


def layer_changes(learner: FewShotLearner, tasks: TaskBatch, *, steps: int) -> dict[str, float]:
    """How far each layer moves during adaptation: mean over tasks of ‖θ_l − φ_l‖ / ‖φ_l‖.

    ``l`` is one layer (its weights and biases together). Raghu et al. (2020) asked this of
    MAML: if the body barely moves, MAML's inner loop mostly *reuses* features and re-fits
    the head, which is what ANIL does by design.
    """
    _check_learner(learner)
    if learner.method in ("protonet", "pretrain"):
        raise ValueError(
            f"learner must use a method whose φ is adapted from non-zero weights "
            f"(scratch, maml, fomaml, anil) for layer_changes, got {learner.method!r}"
        )
    _check_task_batch(tasks, learner.n_way, learner.image_shape)
    _check_steps(steps)
    only_head = _head_only(learner, None)
    layers = layer_names(learner.params)

    def relative_change(x_s: Tensor, y_s: Tensor) -> Tensor:
        theta = _adapt(learner, x_s, y_s, steps, only_head)
        return torch.stack([_layer_norm(theta, prefix, learner.params) for prefix in layers])

    with torch.no_grad():
        change = vmap(relative_change)(tasks.x_support, tasks.y_support).mean(0)
    return {name: change[i].item() for i, name in enumerate(layers.values())}


def _layer_norm(theta: Params, prefix: str, phi: Params) -> Tensor:
    names = [n for n in phi if n.startswith(prefix)]
    moved = torch.cat([(theta[n] - phi[n]).flatten() for n in names]).norm()
    return moved / torch.cat([phi[n].flatten() for n in names]).norm()


# ---------------------------------------------------------------------------------------
# Checks at the library's edge
# ---------------------------------------------------------------------------------------


def _check_images_held(config: FewShotConfig, batches: int = 1) -> None:
    """The images a step holds, times the ``batches`` drawn at once, within :data:`MAX_IMAGES`."""
    per_step = config.meta_batch_size * config.n_way * (config.k_shot + config.k_query)
    if batches * per_step > MAX_IMAGES:
        what = "meta_batch_size · n_way · (k_shot + k_query)"
        what = what if batches == 1 else f"batches · {what}"
        raise ValueError(
            f"config: {what} must be at most {MAX_IMAGES:_} images held at once, got "
            f"{batches * per_step:_}"
        )


def _check_learner(learner: object) -> None:
    if not isinstance(learner, FewShotLearner):
        raise TypeError(
            f"learner must be a FewShotLearner from train_fewshot, got {type(learner).__name__}"
        )


def _check_steps(steps: object, name: str = "steps") -> None:
    check_int(name, steps, 0, MAX_STEPS)


def _check_labels(y: Tensor, name: str, n_way: int) -> None:
    if not isinstance(y, Tensor) or y.dtype != torch.long:
        raise TypeError(
            f"{name} must be a torch.long tensor of labels 0..{n_way - 1}, got "
            f"{getattr(y, 'dtype', type(y).__name__)}"
        )
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= n_way):
        raise ValueError(
            f"{name} must hold labels in 0..{n_way - 1} (n_way={n_way}), "
            f"got values from {int(y.min())} to {int(y.max())}"
        )


def _check_task(
    x: Tensor, y: Tensor, n_way: int, shape: tuple[int, int, int], name: str | None = None
) -> None:
    """One task's support set: images ``x`` ``[S, 1, H, W]`` and labels ``y`` ``[S]`` (named
    "x" and "y", or "<name>'s images" and "<name>'s labels" when they came as one argument)."""
    x_name, y_name = ("x", "y") if name is None else (f"{name}'s images", f"{name}'s labels")
    check_images(x, x_name, shape=shape)
    _check_labels(y, y_name, n_way)
    if x.dim() != 4 or y.shape != x.shape[:1]:
        raise ValueError(
            f"{x_name} must be one task's images [S, {', '.join(map(str, shape))}] with "
            f"{y_name} [S], got {tuple(x.shape)} and {tuple(y.shape)}"
        )


def _check_task_batch(
    tasks: object, n_way: int, shape: tuple[int, int, int], name: str = "tasks"
) -> None:
    """A TaskBatch of images ``[B, S, 1, H, W]`` with labels ``[B, S]``."""
    if not isinstance(tasks, TaskBatch):
        raise TypeError(
            f"{name} must be a TaskBatch (e.g. from ImageTasks.sample), got {type(tasks).__name__}"
        )
    for x_name, y_name in (("x_support", "y_support"), ("x_query", "y_query")):
        x, y = getattr(tasks, x_name), getattr(tasks, y_name)
        check_images(x, f"{name}.{x_name}", shape)
        _check_labels(y, f"{name}.{y_name}", n_way)
        if x.dim() != 5 or y.shape != x.shape[:2]:
            raise ValueError(
                f"{name}.{x_name} must be [B, S, {', '.join(map(str, shape))}] with "
                f"{name}.{y_name} [B, S], got {tuple(x.shape)} and {tuple(y.shape)}"
            )
    if not tasks.x_support.shape[1] or not tasks.x_query.shape[1]:
        raise ValueError(
            f"{name} must hold at least one support and one query image per task, got "
            f"{tasks.x_support.shape[1]} and {tasks.x_query.shape[1]}"
        )
    if not tasks.x_support.shape[0]:
        raise ValueError(f"{name} must hold at least one task, got B = 0")
    if tasks.x_support.shape[0] != tasks.x_query.shape[0]:
        raise ValueError(
            f"{name}: support and query sets must hold the same number of tasks B, got "
            f"{tasks.x_support.shape[0]} and {tasks.x_query.shape[0]}"
        )


def _check_every_class_shown(y_support: Tensor, n_way: int, name: str) -> None:
    """Each task's support set shows every class: a prototype of no image is 0 / 0 = NaN."""
    shown = (y_support.unsqueeze(-1) == torch.arange(n_way, device=y_support.device)).any(-2)
    if not bool(shown.all()):
        raise ValueError(
            f"{name} must show each of the {n_way} classes at least once in every task (a "
            f"prototype of no image is 0 / 0), got {int((~shown).sum())} classes missing"
        )


def _check_labelled_batch(
    batch: object, n_classes: int, shape: tuple[int, int, int]
) -> tuple[Tensor, Tensor]:
    """Pre-training's ``(images [M, 1, H, W], labels [M])``."""
    if not isinstance(batch, tuple | list) or len(batch) != 2:
        raise TypeError(
            f"batch must be (images, labels) for method 'pretrain', got {type(batch).__name__}"
        )
    x, y = batch
    check_images(x, "batch images", shape)
    _check_labels(y, "batch labels", n_classes)
    if x.dim() != 4 or y.shape != x.shape[:1]:
        raise ValueError(
            f"batch must be images [M, {', '.join(map(str, shape))}] with labels [M], got "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )
    return x, y


def _check_weights(params: object, model: FewShotNet | None = None) -> None:
    """A non-empty dict of named tensors; with ``model``, exactly its parameters' names."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of weight tensors, got {type(params).__name__}")
    if not params:
        raise ValueError("params must hold the network's weights, got an empty dict")
    wrong = [n for n, p in params.items() if not isinstance(n, str) or not isinstance(p, Tensor)]
    if wrong:
        raise TypeError(f"params must map names to tensors, got {wrong[0]!r:.60}")
    if model is not None:
        names = {n for n, _ in model.named_parameters()}
        if set(params) != names:
            raise ValueError(
                f"params must hold the model's weights {sorted(names)}, got {sorted(params)}"
            )


def _check_image_shape(shape: object) -> tuple[int, int, int]:
    if not isinstance(shape, tuple | list) or len(shape) != 3:
        raise TypeError(f"image_shape must be (1, H, W), got {shape!r}")
    c, h, w = (check_int("image_shape entries", v, 1) for v in shape)
    if c != 1 or not (8 <= h <= 256 and 8 <= w <= 256):
        raise ValueError(f"image_shape must be (1, H, W) with H, W in [8, 256], got {tuple(shape)}")
    return (c, h, w)
