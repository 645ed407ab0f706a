"""The harness's JupyterLab server, started for real (no browser): it serves the port it was
given or fails, its token shows in neither its command line nor its environment, and its
temporary folder is gone after :meth:`LabServer.remove`. Linux only (reads /proc)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .lab import LabServer


def _status(server: LabServer, token: str | None) -> int:
    headers = {"Authorization": f"token {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/status", headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_server_serves_its_port_keeps_its_token_private_and_cleans_up():
    server = LabServer([])
    try:
        server.start()
        proc = Path(f"/proc/{server.proc.pid}")
        assert server.token.encode() not in (proc / "cmdline").read_bytes()
        assert server.token.encode() not in (proc / "environ").read_bytes()
        assert _status(server, server.token) == 200
        assert _status(server, None) == 403
    finally:
        server.stop()
        server.remove()
    assert not server.workdir.exists()


def test_taken_port_fails_instead_of_moving_to_another():
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        server = LabServer([], port=squatter.getsockname()[1])
        try:
            with pytest.raises(RuntimeError, match="exited"):
                server.start()
            assert "is not available" in server.log_tail()
        finally:
            server.stop()
            server.remove()
