"""``scrm sends … --wait``: the phases a mass send goes through on the bar, when waiting stops, and the
create command's body from its flags (a list or a filter, never both)."""

from __future__ import annotations

import io

import pytest
from scrm.cli import send_progress as sp
from scrm.cli.common import CliError
from scrm.cli.follow import follow
from scrm.cli.main import build_parser
from scrm.cli.progress import ProgressBar
from scrm.cli.sends import request_body, stops


def progress(state: str = "planned", parts: dict | None = None, **outcomes: int) -> dict:
    base = {"pending": 0, "sent": 0, "not_sent": 0, "not_a_friend": 0, "over_quota": 0, **outcomes}
    return {"send_id": "s1", "state": state, "parts": parts or {}, "outcomes": base,
            "recipients": sum(base.values()), "skipped": {}, "members": [], "completion_rate": 0.0}  # fmt: skip


def test_phases_and_percentages() -> None:
    new = progress("new")
    assert (sp.phase(new), sp.phase_percent(new)) == ("planning", 0.0)
    creating = progress(parts={"requested": 3, "created": 1}, pending=40)
    assert sp.measure(creating) == (25.0, "creating") and not sp.all_created(creating)
    assert "tasks 1/4" in sp.line(creating)
    sending = progress(parts={"created": 3, "failed": 1}, pending=30, sent=10)
    assert sp.measure(sending) == (25.0, "sending") and sp.all_created(sending) and not sp.ended(sending)
    assert "(sent 10, pending 30)" in sp.line(sending)
    done = progress(parts={"created": 4}, sent=38, not_a_friend=2)
    assert sp.ended(done) and sp.measure(done) == (100.0, "done")
    assert sp.ended(progress("cancelled", parts={"created": 1}, pending=5))


def test_the_bar_names_customers_or_groups() -> None:
    sending = progress(parts={"created": 3, "failed": 1}, pending=30, sent=10)
    assert "tasks 4/4  customers 40 (sent 10, pending 30)" in sp.line(sending)
    assert "tasks 4/4  groups 40 (sent 10, pending 30)" in sp.line(sending, unit=sp.GROUPS)
    assert "customers" not in sp.line(sending, unit=sp.GROUPS)
    assert sp.line(progress("new"), unit=sp.GROUPS).endswith("planning (resolving groups, checking quota)")
    assert sp.line(progress("new")).endswith("planning (resolving customers, checking quota)")


def test_follow_stops_when_tasks_are_created_or_at_the_end() -> None:
    seq = iter([progress("new"), progress(parts={"requested": 1, "created": 1}, pending=5),
                progress(parts={"created": 2}, pending=10), progress(parts={"created": 2}, sent=10)])  # fmt: skip
    out = io.StringIO()
    bar = ProgressBar(out, tty=False, render=sp.line, measure=sp.measure)
    last, why = follow(lambda: next(seq), bar.update, stops("created"), None, 0, sleep=lambda _: None)
    assert why == "created" and sp.tasks(last) == (2, 2)
    assert [ln.split()[2] for ln in out.getvalue().splitlines()] == ["planning", "creating", "sending"]
    last, why = follow(lambda: next(seq), bar.update, stops("finished"), None, 0, sleep=lambda _: None)
    assert why == "ended" and last["outcomes"]["sent"] == 10


def _args(*argv: str):
    return build_parser().parse_args(["sends", "create", "wwcorp", "--name", "n", *argv])


def test_the_body_is_a_list_or_a_filter(tmp_path) -> None:
    assert request_body(_args("--text", "hi"))["recipients"] == {"filter": {}}
    assert request_body(_args("--tags-all", "t1,t2", "--added-from", "5"))["recipients"] == {
        "filter": {"tags_all": ["t1", "t2"], "added_from": 5}
    }
    f = tmp_path / "ids.txt"
    f.write_text("wm1\n\nwm2\n")
    assert request_body(_args("--customers", "wm0", "--customers-file", str(f)))["recipients"] == {
        "external_userids": ["wm0", "wm1", "wm2"]
    }
    with pytest.raises(CliError, match=r"field: recipients\)"):
        request_body(_args("--customers", "wm0", "--employees", "u1"))
    with pytest.raises(CliError, match=r"field: attachments\)"):
        request_body(_args("--attachments", "[not json"))
