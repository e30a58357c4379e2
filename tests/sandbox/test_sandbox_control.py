"""Control API: corp lifecycle, seeding determinism, validation errors, CLI."""

from __future__ import annotations

import subprocess
import sys

import requests


def test_corp_create_defaults_and_credentials(ctl) -> None:
    info = ctl.post("/corps", {"callback_url": "http://127.0.0.1:9/x/{corp_id}"}, expect=201)
    try:
        assert info["corp_id"].startswith("ww") and len(info["aes_key"]) == 43 and info["token"].isalnum()
        assert info["callback_url"] == f"http://127.0.0.1:9/x/{info['corp_id']}"
        assert info["agent_id"] == 1000002 and info["token_expires_in"] == 7200
        assert info["callback_timeout_s"] == 5 and info["callback_retry_delays"] == [1, 2, 4]
        assert info["counts"]["employees"] > 0
        assert info["corp_id"] in ctl.get("/corps")["corps"]
    finally:
        ctl.call("DELETE", f"/corps/{info['corp_id']}")
    assert ctl.get(f"/corps/{info['corp_id']}", expect=404)["error"] == f"unknown corp '{info['corp_id']}'"


def test_explicit_credentials_and_patch(ctl) -> None:
    body = {
        "corp_id": "wwexplicit01",
        "token": "abc123",
        "aes_key": "a" * 43,
        "secret": "s3cret",
        "agent_id": 7,
        "seed": False,
    }
    info = ctl.post("/corps", body, expect=201)
    try:
        assert {k: info[k] for k in body if k != "seed"} == {k: v for k, v in body.items() if k != "seed"}
        assert info["counts"] == {
            "employees": 0,
            "customers": 0,
            "relations": 0,
            "tag_groups": 0,
            "tags": 0,
            "groups": 0,
        }
        assert ctl.post("/corps", body, expect=409)["error"]
        patched = ctl.call(
            "PATCH", "/corps/wwexplicit01", {"callback_timeout_s": 2, "callback_retry_delays": [0.1]}
        )
        assert patched["callback_timeout_s"] == 2 and patched["callback_retry_delays"] == [0.1]
        assert "secret" in ctl.call("PATCH", "/corps/wwexplicit01", {"secret": "x"}, expect=400)["error"]
    finally:
        ctl.call("DELETE", "/corps/wwexplicit01")


def test_seed_is_deterministic(ctl) -> None:
    spec = {
        "employees": 6,
        "customers_per_employee": 5,
        "tag_groups": 2,
        "tags": 4,
        "groups": 3,
        "members_per_group": 5,
        "seed": 123,
    }
    a = ctl.post("/corps", {"seed": spec}, expect=201)
    b = ctl.post("/corps", {"seed": spec}, expect=201)
    try:
        wa, wb = ctl.get(f"/corps/{a['corp_id']}"), ctl.get(f"/corps/{b['corp_id']}")
        for key in ("employees", "customers", "tag_groups", "groups"):
            assert wa[key] == wb[key], key
        assert wa["counts"]["relations"] == 30 and wa["counts"]["tags"] == 8 and wa["counts"]["groups"] == 3
        names = "".join(e["name"] for e in wa["employees"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in names)
        c = ctl.post("/corps", {"seed": {**spec, "seed": 124}}, expect=201)
        assert ctl.get(f"/corps/{c['corp_id']}")["customers"] != wa["customers"]
        ctl.call("DELETE", f"/corps/{c['corp_id']}")
    finally:
        ctl.call("DELETE", f"/corps/{a['corp_id']}")
        ctl.call("DELETE", f"/corps/{b['corp_id']}")


def test_validation_errors(ctl, corp, sandbox) -> None:
    assert ctl.post("/corps", {"token": "has space"}, expect=400)["error"].startswith("field 'token'")
    assert "aes_key" in ctl.post("/corps", {"aes_key": "short"}, expect=400)["error"]
    assert "seed.employees" in ctl.post("/corps", {"seed": {"employees": -1}}, expect=400)["error"]
    assert "seed.bogus" in ctl.post("/corps", {"seed": {"bogus": 1}}, expect=400)["error"]
    assert corp.c("/customers/add", {}, expect=400) == {"error": "missing field 'userid'"}
    assert corp.c("/customers/add", {"userid": 5}, expect=400) == {"error": "field 'userid' must be a string"}
    assert "unknown employee" in corp.c("/customers/add", {"userid": "ghost"}, expect=404)["error"]
    assert (
        "reason"
        in corp.c(
            "/customers/transfer_fail", {"userid": "a", "external_userid": "b", "reason": "x"}, expect=400
        )["error"]
    )
    assert corp.c(
        "/customers/del_by_customer", {"userid": "a", "external_userid": "wm" + "x" * 30}, expect=404
    )["error"]
    assert "unknown corp" in ctl.post("/corps/nope/customers/add", {"userid": "a"}, expect=404)["error"]
    resp = requests.post(f"{sandbox.url}/control/corps/{corp.id}/customers/add", data=b"{oops")
    assert resp.status_code == 400 and resp.json()["error"].startswith("request body is not valid JSON")
    assert requests.get(f"{sandbox.url}/control/nothing").status_code == 404
    assert requests.put(f"{sandbox.url}/control/corps").status_code == 405
    assert "Traceback" not in resp.text
    assert corp.cget("/callbacks/999999", expect=404)["error"]
    assert corp.c("/faults", {"path": "x"}, expect=400)["error"]


def test_customer_inspection(corp) -> None:
    world = corp.cget()
    ext = world["customers"][0]["external_userid"]
    one = corp.cget(f"/customers/{ext}")
    assert (
        one["external_userid"] == ext
        and one["follow_users"]
        and set(one["follow_users"][0]) >= {"userid", "one_way", "tag_ids"}
    )
    summary = corp.cget("?summary=1")
    assert "customers" not in summary and summary["counts"]["customers"] == len(world["customers"])


def test_root_page(sandbox) -> None:
    info = requests.get(sandbox.url + "/").json()
    assert (
        info["ok"]
        and "externalcontact/get" in info["wecom_api"]
        and "POST /control/corps" in info["control_api"]
    )


def test_cli_help_and_port_zero() -> None:
    help_out = subprocess.run(
        [sys.executable, "-m", "wecom_sandbox", "--help"], capture_output=True, text=True, timeout=30
    )
    assert help_out.returncode == 0 and "--port" in help_out.stdout and "/control/corps" in help_out.stdout
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wecom_sandbox",
            "--port",
            "0",
            "--callback-url",
            "http://127.0.0.1:9/cb",
            "--corp-id",
            "wwcli",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        port = int(first.rsplit("port ", 1)[1].rstrip(")\n"))
        assert '"corp_id": "wwcli"' in proc.stdout.readline()
        assert requests.get(f"http://127.0.0.1:{port}/control/corps", timeout=5).json() == {
            "corps": ["wwcli"]
        }
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
