"""``make demo``: start the local stack, register a sandbox corp, and walk through the flow.

A customer adds an employee (from a channel QR code), the employee edits the remark and tags, the tag
library changes, a customer group is created and changes, and finally the customer deletes the employee.
After each step it prints what we stored and what WeCom (the sandbox) was asked to do. Then it stops
everything it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack, StackConfig


def _wait(probe: Callable[[], Any], what: str, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise RuntimeError(f"demo: timed out waiting for {what}")


class Tour:
    def __init__(self, stack: Stack, out: Callable[[str], None] = print) -> None:
        self.stack = stack
        self.sandbox = SandboxClient(stack.sandbox_url)
        self.out = out
        self.seen_calls = 0
        self.corp_id = "wwdemo" + uuid.uuid4().hex[:10]
        # scrm login saves the demo's key here, not in the user's own ~/.config/scrm/profiles.toml
        self.scrm_config = os.path.join(tempfile.mkdtemp(prefix="scrm-demo-"), "profiles.toml")

    def say(self, title: str) -> None:
        self.out(f"\n=== {title}")

    def show(self, label: str, data: Any) -> None:
        self.out(f"--- {label}:\n{json.dumps(data, ensure_ascii=False, indent=2, default=str)}")

    def _scrm(self, *args: str) -> str:
        """Run the CLI as a user would; its stderr (the progress bar) goes to the demo's output."""
        done = subprocess.run([sys.executable, "-m", "scrm.cli.main", *args], text=True, capture_output=True,
                              env={**_scrm_env(self.stack), "SCRM_CONFIG": self.scrm_config}, timeout=180)
        for line in done.stderr.strip().splitlines()[-3:]:
            self.out(f"  {line.strip()}")
        if done.returncode:
            raise RuntimeError(f"demo: scrm {' '.join(args[:2])} failed: {done.stderr.strip()[-300:]}")
        return done.stdout

    def wecom_calls(self) -> list[str]:
        calls = self.sandbox.calls(self.corp_id, since=self.seen_calls)
        if calls:
            self.seen_calls = max(c["seq"] for c in calls)
        lines = [f"{c['method']} {c['path']} {json.dumps(c.get('query') or c.get('body') or {}, ensure_ascii=False)}"
                 f" -> {c['errcode']}" for c in calls]
        self.out("--- WeCom was asked:\n" + ("\n".join(f"  {line}" for line in lines) or "  (nothing)"))
        return lines

    def run(self) -> dict[str, Any]:
        from scrm import bootstrap
        from scrm.adapters.dynamo import reads
        from scrm.kernel.china_time import CHINA

        cid = self.corp_id
        self.say("1. A corp is created in the WeCom sandbox and registered with `scrm corps register`")
        info = self.sandbox.create_corp(
            self.stack.callback_url(cid), corp_id=cid,
            seed={"employees": 3, "customers_per_employee": 2, "tags": 4, "tag_groups": 2, "groups": 1},
        )
        doc = json.dumps({k: info[k] for k in ("corp_id", "token", "aes_key", "secret", "agent_id")})
        reg = subprocess.run([sys.executable, "-m", "scrm.cli.main", "corps", "register", "--from-json", "-"],
                             input=doc, text=True, capture_output=True, env={**os.environ, **self.stack.env})
        if reg.returncode:
            raise RuntimeError(f"demo: corps register failed: {reg.stderr.strip()}")
        self.out(reg.stdout.strip())
        from devstack.console_login import describe, open_console

        self.login = open_console(self.stack, cid, info["agent_id"])
        self.out(f"web console (while the demo runs; `make dev` keeps one up): {self.stack.console_url}")
        self.out(describe(self.login))
        verified = self.sandbox.verify_url(cid)
        self.out(f"WeCom's URL verification: ok={verified['ok']} in {verified['elapsed_ms']} ms")

        employees = [e["userid"] for e in self.sandbox.corp(cid)["employees"]]
        sales = employees[0]

        self.say(f"2. A customer scans the channel code 'store_poster' and adds employee {sales}")
        added = self.sandbox.do(cid, "customers/add",
                                {"userid": sales, "state": "store_poster", "name": "张小姐", "wait": True})
        ext = added["external_userid"]
        _wait(lambda: (reads.follow(cid, ext, sales) or {}).get("synced_at_ms"), "the relation")
        view = reads.customer_view(cid, ext)
        self.show("stored customer", view["profile"])
        self.show("stored follow relation", _relation(view["follows"], sales))
        self.wecom_calls()

        self.say("3. The employee sets a remark and a tag (WeCom sends edit_external_contact)")
        tag_id = self.sandbox.corp(cid)["tag_groups"][0]["tag"][0]["id"]
        self.sandbox.do(cid, "customers/edit", {"userid": sales, "external_userid": ext, "remark": "张小姐-门店",
                                                "add_tags": [tag_id], "wait": True})
        _wait(lambda: (reads.follow(cid, ext, sales) or {}).get("remark") == "张小姐-门店", "the remark")
        rel = reads.follow(cid, ext, sales)
        self.show("relation after edit", {k: rel.get(k) for k in ("remark", "tags", "status")})
        self.wecom_calls()

        self.say("4. An admin adds a tag group in WeCom's console (change_external_tag)")
        self.sandbox.do(cid, "tags/create", {"group_name": "会员等级", "tags": ["金卡", "银卡"], "wait": True})
        _wait(lambda: any(t.get("name") == "金卡" for t in reads.tags(cid)), "the new tags")
        self.show("tag library", sorted(t["name"] for t in reads.tags(cid) if t["kind"] == "tag" and t.get("name")))
        self.wecom_calls()

        self.say("5. A customer group is created, the customer joins, the group is renamed")
        chat = self.sandbox.do(cid, "groups/create", {"owner": sales, "members": [employees[1]], "name": "门店福利群",
                                                       "wait": True})["chat_id"]
        self.sandbox.do(cid, f"groups/{chat}/update", {"update_detail": "add_member", "join_scene": 3,
                                                       "add_members": [ext], "wait": True})
        self.sandbox.do(cid, f"groups/{chat}/update", {"update_detail": "change_name", "name": "门店VIP群",
                                                       "wait": True})
        _wait(lambda: (g := reads.group(cid, chat) or {}).get("name") == "门店VIP群"
              and any(m["member_id"] == ext and m.get("status") == "member" for m in g.get("members", [])),
              "the group rename and the customer's membership")
        group = reads.group(cid, chat)
        self.show("stored group", {"name": group["name"], "owner": group["owner"], "status": group["status"],
                                   "members": [m["member_id"] for m in group["members"] if m.get("status") == "member"]})
        self.wecom_calls()

        self.say("6. The customer deletes the employee (del_follow_user: the churn signal)")
        self.sandbox.do(cid, "customers/del_by_customer", {"userid": sales, "external_userid": ext, "wait": True})
        _wait(lambda: reads.follow(cid, ext, sales)["status"] == "deleted_by_customer", "the deletion")
        self.show("relation status", reads.follow(cid, ext, sales)["status"])
        card = _wait(lambda: next((m for m in self.sandbox.messages(cid)
                                   if m.get("msgtype") == "textcard" and sales in m.get("touser", [])), None),
                     "the churn alert")
        self.show("churn alert to the employee (message/send textcard, the sandbox's message log)",
                  {"to": card["touser"], "title": card["content"]["title"],
                   "description": card["content"]["description"]})
        timeline = reads.timeline(cid, f"customer:{ext}")
        self.show("customer timeline (newest first)",
                  [f"{t['create_time']} {t['event']}/{t['change_type']}"
                   + (f" {t['entry']['fields'].get('UpdateDetail')}" if t["entry"]["fields"].get("UpdateDetail") else "")
                   for t in timeline])
        self.wecom_calls()

        self.say("7. A full sync brings in every customer that existed before us (`scrm keys create`, "
                 "`scrm login`, `scrm sync start --wait`)")
        world = self.sandbox.corp(cid)
        key = json.loads(self._scrm("keys", "create", cid, "--role", "admin", "--name", "demo", "--json"))["key"]
        self.out(self._scrm("login", "--url", self.stack.admin_url, "--key", key).strip())
        synced = self._scrm("sync", "start", cid, "--wait", "--timeout", "120", "--json")
        job = json.loads(synced)["job"]
        self.show("sync job", {k: job.get(k) for k in ("state", "percent", "employees", "relations", "groups",
                                                       "tags", "wecom_calls")})
        self.wecom_calls()

        self.say("8. An admin searches and edits through the admin API with the same key")
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {key}"
        admin = self.stack.admin_url
        tags = [t["id"] for g in world["tag_groups"] for t in g["tag"]]
        found = api.get(f"{admin}/admin/customers", params={"tags_any": ",".join(tags[:2]), "limit": 5}, timeout=30)
        found.raise_for_status()
        rows = found.json()["items"]
        self.show(f"GET /admin/customers?tags_any={tags[0]},{tags[1]}",
                  [{k: r[k] for k in ("name", "userid", "status")} | {"tags": [t["name"] for t in r["tags"]]}
                   for r in rows])
        target = next(c for c in world["customers"] if c["follow_users"])
        edited = api.put(f"{admin}/admin/customers/{target['external_userid']}/remark",
                         json={"userid": target["follow_users"][0]["userid"], "remark": "重点客户"}, timeout=30)
        self.show("PUT …/remark (WeCom first, then stored)", {"status": edited.status_code,
                                                             "remark": edited.json().get("remark")})
        other = api.get(f"{admin}/admin/customers/wm_not_ours", timeout=30)
        self.show("a customer outside the key's corp", {"status": other.status_code, **other.json()})
        self.wecom_calls()

        self.say("9. A channel live code: a customer scans it, gets the welcome, the tags and the remark, "
                 "and the code's statistics count them (`scrm codes create`)")
        staff = [e["userid"] for e in world["employees"]][:2]
        created = json.loads(self._scrm(
            "codes", "create", cid, "--name", "门店海报", "--group", "线下", "--staff", ",".join(staff),
            "--tags", tags[0], "--remark-template", "海报-{name}", "--welcome-text", "你好 {name}，欢迎光临！",
            "--json"))
        self.show("channel code", {k: created[k] for k in ("code_id", "name", "qr_code", "current_staff")})
        scanned = self.sandbox.scan(cid, created["config_id"], name="韩梅梅")
        scan_ext, scan_uid = scanned["external_userid"], scanned["userid"]
        welcome = _wait(lambda: next((w for w in self.sandbox.welcomes(cid)
                                      if w["external_userid"] == scan_ext and w.get("sent_at")), None),
                        "the welcome message")
        self.show("welcome sent (the sandbox's log)", {
            "text": welcome["text"],
            "seconds_after_the_callback": round(welcome["sent_at"] - welcome["callback_first_sent_at"], 2)})
        rel = _wait(lambda: (f := reads.follow(cid, scan_ext, scan_uid)) and f.get("remark") and f,
                    "the code's tags and remark")
        self.show("the new relation", {"state": rel["state"], "remark": rel["remark"], "tags": rel.get("tag_ids")})
        code_stats = _wait(lambda: (st := json.loads(self._scrm("codes", "stats", cid, created["code_id"], "--json")))
                           ["totals"]["adds"] == 1 and st, "the add counted on the code")
        self.show("code statistics", code_stats["totals"])
        self.wecom_calls()

        self.say("10. An employee leaves: their customers and groups go to a colleague (离职继承, "
                 "`scrm transfers create --wait`), then the statistics (`scrm stats customers`)")
        leaver, taker = employees[1], employees[2]
        self.sandbox.do(cid, "users/delete", {"userid": leaver, "wait": True})
        _wait(lambda: (reads.employee(cid, leaver) or {}).get("status") == "deleted", "delete_user applied")
        unassigned = json.loads(self._scrm("transfers", "unassigned", cid, "--json"))
        self.show("departed members with customers waiting (get_unassigned_list)", unassigned["items"])
        moved = json.loads(self._scrm("transfers", "create", cid, "--kind", "resigned", "--from", leaver,
                                      "--to", taker, "--wait", "--until", "requested", "--timeout", "60", "--json"))
        transfer = moved["job"]
        self.show("transfer job (customers wait out WeCom's 24 h window; groups move at once)",
                  {"job_id": transfer["job_id"], "state": transfer["state"],
                   "customers": {k: v for k, v in transfer["customers"].items() if v},
                   "groups": {k: v for k, v in transfer["groups"].items() if v}})
        self.out(f"  (WeCom completes each customer's handover after 24 h unless the customer refuses; the job polls "
                 f"transfer_result then. Follow it: scrm transfers show {cid} {transfer['job_id']} --wait)")
        stats = json.loads(self._scrm("stats", "customers", cid, "--by", "corp", "--format", "json"))
        self.show("customer statistics, whole corp", stats.get("totals", stats))
        self.wecom_calls()

        self.say("11. A mass send to every customer (`scrm sends create --wait`): WeCom gets one task per member, "
                 "each member confirms it in WeCom, and the results are collected")
        text = "周末全场八折，欢迎到店！"
        created_send = json.loads(self._scrm("sends", "create", cid, "--name", "周末活动", "--text", text,
                                             "--wait", "--timeout", "60", "--json"))
        send_id = created_send["send"]["send_id"]
        tasks = [m for m in self.sandbox.groupmsgs(cid, "single")["groupmsgs"] if m["text"] == text]
        self.show("WeCom tasks (the sandbox's mass-send log)",
                  [{"sender": m["sender"], "customers": sum(len(t["recipients"]) for t in m["tasks"])} for m in tasks])
        for m in tasks:  # each member taps "send" in WeCom
            self.sandbox.confirm_groupmsg(cid, m["msgid"], m["sender"])
        def collected() -> dict[str, Any] | None:
            """The 10-minute results job, run now (WeCom answers 41063, still dispatching, for a moment)."""
            self.stack.run_job("collect_mass_send_results")
            time.sleep(1)
            p = json.loads(self._scrm("sends", "show", cid, send_id, "--json"))
            return p if p["outcomes"].get("pending", 0) == 0 else None

        progress = _wait(collected, "the send's results", timeout_s=60)
        self.show("mass send results", {"outcomes": {k: v for k, v in progress["outcomes"].items() if v},
                                        "completion_rate": progress["completion_rate"],
                                        "members": [{k: m[k] for k in ("userid", "customers", "sent")}
                                                    for m in progress["members"]]})
        self.wecom_calls()

        self.say("12. A customer SOP (`scrm sops create`): every new customer gets a day-0 message in their name; "
                 "the every-minute planner hands the member a WeCom task and an app message")
        # The next minute when 20 s of this one are left for saving the SOP and adding the customer (a few
        # seconds: the step must not have begun when they are added), else the one after; the planner takes
        # it once it is over. A wait of 111 s on average (it was the minute after next: 151 s).
        now = datetime.now(CHINA)
        due = now.replace(second=0, microsecond=0) + timedelta(minutes=1 if now.second < 40 else 2)
        plan = {"name": "新客户关怀", "targets": {},
                "steps": [{"id": "d0", "after_added_days": 0, "at": due.strftime("%H:%M"),
                           "text": "{name}，您好！这是您的新人专属礼包"},
                          {"id": "d7", "after_added_days": 7, "at": "10:00", "text": "一周回访：使用体验如何？"}]}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
            json.dump(plan, f, ensure_ascii=False)
        sop = json.loads(self._scrm("sops", "create", cid, "--file", f.name, "--json"))
        os.unlink(f.name)
        self.show("SOP", {k: sop[k] for k in ("sop_id", "name", "status")} | {"steps": [
            {k: st.get(k) for k in ("id", "after_added_days", "at", "text")} for st in sop["steps"]]})
        newcomer = self.sandbox.do(cid, "customers/add", {"userid": sales, "name": "李先生", "wait": True})
        self.out(f"  a new customer ({newcomer['external_userid']}) added {sales}; their day-0 step falls due at "
                 f"{due.strftime('%H:%M')} China time; the planner takes each minute once it is over ...")
        wait_s = max(0.0, due.timestamp() + 61 - time.time())
        time.sleep(wait_s)

        def planned() -> list[dict[str, Any]] | None:
            self.stack.run_job("plan_sops")
            return bootstrap.sop_repo().runs(cid, sop["sop_id"]) or None

        run = _wait(planned, "the SOP's due step planned", timeout_s=60)[0]

        def tasks_created() -> dict[str, Any] | None:
            p = bootstrap.mass_sends().progress(cid, run["send_id"])
            return p if p["state"] != "new" and p["parts"] and not p["parts"].get("requested") else None

        _wait(tasks_created, "the SOP's WeCom tasks", timeout_s=60)
        sop_tasks = [m for m in self.sandbox.groupmsgs(cid, "single")["groupmsgs"] if "新人专属礼包" in m["text"]]
        self.out("  (the new customer, and every customer added earlier today whose day-0 moment had not passed "
                 "when the SOP was saved: enrolment indexes them too)")
        self.show("WeCom tasks (one per customer: the text names them)",
                  [{"sender": m["sender"], "text": m["text"]} for m in sop_tasks])
        reminder = _wait(lambda: [m for m in self.sandbox.messages(cid) if "SOP 任务" in json.dumps(m, ensure_ascii=False)]
                         or None, "the member's app message", timeout_s=60)
        self.show("the member's app message (message/send, paced with churn alerts)", reminder[-1])
        for m in sop_tasks:
            self.sandbox.confirm_groupmsg(cid, m["msgid"], m["sender"])

        def sop_done() -> dict[str, Any] | None:
            self.stack.run_job("collect_mass_send_results")
            time.sleep(1)
            p = json.loads(self._scrm("sops", "progress", cid, sop["sop_id"], "--json"))
            return p if p["sent"] == len(sop_tasks) else None

        sop_progress = _wait(sop_done, "the SOP's results", timeout_s=60)
        self.show("SOP progress (scrm sops progress)", {"run": run["minute"], "recipients": sop_progress["recipients"],
                                                        "sent": sop_progress["sent"],
                                                        "members": sop_progress["members"]})
        self.wecom_calls()

        moment = self._moments(cid, api, admin)
        portrait, chat = self._sidebar(cid)
        store = self._stores(cid, employees)
        fission = self._fission(cid, api, admin)

        callbacks = self.sandbox.callbacks(cid)
        summary = {
            "callbacks_sent": len(callbacks),
            "callbacks_acknowledged": sum(1 for c in callbacks if c.get("delivered")),
            "relation_status": reads.follow(cid, ext, sales)["status"],
            "timeline_entries": len(timeline),
            "sync_state": job.get("state"),
            "sync_relations": job.get("relations"),
            "search_rows": len(rows),
            "remark_edit_status": edited.status_code,
            "welcome_text": welcome["text"],
            "code_adds": code_stats["totals"]["adds"],
            "transfer_state": transfer["state"],
            "transfer_waiting": transfer["customers"]["waiting"],
            "mass_send_sent": progress["outcomes"].get("sent", 0),
            "sop_sent": sop_progress["sent"],
            "moment_state": moment["state"],
            "moment_posted": moment["posted"],
            "moment_likes": moment["likes"],
            "sidebar_customer": portrait["profile"]["name"],
            "sidebar_member": portrait["relation"]["userid"],
            "sidebar_received": [(r["name"], r["status"]) for r in portrait.get("received") or []],
            "sidebar_url": chat["url"],
            "store_shown": store["shown"],
            "store_stats": store["stats"],
            "store_page": store["page"],
            "fission_reward": fission["reward"],
            "fission_page": fission["page"],
        }
        self.show("summary", summary)
        return summary


    def _moments(self, cid: str, api: requests.Session, admin: str) -> dict[str, Any]:
        """13. A moment task (客户朋友圈): created once in WeCom with an image, a member posts it, a customer
        likes and comments, the minute job reads the results: completion per member and store, the like on
        the customer's timeline."""
        import base64

        self.say("13. A moment task (客户朋友圈): every member is asked to post; one does, a customer likes and comments")
        world = self.sandbox.corp(cid)
        active = {e["userid"] for e in world["employees"] if e.get("status", 1) == 1}
        serving = sorted({f["userid"] for c in world["customers"] for f in c["follow_users"]} & active)
        members = serving[:3]  # members with customers: a post of theirs reaches someone
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"IEND"
        image = api.post(f"{admin}/admin/materials", json={"kind": "image", "title": "秋季新品海报", "filename": "autumn.png",
                                                             "content": base64.b64encode(png).decode()}, timeout=30).json()  # fmt: skip
        self.sandbox.set_moment_job_time(cid, 1)
        made = api.post(f"{admin}/admin/moments", json={"name": "秋季新品", "text": "秋季新品到店，欢迎来店里看看",
                                                         "images": [image["material_id"]], "senders": members}, timeout=60)
        made.raise_for_status()
        tid = made.json()["moment"]["moment_task_id"]
        self.show("the task (POST /admin/moments)", {k: made.json()["moment"][k] for k in ("moment_task_id", "state", "jobid")})

        def created() -> dict[str, Any] | None:
            time.sleep(0.5)
            m = api.get(f"{admin}/admin/moments/{tid}", timeout=30).json()
            return m if m["state"] == "created" else None

        task = _wait(created, "WeCom's creation job", timeout_s=60)
        poster = members[0]
        self.sandbox.publish_moment(cid, task["moment_id"], poster)
        reached = next(t for t in self.sandbox.moment(cid, task["moment_id"])["tasks"] if t["userid"] == poster)["reached"]
        if reached:
            self.sandbox.like_moment(cid, task["moment_id"], poster, external_userid=reached[0])
            self.sandbox.comment_moment(cid, task["moment_id"], poster, "好看！", external_userid=reached[0])
        self.out(f"  {poster} posted it in WeCom; it reached {len(reached)} customers, one liked and commented")

        def read() -> dict[str, Any] | None:
            """The minute job's results pass, run now (it reads every 10 minutes)."""
            assert api.post(f"{admin}/admin/moments/{tid}/refresh", timeout=30).status_code == 202
            self.stack.run_job("advance_moments")
            p = api.get(f"{admin}/admin/moments/{tid}/progress", timeout=30).json()
            return p if p["results_at"] and p["posted"] else None

        progress = _wait(read, "the moment's results", timeout_s=60)
        self.show("completion (GET /admin/moments/{id}/progress)", {k: progress[k] for k in (
            "members", "posted", "rate", "reached", "likes", "comments")} | {"by_department": progress["by_department"]})
        self.wecom_calls()
        return {"state": task["state"], "posted": progress["posted"], "likes": progress["likes"]}

    def _stores(self, cid: str, employees: list[str]) -> dict[str, Any]:
        """15. Store codes (门店活码): two stores imported with `scrm stores import` (the members still with the
        company: employees[1] left in step 6), their contact ways made
        (`scrm stores codes --wait`), the landing page's lookup from near the first one (its QR, counted as a
        scan), a customer scanning that QR in WeCom, and the scans and adds per city (`scrm stores stats`)."""
        from scrm import bootstrap

        self.say("15. Store codes (门店活码): one printed code, the nearest open store's assistants")
        rows = ("store_id,name,city,address,latitude,longitude,hours,assistants,group\n"
                f"sh1,静安店,上海,南京西路1号,31.2304,121.4737,,{employees[0]}|{employees[2]},华东\n"
                f"bj1,国贸店,北京,建国门外4号,39.9087,116.4605,1-7 10:00-22:00,{employees[2]},华北\n")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=False) as f:
            f.write(rows)
        self.out(self._scrm("stores", "import", cid, f.name).strip())
        os.unlink(f.name)
        self.out(self._scrm("stores", "codes", cid, "--wait").strip())
        base = self.stack.landing_url.rsplit("/landing/", 1)[0]
        near = requests.get(f"{base}/admin/public/stores/nearest", params={"corp": cid, "lat": "31.2310",
                            "lng": "121.4745"}, timeout=30).json()  # fmt: skip
        self.show("the landing page's lookup from 100 m away (GET /admin/public/stores/nearest)",
                  {k: near[k] for k in ("reason", "distance_m", "queries")} | {"store": near["store"]["name"],
                                                                             "qr_code": near["store"]["qr_code"]})
        requests.post(f"{base}/admin/public/stores/scans", json={"corp": cid, "store_id": "sh1"}, timeout=30)
        config_id = bootstrap.stores().get(cid, "sh1")["config_id"]
        self.sandbox.scan(cid, config_id, name="李雷", wait=True)

        def counted() -> dict[str, Any] | None:
            s = json.loads(self._scrm("stores", "stats", cid, "--by", "city", "--json"))
            return s if s["totals"]["adds"] == 1 else None

        stats = _wait(counted, "the store's add counted", timeout_s=60)
        self.show("scans and adds per city (scrm stores stats --by city)", stats["items"])
        page = f"{self.stack.landing_url}store.html?corp={cid}"
        self.out(f"  the landing page: {page}")
        return {"shown": near["store"]["name"], "stats": [(i["city"], i["scans"], i["adds"]) for i in stats["items"]],
                "page": page}

    def _fission(self, cid: str, api: requests.Session, admin: str) -> dict[str, Any]:
        """16. Friend fission (好友裂变): a campaign (1 friend, a pool of one code), an inviter's link (`scrm
        fission link`: the page to send them), their poster (its first request makes their contact way), a
        friend scanning it in WeCom, the reward sent with the pool's code; the poster page's URL printed."""
        import base64
        import io

        from PIL import Image

        self.say("16. Friend fission (好友裂变): an inviter's poster page, a friend scans it, the reward")
        world = self.sandbox.corp(cid)
        active = {e["userid"] for e in world["employees"] if e.get("status", 1) == 1}
        inviter = next(c for c in world["customers"] if {f["userid"] for f in c["follow_users"]} & active)
        out = io.BytesIO()
        Image.new("RGB", (375, 667), "#fde2c8").save(out, "PNG")
        bg = api.post(f"{admin}/admin/materials", json={"kind": "image", "title": "裂变海报", "filename": "fission.png",
                                                          "content": base64.b64encode(out.getvalue()).decode()}, timeout=30)  # fmt: skip
        bg.raise_for_status()
        made = api.post(f"{admin}/admin/fission", json={
            "name": "好友裂变", "background": bg.json()["material_id"], "threshold": 1, "keep_days": 0,
            "reward_text": "感谢邀请！您的券码是 {code}", "members": sorted(active)[:1], "activate": True,
            "start_at": int(time.time()) - 60, "end_at": int(self.sandbox.clock()["now"]) + 30 * 86_400}, timeout=30)  # fmt: skip
        made.raise_for_status()
        fid = made.json()["campaign_id"]
        api.post(f"{admin}/admin/fission/{fid}/coupons", json={"codes": ["DEMO-FISSION-1"]}, timeout=30).raise_for_status()
        self.out(self._scrm("fission", "link", cid, fid, inviter["external_userid"]).strip())
        link = json.loads(self._scrm("fission", "link", cid, fid, inviter["external_userid"], "--json"))
        base = self.stack.landing_url.rsplit("/landing/", 1)[0]
        poster = requests.get(f"{base}{link['poster']}", timeout=60)
        poster.raise_for_status()
        self.show("the poster (GET /admin/public/fission/poster)", {"type": poster.headers["content-type"],
                                                                    "bytes": len(poster.content)})
        rows = api.get(f"{admin}/admin/fission/{fid}/progress", timeout=30).json()["items"]
        self.sandbox.scan(cid, rows[0]["config_id"], name="王芳", wait=True)

        def rewarded() -> dict[str, Any] | None:
            p = requests.get(f"{base}{link['progress']}", timeout=30).json()
            return p if p["reward"] == "sent" else None

        shown = _wait(rewarded, "the inviter's reward", timeout_s=60)
        self.show("the inviter's progress (GET /admin/public/fission/progress)",
                  {k: shown[k] for k in ("confirmed", "pending", "lost", "threshold", "reward")})
        page = f"{base}{link['page']}"
        self.out(f"  the inviter's poster page: {page}")
        return {"reward": shown["reward"], "page": page}

    def _sidebar(self, cid: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """14. The employee sidebar: the sandbox's stand-in for WeCom's client opens a chat between a member and
        a customer they serve; the page's first load (OAuth, login) is done here over HTTP, and its URL printed
        for a browser."""
        from scrm.adapters.dynamo import reads

        from devstack import sidebar_chat

        self.say("14. The employee sidebar (聊天工具栏): a member opens it in a chat with a customer they serve")
        world = self.sandbox.corp(cid)
        active = {e["userid"] for e in world["employees"] if e.get("status", 1) == 1}
        userid, ext = next((f["userid"], c["external_userid"]) for c in world["customers"] for f in c["follow_users"]
                           if f["userid"] in active
                           and (reads.follow(cid, c["external_userid"], f["userid"]) or {}).get("status") == "active")
        chat = sidebar_chat.open_sidebar_chat(self.stack, cid, userid, ext)
        http = sidebar_chat.log_in(self.stack, cid, chat)
        answer = http.get(f"{self.stack.admin_url}/admin/sidebar/customers/{ext}", timeout=30)
        answer.raise_for_status()
        portrait = answer.json()
        mine = portrait["relation"]
        self.show("the sidebar's portrait (GET /admin/sidebar/customers/…)", {
            "customer": portrait["profile"]["name"], "member": mine["userid"], "remark": mine["remark"],
            "tags": [t["name"] for t in mine["tags"]], "others_serving": len(portrait["others"]),
            "groups": [g["name"] for g in portrait["groups"]], "stage": (portrait.get("stage") or {}).get("stage"),
            "received": [f"{r['name']}（{r['kind']}）: {r['status']}" for r in portrait.get("received") or []],
            "tasks_waiting_for_the_member": [t["name"] for t in portrait.get("tasks") or []]})  # fmt: skip
        self.out("  " + sidebar_chat.describe(chat))
        return portrait, chat


def _scrm_env(stack: Stack) -> dict[str, str]:
    return {**os.environ, **stack.env}


def _relation(follows: list[dict[str, Any]], userid: str) -> dict[str, Any]:
    rel = next((f for f in follows if f["userid"] == userid), {})
    return {k: rel.get(k) for k in ("userid", "status", "state", "add_way", "add_time", "remark", "tags")}


def main() -> int:
    stack = Stack(StackConfig())
    print("starting the local stack (moto, WeCom sandbox, app) ...", flush=True)
    try:
        stack.start()
    except Exception as exc:
        print(f"demo: the local stack did not start: {exc} (logs in {stack.config.workdir})", file=sys.stderr)
        return 1
    try:
        from scrm import bootstrap

        bootstrap.reset()
        tour = Tour(stack)
        summary = tour.run()
        ok = summary["callbacks_sent"] == summary["callbacks_acknowledged"] and \
            summary["relation_status"] == "deleted_by_customer" and summary["code_adds"] == 1
        print("\ndemo finished: " + ("every callback acknowledged and applied" if ok else "SOMETHING WENT WRONG"))
        if sys.stdin.isatty():  # someone is watching: keep the console up to look at what the tour made
            from devstack.console_login import describe

            print(f"\n{describe(tour.login)}\nPress Enter (or Ctrl-C) to stop the local stack.", flush=True)
            with contextlib.suppress(KeyboardInterrupt, EOFError):
                input()
        return 0 if ok else 1
    except Exception as exc:
        print(f"demo failed: {exc} (logs in {stack.config.workdir})", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        print("local stack stopped")


if __name__ == "__main__":
    sys.exit(main())
