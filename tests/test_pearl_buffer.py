"""One replay buffer per task: rings, sampling from the right task only, clear, bad input."""

import pytest
import torch

from course_lib.pearl.buffer import MultiTaskReplayBuffer

WIDTHS = {"obs": 2, "reward": 1}


def rows(values):
    values = torch.as_tensor(values, dtype=torch.float32)
    return {"obs": values[:, None].repeat(1, 2), "reward": values[:, None]}


def test_rows_go_to_their_task_and_sampling_stays_in_it():
    buf = MultiTaskReplayBuffer(3, 10, WIDTHS)
    buf.add(torch.tensor([0, 0, 2, 2, 2]), rows([1, 2, 30, 40, 50]))
    assert buf.size.tolist() == [2, 0, 3]
    sample = buf.sample(torch.tensor([2, 0, 2]), 200, torch.Generator().manual_seed(0))
    assert sample["reward"].shape == (3, 200, 1) and sample["obs"].shape == (3, 200, 2)
    assert set(sample["reward"][0].flatten().tolist()) == {30.0, 40.0, 50.0}
    assert set(sample["reward"][1].flatten().tolist()) == {1.0, 2.0}
    torch.testing.assert_close(sample["obs"][..., 0:1], sample["reward"])  # the fields stay aligned


def test_a_full_ring_overwrites_the_oldest_rows():
    buf = MultiTaskReplayBuffer(1, 3, WIDTHS)
    buf.add(torch.zeros(5, dtype=torch.long), rows([1, 2, 3, 4, 5]))
    assert buf.size.tolist() == [3]
    buf.add(torch.zeros(1, dtype=torch.long), rows([6]))
    stored = set(
        buf.sample(torch.tensor([0]), 300, torch.Generator().manual_seed(0))["reward"]
        .flatten()
        .tolist()
    )
    assert stored == {4.0, 5.0, 6.0}


def test_clear_forgets_a_task_only():
    buf = MultiTaskReplayBuffer(2, 4, WIDTHS)
    buf.add(torch.tensor([0, 1]), rows([1, 2]))
    buf.clear(torch.tensor([0]))
    assert buf.size.tolist() == [0, 1]
    with pytest.raises(
        ValueError, match=r"tasks must hold transitions to sample from, got tasks \[0\] with none"
    ):
        buf.sample(torch.tensor([0, 1]), 2, torch.Generator())


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: MultiTaskReplayBuffer(2, 0, WIDTHS), ValueError, "capacity must be an integer"),
        (lambda: MultiTaskReplayBuffer(0, 5, WIDTHS), ValueError, "num_tasks must be an integer"),
        (lambda: MultiTaskReplayBuffer(10**6, 10**6, WIDTHS), ValueError, "num_tasks \\* capacity"),
        (
            lambda: MultiTaskReplayBuffer(2, 5, {}),
            ValueError,
            "widths must name at least one field",
        ),
        (lambda: MultiTaskReplayBuffer(2, 5, [("obs", 2)]), TypeError, "widths must be a mapping"),
        (lambda: MultiTaskReplayBuffer(2, 5, {"obs": 0}), ValueError, r"widths\['obs'\] must be"),
    ],
)
def test_bad_buffers_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_bad_rows_are_named():
    buf = MultiTaskReplayBuffer(2, 5, WIDTHS)
    with pytest.raises(ValueError, match="must be finite, got NaN/inf"):
        buf.add(torch.tensor([0]), rows([float("nan")]))
    with pytest.raises(ValueError, match=r"tasks must hold indices in \[0, 1\]"):
        buf.add(torch.tensor([2]), rows([1.0]))
    with pytest.raises(ValueError, match="rows must have the fields"):
        buf.add(torch.tensor([0]), {"obs": torch.zeros(1, 2)})
    with pytest.raises(ValueError, match=r"rows\['obs'\] must have shape \(1, 2\)"):
        buf.add(torch.tensor([0]), {"obs": torch.zeros(1, 3), "reward": torch.zeros(1, 1)})
    with pytest.raises(TypeError, match="tasks must be a 1-d integer tensor"):
        buf.add(torch.tensor([0.0]), rows([1.0]))


def test_rows_must_be_tensors_and_sampling_needs_a_generator():
    buf = MultiTaskReplayBuffer(2, 5, WIDTHS)
    with pytest.raises(TypeError, match="rows must be a mapping"):
        buf.add(torch.tensor([0]), [torch.zeros(1, 2), torch.zeros(1, 1)])
    with pytest.raises(TypeError, match=r"rows\['reward'\] must be a torch.Tensor"):
        buf.add(torch.tensor([0]), {"obs": torch.zeros(1, 2), "reward": [[1.0]]})
    buf.add(torch.tensor([0, 1]), rows([1.0, 2.0]))
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        buf.sample(torch.tensor([0]), 2, 0)


def test_a_batch_may_not_outgrow_the_buffers_cap():
    buffer = MultiTaskReplayBuffer(2, 4, {"obs": 2, "reward": 1})
    buffer.add(torch.tensor([0, 1]), {"obs": torch.zeros(2, 2), "reward": torch.zeros(2, 1)})
    with pytest.raises(ValueError, match=r"len\(tasks\) \* batch_size \* sum\(widths\) must be "):
        buffer.sample(torch.zeros(10, dtype=torch.long), 10_000_000, torch.Generator())
    with pytest.raises(ValueError, match="batch_size must be an integer in"):
        buffer.sample(torch.tensor([0, 1]), -1, torch.Generator())
