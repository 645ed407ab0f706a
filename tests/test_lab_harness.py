"""The JupyterLab server of the real-browser tests (tests/browser/lab.py), checked without a
browser or a server: what its command line, environment and private folder hold.

The same server, started for real, is checked in tests/browser/test_lab_server.py.
"""

from __future__ import annotations

import importlib.util
import json
import stat
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("browser_lab", ROOT / "tests" / "browser" / "lab.py")
lab = importlib.util.module_from_spec(_spec)
sys.modules["browser_lab"] = lab  # dataclasses look their module up by name
_spec.loader.exec_module(lab)

TOKEN = "0123456789abcdef0123456789abcdef"


def _server(tmp_path: Path, port: int = 18888):
    return lab.LabServer([], workdir=tmp_path / "lab", port=port, token=TOKEN)


def test_command_line_holds_no_token(tmp_path):
    # Any user on the machine reads a process's arguments in `ps`.
    command = _server(tmp_path).command()
    assert not [arg for arg in command if TOKEN in arg or "token" in arg.lower()]


def test_command_line_binds_exactly_the_chosen_port(tmp_path):
    command = _server(tmp_path, port=18901).command()
    assert command[command.index("--port") + 1] == "18901"
    assert "--ServerApp.port_retries=0" in command
    assert command[command.index("--ip") + 1] == "127.0.0.1"


def test_environment_holds_no_token_and_points_jupyter_into_the_private_folder(tmp_path):
    server = _server(tmp_path)
    env = server.environment()
    assert not [k for k, v in env.items() if TOKEN in v]
    for var, sub in lab.PRIVATE_DIRS.items():
        assert env[var] == str(server.workdir / sub)
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"


def test_token_is_in_the_private_server_config(tmp_path):
    server = _server(tmp_path)
    server.workdir.mkdir()
    server._write_config()
    config = json.loads((server.workdir / "config" / "jupyter_server_config.json").read_text())
    assert config == {"IdentityProvider": {"token": TOKEN}}
    assert TOKEN in server.url("00_start_here.ipynb")  # the browser still needs it


def test_default_folder_is_private_and_removed(tmp_path):
    server = lab.LabServer([])  # a fresh temporary folder
    try:
        mode = stat.S_IMODE(server.workdir.stat().st_mode)
        assert mode == 0o700, f"{server.workdir} has mode {oct(mode)}: others could read the token"
        server._write_config()
        assert (server.workdir / "config").is_dir()
    finally:
        server.remove()
    assert not server.workdir.exists()
