"""Checkpoints of PPO agents: save the weights with what is needed to rebuild the network.

Four promises, each against a failure seen in practice:

* **Loading cannot run code.** ``torch.load(..., weights_only=True)`` only: a checkpoint holds
  tensors and plain data, so an untrusted file cannot run code (a pickle could).
* **A save is all or nothing.** The file is written under a temporary name in the same folder
  (``.NAME.PID.RANDOM.tmp``), flushed to disk, then renamed over the target with ``os.replace``
  (atomic on one file system): a crash or ``kill -9`` mid-save leaves the previous checkpoint
  intact, and the next save removes temporary files whose writer is no longer running.
* **The whole file is verified.** Everything the agent is rebuilt from lives in one *manifest*
  (canonical JSON: format, spaces with their bounds, hidden sizes, the config with its env id,
  the library versions, and each weight's name, dtype and shape) and in the weights it lists.
  One SHA-256 covers the manifest's bytes and the weights' bytes together, so a flipped bit in
  the config (γ 0.98 → 0.9799999), the env id, a bound, or a weight is a ``ValueError``, and
  another model's weights spliced in with their own checksum do not match this manifest. The
  checksum is bound to the architecture: the weights must have exactly the names and shapes the
  declared spaces and hidden sizes imply, the config (if any) must declare the same hidden sizes,
  and a Gaussian policy's stored action bounds must equal its action space's. Nothing outside
  the manifest and the listed weights is read, so any other byte of the file is either refused
  (the zip or the pickle no longer parses) or changes nothing the agent is built from.
* **Save refuses what load would refuse**: sizes beyond the caps, NaN or infinite weights, a
  file over :data:`MAX_CHECKPOINT_BYTES` (checked before writing, from the weights' size, and
  after writing, before the rename). The sizes a file declares are checked against the caps
  before any network is allocated, so a tiny file cannot make ``load`` allocate gigabytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import course_lib
from course_lib.ppo import ActorCritic, PPOConfig
from course_lib.validation import check_device, check_hidden_sizes

__all__ = [
    "save",
    "load",
    "weights_digest",
    "MissingPathError",
    "FolderPathError",
    "MAX_CHECKPOINT_BYTES",
    "MAX_SPACE_SIZE",
]

_FORMAT = "course_lib.ppo.ActorCritic/2"
_OLD_FORMATS = ("course_lib.ppo.ActorCritic/1",)
_PAYLOAD_KEYS = {"format", "manifest", "state_dict", "sha256"}
#: Larger files are refused: the course's agents are a few hundred kilobytes.
MAX_CHECKPOINT_BYTES = 256 * 2**20
#: The largest observation or action size a checkpoint may declare.
MAX_SPACE_SIZE = 100_000
#: Room for the zip's and the pickle's own bytes beside the weights, when estimating a size.
_OVERHEAD_BYTES = 64 * 2**10
#: A temporary file of a writer that has no process id in its name is stale after this long.
_STALE_SECONDS = 600


def _tensor_bytes(tensor: torch.Tensor) -> bytes:
    """The elements' bytes in row-major order, whatever the strides (a size-1 dimension can
    keep any stride through ``.contiguous()``, and a file can declare one)."""
    flat = torch.empty(tensor.numel(), dtype=tensor.dtype)
    flat.copy_(tensor.detach().cpu().reshape(-1))
    return flat.view(torch.uint8).numpy().tobytes()


def weights_digest(state_dict: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 (hex) of every tensor's name, dtype, shape and bytes, in name order."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a mapping of names to tensors, got {state_dict!r:.60}")
    for name, tensor in state_dict.items():
        if not isinstance(name, str) or not isinstance(tensor, torch.Tensor):
            raise TypeError(
                f"state_dict must map names (str) to tensors, got {name!r:.40}: "
                f"{type(tensor).__name__}"
            )
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name]
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(_tensor_bytes(tensor))
    return digest.hexdigest()


def _payload_digest(manifest: str, state_dict: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 of the manifest's bytes, then each listed weight's bytes in the manifest's order
    (the manifest fixes every name, dtype and shape, so the bytes alone are unambiguous)."""
    digest = hashlib.sha256(b"course_lib checkpoint\n")
    digest.update(manifest.encode())
    for name, _, _ in json.loads(manifest)["weights"]:
        digest.update(_tensor_bytes(state_dict[name]))
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# The manifest: everything the agent is rebuilt from, as plain JSON
# ---------------------------------------------------------------------------------------


