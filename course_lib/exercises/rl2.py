"""Chapter 7 exercise: build the RL² input vector ``[o_t, one_hot(a_{t-1}), r_{t-1}, d_{t-1}]``."""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_lib.rl2.trial import trial_input

__all__ = ["check_trial_input"]


def _cases() -> list[tuple[str, tuple]]:
    g = torch.Generator().manual_seed(0)
    return [
        (
            "one step after pulling arm 2 and winning",
            (torch.zeros(1, 1), torch.tensor([2]), torch.tensor([1.0]), torch.tensor([1.0]), 3),
        ),
        (
            "a trial's first step (prev_action = -1)",
            (torch.zeros(2, 1), torch.tensor([-1, -1]), torch.zeros(2), torch.zeros(2), 4),
        ),
        (
            "a batch of maze steps, mid-episode and at an episode start",
            (
                torch.eye(5)[[0, 3, 4]],
                torch.tensor([0, 3, 1]),
                torch.tensor([-0.01, 1.0, -0.01]),
                torch.tensor([0.0, 1.0, 0.0]),
                4,
            ),
        ),
        (
            "a random batch mixing first steps and later steps",
            (
                torch.rand(6, 3, generator=g),
                torch.tensor([-1, 0, 1, 4, -1, 2]),
                torch.rand(6, generator=g),
                torch.tensor([0.0, 1, 0, 1, 0, 1]),
                5,
            ),
        ),
    ]


def _diagnose(got: torch.Tensor, want: torch.Tensor, obs_size: int, num_actions: int) -> str:
    parts = {
        "observation o_t": slice(0, obs_size),
        "one-hot previous action": slice(obs_size, obs_size + num_actions),
        "previous reward r_{t-1}": slice(obs_size + num_actions, obs_size + num_actions + 1),
        "episode-end flag d_{t-1}": slice(obs_size + num_actions + 1, obs_size + num_actions + 2),
    }
    for name, cols in parts.items():
        if not torch.allclose(got[:, cols], want[:, cols], atol=1e-6):
            hint = ""
            if "action" in name:
                hint = " Remember: prev_action = -1 means no action yet, so that row's one-hot is all zeros."
            return f"the {name} part (columns {cols.start}..{cols.stop - 1}) is wrong: got {got[:, cols].tolist()}, expected {want[:, cols].tolist()}.{hint}"
    return "values differ"


def check_trial_input(fn: Callable[..., torch.Tensor]) -> bool:
    """Check a student's ``fn(obs, prev_action, prev_reward, prev_episode_end, num_actions)``.

    It must return the ``[B, obs_size + num_actions + 2]`` float tensor
    ``[o_t, one_hot(a_{t-1}), r_{t-1}, d_{t-1}]`` with an all-zero one-hot where
    ``prev_action == -1``. Prints specific feedback; returns True when every case passes.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function, got {type(fn).__name__}")
    for name, args in _cases():
        want = trial_input(*args)
        try:
            got = fn(*(a.clone() if isinstance(a, torch.Tensor) else a for a in args))
        except NotImplementedError:
            print("✗ not implemented yet: replace the `raise NotImplementedError` with your code.")
            return False
        except Exception as exc:  # the student's code crashed: say where
            print(f"✗ on {name}: your function raised {type(exc).__name__}: {exc}")
            return False
        if not isinstance(got, torch.Tensor):
            print(f"✗ on {name}: return a torch.Tensor, got {type(got).__name__}.")
            return False
        if tuple(got.shape) != tuple(want.shape):
            print(
                f"✗ on {name}: expected shape {tuple(want.shape)} = [batch, obs_size + num_actions + 2], got {tuple(got.shape)}. "
                "Concatenate along dim=1 and give the reward and the flag a column each."
            )
            return False
        if not got.is_floating_point():
            print(
                f"✗ on {name}: return a float tensor (the network multiplies it by float weights), got {got.dtype}."
            )
            return False
        if not torch.allclose(got.float(), want, atol=1e-6):
            obs_size = args[0].shape[1]
            print(f"✗ on {name}: {_diagnose(got.float(), want, obs_size, args[4])}")
            return False
    print(
        f"✓ trial input correct on all {len(_cases())} cases: the agent sees what it did, what it got, and when an episode ended."
    )
    return True
