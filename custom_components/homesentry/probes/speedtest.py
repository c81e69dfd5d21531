"""Download and upload throughput, idle and loaded latency, over parallel streams.

It speaks the protocol of Cloudflare's speed test (``GET {base}/__down?bytes=N``
sends N bytes, ``POST {base}/__up`` swallows a body), which any small HTTP
server can offer too. Each direction runs ``streams`` transfers at once, so a
multi-gigabit line is not held to one TCP stream's speed, and stops at
whichever comes first: ``max_bytes`` in all (split over the streams) or
``max_seconds``. Throughput is the bytes moved divided by the time from the
first request to the last byte. Latency is the median time of an empty
request: idle before the transfers, loaded while the download runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass
import statistics
import time

import aiohttp

_CHUNK = 64 * 1024


class SpeedTestError(Exception):
    """The test could not run or finish."""


@dataclass(frozen=True, slots=True)
class SpeedTestResult:
    """What one speed test measured."""

    download_bps: float
    upload_bps: float
    idle_latency_ms: float | None
    loaded_latency_ms: float | None
    downloaded_bytes: int
    uploaded_bytes: int
    streams: int
    finished: float
    """Wall-clock time (epoch seconds) the test finished."""


async def run_speed_test(
    session: aiohttp.ClientSession,
    base_url: str,
    *,
    streams: int = 4,
    max_download_bytes: int = 100_000_000,
    max_upload_bytes: int = 25_000_000,
    max_seconds: float = 10.0,
    latency_samples: int = 5,
) -> SpeedTestResult:
    """Measure the line against ``base_url``; raises SpeedTestError."""
    base = base_url.rstrip("/")
    try:
        idle = [await _latency(session, base) for _ in range(latency_samples)]
        loaded: list[float] = []
        downloaded, down_seconds = await _with_probe(
            _parallel(
                streams,
                max_download_bytes,
                max_seconds,
                lambda share, deadline: _download(session, base, share, deadline),
            ),
            session,
            base,
            loaded,
        )
        uploaded, up_seconds = await _parallel(
            streams, max_upload_bytes, max_seconds, lambda share, deadline: _upload(session, base, share, deadline)
        )
    except (aiohttp.ClientError, TimeoutError, ValueError) as err:
        raise SpeedTestError(str(err) or type(err).__name__) from err
    return SpeedTestResult(
        download_bps=downloaded * 8 / down_seconds,
        upload_bps=uploaded * 8 / up_seconds,
        idle_latency_ms=statistics.median(idle) if idle else None,
        loaded_latency_ms=statistics.median(loaded) if loaded else None,
        downloaded_bytes=downloaded,
        uploaded_bytes=uploaded,
        streams=streams,
        finished=time.time(),
    )


async def _latency(session: aiohttp.ClientSession, base: str) -> float:
    start = time.perf_counter()
    async with session.get(f"{base}/__down", params={"bytes": "0"}, timeout=aiohttp.ClientTimeout(total=5)) as resp:
        resp.raise_for_status()
        await resp.read()
    return (time.perf_counter() - start) * 1000.0


async def _with_probe(
    transfer: Awaitable[tuple[int, float]], session: aiohttp.ClientSession, base: str, samples: list[float]
) -> tuple[int, float]:
    """Run ``transfer`` while timing empty requests into ``samples``."""

    async def probe() -> None:
        while True:
            await asyncio.sleep(0.2)
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                samples.append(await _latency(session, base))

    task = asyncio.create_task(probe())
    try:
        return await transfer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _parallel(
    streams: int, budget: int, max_seconds: float, stream: Callable[[int, float], Awaitable[int]]
) -> tuple[int, float]:
    """Run ``streams`` transfers sharing ``budget`` bytes; (bytes, seconds)."""
    start = time.perf_counter()
    deadline = time.monotonic() + max_seconds
    share = max(budget // streams, 1)
    async with asyncio.timeout(max_seconds + 5):
        moved = await asyncio.gather(*(stream(share, deadline) for _ in range(streams)))
    return sum(moved), max(time.perf_counter() - start, 1e-6)


async def _download(session: aiohttp.ClientSession, base: str, share: int, deadline: float) -> int:
    received = 0
    async with session.get(f"{base}/__down", params={"bytes": str(share)}) as resp:
        resp.raise_for_status()
        async for chunk in resp.content.iter_chunked(_CHUNK):
            received += len(chunk)
            if received >= share or time.monotonic() >= deadline:
                break
    return min(received, share)


async def _upload(session: aiohttp.ClientSession, base: str, share: int, deadline: float) -> int:
    sent = 0
    block = bytes(_CHUNK)

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        while sent < share and time.monotonic() < deadline:
            piece = block[: min(_CHUNK, share - sent)]
            sent += len(piece)
            yield piece

    async with session.post(f"{base}/__up", data=body()) as resp:
        resp.raise_for_status()
        await resp.read()
    return sent
