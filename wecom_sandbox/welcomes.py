"""Welcome codes and the per-corp welcome log.

Every WelcomeCode the sandbox puts in an add_external_contact callback gets one WelcomeRecord:
the code itself (valid WELCOME_CODE_TTL_S seconds on the world clock, usable once) and what
happened to it (when the callback carrying it was first sent, every send_welcome_msg attempt,
when one succeeded).  A benchmark reads the log to compute callback→welcome latency as
`sent_at - callback_first_sent_at`, so both are world-clock epoch seconds.

The log must hold 100k scans without growing without bound: a record is one __slots__ object
(attempts are (time, errcode) tuples, allocated only when there is one), and past MAX_RECORDS the
oldest records are dropped — long after their codes expired, so no live code is ever lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

WELCOME_CODE_TTL_S = 20
"""WeCom: send_welcome_msg must be called within 20 s of the event (92137)."""

MAX_RECORDS = 200_000
MAX_INTERNED = 1024
MAX_ATTEMPTS = 20
"""Attempts kept per code; an app retrying in a loop must not grow one record without bound."""


@dataclass(slots=True, eq=False)
class WelcomeRecord:
    seq: int
    code: str
    userid: str
    external_userid: str
    state: str
    issued_at: float
    callback_first_sent_at: float | None = None
    sent_at: float | None = None
    attempts: list[tuple[float, int]] | None = None
    text: Any = None
    attachments: Any = None

    @property
    def used(self) -> bool:
        return self.sent_at is not None

    def expired(self, now: float) -> bool:
        return now - self.issued_at > WELCOME_CODE_TTL_S

    def attempt(self, at: float, errcode: int) -> None:
        if self.attempts is None:
            self.attempts = []
        if len(self.attempts) < MAX_ATTEMPTS:
            self.attempts.append((at, errcode))

    def callback_sent(self, at: float) -> None:
        """Hook for the callback sender: the first delivery attempt of the event carrying the code."""
        if self.callback_first_sent_at is None:
            self.callback_first_sent_at = at

    def to_json(self) -> dict[str, Any]:
        attempts = tuple(self.attempts or ())  # one atomic copy: senders may append meanwhile
        return {
            "seq": self.seq,
            "welcome_code": self.code,
            "userid": self.userid,
            "external_userid": self.external_userid,
            "state": self.state,
            "issued_at": self.issued_at,
            "callback_first_sent_at": self.callback_first_sent_at,
            "sent_at": self.sent_at,
            "attempts": [{"at": at, "errcode": code} for at, code in attempts],
            "text": self.text,
            "attachments": self.attachments,
        }


class WelcomeLog:
    """Welcome records of one corp in issue order, indexed by code; bounded to max_records."""

    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self.max_records = max_records
        self.records: list[WelcomeRecord] = []
        self.by_code: dict[str, WelcomeRecord] = {}
        self.last_seq = 0
        self._interned: dict[str, Any] = {}

    def issue(self, code: str, userid: str, external_userid: str, state: str, now: float) -> WelcomeRecord:
        self.last_seq += 1
        record = WelcomeRecord(self.last_seq, code, userid, external_userid, state, now)
        self.records.append(record)
        self.by_code[code] = record
        if len(self.records) > self.max_records + self.max_records // 10:
            self._trim()
        return record

    def get(self, code: str) -> WelcomeRecord | None:
        return self.by_code.get(code)

    def since(self, seq: int, limit: int | None = None) -> list[WelcomeRecord]:
        """Records with seq > `seq`, oldest first (seqs are contiguous, so this is a slice)."""
        if not self.records:
            return []
        start = max(0, seq - self.records[0].seq + 1)
        end = None if limit is None else start + limit
        return self.records[start:end]

    def intern(self, attachments: list[Any]) -> list[Any]:
        """One shared copy of identical attachment lists: 100k welcomes usually carry the same few."""
        if not attachments:
            return []
        key = json.dumps(attachments, sort_keys=True, ensure_ascii=False)
        shared = self._interned.get(key)
        if shared is None:
            shared = json.loads(key)
            if len(self._interned) < MAX_INTERNED:
                self._interned[key] = shared
        return shared

    def sent(self) -> Iterator[WelcomeRecord]:
        return (r for r in self.records if r.sent_at is not None)

    def _trim(self) -> None:
        drop = len(self.records) - self.max_records
        for record in self.records[:drop]:
            self.by_code.pop(record.code, None)
        del self.records[:drop]
