"""Sends and parts read, changed by one of their transitions, and written back under the version read;
a conflict (another worker got in first) reads again and applies the change again. One place for the
versioned read-modify-write that planning, the part calls and the admin's cancel and remind all need."""

from __future__ import annotations

from collections.abc import Callable

from scrm.kernel.errors import NotFound
from scrm.mass_sends.model import MassSend, Part
from scrm.mass_sends.ports import MassSendRepo


class Records:
    def __init__(self, repo: MassSendRepo) -> None:
        self.repo = repo

    def send(self, corp_id: str, send_id: str) -> MassSend:
        found = self.repo.get_send(corp_id, send_id)
        if found is None:
            raise NotFound(f"no mass send {send_id}", "send_id")
        return found

    def update_send(self, corp_id: str, send_id: str, change: Callable[[MassSend], None]) -> MassSend:
        while True:
            send = self.send(corp_id, send_id)
            change(send)
            if self.repo.save_send(corp_id, send):
                return send

    def part(self, corp_id: str, send_id: str, sender: str, number: int) -> Part:
        found = self.repo.get_part(corp_id, send_id, sender, number)
        if found is None:
            raise NotFound(f"no part {sender}#{number} of {send_id}")
        return found

    def update_part(self, corp_id: str, part: Part, change: Callable[[Part], None]) -> Part:
        """Apply to the stored part (not ``part``, which may be stale) and write under its version."""
        while True:
            current = self.part(corp_id, part.send_id, part.sender, part.number)
            change(current)
            if self.repo.save_part(corp_id, current):
                return current
