"""Lifecycle stages and follow-up notes on the local stack, through the admin API: concurrent stage
changes keep the counts exact (one transaction each), a retried note is stored and put on the timeline
once, the tag mirror makes WeCom (the sandbox) receive mark_tag for the acting member's relation, an
unknown customer is 404, bad bodies are 400s naming the field, and only admins edit stages or search."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo import reads
from scrm.corps.api_key import Role

from tests.integration.test_admin_api import Admin, _synced_corp

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def corp(stack, sandbox) -> dict[str, Any]:
    c = _synced_corp(stack, sandbox, employees=2, customers_per_employee=4, tags=2, tag_groups=1)
    cid = c["corp_id"]
    keys = bootstrap.api_keys()
    relations = bootstrap.customer_admin().search(cid, {"limit": "50"})["items"]
    return {
        "cid": cid,
        "relations": [(r["external_userid"], r["userid"]) for r in relations],
        "admin": Admin(stack.admin_url, keys.create(cid, Role.ADMIN, "test")["key"]),
        "viewer": Admin(stack.admin_url, keys.create(cid, Role.VIEWER, "test")["key"]),
    }


def _timeline(cid: str, ext: str, event: str) -> list[dict[str, Any]]:
    return [t for t in reads.timeline(cid, f"customer:{ext}", 200) if t.get("event") == event]


def test_concurrent_stage_changes_keep_counts_exact(corp):
    admin, cid = corp["admin"], corp["cid"]
    chosen = corp["relations"][:4]
    targets = ["new", "intent", "deal", "repeat", "lost"]
    answers: list[int] = []

    def work(k: int) -> None:
        for i, (ext, uid) in enumerate(chosen):
            for step in range(2):  # each thread sets each customer twice, all threads at once
                r = admin("PUT", f"/admin/customers/{ext}/stage", {"stage": targets[(i + k + step) % 5], "userid": uid})
                answers.append(r.status_code)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(answers) <= {200, 409}, answers  # 409: still contended after 8 tries (rare)
    held: dict[str, int] = {}
    for ext, _ in chosen:
        shown = admin("GET", f"/admin/customers/{ext}/stage").json()
        held[shown["stage"]["id"]] = held.get(shown["stage"]["id"], 0) + 1
        # every change is on the timeline once: entries = changes made (the record's change number)
        seq = bootstrap.stages().repo.record(cid, ext)["seq"]
        assert len(_timeline(cid, ext, "stage")) == seq
    stats = admin("GET", "/admin/stats/stages", days=1).json()
    assert {r["id"]: r["customers"] for r in stats["stages"] if r["customers"]} == held
    assert stats["total"] == len(chosen)
    assert stats["days"][-1]["total"] == sum(bootstrap.stages().repo.record(cid, e)["seq"] for e, _ in chosen)
    # setting the stage a customer is at again (a retry) changes nothing and writes nothing
    ext, uid = chosen[0]
    at = admin("GET", f"/admin/customers/{ext}/stage").json()["stage"]["id"]
    before = len(_timeline(cid, ext, "stage"))
    r = admin("PUT", f"/admin/customers/{ext}/stage", {"stage": at, "userid": uid})
    assert r.status_code == 200 and len(_timeline(cid, ext, "stage")) == before
    assert admin("GET", "/admin/stats/stages").json()["total"] == len(chosen)


def test_a_retried_note_is_stored_and_timelined_once(corp):
    admin, cid = corp["admin"], corp["cid"]
    ext, uid = corp["relations"][4]
    body = {"text": "客户说下周到店，带会员卡", "userid": uid, "note_id": uuid.uuid4().hex}
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(admin("POST", f"/admin/customers/{ext}/notes", body)))
               for _ in range(4)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["created_ms"] for r in results}) == 1  # every retry answers the note first stored
    page = admin("GET", f"/admin/customers/{ext}/notes").json()
    assert [n["text"] for n in page["items"]] == [body["text"]] and page["next_cursor"] == ""
    [entry] = _timeline(cid, ext, "note")
    assert entry["entry"]["text"] == body["text"] and entry["entry"]["by_userid"] == uid
    # the customer's detail shows it on the timeline
    detail = admin("GET", f"/admin/customers/{ext}").json()
    assert any(t.get("event") == "note" for t in detail["timeline"])
    # without a note_id a retry is recognised too (derived from customer, member and text)
    plain = {"text": "第二条", "userid": uid}
    assert admin("POST", f"/admin/customers/{ext}/notes", plain).json() == admin("POST", f"/admin/customers/{ext}/notes", plain).json()
    assert len(_timeline(cid, ext, "note")) == 2
    # admins search the corp's notes by words and by member
    found = admin("GET", "/admin/notes", q="会员卡").json()
    assert [n["external_userid"] for n in found["items"]] == [ext]
    assert {n["text"] for n in admin("GET", "/admin/notes", userid=uid).json()["items"]} >= {body["text"], "第二条"}
    # pages follow the cursor through the index (by member and corp-wide), newest first, none twice
    for params in ({"userid": uid}, {}):
        first = admin("GET", "/admin/notes", limit=1, **params).json()
        second = admin("GET", "/admin/notes", limit=1, cursor=first["next_cursor"], **params).json()
        assert first["next_cursor"] and [n["text"] for n in first["items"] + second["items"]] == ["第二条", body["text"]]
    assert corp["viewer"]("GET", "/admin/notes").status_code == 403


def test_the_mirror_marks_the_members_relation_in_wecom(corp, sandbox):
    admin, cid = corp["admin"], corp["cid"]
    ext, uid = corp["relations"][5]
    current = admin("GET", "/admin/stages").json()
    rows = [{"id": s["id"], "name": s["name"]} for s in current["stages"]]
    r = admin("PUT", "/admin/stages", {"stages": rows, "mirror": True, "version": current["version"]})
    assert r.status_code == 200, r.text
    tag = {s["id"]: s["tag_id"] for s in r.json()["stages"]}
    [group] = [g for g in bootstrap.customer_admin().tags(cid)["groups"] if g["name"] == "客户阶段"]
    assert sorted(t["tag_id"] for t in group["tags"]) == sorted(tag.values())
    since = len(sandbox.calls(cid))
    assert admin("PUT", f"/admin/customers/{ext}/stage", {"stage": "intent", "userid": uid}).status_code == 200
    r = admin("PUT", f"/admin/customers/{ext}/stage", {"stage": "deal", "userid": uid})
    assert r.status_code == 200, r.text
    marks = [c for c in sandbox.calls(cid)[since:] if c["path"].endswith("externalcontact/mark_tag")]
    assert [(m["body"]["userid"], m["body"]["external_userid"], m["body"].get("add_tag"), m["body"].get("remove_tag"))
            for m in marks] == [(uid, ext, [tag["intent"]], None), (uid, ext, [tag["deal"]], [tag["intent"]])]
    assert all(m["errcode"] == 0 for m in marks)
    # our store follows WeCom: the relation carries the new stage's tag, not the old one
    relation = reads.follow(cid, ext, uid)
    assert tag["deal"] in relation["tag_ids"] and tag["intent"] not in relation["tag_ids"]
    # the mirror off: stage changes no longer call WeCom
    r = admin("PUT", "/admin/stages", {"stages": rows, "mirror": False})
    assert r.status_code == 200, r.text
    since = len(sandbox.calls(cid))
    assert admin("PUT", f"/admin/customers/{ext}/stage", {"stage": "repeat", "userid": uid}).status_code == 200
    assert not [c for c in sandbox.calls(cid)[since:] if c["path"].endswith("mark_tag")]


def test_unknown_customers_are_404_and_bad_bodies_name_the_field(corp):
    admin, viewer = corp["admin"], corp["viewer"]
    ext, uid = corp["relations"][6]
    ghost = "wmGhost" + uuid.uuid4().hex[:10]
    for method, path, body in (("PUT", f"/admin/customers/{ghost}/stage", {"stage": "new", "userid": uid}),
                               ("GET", f"/admin/customers/{ghost}/stage", None),
                               ("POST", f"/admin/customers/{ghost}/notes", {"text": "hi", "userid": uid}),
                               ("GET", f"/admin/customers/{ghost}/notes", None)):  # fmt: skip
        r = admin(method, path, body)
        assert r.status_code == 404 and r.json()["field"] == "external_userid", (path, r.text)
    for path, body, field in (
        (f"/admin/customers/{ext}/notes", {"text": "", "userid": uid}, "text"),
        (f"/admin/customers/{ext}/notes", {"text": "x" * 2001, "userid": uid}, "text"),
        (f"/admin/customers/{ext}/notes", {"text": "   ", "userid": uid}, "text"),
        (f"/admin/customers/{ext}/notes", {"text": "hi"}, "userid"),
        (f"/admin/customers/{ext}/notes", {"text": "hi", "userid": uid, "note_id": "a b"}, "note_id"),
        (f"/admin/customers/{ext}/stage", {"stage": "nope", "userid": uid}, "stage"),
        (f"/admin/customers/{ext}/stage", {"userid": uid}, "stage"),
        (f"/admin/customers/{ext}/stage", {"stage": "new"}, "userid"),
        ("/admin/stages", {"stages": [{"name": "x" * 31}]}, "stages[0].name"),
        ("/admin/stages", {"stages": []}, "stages"),
        ("/admin/stages", {"stages": [{"id": "zzz", "name": "a"}]}, "stages[0].id"),
    ):
        method = "POST" if path.endswith("notes") else "PUT"
        r = admin(method, path, body)
        assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)
    assert admin("GET", f"/admin/customers/{ext}/notes", limit=0).json()["field"] == "limit"
    assert admin("GET", "/admin/stats/stages", days=91).json()["field"] == "days"
    assert viewer("PUT", "/admin/stages", {"stages": [{"name": "a"}]}).status_code == 403
    assert viewer("GET", "/admin/stages").status_code == 200


def test_removing_a_stage_in_use_needs_moves(corp):
    admin = corp["admin"]
    ext, uid = corp["relations"][7]
    assert admin("PUT", f"/admin/customers/{ext}/stage", {"stage": "lost", "userid": uid}).status_code == 200
    current = admin("GET", "/admin/stages").json()
    kept = [{"id": s["id"], "name": s["name"]} for s in current["stages"] if s["id"] != "lost"]
    r = admin("PUT", "/admin/stages", {"stages": kept})
    assert r.status_code == 409 and r.json()["field"] == "moves" and r.json()["details"][0]["stage"] == "lost"
    lost = next(s["customers"] for s in current["stages"] if s["id"] == "lost")
    before_new = next(s["customers"] for s in current["stages"] if s["id"] == "new")
    r = admin("PUT", "/admin/stages", {"stages": kept, "moves": {"lost": "new"}})
    assert r.status_code == 200, r.text
    assert next(s["customers"] for s in r.json()["stages"] if s["id"] == "new") == before_new + lost
    assert admin("GET", f"/admin/customers/{ext}/stage").json()["stage"]["id"] == "new"
    # and back: a new stage of that name, no id
    r = admin("PUT", "/admin/stages", {"stages": [*kept, {"name": "流失"}], "version": r.json()["version"]})
    assert r.status_code == 200 and r.json()["stages"][-1]["name"] == "流失"


def test_the_cli_edits_stages_moves_a_customer_and_writes_and_finds_notes(stack, corp, capsys):
    from tests.integration.cli_api import as_corp
    from tests.integration.test_cli import run

    cid = corp["cid"]
    ext, uid = corp["relations"][3]
    with as_corp(stack, cid):
        code, out, err = run(capsys, "stages", "set-config", cid, "--rename", "intent=有意向", "--add", "沉睡")
        assert code == 0, err
        assert "有意向" in out and "沉睡" in out
        code, out, err = run(capsys, "stages", "set", cid, ext, "有意向", "--userid", uid)
        assert code == 0 and f"{ext}: 有意向 (intent)" in out, (out, err)
        code, out, _ = run(capsys, "stages", "set", cid, ext)
        assert "有意向 (intent)" in out and f"by {uid}" in out
        code, out, err = run(capsys, "notes", "add", cid, ext, "--userid", uid, "--text", "CLI 写的跟进", "--note-id", "cli-1")
        assert code == 0 and "note cli-1" in out, err
        assert run(capsys, "notes", "add", cid, ext, "--userid", uid, "--text", "CLI 写的跟进", "--note-id", "cli-1")[0] == 0
        code, out, _ = run(capsys, "notes", "list", cid, ext)
        assert out.count("CLI 写的跟进") == 1
        code, out, _ = run(capsys, "notes", "search", cid, "--q", "cli 跟进")
        assert code == 0 and "CLI 写的跟进" in out and ext in out
        code, _, err = run(capsys, "notes", "add", cid, ext, "--userid", uid, "--text", "x" * 2001)
        assert code != 0 and "text" in err
        code, _, err = run(capsys, "stages", "set", cid, ext, "nope", "--userid", uid)
        assert code != 0 and "stage" in err
        code, out, _ = run(capsys, "stages", "list", cid)
        assert "沉睡" in out
