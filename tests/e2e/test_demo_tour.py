"""The demo's scripted tour, end to end on the local stack (what `make demo` shows a new user)."""

from __future__ import annotations

import pytest

from devstack.demo import Tour

pytestmark = pytest.mark.stack


def test_the_tour_ends_with_every_callback_applied(stack):
    lines: list[str] = []
    summary = Tour(stack, out=lines.append).run()
    assert summary["callbacks_sent"] >= 7
    assert summary["callbacks_sent"] == summary["callbacks_acknowledged"]
    assert summary["relation_status"] == "deleted_by_customer"
    assert summary["sync_state"] == "done" and summary["sync_relations"] >= 7
    assert summary["search_rows"] > 0 and summary["remark_edit_status"] == 200
    assert summary["welcome_text"] == "你好 韩梅梅，欢迎光临！" and summary["code_adds"] == 1
    assert summary["transfer_state"] == "running" and summary["transfer_waiting"] >= 1
    assert summary["mass_send_sent"] >= 1
    assert summary["moment_state"] == "created" and summary["moment_posted"] == 1 and summary["moment_likes"] == 1
    assert summary["sidebar_customer"] and summary["sidebar_url"].startswith(stack.sidebar_url)
    assert summary["fission_reward"] == "sent" and summary["fission_page"].startswith(f"{stack.landing_url}fission.html?t=")
    assert summary["store_shown"] == "静安店" and summary["store_stats"] == [("上海", 1, 1)]
    assert summary["store_page"].startswith(stack.landing_url)
    assert "wecom_session=" in summary["sidebar_url"] and "corp_id=" in summary["sidebar_url"]
    # the step-11 send reached every customer: the sidebar's customer received it, and it was sent
    assert ("周末活动", "sent") in summary["sidebar_received"]
    text = "\n".join(lines)
    assert "batch/get_by_user" in text and "externalcontact/remark" in text and '"status": 404' in text
    assert "externalcontact/get" in text and "groupchat/get" in text and "get_corp_tag_list" in text
    assert "resigned/transfer_customer" in text and "get_unassigned_list" in text and "churn alert" in text
    assert "add_msg_template" in text and "get_groupmsg_send_result" in text
    assert "add_contact_way" in text and "send_welcome_msg" in text and "mark_tag" in text
