"""The suite is contained: nothing it starts can reach an address beyond this machine."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

import pytest

from .containment import OUTSIDE

ROOT = Path(__file__).resolve().parent.parent


def test_no_route_leads_out_of_the_machine() -> None:
    # Asked of the kernel in a process of its own: pytest-socket's Python-level guard is not what is tested.
    script = "import sys; sys.path.insert(0, '.'); from tests.containment import routes_out; print(routes_out())"
    answer = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert answer.stdout.strip() == "[]"
    assert set(OUTSIDE) >= {"1.1.1.1", "8.8.8.8", "2606:4700:4700::1111"}


@pytest.mark.parametrize("address", ["1.1.1.1", "8.8.8.8", "192.168.1.1"])
def test_a_child_process_has_no_route_out_either(address: str) -> None:
    # What Home Assistant's process, ping and the browser inherit: the kernel has no route for them.
    answer = subprocess.run(["ip", "route", "get", address], capture_output=True, text=True, check=False)
    assert answer.returncode != 0
    assert "unreachable" in answer.stderr.lower()


def test_loopback_still_works(socket_enabled: None) -> None:
    assert "127.0.0.1" not in OUTSIDE
    import socket

    with socket.create_server(("127.0.0.1", 0)) as server, socket.create_connection(server.getsockname()) as client:
        peer, _ = server.accept()
        client.sendall(b"ok")
        assert peer.recv(2) == b"ok"
        peer.close()
