"""Moment tasks over fakes (issue 20): the spec's 400s naming the field and nothing stored, a create that is
made once per request, the WeCom call made at most once (a live mark keeps a second worker out; a lost
answer's moment is adopted, not created again), the job followed to its moment and its invalid senders and
tags, WeCom's refusals recorded with their code, schedules, and cancel before, during and after the job."""

from __future__ import annotations

from typing import Any

import pytest
from scrm.kernel.errors import DomainError
from scrm.kernel.wecom_error import WeComError
from scrm.moments import service as S
from scrm.moments.model import LEASE_S
from scrm.moments.service import Moments
from scrm.moments.spec import parse_spec, wecom_body

from tests.unit.moment_fakes import (
    CORP,
    START,
    Clock,
    FakeDirectory,
    FakeMaterials,
    FakeMomentRepo,
    FakeMomentWeCom,
)
from tests.unit.refusals import status

PNG = ("image", "a.png", b"\x89PNG" + b"0" * 100)
MP4 = ("video", "v.mp4", b"\x00\x00\x00\x18ftypmp42" + b"0" * 100)
BODY = {"name": "新品上架", "text": "秋季新品到店", "images": ["m1", "m2"], "senders": ["alice", "bob"],
        "tags": ["t1"]}  # fmt: skip


def world(**wecom: Any) -> tuple[Moments, FakeMomentRepo, FakeMomentWeCom, Clock]:
    clock = Clock()
    repo = FakeMomentRepo()
    gw = FakeMomentWeCom(clock, members={"alice", "bob"}, tags={"t1"}, **wecom)
    materials = FakeMaterials({"m1": PNG, "m2": PNG, "v1": MP4})
    svc = Moments(repo, lambda corp: gw, materials, FakeDirectory(["alice", "bob", "carol"], ["t1", "t2"]), clock)
    return svc, repo, gw, clock


def _refused(svc: Moments, body: dict[str, Any]) -> str:
    with pytest.raises(DomainError) as err:
        svc.create(CORP, body, "admin")
    assert status(err.value) == 400
    return err.value.field


@pytest.mark.parametrize("change, field", [
    ({"name": ""}, "name"),
    ({"text": "字" * 2001}, "text"),
    ({"images": [f"m{i}" for i in range(10)]}, "images"),
    ({"video": "v1"}, "video"),  # images and a video
    ({"images": [], "link": {"title": "t", "url": "https://e.example", "cover": "m1"}, "video": "v1"}, "link"),
    ({"images": [], "link": {"title": "t", "url": "https://e.example"}}, "link.cover"),
    ({"images": [], "link": {"title": "活" * 22, "url": "https://e.example", "cover": "m1"}}, "link.title"),
    ({"images": [], "text": " "}, "text"),
    ({"images": [], "link": {"title": "t", "url": "ftp://e.example"}}, "link.url"),
    ({"images": [], "link": {"url": "https://e.example"}}, "link.title"),
    ({"senders": ["alice", "nobody"]}, "senders[1]"),
    ({"tags": ["t1", "etNoSuchTag"]}, "tags[1]"),
    ({"images": ["m1", "v1"]}, "images[1]"),  # a video material where an image is wanted
    ({"images": ["m404"]}, "images[0]"),
    ({"departments": [0]}, "departments[0]"),
    ({"schedule_at": START + 31 * 86_400}, "schedule_at"),
    ({"request_id": "x" * 65}, "request_id"),
])  # fmt: skip
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(change, field):
    svc, repo, gw, _ = world()
    assert _refused(svc, {**BODY, **change}) == field
    assert repo.items == {} and gw.calls == {}


def test_a_create_is_made_once_per_request_and_the_same_body_while_open():
    svc, repo, gw, _ = world()
    a, created = svc.create(CORP, BODY, "admin")
    assert created and a.state == "new"
    assert svc.create(CORP, BODY, "admin")[1] is False
    b, created = svc.create(CORP, {**BODY, "request_id": "r1"}, "admin")
    assert created and b.moment_task_id != a.moment_task_id
    assert svc.create(CORP, {**BODY, "request_id": "r1"}, "admin")[0].moment_task_id == b.moment_task_id
    svc.cancel(CORP, a.moment_task_id)
    c, created = svc.create(CORP, BODY, "admin")  # the same body after the first ended: a new task
    assert created and c.moment_task_id not in (a.moment_task_id, b.moment_task_id)


