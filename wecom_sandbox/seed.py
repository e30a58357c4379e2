"""Deterministic seeding of a corp: employees, customers, follow relations, tags and groups.

Everything is drawn from random.Random(seed), so the same spec always yields the same world
(ids included) and test expectations can be written against it.  Names are mostly Chinese, a
few customers carry emoji, to exercise UTF-8 end to end.  Seeding never sends callbacks.

The distributions below (tags per relation, add_way/state, group membership) are documented in
docs/sandbox.md so a benchmark can predict what a full sync will see.  The hot loops use
rng.random() directly and ids use rng.randbytes, which keeps a 500 x 200 corp (100k relations,
2000 groups) at about 1.5 s.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from . import ids
from .world import Corp, Customer, Employee, GroupChat, GroupMember, Relation, Tag, TagGroup

T = TypeVar("T")

BASE_TIME = 1_700_000_000
"""Fixed epoch for seeded timestamps so they do not depend on when the seed ran."""

SURNAMES = [
    ("张", "zhang"),
    ("王", "wang"),
    ("李", "li"),
    ("赵", "zhao"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("周", "zhou"),
    ("吴", "wu"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
]
GIVEN = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("晓东", "xiaodong"),
    ("子涵", "zihan"),
    ("雨桐", "yutong"),
]
POSITIONS = ["销售顾问", "客户经理", "门店店长", "运营专员", "售后客服"]
NICK_SUFFIX = ["", "", "", "🌸", "😊", " Lucky", "(广州)", "🍀"]
"""Customer nickname suffixes: 3 in 8 customers carry an emoji, to exercise UTF-8 end to end."""
TAG_GROUP_NAMES = ["客户等级", "意向程度", "来源渠道", "兴趣爱好", "购买阶段", "地区", "年龄段", "会员"]
TAG_NAMES = ["重要", "普通", "高意向", "待跟进", "已成交", "老客户", "VIP", "潜在", "流失预警", "朋友推荐"]
CONTACT_WAY_STATES = ["qr_store_01", "qr_store_02", "qr_event_2023", "s1", "poster_spring", "official_site"]
"""`state` values of 联系我 contact ways (QR codes) that seeded customers scanned."""
CUSTOMER_CHANNEL_STATES = ["customer_channel", "ad_douyin", "ad_wechat_moments"]
"""`state` values of 获客链接 (acquisition links; add_way 16)."""

TAGS_PER_RELATION_WEIGHTS = (0.25, 0.35, 0.25, 0.15)
"""P(a seeded relation has 0, 1, 2, 3 corp tags): mean 1.30 tags per relation.

Each chosen tag comes from a different tag group (when there are enough groups) and is uniform
within its group; groups are all the same size, so every tag is equally likely and holds about
relations x 1.30 / total_tags relations (100k relations over 300 tags: about 433 each).
"""
MEAN_TAGS_PER_RELATION = sum(k * w for k, w in enumerate(TAGS_PER_RELATION_WEIGHTS))

ADD_WAYS: tuple[tuple[int, float, str], ...] = (
    (1, 0.40, "customer"),  # scanned a 联系我 QR code; usually carries the contact way's state
    (2, 0.15, "employee"),  # the employee searched the customer's phone number
    (3, 0.10, "customer"),  # business card shared to the customer
    (4, 0.10, "employee"),  # added from a group chat
    (16, 0.10, "customer"),  # 获客链接 acquisition link; always carries a state
    (201, 0.10, "colleague"),  # 内部成员共享: shared by another employee
    (202, 0.05, "colleague"),  # 管理员/负责人分配: assigned by an admin
)
"""(add_way, probability, who oper_userid is) for seeded relations.

oper_userid follows WeCom's rule: the customer's external_userid when the customer initiated
the add, the employee's userid when the employee did, the sharing/assigning member otherwise.
"""
QR_STATE_RATIO = 0.75
"""Share of QR-code adds (add_way 1) whose contact way had a state: overall ~40 % of relations have one."""
REMARK_RATIO = 0.5
RELATION_DAYS = 365
"""Seeded relations were created during the RELATION_DAYS days before BASE_TIME."""

GROUP_CUSTOMER_RATIO = 0.85
"""Share of a seeded group's non-owner members that are customers (the rest are employees)."""
OWN_CUSTOMER_RATIO = 0.7
"""Share of a group's customer members drawn from the owner's own customers (the rest: any customer)."""


@dataclass(frozen=True, slots=True)
class SeedSpec:
    employees: int = 5
    customers_per_employee: int = 4
    tags: int = 3
    tag_groups: int = 2
    groups: int = 2
    members_per_group: int = 4
    seed: int = 1
    shared_customer_ratio: float = 0.1

    @property
    def relations(self) -> int:
        return self.employees * self.customers_per_employee


EMPTY = SeedSpec(employees=0, customers_per_employee=0, tags=0, tag_groups=0, groups=0, members_per_group=0)

