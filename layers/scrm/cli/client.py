"""The admin API as ``scrm`` calls it: JSON over HTTPS with the profile's key, so a command shares the
API's validation, authorisation, per-key limits and audit line instead of reaching the tables itself.

Failures become one line: no key, an unreachable API, a refused key (401/403), a spent limit (429/503 with
the Retry-After), and the API's own ``{"error", "field", "details"}`` answers as ``ApiError`` for the
command to word as it always has.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from scrm.cli.common import CliError
from scrm.cli.profiles import Profile, ProfileError, resolve

TIMEOUT_S = 30.0
ITEMS_PAGE = 1000  # the API's largest page of a job's items


class ApiError(CliError):
    """A 4xx answer naming what was wrong; ``line()`` is how most commands print it."""

    def __init__(self, status: int, message: str, field: str = "", details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.details = details


class Api:
    """One profile's admin API. ``detailed`` commands (long jobs) print the field and blocked ids too."""

    def __init__(self, profile: Profile, detailed: bool = False, timeout_s: float = TIMEOUT_S) -> None:
        self.profile = profile
        self.detailed = detailed
        self.timeout_s = timeout_s

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call("POST", path, body=body)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("PUT", path, body=body)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("PATCH", path, body=body)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Each page of a paged answer, following its ``next_cursor`` to the end."""
        answer = self.get(path, params)
        yield answer
        while answer.get("next_cursor"):
            answer = self.get(path, {**params, "cursor": answer["next_cursor"]})
            yield answer

    def every(self, path: str, page: int = ITEMS_PAGE) -> list[Any]:
        """Every item of a paged list (``/admin/employees``), all pages read."""
        return [item for answer in self.pages(path, {"limit": page}) for item in answer.get("items") or []]

    def with_items(self, path: str, page: int = ITEMS_PAGE) -> dict[str, Any]:
        """A job's progress with every one of its items: the API pages them (``?items=1``), a command
        shows them all, as it did before it went through the API."""
        answers = list(self.pages(path, {"items": 1, "limit": page}))
        answer = answers[-1]
        answer.pop("next_cursor", None)
        return {**answer, "items": [item for a in answers for item in a.get("items") or []]}

    def call(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """The answer's JSON (or its text, for CSV); every failure as a CliError of one line."""
        url = self.profile.url + urllib.parse.quote(path, safe="/")
        query = {k: str(v) for k, v in (params or {}).items() if v is not None and v != ""}
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Authorization": f"Bearer {self.profile.key}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        status, answer_headers, raw = self.send(method, url, data, headers)
        if status < 400:
            return decode(answer_headers.get("Content-Type", ""), raw)
        err = refusal(status, answer_headers, raw, self.profile)
        if isinstance(err, ApiError) and self.detailed:
            from scrm.cli.follow import error_line

            err.args = (error_line(err.message, err.field, err.details),)
        raise err

    def send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> tuple[int, Any, bytes]:
        """(status, headers, body) of one HTTP exchange; the one place that touches the network."""
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliError(f"cannot reach the admin API at {self.profile.url}: {' '.join(str(reason).split())}") from None


def decode(content_type: str, raw: bytes) -> Any:
    text = raw.decode("utf-8")
    return json.loads(text) if "json" in content_type and text.strip() else text


def refusal(status: int, headers: Any, raw: bytes, profile: Profile) -> CliError:
    """An error answer as the one line the user reads."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        body = {}
    body = body if isinstance(body, dict) else {}
    message = " ".join(str(body.get("error") or f"HTTP {status}").split())
    where = "" if profile.name == "env" else f" (profile {profile.name})"
    if status == 401:
        return CliError(f"the admin API refused the key{where}: {message}; scrm login with a valid key")
    if status == 403:
        return CliError(f"the admin API refused{where}: {message}")
    if status in (429, 503):
        wait = (headers.get("Retry-After") if headers is not None else None) or body.get("retry_after_s")
        return CliError(f"{message} (retry after {wait} s)" if wait else message)
    if 400 <= status < 500:
        return ApiError(status, message, str(body.get("field") or ""), body.get("details"))
    return CliError(f"the admin API failed (HTTP {status}): {message}")


_whoami: dict[tuple[str, str], dict[str, Any]] = {}


def whoami(api: Api) -> dict[str, Any]:
    """The key's corp and role, asked once per process."""
    cache_key = (api.profile.url, api.profile.key)
    if cache_key not in _whoami:
        _whoami[cache_key] = api.get("/admin/whoami")
    return _whoami[cache_key]


API_CLASS: type[Api] = Api  # tests put an in-process transport here


def connect(args: argparse.Namespace, corp_id: str | None, detailed: bool = False) -> Api:
    """The API of the profile the command line chose. The key decides the corp: the CORP argument kept for
    compatibility must be that corp, else one line says whose key it is."""
    try:
        api = API_CLASS(resolve(getattr(args, "profile", None)), detailed)
    except ProfileError as exc:
        raise CliError(str(exc)) from None
    me = whoami(api)
    if corp_id is not None and me.get("corp_id") != corp_id:
        raise CliError(f"no corp {corp_id} for this key: it is a key of corp {me.get('corp_id')} "
                       f"(use --profile, or scrm login with a key of {corp_id})")  # fmt: skip
    return api
