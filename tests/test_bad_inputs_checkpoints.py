"""Bad input to save and load (the file-level attacks are in tests/test_checkpoints.py).

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bad_inputs import (
    AGENT,
    Lazy,
    T,
    V,
    registry,
    sweep,
)

from course_lib import (
    checkpoints,
)

CASES, case = registry()


_TMP = tempfile.gettempdir()
JUNK = Lazy(lambda: _write(Path(tempfile.mkdtemp()) / "junk.pt", b"not a checkpoint"))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


for _name, _call, _error, _frag in [
    (
        "load-none",
        lambda: checkpoints.load(None),
        T,
        "path must be a str or pathlib.Path, got NoneType",
    ),  # fmt: skip
    ("load-int", lambda: checkpoints.load(3), T, "path must be a str or pathlib.Path, got int"),
    (
        "load-missing",
        lambda: checkpoints.load("/no/such/file.pt"),
        FileNotFoundError,
        "no checkpoint file at /no/such/file.pt",
    ),  # fmt: skip
    (
        "load-folder",
        lambda: checkpoints.load(_TMP),
        IsADirectoryError,
        "is a folder, not a checkpoint file",
    ),  # fmt: skip
    (
        "load-device-gpu",
        lambda: checkpoints.load("/no/such/file.pt", device="gpu"),
        V,
        "device must be a torch device string such as 'cpu' or 'cuda', got 'gpu'",
    ),  # fmt: skip
    (
        "load-device-int",
        lambda: checkpoints.load("/no/such/file.pt", device=1),
        T,
        "device must be a torch device string",
    ),  # fmt: skip
    ("load-junk", lambda: checkpoints.load(JUNK()), V, "is not a readable checkpoint"),
    (
        "save-agent",
        lambda: checkpoints.save("agent", Path(_TMP) / "a.pt"),
        T,
        "agent must be an ActorCritic, got str",
    ),  # fmt: skip
    (
        "save-no-folder",
        lambda: checkpoints.save(AGENT(), "/no/such/dir/a.pt"),
        FileNotFoundError,
        "the folder /no/such/dir does not exist",
    ),  # fmt: skip
    (
        "save-path-none",
        lambda: checkpoints.save(AGENT(), None),
        T,
        "path must be a str or pathlib.Path, got NoneType",
    ),  # fmt: skip
    (
        "save-folder",
        lambda: checkpoints.save(AGENT(), _TMP),
        IsADirectoryError,
        "it is a folder, give a file name",
    ),  # fmt: skip
]:
    case(f"checkpoints-{_name}", _call, _error, _frag)

test_bad_input_gives_a_clear_error = sweep(CASES)
