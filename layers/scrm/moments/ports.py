"""What moment tasks need from outside: their repository (DynamoDB: repository.py), WeCom's moment calls
(wecom.py), the material library's bytes and the store's members and tags. Protocols, so unit tests run on
fakes checked against them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from scrm.moments.model import Moment


class MomentRepo(Protocol):
    """Tasks load as aggregates carrying their version; ``save`` writes only at that version (False when
    another writer got in first) and moves the aggregate to the new one."""

    def create(self, corp_id: str, moment: Moment, request_key: str) -> bool:
        """The task and its request item at once; False when the request key already names a task."""
        ...

    def request(self, corp_id: str, request_key: str) -> str | None: ...
    def get(self, corp_id: str, moment_task_id: str) -> Moment | None: ...
    def save(self, corp_id: str, moment: Moment) -> bool: ...
    def recent(self, corp_id: str, limit: int) -> list[Moment]:
        """The newest tasks first."""
        ...

    def open_ids(self, corp_id: str) -> list[str]:
        """Tasks with work left (created with the task, removed by ``close``)."""
        ...

    def close(self, corp_id: str, moment_task_id: str) -> None: ...


class MomentWeCom(Protocol):
    def upload_attachment(self, media_type: str, filename: str, content: bytes) -> str:
        """media/upload_attachment with attachment_type 1 (moments): a media_id for 3 days."""
        ...

    def add_moment_task(self, body: dict[str, Any]) -> str:
        """The jobid of the creation job."""
        ...

    def moment_task_result(self, jobid: str) -> dict[str, Any]:
        """get_moment_task_result's answer: ``status`` and, once 3, ``result``."""
        ...

    def cancel_moment_task(self, moment_id: str) -> None: ...

    def moment_list(self, start_time: int, end_time: int, filter_type: int) -> Iterable[dict[str, Any]]:
        """get_moment_list, every page: the moments created in the window (the corp's: filter_type 0)."""
        ...


class Materials(Protocol):
    def media(self, corp_id: str, material_id: str) -> tuple[str, str, bytes] | None:
        """A corp-wide material's (kind, filename, bytes), None when there is none or it holds no bytes."""
        ...


class Directory(Protocol):
    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]: ...
    def known_tags(self, corp_id: str) -> set[str]: ...
    def departments(self, corp_id: str) -> dict[str, frozenset[int]]:
        """Every synced member's departments (a store is a department: completion by store)."""
        ...