LIMITS = {
    "employees": 100_000,  # a national chain (26,000 shop assistants) and more; WeCom names no lower cap
    "customers_per_employee": 50_000,  # WeCom: a member holds at most 50,000 customers
    "tags": 3_000,
    "tag_groups": 3_000,
    "groups": 20_000,
    "members_per_group": 2_000,
}
MAX_RELATIONS = 2_000_000  # the moments bench: 26,000 members over more than 1,000,000 relations (issue 20)
MAX_TAGS = 3_000


def _pick(rng: random.Random, seq: Sequence[T]) -> T:
    """rng.choice for the hot loops: one rng.random() instead of rejection sampling on getrandbits."""
    return seq[int(rng.random() * len(seq))]


def _person(rng: random.Random) -> tuple[str, str]:
    surname, s_py = _pick(rng, SURNAMES)
    given, g_py = _pick(rng, GIVEN)
    return surname + given, s_py + g_py


def _mobile(rng: random.Random) -> str:
    return f"13{rng.randrange(10**9):09d}"


def seed_corp(corp: Corp, spec: SeedSpec) -> None:
    """Fill an empty corp according to spec; deterministic in spec.seed."""
    rng = random.Random(spec.seed)
    corp.rng = rng
    _seed_employees(corp, rng, spec)
    tags_by_group = _seed_tags(corp, rng, spec)
    _seed_customers(corp, rng, spec, tags_by_group)
    _seed_groups(corp, rng, spec)
    # Later control calls draw ids from this generator: still deterministic, never colliding with the seed's.
    corp.rng = random.Random(rng.getrandbits(64))


def _seed_employees(corp: Corp, rng: random.Random, spec: SeedSpec) -> None:
    taken: dict[str, int] = {}
    for _ in range(spec.employees):
        name, userid = _person(rng)
        # 18 x 20 names collide often in a big corp; number the duplicates like admins do (zhangwei2, ...).
        n = taken.get(userid, 0) + 1
        taken[userid] = n
        candidate = userid if n == 1 else f"{userid}{n}"
        while candidate in corp.employees:
            n += 1
            taken[userid] = n
            candidate = f"{userid}{n}"
        corp.employees[candidate] = Employee(
            userid=candidate,
            name=name,
            department=[1],
            position=rng.choice(POSITIONS),
            mobile=_mobile(rng),
            gender=rng.choice((1, 2)),
        )


def _seed_tags(corp: Corp, rng: random.Random, spec: SeedSpec) -> list[list[str]]:
    """Create the tag library; return the tag ids grouped by tag group (all groups the same size)."""
    created: list[list[str]] = []
    for g in range(spec.tag_groups):
        group_name = TAG_GROUP_NAMES[g % len(TAG_GROUP_NAMES)] + ("" if g < len(TAG_GROUP_NAMES) else str(g))
        group = TagGroup(
            group_id=ids.tag_id(rng), group_name=group_name, create_time=BASE_TIME - 86_400 * 30, order=g
        )
        corp.tag_groups[group.group_id] = group
        in_group: list[str] = []
        for t in range(spec.tags):
            name = TAG_NAMES[t % len(TAG_NAMES)] + ("" if t < len(TAG_NAMES) else str(t))
            tag = Tag(
                id=ids.tag_id(rng), name=name, group_id=group.group_id, create_time=group.create_time, order=t
            )
            group.tags[tag.id] = tag
            corp.tags[tag.id] = tag
            in_group.append(tag.id)
        if in_group:
            created.append(in_group)
    return created


def _new_customer(corp: Corp, rng: random.Random) -> Customer:
    while True:
        ext = ids.external_userid(rng)
        if ext not in corp.customers:
            break
    name, _ = _person(rng)
    customer = Customer(
        external_userid=ext,
        name=name + _pick(rng, NICK_SUFFIX),
        type=1,
        gender=_pick(rng, (0, 1, 2)),
        avatar="http://wx.qlogo.cn/mmhead/" + ids.rand_str(rng, 24, ids.ID_ALPHABET) + "/0",
        unionid=ids.unionid(rng) if rng.random() < 0.8 else "",
    )
    corp.customers[ext] = customer
    return customer


def _remark(rng: random.Random, name: str) -> str:
    if rng.random() >= REMARK_RATIO:
        return ""
    return name[:2] + "-" + _pick(rng, ("老客户", "新客", "朋友介绍"))


def _weighted(rng: random.Random, cumulative: list[float]) -> int:
    """Index drawn with the given cumulative weights (cheaper than rng.choices for 100k draws)."""
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _pick_tags(rng: random.Random, tags_by_group: list[list[str]], all_tags: list[str], k: int) -> list[str]:
    """k distinct tags, uniform over the library; from k different groups when there are enough groups."""
    if k == 0 or not all_tags:
        return []
    if k > len(tags_by_group):
        return rng.sample(all_tags, min(k, len(all_tags)))
    groups: list[list[str]] = []
    while len(groups) < k:
        group = _pick(rng, tags_by_group)
        if group not in groups:
            groups.append(group)
    return [_pick(rng, group) for group in groups]


