"""Checkpoints of PPO agents: save the weights with what is needed to rebuild the network.

Three promises, each against a failure seen in practice:

* **Loading cannot run code.** ``torch.load(..., weights_only=True)`` only: a checkpoint holds
  tensors and plain data, so an untrusted file cannot run code (a pickle could).
* **A save is all or nothing.** The file is written under a temporary name in the same folder,
  flushed to disk, then renamed over the target with ``os.replace`` (atomic on one file
  system): a crash or ``kill -9`` mid-save leaves the previous checkpoint intact.
* **An altered file is refused.** The SHA-256 of the weights is stored beside them and checked
  on load, so one flipped bit is a ``ValueError``, not a silently different agent; the sizes a
  file declares are checked against the weights it really holds (and a cap) before any
  network is allocated, so a tiny file cannot make ``load`` allocate gigabytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from course_lib.ppo import ActorCritic, PPOConfig
from course_lib.validation import check_device, check_hidden_sizes

__all__ = ["save", "load", "weights_digest", "MAX_CHECKPOINT_BYTES", "MAX_SPACE_SIZE"]

_FORMAT = "course_lib.ppo.ActorCritic/1"
#: Larger files are refused before reading: the course's agents are a few hundred kilobytes.
MAX_CHECKPOINT_BYTES = 256 * 2**20
#: The largest observation or action size a checkpoint may declare.
MAX_SPACE_SIZE = 100_000


def weights_digest(state_dict: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 (hex) of every tensor's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _space_to_dict(space: gym.Space) -> dict[str, Any]:
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    return {
        "type": "Box",
        "low": space.low.astype(float).tolist(),
        "high": space.high.astype(float).tolist(),
    }


def _space_from_dict(spec: dict[str, Any]) -> gym.Space:
    if spec["type"] == "Discrete":
        return gym.spaces.Discrete(int(spec["n"]))
    return gym.spaces.Box(
        np.array(spec["low"], dtype=np.float32),
        np.array(spec["high"], dtype=np.float32),
        dtype=np.float32,
    )


def _check_path(path: object) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or pathlib.Path, got {type(path).__name__}")
    return Path(path)


def save(agent: ActorCritic, path: str | Path) -> Path:
    """Write the agent's weights, its spaces and its config (if any) to ``path``; returns the path.

    Atomic: the previous file at ``path`` (if any) is replaced only once the new one is
    completely on disk.
    """
    if not isinstance(agent, ActorCritic):
        raise TypeError(f"agent must be an ActorCritic, got {type(agent).__name__}")
    path = _check_path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save to {path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"cannot save to {path}: it is a folder, give a file name")
    state_dict = {k: v.detach().cpu() for k, v in agent.state_dict().items()}
    payload = {
        "format": _FORMAT,
        "observation_space": _space_to_dict(agent.observation_space),
        "action_space": _space_to_dict(agent.action_space),
        "hidden_sizes": list(agent.hidden_sizes),
        "config": dataclasses.asdict(agent.config) if agent.config is not None else None,
        "state_dict": state_dict,
        "sha256": weights_digest(state_dict),
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename makes it visible
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: str | Path, *, device: str = "cpu") -> ActorCritic:
    """Load an agent written by :func:`save` (``torch.load(..., weights_only=True)``: tensors and plain data only).

    Raises ``TypeError``/``ValueError`` for a bad ``path`` or ``device`` argument,
    ``FileNotFoundError`` if there is no file, ``IsADirectoryError`` for a folder, and
    ``ValueError`` if the file is corrupt, not a checkpoint of this format, altered since it
    was saved (checksum), declares sizes beyond the limits or its weights do not fit the
    network it describes.
    """
    path = _check_path(path)
    target = check_device(device)  # a bad device is the caller's mistake, not a corrupt file
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a checkpoint file")
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    size = path.stat().st_size
    if size > MAX_CHECKPOINT_BYTES:
        raise ValueError(
            f"{path} is {size:_} bytes, over the checkpoint limit of {MAX_CHECKPOINT_BYTES:_} bytes"
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a truncated zip, random bytes, a pickle with arbitrary objects...
        raise ValueError(
            f"{path} is not a readable checkpoint (corrupt, or not written by "
            f"course_lib.checkpoints.save): {err}"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a course_lib PPO checkpoint (expected format {_FORMAT!r})")
    state_dict = _verified_weights(path, payload)
    try:
        observation_space = _space_from_dict(payload["observation_space"])
        action_space = _space_from_dict(payload["action_space"])
        hidden_sizes = check_hidden_sizes(payload["hidden_sizes"])
        _check_declared_sizes(observation_space, action_space, hidden_sizes, state_dict)
        agent = ActorCritic(observation_space, action_space, hidden_sizes)
        agent.load_state_dict(state_dict)
        agent.config = PPOConfig(**payload["config"]) if payload["config"] is not None else None
    except (KeyError, RuntimeError, TypeError, ValueError) as err:
        raise ValueError(
            f"{path}: the checkpoint does not match the network it describes: {err}"
        ) from err
    return agent.to(target)


def _verified_weights(path: Path, payload: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The state dict, if it is a dict of tensors whose SHA-256 matches the stored one."""
    state_dict, stored = payload.get("state_dict"), payload.get("sha256")
    if not isinstance(state_dict, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state_dict.items()
    ):
        raise ValueError(f"{path}: the checkpoint's state_dict is not a dict of named tensors")
    if not isinstance(stored, str):
        raise ValueError(f"{path}: the checkpoint has no weights checksum (sha256); save it again")
    actual = weights_digest(state_dict)
    if actual != stored:
        raise ValueError(
            f"{path}: checksum mismatch: the weights were altered or corrupted after saving "
            f"(stored sha256 {stored[:12]}…, computed {actual[:12]}…)"
        )
    return state_dict


def _check_declared_sizes(
    observation_space: gym.Space,
    action_space: gym.Space,
    hidden_sizes: tuple[int, ...],
    state_dict: Mapping[str, torch.Tensor],
) -> None:
    """Refuse, before allocating the network, sizes the stored weights cannot fill."""
    if not isinstance(observation_space, gym.spaces.Box):
        raise ValueError("the observation space must be a Box")
    obs_dim = int(np.prod(observation_space.shape))
    discrete = isinstance(action_space, gym.spaces.Discrete)
    act_dim = int(action_space.n) if discrete else int(np.prod(action_space.shape))
    for name, size in (("observation size", obs_dim), ("action size", act_dim)):
        if not 1 <= size <= MAX_SPACE_SIZE:
            raise ValueError(f"the {name} must be in [1, {MAX_SPACE_SIZE:_}], got {size}")
    widths = (obs_dim, *hidden_sizes)
    trunk = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
    declared = 2 * trunk + (widths[-1] + 1) * (1 + act_dim)  # actor and critic
    if not discrete:
        declared += 3 * act_dim  # log_std, action_low, action_high
    stored = sum(t.numel() for t in state_dict.values())
    if declared != stored:
        raise ValueError(
            f"it declares hidden_sizes {list(hidden_sizes)}, {obs_dim} inputs and {act_dim} "
            f"actions ({declared:_} weights) but holds {stored:_} weights"
        )
