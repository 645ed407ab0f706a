"""One training contract for every trainer in the course (PPO, REINFORCE, MAML & co, RL², ...).

Every ``train_…`` function in ``course_lib`` keeps the same promises, so a chapter that has
learned to read one trainer can read them all:

* **The config holds everything.** A dataclass named after the algorithm (``PPOConfig``,
  ``MetaConfig``, ``RL2Config``, ...) holds every hyperparameter, the ``seed`` and the
  ``device`` (default ``"cpu"``). ``train_x(config, ...)`` takes no separate seed.
* **One result type.** :class:`TrainResult` holds the trained ``model``, the ``config`` and a
  ``history``: a list of rows (dicts of floats), one per logged iteration, whose keys follow
  one vocabulary across trainers: ``iteration`` (1-based), ``env_steps`` (RL trainers:
  environment steps so far), ``seconds`` (training time so far, callbacks excluded),
  ``loss``, ``learning_rate``, ``approx_kl``, ``clip_fraction``, ``entropy``,
  ``explained_variance``, ``episode_return``, ... ``result.metric("loss")`` gives a column.
* **One callback.** ``callback(row, model) -> bool | None`` runs after each logged row;
  returning ``True`` stops training (e.g. :class:`course_lib.evaluation.StopWhenSolved`).
* **Torch's global RNG is never touched.** Weights are drawn inside :func:`seeded` (a fork of
  the global RNG, restored afterwards); everything else draws from a ``torch.Generator``
  made by :func:`make_generator` from the config's seed.
* **One loop.** :func:`train_loop` runs every trainer's iterations: the progress bar, the
  training clock (callbacks excluded), the history row's ``iteration`` and ``seconds``, the
  callback and its early stop. A trainer only says what one iteration does.
* **Same seed, same thread count, same numbers.** Floating-point sums depend on how many
  threads split them, so pin ``torch.set_num_threads(1)`` (the chapters do) to compare runs.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Generic, TypeVar

import numpy as np
import torch

from course_lib.i18n import tr
from course_lib.validation import (
    check_bool,
    check_device,
    check_instance,
    check_int,
    check_real,
    check_seed,
)

__all__ = [
    "Row",
    "Callback",
    "TrainResult",
    "check_callback",
    "make_generator",
    "derive_seed",
    "seeded",
    "Stopwatch",
    "finish_progress",
    "train_loop",
    "linear_anneal",
    "log_due",
    "RunningMean",
    "MetaLoopConfig",
]

Row = dict[str, float]
ModelT = TypeVar("ModelT")
ConfigT = TypeVar("ConfigT")

#: ``callback(row, model) -> bool | None``: called after every history row; ``True`` stops training.
Callback = Callable[[Row, Any], "bool | None"]


@dataclass
class TrainResult(Generic[ModelT, ConfigT]):
    """What every trainer returns: the trained model, its config and one history row per log step."""

    model: ModelT
    config: ConfigT
    history: list[Row] = field(default_factory=list)

    def metric(self, key: str) -> np.ndarray:
        """One column of the history as an array (NaN where a row lacks it), e.g. ``result.metric("loss")``."""
        if not isinstance(key, str):
            raise TypeError(f"key must be a metric name (str), got {type(key).__name__}")
        if self.history and not any(key in row for row in self.history):
            raise KeyError(f"unknown metric {key!r}; available: {sorted(self.history[0])}")
        return np.array([row.get(key, float("nan")) for row in self.history], dtype=float)

    @property
    def seconds(self) -> float:
        """Training time of the whole run (callbacks excluded)."""
        return float(self.history[-1]["seconds"]) if self.history else 0.0


def check_callback(callback: object) -> Callback | None:
    """``callback`` if it is ``None`` or callable, else a ``TypeError`` naming the contract."""
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be callable(row, model) -> bool | None, or None; got {type(callback).__name__}"
        )
    return callback


def make_generator(seed: int | None, device: str | torch.device = "cpu") -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed``: the only randomness a trainer draws from.

    ``seed=None`` gives a generator seeded by the operating system: a task family's vector env
    holds one until its first ``reset(seed=...)``, as gymnasium's envs do.
    """
    generator = torch.Generator(device=check_device(device))
    if seed is None:
        generator.seed()
        return generator
    return generator.manual_seed(check_seed(seed))


