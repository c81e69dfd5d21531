"""Config flow: a menu of what to monitor, and a dispatcher to each monitor's steps.

Each monitor's package has its steps (``monitors/<kind>/flow.py``): a config
flow mixin whose first step is ``async_step_<kind>`` and an options flow mixin
whose step is ``async_step_<kind>``. The two flows here take on every
registered monitor's mixin, listed by name so mypy and an editor see them (a
test holds the lists to the registry, in its order); reconfigure and reauth go
to the entry's monitor (``async_reconfigure_<kind>``, ``async_reauth_<kind>``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, override

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.core import callback

from . import HomeSentryConfigEntry
from .const import CONF_KIND, DOMAIN
from .monitors import MONITORS
from .monitors.backup.flow import BackupConfigFlow, BackupOptionsFlow
from .monitors.ddns.flow import DdnsConfigFlow, DdnsOptionsFlow
from .monitors.disks.flow import DisksConfigFlow, DisksOptionsFlow
from .monitors.docker.flow import DockerConfigFlow, DockerOptionsFlow
from .monitors.flow import FormInput
from .monitors.host.flow import HostConfigFlow, HostOptionsFlow
from .monitors.internet.flow import InternetConfigFlow, InternetOptionsFlow
from .monitors.remote.flow import RemoteConfigFlow, RemoteOptionsFlow
from .monitors.ups.flow import UpsConfigFlow, UpsOptionsFlow
from .monitors.web_service.flow import WebServiceConfigFlow, WebServiceOptionsFlow

type _Step = Callable[[Any], Awaitable[ConfigFlowResult]]


class HomeSentryConfigFlow(
    HostConfigFlow,
    DisksConfigFlow,
    InternetConfigFlow,
    DockerConfigFlow,
    WebServiceConfigFlow,
    BackupConfigFlow,
    UpsConfigFlow,
    DdnsConfigFlow,
    RemoteConfigFlow,
    domain=DOMAIN,
):
    """Add something to monitor."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: HomeSentryConfigEntry) -> OptionsFlow:
        """Options of an entry."""
        return HomeSentryOptionsFlow()

    @override
    async def async_step_user(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Ask what to monitor."""
        return self.async_show_menu(step_id="user", menu_options=[spec.kind.value for spec in MONITORS])

    async def async_step_reconfigure(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Change what an entry watches, where its monitor allows it (else: its options)."""
        kind = self._get_reconfigure_entry().data[CONF_KIND]
        step: _Step | None = getattr(self, f"async_reconfigure_{kind}", None)
        if step is None:
            return self.async_abort(reason="use_options")
        return await step(user_input)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A server or provider refused the entry's credentials: its monitor asks for them again."""
        step: _Step = getattr(self, f"async_reauth_{entry_data[CONF_KIND]}")
        return await step(entry_data)


class HomeSentryOptionsFlow(
    HostOptionsFlow,
    DisksOptionsFlow,
    InternetOptionsFlow,
    DockerOptionsFlow,
    WebServiceOptionsFlow,
    BackupOptionsFlow,
    UpsOptionsFlow,
    DdnsOptionsFlow,
    RemoteOptionsFlow,
):
    """The options of an entry; the entry reloads when they change."""

    async def async_step_init(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Show the options of the entry's monitor."""
        step: _Step = getattr(self, f"async_step_{self.config_entry.data[CONF_KIND]}")
        return await step(user_input)
