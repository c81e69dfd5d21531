"""The option and entry-data keys of a web service check, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_CHECK: Final = "check"
CONF_PRESET: Final = "preset"
CONF_METHOD: Final = "method"
CONF_STATUSES: Final = "statuses"
CONF_KEYWORD: Final = "keyword"
CONF_HEADERS: Final = "headers"
CONF_FOLLOW_REDIRECTS: Final = "follow_redirects"
CONF_VERIFY_TLS: Final = "verify_tls"
CONF_CERTIFICATE_DAYS: Final = "certificate_days"
