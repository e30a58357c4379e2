"""The churn-alert card and digest: what they say, and that they always fit WeCom's textcard limits."""

from __future__ import annotations

import html

from scrm.alerts.cards import (
    DELETED_BY_EMPLOYEE,
    DESCRIPTION_MAX,
    LOST_BY_CUSTOMER,
    TITLE_MAX,
    AlertFacts,
    alert_card,
    cut,
    digest_card,
)


def _facts(**kw) -> AlertFacts:
    base = dict(kind=LOST_BY_CUSTOMER, external_userid="wmA", userid="u1", name="韩梅梅", remark="老客户",
                tags=("VIP", "华东"), channel="门店海报", days=12, at="2026-11-23 15:04")  # fmt: skip
    return AlertFacts(**{**base, **kw})


def test_the_employee_card_names_customer_tags_channel_and_days():
    card = alert_card(_facts(), "e1")
    assert card["title"] == "客户流失：韩梅梅 删除了你"
    d = card["description"]
    for text in ("2026-11-23 15:04", "韩梅梅（老客户）", "VIP、华东", "门店海报", "12 天"):
        assert text in d
    assert card["url"] == "https://work.weixin.qq.com/?alert=e1&customer=wmA" and card["btntxt"] == "详情"


def test_the_admin_card_names_the_employee_and_a_link_base_keeps_its_query():
    card = alert_card(_facts(kind=DELETED_BY_EMPLOYEE, employee_name="李雷", days=None), "e2",
                      "https://crm.example.com/c?x=1")  # fmt: skip
    assert card["title"] == "员工删除客户：李雷 删除了 韩梅梅"
    assert "员工：李雷" in card["description"] and "未知" in card["description"]
    assert card["url"] == "https://crm.example.com/c?x=1&alert=e2&customer=wmA"


def test_cut_keeps_utf8_whole_and_marks_the_cut():
    assert cut("abc", 3) == "abc"
    out = cut("客户" * 100, 20)
    assert len(out.encode()) <= 20 and out.endswith("…") and ("客户" * 100).startswith(out[:-1])
    assert len(out.encode()) == 18  # 5 whole characters and the mark: no partial UTF-8 sequence


def test_long_values_are_cut_to_the_limits_without_breaking_markup():
    facts = _facts(name="名" * 200, channel="渠" * 100, tags=tuple(f"标签{i}" for i in range(100)))
    card = alert_card(facts, "e3")
    assert len(card["title"].encode()) <= TITLE_MAX
    d = card["description"]
    assert len(d.encode()) <= DESCRIPTION_MAX
    assert d.count("<div") == d.count("</div>")  # every line whole
    assert "12 天" in d and "标签：标签0" in d  # a long name or channel does not crowd out the rest
    assert d.endswith("…</div>")


def test_names_are_text_not_markup():
    d = alert_card(_facts(name="<b>A&B</b>", remark=""), "e4")["description"]
    assert "<b>" not in d and "客户：<b>A&B</b>" in html.unescape(d)


def test_the_digest_counts_all_and_lists_what_fits():
    items = [_facts(name=f"客户{i:02d}", external_userid=f"wm{i}") for i in range(40)]
    card = digest_card("2026-11-23", items, "u1:2026-11-23")
    assert card["title"] == "流失提醒汇总 2026-11-23：40 条"
    d = card["description"]
    assert len(d.encode()) <= DESCRIPTION_MAX
    shown = [i for i in range(40) if f"客户{i:02d}" in d]
    assert shown == list(range(len(shown))) and 0 < len(shown) < 40
    assert f"另有 {40 - len(shown)} 条" in d


def test_a_small_digest_lists_everyone_and_no_remainder():
    items = [_facts(name="甲"), _facts(name="乙", kind=DELETED_BY_EMPLOYEE, employee_name="李雷")]
    d = digest_card("2026-11-23", items, "x")["description"]
    assert "甲（老客户） 删除了你" in d and "乙（老客户） 被李雷删除" in d and "另有" not in d
