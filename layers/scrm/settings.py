"""Settings read from the environment: the same code runs in Lambda, the local stack and the tests."""

from __future__ import annotations

import os
from dataclasses import dataclass

WECOM_API_BASE_DEFAULT = "https://qyapi.weixin.qq.com/cgi-bin/"


@dataclass(frozen=True)
class Settings:
    wecom_api_base: str
    secret_prefix: str
    timestamp_window_s: int
    dedup_ttl_s: int
    corp_cache_ttl_s: float
    max_body_bytes: int
    wecom_max_tries: int
    wecom_backoff_base_s: float
    wecom_timeout_s: float
    log_level: str
    bulk_calls_per_min: int = 9_000
    bulk_calls_per_hour: int = 135_000
    api_key_cache_ttl_s: float = 30.0
    live_code_cache_ttl_s: float = 10.0
    alert_per_minute: int = 25
    alert_per_hour: int = 900
    callback_deadline_s: float = 5.0
    admin_key_requests_per_min: int = 600

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        base = env.get("SCRM_WECOM_API_BASE", WECOM_API_BASE_DEFAULT)
        if not base.endswith("/"):
            base += "/"
        return cls(
            wecom_api_base=base,
            secret_prefix=env.get("SCRM_SECRET_PREFIX", "scrm/corps/"),
            timestamp_window_s=int(env.get("SCRM_TIMESTAMP_WINDOW_S", "300")),
            dedup_ttl_s=int(env.get("SCRM_DEDUP_TTL_S", str(3 * 24 * 3600))),
            corp_cache_ttl_s=float(env.get("SCRM_CORP_CACHE_TTL_S", "300")),
            max_body_bytes=int(env.get("SCRM_MAX_BODY_BYTES", str(64 * 1024))),
            wecom_max_tries=int(env.get("SCRM_WECOM_MAX_TRIES", "4")),
            wecom_backoff_base_s=float(env.get("SCRM_WECOM_BACKOFF_BASE_S", "0.5")),
            # 4 tries x 5 s + back-off stays inside the consumer's 30 s timeout.
            wecom_timeout_s=float(env.get("SCRM_WECOM_TIMEOUT_S", "5")),
            log_level=env.get("SCRM_LOG_LEVEL", "INFO"),
            # WeCom's 10,000/min and 150,000/h per API per corp, less a tenth kept for event-driven reads.
            bulk_calls_per_min=int(env.get("SCRM_BULK_CALLS_PER_MIN", "9000")),
            bulk_calls_per_hour=int(env.get("SCRM_BULK_CALLS_PER_HOUR", "135000")),
            # A revoked key stops working within this many seconds.
            api_key_cache_ttl_s=float(env.get("SCRM_API_KEY_CACHE_TTL_S", "30")),
            # An edited code (welcome, tags, templates) reaches the welcome path within this many seconds.
            live_code_cache_ttl_s=float(env.get("SCRM_LIVE_CODE_CACHE_TTL_S", "10")),
            # App messages per recipient (WeCom drops silently past 30 a minute and 1,000 an hour): the
            # churn alerts' margin below both, for clocks and for other apps' messages we cannot see.
            alert_per_minute=int(env.get("SCRM_ALERT_PER_MINUTE", "25")),
            alert_per_hour=int(env.get("SCRM_ALERT_PER_HOUR", "900")),
            # WeCom's answer deadline for callbacks (doc 90930); the route's retry and hold times derive
            # from it (callbacks.intake.AckBudget).
            callback_deadline_s=float(env.get("SCRM_CALLBACK_DEADLINE_S", "5")),
            # Requests per admin API key and minute, counted across containers (docs/api.md): a runaway
            # script of one tenant answers 429 long before the stage throttle that every tenant shares.
            admin_key_requests_per_min=int(env.get("SCRM_ADMIN_KEY_REQUESTS_PER_MIN", "600")),
        )