def test_the_task_is_created_in_wecom_once_with_fresh_media_and_followed_to_its_moment():
    svc, repo, gw, clock = world(job_polls=2)
    m, _ = svc.create(CORP, {**BODY, "senders": ["alice", "carol"], "tags": ["t1", "t2"]}, "admin")
    assert svc.run(CORP, m.moment_task_id) == S.CALLED
    assert [u[0] for u in gw.uploads] == ["image", "image"]  # uploaded just before the call
    body = next(iter(gw.jobs.values())).body
    assert body["text"] == {"content": "秋季新品到店"}
    assert body["attachments"] == [{"msgtype": "image", "image": {"media_id": "media-1"}},
                                   {"msgtype": "image", "image": {"media_id": "media-2"}}]  # fmt: skip
    assert body["visible_range"] == {"sender_list": {"user_list": ["alice", "carol"]},
                                     "external_contact_list": {"tag_list": ["t1", "t2"]}}  # fmt: skip
    assert svc.run(CORP, m.moment_task_id) in (S.RUNNING,)  # a repeat of the step polls, never calls again
    assert svc.poll(CORP, m.moment_task_id) == S.RUNNING
    assert svc.poll(CORP, m.moment_task_id) == S.DONE
    done = svc.get(CORP, m.moment_task_id)
    assert (done.state, done.moment_id) == ("created", "mom1")
    assert (done.invalid_senders, done.invalid_customers) == (["carol"], ["t2"])  # WeCom's reasons kept
    assert svc.run(CORP, m.moment_task_id) == "created" and gw.calls["add_moment_task"] == 1


def test_a_live_mark_keeps_a_second_worker_out():
    svc, repo, gw, clock = world()
    m, _ = svc.create(CORP, BODY, "admin")
    held = repo.get(CORP, m.moment_task_id)
    held.begin_call(int(clock()))
    assert repo.save(CORP, held)
    assert svc.run(CORP, m.moment_task_id) == S.BUSY
    assert "add_moment_task" not in gw.calls and gw.uploads == []


def test_a_lost_answer_is_adopted_from_the_corps_moments_not_created_twice():
    svc, repo, gw, clock = world()
    m, _ = svc.create(CORP, BODY, "admin")
    gw.lose_answer_next = 1
    with pytest.raises(TimeoutError):
        svc.run(CORP, m.moment_task_id)
    assert svc.run(CORP, m.moment_task_id) == S.BUSY  # the mark is live
    clock.t += LEASE_S + 1
    assert svc.run(CORP, m.moment_task_id) == S.ADOPTED
    assert gw.calls["add_moment_task"] == 1
    got = svc.get(CORP, m.moment_task_id)
    assert (got.state, got.moment_id) == ("created", "mom1")


def test_a_lost_call_that_made_nothing_waits_then_calls_again():
    svc, repo, gw, clock = world()
    m, _ = svc.create(CORP, BODY, "admin")
    gw.fail_next.append(TimeoutError("no answer, and WeCom made nothing"))
    with pytest.raises(TimeoutError):
        svc.run(CORP, m.moment_task_id)
    clock.t += LEASE_S + 1
    assert svc.run(CORP, m.moment_task_id) == S.WAIT  # the job may still be running in WeCom
    clock.t += S.ADOPT_WAIT_S
    assert svc.run(CORP, m.moment_task_id) == S.CALLED
    assert gw.calls["add_moment_task"] == 2 and len(gw.jobs) == 1


