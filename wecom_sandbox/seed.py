"""Deterministic seeding of a corp: employees, customers, follow relations, tags and groups.

Everything is drawn from random.Random(seed), so the same spec always yields the same world
(ids included) and test expectations can be written against it.  Names are mostly Chinese, a
few customers carry emoji, to exercise UTF-8 end to end.  Seeding never sends callbacks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import ids
from .world import Corp, Customer, Employee, GroupChat, GroupMember, Relation, Tag, TagGroup

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
TAG_GROUP_NAMES = ["客户等级", "意向程度", "来源渠道", "兴趣爱好", "购买阶段", "地区", "年龄段", "会员"]
TAG_NAMES = ["重要", "普通", "高意向", "待跟进", "已成交", "老客户", "VIP", "潜在", "流失预警", "朋友推荐"]
STATES = ["", "", "", "s1", "qr_store_01", "customer_channel"]


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
    "employees": 10_000,
    "customers_per_employee": 5_000,
    "tags": 3_000,
    "tag_groups": 3_000,
    "groups": 20_000,
    "members_per_group": 2_000,
}
MAX_RELATIONS = 1_000_000
MAX_TAGS = 3_000


def _person(rng: random.Random) -> tuple[str, str]:
    surname, s_py = rng.choice(SURNAMES)
    given, g_py = rng.choice(GIVEN)
    return surname + given, s_py + g_py


def seed_corp(corp: Corp, spec: SeedSpec) -> None:
    """Fill an empty corp according to spec; deterministic in spec.seed."""
    rng = random.Random(spec.seed)
    corp.rng = rng
    _seed_employees(corp, rng, spec)
    tag_ids = _seed_tags(corp, rng, spec)
    _seed_customers(corp, rng, spec, tag_ids)
    _seed_groups(corp, rng, spec)
    # Later control calls draw ids from this generator: still deterministic, never colliding with the seed's.
    corp.rng = random.Random(rng.getrandbits(64))


def _seed_employees(corp: Corp, rng: random.Random, spec: SeedSpec) -> None:
    for _ in range(spec.employees):
        name, userid = _person(rng)
        base, n = userid, 1
        while userid in corp.employees:
            n += 1
            userid = f"{base}{n}"
        corp.employees[userid] = Employee(
            userid=userid,
            name=name,
            department=[1],
            position=rng.choice(POSITIONS),
            mobile="13" + "".join(rng.choices("0123456789", k=9)),
            gender=rng.choice((1, 2)),
        )


def _seed_tags(corp: Corp, rng: random.Random, spec: SeedSpec) -> list[str]:
    created: list[str] = []
    for g in range(spec.tag_groups):
        group_name = TAG_GROUP_NAMES[g % len(TAG_GROUP_NAMES)] + ("" if g < len(TAG_GROUP_NAMES) else str(g))
        group = TagGroup(
            group_id=ids.tag_id(rng), group_name=group_name, create_time=BASE_TIME - 86_400 * 30, order=g
        )
        corp.tag_groups[group.group_id] = group
        for t in range(spec.tags):
            name = TAG_NAMES[t % len(TAG_NAMES)] + ("" if t < len(TAG_NAMES) else str(t))
            tag = Tag(
                id=ids.tag_id(rng), name=name, group_id=group.group_id, create_time=group.create_time, order=t
            )
            group.tags[tag.id] = tag
            corp.tags[tag.id] = tag
            created.append(tag.id)
    return created


def _new_customer(corp: Corp, rng: random.Random) -> Customer:
    while True:
        ext = ids.external_userid(rng)
        if ext not in corp.customers:
            break
    name, _ = _person(rng)
    customer = Customer(
        external_userid=ext,
        name=name + rng.choice(NICK_SUFFIX),
        type=1,
        gender=rng.choice((0, 1, 2)),
        avatar="http://wx.qlogo.cn/mmhead/" + ids.rand_str(rng, 24) + "/0",
        unionid=ids.unionid(rng) if rng.random() < 0.8 else "",
    )
    corp.customers[ext] = customer
    return customer


def _remark(rng: random.Random, name: str) -> str:
    if rng.random() < 0.5:
        return ""
    return name[:2] + "-" + rng.choice(("老客户", "新客", "朋友介绍"))


def _seed_customers(corp: Corp, rng: random.Random, spec: SeedSpec, tag_ids: list[str]) -> None:
    userids = list(corp.employees)
    pool: list[str] = []
    for userid in userids:
        for _ in range(spec.customers_per_employee):
            ext = None
            if pool and rng.random() < spec.shared_customer_ratio:
                candidate = rng.choice(pool)
                if corp.relation(userid, candidate) is None:
                    ext = candidate
            if ext is None:
                ext = _new_customer(corp, rng).external_userid
                pool.append(ext)
            add_way = rng.choice((1, 1, 2, 3, 201))
            state = rng.choice(STATES)
            customer = corp.customers[ext]
            corp.add_relation(
                Relation(
                    userid=userid,
                    external_userid=ext,
                    createtime=BASE_TIME - rng.randrange(86_400 * 365),
                    seq=corp.next_seq(),
                    remark=_remark(rng, customer.name),
                    description=rng.choice(("", "", "对新品感兴趣", "周末方便联系")),
                    tag_ids=rng.sample(tag_ids, k=min(len(tag_ids), rng.randrange(4))) if tag_ids else [],
                    add_way=add_way,
                    state=state,
                    oper_userid=ext if add_way in (1, 201) else userid,
                    remark_mobiles=["13" + "".join(rng.choices("0123456789", k=9))]
                    if rng.random() < 0.2
                    else [],
                )
            )


def _seed_groups(corp: Corp, rng: random.Random, spec: SeedSpec) -> None:
    userids = list(corp.employees)
    customers = list(corp.customers)
    if not userids:
        return
    for i in range(spec.groups):
        owner = rng.choice(userids)
        create_time = BASE_TIME - rng.randrange(86_400 * 180)
        chat = GroupChat(
            chat_id=ids.chat_id(rng),
            name=f"{corp.employees[owner].name}的客户群{i + 1}" if rng.random() < 0.8 else "",
            owner=owner,
            create_time=create_time,
            seq=corp.next_seq(),
            notice=rng.choice(("", "欢迎加入，群内请勿发广告", "每周五晚8点直播")),
        )
        chat.members[owner] = GroupMember(owner, 1, create_time, 1)
        others = max(0, spec.members_per_group - 1)
        for _ in range(others):
            if customers and (rng.random() < 0.8 or len(userids) < 2):
                member_id, mtype = rng.choice(customers), 2
            else:
                member_id, mtype = rng.choice(userids), 1
            if member_id in chat.members:
                continue
            chat.members[member_id] = GroupMember(
                userid=member_id,
                type=mtype,
                join_time=create_time + rng.randrange(86_400 * 30),
                join_scene=rng.choice((1, 2, 3)),
                invitor=owner,
                group_nickname=rng.choice(("", "", "小助手")),
            )
        employee_members = [m for m in chat.members if m != owner and chat.members[m].type == 1]
        if employee_members and rng.random() < 0.5:
            chat.admin_list.append(employee_members[0])
        corp.bump_member_version(chat)
        corp.groups[chat.chat_id] = chat
