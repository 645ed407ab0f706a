"""What a learner scores on new tasks after 0, 1, …, K adaptation steps: the adaptation curve.

Every meta-learner of the course is judged the same way (Finn et al., 2017, Figures 2 and 5):
take tasks it has never seen, adapt k steps on each, score it, and plot the mean over tasks
against k. One type holds that result for every family: the sinusoid regressors of Chapters 4
and 5 (:func:`course_lib.meta.adaptation_curve`, query MSE, lower is better), the few-shot
classifiers of Chapter 6 (:func:`course_lib.meta.evaluate_fewshot`, query accuracy) and MAML-RL on 2-D
navigation and on bandits (:func:`course_lib.maml_rl.adaptation_curve`,
:func:`course_lib.maml_rl.bandit_adaptation_curve`, return, higher is better).

The module sits beside :mod:`course_lib.stats` and imports nothing else of the course, so
``meta`` and ``maml_rl`` both build curves without an import arrow between the two families.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral

from torch import Tensor

from course_lib.stats import Z95, Interval, mean_ci
from course_lib.validation import (
    check_bool,
    check_finite,
    check_instance,
    check_int,
    check_sequence,
    check_tensor,
)

__all__ = ["AdaptationCurve"]


@dataclass
class AdaptationCurve:
    """The score of each new task (rows) after each number of adaptation steps (columns).

    ``per_task [num_tasks, len(steps)]`` is one orientation for every family, the one of a
    table of results (a row per task, as :func:`course_lib.meta.steps_to_reach` reads it).
    The statistics are over tasks, in ``per_task``'s dtype: the MSEs and accuracies stay in
    float32, as computed; MAML-RL's returns are stored in float64, the precision its intervals
    (:func:`course_lib.stats.mean_ci_along`) have always been computed in. So every number a
    chapter printed before the three curve types became one is unchanged, bit for bit.

    The optional fields are what MAML-RL's pictures need and a sinusoid curve leaves ``None``:
    ``tasks`` the tasks' parameters (navigation goals ``[G, 2]``, a bandit's arm probabilities
    ``[G, k]``); ``params`` θ_0 .. θ_K, each with a leading task dimension; ``positions`` the
    navigation positions after each move, ``[K+1, T, G, N, 2]`` (steps first, as played).
    """

    steps: list[int]
    per_task: Tensor
    metric: str  # what is scored, for labels: "query MSE", "return", "reward per trial"
    higher_is_better: bool
    tasks: Tensor | None = None
    params: list[dict[str, Tensor]] | None = None
    positions: Tensor | None = None

    def __post_init__(self) -> None:
        # Every family's curve is read the same way (rows = tasks, one column per step), so a
        # field of the wrong shape would mislabel every plot and table made from it.
        steps = check_sequence("steps", self.steps, of=Integral, min_length=1)
        for k in steps:
            check_int("steps entries", k, 0)
        if any(b <= a for a, b in zip(steps, steps[1:])):
            raise ValueError(f"steps must be increasing step counts, got {list(steps)}")
        self.steps = [int(k) for k in steps]
        # A diverged learner's score (an MSE that overflowed) is kept: it is a result to show.
        check_tensor("per_task", self.per_task, ndim=2, floating=True)
        if self.per_task.shape[0] < 1 or self.per_task.shape[1] != len(self.steps):
            raise ValueError(
                f"per_task must be [num_tasks >= 1, len(steps) = {len(self.steps)}], "
                f"got shape {tuple(self.per_task.shape)}"
            )
        check_instance("metric", self.metric, str, "the score's name (a str)")
        if not self.metric:
            raise ValueError("metric must name the score (a non-empty str), got ''")
        check_bool("higher_is_better", self.higher_is_better)
        self._check_optional_fields()

    def _check_optional_fields(self) -> None:
        n, k = self.per_task.shape
        if self.tasks is not None:
            check_finite("tasks", check_tensor("tasks", self.tasks))
            if self.tasks.dim() < 1 or self.tasks.shape[0] != n:
                raise ValueError(
                    f"tasks must have one row per task ({n}), got shape {tuple(self.tasks.shape)}"
                )
        if self.params is not None:
            params = check_sequence("params", self.params, length=k)
            for i, theta in enumerate(params):
                check_instance(f"params[{i}]", theta, Mapping, "a dict of weight tensors")
                for name, weight in theta.items():
                    check_tensor(f"params[{i}][{name!r}]", weight)
        if self.positions is not None:
            check_finite("positions", check_tensor("positions", self.positions, ndim=5))
            shape = tuple(self.positions.shape)
            if shape[0] != k or shape[2] != n or shape[-1] != 2:
                raise ValueError(
                    f"positions must be [len(steps) = {k}, T, num_tasks = {n}, N, 2], got {shape}"
                )

    @property
    def num_tasks(self) -> int:
        return self.per_task.shape[0]

    @property
    def mean(self) -> Tensor:
        """Mean score over tasks after each step, ``[len(steps)]``."""
        return self.per_task.mean(0)

    @property
    def std(self) -> Tensor:
        """Standard deviation over tasks (ddof 1) after each step."""
        return self.per_task.std(0)

    @property
    def stderr(self) -> Tensor:
        """Standard error of :attr:`mean` (the ± of a "mean ± se" table entry)."""
        return self.std / math.sqrt(self.num_tasks)

    @property
    def ci(self) -> Tensor:
        """Half-width of the 95% interval of :attr:`mean`: ``Z95 · sd / √n``, in the order of
        :func:`course_lib.stats.mean_ci_along`."""
        return Z95 * self.std / math.sqrt(self.num_tasks)

    def scores(self, steps: int) -> Tensor:
        """Each task's score after ``steps`` adaptation steps: ``[num_tasks]``."""
        steps = check_int("steps", steps, 0)  # a bool or a float would match a step (True == 1)
        if steps not in self.steps:
            raise ValueError(f"steps must be one of the evaluated {self.steps}, got {steps!r}")
        return self.per_task[:, self.steps.index(steps)]

    def interval(self, steps: int) -> Interval:
        """Mean score after ``steps`` steps with its 95% interval (:func:`course_lib.stats.mean_ci`).

        A curve may hold a diverged learner's NaN scores (a result to show, so the constructor
        keeps them); an interval over them is refused here, saying which step holds them.
        """
        scores = self.scores(steps)
        bad = int((~scores.isfinite()).sum())
        if bad:
            raise ValueError(
                f"steps={steps}: the scores after {steps} steps must be finite for an interval, "
                f"got {bad} NaN/inf of {scores.numel()} tasks (a diverged learner)"
            )
        return mean_ci(scores)
