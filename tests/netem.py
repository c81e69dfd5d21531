"""Delay packets of an NFQUEUE queue: the link emulator of the network tests.

This kernel has no netem, so delay is done in user space: every packet the
queue receives is held for ``base`` ms (plus a uniform random ``jitter`` ms
either way) and then accepted. Packets are released by a worker thread in due
order, so a slow packet does not hold up the ones behind it.

Usage: python netem.py QUEUE BASE_MS JITTER_MS (prints "ready" when bound).
"""

from __future__ import annotations

import heapq
import itertools
import random
import sys
import threading
import time
from typing import Any

from netfilterqueue import NetfilterQueue


def main() -> None:
    """Bind the queue and hold each packet."""
    queue, base, jitter = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    due: list[tuple[float, int, Any]] = []
    ready = threading.Condition()
    order = itertools.count()

    def release() -> None:
        while True:
            with ready:
                while not due:
                    ready.wait()
                when, _, packet = due[0]
                wait = when - time.monotonic()
                if wait > 0:
                    ready.wait(wait)
                    continue
                heapq.heappop(due)
            packet.accept()

    def hold(packet: Any) -> None:
        packet.retain()
        delay = max(base + (random.uniform(-jitter, jitter) if jitter else 0.0), 0.0) / 1000.0
        with ready:
            heapq.heappush(due, (time.monotonic() + delay, next(order), packet))
            ready.notify()

    threading.Thread(target=release, daemon=True).start()
    nfqueue = NetfilterQueue()
    nfqueue.bind(queue, hold)
    print("ready", flush=True)
    try:
        nfqueue.run()
    finally:
        nfqueue.unbind()


if __name__ == "__main__":
    main()
