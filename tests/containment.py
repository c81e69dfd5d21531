"""Tests never send a packet beyond this machine: the suite runs where no route leads out.

``scripts/test`` runs pytest through ``scripts/contained`` (a network namespace
with loopback only). Before the first test, the session checks that it is
inside one: a UDP ``connect`` to outside addresses must fail with "Network is
unreachable" (a UDP connect only looks the route up; it sends nothing). If a
route exists, the session stops before any test runs, unless the developer
says ``HOMESENTRY_ALLOW_NETWORK=1`` (no root on a laptop, say).
"""

from __future__ import annotations

import errno
import os
import socket

# Public resolvers, private ranges and a public IPv6 address: none may have a route.
OUTSIDE = ("1.1.1.1", "8.8.8.8", "9.9.9.9", "10.0.0.1", "172.16.0.1", "192.168.1.1", "2606:4700:4700::1111")


def routes_out() -> list[str]:
    """The outside addresses this process has a route to (an empty list inside the namespace)."""
    reachable = []
    for address in OUTSIDE:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect((address, 53))
            except OSError as err:
                if err.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                    continue
                raise
            reachable.append(address)
    return reachable


def refusal() -> str | None:
    """Why the session may not start here, or None."""
    if os.environ.get("HOMESENTRY_ALLOW_NETWORK") == "1":
        return None
    if reachable := routes_out():
        return (
            f"this session has routes out of the machine ({', '.join(reachable)}): run the suite through "
            "scripts/test (it uses scripts/contained), or set HOMESENTRY_ALLOW_NETWORK=1 knowingly"
        )
    return None