def test_a_retriable_refusal_ends_the_step_and_a_final_one_fails_with_wecoms_code():
    svc, repo, gw, clock = world()
    m, _ = svc.create(CORP, BODY, "admin")
    gw.fail_next.append(WeComError(45033, "busy", "externalcontact/add_moment_task"))
    assert svc.run(CORP, m.moment_task_id) == S.RETRY
    assert svc.get(CORP, m.moment_task_id).state == "new"
    gw.fail_next.append(WeComError(41066, "invalid attachments", "externalcontact/add_moment_task"))
    assert svc.run(CORP, m.moment_task_id) == S.REFUSED
    got = svc.get(CORP, m.moment_task_id)
    assert (got.state, got.error) == ("failed", 41066) and "invalid attachments" in got.reason
    assert svc.run(CORP, m.moment_task_id) == "failed" and gw.calls["add_moment_task"] == 2


def test_a_scheduled_task_waits_for_its_time():
    svc, repo, gw, clock = world()
    m, _ = svc.create(CORP, {**BODY, "schedule_at": START + 3600}, "admin")
    assert svc.run(CORP, m.moment_task_id) == S.NOT_DUE and gw.calls == {}
    clock.t += 3600
    assert svc.run(CORP, m.moment_task_id) == S.CALLED


def test_cancel_before_the_call_during_the_job_and_after():
    svc, repo, gw, clock = world(job_polls=1)
    early, _ = svc.create(CORP, {**BODY, "request_id": "a"}, "admin")
    assert svc.cancel(CORP, early.moment_task_id).state == "cancelled"
    assert svc.run(CORP, early.moment_task_id) == "cancelled" and gw.calls == {}

    during, _ = svc.create(CORP, {**BODY, "request_id": "b"}, "admin")
    svc.run(CORP, during.moment_task_id)
    pending = svc.cancel(CORP, during.moment_task_id)
    assert pending.state == "job" and pending.extra["cancel_pending"]
    assert svc.poll(CORP, during.moment_task_id) == S.RUNNING
    assert svc.poll(CORP, during.moment_task_id) == S.DONE
    assert svc.get(CORP, during.moment_task_id).state == "cancelled"
    assert gw.calls["cancel_moment_task"] == 1 and all(j.cancelled for j in gw.jobs.values())

    after, _ = svc.create(CORP, {**BODY, "request_id": "c"}, "admin")
    svc.run(CORP, after.moment_task_id)
    svc.poll(CORP, after.moment_task_id)
    svc.poll(CORP, after.moment_task_id)
    assert svc.cancel(CORP, after.moment_task_id).state == "cancelled"
    assert gw.calls["cancel_moment_task"] == 2


def test_a_job_past_its_24_hours_fails_in_words():
    svc, repo, gw, clock = world(job_polls=10)
    m, _ = svc.create(CORP, BODY, "admin")
    svc.run(CORP, m.moment_task_id)
    clock.t += 86_400
    assert svc.poll(CORP, m.moment_task_id) == S.FAILED_JOB
    assert svc.get(CORP, m.moment_task_id).reason == "job_expired"


def test_wecoms_body_for_a_link_and_a_video_and_no_range():
    link = parse_spec({"name": "n", "link": {"title": "活动", "url": "https://e.example/a", "cover": "m1"}}, START)
    assert wecom_body(link, ["media-9"]) == {"attachments": [{"msgtype": "link", "link": {
        "title": "活动", "url": "https://e.example/a", "media_id": "media-9"}}]}  # fmt: skip
    video = parse_spec({"name": "n", "text": "看视频", "video": "v1", "departments": [2, 3]}, START)
    assert wecom_body(video, ["media-1"])["attachments"] == [{"msgtype": "video", "video": {"media_id": "media-1"}}]
    assert wecom_body(video, ["media-1"])["visible_range"] == {"sender_list": {"department_list": [2, 3]}}


