"""Speed test against a local aiohttp server with a known per-connection cap."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
import pytest

from custom_components.homesentry.probes.speedtest import SpeedTestError, run_speed_test

from ..speed_server import speed_app

RATE = 2_000_000  # bytes per second per connection


@pytest.fixture
async def server(lab_sockets: None) -> AsyncIterator[str]:
    """The capped server on a loopback port."""
    runner = web.AppRunner(speed_app(RATE))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_parallel_streams_are_not_held_to_one_stream(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        four = await run_speed_test(
            session, server, streams=4, max_download_bytes=6_000_000, max_upload_bytes=3_000_000, max_seconds=10
        )
        one = await run_speed_test(
            session, server + "/", streams=1, max_download_bytes=1_500_000, max_upload_bytes=750_000, max_seconds=10
        )
    cap = RATE * 8
    assert four.download_bps == pytest.approx(4 * cap, rel=0.15)
    assert four.upload_bps == pytest.approx(4 * cap, rel=0.2)
    assert one.download_bps == pytest.approx(cap, rel=0.15)
    assert (four.downloaded_bytes, four.uploaded_bytes) == (6_000_000, 3_000_000)  # never more than the budget
    assert four.idle_latency_ms is not None
    assert four.idle_latency_ms < 50
    assert four.loaded_latency_ms is not None
    assert four.streams == 4


async def test_a_slow_line_stops_at_the_time_limit(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        result = await run_speed_test(
            session, server, streams=2, max_download_bytes=100_000_000, max_upload_bytes=100_000_000, max_seconds=0.5
        )
    assert result.downloaded_bytes < 2 * RATE * 0.5 * 1.5
    assert result.download_bps == pytest.approx(2 * RATE * 8, rel=0.3)


async def test_no_server_is_a_speed_test_error(lab_sockets: None) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(SpeedTestError):
            await run_speed_test(session, "http://127.0.0.1:1", max_seconds=1)