def _seed_customers(corp: Corp, rng: random.Random, spec: SeedSpec, tags_by_group: list[list[str]]) -> None:
    userids = list(corp.employees)
    all_tags = [t for group in tags_by_group for t in group]
    tag_cum = list(itertools.accumulate(TAGS_PER_RELATION_WEIGHTS))
    way_cum = list(itertools.accumulate(w for _, w, _ in ADD_WAYS))
    pool: list[str] = []
    for userid in userids:
        for _ in range(spec.customers_per_employee):
            ext = None
            if pool and rng.random() < spec.shared_customer_ratio:
                candidate = _pick(rng, pool)
                if corp.relation(userid, candidate) is None:
                    ext = candidate
            if ext is None:
                ext = _new_customer(corp, rng).external_userid
                pool.append(ext)
            add_way, _, initiator = ADD_WAYS[_weighted(rng, way_cum)]
            state = ""
            if add_way == 1 and rng.random() < QR_STATE_RATIO:
                state = _pick(rng, CONTACT_WAY_STATES)
            elif add_way == 16:
                state = _pick(rng, CUSTOMER_CHANNEL_STATES)
            if initiator == "customer":
                oper = ext
            elif initiator == "colleague" and len(userids) > 1:
                oper = _pick(rng, userids)
                if oper == userid:
                    oper = userids[(userids.index(userid) + 1) % len(userids)]
            else:
                oper = userid
            customer = corp.customers[ext]
            createtime = BASE_TIME - int(rng.random() * 86_400 * RELATION_DAYS)
            corp.contact_history.gained(userid, createtime, applied=oper == userid)
            corp.add_relation(
                Relation(
                    userid=userid,
                    external_userid=ext,
                    createtime=createtime,
                    seq=corp.next_seq(),
                    remark=_remark(rng, customer.name),
                    description=_pick(rng, ("", "", "对新品感兴趣", "周末方便联系")),
                    tag_ids=_pick_tags(rng, tags_by_group, all_tags, _weighted(rng, tag_cum)),
                    add_way=add_way,
                    state=state,
                    oper_userid=oper,
                    remark_mobiles=[_mobile(rng)] if rng.random() < 0.2 else [],
                )
            )


def _seed_groups(corp: Corp, rng: random.Random, spec: SeedSpec) -> None:
    """Groups with owners dealt round-robin over shuffled employees, members mostly customers.

    Round-robin means every employee owns groups // employees groups (or one more), as in a sales
    team where everyone runs a few groups; customer members come mostly from the owner's own
    customers, since owners invite the people they follow.
    """
    owners = list(corp.employees)
    customers = list(corp.customers)
    if not owners:
        return
    rng.shuffle(owners)
    for i in range(spec.groups):
        owner = owners[i % len(owners)]
        own_customers = list(corp.relations_by_user.get(owner, {}))
        create_time = BASE_TIME - rng.randrange(86_400 * 180)
        chat = GroupChat(
            chat_id=ids.chat_id(rng),
            name=f"{corp.employees[owner].name}的客户群{i + 1}" if rng.random() < 0.8 else "",
            owner=owner,
            create_time=create_time,
            seq=corp.next_seq(),
            notice=_pick(rng, ("", "欢迎加入，群内请勿发广告", "每周五晚8点直播")),
        )
        chat.members[owner] = GroupMember(owner, 1, create_time, 1)
        wanted = max(0, spec.members_per_group - 1)
        # Duplicate draws are skipped; the bounded number of attempts keeps tiny corps from looping forever.
        for _ in range(wanted * 3):
            if len(chat.members) > wanted:
                break
            if customers and (rng.random() < GROUP_CUSTOMER_RATIO or len(owners) < 2):
                pool = own_customers if own_customers and rng.random() < OWN_CUSTOMER_RATIO else customers
                member_id, mtype = _pick(rng, pool), 2
            else:
                member_id, mtype = _pick(rng, owners), 1
            if member_id in chat.members:
                continue
            chat.members[member_id] = GroupMember(
                userid=member_id,
                type=mtype,
                join_time=create_time + int(rng.random() * 86_400 * 30),
                join_scene=_pick(rng, (1, 2, 3)),
                invitor=owner,
                group_nickname=_pick(rng, ("", "", "小助手")),
            )
        corp.group_history.created(create_time, chat.chat_id, owner, [owner])
        for member in chat.members.values():
            if member.userid != owner:
                corp.group_history.record(member.join_time, "join", chat.chat_id, member.userid)
        employee_members = [m for m in chat.members if m != owner and chat.members[m].type == 1]
        if employee_members and rng.random() < 0.5:
            chat.admin_list.append(employee_members[0])
        corp.bump_member_version(chat)
        corp.groups[chat.chat_id] = chat