# results (issue 20 item 2) ----------------------------------------------------------------------------------
def _created(job_polls: int = 0) -> tuple[Moments, FakeMomentRepo, Any, Clock, str, str]:
    from scrm.moments.results import MomentResults

    from tests.unit.moment_fakes import FakeResults, FakeTimeline

    clock = Clock()
    repo = FakeMomentRepo()
    gw = FakeMomentWeCom(clock, members={"alice", "bob"}, tags={"t1"}, job_polls=job_polls)
    reads, timeline = FakeResults(), FakeTimeline()

    class Both:  # one gateway makes the task's calls and the results' reads, as WeComGateway does
        def __getattr__(self, name: str) -> Any:
            return getattr(gw if hasattr(gw, name) else reads, name)

    directory = FakeDirectory(["alice", "bob", "carol"], ["t1"])
    directory.depts = {"alice": [2], "bob": [2, 3], "carol": [3]}
    svc = Moments(repo, lambda corp: Both(), FakeMaterials({"m1": PNG, "m2": PNG}), directory, clock,
                  results=MomentResults(repo, lambda corp: Both(), timeline, clock,
                                        departments=directory.departments))  # fmt: skip
    m, _ = svc.create(CORP, {"name": "周末", "text": "周末活动", "senders": ["alice", "bob", "carol"]}, "admin")
    svc.advance(CORP)  # the call, then the job is asked on the next runs
    svc.advance(CORP)
    moment = svc.get(CORP, m.moment_task_id)
    assert moment.state == "created"
    svc.reads, svc.timeline = reads, timeline  # type: ignore[attr-defined]
    return svc, repo, reads, clock, m.moment_task_id, moment.moment_id


def test_results_store_who_posted_what_it_reached_and_put_each_interaction_on_the_timeline_once():
    from tests.unit.moment_fakes import Post

    svc, repo, reads, clock, tid, mid = _created()
    reads.posts[mid] = {
        "alice": Post(True, reached=["c1", "c2", "c3"], likes=[{"external_userid": "c1", "create_time": START + 5}],
                      comments=[{"external_userid": "c2", "create_time": START + 6},
                                {"userid": "bob", "create_time": START + 7}]),
        "bob": Post(False), "carol": Post(True, reached=["c4"]),
    }  # fmt: skip
    assert svc.advance(CORP) == {"results": 1}
    p = svc.progress(CORP, tid)
    assert (p["members"], p["posted"], p["rate"], p["reached"], p["likes"], p["comments"]) == (3, 2, 0.6667, 4, 1, 1)
    assert p["by_department"] == [{"department": 2, "name": "", "members": 2, "posted": 1, "rate": 0.5},
                                  {"department": 3, "name": "", "members": 2, "posted": 1, "rate": 0.5}]  # fmt: skip
    page = svc.members(CORP, tid)
    assert {r["userid"]: r["published"] for r in page["items"]} == {"alice": True, "bob": False, "carol": True}
    assert page["next_cursor"] == ""
    kinds = sorted((s, e["change_type"]) for (_, s, _), e in svc.timeline.entries.items())  # type: ignore[attr-defined]
    assert kinds == [("customer:c1", "moment_like"), ("customer:c2", "moment_comment")]  # a member's comment is not
    # The next pass waits 10 minutes; then it reads again and writes the same timeline items, nothing new.
    assert svc.advance(CORP) == {"waiting": 1}
    clock.t += 600
    entries = dict(svc.timeline.entries)  # type: ignore[attr-defined]
    assert svc.advance(CORP) == {"results": 1}
    assert svc.timeline.entries == entries  # type: ignore[attr-defined]


def test_a_pass_cut_by_its_budget_goes_on_where_it_stopped_and_calls_stay_at_the_minimum():
    from scrm.moments import results as R

    from tests.unit.moment_fakes import Post

    svc, repo, reads, clock, tid, mid = _created()
    reads.posts[mid] = {f"u{i:03d}": Post(True, reached=[f"c{i}"]) for i in range(30)}
    got = svc.results.collect(CORP, svc.get(CORP, tid), budget=21)  # type: ignore[union-attr]
    # 1 page of members, then 3 calls a member (its customer-list page, its send-result page, its comments):
    # 6 members read in 19 calls, the 7th stops at the budget after 2 of its 3
    assert (got["read"], got["position"], got["done"], got["calls"]) == (6, 6, False, 21)
    before = sum(reads.calls.values())
    moment = svc.get(CORP, tid)
    moment.extra["results_position"] = 0
    full = svc.results.collect(CORP, moment, budget=R.RUN_BUDGET)  # type: ignore[union-attr]
    assert full["done"] and full["calls"] == 1 + 3 * 30 == sum(reads.calls.values()) - before
    assert svc.progress(CORP, tid)["posted"] == 30


