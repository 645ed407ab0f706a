"""When gradients cannot flow: find a component by evolution (遗传算法/进化).

The notes: "由于梯度不能反向传播，可以使用强化学习或者遗传算法进行求解" — where L(φ) has no
gradient with respect to a component, search for it by reinforcement learning (强化学习)
or by evolution. The number of inner steps is such a component: an integer, so ∂L/∂steps
does not exist.

:func:`evolve_inner_loop` is a small genetic algorithm over the genome (steps, log₁₀ α): a
population is scored by the fitness function (the meta-loss L, lower is better), the best
few survive unchanged, and mutated copies of them fill the rest of the next generation.
Every fitness call is a full inner loop on every task of a meta-batch, which is why
black-box search is expensive: the history counts those evaluations, so they can be
compared with :func:`descend_inner_lr`, the gradient route for the one component that *is*
continuous (α), where each iteration is one evaluation plus its backward pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from tqdm.auto import tqdm

from course_lib.training import Stopwatch, TrainResult, make_generator
from course_lib.validation import check_bool, check_int, check_real, check_seed

__all__ = ["EvolutionConfig", "evolve_inner_loop", "descend_inner_lr"]

#: ``fitness(steps, inner_lr) -> loss``: the meta-loss of the inner loop with those settings.
Fitness = Callable[[int, float], float]


@dataclass
class EvolutionConfig:
    """A genetic algorithm over (inner steps, log₁₀ inner_lr).

    Attributes:
        population: genomes scored per generation.
        generations: rounds of selection and mutation.
        survivors: best genomes kept unchanged each round (the parents of the rest).
        max_steps: inner steps are searched in [1, max_steps].
        log10_lr_range: α is searched in [10**low, 10**high].
        mutation_std: standard deviation of the Gaussian mutation of log₁₀ α; the step count
            moves by −1, 0 or +1.
        seed: seeds the first population and the mutations.
    """

    population: int = 8
    generations: int = 6
    survivors: int = 2
    max_steps: int = 10
    log10_lr_range: tuple[float, float] = (-3.0, -0.5)
    mutation_std: float = 0.3
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("population", self.population, 2, 1000)
        check_int("generations", self.generations, 1, 1000)
        check_int("survivors", self.survivors, 1)
        if self.survivors >= self.population:
            raise ValueError(
                f"survivors must be in [1, population - 1 = {self.population - 1}], got {self.survivors}"
            )
        check_int("max_steps", self.max_steps, 1, 100)
        lo, hi = _check_pair("log10_lr_range", self.log10_lr_range, -8.0, 1.0)
        if lo > hi:
            raise ValueError(f"log10_lr_range must satisfy low <= high, got {self.log10_lr_range}")
        check_real("mutation_std", self.mutation_std, 0.0, 10.0)
        check_seed(self.seed)


def _check_pair(name: str, value: object, lo: float, hi: float) -> tuple[float, float]:
    if isinstance(value, str) or not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(
            f"{name} must be a pair of numbers (low, high) in [{lo}, {hi}], got {value!r}"
        )
    return check_real(name, value[0], lo, hi), check_real(name, value[1], lo, hi)


def _mutate(genome: tuple[int, float], config: EvolutionConfig, generator) -> tuple[int, float]:
    steps, log_lr = genome
    steps += int(torch.randint(-1, 2, (1,), generator=generator))
    log_lr += config.mutation_std * float(torch.randn(1, generator=generator))
    lo, hi = config.log10_lr_range
    return min(max(steps, 1), config.max_steps), min(max(log_lr, lo), hi)


def evolve_inner_loop(
    fitness: Fitness, config: EvolutionConfig, *, progress: bool = True
) -> TrainResult[dict, EvolutionConfig]:
    """Search (steps, α) that minimise ``fitness`` by selection and mutation; no gradients.

    Returns a TrainResult whose ``model`` is ``{"steps", "inner_lr", "loss"}`` of the best
    genome, with one history row per generation: ``iteration``, ``loss`` (best so far),
    ``evaluations`` (fitness calls so far), ``steps``, ``inner_lr``, ``seconds``.
    """
    if not callable(fitness):
        raise TypeError(f"fitness must be callable(steps, inner_lr) -> float, got {fitness!r}")
    if not isinstance(config, EvolutionConfig):
        raise TypeError(f"config must be an EvolutionConfig, got {type(config).__name__}")
    check_bool("progress", progress)
    generator = make_generator(config.seed)
    lo, hi = config.log10_lr_range
    genomes = [
        (
            int(torch.randint(1, config.max_steps + 1, (1,), generator=generator)),
            lo + (hi - lo) * float(torch.rand(1, generator=generator)),
        )
        for _ in range(config.population)
    ]
    scored: list[tuple[float, tuple[int, float]]] = []
    result, clock, evaluations = TrainResult(None, config, []), Stopwatch(), 0
    for generation in tqdm(
        range(1, config.generations + 1), desc="evolution", disable=not progress
    ):
        for genome in genomes:
            loss = float(fitness(genome[0], 10 ** genome[1]))
            scored.append((loss if math.isfinite(loss) else math.inf, genome))
            evaluations += 1
        scored.sort(key=lambda item: item[0])
        scored = scored[: config.survivors]  # selection: the best survive, unchanged
        best_loss, (best_steps, best_log_lr) = scored[0]
        result.history.append(
            {
                "iteration": float(generation),
                "loss": best_loss,
                "evaluations": float(evaluations),
                "steps": float(best_steps),
                "inner_lr": 10**best_log_lr,
                "seconds": clock.seconds,
            }
        )
        parents = [genome for _, genome in scored]
        genomes = [
            _mutate(parents[i % len(parents)], config, generator)
            for i in range(config.population - config.survivors)
        ]
    result.model = {"steps": best_steps, "inner_lr": 10**best_log_lr, "loss": best_loss}
    return result


def _checked_loss(loss: object, iteration: int, inner_lr: float) -> Tensor:
    """``loss_of_lr``'s answer: a one-element tensor, finite at the start (a NaN there is the
    function's fault, not the step size's; later, a NaN or inf ends the descent)."""
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        raise TypeError(
            "loss_of_lr must return a one-element loss tensor (differentiable in inner_lr), "
            f"got {type(loss).__name__} {getattr(loss, 'shape', '')}"
        )
    if iteration == 1 and not math.isfinite(loss.item()):
        raise ValueError(
            f"loss_of_lr must be finite at the start inner_lr={inner_lr:.4g}, got {loss.item()}"
        )
    return loss.reshape(())


def descend_inner_lr(
    loss_of_lr: Callable[[Tensor], Tensor],
    *,
    start: float,
    iterations: int = 100,
    learning_rate: float = 0.05,
    target: float | None = None,
) -> TrainResult[dict, dict]:
    """The gradient route for α: Adam on log α through ``loss_of_lr(α)`` (differentiable).

    Stops early once the loss is at most ``target``. Each iteration is one evaluation (the
    inner loop on every task) plus its backward pass. History rows: ``iteration``, ``loss``,
    ``inner_lr``, ``evaluations``, ``seconds``; ``model`` is ``{"inner_lr", "loss"}``.
    """
    if not callable(loss_of_lr):
        raise TypeError(
            f"loss_of_lr must be callable(inner_lr tensor) -> loss tensor, got {loss_of_lr!r}"
        )
    check_real("start", start, 0.0, 10.0, lo_open=True)
    check_int("iterations", iterations, 1, 100_000)
    check_real("learning_rate", learning_rate, 0.0, 10.0, lo_open=True)
    if target is not None:
        check_real("target", target, -math.inf, math.inf, lo_open=True, hi_open=True)
    log_lr = torch.tensor(math.log(start), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([log_lr], lr=learning_rate)
    config = {"start": start, "iterations": iterations, "learning_rate": learning_rate}
    result, clock = TrainResult(None, config, []), Stopwatch()
    for iteration in range(1, iterations + 1):
        loss = _checked_loss(loss_of_lr(log_lr.exp().float()), iteration, log_lr.exp().item())
        result.history.append(
            {
                "iteration": float(iteration),
                "loss": loss.item(),
                "inner_lr": log_lr.exp().item(),
                "evaluations": float(iteration),
                "seconds": clock.seconds,
            }
        )
        if (target is not None and loss.item() <= target) or not math.isfinite(loss.item()):
            break  # reached, or diverged: the step size has run into a region of NaN or inf
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    best = min(
        (row for row in result.history if math.isfinite(row["loss"])), key=lambda row: row["loss"]
    )
    result.model = {"inner_lr": best["inner_lr"], "loss": best["loss"]}
    return result
