"""Checkpoints: round trips, atomic saves, checksums, size limits and clear errors for bad input."""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import struct
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
    """Re-save a checkpoint's payload with some entries replaced (the checksum left as it was)."""
    payload = torch.load(path, weights_only=True)
    payload.update(changes)
    torch.save(payload, path)


def _forge(path, state_dict=None, **manifest_changes) -> None:
    """Re-save a checkpoint with manifest entries (and weights) replaced and the checksum
    recomputed: what someone who knows the format can do, so every cap must still hold."""
    payload = torch.load(path, weights_only=True)
    manifest = json.loads(payload["manifest"])
    manifest.update(manifest_changes)
    if state_dict is not None:
        payload["state_dict"] = state_dict
        manifest["weights"] = [
            [n, str(t.dtype).removeprefix("torch."), list(t.shape)] for n, t in state_dict.items()
        ]
    payload["manifest"] = checkpoints._canonical(manifest)
    payload["sha256"] = checkpoints._payload_digest(payload["manifest"], payload["state_dict"])
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
    with pytest.raises(ValueError, match="checksum mismatch: the checkpoint .* was altered"):
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
    with pytest.raises(ValueError, match=r"the checkpoint's entries are not"):
        load(path)


def test_a_state_dict_that_is_not_tensors_is_refused(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    _rewrite(path, state_dict={"actor.0.weight": [1.0, 2.0]})
    with pytest.raises(ValueError, match="state_dict is not a dict of named tensors"):
        load(path)


def test_huge_declared_sizes_are_refused_before_allocating(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    _forge(path, hidden_sizes=[8000, 8000])  # an 8 KB file asking for a 1.5 GB network
    assert path.stat().st_size < 20_000
    start = time.process_time()
    with pytest.raises(
        ValueError, match=r"hidden_sizes entries must be an integer in \[1, 4_096\]"
    ):
        load(path)
    path = save(_agent(), tmp_path / "a.pt")
    _forge(path, hidden_sizes=[4000, 4000])  # under the per-layer cap, but not what it holds
    with pytest.raises(ValueError, match=r"declares hidden_sizes \[4000, 4000\]"):
        load(path)
    path = save(_agent(), tmp_path / "a.pt")
    box = {"type": "Box", "shape": [1], "dtype": "float32", "low": [0.0], "high": [1.0]}
    _forge(path, observation_space=box)
    with pytest.raises(ValueError, match="1 inputs and 2 actions"):
        load(path)
    path = save(_agent(), tmp_path / "a.pt")
    _forge(path, action_space={"type": "Discrete", "n": 10**9})
    with pytest.raises(ValueError, match=r"action space's size must be in \[1, 100_000\]"):
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


# --- the whole file is verified ------------------------------------------------------------


def _same_agent(a: ActorCritic, b: ActorCritic) -> bool:
    """Equal in everything the agent is: spaces (bounds and dtypes), sizes, config, weights."""
    spaces = all(
        type(x) is type(y)
        and (
            x.n == y.n
            if isinstance(x, gym.spaces.Discrete)
            else x.dtype == y.dtype and (x.low == y.low).all() and (x.high == y.high).all()
        )
        for x, y in ((a.observation_space, b.observation_space), (a.action_space, b.action_space))
    )
    return (
        spaces
        and a.hidden_sizes == b.hidden_sizes
        and a.config == b.config
        and weights_digest(a.state_dict()) == weights_digest(b.state_dict())
    )


def _small_agent(action_space) -> ActorCritic:
    agent = ActorCritic(gym.spaces.Box(-1, 1, (2,)), action_space, (2,), seed=0)
    agent.config = PPOConfig(hidden_sizes=(2,), gamma=0.98, env_id="CartPole-v1")
    return agent


def _regions(data: bytes, path) -> tuple[set[int], set[int]]:
    """Offsets of the bytes the agent is built from (the weights' storages and the manifest),
    and of the whole payload (the pickle and the storages), located through the zip's headers."""
    manifest = torch.load(path, weights_only=True)["manifest"].encode()
    meaningful, payload = set(), set()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            at = info.header_offset
            name_len, extra_len = struct.unpack("<HH", data[at + 26 : at + 30])
            start = at + 30 + name_len + extra_len
            stored = set(range(start, start + info.compress_size))
            if re.fullmatch(r"[^/]+/data/\d+", info.filename):  # a tensor storage
                meaningful |= stored
                payload |= stored
            elif info.filename.endswith("/data.pkl"):
                found = data.find(manifest, start, start + info.compress_size)
                assert found >= 0, "the manifest is stored as it is"
                meaningful |= set(range(found, found + len(manifest)))
                payload |= stored
    return meaningful, payload


def _flip_bytes(tmp_path, agent, mask_of, where: str) -> dict[str, int]:
    """Flip ``mask_of(i)`` into byte i of the saved file, for every byte (``where="all"``) or
    every byte of the pickle and the storages (``"payload"``), and load each: a load either
    raises ValueError or gives an agent equal to the saved one in every respect."""
    path = save(agent, tmp_path / "original.pt")
    original, reference = path.read_bytes(), load(path)
    meaningful, payload = _regions(original, path)
    offsets = range(len(original)) if where == "all" else sorted(payload)
    counts = {"flipped": len(offsets), "refused": 0, "harmless": 0}
    flipped = tmp_path / "flipped.pt"
    for i in offsets:
        data = bytearray(original)
        data[i] ^= mask_of(i)
        flipped.write_bytes(bytes(data))
        try:
            loaded = load(flipped)
        except ValueError:  # the only way a load may fail: never a raw RuntimeError
            counts["refused"] += 1
            continue
        assert i not in meaningful, f"byte {i} (a weight or the manifest) was altered unseen"
        assert _same_agent(loaded, reference), f"byte {i}: a silently different agent loaded"
        counts["harmless"] += 1
    return counts


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's notes on a mangled pickle header
@pytest.mark.parametrize(
    "action_space, mask_of, where",
    [
        (gym.spaces.Box(-2, 2, (1,)), lambda i: 1 << (i % 8), "all"),
        (gym.spaces.Discrete(2), lambda i: 0b111 << (i % 6), "payload"),
    ],
    ids=["box, one bit per byte", "discrete, three bits per payload byte"],
)
def test_every_altered_byte_is_refused_or_harmless(tmp_path, action_space, mask_of, where, capsys):
    counts = _flip_bytes(tmp_path, _small_agent(action_space), mask_of, where)
    with capsys.disabled():
        print(f"\n  {where} bytes of a checkpoint flipped: {counts}")
    assert counts["refused"] + counts["harmless"] == counts["flipped"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("gamma", 0.9799999),
        ("env_id", "CartPole-v0"),
        ("hidden_sizes", [3]),
        ("norm_adv", False),
        ("seed", 1),
    ],
)
def test_a_changed_config_field_is_refused(tmp_path, field, value):
    path = save(_small_agent(gym.spaces.Discrete(2)), tmp_path / "a.pt")
    payload = torch.load(path, weights_only=True)
    manifest = json.loads(payload["manifest"])
    manifest["config"][field] = value
    payload["manifest"] = checkpoints._canonical(manifest)
    torch.save(payload, path)
    with pytest.raises(ValueError, match="checksum mismatch"):
        load(path)


def test_a_changed_bound_is_refused(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    payload = torch.load(path, weights_only=True)
    payload["manifest"] = payload["manifest"].replace(
        '"high":[1.0,1.0,1.0]', '"high":[1.0,1.0,2.0]'
    )
    torch.save(payload, path)
    with pytest.raises(ValueError, match="checksum mismatch"):
        load(path)


def test_another_models_weights_with_their_own_checksum_are_refused(tmp_path):
    agent = _agent((8,))
    agent.config = PPOConfig(hidden_sizes=(8,), seed=3)
    mine = save(agent, tmp_path / "mine.pt")
    other = ActorCritic(BOX, gym.spaces.Discrete(2), (8,), seed=1)  # same shapes, other weights
    other.config = PPOConfig(hidden_sizes=(8,), seed=4, gamma=0.9)
    theirs = torch.load(save(other, tmp_path / "theirs.pt"), weights_only=True)
    payload = torch.load(mine, weights_only=True)
    for stored in (theirs["sha256"], weights_digest(theirs["state_dict"])):
        payload.update(state_dict=theirs["state_dict"], sha256=stored)
        torch.save(payload, mine)
        with pytest.raises(ValueError, match="checksum mismatch"):
            load(mine)


def test_weights_must_fit_the_declared_architecture(tmp_path):
    path = save(_agent((8,)), tmp_path / "a.pt")
    state = torch.load(path, weights_only=True)["state_dict"]
    renamed = {("critic.1.weight" if k == "critic.0.weight" else k): v for k, v in state.items()}
    _forge(path, state_dict=renamed)
    with pytest.raises(ValueError, match="does not match the network it describes"):
        load(path)
    path = save(_small_agent(gym.spaces.Discrete(2)), tmp_path / "b.pt")
    payload = torch.load(path, weights_only=True)
    config = json.loads(payload["manifest"])["config"]
    _forge(path, config={**config, "hidden_sizes": [4]})  # the config says another network
    with pytest.raises(ValueError, match=r"the config declares hidden_sizes \[4\]"):
        load(path)


def test_a_nan_weight_is_refused_at_save_and_at_load(tmp_path):
    agent = _agent()
    path = save(agent, tmp_path / "a.pt")
    with torch.no_grad():
        agent.actor[0].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="weight actor.0.weight holds NaN or infinite values"):
        save(agent, path)
    assert load(path).hidden_sizes == (8,)  # the previous file is untouched
    state = {k: v.clone() for k, v in torch.load(path, weights_only=True)["state_dict"].items()}
    state["critic.0.bias"][0] = float("inf")
    _forge(path, state_dict=state)  # with a checksum that matches the NaN
    with pytest.raises(ValueError, match="weight critic.0.bias holds NaN or infinite values"):
        load(path)


def test_save_refuses_a_file_load_would_refuse_by_size(tmp_path, monkeypatch):
    path = save(_agent(), tmp_path / "a.pt")
    before = path.read_bytes()
    monkeypatch.setattr(checkpoints, "MAX_CHECKPOINT_BYTES", 2_000)
    with pytest.raises(
        ValueError, match=r"would be about .* bytes, over the checkpoint limit of 2_000"
    ):
        save(_agent((64, 64)), path)
    assert path.read_bytes() == before
    # The estimate can be low; the written file is measured before the rename.
    monkeypatch.setattr(checkpoints, "_OVERHEAD_BYTES", 0)
    monkeypatch.setattr(checkpoints, "MAX_CHECKPOINT_BYTES", len(before) - 10)
    with pytest.raises(ValueError, match=r"its file is .* bytes, over the checkpoint limit"):
        save(_agent(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt"]


def test_save_refuses_sizes_load_would_refuse(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "MAX_SPACE_SIZE", 2)
    with pytest.raises(ValueError, match=r"load\(\) would refuse it: the observation space's size"):
        save(_agent(), tmp_path / "a.pt")
    monkeypatch.undo()
    agent = _agent((8,))
    agent.config = PPOConfig(hidden_sizes=(16,))
    with pytest.raises(ValueError, match=r"the config declares hidden_sizes \[16\]"):
        save(agent, tmp_path / "a.pt")
    assert not (tmp_path / "a.pt").exists()


def test_a_checkpoint_of_the_old_format_is_named(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"format": "course_lib.ppo.ActorCritic/1", "state_dict": {}, "sha256": ""}, path)
    with pytest.raises(ValueError, match="saved by an older course_lib whose checksum covers only"):
        load(path)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporary_files_are_removed_by_the_next_save(tmp_path):
    dead = tmp_path / f".a.pt.{_dead_pid()}.0badf00d.tmp"
    live = tmp_path / f".a.pt.{os.getppid()}.0badf00d.tmp"  # a writer that is still running
    legacy = tmp_path / ".a.pt.k2j4_x9q.tmp"  # mkstemp's name, from before pids were written
    other = tmp_path / ".b.pt.1.0badf00d.tmp"  # another checkpoint's: not ours to touch
    for p in (dead, live, legacy, other):
        p.write_bytes(b"half a checkpoint")
    old = time.time() - 3600
    os.utime(legacy, (old, old))
    save(_agent(), tmp_path / "a.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.pt", live.name, other.name])


def test_kill_9_during_saves_leaves_no_stale_temporary_after_the_next_save(tmp_path):
    path = save(_agent(), tmp_path / "a.pt")
    leftovers = 0
    for _ in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", _SAVE_FOREVER, str(path)],
            stdout=subprocess.PIPE,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        try:
            assert child.stdout.readline().strip() == b"ready"
            time.sleep(0.7)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        leftovers += sum(1 for p in tmp_path.iterdir() if p.name.endswith(".tmp"))
        assert load(path).hidden_sizes in ((8,), (512, 512))
        save(_agent(), path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt"]
    print(f"temporary files left by 3 kills: {leftovers}, after the next save: 0")