def test_a_task_is_closed_when_nothing_is_left_to_follow():
    from scrm.moments import results as R

    svc, repo, reads, clock, tid, mid = _created()
    reads.posts[mid] = {}
    clock.t += R.FOLLOW_S
    assert svc.advance(CORP) == {"closed": 1}
    assert repo.open_ids(CORP) == [] and svc.advance(CORP) == {}
    failed, _ = svc.create(CORP, {**BODY, "request_id": "f"}, "admin")
    svc.cancel(CORP, failed.moment_task_id)
    assert svc.advance(CORP) == {"closed": 1}


def test_members_who_have_not_posted_after_the_delay_are_reminded_once_and_a_full_allowance_is_retried():
    from tests.unit.moment_fakes import Post

    svc, repo, reads, clock, tid, mid = _created()
    reads.posts[mid] = {"alice": Post(True), "bob": Post(False), "carol": Post(False)}
    asked: list[str] = []
    answers = {"bob": ["sent"], "carol": ["full", "sent"]}
    svc.results.remind = lambda corp, moment, userid: (asked.append(userid), answers[userid].pop(0))[1]  # type: ignore[union-attr]
    assert svc.advance(CORP) == {"results": 1} and asked == []  # not a day old yet
    clock.t += 24 * 3600
    svc.advance(CORP)
    assert asked == ["bob", "carol"]
    clock.t += 600
    svc.advance(CORP)
    assert asked == ["bob", "carol", "carol"]  # carol's allowance was full: asked again; bob never again
    clock.t += 600
    svc.advance(CORP)
    assert asked == ["bob", "carol", "carol"]
    assert {m["userid"]: m["reminded"] for m in svc.member_rows(CORP, tid)} == {
        "alice": "", "bob": "sent", "carol": "sent"}  # fmt: skip


def test_no_reminder_when_the_task_says_never():
    svc, repo, gw, clock = world()
    with pytest.raises(DomainError) as err:
        svc.create(CORP, {**BODY, "remind_after_hours": 169}, "admin")
    assert err.value.field == "remind_after_hours"
    m, _ = svc.create(CORP, {**BODY, "remind_after_hours": 0}, "admin")
    assert m.parsed().remind_after_hours == 0


def test_the_corps_shared_budget_running_out_mid_pass_keeps_the_position():
    from scrm.kernel.throttle import Throttled

    from tests.unit.moment_fakes import Post

    svc, repo, reads, clock, tid, mid = _created()
    reads.posts[mid] = {f"u{i}": Post(True) for i in range(5)}
    real = reads.moment_comments
    seen: list[str] = []

    def comments(moment_id: str, userid: str) -> dict[str, Any]:
        seen.append(userid)
        if len(seen) == 3:
            raise Throttled("externalcontact/get_moment_comments", 60.0)
        return real(moment_id, userid)

    reads.moment_comments = comments
    assert svc.advance(CORP) == {"results_partial": 1}
    assert svc.get(CORP, tid).extra["results_position"] == 2
    assert svc.advance(CORP) == {"results": 1}  # goes on at once, from the third member
    assert seen == ["u0", "u1", "u2", "u2", "u3", "u4"]


def test_the_senders_live_beside_the_task_and_a_lost_chunk_never_becomes_every_member():
    svc, repo, gw, clock = world()
    m, _ = svc.create(CORP, BODY, "admin")
    stored = repo.items[(CORP, m.moment_task_id)]
    assert stored.spec["senders"] == [] and stored.spec["senders_count"] == 2
    assert svc.get(CORP, m.moment_task_id).listed()["spec"]["senders"] == 2
    repo.sender_lists[(CORP, m.moment_task_id)] = ["alice"]  # a chunk gone
    with pytest.raises(RuntimeError):
        svc.run(CORP, m.moment_task_id)
    assert "add_moment_task" not in gw.calls


