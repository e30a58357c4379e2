"""Hypothesis strategies for WeCom callbacks: random XML trees, the fields WeCom sends with random values,
the query of the callback URL; shared by the parser's fuzz (unit) and the route's (over HTTP)."""

from __future__ import annotations

import base64
import time
from xml.sax.saxutils import escape

from hypothesis import strategies as st

# Names of the fields WeCom sends (wecom-api-facts.md § 2), so that random payloads reach the typed
# events and not only the raw ones, plus arbitrary XML names.
FIELD_NAMES = (
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Event",
    "ChangeType",
    "UserID",
    "ExternalUserID",
    "State",
    "WelcomeCode",
    "Source",
    "FailReason",
    "ChatId",
    "UpdateDetail",
    "JoinScene",
    "QuitScene",
    "MemChangeCnt",
    "MemChangeList",
    "LastMemVer",
    "CurMemVer",
    "Id",
    "TagType",
    "StrategyId",
    "NewUserID",
    "AgentID",
    "Encrypt",
)
EVENTS = ("change_external_contact", "change_external_chat", "change_external_tag", "change_contact", "x")
CHANGE_TYPES = (
    "add_external_contact",
    "edit_external_contact",
    "del_external_contact",
    "del_follow_user",
    "add_half_external_contact",
    "transfer_fail",
    "create",
    "update",
    "dismiss",
    "delete",
    "shuffle",
    "create_user",
    "update_user",
    "delete_user",
    "",
)
KNOWN_PAIRS = (
    ("change_external_contact", "add_external_contact"),
    ("change_external_contact", "del_follow_user"),
    ("change_external_contact", "transfer_fail"),
    ("change_external_chat", "update"),
    ("change_external_tag", "shuffle"),
    ("change_contact", "delete_user"),
)

xml_names = st.one_of(
    st.sampled_from(FIELD_NAMES + ("Item", "xml")),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True),
)
# Text as XML allows it: no control characters but TAB, LF and CR, no surrogates, no non-characters.
xml_text = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff", whitelist_characters="\t\n\r"
    ),
    max_size=40,
)
field_values = st.one_of(
    xml_text,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(EVENTS + CHANGE_TYPES + ("", " 1 ", "1e3", "٣", "9" * 5000)),
)


def _element(name: str, content: str, cdata: bool) -> str:
    if cdata and "]]>" not in content:
        return f"<{name}><![CDATA[{content}]]></{name}>"
    return f"<{name}>{escape(content)}</{name}>"


def _tree(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda name, parts: f"<{name}>{''.join(parts)}</{name}>", xml_names, st.lists(children, max_size=4)
    )


xml_leaves = st.builds(_element, xml_names, field_values, st.booleans())
xml_elements = st.recursive(xml_leaves, _tree, max_leaves=12)


@st.composite
def xml_documents(draw: st.DrawFn, corp_id: str | None = None) -> str:
    """An ``<xml>`` root (mostly) around random elements, with WeCom's fields drawn often and the corp's
    id as ToUserName when given (so the payload passes the corp check and reaches the event's typing)."""
    parts = draw(
        st.lists(
            st.one_of(
                xml_elements,
                st.builds(_element, st.sampled_from(FIELD_NAMES[1:]), field_values, st.booleans()),
            ),
            max_size=8,
        )
    )
    if draw(st.booleans()):  # a known pair mostly, so that the typed events are reached
        event, change = draw(
            st.one_of(
                st.sampled_from(KNOWN_PAIRS),
                st.tuples(st.sampled_from(EVENTS), st.sampled_from(CHANGE_TYPES)),
            )
        )
        parts.append(_element("Event", event, True))
        parts.append(_element("ChangeType", change, True))
    if corp_id is not None and draw(st.integers(0, 4)):
        parts.insert(0, _element("ToUserName", corp_id, True))
    if draw(st.booleans()):
        items = draw(st.lists(st.builds(_element, st.just("Item"), field_values, st.booleans()), max_size=3))
        parts.append(f"<MemChangeList>{''.join(items)}</MemChangeList>")
    root = draw(st.sampled_from(["xml"] * 6 + ["XML", "root"]))
    prolog = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0"?>',
                '<?xml version="1.0" encoding="utf-8"?>',
                '<?xml version="1.0" encoding="x-unknown"?>',
                "<!-- c -->",
                "\ufeff",
            ]
        )
    )
    return f"{prolog}<{root}>{''.join(parts)}</{root}>"


field_dicts = st.dictionaries(
    st.sampled_from(FIELD_NAMES), st.one_of(field_values, st.lists(field_values, max_size=3)), max_size=12
)


def timestamps(now: float | None = None) -> st.SearchStrategy[str]:
    """Mostly inside the replay window (so a request gets past it), else anything."""
    current = str(int(time.time() if now is None else now))
    return st.one_of(st.just(current), st.just(current), xml_text, st.integers().map(str))


@st.composite
def queries(draw: st.DrawFn, now: float | None = None) -> dict[str, str]:
    """The callback URL's query: each parameter present most of the time (so that requests get past the
    first checks), with random values."""
    values = {
        "msg_signature": st.one_of(xml_text, st.from_regex(r"[0-9a-f]{40}", fullmatch=True)),
        "timestamp": timestamps(now),
        "nonce": st.one_of(xml_text, st.just("n0nce")),
        "echostr": st.one_of(xml_text, st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode())),
    }
    return {name: draw(value) for name, value in values.items() if draw(st.integers(0, 4))}
