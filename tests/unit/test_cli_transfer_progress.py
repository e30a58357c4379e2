"""``scrm transfers … --wait``: the progress line of a handover job (built from the domain's own summary of
real chunks), how often a log gets a line, the waiting loop (fake clock), and the one-line errors."""

from __future__ import annotations

import argparse
import io

import pytest
from scrm.cli import transfer_progress as tp
from scrm.cli.follow import error_line, follow
from scrm.cli.progress import ProgressBar
from scrm.cli.transfers import ids_or_all, request_body, stops
from scrm.transfers import model as T
from scrm.transfers.job import TransferJob
from scrm.transfers.progress import summarize

from tests.unit.transfer_fakes import request_of

JOB = {"job_id": "t1", "kind": "resigned", "state": "running", "handover_userid": "leaver", "takers": ["a", "b"],
       "created_at": 1_700_000_000}  # fmt: skip


def progress(customers: dict[str, str], groups: dict[str, str] | None = None, state: str = "running") -> dict:
    """The admin API's progress dict for a job whose customers / groups are in the given states."""
    c = T.Chunk.new("t1", 1, "c", "a", list(customers), 1_700_000_000)
    for i, s in customers.items():
        c.entries[i] = T.Entry(s, "", 1_700_000_000)
    c.next_at = 1_700_090_000 if c.is_open() else 0
    chunks = [c]
    if groups:
        g = T.Chunk.new("t1", 1, "g", "b", list(groups), 1_700_000_000)
        for i, s in groups.items():
            g.entries[i] = T.Entry(s, "", 1_700_000_000)
        chunks.append(g)
    return summarize(TransferJob.from_dict({**JOB, "state": state}), chunks)


def test_phases_follow_the_job():
    planning = summarize(TransferJob.from_dict({**JOB, "state": "planning"}), [])
    assert tp.phase(planning) == "planning" and not tp.all_requested(planning)
    assert (
        tp.line(planning, width=10)
        == "[----------]   0.0%  planning (listing the customers and groups, splitting them)"
    )
    sending = progress({"e1": "requested", "e2": "waiting"}, {"g1": "done"})
    assert tp.phase(sending) == "requesting" and not tp.all_requested(sending)
    waiting = progress({"e1": "waiting", "e2": "waiting"}, {"g1": "done"})
    assert tp.phase(waiting) == "settling" and tp.all_requested(waiting) and not tp.ended(waiting)
    done = progress({"e1": "done", "e2": "refused"}, {"g1": "done"}, state="finished")
    assert tp.phase(done) == "finished" and tp.ended(done)


def test_queued_groups_are_not_yet_sent():
    p = progress({"e1": "waiting"}, {"g1": "queued", "g2": "done"})
    assert tp.phase(p) == "requesting"
    assert "groups 1/2 sent" in tp.line(p)


def test_the_bar_shows_what_was_sent_then_what_settled():
    sending = progress({"e1": "requested", "e2": "waiting", "e3": "waiting", "e4": "requested"})
    text = tp.line(sending, width=10)
    assert text.startswith("[#####-----]  50.0%  requesting  customers 2/4 sent  groups 0/0 sent")
    settling = progress({"e1": "waiting", "e2": "waiting", "e3": "done", "e4": "refused"})
    text = tp.line(settling, width=10)
    assert text.startswith(
        "[#####-----]  50.0%  settling  customers 4 (waiting 2, done 1, refused 1)  groups 0"
    )
    assert "next check 2023-11-15 23:13Z" in text and "\n" not in text
    finished = progress({"e1": "done", "e2": "failed"}, state="finished")
    assert tp.line(finished, width=10).startswith(
        "[##########] 100.0%  finished  customers 2 (done 1, failed 1)"
    )
    assert "next check" not in tp.line(finished)


def test_a_job_error_is_on_the_line():
    p = {**progress({"e1": "requested"}), "error": "WeCom said\nno"}
    assert tp.line(p).endswith("error: WeCom said no")