def test_a_links_own_fields_are_named_with_their_path():
    for link, field in (({"title": 5, "url": "https://e.example", "cover": "m1"}, "link.title"),
                        ({"title": "t", "url": "u" * 1025, "cover": "m1"}, "link.url")):  # fmt: skip
        with pytest.raises(DomainError) as err:
            parse_spec({"name": "n", "link": link}, START)
        assert err.value.field == field


def test_refresh_makes_the_next_run_read_from_the_first_member_and_only_while_results_are_read():
    from scrm.kernel.errors import Conflict
    from scrm.moments import results as R

    from tests.unit.moment_fakes import Post

    svc, repo, reads, clock, tid, mid = _created()
    reads.posts[mid] = {"alice": Post(False)}
    assert svc.advance(CORP) == {"results": 1}
    reads.posts[mid] = {"alice": Post(True, reached=["c1"])}
    assert svc.advance(CORP) == {"waiting": 1}  # the 10-minute round
    svc.refresh(CORP, tid)
    assert svc.advance(CORP) == {"results": 1}
    assert svc.progress(CORP, tid)["posted"] == 1
    clock.t += R.FOLLOW_S
    with pytest.raises(Conflict, match="7 days"):
        svc.refresh(CORP, tid)
    fresh, _ = svc.create(CORP, {**BODY, "request_id": "r"}, "admin")
    with pytest.raises(Conflict, match="a new moment task has no results"):
        svc.refresh(CORP, fresh.moment_task_id)


def test_a_continued_run_reads_the_members_its_pass_stored_not_get_moment_task_again():
    from scrm.moments import results as R

    from tests.unit.moment_fakes import Post

    svc, repo, reads, clock, tid, mid = _created()
    reads.posts[mid] = {f"u{i:03d}": Post(i % 2 == 0, reached=[f"c{i}"]) for i in range(30)}  # 15 posted
    assert svc.advance(CORP) == {"results": 1}  # a whole pass first: 1 + 3 × 15 calls
    clock.t += R.RESULTS_EVERY_S
    before = dict(reads.calls)
    moment = svc.get(CORP, tid)
    cut = svc.results.collect(CORP, moment, budget=1 + 3 * 5)  # type: ignore[union-attr]
    assert (cut["read"], cut["position"], cut["done"]) == (5, 5, False)
    moment.extra["results_position"] = cut["position"]
    rest = svc.results.collect(CORP, moment, budget=R.RUN_BUDGET)  # type: ignore[union-attr]
    assert rest["done"] and rest["read"] == 10 and rest["members"] == 30 and rest["calls"] == 3 * 10
    spent = {k: v - before.get(k, 0) for k, v in reads.calls.items()}
    assert spent["get_moment_task"] == 1, spent  # the pass's first run only


def test_progress_is_the_runs_summary_and_members_come_a_page_at_a_time_filtered_by_posting():
    from scrm.kernel.field_error import FieldError

    from tests.unit.moment_fakes import Post

    svc, repo, reads, clock, tid, mid = _created()
    before = svc.progress(CORP, tid)  # no results run yet: the senders named, none posted
    assert (before["members"], before["posted"], before["results_at"], before["by_department"]) == (3, 0, 0, [])
    reads.posts[mid] = {"alice": Post(True, reached=["c1"]), "bob": Post(False), "carol": Post(False)}
    svc.advance(CORP)
    p = svc.progress(CORP, tid)
    assert (p["members"], p["posted"], p["reached"]) == (3, 1, 1) and "by_member" not in p
    assert [d["department"] for d in p["by_department"]] == [2, 3]
    first = svc.members(CORP, tid, limit=1, published=False)
    assert [r["userid"] for r in first["items"]] == ["bob"] and first["next_cursor"]
    second = svc.members(CORP, tid, cursor=first["next_cursor"], limit=1, published=False)
    assert [r["userid"] for r in second["items"]] == ["carol"] and second["next_cursor"] == ""
    assert [r["userid"] for r in svc.members(CORP, tid, published=True)["items"]] == ["alice"]
    with pytest.raises(FieldError) as bad:  # a cursor of the unfiltered list is not one of this list
        svc.members(CORP, tid, cursor=svc.members(CORP, tid, limit=1)["next_cursor"], published=False)
    assert bad.value.field == "cursor"


