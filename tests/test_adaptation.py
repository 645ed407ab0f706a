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
    # True == 1 and 5.0 == 5 would have matched a step: a step count is an int (issue #28)
    with pytest.raises(TypeError, match=r"steps must be an integer >= 0, got True"):
        curve.scores(True)
    with pytest.raises(TypeError, match=r"steps must be an integer >= 0, got 5.0"):
        curve.interval(5.0)


def test_a_diverged_learners_nan_scores_are_kept_but_get_no_interval():
    per_task = torch.tensor([[0.2, math.nan], [0.4, 0.8], [0.3, 0.9]])
    curve = AdaptationCurve([0, 5], per_task, "query MSE", higher_is_better=False)
    assert curve.interval(0) == mean_ci(per_task[:, 0])
    with pytest.raises(ValueError, match=r"steps=5: .* must be finite .*, got 1 NaN/inf of 3"):
        curve.interval(5)


def _fields(**changes) -> dict:
    fields = {
        "steps": [0, 1],
        "per_task": torch.zeros(3, 2),
        "metric": "return",
        "higher_is_better": True,
        "tasks": torch.zeros(3, 2),
        "params": [{"w": torch.zeros(3)}, {"w": torch.ones(3)}],
        "positions": torch.zeros(2, 4, 3, 1, 2),
    }
    return {**fields, **changes}


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"steps": [1, 0]}, ValueError, "steps must be increasing"),
        ({"steps": []}, ValueError, "steps must have 1 to"),
        ({"per_task": torch.zeros(3, 3)}, ValueError, r"per_task must be \[num_tasks"),
        ({"per_task": torch.zeros(3, 2, dtype=torch.long)}, TypeError, "floating-point"),
        ({"metric": ""}, ValueError, "metric must name the score"),
        ({"higher_is_better": 1}, TypeError, "higher_is_better must be True or False"),
        ({"tasks": torch.zeros(4, 2)}, ValueError, "one row per task"),
        ({"params": [{"w": torch.zeros(3)}]}, ValueError, "params must have 2 items"),
        ({"positions": torch.zeros(2, 4, 5, 1, 2)}, ValueError, "positions must be"),
        ({"positions": torch.full((2, 4, 3, 1, 2), math.nan)}, ValueError, "finite"),
    ],
)
def test_a_curve_checks_its_fields(changes, error, match):
    with pytest.raises(error, match=match):
        AdaptationCurve(**_fields(**changes))


def test_a_diverged_score_is_kept_to_show():
    per_task = torch.tensor([[1.0, math.inf], [1.0, math.nan], [1.0, 2.0]])
    curve = AdaptationCurve(**_fields(per_task=per_task))
    assert torch.isnan(curve.mean[1])
