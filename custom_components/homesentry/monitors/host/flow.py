"""The steps of This server: its name (the machine is the one Home Assistant runs on), and its options."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
import socket
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import (
    CONF_NAME,
)
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio

from ... import world
from ...const import CONF_KIND, CONF_POWER, CONF_SCAN_INTERVAL, MACHINE_AUTO, MonitorKind
from ...health import CONF_HEALTH
from ...probes.filesystems import Mount, list_mounts
from ...probes.host import read_machine_id
from ...probes.network import list_interfaces, local_macs, physical_interfaces
from ...probes.power_model import MachineClass
from ..flow import (
    FormFields,
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
    health_now,
    health_options,
    health_schema,
    invalid_name,
    number,
)
from .const import (
    CONF_HDD_ACTIVE_WATTS,
    CONF_HDD_IDLE_WATTS,
    CONF_IDLE_WATTS,
    CONF_INTERFACES,
    CONF_MACHINE_CLASS,
    CONF_MACHINE_ID,
    CONF_MAX_WATTS,
    CONF_MOUNTS,
    CONF_POWER_ENTITY,
    CONF_PRICE,
    CONF_PRICE_ENTITY,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .options import DEFAULT_HOST_OPTIONS, DEFAULT_POWER_OPTIONS


def _host_unique_id(machine_id: str) -> str:
    return f"{MonitorKind.HOST}_{machine_id}"


def _name_schema(default: str) -> probatio.Schema:
    return probatio.Schema({probatio.Required(CONF_NAME, default=default): TextSelector()})


class HostConfigFlow(MonitorConfigFlow):
    """Add This server; rename it."""

    async def async_step_host(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Monitor the machine Home Assistant runs on."""
        machine_id = await self.hass.async_add_executor_job(read_machine_id, world.ETC_ROOT)
        await self.async_set_unique_id(_host_unique_id(machine_id))
        self._abort_if_unique_id_configured()
        # Its node_exporter, added as a Remote server: an entry with one of its MACs' ids, or its hostname's.
        from ..remote.identity import known_as  # noqa: PLC0415  (the Remote server's flow takes This server's steps)

        remote = known_as(socket.gethostname(), await self.hass.async_add_executor_job(local_macs, world.SYSFS_ROOT))
        if any(entry.unique_id in remote for entry in self._async_current_entries()):
            return self.async_abort(reason="watched_as_remote")
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_NAME]).strip()
            if name_error := invalid_name(name):
                errors[CONF_NAME] = name_error
            else:
                interfaces = await self.hass.async_add_executor_job(physical_interfaces, world.SYSFS_ROOT)
                return self.async_create_entry(
                    title=name,
                    data={CONF_KIND: MonitorKind.HOST.value, CONF_NAME: name, CONF_MACHINE_ID: machine_id},
                    options={CONF_SCAN_INTERVAL: DEFAULT_HOST_OPTIONS[CONF_SCAN_INTERVAL], CONF_INTERFACES: interfaces},
                )
        return self.async_show_form(step_id="host", data_schema=_name_schema(socket.gethostname()), errors=errors)

    async def async_reconfigure_host(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A new name for the server (the machine must be the same)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            machine_id = await self.hass.async_add_executor_job(read_machine_id, world.ETC_ROOT)
            await self.async_set_unique_id(_host_unique_id(machine_id))
            self._abort_if_unique_id_mismatch(reason="different_machine")
            name = str(user_input[CONF_NAME]).strip()
            if name_error := invalid_name(name):
                errors[CONF_NAME] = name_error
            else:
                return self.async_update_reload_and_abort(entry, title=name, data_updates={CONF_NAME: name})
        return self.async_show_form(step_id="reconfigure", data_schema=_name_schema(entry.title), errors=errors)


class HostOptionsFlow(MonitorOptionsFlow):
    """The interval, interfaces, filesystems, power and health of This server."""

    async def async_step_host(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Update interval, interfaces and filesystems of a monitored server."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                    CONF_INTERFACES: list(user_input.get(CONF_INTERFACES, [])),
                    CONF_MOUNTS: list(user_input.get(CONF_MOUNTS, [])),
                    CONF_POWER: power_options(user_input.get(CONF_POWER, {})),
                    CONF_HEALTH: health_options(user_input.get(CONF_HEALTH)),
                }
            )
        options = self.config_entry.options
        available = await self.hass.async_add_executor_job(list_interfaces, world.SYSFS_ROOT)
        chosen = list(options.get(CONF_INTERFACES, []))
        mountinfo = world.PROCFS_ROOT / "self" / "mountinfo"
        every_mount = [m.path for m in await self.hass.async_add_executor_job(_all_mounts, mountinfo)]
        mounts = options.get(CONF_MOUNTS)
        if mounts is None:  # never chosen: what is watched by default
            mounts = [m.path for m in await self.hass.async_add_executor_job(list_mounts, mountinfo)]
        interval = options.get(CONF_SCAN_INTERVAL, DEFAULT_HOST_OPTIONS[CONF_SCAN_INTERVAL])
        schema = probatio.Schema(
            {
                probatio.Required(CONF_SCAN_INTERVAL, default=interval): number(
                    MIN_SCAN_INTERVAL, MAX_SCAN_INTERVAL, "s"
                ),
                # Chosen interfaces and mounts stay offered while they are gone (a USB NIC or drive unplugged).
                probatio.Optional(CONF_INTERFACES, default=chosen): _choices(
                    available, chosen, SelectSelectorMode.LIST
                ),
                probatio.Optional(CONF_MOUNTS, default=list(mounts)): _choices(
                    every_mount, mounts, SelectSelectorMode.DROPDOWN
                ),
                probatio.Optional(CONF_POWER): section(power_schema(), {"collapsed": True}),
                probatio.Optional(CONF_HEALTH): section(health_schema(self.config_entry), {"collapsed": True}),
            }
        )
        power = {**DEFAULT_POWER_OPTIONS, **options.get(CONF_POWER, {})}
        suggested = {CONF_POWER: power, CONF_HEALTH: health_now(self.config_entry)}
        return self.async_show_form(step_id="host", data_schema=self.add_suggested_values_to_schema(schema, suggested))


