"""Customer moments (客户朋友圈, 95094 / 93333 / 97612) and media/upload_attachment (95098): the add_moment_task
checks and WeCom's codes, the asynchronous job on the world clock, the jobid's 24 h and the media_id's 3 days,
who gets a task and who sees a post, the reads paged to the end, cancel, likes and comments.

Tests that keep the world clock still share the session sandbox with jobs that finish at once
(moment_job_s 0); the clock tests use a sandbox of their own.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from devstack.sandbox_client import SandboxClient
from wecom_sandbox.media import TTL_S
from wecom_sandbox.moments import JOB_TTL_S

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32


def _upload(corp: Any, media_type: str = "image", attachment_type: str | None = "1", data: bytes = PNG,
            name: str = "a.png") -> dict[str, Any]:  # fmt: skip
    params = {"access_token": corp.api.token, "media_type": media_type}
    if attachment_type is not None:
        params["attachment_type"] = attachment_type
    files = {"media": (name, data)}
    return requests.post(f"{corp.api.base}/cgi-bin/media/upload_attachment", params=params, files=files,
                         timeout=30).json()  # fmt: skip


def _image(corp: Any) -> str:
    answer = _upload(corp)
    assert answer["errcode"] == 0, answer
    return answer["media_id"]


def _add(corp: Any, **body: Any) -> dict[str, Any]:
    return corp.api.post("externalcontact/add_moment_task", body)


def _result(corp: Any, jobid: str) -> dict[str, Any]:
    return corp.api.get("externalcontact/get_moment_task_result", jobid=jobid)


def _moment_id(corp: Any, **body: Any) -> str:
    answer = _add(corp, **body)
    assert answer["errcode"] == 0, answer
    result = _result(corp, answer["jobid"])
    assert result["status"] == 3 and result["result"]["errcode"] == 0, result
    return result["result"]["moment_id"]


def _seed(corp: Any) -> tuple[Any, dict[str, Any]]:
    """Members a, b (department 2), c; a has a0..a2, b has b0, b1; tag VIP on a0 and b0, 普通 on a1."""
    for userid, dept in (("a", 1), ("b", 2), ("c", 1)):
        corp.c("/users/create", {"userid": userid, "name": userid, "department": [dept], "callback": False})
    custs: dict[str, list[str]] = {}
    for userid, n in (("a", 3), ("b", 2)):
        custs[userid] = [corp.c("/customers/add", {"userid": userid, "callback": False})["external_userid"]
                         for _ in range(n)]  # fmt: skip
    tags = corp.c("/tags/create", {"group_name": "等级", "tags": ["VIP", "普通"], "callback": False})["tag_ids"]
    for userid, ext, tag in (("a", custs["a"][0], tags[0]), ("b", custs["b"][0], tags[0]), ("a", custs["a"][1], tags[1])):
        corp.c("/customers/edit", {"userid": userid, "external_userid": ext, "add_tags": [tag], "callback": False})
    return corp, {"custs": custs, "vip": tags[0], "plain": tags[1]}


@pytest.fixture
def world(make_corp) -> tuple[Any, dict[str, Any]]:
    return _seed(make_corp(seed=False, moment_job_s=0))


TEXT = {"content": "新品上市"}


def test_upload_attachment_answers_an_integer_created_at_and_keeps_its_own_store(world) -> None:
    corp, _ = world
    image = _upload(corp)
    assert image["errcode"] == 0 and image["type"] == "image" and isinstance(image["created_at"], int), image
    video = _upload(corp, "video", data=MP4, name="v.mp4")
    assert video["errcode"] == 0 and video["type"] == "video"
    seen = corp.cget(f"/media/{image['media_id']}")
    assert seen["attachment_type"] == 1 and seen["expires_at"] == seen["created_at"] + TTL_S
    listed = corp.cget("/media")
    assert listed["media"] == [] and [m["type"] for m in listed["attachments"]] == ["image", "video"]
    # a media/upload id is not an upload_attachment id (and the other way round)
    plain = requests.post(f"{corp.api.base}/cgi-bin/media/upload", params={"access_token": corp.api.token,
                          "type": "image"}, files={"media": ("a.png", PNG)}, timeout=30).json()  # fmt: skip
    assert plain["errcode"] == 0
    bad = _add(corp, attachments=[{"msgtype": "image", "image": {"media_id": plain["media_id"]}}])
    assert bad["errcode"] == 40007
    assert len(corp.cget("/calls?path=media/upload_attachment")["calls"]) == 2


def test_upload_attachment_refusals(world) -> None:
    corp, _ = world
    assert _upload(corp, "voice", data=b"#!AMR\n" + b"\x00" * 10, name="v.amr")["errcode"] == 40004
    assert _upload(corp, "file", data=b"%PDF-1.4 x", name="x.pdf")["errcode"] == 40004  # moments: images, videos
    assert _upload(corp, "file", "2", data=b"%PDF-1.4 x", name="x.pdf")["errcode"] == 0  # product albums take files
    assert _upload(corp, "image", None)["errcode"] == 40058
    assert _upload(corp, "image", "3")["errcode"] == 40058
    assert _upload(corp, "image", data=b"GIF89a" + b"\x00" * 20)["errcode"] == 40005
    assert _upload(corp, "image", data=b"12345")["errcode"] == 40006
    assert _upload(corp, "video", data=b"\x00\x00\x00\x18ftyp" + b"\x00" * (10 * 1024 * 1024))["errcode"] == 40006
    missing = requests.post(f"{corp.api.base}/cgi-bin/media/upload_attachment", timeout=30,
                            params={"access_token": corp.api.token, "media_type": "image", "attachment_type": "1"},
                            files={"other": ("a.png", PNG)}).json()  # fmt: skip
    assert missing["errcode"] == 41005
    # a product-album id is not a moments attachment
    album = _upload(corp, "image", "2")["media_id"]
    assert _add(corp, attachments=[{"msgtype": "image", "image": {"media_id": album}}])["errcode"] == 40007


def test_add_moment_task_content_limits(world) -> None:
    corp, _ = world
    assert _add(corp, text={"content": "字" * 2000})["errcode"] == 0
    over = _add(corp, text={"content": "字" * 2001})
    assert over["errcode"] == 45002 and "invalid text size" in over["errmsg"]
    assert _add(corp)["errcode"] == 44004
    assert _add(corp, text={"content": ""}, attachments=[])["errcode"] == 44004
    assert _add(corp, text="x")["errcode"] == 40058
    image = _image(corp)
    nine = [{"msgtype": "image", "image": {"media_id": image}}] * 9
    assert _add(corp, attachments=nine)["errcode"] == 0
    ten = _add(corp, attachments=nine + nine[:1])
    assert ten["errcode"] == 41064 and "invalid attachments size" in ten["errmsg"]
    video = _upload(corp, "video", data=MP4, name="v.mp4")["media_id"]
    one_video = {"msgtype": "video", "video": {"media_id": video}}
    assert _add(corp, attachments=[one_video])["errcode"] == 0
    assert _add(corp, attachments=[one_video, one_video])["errcode"] == 41064
    link = {"msgtype": "link", "link": {"title": "官网", "url": "https://example.com", "media_id": image}}
    assert _add(corp, attachments=[link])["errcode"] == 0
    assert _add(corp, attachments=[link, link])["errcode"] == 41064
    mixed = _add(corp, attachments=[nine[0], one_video])
    assert mixed["errcode"] == 41065 and "invalid attachments msgtype" in mixed["errmsg"]
    assert _add(corp, attachments=[{"msgtype": "file", "file": {"media_id": image}}])["errcode"] == 41065
    assert _add(corp, attachments=[{"msgtype": "image", "image": {}}])["errcode"] == 41006
    assert _add(corp, attachments=[{"msgtype": "video", "video": {"media_id": image}}])["errcode"] == 40007
    assert _add(corp, attachments=[{"msgtype": "image", "image": {"media_id": video}}])["errcode"] == 40007
    assert _add(corp, attachments=[{"msgtype": "image", "image": {"media_id": "nonesuch"}}])["errcode"] == 40007
    no_url = {"msgtype": "link", "link": {"title": "t", "media_id": image}}
    assert _add(corp, attachments=[no_url])["errcode"] == 40058
    no_cover = {"msgtype": "link", "link": {"title": "t", "url": "https://example.com"}}
    assert _add(corp, attachments=[no_cover])["errcode"] == 41006
    long_title = {"msgtype": "link", "link": {"title": "标" * 22, "url": "https://e.com", "media_id": image}}
    assert _add(corp, attachments=[long_title])["errcode"] == 40058  # 66 bytes, over 64
    # every refusal is recorded with its code, like every other call
    codes = corp.cget("/calls/count?path=externalcontact/add_moment_task")["errcodes"]["externalcontact/add_moment_task"]
    assert codes["41064"] == 3 and codes["40007"] == 3


def test_visible_range_senders_tags_and_invalid_lists(world) -> None:
    corp, w = world
    # sender_list only: the listed members plus department 2's (b); unknown ids are reported, not fatal
    answer = _add(corp, text=TEXT, visible_range={"sender_list": {"user_list": ["a", "ghost"], "department_list": [2, 99]}})
    result = _result(corp, answer["jobid"])
    assert result["type"] == "add_moment_task"
    assert result["result"]["invalid_sender_list"] == {"user_list": ["ghost"], "department_list": [99]}
    assert result["result"]["invalid_external_contact_list"] == {"tag_list": []}
    moment = corp.cget(f"/moments/{result['result']['moment_id']}")
    assert [t["userid"] for t in moment["tasks"]] == ["a", "b"]
    # no visible_range: every member
    every = _moment_id(corp, text=TEXT)
    assert [t["userid"] for t in corp.cget(f"/moments/{every}")["tasks"]] == ["a", "b", "c"]
    # tags only: the members following a customer who carries one; unknown tags reported
    answer = _add(corp, text=TEXT, visible_range={"external_contact_list": {"tag_list": [w["plain"], "etNoSuchTag"]}})
    result = _result(corp, answer["jobid"])["result"]
    assert result["invalid_external_contact_list"] == {"tag_list": ["etNoSuchTag"]}
    assert [t["userid"] for t in corp.cget(f"/moments/{result['moment_id']}")["tasks"]] == ["a"]
    # senders and tags: the senders get tasks, only tagged customers will see it
    both = _moment_id(corp, text=TEXT, visible_range={"sender_list": {"user_list": ["c", "b"]},
                                                      "external_contact_list": {"tag_list": [w["vip"]]}})  # fmt: skip
    assert [t["userid"] for t in corp.cget(f"/moments/{both}")["tasks"]] == ["c", "b"]
    # whole-task failures are answered in result.errcode, without moment_id
    nobody = _result(corp, _add(corp, text=TEXT, visible_range={"sender_list": {"user_list": ["ghost"]}})["jobid"])
    assert nobody["status"] == 3 and nobody["result"]["errcode"] == 81013 and "moment_id" not in nobody["result"]
    assert nobody["result"]["invalid_sender_list"]["user_list"] == ["ghost"]
    no_tag = _result(corp, _add(corp, text=TEXT, visible_range={"external_contact_list": {"tag_list": ["etX"]}})["jobid"])
    assert no_tag["result"]["errcode"] == 40068
    # malformed ranges and the 100,000 senders
    assert _add(corp, text=TEXT, visible_range={"sender_list": {"user_list": "a"}})["errcode"] == 40058
    assert _add(corp, text=TEXT, visible_range={"sender_list": {"department_list": ["2"]}})["errcode"] == 40058
    assert _add(corp, text=TEXT, visible_range={"external_contact_list": {"tag_list": [1]}})["errcode"] == 40058
    assert _add(corp, text=TEXT, visible_range={"sender_list": {"user_list": ["a"] * 100_001}})["errcode"] == 40058
    many = _add(corp, text=TEXT, visible_range={"sender_list": {"user_list": ["a"] * 100_000}})
    assert many["errcode"] == 0


def test_jobid_errors(world) -> None:
    corp, _ = world
    assert corp.api.get("externalcontact/get_moment_task_result")["errcode"] == 40058
    assert _result(corp, "mjNoSuchJob")["errcode"] == 40088
    assert corp.api.post("externalcontact/get_moment_task_result", {"jobid": "x"})["errcode"] == 40058  # GET API


def test_publish_customer_list_send_result_and_comments(world) -> None:
    corp, w = world
    a0, a1, a2 = w["custs"]["a"]
    moment_id = _moment_id(corp, text=TEXT, visible_range={"sender_list": {"user_list": ["a", "b"]}})
    body = {"moment_id": moment_id, "userid": "a"}
    tasks = corp.api.post("externalcontact/get_moment_task", {"moment_id": moment_id})
    assert tasks["task_list"] == [{"userid": "a", "publish_status": 0}, {"userid": "b", "publish_status": 0}]
    assert tasks["next_cursor"] == ""
    for path in ("get_moment_customer_list", "get_moment_send_result", "get_moment_comments"):
        assert corp.api.post(f"externalcontact/{path}", body)["errcode"] == 41062, path
        assert corp.api.post(f"externalcontact/{path}", {**body, "userid": "c"})["errcode"] == 41061, path
        assert corp.api.post(f"externalcontact/{path}", {"moment_id": moment_id})["errcode"] == 41009, path
        assert corp.api.post(f"externalcontact/{path}", {"userid": "a"})["errcode"] == 41059, path
        assert corp.api.post(f"externalcontact/{path}", {**body, "moment_id": "momX"})["errcode"] == 41060, path
    corp.c("/customers/del_by_customer", {"userid": "a", "external_userid": a2, "callback": False})  # one-way
    published = corp.c(f"/moments/{moment_id}/publish", {"userid": "a", "create_time": 1_700_000_123})
    assert published["task"]["publish_status"] == 1 and published["task"]["publish_time"] == 1_700_000_123
    assert corp.c(f"/moments/{moment_id}/publish", {"userid": "a"}, expect=409)["error"]
    assert corp.c(f"/moments/{moment_id}/publish", {"userid": "c"}, expect=404)["error"]
    tasks = corp.api.post("externalcontact/get_moment_task", {"moment_id": moment_id})["task_list"]
    assert tasks[0] == {"userid": "a", "publish_status": 1}
    visible = corp.api.post("externalcontact/get_moment_customer_list", body)
    assert visible["customer_list"] == [{"userid": "a", "external_userid": e} for e in (a0, a1, a2)]
    reached = corp.api.post("externalcontact/get_moment_send_result", body)
    assert reached["customer_list"] == [{"external_userid": a0}, {"external_userid": a1}]  # a2 deleted a
    # likes and comments: customers the post reached, and members
    corp.c(f"/moments/{moment_id}/like", {"userid": "a", "external_userid": a0, "create_time": 1_700_000_200})
    corp.c(f"/moments/{moment_id}/like", {"userid": "a", "from_userid": "b", "create_time": 1_700_000_201})
    corp.c(f"/moments/{moment_id}/comment", {"userid": "a", "external_userid": a1, "content": "好看",
                                             "create_time": 1_700_000_300})  # fmt: skip
    assert corp.c(f"/moments/{moment_id}/like", {"userid": "a", "external_userid": a0}, expect=409)["error"]
    assert corp.c(f"/moments/{moment_id}/like", {"userid": "a", "external_userid": a2}, expect=409)["error"]
    assert corp.c(f"/moments/{moment_id}/like", {"userid": "b", "external_userid": a0}, expect=409)["error"]
    assert corp.c(f"/moments/{moment_id}/like", {"userid": "a"}, expect=400)["error"]
    comments = corp.api.post("externalcontact/get_moment_comments", body)
    assert comments["errcode"] == 0
    assert comments["comment_list"] == [{"external_userid": a1, "create_time": 1_700_000_300}]
    assert comments["like_list"] == [{"external_userid": a0, "create_time": 1_700_000_200},
                                     {"userid": "b", "create_time": 1_700_000_201}]  # fmt: skip
    corp.c(f"/moments/{moment_id}/unlike", {"userid": "a", "external_userid": a0})
    assert corp.c(f"/moments/{moment_id}/unlike", {"userid": "a", "external_userid": a0}, expect=409)["error"]
    after = corp.api.post("externalcontact/get_moment_comments", body)
    assert after["like_list"] == [{"userid": "b", "create_time": 1_700_000_201}]
    assert corp.cget(f"/moments/{moment_id}")["tasks"][0]["comments"][0]["content"] == "好看"


def test_tags_and_select_fix_who_sees_a_post(world) -> None:
    corp, w = world
    a0, a1, _a2 = w["custs"]["a"]
    moment_id = _moment_id(corp, text=TEXT, visible_range={"external_contact_list": {"tag_list": [w["vip"], w["plain"]]}})
    corp.c(f"/moments/{moment_id}/publish", {"userid": "a", "select": [a1]})
    body = {"moment_id": moment_id, "userid": "a"}
    assert corp.api.post("externalcontact/get_moment_customer_list", body)["customer_list"] == [
        {"userid": "a", "external_userid": a1}]
    corp.c(f"/moments/{moment_id}/publish", {"userid": "b"})
    b0 = w["custs"]["b"][0]
    assert corp.api.post("externalcontact/get_moment_send_result", {**body, "userid": "b"})["customer_list"] == [
        {"external_userid": b0}]
    assert corp.c(f"/moments/{moment_id}/like", {"userid": "a", "external_userid": a0}, expect=409)["error"]
    other = _moment_id(corp, text=TEXT, visible_range={"sender_list": {"user_list": ["b"]}})
    assert corp.c(f"/moments/{other}/publish", {"userid": "b", "select": [a0]}, expect=400)["error"]


def test_reads_page_to_the_end(world) -> None:
    corp, _ = world
    for i in range(7):
        corp.c("/users/create", {"userid": f"m{i}", "name": f"m{i}", "callback": False})
        for _ in range(3):
            corp.c("/customers/add", {"userid": f"m{i}", "callback": False})
    moment_id = _moment_id(corp, text=TEXT)  # a, b, c, m0..m6: 10 members
    seen, cursor, pages = [], "", 0
    while True:
        page = corp.api.post("externalcontact/get_moment_task", {"moment_id": moment_id, "limit": 3, "cursor": cursor})
        seen += [t["userid"] for t in page["task_list"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 4 and seen == ["a", "b", "c", *(f"m{i}" for i in range(7))]
    # over the maximum: the default (500 for get_moment_task)
    assert len(corp.api.post("externalcontact/get_moment_task", {"moment_id": moment_id, "limit": 1001})["task_list"]) == 10
    assert corp.api.post("externalcontact/get_moment_task", {"moment_id": moment_id, "limit": 0})["errcode"] == 40058
    assert corp.api.post("externalcontact/get_moment_task", {"moment_id": moment_id, "cursor": "junk"})["errcode"] == 40058
    corp.c(f"/moments/{moment_id}/publish", {"userid": "m0"})
    body = {"moment_id": moment_id, "userid": "m0", "limit": 2}
    for path, key in (("get_moment_customer_list", "customer_list"), ("get_moment_send_result", "customer_list")):
        first = corp.api.post(f"externalcontact/{path}", body)
        assert len(first[key]) == 2 and first["next_cursor"]
        last = corp.api.post(f"externalcontact/{path}", {**body, "cursor": first["next_cursor"]})
        assert len(last[key]) == 1 and last["next_cursor"] == ""
    # get_moment_list: at most 20 a page, 20 by default and over the maximum
    for _ in range(22):
        _add(corp, text=TEXT)
    now = corp.ctl.get("/clock")["now"]
    window = {"start_time": int(now) - 3600, "end_time": int(now) + 3600}
    first = corp.api.post("externalcontact/get_moment_list", {**window, "limit": 50})
    assert len(first["moment_list"]) == 20 and first["next_cursor"]
    rest = corp.api.post("externalcontact/get_moment_list", {**window, "cursor": first["next_cursor"]})
    assert len(rest["moment_list"]) == 3 and rest["next_cursor"] == ""  # 1 + 22 moments


def test_get_moment_list_window_filters_and_content(world) -> None:
    corp, w = world
    image = _image(corp)
    moment_id = _moment_id(corp, text=TEXT, attachments=[{"msgtype": "image", "image": {"media_id": image}}] * 2,
                           visible_range={"external_contact_list": {"tag_list": [w["vip"]]}})  # fmt: skip
    created = corp.cget(f"/moments/{moment_id}")["create_time"]
    window = {"start_time": created - 10, "end_time": created + 10}
    listed = corp.api.post("externalcontact/get_moment_list", window)
    assert listed["errcode"] == 0 and listed["moment_list"] == [{
        "moment_id": moment_id, "create_time": created, "create_type": 0, "visible_type": 0,
        "text": {"content": TEXT["content"]}, "image": [{"media_id": image}, {"media_id": image}]}]
    # (start_time, end_time) is open: a moment created at either end is left out (93333)
    assert corp.api.post("externalcontact/get_moment_list", {"start_time": created, "end_time": created + 10})["moment_list"] == []
    assert corp.api.post("externalcontact/get_moment_list", {**window, "filter_type": 1})["moment_list"] == []
    assert len(corp.api.post("externalcontact/get_moment_list", {**window, "filter_type": 0})["moment_list"]) == 1
    assert corp.api.post("externalcontact/get_moment_list", {**window, "creator": "a"})["moment_list"] == []
    assert corp.api.post("externalcontact/get_moment_list", {**window, "filter_type": 3})["errcode"] == 40058
    assert corp.api.post("externalcontact/get_moment_list", {"start_time": created})["errcode"] == 40058
    thirty = {"start_time": created - 30 * 86_400 + 5, "end_time": created + 5}
    assert corp.api.post("externalcontact/get_moment_list", thirty)["errcode"] == 0
    over = {"start_time": created - 30 * 86_400 - 1, "end_time": created}
    assert corp.api.post("externalcontact/get_moment_list", over)["errcode"] == 600018
    assert corp.api.post("externalcontact/get_moment_list", {"start_time": created, "end_time": created - 1})["errcode"] == 600018


def test_cancel(world) -> None:
    corp, _ = world
    untouched = _moment_id(corp, text=TEXT)
    assert corp.api.post("externalcontact/cancel_moment_task", {})["errcode"] == 41059
    assert corp.api.post("externalcontact/cancel_moment_task", {"moment_id": "momX"})["errcode"] == 41060
    assert corp.api.post("externalcontact/cancel_moment_task", {"moment_id": untouched})["errcode"] == 0
    # nobody had published it: gone from every read, like a deleted moment
    assert corp.api.post("externalcontact/get_moment_task", {"moment_id": untouched})["errcode"] == 41060
    assert corp.api.post("externalcontact/cancel_moment_task", {"moment_id": untouched})["errcode"] == 41060
    created = corp.cget(f"/moments/{untouched}")["create_time"]
    window = {"start_time": created - 10, "end_time": created + 10}
    assert corp.api.post("externalcontact/get_moment_list", window)["moment_list"] == []
    assert corp.c(f"/moments/{untouched}/publish", {"userid": "a"}, expect=409)["error"]
    # a published post cannot be taken back (97612): the moment stays, the others can no longer publish
    half = _moment_id(corp, text=TEXT)
    corp.c(f"/moments/{half}/publish", {"userid": "a"})
    assert corp.api.post("externalcontact/cancel_moment_task", {"moment_id": half})["errcode"] == 0
    assert corp.api.post("externalcontact/cancel_moment_task", {"moment_id": half})["errcode"] == 0  # idempotent
    assert corp.c(f"/moments/{half}/publish", {"userid": "b"}, expect=409)["error"]
    tasks = corp.api.post("externalcontact/get_moment_task", {"moment_id": half})["task_list"]
    assert [(t["userid"], t["publish_status"]) for t in tasks] == [("a", 1), ("b", 0), ("c", 0)]
    assert [m["moment_id"] for m in corp.api.post("externalcontact/get_moment_list", window)["moment_list"]] == [half]


def test_job_runs_on_the_world_clock_and_the_jobid_lives_a_day(isolated) -> None:
    corp, _ = _seed(isolated.make_corp(seed=False, moment_job_s=10))
    image = _image(corp)
    answer = _add(corp, text=TEXT, attachments=[{"msgtype": "image", "image": {"media_id": image}}])
    jobid = answer["jobid"]
    started = _result(corp, jobid)
    assert started["errcode"] == 0 and started["status"] == 1 and "result" not in started
    job = corp.cget("/moments")["jobs"][0]
    moment_id = corp.cget("/moments")["moments"][0]["moment_id"]
    # until the job is done the moment exists nowhere
    assert corp.api.post("externalcontact/get_moment_task", {"moment_id": moment_id})["errcode"] == 41060
    assert corp.c(f"/moments/{moment_id}/publish", {"userid": "a"}, expect=409)["error"]
    isolated.ctl.post("/clock/advance", {"seconds": 5})
    assert _result(corp, jobid)["status"] == 2
    isolated.ctl.post("/clock/advance", {"seconds": 5})
    done = _result(corp, jobid)
    assert done["status"] == 3 and done["result"]["moment_id"] == moment_id and job["jobid"] == jobid
    assert corp.api.post("externalcontact/get_moment_task", {"moment_id": moment_id})["errcode"] == 0
    isolated.ctl.post("/clock/advance", {"seconds": JOB_TTL_S - 11})
    corp.api._token = None  # the access token expired meanwhile
    assert _result(corp, jobid)["status"] == 3
    isolated.ctl.post("/clock/advance", {"seconds": 2})
    assert _result(corp, jobid)["errcode"] == 40088
    # the moments media_id lives 3 days: 3 days after its upload add_moment_task refuses it
    isolated.ctl.post("/clock/advance", {"seconds": TTL_S - JOB_TTL_S - 60})
    corp.api._token = None
    assert _add(corp, attachments=[{"msgtype": "image", "image": {"media_id": image}}])["errcode"] == 0
    isolated.ctl.post("/clock/advance", {"seconds": 61})
    corp.api._token = None
    assert corp.cget(f"/media/{image}")["expired"] is True
    assert _add(corp, attachments=[{"msgtype": "image", "image": {"media_id": image}}])["errcode"] == 40007


def test_rate_limits_and_faults_apply(make_corp) -> None:
    corp, _ = _seed(make_corp(seed=False, moment_job_s=0, rate_limit_per_min=2))
    assert _add(corp, text=TEXT)["errcode"] == 0
    assert _add(corp, text=TEXT)["errcode"] == 0
    assert _add(corp, text=TEXT)["errcode"] == 45009
    corp.c("/faults", {"path": "externalcontact/get_moment_list", "errcode": -1}, expect=201)
    assert corp.api.post("externalcontact/get_moment_list", {"start_time": 0, "end_time": 1})["errcode"] == -1
    assert corp.api.post("externalcontact/get_moment_list", {"start_time": 0, "end_time": 1})["errcode"] == 0


def test_sandbox_client_plays_the_member_and_the_customer(world, sandbox) -> None:
    corp, w = world
    a0 = w["custs"]["a"][0]
    client = SandboxClient(sandbox.url)
    moment_id = _moment_id(corp, text=TEXT, visible_range={"sender_list": {"user_list": ["a"]}})
    assert client.publish_moment(corp.id, moment_id, "a")["task"]["publish_status"] == 1
    client.like_moment(corp.id, moment_id, "a", external_userid=a0, create_time=1_700_000_000)
    client.comment_moment(corp.id, moment_id, "a", "赞", from_userid="b")
    client.unlike_moment(corp.id, moment_id, "a", external_userid=a0)
    post = client.moment(corp.id, moment_id)["tasks"][0]
    assert post["likes"] == [] and post["comments"][0]["userid"] == "b" and post["comments"][0]["content"] == "赞"
    assert client.moments(corp.id)["jobs"][0]["status"] == 3
    assert client.set_moment_job_time(corp.id, 4)["moment_job_s"] == 4
