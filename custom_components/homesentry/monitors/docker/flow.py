"""The Docker steps: the engine's address (asked who it is before it is kept), and its options."""

from __future__ import annotations

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from ...const import CONF_KIND, CONF_SCAN_INTERVAL, CONF_URL, MonitorKind
from ...health import CONF_HEALTH
from ...probes.docker import (
    DEFAULT_URL,
    EngineError,
    EngineInfo,
    EngineNotFound,
    EnginePermissionDenied,
    InvalidEngineUrl,
    NotAnEngine,
    check_engine,
    normalize_url,
)
from ..flow import (
    FormFields,
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
    health_options,
    number,
)
from .const import (
    CONF_CONTROL,
    CONF_IMAGE_UPDATES,
    CONF_REGISTRY,
    CONF_REGISTRY_PASSWORD,
    CONF_REGISTRY_USERNAME,
    CONF_REMOVE_AFTER_HOURS,
    CONF_STATS_INTERVAL,
    CONF_UPDATE_HOURS,
)
from .options import DEFAULT_DOCKER_OPTIONS


def _url_schema(default: str) -> probatio.Schema:
    return probatio.Schema({probatio.Required(CONF_URL, default=default): TextSelector()})


# Why an engine cannot be used, as a translated form error.
_ENGINE_ERRORS: dict[type[EngineError], str] = {
    InvalidEngineUrl: "invalid_engine_url",
    EngineNotFound: "socket_not_found",
    EnginePermissionDenied: "permission_denied",
    NotAnEngine: "not_docker",
}


async def _check_engine(flow: ConfigFlow, text: str) -> tuple[str, EngineInfo | None, dict[str, str]]:
    """Ask the engine at ``text`` who it is: the normalised URL, the engine, or the form error.

    The flow's unique id becomes the engine's, so the caller can refuse a
    duplicate or a different engine.
    """
    try:
        url = normalize_url(text)
        info = await flow.hass.async_add_executor_job(check_engine, url)
    except EngineError as err:
        return text, None, {CONF_URL: _ENGINE_ERRORS.get(type(err), "cannot_connect")}
    await flow.async_set_unique_id(f"{MonitorKind.DOCKER}_{info.id}")
    return url, info, {}


class DockerConfigFlow(MonitorConfigFlow):
    """Add an engine; give it a new address."""

    async def async_step_docker(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Watch a Docker engine: its address, tested before the entry is made."""
        errors: dict[str, str] = {}
        if user_input is not None:
            url, info, errors = await _check_engine(self, user_input[CONF_URL])
            if info is not None:
                self._abort_if_unique_id_configured(updates={CONF_URL: url})
                return self.async_create_entry(
                    title=f"{info.product} {info.name}",
                    data={CONF_KIND: MonitorKind.DOCKER.value, CONF_URL: url},
                    options=dict(DEFAULT_DOCKER_OPTIONS),
                )
        default = user_input[CONF_URL] if user_input else DEFAULT_URL
        return self.async_show_form(step_id="docker", data_schema=_url_schema(default), errors=errors)

    async def async_reconfigure_docker(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A new address of the same engine."""
        return await self.async_step_reconfigure_docker(user_input)

    async def async_step_reconfigure_docker(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A new address of the same engine (another socket path, a proxy, TCP)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            url, info, errors = await _check_engine(self, user_input[CONF_URL])
            if info is not None:
                self._abort_if_unique_id_mismatch(reason="different_engine")
                return self.async_update_reload_and_abort(entry, data_updates={CONF_URL: url})
        default = user_input[CONF_URL] if user_input else entry.data[CONF_URL]
        return self.async_show_form(step_id="reconfigure_docker", data_schema=_url_schema(default), errors=errors)


class DockerOptionsFlow(MonitorOptionsFlow):
    """Control, intervals, cleanup and health of an engine."""

    async def async_step_docker(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Control, intervals, when vanished containers are removed, image checks and a private registry's login."""
        current = {**DEFAULT_DOCKER_OPTIONS, **self.config_entry.options}
        if user_input is not None:
            options = {**DEFAULT_DOCKER_OPTIONS, **user_input}
            texts = {key: str(options.get(key) or "").strip() for key in _REGISTRY_TEXTS}
            if not texts[CONF_REGISTRY_PASSWORD]:  # left empty: the one kept (a password field shows nothing)
                texts[CONF_REGISTRY_PASSWORD] = str(current.get(CONF_REGISTRY_PASSWORD) or "")
            return self.async_create_entry(
                data={
                    CONF_CONTROL: bool(options[CONF_CONTROL]),
                    CONF_IMAGE_UPDATES: bool(options[CONF_IMAGE_UPDATES]),
                    **{key: int(options[key]) for key in _DOCKER_NUMBERS},
                    **texts,
                    CONF_HEALTH: health_options(user_input.get(CONF_HEALTH)),
                }
            )
        fields: FormFields = {
            probatio.Required(CONF_CONTROL, default=current[CONF_CONTROL]): BooleanSelector(),
            **{
                probatio.Required(key, default=current[key]): number(low, high, unit)
                for key, (low, high, unit) in _DOCKER_NUMBERS.items()
            },
            probatio.Required(CONF_IMAGE_UPDATES, default=current[CONF_IMAGE_UPDATES]): BooleanSelector(),
            probatio.Optional(CONF_REGISTRY, default=current[CONF_REGISTRY]): TextSelector(),
            probatio.Optional(CONF_REGISTRY_USERNAME, default=current[CONF_REGISTRY_USERNAME]): TextSelector(),
            probatio.Optional(CONF_REGISTRY_PASSWORD): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
        }
        return self.async_show_form(step_id="docker", data_schema=self._with_health(fields))


_DOCKER_NUMBERS: dict[str, tuple[int, int, str]] = {
    CONF_SCAN_INTERVAL: (5, 3600, "s"),
    CONF_STATS_INTERVAL: (10, 3600, "s"),
    CONF_REMOVE_AFTER_HOURS: (0, 8760, "h"),
    CONF_UPDATE_HOURS: (1, 168, "h"),
}
_REGISTRY_TEXTS = (CONF_REGISTRY, CONF_REGISTRY_USERNAME, CONF_REGISTRY_PASSWORD)