def _space_to_dict(space: gym.Space) -> dict[str, Any]:
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    return {
        "type": "Box",
        "shape": [int(s) for s in space.shape],
        "dtype": str(space.dtype),
        "low": space.low.astype(float).reshape(-1).tolist(),
        "high": space.high.astype(float).reshape(-1).tolist(),
    }


def _space_from_dict(spec: object, name: str) -> gym.Space:
    if not isinstance(spec, dict):
        raise ValueError(f"the {name} must be a Discrete or Box description")
    if spec.get("type") == "Discrete" and set(spec) == {"type", "n"}:
        n = spec["n"]
        if type(n) is not int or not 1 <= n <= MAX_SPACE_SIZE:
            raise ValueError(f"the {name}'s size must be in [1, {MAX_SPACE_SIZE:_}], got {n!r}")
        return gym.spaces.Discrete(n)
    if spec.get("type") != "Box" or set(spec) != {"type", "shape", "dtype", "low", "high"}:
        raise ValueError(f"the {name} must be a Discrete or Box description")
    shape = spec["shape"]
    if not isinstance(shape, list) or not all(type(s) is int and s >= 1 for s in shape):
        raise ValueError(f"the {name}'s shape must be a list of positive integers, got {shape!r}")
    size = math.prod(shape)
    if not 1 <= size <= MAX_SPACE_SIZE:
        raise ValueError(f"the {name}'s size must be in [1, {MAX_SPACE_SIZE:_}], got {size}")
    if spec["dtype"] not in ("float32", "float64"):
        raise ValueError(f"the {name}'s dtype must be float32 or float64, got {spec['dtype']!r}")
    bounds = []
    for key in ("low", "high"):
        values = spec[key]
        if not isinstance(values, list) or len(values) != size:
            raise ValueError(f"the {name}'s {key} bounds must list {size} numbers")
        if not all(type(v) in (int, float) and not math.isnan(v) for v in values):
            raise ValueError(f"the {name}'s {key} bounds must be numbers (±inf allowed), not NaN")
        bounds.append(np.array(values, dtype=spec["dtype"]).reshape(shape))
    if not bool(np.all(bounds[0] <= bounds[1])):
        raise ValueError(f"the {name}'s low bounds must not exceed its high bounds")
    return gym.spaces.Box(bounds[0], bounds[1], dtype=np.dtype(spec["dtype"]))


def _expected_shapes(obs_dim: int, act_dim: int, hidden: tuple[int, ...], discrete: bool) -> dict:
    """The state dict's names and shapes that ``ActorCritic`` has for this architecture
    (``nets.mlp``: Linear layers at even indices, activations between them)."""
    shapes: dict[str, tuple[int, ...]] = {}
    for net, out in (("critic", 1), ("actor", act_dim)):
        widths = (obs_dim, *hidden, out)
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            shapes[f"{net}.{2 * i}.weight"] = (b, a)
            shapes[f"{net}.{2 * i}.bias"] = (b,)
    if not discrete:
        for name in ("log_std", "action_low", "action_high"):
            shapes[name] = (act_dim,)
    return shapes


def _canonical(data: object) -> str:
    # Python's float repr round-trips exactly; ±inf bounds are written as Infinity.
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _manifest(agent: ActorCritic, state_dict: Mapping[str, torch.Tensor]) -> str:
    config = dataclasses.asdict(agent.config) if agent.config is not None else None
    return _canonical(
        {
            "format": _FORMAT,
            "observation_space": _space_to_dict(agent.observation_space),
            "action_space": _space_to_dict(agent.action_space),
            "hidden_sizes": list(agent.hidden_sizes),
            "config": config,
            "versions": {
                "course_lib": course_lib.__version__,
                "torch": torch.__version__,
                "gymnasium": gym.__version__,
            },
            "weights": [
                [name, str(t.dtype).removeprefix("torch."), list(t.shape)]
                for name, t in state_dict.items()
            ],
        }
    )


