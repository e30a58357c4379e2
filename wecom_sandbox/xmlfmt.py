"""Render and read the flat XML that WeCom uses for callback plaintexts and envelopes.

WeCom writes strings as CDATA and integers as bare text, on one line without indentation; lists
(e.g. MemChangeList) are a parent element holding one <Item> per value.  Event builders produce an
ordered dict of fields and this module turns it into exactly that shape.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

FieldValue = str | int | list[Any] | Mapping[str, Any]


def cdata(text: str) -> str:
    """Wrap text in CDATA, splitting any ']]>' so the section cannot be closed early."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _render_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "".join(f"<Item>{_render_value(v)}</Item>" for v in value)
    if isinstance(value, Mapping):
        return "".join(f"<{k}>{_render_value(v)}</{k}>" for k, v in value.items())
    if value is None:
        return ""
    return cdata(str(value))


def render(fields: Mapping[str, Any], root: str = "xml") -> str:
    """Render an ordered mapping as WeCom XML: str→CDATA, int→text, list→<Item>s, dict→nested."""
    return f"<{root}>" + "".join(f"<{k}>{_render_value(v)}</{k}>" for k, v in fields.items()) + f"</{root}>"


def parse(xml_text: str) -> dict[str, Any]:
    """Parse flat WeCom XML into a dict (children with <Item>s become lists; other nesting → dict).

    Meant for reading our own or test-supplied XML; not a general XML-to-dict converter.
    """
    root = ET.fromstring(xml_text)
    return {child.tag: _parse_element(child) for child in root}


def _parse_element(elem: ET.Element) -> Any:
    children = list(elem)
    if not children:
        return elem.text or ""
    if all(c.tag == "Item" for c in children):
        return [_parse_element(c) for c in children]
    return {c.tag: _parse_element(c) for c in children}
