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

import time
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from course_lib.meta.functional import _check_tasks, mse
from course_lib.meta.tasks import SinusoidTasks, TaskBatch

__all__ = ["ConditionalNeuralProcess", "BlackBoxConfig", "train_blackbox", "blackbox_mse"]


class ConditionalNeuralProcess(nn.Module):
    """A small CNP for 1-D regression: ``forward(x_support, y_support, x_query) -> y_query``.

    Shapes: support ``[B, K, 1]``, query inputs ``[B, Q, 1]``, output ``[B, Q, 1]``.
    """

    def __init__(self, hidden: int = 64, representation: int = 64):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(2, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, representation),
        )
        self.decoder = nn.Sequential(
            nn.Linear(1 + representation, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x_support: Tensor, y_support: Tensor, x_query: Tensor) -> Tensor:
        r = self.encoder(torch.cat([x_support, y_support], dim=-1)).mean(
            dim=1, keepdim=True
        )  # [B, 1, R]
        r = r.expand(-1, x_query.shape[1], -1)
        return self.decoder(torch.cat([x_query, r], dim=-1))


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
        hidden, representation: widths of the encoder/decoder and of r.
        lr: Adam step size.
        seed: seeds the initialization and the task stream.
        log_every: iterations between history rows.
    """

    iterations: int = 2000
    meta_batch_size: int = 25
    k_support: int = 10
    k_min: int = 3
    k_query: int = 10
    hidden: int = 64
    representation: int = 64
    lr: float = 1e-3
    seed: int = 0
    log_every: int = 100

    def __post_init__(self) -> None:
        for name in (
            "iterations",
            "meta_batch_size",
            "k_support",
            "k_min",
            "k_query",
            "hidden",
            "representation",
            "log_every",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if self.k_min > self.k_support:
            raise ValueError(f"k_min must be <= k_support ({self.k_support}), got {self.k_min}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an int >= 0, got {self.seed!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")


def train_blackbox(
    config: BlackBoxConfig, tasks: SinusoidTasks | None = None, *, progress: bool = True
) -> tuple[ConditionalNeuralProcess, dict[str, list[float]]]:
    """Train a CNP on a task family; returns the model and its history (iteration, loss, seconds)."""
    if not isinstance(config, BlackBoxConfig):
        raise TypeError(f"config must be a BlackBoxConfig, got {type(config).__name__}")
    tasks = SinusoidTasks() if tasks is None else tasks
    generator = torch.Generator().manual_seed(config.seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = ConditionalNeuralProcess(config.hidden, config.representation)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    history: dict[str, list[float]] = {"iteration": [], "loss": [], "seconds": []}
    start, running, count = time.perf_counter(), 0.0, 0
    for iteration in tqdm(
        range(1, config.iterations + 1), desc="cnp", disable=not progress, mininterval=0.5
    ):
        k = int(torch.randint(config.k_min, config.k_support + 1, (1,), generator=generator))
        batch = tasks.sample(config.meta_batch_size, k, config.k_query, generator)
        loss = mse(model(batch.x_support, batch.y_support, batch.x_query), batch.y_query)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running, count = running + loss.item(), count + 1
        if iteration % config.log_every == 0 or iteration == config.iterations:
            history["iteration"].append(float(iteration))
            history["loss"].append(running / count)
            history["seconds"].append(time.perf_counter() - start)
            running, count = 0.0, 0
    model.eval()
    return model, history


@torch.no_grad()
def blackbox_mse(model: ConditionalNeuralProcess, tasks: TaskBatch) -> Tensor:
    """Query MSE of each task (``[B]``) when the CNP reads that task's support set."""
    _check_tasks(tasks)
    prediction = model(tasks.x_support, tasks.y_support, tasks.x_query)
    return ((prediction - tasks.y_query) ** 2).mean(dim=(1, 2))