@dataclasses.dataclass
class _Parts:
    observation_space: gym.Space
    action_space: gym.Space
    hidden_sizes: tuple[int, ...]
    config: PPOConfig | None


def _parts(manifest: str, state_dict: Mapping[str, torch.Tensor]) -> _Parts:
    """What ``manifest`` declares, checked against the caps, against the architecture it
    implies and against the weights; ``ValueError`` naming the first problem. The same checks
    run in :func:`save` (before writing) and in :func:`load` (after the checksum)."""
    try:
        spec = json.loads(manifest)
    except ValueError as err:
        raise ValueError(f"the manifest is not JSON ({err})") from None
    keys = {
        "format",
        "observation_space",
        "action_space",
        "hidden_sizes",
        "config",
        "versions",
        "weights",
    }
    if not isinstance(spec, dict) or set(spec) != keys or spec["format"] != _FORMAT:
        raise ValueError("the manifest does not describe a course_lib PPO agent")
    observation_space = _space_from_dict(spec["observation_space"], "observation space")
    if not isinstance(observation_space, gym.spaces.Box):
        raise ValueError("the observation space must be a Box")
    action_space = _space_from_dict(spec["action_space"], "action space")
    hidden = spec["hidden_sizes"]
    if not isinstance(hidden, list) or not all(type(h) is int for h in hidden):
        raise ValueError(f"hidden_sizes must be a list of integers, got {hidden!r}")
    hidden_sizes = check_hidden_sizes(hidden)
    discrete = isinstance(action_space, gym.spaces.Discrete)
    obs_dim = int(np.prod(observation_space.shape))
    act_dim = int(action_space.n) if discrete else int(np.prod(action_space.shape))
    expected = _expected_shapes(obs_dim, act_dim, hidden_sizes, discrete)
    declared = sum(math.prod(s) for s in expected.values())
    stored = sum(t.numel() for t in state_dict.values())
    if declared != stored or set(expected) != set(state_dict):
        raise ValueError(
            f"it declares hidden_sizes {list(hidden_sizes)}, {obs_dim} inputs and {act_dim} "
            f"actions ({declared:_} weights) but holds {stored:_} weights"
        )
    listed = [
        [name, str(t.dtype).removeprefix("torch."), list(t.shape)] for name, t in state_dict.items()
    ]
    if sorted(spec["weights"]) != sorted(listed):
        raise ValueError("the weights are not the ones the manifest lists (names, dtypes, shapes)")
    for name, shape in expected.items():
        tensor = state_dict[name]
        if tuple(tensor.shape) != shape or tensor.dtype != torch.float32:
            raise ValueError(
                f"weight {name} must be float32 of shape {list(shape)}, got "
                f"{str(tensor.dtype).removeprefix('torch.')} {list(tensor.shape)}"
            )
        if not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"weight {name} holds NaN or infinite values")
    if not discrete:
        for key, bound in (("action_low", action_space.low), ("action_high", action_space.high)):
            if not torch.equal(
                state_dict[key], torch.as_tensor(bound, dtype=torch.float32).reshape(-1)
            ):
                raise ValueError(f"{key} does not match the action space's bounds")
    config = _config(spec["config"], hidden_sizes)
    return _Parts(observation_space, action_space, hidden_sizes, config)


def _config(fields: object, hidden_sizes: tuple[int, ...]) -> PPOConfig | None:
    if fields is None:
        return None
    if not isinstance(fields, dict):
        raise ValueError("the config must be a table of PPOConfig fields")
    names = {f.name for f in dataclasses.fields(PPOConfig)}
    if set(fields) != names:
        odd = sorted(set(fields) ^ names)
        raise ValueError(f"the config's fields are not PPOConfig's (differences: {odd})")
    config = PPOConfig(**fields)  # validates itself: a bad value is a ValueError/TypeError
    if config.hidden_sizes != hidden_sizes:
        raise ValueError(
            f"the config declares hidden_sizes {list(config.hidden_sizes)} but the network has "
            f"{list(hidden_sizes)}"
        )
    return config


