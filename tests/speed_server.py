"""A local speed test server with a known throughput cap per connection.

It speaks Cloudflare's protocol (``GET /__down?bytes=N``, ``POST /__up``) and
paces every response and every request body to ``rate`` bytes a second, so a
test knows the throughput one stream can reach and what several can.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

CHUNK = 64 * 1024


def speed_app(rate: float) -> web.Application:
    """The server, ``rate`` bytes/s per connection."""

    async def pace(moved: int, start: float) -> None:
        ahead = moved / rate - (time.monotonic() - start)
        if ahead > 0:
            await asyncio.sleep(ahead)

    async def down(request: web.Request) -> web.StreamResponse:
        size = int(request.query.get("bytes", "0"))
        response = web.StreamResponse()
        response.content_length = size
        await response.prepare(request)
        sent, start = 0, time.monotonic()
        while sent < size:
            piece = min(CHUNK, size - sent)
            await response.write(bytes(piece))
            sent += piece
            await pace(sent, start)
        await response.write_eof()
        return response

    async def up(request: web.Request) -> web.Response:
        received, start = 0, time.monotonic()
        async for chunk in request.content.iter_chunked(CHUNK):
            received += len(chunk)
            await pace(received, start)
        return web.Response(text=str(received))

    app = web.Application(client_max_size=1 << 30)
    app.router.add_get("/__down", down)
    app.router.add_post("/__up", up)
    return app
