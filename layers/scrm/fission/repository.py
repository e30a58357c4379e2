"""Fission campaigns on DynamoDB (table ``fission``, key shapes: scrm.resources). Campaigns and inviters are
versioned aggregates; a friend's credit, a due entry and the pool's codes are conditional puts, so two
workers (or a redelivered event) never count a friend twice nor hand one code to two inviters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import (
    condition_failed,
    consistent_get,
    created,
    loaded,
    loaded_all,
    save_if,
    transact_if,
)
from scrm.adapters.dynamo.models import FissionItem
from scrm.fission.model import Campaign, Inviter

F = FissionItem
DRAW_TRIES = 20


def _campaign_pk(corp_id: str, campaign_id: str) -> str:
    return f"{corp_id}#fc#{campaign_id}"


class DynamoFission:
    # campaigns --------------------------------------------------------------------------------------
    def campaign(self, corp_id: str, campaign_id: str) -> Campaign | None:
        return loaded(Campaign.from_item, consistent_get(F, corp_id, f"c#{campaign_id}"))

    def campaigns(self, corp_id: str) -> list[Campaign]:
        return loaded_all(Campaign.from_item, F.query(corp_id, F.sk.startswith("c#"), consistent_read=True))

    def add_campaign(self, corp_id: str, campaign: Campaign) -> bool:
        item = F(corp_id, f"c#{campaign.campaign_id}", data=campaign.to_item(), version=1)
        return created(campaign, save_if(item, F.pk.does_not_exist()))

    def save_campaign(self, corp_id: str, campaign: Campaign) -> bool:
        return self._save(corp_id, f"c#{campaign.campaign_id}", campaign)

    def _save(self, pk: str, sk: str, aggregate: Any) -> bool:
        try:
            F(pk, sk).update(actions=[F.data.set(aggregate.to_item()), F.version.set(aggregate.version + 1)],
                             condition=F.version == aggregate.version)  # fmt: skip
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        aggregate.version += 1
        return True

    # inviters ---------------------------------------------------------------------------------------
    def inviter(self, corp_id: str, campaign_id: str, key: str) -> Inviter | None:
        return loaded(Inviter.from_item, consistent_get(F, _campaign_pk(corp_id, campaign_id), f"i#{key}"))

    def inviters(self, corp_id: str, campaign_id: str, after: str = "", limit: int = 100) -> tuple[list[Inviter], str]:
        pk = _campaign_pk(corp_id, campaign_id)
        condition = F.sk > f"i#{after}" if after else F.sk.startswith("i#")
        items = list(F.query(pk, condition, consistent_read=True, limit=limit + 1))
        items = [i for i in items if str(i.sk).startswith("i#")]
        more = len(items) > limit
        found = loaded_all(Inviter.from_item, items[:limit])
        return found, (found[-1].key if more and found else "")

    def add_inviter(self, corp_id: str, inviter: Inviter) -> bool:
        item = F(_campaign_pk(corp_id, inviter.campaign_id), f"i#{inviter.key}", data=inviter.to_item(), version=1)
        return created(inviter, save_if(item, F.pk.does_not_exist()))

    def save_inviter(self, corp_id: str, inviter: Inviter) -> bool:
        return self._save(_campaign_pk(corp_id, inviter.campaign_id), f"i#{inviter.key}", inviter)

    # friends' credits ---------------------------------------------------------------------------------
    def claim_friend(self, corp_id: str, campaign_id: str, friend: str, key: str, userid: str, at: int) -> str:
        data = {"campaign_id": campaign_id, "key": key, "userid": userid, "at": at}
        if save_if(F(f"{corp_id}#ff#{friend}", campaign_id, data=data, version=1), F.pk.does_not_exist()):
            return key
        found = consistent_get(F, f"{corp_id}#ff#{friend}", campaign_id)
        return str((found.data or {}).get("key") or "") if found is not None else key

    def credits(self, corp_id: str, friend: str) -> list[dict[str, Any]]:
        return [dict(i.data or {}) for i in F.query(f"{corp_id}#ff#{friend}", consistent_read=True)]

    # the due index -------------------------------------------------------------------------------------
    def add_due(self, corp_id: str, campaign_id: str, due_at: int, key: str) -> None:
        F(f"{_campaign_pk(corp_id, campaign_id)}#due", f"{due_at:012d}#{key}", data={}).save()

    def due(self, corp_id: str, campaign_id: str, now: int, limit: int = 100) -> list[tuple[int, str]]:
        items = F.query(f"{_campaign_pk(corp_id, campaign_id)}#due", F.sk <= f"{now:012d}#~", limit=limit)
        out = []
        for i in items:
            at, _, key = str(i.sk).partition("#")
            out.append((int(at), key))
        return out

    def drop_due(self, corp_id: str, campaign_id: str, due_at: int, key: str) -> None:
        F(f"{_campaign_pk(corp_id, campaign_id)}#due", f"{due_at:012d}#{key}").delete()

    # the coupon pool -------------------------------------------------------------------------------------
    def add_codes(self, corp_id: str, campaign_id: str, codes: Sequence[str]) -> int:
        pk = f"{_campaign_pk(corp_id, campaign_id)}#pool"
        added = 0
        for code in dict.fromkeys(codes):
            if not save_if(F(pk, f"seen#{code}", data={}), F.pk.does_not_exist()):
                continue  # uploaded before (free or drawn): never a second time in the pool
            F(pk, f"free#{code}", data={"code": code}).save()
            added += 1
        return added

    def draw_code(self, corp_id: str, campaign_id: str, key: str) -> str | None:
        pk = f"{_campaign_pk(corp_id, campaign_id)}#pool"
        for _ in range(DRAW_TRIES):
            mine = consistent_get(F, pk, f"used#{key}")
            if mine is not None:
                return str((mine.data or {}).get("code") or "")
            free = list(F.query(pk, F.sk.startswith("free#"), consistent_read=True, limit=1))
            if not free:
                return None
            code = str(free[0].sk)[5:]

            def build(tx: TransactWrite, code: str = code) -> None:
                tx.delete(F(pk, f"free#{code}"), condition=F.pk.exists())
                tx.save(F(pk, f"used#{key}", data={"code": code}), condition=F.pk.does_not_exist())

            if transact_if(build):
                return code
        raise RuntimeError("coupon draw kept losing to other workers; the event or job is retried")

    # inviters waiting for a code (the pool was empty when they reached the threshold) -------------------
    def add_waiting(self, corp_id: str, campaign_id: str, key: str) -> None:
        F(f"{_campaign_pk(corp_id, campaign_id)}#wait", key, data={}).save()

    def waiting(self, corp_id: str, campaign_id: str, limit: int = 100) -> list[str]:
        items = F.query(f"{_campaign_pk(corp_id, campaign_id)}#wait", consistent_read=True, limit=limit)
        return [str(i.sk) for i in items]

    def waiting_count(self, corp_id: str, campaign_id: str) -> int:
        return F.count(f"{_campaign_pk(corp_id, campaign_id)}#wait", consistent_read=True)

    def drop_waiting(self, corp_id: str, campaign_id: str, key: str) -> None:
        F(f"{_campaign_pk(corp_id, campaign_id)}#wait", key).delete()

    def pool(self, corp_id: str, campaign_id: str) -> dict[str, int]:
        pk = f"{_campaign_pk(corp_id, campaign_id)}#pool"
        return {"free": F.count(pk, F.sk.startswith("free#"), consistent_read=True),
                "used": F.count(pk, F.sk.startswith("used#"), consistent_read=True)}  # fmt: skip
