"""The NUT probe against a real upsd with the dummy-ups driver (tests/peers.py: NutServer)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aionut import AIONUTClient
import pytest

from custom_components.homesentry.probes.ups import (
    UpsDriverDown,
    UpsLoginFailed,
    UpsNotFound,
    UpsState,
    UpsUnreachable,
    WattsSource,
    decode_status,
    list_ups,
    read_ups,
    run_command,
    ups_watts,
)

from ..peers import NutServer, free_port


@pytest.fixture
async def client(nut: NutServer) -> AsyncIterator[AIONUTClient]:
    nut_client = AIONUTClient("127.0.0.1", nut.port, nut.user, nut.password)
    yield nut_client
    nut_client.shutdown()


async def _until_state(client: AIONUTClient, state: UpsState) -> None:
    for _ in range(50):  # the driver re-reads its file every 2 s
        if (await read_ups(client, "ups")).state == state:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"never {state}")


async def test_online_on_battery_low_battery_and_back(nut: NutServer, client: AIONUTClient) -> None:
    assert await list_ups(client) == {"ups": "test UPS"}
    reading = await read_ups(client, "ups")
    assert reading.state == UpsState.ONLINE
    assert (reading.watts, reading.watts_source) == (180.0, WattsSource.MEASURED)
    assert reading.number("battery.charge") == 100
    assert reading.number("ups.load") == 23
    assert reading.number("input.voltage") == 230.0
    assert reading.commands == {"load.off"}  # what dummy-ups offers

    nut.write(ups_status="OB DISCHRG", battery_charge="80", battery_runtime="1500")
    await _until_state(client, UpsState.ON_BATTERY)
    nut.write(ups_status="OB LB")
    await _until_state(client, UpsState.LOW_BATTERY)
    reading = await read_ups(client, "ups")
    assert reading.flags == {"OB", "LB"}
    nut.write(ups_status="OL CHRG")
    await _until_state(client, UpsState.CHARGING)


async def test_commands_need_a_login_with_rights(nut: NutServer, client: AIONUTClient) -> None:
    await run_command(client, "ups", "load.off")
    wrong = AIONUTClient("127.0.0.1", nut.port, nut.user, "wrong")
    try:
        await read_ups(wrong, "ups")  # reading needs no login: upsd checks the password on commands
        with pytest.raises(UpsLoginFailed):
            await run_command(wrong, "ups", "load.off")
    finally:
        wrong.shutdown()


async def test_errors_a_user_can_act_on(nut: NutServer, client: AIONUTClient) -> None:
    with pytest.raises(UpsNotFound):
        await read_ups(client, "nope")
    closed = AIONUTClient("127.0.0.1", free_port("127.0.0.1"), timeout=2)
    try:
        with pytest.raises(UpsUnreachable):
            await read_ups(closed, "ups")
    finally:
        closed.shutdown()
    nut.stop_driver()
    with pytest.raises(UpsDriverDown):
        await _read_until_it_fails(client)
    nut.start_driver()
    for _ in range(50):
        try:
            assert (await read_ups(client, "ups")).state == UpsState.ONLINE
            break
        except UpsDriverDown:
            await asyncio.sleep(0.2)
    else:
        raise AssertionError("the driver never came back")


async def _read_until_it_fails(client: AIONUTClient) -> None:
    for _ in range(30):
        await read_ups(client, "ups")
        await asyncio.sleep(0.2)


def test_status_flags_and_watts_fallbacks() -> None:
    assert decode_status("OL") == (frozenset({"OL"}), UpsState.ONLINE)
    assert decode_status("OB LB")[1] == UpsState.LOW_BATTERY
    assert decode_status("OL RB")[1] == UpsState.REPLACE_BATTERY
    assert decode_status("OL OVER")[1] == UpsState.OVERLOAD
    assert decode_status("FSD OB LB")[1] == UpsState.FORCED_SHUTDOWN
    assert decode_status("")[1] == UpsState.UNKNOWN
    assert ups_watts({"ups.realpower": "180", "ups.power": "400"}) == (180.0, WattsSource.MEASURED)
    assert ups_watts({"ups.power": "400"}) == (240.0, WattsSource.APPARENT_POWER)
    assert ups_watts({"ups.load": "25", "ups.realpower.nominal": "420"}) == (105.0, WattsSource.LOAD)
    assert ups_watts({"ups.load": "25"}) == (None, None)
