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
from dataclasses import dataclass

from torch import Tensor

from course_lib.stats import Z95, Interval, mean_ci

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
        if steps not in self.steps:
            raise ValueError(f"steps must be one of the evaluated {self.steps}, got {steps!r}")
        return self.per_task[:, self.steps.index(steps)]

    def interval(self, steps: int) -> Interval:
        """Mean score after ``steps`` steps with its 95% interval (:func:`course_lib.stats.mean_ci`)."""
        return mean_ci(self.scores(steps))
