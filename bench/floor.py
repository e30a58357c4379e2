"""The floor of the callback path: verify + decrypt + parse + key, in process, no I/O (µs per callback)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from scrm.callbacks.intake import open_event
from scrm.corps.corp import Corp

from devstack.wecom_player import FakeWeCom, event_xml


def run(n: int = 3000) -> dict[str, Any]:
    corp = {"corp_id": "wwbench", "token": "benchtoken", "aes_key": "c" * 43, "secret": "x", "agent_id": "1"}
    wecom = FakeWeCom("http://unused", corp)
    now = int(time.time())
    requests = []
    for i in range(200):
        fields = {"ToUserName": "wwbench", "FromUserName": "sys", "CreateTime": now, "MsgType": "event",
                  "Event": "change_external_contact", "ChangeType": "add_external_contact", "UserID": f"u{i}",
                  "ExternalUserID": f"wm{i:030d}", "State": "poster", "WelcomeCode": "W" * 40}
        requests.append(wecom.envelope(event_xml(fields), timestamp=now))
    c = Corp(**corp)
    samples = []
    for i in range(n):
        params, body = requests[i % len(requests)]
        t = time.perf_counter()
        open_event(c, params, body, 300, 65536, now=now)
        samples.append((time.perf_counter() - t) * 1e6)
    samples.sort()
    return {
        "iterations": n,
        "us_p50": round(statistics.median(samples), 1),
        "us_p99": round(samples[int(len(samples) * 0.99)], 1),
        "us_mean": round(statistics.fmean(samples), 1),
    }