def _choices(present: list[str], chosen: list[str], mode: SelectSelectorMode) -> SelectSelector:
    """Several of what the machine has now, and of what was chosen before."""
    return SelectSelector(SelectSelectorConfig(options=sorted(set(present) | set(chosen)), multiple=True, mode=mode))


_POWER_NUMBERS: dict[str, tuple[float, float, str | None, float]] = {
    CONF_IDLE_WATTS: (0, 2000, "W", 0.1),
    CONF_MAX_WATTS: (0, 5000, "W", 0.1),
    CONF_HDD_IDLE_WATTS: (0, 50, "W", 0.1),
    CONF_HDD_ACTIVE_WATTS: (0, 50, "W", 0.1),
    CONF_PRICE: (0, 100, None, 0.001),
}


def power_schema() -> probatio.Schema:
    """The power section of a server's options (This server, a Remote server); every field optional."""
    fields: FormFields = {
        probatio.Optional(CONF_MACHINE_CLASS): SelectSelector(
            SelectSelectorConfig(
                options=[MACHINE_AUTO, *(m.value for m in MachineClass)], translation_key="machine_class"
            )
        )
    }
    for key, (low, high, unit, step) in _POWER_NUMBERS.items():
        fields[probatio.Optional(key)] = number(low, high, unit, step)
    fields[probatio.Optional(CONF_POWER_ENTITY)] = EntitySelector(
        EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.POWER)
    )
    fields[probatio.Optional(CONF_PRICE_ENTITY)] = EntitySelector(
        EntitySelectorConfig(domain=["sensor", "input_number"])
    )
    return probatio.Schema(fields)


def power_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The power section as stored: numbers as floats, empty fields left out."""
    stored: dict[str, Any] = {CONF_MACHINE_CLASS: values.get(CONF_MACHINE_CLASS) or MACHINE_AUTO}
    for key in _POWER_NUMBERS:
        if values.get(key) not in (None, ""):
            stored[key] = float(values[key])
    for key in (CONF_POWER_ENTITY, CONF_PRICE_ENTITY):
        if values.get(key):
            stored[key] = values[key]
    return stored


def _all_mounts(mountinfo: Path) -> list[Mount]:
    return list_mounts(mountinfo, everything=True)
