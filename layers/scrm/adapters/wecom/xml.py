"""XML of WeCom callbacks to flat field dicts (xmltodict, entities disabled)."""

from __future__ import annotations

from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict


class XmlError(ValueError):
    pass


def parse_xml(text: str | bytes) -> dict[str, Any]:
    """``<xml>`` children as a dict; a list field (``MemChangeList``) keeps its ``<Item>`` values as a list."""
    try:
        doc = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise XmlError("malformed XML") from exc
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise XmlError("no <xml> root")
    fields: dict[str, Any] = {}
    for name, value in root.items():
        if isinstance(value, dict) and set(value) == {"Item"}:
            items = value["Item"]
            if items is None:
                fields[name] = []
            elif isinstance(items, str):
                fields[name] = [items]
            else:
                fields[name] = [i for i in items if isinstance(i, str)]
        else:
            fields[name] = value if value is not None else ""
    return fields
