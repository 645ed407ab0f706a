"""The sinusoid benchmark's own pieces: the official code's interval and its "0 steps" figure."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from maml_sine import PROTOCOLS, main, official_interval, support_loss_before  # noqa: E402

from course_lib.meta import MetaConfig, evaluation_tasks, meta_train, task_loss  # noqa: E402


def test_official_interval_is_numpys_std_with_ddof_0():
    scores = torch.rand(600, 3, generator=torch.Generator().manual_seed(0))
    want = 1.96 * np.std(scores.numpy(), axis=0) / np.sqrt(600)  # main.py's ci95
    np.testing.assert_allclose(official_interval(scores).numpy(), want, rtol=1e-5)


def test_zero_steps_figure_is_the_support_loss():
    learner = meta_train(MetaConfig(iterations=2, log_every=1), progress=False).model
    tasks = evaluation_tasks(4, k_support=10, k_query=10, seed=1)
    got = support_loss_before(learner, tasks)
    for i in range(4):
        want = task_loss(learner.model, learner.params, tasks.x_support[i], tasks.y_support[i])
        torch.testing.assert_close(got[i], want)


def test_the_two_protocols_are_the_papers_and_the_codes_step_sizes():
    assert PROTOCOLS["paper"][:2] == (0.01, 0.02)  # α, and Figure 3's pre-trained step
    assert PROTOCOLS["code"][:2] == (0.001, None)  # main.py: update_lr default 1e-3


def test_unknown_protocol_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["--protocols", "paper,official", "--skip-speed"])
    assert "--protocols must name some of paper, code" in capsys.readouterr().err