def test_a_run_stops_at_its_end_time_and_the_next_goes_on_where_it_stopped():
    """The minute job's Lambda stops at 55 s: a results pass stops at the run's end time, between calls, keeps
    its position, and one stopped before its first member is still due (not put off by 10 minutes)."""
    from tests.unit.moment_fakes import Post

    svc, repo, reads, clock, tid, mid = _created()
    reads.posts[mid] = {f"u{i:02d}": Post(True, reached=[f"c{i}"]) for i in range(10)}
    assert svc.advance(CORP, until=clock.t) == {"deferred": 1}  # no time left: nothing read, still due
    assert sum(reads.calls.values()) == 0

    ticking = reads.moment_comments

    def slow(moment_id: str, userid: str) -> dict[str, Any]:
        clock.t += 1  # each member's comments read takes a second
        return ticking(moment_id, userid)

    reads.moment_comments = slow  # type: ignore[method-assign]
    assert svc.advance(CORP, until=clock.t + 4) == {"results_partial": 1}
    moment = svc.get(CORP, tid)
    assert moment.extra["results_position"] == 4
    assert svc.advance(CORP) == {"results": 1}  # the next run reads the other 6, from where it stopped
    assert svc.progress(CORP, tid)["posted"] == 10 and reads.calls["get_moment_comments"] == 10


def _mp4(seconds: float, version: int = 0, timescale: int = 600) -> bytes:
    """An MP4 with a movie header saying ``seconds`` (version 0: 32-bit times, 1: 64-bit), before its media."""
    import struct

    duration = int(seconds * timescale)
    if version == 1:
        mvhd = bytes([1, 0, 0, 0]) + struct.pack(">QQIQ", 0, 0, timescale, duration) + b"\x00" * 80
    else:
        mvhd = bytes(4) + struct.pack(">IIII", 0, 0, timescale, duration) + b"\x00" * 80
    box = lambda kind, payload: struct.pack(">I4s", 8 + len(payload), kind) + payload  # noqa: E731
    return box(b"ftyp", b"mp42\x00\x00\x00\x00") + box(b"moov", box(b"mvhd", mvhd)) + box(b"mdat", b"\x00" * 64)


def test_a_video_over_30_seconds_is_a_400_naming_video_and_an_unreadable_one_is_left_to_wecom():
    from scrm.moments.video import mp4_seconds

    assert mp4_seconds(_mp4(12.5)) == 12.5 and mp4_seconds(_mp4(45, version=1)) == 45
    assert mp4_seconds(MP4[2]) is None and mp4_seconds(b"") is None and mp4_seconds(_mp4(3)[:30]) is None
    svc, repo, gw, clock = world()
    svc.materials.items.update({"long": ("video", "l.mp4", _mp4(31)), "short": ("video", "s.mp4", _mp4(29.9)),
                                "odd": ("video", "o.mp4", b"not an mp4")})  # type: ignore[attr-defined]
    body = {"name": "视频", "text": "新品视频", "senders": ["alice"]}
    with pytest.raises(DomainError) as err:
        svc.create(CORP, {**body, "video": "long"}, "admin")
    assert err.value.field == "video" and "31.0 s" in str(err.value) and repo.items == {}
    for ok in ("short", "odd"):  # within 30 s; a file we cannot read: WeCom judges it
        svc.create(CORP, {**body, "video": ok, "request_id": ok}, "admin")
    assert len(repo.items) == 2