# ---------------------------------------------------------------------------------------
# save and load
# ---------------------------------------------------------------------------------------


def _check_path(path: object) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or pathlib.Path, got {type(path).__name__}")
    return Path(path)


def _temp_name(path: Path) -> Path:
    return path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files of earlier saves to ``path`` whose writer is gone (a ``kill -9``
    mid-save); a save still running in another process keeps its file."""
    ours = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]+\.tmp$")
    legacy = re.compile(rf"^\.{re.escape(path.name)}\.[A-Za-z0-9_]+\.tmp$")  # mkstemp's names
    for entry in path.parent.iterdir():
        match = ours.match(entry.name)
        if match:
            stale = not _alive(int(match.group(1)))
        elif legacy.match(entry.name):
            with contextlib.suppress(OSError):
                stale = time.time() - entry.stat().st_mtime > _STALE_SECONDS
        else:
            continue
        if stale:
            with contextlib.suppress(OSError):
                entry.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process has no save in flight to this path while it saves again
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process (or unknowable): leave its file alone
    return True


class MissingPathError(FileNotFoundError, ValueError):
    """A path that does not exist: a ``FileNotFoundError`` (what ``open`` would raise) that is
    also the ``ValueError`` of a bad argument, so either ``except`` catches it."""


class FolderPathError(IsADirectoryError, ValueError):
    """A folder where a file was meant: an ``IsADirectoryError`` that is also a ``ValueError``."""


def save(agent: ActorCritic, path: str | Path) -> Path:
    """Write the agent's weights, its spaces and its config (if any) to ``path``; returns the path.

    Atomic: the previous file at ``path`` (if any) is replaced only once the new one is
    completely on disk. Refuses (``ValueError``) an agent that :func:`load` would refuse.
    """
    if not isinstance(agent, ActorCritic):
        raise TypeError(f"agent must be an ActorCritic, got {type(agent).__name__}")
    path = _check_path(path)
    if not path.parent.is_dir():
        raise MissingPathError(
            f"path must be a file in an existing folder, got {str(path)!r}: "
            f"cannot save to {path}: the folder {path.parent} does not exist"
        )
    if path.is_dir():
        raise FolderPathError(
            f"path must name a file, got {str(path)!r}: cannot save to {path}: it is a folder, "
            "give a file name"
        )
    state_dict = {k: v.detach().cpu().contiguous().clone() for k, v in agent.state_dict().items()}
    manifest = _manifest(agent, state_dict)
    try:
        _parts(manifest, state_dict)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"agent must be one that load() accepts, got one that it does not (load() would "
            f"refuse it: {err})"
        ) from err
    estimate = sum(t.numel() * t.element_size() for t in state_dict.values()) + len(manifest)
    if estimate + _OVERHEAD_BYTES > MAX_CHECKPOINT_BYTES:
        raise ValueError(
            f"cannot save this agent: its file would be about {estimate:_} bytes, over the "
            f"checkpoint limit of {MAX_CHECKPOINT_BYTES:_} bytes that load() accepts"
        )
    payload = {
        "format": _FORMAT,
        "manifest": manifest,
        "state_dict": state_dict,
        "sha256": _payload_digest(manifest, state_dict),
    }
    _remove_stale_temporaries(path)
    tmp = _temp_name(path)
    try:
        with open(tmp, "xb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename makes it visible
        size = tmp.stat().st_size
        if size > MAX_CHECKPOINT_BYTES:
            raise ValueError(
                f"cannot save this agent: its file is {size:_} bytes, over the checkpoint "
                f"limit of {MAX_CHECKPOINT_BYTES:_} bytes that load() accepts"
            )
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)
    return path


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def load(path: str | Path, *, device: str = "cpu") -> ActorCritic:
    """Load an agent written by :func:`save` (``torch.load(..., weights_only=True)``: tensors and plain data only).

    Raises ``TypeError``/``ValueError`` for a bad ``path`` or ``device`` argument,
    ``FileNotFoundError`` if there is no file, ``IsADirectoryError`` for a folder, and
    ``ValueError`` if the file is corrupt, not a checkpoint of this format, altered since it
    was saved (checksum over the whole manifest and the weights), declares sizes beyond the
    limits, holds NaN weights, or its weights do not fit the network it describes.
    """
    path = _check_path(path)
    target = check_device(device)  # a bad device is the caller's mistake, not a corrupt file
    if path.is_dir():
        raise FolderPathError(
            f"path must be a checkpoint file, got {str(path)!r}: {path} is a folder, not a "
            "checkpoint file"
        )
    if not path.is_file():
        raise MissingPathError(
            f"path must be a checkpoint file, got {str(path)!r}: no checkpoint file at {path}"
        )
    size = path.stat().st_size
    if size > MAX_CHECKPOINT_BYTES:
        raise ValueError(
            f"path must be a checkpoint file within the size limit, got {path} of {size:_} "
            f"bytes, over the checkpoint limit of {MAX_CHECKPOINT_BYTES:_} bytes"
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a truncated zip, random bytes, a pickle with arbitrary objects...
        raise ValueError(
            f"path must be a checkpoint written by course_lib.checkpoints.save, got {path}, "
            f"which is not a readable checkpoint (corrupt, or not written by it): {err}"
        ) from err
    if isinstance(payload, dict) and payload.get("format") in _OLD_FORMATS:
        raise ValueError(
            f"{path} was saved by an older course_lib whose checksum covers only the weights; "
            "load it with that version and save it again"
        )
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError(
            f"path must be a checkpoint file written by save(), got {path}, which is not a "
            f"course_lib PPO checkpoint (expected format {_FORMAT!r})"
        )
    manifest, state_dict = _verified(path, payload)
    try:
        parts = _parts(manifest, state_dict)
        agent = ActorCritic(parts.observation_space, parts.action_space, parts.hidden_sizes)
        agent.load_state_dict(state_dict)
        agent.config = parts.config
    except (KeyError, RuntimeError, TypeError, ValueError) as err:
        raise ValueError(
            f"{path}: the checkpoint does not match the network it describes: {err}"
        ) from err
    return agent.to(target)


def _verified(path: Path, payload: dict[str, Any]) -> tuple[str, dict[str, torch.Tensor]]:
    """The manifest and the weights, if the payload holds exactly them and their SHA-256
    matches the stored one."""
    if set(payload) != _PAYLOAD_KEYS:
        raise ValueError(f"{path}: the checkpoint's entries are not {sorted(_PAYLOAD_KEYS)}")
    manifest, state_dict, stored = payload["manifest"], payload["state_dict"], payload["sha256"]
    if not isinstance(state_dict, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state_dict.items()
    ):
        raise ValueError(f"{path}: the checkpoint's state_dict is not a dict of named tensors")
    if not isinstance(manifest, str) or not isinstance(stored, str):
        raise ValueError(f"{path}: the checkpoint has no manifest or no checksum (sha256)")
    try:
        weights = json.loads(manifest)["weights"]
        listed = [name for name, _, _ in weights if isinstance(name, str)]
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"{path}: checksum mismatch: the manifest was altered") from None
    if sorted(listed) != sorted(state_dict):
        raise ValueError(
            f"{path}: checksum mismatch: the weights are not the ones the manifest lists"
        )
    try:
        actual = _payload_digest(manifest, state_dict)
    except (RuntimeError, TypeError, ValueError) as err:  # a tensor the file describes oddly
        raise ValueError(f"{path}: the weights cannot be read ({err})") from err
    if actual != stored:
        raise ValueError(
            f"{path}: checksum mismatch: the checkpoint (its config, spaces or weights) was "
            f"altered or corrupted after saving (stored sha256 {stored[:12]}…, computed "
            f"{actual[:12]}…)"
        )
    return manifest, state_dict