def derive_seed(seed: int, offset: int, *, stride: int = 1) -> int:
    """A seed of its own for one part of a run: ``(seed · stride + offset) mod 2**63``.

    One config seed has to feed several streams (each iteration's tasks, the actions, the
    minibatch shuffles) that must not repeat one another; ``offset`` names the part and a
    ``stride`` larger than the number of parts keeps two seeds' parts apart (seed 0 at offset
    1 is not seed 1 at offset 0 when ``stride > 1``).
    """
    offset = check_int("offset", offset, 0)
    stride = check_int("stride", stride, 1)
    return (check_seed(seed) * stride + offset) % 2**63


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's global RNG seeded by ``seed``, then restore the global RNG.

    ``nn.Linear`` and friends initialise their weights from the global RNG and take no
    generator, so weight initialisation happens inside this fork: the caller's RNG stream is
    left exactly as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_seed(seed))
        yield


def finish_progress(bar: Any, stopped_early: bool) -> None:
    """Close a tqdm bar; if the callback stopped training early, say so and show it complete."""
    if not all(callable(getattr(bar, name, None)) for name in ("close", "set_postfix_str")):
        raise TypeError(f"bar must be a tqdm progress bar, got {type(bar).__name__}")
    if check_bool("stopped_early", stopped_early):
        bar.set_postfix_str(tr("stopped early by the callback"), refresh=False)
        bar.total = bar.n
    bar.close()


class Stopwatch:
    """Accumulates training time, excluding whatever runs between :meth:`pause` and :meth:`resume`."""

    def __init__(self) -> None:
        self._total = 0.0
        self._start: float | None = time.perf_counter()

    def pause(self) -> float:
        """Stop counting; returns the seconds counted so far."""
        if self._start is not None:
            self._total += time.perf_counter() - self._start
            self._start = None
        return self._total

    def resume(self) -> None:
        if self._start is None:
            self._start = time.perf_counter()

    @property
    def seconds(self) -> float:
        running = 0.0 if self._start is None else time.perf_counter() - self._start
        return self._total + running


def linear_anneal(start: float, iteration: int, iterations: int, end: float = 0.0) -> float:
    """``start`` at iteration 1, falling linearly towards ``end`` (reached after the last one):
    the learning-rate schedule of CleanRL's PPO, ``start · (1 − (i − 1) / n)`` for ``end = 0``."""
    start = check_real("start", start, -math.inf, math.inf)
    end = check_real("end", end, -math.inf, math.inf)
    iterations = check_int("iterations", iterations, 1)
    iteration = check_int("iteration", iteration, 1, iterations)  # past the end: below end
    return end + (start - end) * (1.0 - (iteration - 1) / iterations)


def log_due(iteration: int, every: int, iterations: int) -> bool:
    """Whether iteration ``iteration`` (1-based) logs a row: every ``every``-th, and the last."""
    iteration = check_int("iteration", iteration, 1)
    every = check_int("every", every, 1)
    iterations = check_int("iterations", iterations, 1)
    return iteration % every == 0 or iteration == iterations


class RunningMean:
    """The mean of the values added since the last :meth:`take`: a row's ``loss`` when a trainer
    logs every ``log_every`` iterations (the mean over those iterations, not the last one)."""

    def __init__(self) -> None:
        self.total, self.count = 0.0, 0

    def add(self, value: float) -> None:
        # A NaN or infinite loss is kept: a diverging run records it rather than stopping.
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"value must be a real number (a loss), got {value!r:.60}")
        self.total, self.count = self.total + value, self.count + 1

    def take(self) -> float:
        """The mean so far; starts again from nothing."""
        mean = self.total / self.count
        self.total, self.count = 0.0, 0
        return mean


