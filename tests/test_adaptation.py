"""The one adaptation-curve type: rows are tasks, columns are steps; statistics over tasks."""

import math

import pytest
import torch

from course_lib.adaptation import AdaptationCurve
from course_lib.stats import Z95, mean_ci


def test_statistics_are_over_tasks_and_match_stats():
    per_task = torch.tensor([[3.0, 1.0], [5.0, 2.0], [4.0, 6.0]], dtype=torch.float64)  # 3 tasks
    curve = AdaptationCurve([0, 1], per_task, "query MSE", higher_is_better=False)
    assert curve.num_tasks == 3 and curve.tasks is None and curve.params is None
    torch.testing.assert_close(curve.mean, torch.tensor([4.0, 3.0], dtype=torch.float64))
    torch.testing.assert_close(curve.std, torch.tensor([1.0, math.sqrt(7.0)], dtype=torch.float64))
    torch.testing.assert_close(curve.stderr, curve.std / math.sqrt(3))
    torch.testing.assert_close(curve.ci, Z95 * curve.stderr)
    interval = mean_ci(per_task[:, 1])
    assert math.isclose(curve.ci[1].item(), interval.half_width) and interval.mean == 3.0


def test_statistics_keep_the_scores_dtype():
    curve = AdaptationCurve([0, 1], torch.rand(5, 2), "query MSE", higher_is_better=False)
    assert {curve.mean.dtype, curve.std.dtype, curve.stderr.dtype, curve.ci.dtype} == {
        torch.float32
    }


def test_scores_and_interval_read_one_step():
    per_task = torch.tensor([[0.2, 0.6], [0.4, 0.8], [0.3, 0.9]])
    curve = AdaptationCurve([0, 5], per_task, "query accuracy", higher_is_better=True)
    assert torch.equal(curve.scores(5), per_task[:, 1])
    assert curve.interval(5) == mean_ci(per_task[:, 1])
    with pytest.raises(ValueError, match=r"steps must be one of the evaluated \[0, 5\], got 1"):
        curve.scores(1)
