"""The corp's admin API keys from the console (admin only), for scripts and BI exports. ``scrm keys`` makes
them with operator credentials too; a key is shown once, only its SHA-256 is stored, and a revoked key stays
listed (the admin function may issue and mark keys, never delete them: infra/access.py ISSUE)."""

from __future__ import annotations

import re
from typing import Any

from admin.api import Doc, json_response, route
from admin.schemas import staff as S

KEY_ID = {"key_id": "the key's id (12 hex digits), from the list"}
KEY_ID_RE = re.compile(r"[0-9a-f]{12}")


def _keys() -> Any:
    from scrm import bootstrap

    return bootstrap.api_keys()


@route("/admin/keys", role="admin", doc=Doc(
    "The corp's admin API keys (ids, roles, names, revoked or not; never the keys), oldest first",
    {200: ("the keys", S.ApiKeyList)}, errors={403: None},
))  # fmt: skip
def list_keys(principal: Any, request: Any) -> Any:
    keys = sorted(_keys().list(principal.corp_id), key=lambda k: (k["created_at"] or 0, k["key_id"]))
    return {"keys": keys}


@route("/admin/keys", methods=("POST",), write=True, role="admin", doc=Doc(
    "Issue an admin API key for the corp; the answer holds the key, shown this once",
    {201: ("the new key", S.CreatedApiKey)}, body=S.NewApiKey, errors={403: None},
))  # fmt: skip
def create_key(principal: Any, request: Any, body: S.NewApiKey) -> Any:
    from scrm.corps.api_key import Role

    return json_response(201, _keys().create(principal.corp_id, Role(body.role), body.name))


@route("/admin/keys/{key_id}", methods=("DELETE",), write=True, role="admin", doc=Doc(
    "Revoke a key of the corp (running functions may accept it for up to 30 s more); it stays listed as revoked",
    {200: ("done", S.Revoked)}, params=KEY_ID, errors={403: None, 404: "the corp has no such key"},
))  # fmt: skip
def revoke_key(principal: Any, request: Any, key_id: str) -> Any:
    from scrm.kernel.errors import InvalidInput, NotFound

    if not KEY_ID_RE.fullmatch(key_id):
        raise InvalidInput("key_id", "key_id: 12 hex digits, as the key list shows")
    if not _keys().revoke(principal.corp_id, key_id):
        raise NotFound(f"no key {key_id} in this corp", "key_id")
    return {"revoked": key_id}
