"""XML of WeCom callbacks to flat field dicts (xmltodict, entities disabled)."""

from __future__ import annotations

import codecs
import re
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

# The encoding an XML declaration names. WeCom sends UTF-8 without one; a body naming an encoding Python
# does not know is one WeCom never sends (expat raises LookupError on bytes and reads a str as UTF-8
# whatever it says; both are refused the same way).
_DECLARED_ENCODING = re.compile(r"""\A\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


class XmlError(ValueError):
    pass


def parse_xml(text: str | bytes) -> dict[str, Any]:
    """``<xml>`` children as a dict; a list field (``MemChangeList``) keeps its ``<Item>`` values as a list."""
    _check_declared_encoding(text)
    try:
        doc = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise XmlError("malformed XML") from exc
    except LookupError as exc:  # an encoding expat cannot use although Python knows its name
        raise XmlError("unknown encoding") from exc
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


def _check_declared_encoding(text: str | bytes) -> None:
    head = text[:256]
    if isinstance(head, bytes):
        head = head.decode("latin-1")  # only the ASCII declaration is read
    found = _DECLARED_ENCODING.match(head)
    if found is None:
        return
    try:
        codecs.lookup(found.group(1))
    except LookupError:
        raise XmlError("unknown encoding") from None
