"""Corps' credentials in Secrets Manager, one secret per corp, with a short in-memory cache.

Secrets never leave this module except as a ``Corp`` whose repr hides them, and every corp's secrets are
handed to the log redaction (``adapters.redaction``) as soon as they are read.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

from botocore.exceptions import ClientError

from scrm.adapters import aws
from scrm.adapters.negative_cache import NegativeCache
from scrm.adapters.redaction import remember_secret
from scrm.corps.corp import CORP_ID_RE, Corp

STALE_RETRY_S = 30.0
# Unknown corp ids asked for by the callback route: remembered a minute, a few thousand at most (issue 16).
UNKNOWN_TTL_S = 60.0
UNKNOWN_MAX = 4096


class CorpNotFound(LookupError):
    pass


class CorpRegistry:
    def __init__(self, prefix: str, cache_ttl_s: float = 300.0, unknown: NegativeCache | None = None) -> None:
        self._prefix = prefix
        self._ttl = cache_ttl_s
        self._unknown = unknown if unknown is not None else NegativeCache(UNKNOWN_TTL_S, UNKNOWN_MAX)
        self._cache: dict[str, tuple[float, Corp]] = {}
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}

    def _name(self, corp_id: str) -> str:
        return f"{self._prefix}{corp_id}"

    def get(self, corp_id: str, *, cache_unknown: bool = False) -> Corp:
        """Cached. When the refresh of an expired entry fails (Secrets Manager down), the entry is used a
        while longer: keys rarely change, and the callback route would otherwise hold every answer of a
        known corp. With ``cache_unknown`` (the callback route, whose URL anyone can call with any id) an
        unknown corp is remembered as unknown for a minute; other callers (the consumers, the CLI) never
        cache a miss nor see one cached, so that a corp registered a moment ago works for them at once."""
        if not CORP_ID_RE.fullmatch(corp_id or ""):
            raise CorpNotFound(corp_id)
        if cache_unknown and corp_id in self._unknown:
            raise CorpNotFound(corp_id)
        now = time.monotonic()
        hit = self._cache.get(corp_id)
        if hit and hit[0] > now:
            return hit[1]
        # One fetch per corp at a time: a burst of a corp's callbacks on a cold multi-threaded server (the
        # local stack's) asks Secrets Manager once, not once per thread.
        with self._lock:
            fetching = self._fetching.setdefault(corp_id, threading.Lock())
        try:
            with fetching:
                hit = self._cache.get(corp_id)
                if hit and hit[0] > time.monotonic():
                    return hit[1]
                if cache_unknown and corp_id in self._unknown:  # a thread ahead of us just found none
                    raise CorpNotFound(corp_id)
                return self._fetch(corp_id, hit, now, cache_unknown)
        finally:
            with self._lock:
                self._fetching.pop(corp_id, None)

    def _fetch(self, corp_id: str, hit: tuple[float, Corp] | None, now: float, cache_unknown: bool) -> Corp:
        try:
            value = aws.client("secretsmanager").get_secret_value(SecretId=self._name(corp_id))
        except Exception as exc:
            code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
            if code == "ResourceNotFoundException":
                if cache_unknown:
                    self._unknown.add(corp_id)
                raise CorpNotFound(corp_id) from None
            if not hit:
                raise
            with self._lock:  # the stale keys serve on; Secrets Manager is asked again in a while
                self._cache[corp_id] = (now + STALE_RETRY_S, hit[1])
            return hit[1]
        corp = Corp.from_secret(json.loads(value["SecretString"]))
        remember_secret(corp.secret, corp.token, corp.aes_key)
        self._unknown.discard(corp_id)
        with self._lock:
            self._cache[corp_id] = (now + self._ttl, corp)
        return corp

    def register(self, corp: Corp) -> bool:
        """Create or replace; returns True when the corp was new."""
        corp.validate()
        remember_secret(corp.secret, corp.token, corp.aes_key)
        sm = aws.client("secretsmanager")
        body = json.dumps(corp.to_secret())
        try:
            sm.create_secret(
                Name=self._name(corp.corp_id),
                SecretString=body,
                Description="WeCom SCRM corp credentials",
                Tags=[{"Key": "scrm:corp", "Value": corp.corp_id}],
            )
            created = True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceExistsException":
                raise
            sm.put_secret_value(SecretId=self._name(corp.corp_id), SecretString=body)
            created = False
        self.forget(corp.corp_id)
        return created

    def remove(self, corp_id: str) -> None:
        try:
            aws.client("secretsmanager").delete_secret(
                SecretId=self._name(corp_id), ForceDeleteWithoutRecovery=True
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise CorpNotFound(corp_id) from None
            raise
        self.forget(corp_id)

    def list_ids(self) -> Iterator[str]:
        paginator = aws.client("secretsmanager").get_paginator("list_secrets")
        for page in paginator.paginate(Filters=[{"Key": "name", "Values": [self._prefix]}]):
            for entry in page.get("SecretList", []):
                name = entry["Name"]
                if name.startswith(self._prefix):
                    yield name[len(self._prefix) :]

    def forget(self, corp_id: str) -> None:
        """Drop what this process remembers of the corp, keys or absence (other processes, other Lambda
        containers, keep theirs until it expires)."""
        self._unknown.discard(corp_id)
        with self._lock:
            self._cache.pop(corp_id, None)
