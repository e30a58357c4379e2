"""``scrm fission`` against the session's stack and sandbox (issue 21): a campaign is created (active), its
pool filled from a file (a repeat upload adds nothing), shown with the pool, listed; an inviter's link gets a
poster (one contact way), the progress lists them; ending deletes the way in WeCom. Bad input is one line
naming the field and a non-zero exit."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from PIL import Image
from scrm import bootstrap

from tests.conftest import new_corp
from tests.integration.cli_api import as_corp
from tests.integration.test_cli import run
from tests.support.syncing import sync_and_wait

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> Iterator[dict[str, Any]]:
    import base64

    corp = new_corp(stack, sandbox, seed={"employees": 2, "customers_per_employee": 1, "groups": 0})
    cid = corp["corp_id"]
    sync_and_wait(cid)
    out = io.BytesIO()
    Image.new("RGB", (200, 300), "#ffffff").save(out, "PNG")
    bg = bootstrap.content().create_material(cid, "cli", {"kind": "image", "title": "海报", "filename": "bg.png",
                                                         "content": base64.b64encode(out.getvalue()).decode()})  # fmt: skip
    world = sandbox.corp(cid)
    with as_corp(stack, cid):
        yield {"cid": cid, "bg": bg["material_id"], "members": sorted(e["userid"] for e in world["employees"]),
               "customer": world["customers"][0]["external_userid"]}  # fmt: skip


def test_create_upload_show_link_progress_end(shop, stack, sandbox, capsys, tmp_path):
    cid = shop["cid"]
    end = str(int(time.time()) + 86_400)
    code, out, err = run(capsys, "fission", "create", cid, "--name", "春季裂变", "--background", shop["bg"],
                         "--threshold", "3", "--keep-days", "7", "--reward-text", "券码 {code}",
                         "--member", shop["members"][0], "--end-at", end, "--activate", "--json")  # fmt: skip
    assert code == 0, err
    campaign = json.loads(out)
    fid = campaign["campaign_id"]
    assert campaign["status"] == "active" and campaign["threshold"] == 3
    codes = tmp_path / "codes.txt"
    codes.write_text("A-1\nA-2\n\nA-3\n", encoding="utf-8")
    code, out, err = run(capsys, "fission", "coupons-upload", cid, fid, str(codes))
    assert code == 0 and "added 3 codes" in out, (out, err)
    code, out, _ = run(capsys, "fission", "coupons-upload", cid, fid, str(codes))
    assert "added 0 codes (3 uploaded before)" in out
    code, out, _ = run(capsys, "fission", "show", cid, fid)
    assert code == 0 and "3 free, 0 drawn" in out and "3 friends who stay 7 days" in out
    code, out, _ = run(capsys, "fission", "list", cid)
    assert code == 0 and fid in out and "春季裂变" in out

    code, out, _ = run(capsys, "fission", "link", cid, fid, shop["customer"], "--json")
    link = json.loads(out)
    assert link["page"] == f"/landing/fission.html?t={link['token']}"  # the customer's page (web/landing)
    r = requests.get(f"{stack.admin_url}{link['poster']}", timeout=30)
    assert r.status_code == 200 and r.content[:4] == b"\x89PNG"
    code, out, _ = run(capsys, "fission", "progress", cid, fid, "--json")
    [row] = json.loads(out)["items"]
    assert row["external_userid"] == shop["customer"] and row["config_id"]

    since = sandbox.call_counts(cid)["last_seq"]
    code, out, _ = run(capsys, "fission", "end", cid, fid)
    assert code == 0 and "every contact way deleted" in out
    assert [c["body"]["config_id"] for c in sandbox.calls(cid, since=since, path="externalcontact/del_contact_way")] == [row["config_id"]]


def test_bad_input_names_the_field(shop, capsys):
    code, out, err = run(capsys, "fission", "create", shop["cid"], "--name", "x", "--background", shop["bg"],
                         "--threshold", "3", "--keep-days", "7", "--reward-text", "no code here",
                         "--member", shop["members"][0], "--end-at", str(int(time.time()) + 3600))  # fmt: skip
    assert code != 0 and "reward_text" in err, (out, err)
