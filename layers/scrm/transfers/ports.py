"""The transfers feature's ports: what its services need from the table and from WeCom.

Kept with the feature (not in a shared ports module) so that everything about transfers is in one folder; the
fakes in tests/unit/transfer_fakes.py are checked against these signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from scrm.transfers.job import TransferJob
from scrm.transfers.model import Chunk


class ActiveJobExists(Exception):
    """The handover already has an open job (``job_id``); one job per handover at a time."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id


class TransferRepo(Protocol):
    """Transfer jobs, chunks (model.Chunk) and their indexes; the DynamoDB adapter is repository.py."""

    def create_job(self, corp_id: str, job: TransferJob, request_key: str) -> tuple[TransferJob, bool]:
        """The job, created once per request key and only while its handover has no open job (else
        ActiveJobExists naming that job); (the job stored for the key, whether it was created)."""
        ...

    def get_job(self, corp_id: str, job_id: str) -> TransferJob | None: ...

    def list_jobs(self, corp_id: str, limit: int = 50) -> list[TransferJob]: ...

    def replace_job(self, corp_id: str, job: TransferJob, due_at: int | None) -> bool:
        """Write the job if it is still at ``job.version`` (then move it on); ``due_at`` None takes it off
        the due index. False if another writer won."""
        ...

    def release_active(self, corp_id: str, handover: str, job_id: str) -> None: ...

    def due_jobs(self, corp_id: str, now: int) -> list[str]: ...

    def put_chunks(self, corp_id: str, chunks: Sequence[Chunk]) -> None: ...

    def create_chunk(self, corp_id: str, chunk: Chunk) -> bool: ...

    def chunks(self, corp_id: str, job_id: str) -> list[Chunk]: ...

    def get_chunk(self, corp_id: str, job_id: str, kind: str, number: int) -> Chunk | None: ...

    def replace_chunk(self, corp_id: str, chunk: Chunk) -> bool: ...

    def put_selection(self, corp_id: str, job_id: str, kind: str, ids: Sequence[str], per_item: int = 1000) -> None: ...

    def selection(self, corp_id: str, job_id: str, kind: str) -> list[str]: ...

    def put_index(self, corp_id: str, job_id: str, kind: str, placed: Iterable[tuple[str, int]], created_at: int) -> None: ...

    def index_of(self, corp_id: str, kind: str, ident: str) -> list[tuple[str, int]]: ...

    def quota(self, corp_id: str, owner: str) -> tuple[list[list[int]], int]: ...

    def replace_quota(self, corp_id: str, owner: str, taken: list[list[int]], version: int) -> bool: ...

    def policy(self, corp_id: str) -> dict[str, Any]: ...

    def put_policy(self, corp_id: str, policy: dict[str, Any]) -> None: ...


class TransferWeCom(Protocol):
    """The handover calls, for one corp (adapters/wecom/transfer_calls.py); failures raise WeComError."""

    def transfer_customers(
        self, kind: str, handover: str, takeover: str, external_userids: Sequence[str], success_msg: str = ""
    ) -> dict[str, int]: ...

    def transfer_results(self, kind: str, handover: str, takeover: str) -> dict[str, tuple[int, int]]: ...

    def unassigned(self) -> list[dict[str, Any]]: ...

    def customer_ids(self, userid: str) -> list[str]: ...

    def group_ids(self, owner: str, status_filter: int) -> list[str]: ...

    def transfer_groups(self, kind: str, chat_ids: Sequence[str], new_owner: str) -> dict[str, int]: ...

    def group_owner(self, chat_id: str) -> str: ...
