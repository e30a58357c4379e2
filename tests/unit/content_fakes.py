"""In-memory stand-ins for the content service's ports (scrm/content/ports.py), with the same conditional
semantics as the DynamoDB adapter: puts that must be new or must exist, the upload lease, atomic counters."""

from __future__ import annotations

import threading
from dataclasses import replace

from scrm.content.model import Material, Media, Script


class FakeContentRepo:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str, str], Script | Material] = {}  # (corp, s|m, owner, id)
        self.blobs: dict[tuple[str, str], bytes] = {}
        self.leases: dict[tuple[str, str, str, str], tuple[int, str]] = {}
        self.counters: dict[tuple[str, str], list[int]] = {}
        self.lock = threading.Lock()

    def scripts(self, corp_id: str, owner: str) -> list[Script]:
        return [v for k, v in self.items.items() if k[:3] == (corp_id, "s", owner)]  # type: ignore[misc]

    def script(self, corp_id: str, owner: str, script_id: str) -> Script | None:
        return self.items.get((corp_id, "s", owner, script_id))  # type: ignore[return-value]

    def put_script(self, script: Script, new: bool) -> bool:
        key = (script.corp_id, "s", script.owner, script.script_id)
        with self.lock:
            if (key in self.items) == new:
                return False
            self.items[key] = script
        return True

    def delete_script(self, corp_id: str, owner: str, script_id: str) -> bool:
        return self.items.pop((corp_id, "s", owner, script_id), None) is not None

    def materials(self, corp_id: str, owner: str) -> list[Material]:
        return [v for k, v in self.items.items() if k[:3] == (corp_id, "m", owner)]  # type: ignore[misc]

    def material(self, corp_id: str, owner: str, material_id: str) -> Material | None:
        return self.items.get((corp_id, "m", owner, material_id))  # type: ignore[return-value]

    def put_material(self, material: Material, new: bool, content: bytes | None = None) -> bool:
        key = (material.corp_id, "m", material.owner, material.material_id)
        with self.lock:
            if (key in self.items) == new:
                return False
            if content is not None:
                self.blobs[(material.corp_id, material.blob_id)] = content
            self.items[key] = material
        return True

    def delete_material(self, corp_id: str, owner: str, material_id: str) -> bool:
        return self.items.pop((corp_id, "m", owner, material_id), None) is not None

    def content(self, material: Material) -> bytes:
        return self.blobs[(material.corp_id, material.blob_id)]

    def take_upload(self, material: Material, now: int, lease_s: int, token: str) -> bool:
        key = (material.corp_id, "m", material.owner, material.material_id)
        with self.lock:
            stored = self.items.get(key)
            if not isinstance(stored, Material) or stored.media.uploaded_at != material.media.uploaded_at:
                return False
            if stored.blob_id != material.blob_id:
                return False
            lease = self.leases.get(key)
            if lease is not None and lease[0] >= now:
                return False
            self.leases[key] = (now + lease_s, token)
        return True

    def store_media(self, material: Material, media: Media, token: str) -> bool:
        key = (material.corp_id, "m", material.owner, material.material_id)
        with self.lock:
            stored = self.items.get(key)
            lease = self.leases.get(key)
            if not isinstance(stored, Material) or stored.blob_id != material.blob_id or not lease or lease[1] != token:
                return False
            self.items[key] = replace(stored, media=media)
            del self.leases[key]
        return True

    def add_use(self, corp_id: str, kind: str, item_id: str, userid: str, now: int) -> None:
        with self.lock:
            for sk in (f"i#{kind}#{item_id}", f"t#{userid}", f"u#{userid}#{kind}#{item_id}"):
                row = self.counters.setdefault((corp_id, sk), [0, 0])
                row[0] += 1
                row[1] = now

    def uses(self, corp_id: str, prefix: str) -> list[dict[str, object]]:
        return [{"key": sk, "sends": v[0], "last_at": v[1]} for (c, sk), v in sorted(self.counters.items())
                if c == corp_id and sk.startswith(prefix)]  # fmt: skip


class FakeMediaWeCom:
    """Counts uploads; ``gate`` (an Event) holds each upload until set, to line concurrent sends up."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.uploads: list[tuple[str, str, int]] = []
        self.gate = gate
        self.lock = threading.Lock()

    def upload_media(self, media_type: str, filename: str, content: bytes) -> tuple[str, int]:
        if self.gate is not None:
            self.gate.wait(5)
        with self.lock:
            self.uploads.append((media_type, filename, len(content)))
            return f"media-{len(self.uploads)}", 0
