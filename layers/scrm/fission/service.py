"""What fission campaigns do: the admin's campaigns and coupon pools, the inviter's poster and progress (the
public routes), the friends counted from callback events (an event observer), and the minute job that
confirms friends after K days, sends rewards and deletes an ended campaign's contact ways.

Exactly once, each:
- an inviter's contact way: the inviter item is created once (conditional put), and ``add_contact_way`` is
  called under its ``calling`` fence (as mass sends' parts): a second request sees a live mark and waits
  for the way; a mark left by a worker that died mid-call is resolved by finding the way that call made
  (list_contact_way over the mark's minutes, get_contact_way's ``state``) before calling again;
- a friend: one credit per (corp, campaign, friend), a conditional put, first inviter wins; a redelivered
  event finds its own credit and the inviter's friend entry and changes nothing;
- a reward: the inviter's code comes from the pool with a conditional write (a code goes to one inviter,
  and the same inviter gets the same code however often it is drawn), and add_msg_template runs under the
  reward's ``calling`` fence; a stale mark is resolved through get_groupmsg_list_v2 (a task of that member,
  since the mark, holding the code) before sending again. An inviter who reached the threshold while the
  pool was empty is told so once and put in the campaign's waiting index; an upload of codes (then the
  minute job) takes them from there through the same draw and fence.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrm.customers.ports import Directory
from scrm.fission import links
from scrm.fission.model import (
    ACTIVE,
    CONFIRMED,
    ENDED,
    LEASE_S,
    PENDING,
    Campaign,
    Inviter,
    inviter_key,
    parse_state,
    state_of,
)
from scrm.fission.ports import AdminNotices, Backgrounds, Customers, FissionRepo, FissionWeCom
from scrm.fission.spec import parse_campaign
from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.errors import Conflict, InvalidInput, NotFound, WeComRefused
from scrm.kernel.events import ExternalContactEvent, WeComEvent
from scrm.kernel.fence import VersionedWrite
from scrm.kernel.wecom_error import WeComError

log = logging.getLogger("scrm.fission")
ADOPT_SLACK_S = 10
WAIT_FOR_WAY_S = 8.0
MAX_CODES = 10_000  # a pool upload
CODE_MAX = 64
POOL_EMPTY_TEXT = "你已邀请满 {n} 位好友，恭喜！本期奖励券已发完，工作人员会尽快联系你补发。"
DELETE_BY_TRANSFER = "DELETE_BY_TRANSFER"
# Inviters left at pool_empty, served when codes come: by the upload itself up to SERVE_ON_UPLOAD (one WeCom
# call each, within the admin API's answer time), the rest by the minute job, WAITING_PER_RUN a campaign a run.
SERVE_ON_UPLOAD = 20
SERVE_ON_UPLOAD_S = 10.0  # and for at most this long: the admin API answers within 29 s
WAITING_PER_RUN = 100


def _campaign_id() -> str:
    return secrets.token_hex(4)  # 8 characters: the state stays within WeCom's 30


@dataclass(eq=False)
class Fission:
    repo: FissionRepo
    wecom: Callable[[str], FissionWeCom]
    customers: Customers
    backgrounds: Backgrounds
    directory: Directory
    notices: AdminNotices
    link_key: Callable[[str], bytes]
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def _now(self) -> int:
        return int(self.clock())

    def _inviters(self, corp_id: str) -> VersionedWrite[Inviter]:
        return VersionedWrite(lambda i: self.repo.save_inviter(corp_id, i),
                              lambda i: self.repo.inviter(corp_id, i.campaign_id, i.key))  # fmt: skip

    def _campaigns(self, corp_id: str) -> VersionedWrite[Campaign]:
        return VersionedWrite(lambda c: self.repo.save_campaign(corp_id, c),
                              lambda c: self.repo.campaign(corp_id, c.campaign_id))  # fmt: skip

    # the admin's campaigns -------------------------------------------------------------------------
    def create(self, corp_id: str, body: Mapping[str, Any], by: str) -> Campaign:
        campaign = parse_campaign(_campaign_id(), body, self._now(), by)
        found = self.backgrounds.media(corp_id, campaign.background)
        if found is None or found[0] != "image":
            raise InvalidInput("background", "background: not an image material of the corp's library")
        known = self.directory.known_employees(corp_id, campaign.members)
        missing = [m for m in campaign.members if m not in known]
        if missing:
            raise InvalidInput("members", f"members: unknown member {missing[0]!r} (not among the corp's synced employees)")
        if body.get("activate"):
            campaign.activate(self._now())
        if not self.repo.add_campaign(corp_id, campaign):
            raise Conflict("campaign id taken; retry")
        return campaign

    def get(self, corp_id: str, campaign_id: str) -> Campaign:
        found = self.repo.campaign(corp_id, campaign_id)
        if found is None:
            raise NotFound(f"no fission campaign {campaign_id}", "campaign_id")
        return found

    def show(self, corp_id: str, campaign_id: str) -> dict[str, Any]:
        campaign = self.get(corp_id, campaign_id)
        return {**campaign.shown(), "pool": self.repo.pool(corp_id, campaign_id)}

    def list(self, corp_id: str) -> list[Campaign]:
        return sorted(self.repo.campaigns(corp_id), key=lambda c: -c.created_at)

    def activate(self, corp_id: str, campaign_id: str) -> Campaign:
        campaign = self.get(corp_id, campaign_id)
        self._campaigns(corp_id).write(campaign, lambda c: c.activate(self._now()))
        return campaign

    def end(self, corp_id: str, campaign_id: str, call_budget: int = 200) -> dict[str, Any]:
        """Ended at once (no more posters or counting); its contact ways deleted within ``call_budget``
        calls, the rest by the minute job."""
        campaign = self.get(corp_id, campaign_id)
        self._campaigns(corp_id).write(campaign, lambda c: c.end(self._now()))
        left = self.clean_up(corp_id, campaign, call_budget)
        return {**campaign.shown(), "ways_left": left}

    def upload_codes(self, corp_id: str, campaign_id: str, codes: Sequence[str]) -> dict[str, Any]:
        """Codes added to the pool; inviters left waiting by an empty pool get theirs now (up to
        SERVE_ON_UPLOAD: ``served``), the rest by the minute job (``waiting``: still without a code)."""
        campaign = self.get(corp_id, campaign_id)
        cleaned = [c.strip() for c in codes if c.strip()]
        if not cleaned:
            raise InvalidInput("codes", "codes: at least one code")
        if len(cleaned) > MAX_CODES:
            raise InvalidInput("codes", f"codes: at most {MAX_CODES:,} an upload")
        bad = next((i for i, c in enumerate(cleaned) if len(c) > CODE_MAX or "{" in c), None)
        if bad is not None:
            raise InvalidInput(f"codes[{bad}]", f"codes[{bad}]: at most {CODE_MAX} characters, no braces")
        added = self.repo.add_codes(corp_id, campaign_id, cleaned)
        served = 0
        if added:
            now = self._now()

            def refill(c: Campaign) -> None:
                c.pool_size += added
                if c.pool_alerted:  # the next run-out is a new one (a later notice time): the admins are told again
                    c.pool_alerted = False
                    c.pool_refilled_at = max(now, (c.pool_refilled_at or c.created_at) + 1)

            self._campaigns(corp_id).write(campaign, refill)
            if campaign.status in (ACTIVE, ENDED):
                served = self.serve_waiting(corp_id, campaign, SERVE_ON_UPLOAD, self.clock() + SERVE_ON_UPLOAD_S)
        return {"added": added, "duplicates": len(cleaned) - added, "pool": self.repo.pool(corp_id, campaign_id),
                "served": served, "waiting": self.repo.waiting_count(corp_id, campaign_id)}  # fmt: skip

    def progress(self, corp_id: str, campaign_id: str, after: str = "", limit: int = 100) -> dict[str, Any]:
        campaign = self.get(corp_id, campaign_id)
        inviters, next_after = self.repo.inviters(corp_id, campaign_id, after, limit)
        rows = [{"key": i.key, "external_userid": i.external_userid, "name": i.name, "config_id": i.config_id,
                 "pending": i.pending, "confirmed": i.confirmed, "lost": i.lost, "reward_state": i.reward_state,
                 "reward_code": i.reward_code, "reward_error": i.reward_error}
                for i in inviters]  # fmt: skip
        return {"campaign_id": campaign_id, "status": campaign.status, "threshold": campaign.threshold,
                "items": rows, "next_after": next_after}  # fmt: skip

    def link(self, corp_id: str, campaign_id: str, external_userid: str, ttl_s: int = links.DEFAULT_TTL_S) -> dict[str, Any]:
        """The inviter's signed token (for the poster page's link in a welcome message or a send)."""
        self.get(corp_id, campaign_id)
        if not external_userid:
            raise InvalidInput("external_userid", "external_userid: required")
        expires = self._now() + ttl_s
        token = links.sign(self.link_key(corp_id), corp_id, campaign_id, external_userid, expires)
        return {"token": token, "expires_at": expires,
                "poster": f"/admin/public/fission/poster?t={token}",
                "progress": f"/admin/public/fission/progress?t={token}",
                "page": f"/landing/fission.html?t={token}"}  # fmt: skip

    # the inviter (public routes) ------------------------------------------------------------------------
    def _who(self, token: str) -> tuple[str, Campaign, str]:
        corp_id = links.corp_of(token)
        try:
            key = self.link_key(corp_id)
        except LookupError:
            raise InvalidInput("t", "t: not a poster link's token") from None
        corp_id, campaign_id, ext = links.verify(key, token, self.clock())
        campaign = self.repo.campaign(corp_id, campaign_id)
        if campaign is None:
            raise NotFound("no such campaign", "t")
        return corp_id, campaign, ext

    def poster(self, token: str) -> bytes:
        """The inviter's poster PNG; their contact way made on the first request."""
        corp_id, campaign, ext = self._who(token)
        if not campaign.running(self._now()):
            raise Conflict("the campaign is not running", "t")
        profile = self.customers.customer(corp_id, ext)
        if profile is None:
            raise NotFound("not a customer of this company", "t")
        name = str(profile.get("name") or "")
        inviter = self.ensure_way(corp_id, campaign, ext, name)
        from scrm.fission.poster import render

        def background() -> bytes | None:
            found = self.backgrounds.media(corp_id, campaign.background)
            return found[2] if found else None

        return render(corp_id, campaign, name, inviter.qr_code, background)

    def inviter_progress(self, token: str) -> dict[str, Any]:
        corp_id, campaign, ext = self._who(token)
        inviter = self.repo.inviter(corp_id, campaign.campaign_id, inviter_key(ext))
        if inviter is None:
            return {**Inviter(campaign.campaign_id, "", ext).progress(campaign), "poster_made": False}
        due = inviter.next_due(campaign.confirm_after_s())
        if due and due <= self._now():
            self.settle(corp_id, campaign, inviter.key)
            inviter = self.repo.inviter(corp_id, campaign.campaign_id, inviter.key) or inviter
        return {**inviter.progress(campaign), "poster_made": bool(inviter.config_id)}

    def ensure_way(self, corp_id: str, campaign: Campaign, ext: str, name: str) -> Inviter:
        key = inviter_key(ext)
        inviter = self.repo.inviter(corp_id, campaign.campaign_id, key)
        if inviter is None:
            fresh = Inviter(campaign.campaign_id, key, ext, name=name, state=state_of(campaign.campaign_id, key),
                            created_at=self._now())  # fmt: skip
            self.repo.add_inviter(corp_id, fresh)  # lost: another request made it first; read it
            inviter = self.repo.inviter(corp_id, campaign.campaign_id, key)
            if inviter is None:
                raise RuntimeError("inviter vanished after its creation")
        if inviter.external_userid != ext:
            raise Conflict("two customers share an inviter key in this campaign; ask the admin", "t")
        waited = 0.0
        while not inviter.config_id:
            now = self._now()
            stale = inviter.calling if inviter.calling and now - inviter.calling >= LEASE_S else 0
            if not inviter.begin_call(now):  # another request is making the way: wait for it
                if waited >= WAIT_FOR_WAY_S:
                    raise Conflict("the poster's code is being made; retry in a few seconds", "t")
                self.sleep(0.2)
                waited += 0.2
                inviter = self.repo.inviter(corp_id, campaign.campaign_id, key) or inviter
                continue
            if not self.repo.save_inviter(corp_id, inviter):
                inviter = self.repo.inviter(corp_id, campaign.campaign_id, key) or inviter
                continue
            made = self._adopt(corp_id, inviter.state, stale) if stale else None
            if made is None:
                made = self._add_way(corp_id, campaign, inviter)
            self._inviters(corp_id).write(inviter, lambda i, m=made: i.made(*m))
        return inviter

    def _add_way(self, corp_id: str, campaign: Campaign, inviter: Inviter) -> tuple[str, str]:
        members = list(campaign.members)
        fields = {"state": inviter.state, "user": members, "skip_verify": True,
                  "remark": f"裂变{campaign.campaign_id}"}  # fmt: skip
        try:
            return self.wecom(corp_id).add_contact_way(1 if len(members) == 1 else 2, fields)
        except WeComError as exc:  # WeCom answered: no way was made, the fence can go
            self._inviters(corp_id).write(inviter, lambda i: setattr(i, "calling", 0))
            raise WeComRefused(exc.errcode, exc.errmsg) from None

    def _adopt(self, corp_id: str, state: str, mark: int) -> tuple[str, str] | None:
        """The way a dead worker's call made (same state, made within the mark's lease), if any."""
        gw = self.wecom(corp_id)
        for config_id in gw.list_contact_way(mark - ADOPT_SLACK_S, mark + LEASE_S + ADOPT_SLACK_S):
            try:
                way = gw.get_contact_way(config_id)
            except WeComError:
                continue
            if way.get("state") == state:
                log.info("fission contact way adopted", extra={"state": state})
                return config_id, str(way.get("qr_code") or "")
        return None

    # counting (the event observer) -------------------------------------------------------------------------
    def observe(self, event: WeComEvent, event_id: str) -> list[str]:
        if not isinstance(event, ExternalContactEvent):
            return []
        corp, friend, userid = event.corp_id, event.external_user_id, event.user_id
        if not friend or not userid:
            return []
        if event.change_type == "add_external_contact":
            found = parse_state(event.state or "")
            return self.count(corp, found[0], found[1], friend, userid, event.create_time) if found else []
        if event.change_type in ("del_follow_user", "del_external_contact") and event.source != DELETE_BY_TRANSFER:
            return self.uncount(corp, friend, userid, event.create_time)
        return []

    def count(self, corp_id: str, campaign_id: str, key: str, friend: str, userid: str, at: int) -> list[str]:
        campaign = self.repo.campaign(corp_id, campaign_id)
        if campaign is None:
            return ["fission:unknown_campaign"]
        if not campaign.running(at):
            return ["fission:not_running"]
        inviter = self.repo.inviter(corp_id, campaign_id, key)
        if inviter is None:
            return ["fission:unknown_inviter"]
        if friend == inviter.external_userid:
            return ["fission:self_invite"]
        if self.customers.known_before(corp_id, friend, userid, at):
            return ["fission:not_new"]  # already the company's customer (another member's): no new friend
        owner = self.repo.claim_friend(corp_id, campaign_id, friend, key, userid, at)
        if owner != key:
            return ["fission:counted_elsewhere"]
        credited = self._inviters(corp_id).write(inviter, lambda i: i.credit(friend, userid, at))
        self.repo.add_due(corp_id, campaign_id, at + campaign.confirm_after_s(), key)  # again on a redelivery
        effects = ["fission:counted" if credited else "fission:counted_before"]
        if campaign.keep_days == 0:
            effects += self.settle(corp_id, campaign, key, at)
        return effects

    def uncount(self, corp_id: str, friend: str, userid: str, at: int) -> list[str]:
        effects: list[str] = []
        for credit in self.repo.credits(corp_id, friend):
            if credit.get("userid") != userid:
                continue  # the friend deleted another member: still the member's friend
            campaign = self.repo.campaign(corp_id, str(credit["campaign_id"]))
            if campaign is None or at >= int(credit.get("at") or 0) + campaign.confirm_after_s():
                continue  # stayed K days: counted for good
            inviter = self.repo.inviter(corp_id, campaign.campaign_id, str(credit["key"]))
            if inviter is not None and self._inviters(corp_id).write(inviter, lambda i: i.uncredit(friend)):
                effects.append("fission:uncounted")
        return effects

    # confirmation and reward ---------------------------------------------------------------------------------
    def settle(self, corp_id: str, campaign: Campaign, key: str, seen_at: int = 0) -> list[str]:
        """Confirm the inviter's friends whose K days passed (still friends: the store's relation is active),
        then send the reward once the threshold is reached. ``seen_at``: the event's time, when WeCom's clock
        is ahead of ours (with K = 0 a friend is due the second they came)."""
        inviter = self.repo.inviter(corp_id, campaign.campaign_id, key)
        if inviter is None:
            return []
        now, keep_s = max(self._now(), seen_at), campaign.confirm_after_s()
        due = [(f, e) for f, e in inviter.friends.items()
               if e.get("state") == PENDING and int(e.get("at") or 0) + keep_s <= now]  # fmt: skip
        gone = {f for f, e in due if not self.customers.is_friend(corp_id, f, str(e.get("userid") or ""))}

        def confirm(i: Inviter) -> int:
            for f in gone:
                i.uncredit(f)
            return len(i.confirm_due(now, keep_s))

        effects: list[str] = []
        if due:
            confirmed = self._inviters(corp_id).write(inviter, confirm)
            effects.append(f"fission:confirmed:{confirmed}")
        if inviter.earned(campaign.threshold) and inviter.reward_state not in ("sent", "pool_empty"):
            effects.append(f"fission:reward:{self.reward(corp_id, campaign, inviter)}")
        return effects

    def reward(self, corp_id: str, campaign: Campaign, inviter: Inviter) -> str:
        now = self._now()
        if inviter.reward_state == "calling" and now - inviter.reward_calling < LEASE_S:
            return "busy"
        stale = inviter.reward_calling if inviter.reward_state == "calling" else 0
        code = self.repo.draw_code(corp_id, campaign.campaign_id, inviter.key)
        if not code:
            if inviter.reward_state == "pool_empty":
                return "pool_empty"  # told before; still waiting for an upload
            # Before the mark: a worker that dies after it still leaves the inviter where uploads look.
            self.repo.add_waiting(corp_id, campaign.campaign_id, inviter.key)
        if not self._inviters(corp_id).mark(inviter, lambda i: i.begin_reward(now, code or "") or None):
            return "busy"
        members = self.customers.members_of(corp_id, inviter.external_userid)
        member = next((m for m in campaign.members if m in members), members[0] if members else "")
        if not member:
            self._inviters(corp_id).write(inviter, lambda i: i.rewarded(
                "failed", error="no member holds the inviter as a customer now"))  # fmt: skip
            return "failed"
        text = campaign.reward(code) if code else POOL_EMPTY_TEXT.format(n=campaign.threshold)
        outcome = "sent" if code else "pool_empty"
        msgid = self._sent_before(corp_id, member, stale, text) if stale else ""
        if not msgid:
            try:
                msgid, fails = self.wecom(corp_id).add_msg_template(
                    "single", {"text": {"content": text}}, sender=member, external_userids=[inviter.external_userid])
            except WeComError as exc:
                if errcodes.alert_passing(exc.errcode):
                    raise  # the mark goes stale; the next pass finds the task or sends
                why = f"WeCom {exc.errcode}: {exc.errmsg}"[:200]
                self._inviters(corp_id).write(inviter, lambda i: i.rewarded("failed", member=member, error=why))
                return "failed"
            if inviter.external_userid in fails:
                self._inviters(corp_id).write(inviter, lambda i: i.rewarded(
                    "failed", msgid, member, "WeCom could not reach the inviter (fail_list)"))  # fmt: skip
                return "failed"
        self._inviters(corp_id).write(inviter, lambda i: i.rewarded(outcome, msgid, member))
        if not code:
            self._pool_empty(corp_id, campaign)
        log.info("fission reward", extra={"campaign_id": campaign.campaign_id, "outcome": outcome})
        return outcome

    def _sent_before(self, corp_id: str, member: str, mark: int, text: str) -> str:
        """The task a dead worker's add_msg_template made for this reward (same member and text, created
        since its mark), '' when none."""
        for msg in self.wecom(corp_id).groupmsg_list("single", mark - ADOPT_SLACK_S, self._now() + ADOPT_SLACK_S,
                                                     creator=member):  # fmt: skip
            if (msg.get("text") or {}).get("content") == text:
                return str(msg.get("msgid") or "")
        return ""

    def _pool_empty(self, corp_id: str, campaign: Campaign) -> None:
        """The admins, once per run-out (the notice's key and the last refill's time), and the campaign's flag
        for the console."""
        campaign = self.repo.campaign(corp_id, campaign.campaign_id) or campaign  # a refill since it was read
        lines = [f"活动 {campaign.campaign_id} 的奖励券已用完",
                 "请上传新的奖励券：已达标的客户在上传后自动收到券码"]  # fmt: skip
        self.notices.notify_admins(corp_id, f"fission-pool-{campaign.campaign_id}",
                                   campaign.pool_refilled_at or campaign.created_at,
                                   f"裂变活动奖励券已发完：{campaign.name}", lines)  # fmt: skip
        if not campaign.pool_alerted:
            self._campaigns(corp_id).write(campaign, lambda c: setattr(c, "pool_alerted", True))

    def serve_waiting(self, corp_id: str, campaign: Campaign, budget: int, until: float = 0.0) -> int:
        """Send their codes to inviters who reached the threshold while the pool was empty, at most ``budget``
        of them and (``until``) no later than that clock time; how many were sent. Each goes through :meth:`reward`, so the code is drawn with the same
        transaction and the send runs under the reward's fence: an upload and the job serving at once, or a
        retried job, send one task per inviter. An inviter leaves the index once sent (or failed); a busy one
        (another worker's live mark) stays for the next pass; an empty pool stops the pass."""
        served = 0
        for key in self.repo.waiting(corp_id, campaign.campaign_id, budget):
            if until and self.clock() >= until:
                break  # the rest are the minute job's
            inviter = self.repo.inviter(corp_id, campaign.campaign_id, key)
            if inviter is None or inviter.reward_state in ("sent", "failed"):
                self.repo.drop_waiting(corp_id, campaign.campaign_id, key)
                continue
            outcome = self.reward(corp_id, campaign, inviter)
            if outcome == "pool_empty":  # no code left: the others wait too, and the admins hear it ran out again
                if not campaign.pool_alerted:
                    self._pool_empty(corp_id, campaign)
                break
            if outcome in ("sent", "failed"):
                self.repo.drop_waiting(corp_id, campaign.campaign_id, key)
                served += outcome == "sent"
        return served

    # the minute job --------------------------------------------------------------------------------------------
    def advance(self, corp_id: str, call_budget: int = 500) -> dict[str, Any]:
        out: dict[str, Any] = {}
        now = self._now()
        for campaign in self.repo.campaigns(corp_id):
            done: dict[str, Any] = {}
            if campaign.status == ACTIVE and now >= campaign.end_at:
                self._campaigns(corp_id).write(campaign, lambda c: c.end(now))
                done["ended"] = True
            if campaign.status in (ACTIVE, ENDED):
                settled = 0
                for due_at, key in self.repo.due(corp_id, campaign.campaign_id, now):
                    self.settle(corp_id, campaign, key)
                    self.repo.drop_due(corp_id, campaign.campaign_id, due_at, key)
                    settled += 1
                if settled:
                    done["settled"] = settled
                served = self.serve_waiting(corp_id, campaign, WAITING_PER_RUN)  # codes uploaded since they waited
                if served:
                    done["served"] = served
            if campaign.ways_left:
                done["ways_left"] = self.clean_up(corp_id, campaign, call_budget)
            if done:
                out[campaign.campaign_id] = done
        return out

    def clean_up(self, corp_id: str, campaign: Campaign, call_budget: int) -> int:
        """Delete the ended campaign's contact ways, at most ``call_budget`` calls; how many are left (0: done,
        and the campaign says so). Resumable: a way deleted is marked on its inviter, so a later pass skips it."""
        if campaign.status != ENDED:
            return 0
        gw = self.wecom(corp_id)
        left, calls, after = 0, 0, ""
        now = self._now()
        while True:
            page, after = self.repo.inviters(corp_id, campaign.campaign_id, after, 100)
            for inviter in page:
                if inviter.way_deleted:
                    continue
                if not inviter.config_id:
                    if not inviter.calling:
                        continue  # never made: nothing to delete
                    if now - inviter.calling < LEASE_S or calls >= call_budget:
                        left += 1  # a call in flight (or no budget): the next pass looks again
                        continue
                    calls += 1
                    made = self._adopt(corp_id, inviter.state, inviter.calling)
                    if made is None:  # the dead worker's call made nothing
                        self._inviters(corp_id).write(inviter, lambda i: setattr(i, "way_deleted", True))
                        continue
                    self._inviters(corp_id).write(inviter, lambda i, m=made: i.made(*m))
                if calls >= call_budget:
                    left += 1
                    continue
                calls += 1
                try:
                    gw.del_contact_way(inviter.config_id)
                except WeComError as exc:
                    if not errcodes.is_deleted(exc.errcode):
                        raise
                self._inviters(corp_id).write(inviter, lambda i: setattr(i, "way_deleted", True))
            if not after:
                break
        if not left:
            self._campaigns(corp_id).write(campaign, lambda c: setattr(c, "ways_left", False))
        return left


__all__ = ["CONFIRMED", "Fission"]
