"""Settings read from the environment: the same code runs in Lambda, the local stack and the tests. Each
setting is declared once, with the variable that sets it and its default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

WECOM_API_BASE_DEFAULT = "https://qyapi.weixin.qq.com/cgi-bin/"
WECOM_LOGIN_BASE_DEFAULT = "https://login.work.weixin.qq.com/"
WECOM_OAUTH_BASE_DEFAULT = "https://open.weixin.qq.com/"
# The header the console's CloudFront distribution adds to its API origin's requests (infra/console.py) and the
# admin API checks (admin.sessions.client_address): one name for both.
ORIGIN_HEADER = "X-Scrm-Origin"
_PARSE = {"int": int, "float": float, "str": str}


def _env(variable: str, default: Any) -> Any:
    """A setting: ``SCRM_<variable>`` from the environment, else ``default``."""
    return field(default=default, metadata={"env": "SCRM_" + variable})


@dataclass(frozen=True)
class Settings:
    wecom_api_base: str = _env("WECOM_API_BASE", WECOM_API_BASE_DEFAULT)
    # WeCom's web login pages (98171); the sandbox's host locally (console login, issue 18).
    wecom_login_base: str = _env("WECOM_LOGIN_BASE", WECOM_LOGIN_BASE_DEFAULT)
    # WeCom's OAuth link (91022) that the client opens for the sidebar (issue 19); the sandbox's host locally.
    wecom_oauth_base: str = _env("WECOM_OAUTH_BASE", WECOM_OAUTH_BASE_DEFAULT)
    secret_prefix: str = _env("SECRET_PREFIX", "scrm/corps/")
    timestamp_window_s: int = _env("TIMESTAMP_WINDOW_S", 300)
    dedup_ttl_s: int = _env("DEDUP_TTL_S", 3 * 24 * 3600)
    corp_cache_ttl_s: float = _env("CORP_CACHE_TTL_S", 300.0)
    max_body_bytes: int = _env("MAX_BODY_BYTES", 64 * 1024)
    wecom_max_tries: int = _env("WECOM_MAX_TRIES", 4)
    wecom_backoff_base_s: float = _env("WECOM_BACKOFF_BASE_S", 0.5)
    # 4 tries x 5 s + back-off stays inside the consumer's 30 s timeout.
    wecom_timeout_s: float = _env("WECOM_TIMEOUT_S", 5.0)
    log_level: str = _env("LOG_LEVEL", "INFO")
    # WeCom's 10,000/min and 150,000/h per API per corp, less a tenth kept for event-driven reads.
    bulk_calls_per_min: int = _env("BULK_CALLS_PER_MIN", 9_000)
    bulk_calls_per_hour: int = _env("BULK_CALLS_PER_HOUR", 135_000)
    # A revoked key stops working within this many seconds.
    api_key_cache_ttl_s: float = _env("API_KEY_CACHE_TTL_S", 30.0)
    # An edited code (welcome, tags, templates) reaches the welcome path within this many seconds.
    live_code_cache_ttl_s: float = _env("LIVE_CODE_CACHE_TTL_S", 10.0)
    # App messages per recipient (WeCom drops silently past 30 a minute and 1,000 an hour): the churn
    # alerts' margin below both, for clocks and for other apps' messages we cannot see.
    alert_per_minute: int = _env("ALERT_PER_MINUTE", 25)
    alert_per_hour: int = _env("ALERT_PER_HOUR", 900)
    # WeCom's answer deadline for callbacks (doc 90930); the route's retry and hold times derive from it
    # (callbacks.intake.AckBudget).
    callback_deadline_s: float = _env("CALLBACK_DEADLINE_S", 5.0)
    # Requests per admin API key and minute, counted across containers (docs/api.md): a runaway script of
    # one tenant answers 429 long before the stage throttle that every tenant shares.
    admin_key_requests_per_min: int = _env("ADMIN_KEY_REQUESTS_PER_MIN", 600)
    # Requests per client address and corp and minute to the public routes (no key: the landing pages' store
    # lookup, picker and scans, the fission poster and progress). A customer's page makes 2-4; many customers
    # share a mobile carrier's address (CGNAT), so the limit is high: it stops a script, not a crowded mall.
    public_requests_per_min: int = _env("PUBLIC_REQUESTS_PER_MIN", 600)
    # The value the console's CloudFront distribution sends in X-Scrm-Origin (the stack id's UUID, set by the
    # template): CloudFront-Viewer-Address is believed only beside it. Empty (the local stack): believed as is.
    origin_secret: str = _env("ORIGIN_SECRET", "")

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        values = {
            f.name: _PARSE[str(f.type)](env[f.metadata["env"]]) if f.metadata["env"] in env else f.default
            for f in fields(cls)
        }
        for base in ("wecom_api_base", "wecom_login_base", "wecom_oauth_base"):
            if not values[base].endswith("/"):
                values[base] += "/"
        return cls(**values)