def train_loop(
    result: TrainResult,
    iteration: Callable[[int], Row | None],
    *,
    iterations: int,
    callback: Callback | None,
    progress: bool,
    desc: str,
    show: str | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    learning_rate: float | None = None,
    anneal: bool = False,
) -> TrainResult:
    """The one trainer loop: call ``iteration(i)`` for i = 1..``iterations`` and log its rows.

    ``iteration(i)`` does one iteration's work and returns the row's numbers (``None``: nothing
    to log this time). The loop adds ``iteration``, ``seconds`` (training time so far, callbacks
    excluded) and, for RL trainers whose row has ``env_steps``, ``steps_per_second``; appends the
    row to ``result.history``; runs ``callback(row, result.model)``, whose ``True`` stops
    training; and keeps a ``tqdm`` bar (showing the row's ``show`` column, e.g.
    ``"episode_return"``) that says so when a callback stopped it early.

    Given an ``optimizer`` and its ``learning_rate``, the loop sets the step size before every
    iteration (with ``anneal``, falling linearly to 0 over the run: :func:`linear_anneal`) and
    logs it as the row's ``learning_rate``.
    """
    from tqdm.auto import tqdm

    _check_loop_args(result, iteration, iterations, progress, desc, show)
    check_callback(callback)
    if optimizer is not None:
        check_instance("optimizer", optimizer, torch.optim.Optimizer, "a torch optimizer or None")
        if learning_rate is None:
            raise ValueError("learning_rate must be given with an optimizer, got None")
    if learning_rate is not None:
        check_real("learning_rate", learning_rate, 0.0, 10.0)
    check_bool("anneal", anneal)
    clock, stopped = Stopwatch(), False
    bar = tqdm(total=iterations, desc=desc, disable=not progress, mininterval=0.5)
    try:
        for i in range(1, iterations + 1):
            clock.resume()
            lr = None
            if optimizer is not None:
                lr = linear_anneal(learning_rate, i, iterations) if anneal else learning_rate
                for group in optimizer.param_groups:
                    group["lr"] = lr
            numbers = iteration(i)
            seconds = clock.pause()
            bar.update(1)
            if numbers is None:
                continue
            row = {"iteration": float(i), **numbers, "seconds": seconds}
            if lr is not None:
                row["learning_rate"] = lr
            if "env_steps" in row and seconds > 0:
                row["steps_per_second"] = row["env_steps"] / seconds
            result.history.append(row)
            if show is not None and show in row:
                bar.set_postfix({show: f"{row[show]:.3g}"}, refresh=False)
            if callback is not None and callback(row, result.model):
                stopped = True
                break
    finally:
        finish_progress(bar, stopped)
    return result


#: More iterations than any course run (PPO's 10**8 steps at the smallest batch are 10**8).
MAX_LOOP_ITERATIONS = 10**8


def _check_loop_args(result, iteration, iterations, progress, desc, show) -> None:
    check_instance("result", result, TrainResult, "a TrainResult (the trainer's model and history)")
    if not callable(iteration):
        raise TypeError(f"iteration must be callable(i) -> row or None, got {iteration!r:.60}")
    check_int("iterations", iterations, 0, MAX_LOOP_ITERATIONS)
    check_bool("progress", progress)
    if not isinstance(desc, str):
        raise TypeError(f"desc must be the progress bar's label (a str), got {desc!r:.60}")
    if show is not None and not isinstance(show, str):
        raise TypeError(f"show must be a history key (a str) or None, got {show!r:.60}")


class MetaLoopConfig:
    """What every meta-learning config (``MetaConfig``, ``FewShotConfig``, ``ComponentConfig``)
    shares: an outer loop of ``iterations`` over ``meta_batch_size`` tasks, an inner loop of
    ``inner_steps`` steps of size ``inner_lr``, Adam's ``learning_rate``, a row every
    ``log_every`` iterations, the ``seed`` and the ``device``. Each config is a dataclass that
    declares these fields with its own defaults and ranges
    (``course_lib.validation.bounded``: a few images cost more than many sinusoid points, so
    the caps differ) and calls ``check_declared(self)`` first in its ``__post_init__``.
    """
