"""A UPS through a NUT server (upsd), with aionut as Home Assistant's own nut integration.

``ups.status`` is a list of flags (``OL CHRG``, ``OB LB``, ...); the UPS's
state is the most serious of them. Watts come from ``ups.realpower`` where the
UPS measures it, else are estimated from apparent power or from the load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from aionut import AIONUTClient, NUTCommandError, NUTError, NUTLoginError

# A typical line-interactive UPS's power factor, for ups.power (VA) without ups.realpower.
DEFAULT_POWER_FACTOR: Final = 0.6


class UpsState(StrEnum):
    """The UPS's state: the most serious flag of ``ups.status``."""

    FORCED_SHUTDOWN = "forced_shutdown"
    LOW_BATTERY = "low_battery"
    ON_BATTERY = "on_battery"
    OVERLOAD = "overload"
    REPLACE_BATTERY = "replace_battery"
    BYPASS = "bypass"
    CALIBRATING = "calibrating"
    OFF = "off"
    CHARGING = "charging"
    TRIM = "trim"
    BOOST = "boost"
    ONLINE = "online"
    UNKNOWN = "unknown"


# Flags of ups.status (NUT's docs/new-drivers.txt), most serious first.
_FLAGS: Final[dict[str, UpsState]] = {
    "FSD": UpsState.FORCED_SHUTDOWN,
    "LB": UpsState.LOW_BATTERY,
    "OB": UpsState.ON_BATTERY,
    "OVER": UpsState.OVERLOAD,
    "RB": UpsState.REPLACE_BATTERY,
    "BYPASS": UpsState.BYPASS,
    "CAL": UpsState.CALIBRATING,
    "OFF": UpsState.OFF,
    "CHRG": UpsState.CHARGING,
    "TRIM": UpsState.TRIM,
    "BOOST": UpsState.BOOST,
    "OL": UpsState.ONLINE,
}


class WattsSource(StrEnum):
    """Where the watts figure comes from."""

    MEASURED = "measured"  # ups.realpower
    APPARENT_POWER = "apparent_power"  # ups.power x power factor
    LOAD = "load"  # ups.load % x ups.realpower.nominal


def decode_status(text: str) -> tuple[frozenset[str], UpsState]:
    """The flags of ``ups.status`` and the state they amount to."""
    flags = frozenset(text.split())
    state = next((state for flag, state in _FLAGS.items() if flag in flags), UpsState.UNKNOWN)
    return flags, state


def _float(variables: Mapping[str, str], name: str) -> float | None:
    try:
        return float(variables[name])
    except KeyError, ValueError:
        return None


def ups_watts(
    variables: Mapping[str, str], power_factor: float = DEFAULT_POWER_FACTOR
) -> tuple[float | None, WattsSource | None]:
    """The UPS's output in watts, and how it was found."""
    if (real := _float(variables, "ups.realpower")) is not None:
        return real, WattsSource.MEASURED
    if (apparent := _float(variables, "ups.power")) is not None:
        return round(apparent * power_factor, 1), WattsSource.APPARENT_POWER
    load, nominal = _float(variables, "ups.load"), _float(variables, "ups.realpower.nominal")
    if load is not None and nominal is not None:
        return round(load / 100 * nominal, 1), WattsSource.LOAD
    return None, None


@dataclass(frozen=True, slots=True)
class UpsReading:
    """One UPS as upsd reports it."""

    variables: Mapping[str, str]
    flags: frozenset[str]
    state: UpsState
    watts: float | None
    watts_source: WattsSource | None
    commands: frozenset[str]

    def number(self, name: str) -> float | None:
        """A numeric variable, if the UPS reports it."""
        return _float(self.variables, name)


class UpsError(Exception):
    """The UPS cannot be read; the subclass says why."""


class UpsNotFound(UpsError):
    """upsd has no UPS of that name."""


class UpsDriverDown(UpsError):
    """upsd runs, but the UPS's driver does not answer (stale data)."""


class UpsLoginFailed(UpsError):
    """The user name or password is wrong, or the user may not run that command."""


class UpsUnreachable(UpsError):
    """Nothing answers at the address."""


def _ups_error(err: NUTError) -> UpsError:
    text = str(err)
    if isinstance(err, NUTLoginError) or "ACCESS-DENIED" in text or "PASSWORD" in text or "USERNAME" in text:
        return UpsLoginFailed(text)
    if "UNKNOWN-UPS" in text:
        return UpsNotFound(text)
    if "DRIVER-NOT-CONNECTED" in text or "DATA-STALE" in text:
        return UpsDriverDown(text)
    if isinstance(err, NUTCommandError):
        return UpsError(text)
    return UpsUnreachable(text)


async def list_ups(client: AIONUTClient) -> dict[str, str]:
    """The UPSes the server has, with their descriptions."""
    try:
        return await client.list_ups()
    except NUTError as err:
        raise _ups_error(err) from err


async def read_ups(client: AIONUTClient, ups: str, power_factor: float = DEFAULT_POWER_FACTOR) -> UpsReading:
    """Every variable of ``ups``, decoded; ``UpsDriverDown`` while the driver is starting or gone."""
    try:
        variables = await client.list_vars(ups)
        commands = await client.list_commands(ups)
    except NUTError as err:
        raise _ups_error(err) from err
    flags, state = decode_status(variables.get("ups.status", ""))
    if "WAIT" in flags:
        raise UpsDriverDown(f"{ups}: the driver is not ready (WAIT)")
    watts, source = ups_watts(variables, power_factor)
    return UpsReading(variables, flags, state, watts, source, frozenset(commands))


async def run_command(client: AIONUTClient, ups: str, command: str) -> None:
    """Run an instant command (needs a user with ``instcmds`` in upsd.users)."""
    try:
        await client.run_command(ups, command)
    except NUTError as err:
        raise _ups_error(err) from err