def test_a_log_gets_a_line_per_step_and_on_each_phase_change():
    out = io.StringIO()
    shown = ProgressBar(out, tty=False, render=tp.line, measure=tp.measure)
    ids = [f"e{i}" for i in range(10)]
    for sent in range(11):  # one more customer sent each read: 10 % steps
        shown.update(progress({i: ("waiting" if n < sent else "requested") for n, i in enumerate(ids)}))
    shown.update(progress({i: "waiting" for i in ids}))  # the same again: nothing new
    shown.update(progress({i: ("done" if n < 3 else "waiting") for n, i in enumerate(ids)}))
    shown.update(progress({i: "done" for i in ids}, state="finished"))
    shown.close()
    lines = out.getvalue().splitlines()
    phases = [ln.split()[2] for ln in lines]
    # 0..90 % requesting (10 lines), then 0 % settling (a new phase), 30 %, finished
    assert phases == ["requesting"] * 10 + ["settling", "settling", "finished"]
    assert [float(ln.split("]")[1].split("%")[0]) for ln in lines[9:]] == [90.0, 0.0, 30.0, 100.0]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def reads(*ps: dict) -> list[dict]:
    return list(ps)


def test_follow_stops_when_the_job_ends():
    seq = reads(progress({"e1": "requested"}), progress({"e1": "waiting"}),
                progress({"e1": "done"}, state="finished"))  # fmt: skip
    clock, seen = Clock(), []
    p, why = follow(lambda: seq.pop(0), seen.append, stops("finished"), None, 1.0, clock, clock.sleep)
    assert why == "ended" and p["state"] == "finished" and len(seen) == 3 and clock.now == 2.0


def test_follow_until_requested_stops_once_everything_is_sent():
    seq = reads(summarize(TransferJob.from_dict({**JOB, "state": "planning"}), []), progress({"e1": "requested"}),
                progress({"e1": "waiting"}), progress({"e1": "done"}, state="finished"))  # fmt: skip
    clock = Clock()
    p, why = follow(lambda: seq.pop(0), lambda _: None, stops("requested"), None, 0.5, clock, clock.sleep)
    assert why == "requested" and p["customers"]["waiting"] == 1 and len(seq) == 1


def test_follow_gives_up_at_the_timeout():
    clock = Clock()
    p, why = follow(
        lambda: progress({"e1": "waiting"}), lambda _: None, stops("finished"), 2.5, 1.0, clock, clock.sleep
    )
    assert why == "timeout" and clock.now == 2.5 and tp.all_requested(p)


def test_ctrl_c_stops_the_waiting_with_the_last_progress():
    clock = Clock()

    def sleep(_: float) -> None:
        raise KeyboardInterrupt

    p, why = follow(
        lambda: progress({"e1": "waiting"}), lambda _: None, stops("finished"), None, 1.0, clock, sleep
    )
    assert why == "interrupted" and p["customers"]["waiting"] == 1

    def get() -> dict:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # nothing read yet: nothing to report
        follow(get, lambda _: None, stops("finished"), None, 1.0, clock, sleep)


def test_error_line_names_the_field_and_what_the_90_day_rule_blocks():
    assert error_line("handover_userid is required", "handover_userid") == (
        "handover_userid is required (field: handover_userid)"
    )
    details = [{"id": f"wm{i}", "frees_on": f"2024-06-0{i}", "frees_at": 0} for i in range(1, 8)]
    text = error_line("customer wm1 was already transferred twice\nin the last 90 days", "customers", details)
    assert "\n" not in text and text.startswith(
        "customer wm1 was already transferred twice in the last 90 days"
    )
    assert "(field: customers); blocked: wm1 frees on 2024-06-01, wm2 frees on 2024-06-02" in text
    assert "wm5 frees on 2024-06-05, and 2 more" in text and "wm6" not in text
    assert error_line("no transfer job x") == "no transfer job x"


def test_ids_or_all_and_the_request_body():
    assert (
        ids_or_all("all") == "all" and ids_or_all("NONE") == [] and ids_or_all("a, b,,a") == ["a", "b", "a"]
    )
    with pytest.raises(argparse.ArgumentTypeError):
        ids_or_all(" , ")
    args = argparse.Namespace(kind="resigned", handover="u0", to=["a,b", "c", "a"], customers=None, groups=[],
                              message=None, on_refused="reassign", request_id=None)  # fmt: skip
    assert request_body(args) == {"kind": "resigned", "handover_userid": "u0", "takeover_userids": ["a", "b", "c"],
                                  "groups": [], "on_refused": "reassign"}  # fmt: skip
    # What the CLI sends is what the API's model and the domain accept.
    req = request_of(request_body(args))
    assert req.takers == ("a", "b", "c") and req.customers is None and req.groups == ()
