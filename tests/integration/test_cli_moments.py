"""``scrm moments`` against the session's stack and sandbox (issue 20): a task with two image materials and two
members is created (WeCom's job finishing at once), shown until WeCom made it, listed, and cancelled in WeCom;
a link task names its cover; bad input (a text over 2,000 characters, an unknown image, an unknown member) is
one line with the API's message and field, a non-zero exit, and nothing reaches WeCom; every command has
--help. ``scrm moments progress`` prints who posted (overall and per department), as JSON and as the API's CSV."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from scrm import bootstrap

from tests.conftest import new_corp
from tests.integration.cli_api import as_corp
from tests.integration.test_cli import run
from tests.support.syncing import sync_and_wait

pytestmark = pytest.mark.stack

ADD = "externalcontact/add_moment_task"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"IEND"


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> Iterator[dict[str, Any]]:
    """A synced corp of three members, two image materials in its library, WeCom's moment jobs done at once;
    ``scrm`` holds its key."""
    corp = new_corp(stack, sandbox, seed={"employees": 3, "customers_per_employee": 1, "groups": 0})
    cid = corp["corp_id"]
    sync_and_wait(cid)
    sandbox.set_moment_job_time(cid, 0)
    content = bootstrap.content()
    images = [content.create_material(cid, "cli", {"kind": "image", "title": f"海报{i}", "filename": f"p{i}.png",
                                                    "content": base64.b64encode(PNG).decode()})["material_id"]
              for i in range(2)]  # fmt: skip
    world = sandbox.corp(cid)
    with as_corp(stack, cid):
        yield {"cid": cid, "images": images, "members": sorted(e["userid"] for e in world["employees"]),
               "tag": world["tag_groups"][0]["tag"][0]["id"]}  # fmt: skip


def _since(sandbox, cid: str) -> int:
    return sandbox.call_counts(cid)["last_seq"]  # seq is global to the sandbox, not a count of this corp's calls


def _asked(sandbox, cid: str, since: int) -> int:
    return len(sandbox.calls(cid, since=since, path=ADD))


def test_create_show_list_cancel(shop, sandbox, capsys):
    cid, (a, b), members = shop["cid"], shop["images"], shop["members"]
    code, out, err = run(capsys, "moments", "create", cid, "--name", "秋季新品", "--text", "秋季新品到店",
                         "--image", a, "--image", b, "--sender", members[0], "--sender", members[1],
                         "--tag", shop["tag"], "--request-id", "cli-autumn", "--wait")  # fmt: skip
    assert code == 0, err
    first, *shown = out.splitlines()
    task_id = re.fullmatch(r"created moment task (\S+)", first).group(1)
    assert "name:        秋季新品" in shown
    assert "state:       created (made: members have the task in WeCom)" in shown
    assert f"attachments: 2 image(s): {a}, {b}" in shown
    assert "senders:     2 member(s)" in shown
    moment_id = next(s for s in shown if s.startswith("moment_id:")).split()[1]
    wecom = sandbox.moment(cid, moment_id)
    assert sorted(t["userid"] for t in wecom["tasks"]) == members[:2]
    assert [x["msgtype"] for x in wecom["attachments"]] == ["image", "image"]
    assert wecom["tag_ids"] == [shop["tag"]]

    # The same request again: the same task, nothing new in WeCom.
    since = _since(sandbox, cid)
    code, out, err = run(capsys, "moments", "create", cid, "--name", "秋季新品", "--text", "秋季新品到店",
                         "--image", a, "--image", b, "--sender", members[0], "--sender", members[1],
                         "--tag", shop["tag"], "--request-id", "cli-autumn", "--json")  # fmt: skip
    assert code == 0, err
    again = json.loads(out)
    assert again["created"] is False and again["moment"]["moment_task_id"] == task_id
    assert _asked(sandbox, cid, since) == 0

    code, out, err = run(capsys, "moments", "show", cid, task_id, "--json")
    assert code == 0, err
    assert json.loads(out)["moment_id"] == moment_id

    code, out, err = run(capsys, "moments", "list", cid)
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["TASK", "NAME", "STATE", "SENDERS", "CREATED", "MOMENT_ID"]
    row = next(r for r in rows if r.startswith(task_id)).split()
    assert row[1:4] == ["秋季新品", "created", "2"] and row[-1] == moment_id
    code, out, err = run(capsys, "moments", "list", cid, "--json")
    assert code == 0 and task_id in [m["moment_task_id"] for m in json.loads(out)["items"]]

    code, out, err = run(capsys, "moments", "cancel", cid, task_id)
    assert code == 0, err
    assert out.strip() == f"cancelled moment task {task_id} in WeCom"
    assert sandbox.moment(cid, moment_id)["cancelled_at"]
    code, out, err = run(capsys, "moments", "show", cid, task_id)
    assert code == 0 and "state:       cancelled (cancelled)" in out.splitlines()


def test_a_link_task_carries_its_cover(shop, sandbox, capsys):
    cid = shop["cid"]
    code, out, err = run(capsys, "moments", "create", cid, "--name", "活动", "--link-title", "活动详情",
                         "--link-url", "https://example.com/a", "--link-cover", shop["images"][0], "--wait", "--json")  # fmt: skip
    assert code == 0, err
    task = json.loads(out)["moment"]
    assert task["state"] == "created", task
    wecom = sandbox.moment(cid, task["moment_id"])
    assert [x["msgtype"] for x in wecom["attachments"]] == ["link"]
    assert wecom["attachments"][0]["link"]["title"] == "活动详情"


@pytest.mark.parametrize("flags, field", [
    (["--text", "字" * 2001], "text"),
    (["--text", "x", "--image", "mNoSuchMaterial"], "images[0]"),
    (["--text", "x", "--sender", "nobody"], "senders[0]"),
    (["--text", "x", "--link-title", "t", "--link-url", "https://e.example/a"], "link.cover"),
    (["--text", "x", "--image", "IMAGE", "--video", "IMAGE"], "video"),
])  # fmt: skip
def test_bad_input_is_one_line_naming_the_field_and_wecom_is_not_asked(shop, sandbox, capsys, flags, field):
    cid = shop["cid"]
    flags = [shop["images"][0] if f == "IMAGE" else f for f in flags]
    since = _since(sandbox, cid)
    code, out, err = run(capsys, "moments", "create", cid, "--name", "坏请求", *flags)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("scrm: "), err
    assert f"(field: {field})" in err, err
    assert _asked(sandbox, cid, since) == 0


def test_an_unknown_task_and_help(shop, capsys):
    code, _, err = run(capsys, "moments", "show", shop["cid"], "mtNoSuchTask")
    assert code == 1 and err.startswith("scrm: ") and len(err.strip().splitlines()) == 1
    for command in ([], ["create"], ["list"], ["show"], ["cancel"], ["progress"]):
        code, out, _ = run(capsys, "moments", *command, "--help")
        assert code == 0 and out.startswith(f"usage: scrm moments {' '.join(command)}".rstrip()), out
    code, _, err = run(capsys, "moments", "create", shop["cid"])  # --name is required: a bad command line
    assert code == 2 and "--name" in err


def test_progress_overall_per_department_json_and_csv(shop, sandbox, stack, capsys):
    import time

    cid, members = shop["cid"], shop["members"]
    poster, idle = members[:2]
    code, out, err = run(capsys, "moments", "create", cid, "--name", "到店有礼", "--text", "周末到店有礼",
                         "--sender", poster, "--sender", idle, "--wait", "--json")  # fmt: skip
    assert code == 0, err
    task = json.loads(out)["moment"]
    tid, mid = task["moment_task_id"], task["moment_id"]
    assert task["state"] == "created", task
    # Before any results pass: nothing known yet (the members are counted from WeCom's results), in words.
    code, out, err = run(capsys, "moments", "progress", cid, tid)
    assert code == 0, err
    assert f"moment task {tid} (created): posted 0 / 2 members (0.0%)" in out  # the senders named
    assert "results not read yet (read every 10 minutes)" in out

    sandbox.publish_moment(cid, mid, poster)
    reached = next(t for t in sandbox.moment(cid, mid)["tasks"] if t["userid"] == poster)["reached"]
    assert reached
    sandbox.like_moment(cid, mid, poster, external_userid=reached[0])
    with stack.schedules_held():
        code, out, err = run(capsys, "moments", "refresh", cid, tid)  # a results pass at the job's next run
        assert code == 0 and "results will be read again within a minute" in out, err
        stack.run_job("advance_moments")

    code, out, err = run(capsys, "moments", "progress", cid, tid, "--json")
    assert code == 0, err
    p = json.loads(out)
    assert (p["members"], p["posted"], p["rate"], p["likes"], p["reached"]) == (2, 1, 0.5, 1, len(reached))
    assert p["results_at"] > int(time.time()) - 300

    code, out, err = run(capsys, "moments", "members", cid, tid, "--limit", "1", "--all", "--json")
    assert code == 0, err
    assert {m["userid"]: m["published"] for m in json.loads(out)["items"]} == {poster: True, idle: False}
    code, out, err = run(capsys, "moments", "members", cid, tid, "--posted", "no")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split()[:2] == ["USERID", "POSTED"] and [r.split()[0] for r in rows] == [idle], out

    code, out, err = run(capsys, "moments", "progress", cid, tid)
    assert code == 0, err
    first, read, _, header, *rows = out.splitlines()
    assert first.startswith(f"moment task {tid} (created): posted 1 / 2 members (50.0%), "
                            f"customers who could see it {p['visible']}, "
                            f"reached {len(reached)}, likes 1")  # fmt: skip
    assert read.startswith("results read ")
    assert header.split() == ["DEPARTMENT", "NAME", "MEMBERS", "POSTED", "RATE"]
    assert sum(int(r.split()[-3]) for r in rows) == sum(d["members"] for d in p["by_department"])

    code, out, err = run(capsys, "moments", "progress", cid, tid, "--csv", "department")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "department,name,members,posted,rate"
    assert len(lines) == 1 + len(p["by_department"])
    code, out, err = run(capsys, "moments", "progress", cid, tid, "--csv", "member")
    assert code == 0, err
    assert out.splitlines()[0] == "userid,published,visible,reached,likes,comments,reminded" and len(out.splitlines()) == 3


def test_a_scheduled_task_waits_with_its_reminder_delay(shop, sandbox, capsys):
    cid = shop["cid"]
    since = _since(sandbox, cid)
    code, out, err = run(capsys, "moments", "create", cid, "--name", "周末预告", "--text", "周六见",
                         "--sender", shop["members"][0], "--schedule-at", "2099-01-01 10:00", "--json")  # fmt: skip
    assert code == 1 and "(field: schedule_at)" in err, (out, err)  # more than 30 days ahead
    import time

    later = int(time.time()) + 3600
    code, out, err = run(capsys, "moments", "create", cid, "--name", "周末预告", "--text", "周六见",
                         "--sender", shop["members"][0], "--schedule-at", str(later), "--remind-after-hours", "0",
                         "--json")  # fmt: skip
    assert code == 0, err
    task = json.loads(out)["moment"]
    assert task["state"] == "new" and task["spec"]["schedule_at"] == later
    assert task["spec"]["remind_after_hours"] == 0
    assert _asked(sandbox, cid, since) == 0  # not due: WeCom not asked yet
    code, out, err = run(capsys, "moments", "cancel", cid, task["moment_task_id"], "--json")
    assert code == 0, err


def test_senders_by_department_and_the_department_wecom_does_not_know(shop, sandbox, capsys):
    """``--department``: WeCom gives the task to the department's members; an id it does not know is kept
    with the task as WeCom's invalid sender (we hold no department tree, so WeCom is the judge)."""
    cid, dept = shop["cid"], 7
    store_member = shop["members"][2]
    sandbox.do(cid, "users/update", {"userid": store_member, "department": [1, dept], "callback": False})
    expected = [store_member]
    code, out, err = run(capsys, "moments", "create", cid, "--name", "门店任务", "--text", "门店活动",
                         "--department", str(dept), "--department", "987654", "--wait", "--json")  # fmt: skip
    assert code == 0, err
    task = json.loads(out)["moment"]
    assert task["state"] == "created", task
    assert task["spec"]["departments"] == [dept, 987654]
    assert task["invalid_senders"] == 1 and task["invalid_sender_list"] == ["987654"], task
    wecom = sandbox.moment(cid, task["moment_id"])
    assert sorted(t["userid"] for t in wecom["tasks"]) == expected
    code, out, err = run(capsys, "moments", "show", cid, task["moment_task_id"])
    assert code == 0, err
    assert f"senders:     departments {dept}, 987654" in out
    assert "invalid:     senders 1, tags 0\n  senders:   987654" in out

    code, out, err = run(capsys, "moments", "create", cid, "--name", "x", "--text", "x", "--department", "A1")
    assert code == 2 and "a department id (a positive integer): 'A1'" in err
