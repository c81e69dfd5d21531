"""The cycle every coordinator shares: a coordinator that follows another fails quietly only while that one fails.

Two small coordinators stand in for a Remote server's scrape and what it feeds
(the real pair is tested in test_remote.py, where an outage logs one line):
here the follower also fails for a reason of its own, which the real peers
cannot be made to do on cue.
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.coordinator import SubscribingCoordinator


class _Source(SubscribingCoordinator[int, str]):
    all_categories = frozenset({"all"})
    answering = True

    async def _async_cycle(self, wanted: frozenset[str]) -> int:
        if not self.answering:
            raise UpdateFailed("the source does not answer")
        return 1


class _Follower(_Source):
    own_failure = False

    async def _async_cycle(self, wanted: frozenset[str]) -> int:
        assert self.follows is not None
        if not self.follows.last_update_success:
            raise UpdateFailed("its source does not answer")
        if self.own_failure:
            raise UpdateFailed("a failure of its own")
        return 2


async def test_a_follower_is_quiet_through_its_source_s_outage_and_not_through_its_own(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    source = _Source(hass, entry, "source", None, None)
    follower = _Follower(hass, entry, "follower", None, None)
    follower.follows = source
    caplog.set_level(logging.INFO)

    def lines() -> list[str]:
        found = [r.getMessage() for r in caplog.records if "HomeSentry" in r.getMessage()]
        caplog.clear()
        return found

    for coordinator in (source, follower):
        await coordinator.async_refresh()
    source.answering = False
    for coordinator in (source, follower):
        await coordinator.async_refresh()
    assert not follower.last_update_success
    assert lines() == ["Error fetching HomeSentry source data: the source does not answer"]

    follower.own_failure = True  # the source answers again; the follower now fails for itself
    source.answering = True
    for coordinator in (source, follower):
        await coordinator.async_refresh()
    assert lines() == [
        "Fetching HomeSentry source data recovered",
        "Error fetching HomeSentry follower data: a failure of its own",
    ]
    follower.own_failure = False
    await follower.async_refresh()
    assert follower.last_update_success
    assert lines() == ["Fetching HomeSentry follower data recovered"]
