"""Checkpoints: round trips, atomic saves, checksums, size limits and clear errors for bad input."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
import zipfile

import gymnasium as gym
import pytest
import torch

from course_lib import checkpoints
from course_lib.checkpoints import load, save, weights_digest
from course_lib.ppo import ActorCritic, PPOConfig

BOX = gym.spaces.Box(-1, 1, (3,))


def _agent(hidden=(8,), action_space=None) -> ActorCritic:
    return ActorCritic(BOX, action_space or gym.spaces.Discrete(2), hidden, seed=0)


def _rewrite(path, **changes) -> None:
    """Re-save a checkpoint's payload with some entries replaced (what an attacker can do)."""
    payload = torch.load(path, weights_only=True)
    payload.update(changes)
    torch.save(payload, path)


@pytest.mark.parametrize("action_space", [gym.spaces.Discrete(3), gym.spaces.Box(-2, 2, (2,))])
def test_round_trip_keeps_weights_spaces_and_config(tmp_path, action_space):
    agent = _agent((16, 8), action_space)
    agent.config = PPOConfig(hidden_sizes=(16, 8), seed=3)
    loaded = load(save(agent, tmp_path / "a.pt"))
    assert loaded.config == agent.config
    assert weights_digest(loaded.state_dict()) == weights_digest(agent.state_dict())
    obs = torch.randn(5, 3)
    torch.testing.assert_close(loaded(obs), agent(obs))


def test_save_leaves_no_temporary_files(tmp_path):
    save(_agent(), tmp_path / "a.pt")
    save(_agent((4,)), tmp_path / "a.pt")  # overwrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt"]
    assert load(tmp_path / "a.pt").hidden_sizes == (4,)


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = save(_agent(), tmp_path / "a.pt")
    before = path.read_bytes()

    def crash_midway(obj, f):
        f.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        save(_agent((4,)), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt"]


_SAVE_FOREVER = """
import sys, gymnasium as gym, torch
from course_lib.checkpoints import save
from course_lib.ppo import ActorCritic
agent = ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), (512, 512), seed=1)
print("ready", flush=True)
while True:
    save(agent, sys.argv[1])
"""


def test_kill_9_during_saves_never_leaves_an_unreadable_file(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    child = subprocess.Popen(
        [sys.executable, "-c", _SAVE_FOREVER, str(path)],
        stdout=subprocess.PIPE,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    try:
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(1.0)  # many saves in flight; one is killed part-way
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert load(path).hidden_sizes in ((8,), (512, 512))  # the old or a complete new one


def _flip_one_bit_in_the_weights(path, tensor: torch.Tensor) -> None:
    data = bytearray(path.read_bytes())
    raw = tensor.detach().contiguous().numpy().tobytes()
    at = data.find(raw)
    assert at > 0, "the tensor's bytes are stored as they are (uncompressed)"
    data[at + len(raw) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def test_one_flipped_bit_in_the_weights_is_refused(tmp_path):
    agent = _agent((32,))
    path = save(agent, tmp_path / "a.pt")
    _flip_one_bit_in_the_weights(path, agent.actor[0].weight)
    with pytest.raises(ValueError, match="checksum mismatch: the weights were altered"):
        load(path)


def test_replaced_weights_with_the_old_checksum_are_refused(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    state = torch.load(path, weights_only=True)["state_dict"]
    state = {k: v + 1.0 for k, v in state.items()}
    _rewrite(path, state_dict=state)
    with pytest.raises(ValueError, match="checksum mismatch"):
        load(path)


def test_a_file_without_checksum_is_refused(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    payload = torch.load(path, weights_only=True)
    del payload["sha256"]
    torch.save(payload, path)
    with pytest.raises(ValueError, match=r"no weights checksum \(sha256\)"):
        load(path)


def test_a_state_dict_that_is_not_tensors_is_refused(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    _rewrite(path, state_dict={"actor.0.weight": [1.0, 2.0]})
    with pytest.raises(ValueError, match="state_dict is not a dict of named tensors"):
        load(path)


def test_huge_declared_sizes_are_refused_before_allocating(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    _rewrite(path, hidden_sizes=[8000, 8000])  # an 8 KB file asking for a 1.5 GB network
    assert path.stat().st_size < 20_000
    start = time.process_time()
    with pytest.raises(ValueError, match=r"hidden_sizes entries must be integers in \[1, 4096\]"):
        load(path)
    _rewrite(path, hidden_sizes=[4000, 4000])  # under the per-layer cap, but not what it holds
    with pytest.raises(ValueError, match=r"declares hidden_sizes \[4000, 4000\]"):
        load(path)
    _rewrite(path, observation_space={"type": "Box", "low": [0.0], "high": [1.0]})
    with pytest.raises(ValueError, match="1 inputs and 2 actions"):
        load(path)
    _rewrite(path, action_space={"type": "Discrete", "n": 10**9})
    with pytest.raises(ValueError, match=r"action size must be in \[1, 100_000\]"):
        load(path)
    assert time.process_time() - start < 5.0


def test_oversized_files_are_refused_before_reading(tmp_path, monkeypatch):
    path = save(_agent(), tmp_path / "a.pt")
    monkeypatch.setattr(checkpoints, "MAX_CHECKPOINT_BYTES", 100)
    with pytest.raises(ValueError, match="over the checkpoint limit of 100 bytes"):
        load(path)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


@pytest.mark.parametrize(
    "make",
    [
        lambda p: torch.save(torch.nn.Linear(2, 2), p),  # a whole module
        lambda p: torch.save({"format": checkpoints._FORMAT, "x": _RunsCode()}, p),
        lambda p: p.write_bytes(pickle.dumps(_RunsCode(), protocol=2)),  # a bare pickle
        lambda p: torch.save({"f": print}, p),  # a global function
    ],
)
def test_malicious_pickles_are_refused_without_running(tmp_path, make, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    make(path)
    with pytest.raises(ValueError, match="is not a readable checkpoint"):
        load(path)
    assert not (tmp_path / "pwned").exists()


def test_random_and_truncated_bytes_are_refused(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    truncated = tmp_path / "t.pt"
    truncated.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ValueError, match="is not a readable checkpoint"):
        load(truncated)
    junk = tmp_path / "j.pt"
    junk.write_bytes(os.urandom(2000))
    with pytest.raises(ValueError, match="is not a readable checkpoint"):
        load(junk)
    assert zipfile.is_zipfile(path)


@pytest.mark.parametrize(
    "device, error, match",
    [
        (
            "gpu",
            ValueError,
            "device must be a torch device string such as 'cpu' or 'cuda', got 'gpu'",
        ),
        (3, TypeError, "device must be a torch device string"),
        (None, TypeError, "device must be a torch device string"),
    ],
)
def test_a_bad_device_is_named_not_called_corrupt(tmp_path, device, error, match):
    path = save(_agent(), tmp_path / "a.pt")
    with pytest.raises(error, match=match):
        load(path, device=device)


def test_bad_paths_name_the_real_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint file at"):
        load(tmp_path / "missing.pt")
    with pytest.raises(IsADirectoryError, match="is a folder, not a checkpoint file"):
        load(tmp_path)
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path, got NoneType"):
        load(None)
    with pytest.raises(FileNotFoundError, match="the folder .* does not exist"):
        save(_agent(), tmp_path / "no" / "such" / "a.pt")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        save(_agent(), tmp_path)
    with pytest.raises(TypeError, match="agent must be an ActorCritic, got Linear"):
        save(torch.nn.Linear(2, 2), tmp_path / "a.pt")
