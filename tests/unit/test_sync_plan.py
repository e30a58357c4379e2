from __future__ import annotations

from scrm.sync.plan import Step, detail_steps, first_steps, minimum_calls, next_page


def test_first_steps_chunk_employees_by_100_for_customers_and_groups():
    steps = first_steps([f"u{i:03d}" for i in range(250)])
    assert [s.id for s in steps] == ["c0.0", "g0.0", "c1.0", "g1.0", "c2.0", "g2.0"]
    assert [len(s.userids) for s in steps] == [100, 100, 100, 100, 50, 50]


def test_a_chain_continues_until_the_cursor_ends_and_ids_are_stable():
    s = Step("customers", "c3.0", userids=("a",))
    n1 = next_page(s, "CUR1")
    assert n1 == Step("customers", "c3.1", userids=("a",), cursor="CUR1", page=1)
    assert next_page(n1, "CUR2").id == "c3.2"
    assert next_page(n1, "") is None
    assert Step.from_message(n1.as_message("ww", "job")) == n1


def test_group_details_are_batched():
    steps = detail_steps(Step("groups", "g0.1"), [f"wr{i}" for i in range(60)])
    assert [s.id for s in steps] == ["g0.1.d0", "g0.1.d1", "g0.1.d2"]
    assert sum(len(s.chat_ids) for s in steps) == 60


def test_minimum_calls():
    users = [f"u{i:03d}" for i in range(150)]
    rel = {u: 201 for u in users}  # 100 users x 201 = 20,100 (201 pages); 50 x 201 = 10,050 (101 pages)
    grp = {users[0]: 3, users[120]: 2}
    assert minimum_calls(users, rel, grp) == 3 + 201 + 1 + 101 + 1 + 5
