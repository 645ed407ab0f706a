"""Beyond gradient descent (超越梯度下降): a black-box meta-learner with no inner gradient steps.

MAML keeps gradient descent as the learning algorithm and meta-learns its starting point.
The notes' last idea goes further: let a network *be* the learning algorithm. A
**conditional neural process** (CNP, Garnelo et al., 2018) reads the support set and
outputs predictions for the query points directly:

    r_i = h(x_i, y_i)              encode each support pair               (encoder h)
    r   = mean_i r_i               aggregate: order-free, any K            (the "learned data set")
    ŷ   = g(x*, r)                 decode a prediction at each query x*    (decoder g)

Training is ordinary supervised learning across tasks: minimise the query MSE of ŷ. The
whole function F_φ (data set → model) is one forward pass; φ is the weights of h and g.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.meta.functional import _check_tasks, _check_work, _mse
from course_lib.meta.tasks import SinusoidTasks, TaskBatch
from course_lib.training import (
    Callback,
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
    WIDTHS,
    bounded,
    check_bool,
    check_declared,
    check_hidden_sizes,
    check_instance,
    check_int,
    check_tensor,
    declared,
)

__all__ = ["ConditionalNeuralProcess", "BlackBoxConfig", "train_blackbox", "blackbox_mse"]


class ConditionalNeuralProcess(nn.Module):
    """A small CNP for 1-D regression: ``forward(x_support, y_support, x_query) -> y_query``.

    Shapes: support ``[B, K, 1]``, query inputs ``[B, Q, 1]``, output ``[B, Q, 1]``.
    Encoder h and decoder g are ReLU MLPs with widths ``hidden_sizes``.
    """

    def __init__(self, hidden_sizes: Sequence[int] = (64, 64), representation: int = 64):
        super().__init__()
        hidden_sizes = check_hidden_sizes(hidden_sizes)
        representation = check_int("representation", representation, 1, 4096)
        self.encoder = _relu_mlp(2, hidden_sizes, representation)
        self.decoder = _relu_mlp(1 + representation, hidden_sizes, 1)

    def forward(self, x_support: Tensor, y_support: Tensor, x_query: Tensor) -> Tensor:
        """Predictions ``[B, Q, 1]`` at ``x_query`` from the support set (all ``[B, K, 1]``, finite)."""
        _check_cnp_inputs(x_support, y_support, x_query)
        r = self.encoder(torch.cat([x_support, y_support], dim=-1)).mean(dim=1, keepdim=True)
        r = r.expand(-1, x_query.shape[1], -1)  # [B, Q, R]: the same r for every query point
        return self.decoder(torch.cat([x_query, r], dim=-1))


def _check_cnp_inputs(x_support: object, y_support: object, x_query: object) -> None:
    """Float ``[B, K, 1]``, ``[B, K, 1]`` and ``[B, Q, 1]`` tensors of one B, all finite."""
    given = {"x_support": x_support, "y_support": y_support, "x_query": x_query}
    for name, t in given.items():
        check_tensor(name, t, ndim=3, floating=True, finite=True)
        if t.shape[-1] != 1 or t.shape[1] < 1:
            raise ValueError(
                f"{name} must be 1-D regression points [B, K >= 1, 1], got shape {tuple(t.shape)}"
            )
    if not x_support.shape[0] == y_support.shape[0] == x_query.shape[0]:
        raise ValueError(
            "x_support, y_support and x_query must hold the same tasks B, got shapes "
            + ", ".join(f"{n} {tuple(t.shape)}" for n, t in given.items())
        )
    if x_support.shape[1] != y_support.shape[1]:
        raise ValueError(
            f"y_support must have one target per point of x_support ({x_support.shape[1]}), "
            f"got shape {tuple(y_support.shape)}"
        )


def _relu_mlp(in_features: int, hidden_sizes: Sequence[int], out_features: int) -> nn.Sequential:
    sizes = [in_features, *hidden_sizes, out_features]
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no activation after the output layer


@dataclass
class BlackBoxConfig:
    """Hyperparameters of CNP meta-training (same task stream as :class:`MetaConfig`).

    Attributes:
        iterations: optimizer steps, one meta-batch each.
        meta_batch_size: tasks per step.
        k_support: support points the CNP reads (at training time K is drawn in
            [k_min, k_support] each step so the learner works for any K up to k_support).
        k_min: smallest K drawn during training.
        k_query: query points scored per task.
        hidden_sizes: widths of the encoder's and the decoder's hidden layers.
        representation: size of the task representation r.
        learning_rate: Adam step size.
        seed: seeds the initialization and the task stream.
        device: where the model and the tasks live.
        log_every: iterations between history rows.
    """

    iterations: int = bounded(2000, 1, 10_000_000)
    meta_batch_size: int = bounded(25, 1, 10_000)
    k_support: int = bounded(10, 1, 10_000)
    k_min: int = bounded(3, 1, 10_000)  # and <= k_support
    k_query: int = bounded(10, 1, 10_000)
    hidden_sizes: tuple[int, ...] = declared((64, 64), WIDTHS)
    representation: int = bounded(64, 1, 10_000)
    learning_rate: float = bounded(1e-3, 0.0, 1.0, low_open=True)
    seed: int = declared(0, SEED)
    device: str = declared("cpu", DEVICE)
    log_every: int = bounded(100, 1, 10_000_000)

    def __post_init__(self) -> None:
        check_declared(self)
        if self.k_min > self.k_support:
            raise ValueError(f"k_min must be <= k_support ({self.k_support}), got {self.k_min}")
        _check_work("iterations × meta_batch_size", (self.iterations, self.meta_batch_size))


def train_blackbox(
    config: BlackBoxConfig,
    tasks: SinusoidTasks | None = None,
    callback: Callback | None = None,
    *,
    progress: bool = True,
) -> TrainResult[ConditionalNeuralProcess, BlackBoxConfig]:
    """Train a CNP on a task family; returns a :class:`~course_lib.training.TrainResult`.

    History rows (every ``log_every`` iterations): ``iteration``, ``loss`` (mean query MSE
    since the last row), ``seconds``. ``callback(row, model)`` after each; ``True`` stops.
    """
    if not isinstance(config, BlackBoxConfig):
        raise TypeError(f"config must be a BlackBoxConfig, got {type(config).__name__}")
    check_callback(callback)
    check_bool("progress", progress)
    tasks = SinusoidTasks() if tasks is None else tasks
    if not callable(getattr(tasks, "sample", None)):
        raise TypeError(f"tasks must be a task family with a sample() method, got {tasks!r:.80}")
    generator = make_generator(config.seed)
    with seeded(config.seed):
        model = ConditionalNeuralProcess(config.hidden_sizes, config.representation)
    model = model.to(config.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    loss_mean = RunningMean()

    def iteration(i: int) -> Row | None:
        k = int(torch.randint(config.k_min, config.k_support + 1, (1,), generator=generator))
        batch = tasks.sample(config.meta_batch_size, k, config.k_query, generator)
        batch = batch.to(config.device)
        loss = _mse(model(batch.x_support, batch.y_support, batch.x_query), batch.y_query)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_mean.add(loss.item())
        return (
            {"loss": loss_mean.take()} if log_due(i, config.log_every, config.iterations) else None
        )

    result = train_loop(
        TrainResult(model, config, []), iteration, iterations=config.iterations,
        callback=callback, progress=progress, desc="cnp", show="loss",
    )  # fmt: skip
    model.eval()
    return result


@torch.no_grad()
def blackbox_mse(model: ConditionalNeuralProcess, tasks: TaskBatch) -> Tensor:
    """Query MSE of each task (``[B]``) when the CNP reads that task's support set."""
    _check_tasks(tasks)
    check_instance("model", model, ConditionalNeuralProcess, "a ConditionalNeuralProcess")
    if tasks.x_support.shape[-1] != 1 or tasks.y_support.shape[-1] != 1:
        raise ValueError(
            "tasks must be 1-D regression tasks ([B, K, 1] inputs and targets), got shapes "
            f"{[tuple(t.shape) for t in tasks]}"
        )
    prediction = model(tasks.x_support, tasks.y_support, tasks.x_query)
    return ((prediction - tasks.y_query) ** 2).mean(dim=(1, 2))
