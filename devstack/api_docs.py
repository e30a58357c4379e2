"""Rewrite the generated part of docs/api.md from the admin API's OpenAPI document.

    python -m devstack.api_docs          # rewrite
    python -m devstack.api_docs --check  # exit 1 if docs/api.md is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"
BEGIN = "<!-- BEGIN GENERATED: python -m devstack.api_docs -->"
END = "<!-- END GENERATED -->"


def generated() -> str:
    sys.path.insert(0, str(ROOT / "functions"))
    from admin.openapi import SPEC

    rows = ["| method | path | summary | writes |", "|---|---|---|---|"]
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            if op.get("security") == [{"sidebar": []}]:
                writes = "sidebar session"
            else:
                writes = "admin key" if "403" in op.get("responses", {}) else ("none" if op.get("security") == [] else "")
            rows.append(f"| {method.upper()} | `{path}` | {op['summary']} | {writes} |")
    spec = json.dumps(SPEC, indent=2, ensure_ascii=False)
    return "\n".join([BEGIN, "", *rows, "", "```json", spec, "```", "", END])


def render(current: str) -> str:
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return head + generated() + tail
    return current.rstrip() + "\n\n" + generated() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite docs/api.md's generated part from the OpenAPI document.")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when out of date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    wanted = render(current)
    if args.check:
        if wanted != current:
            print("docs/api.md is out of date: run python -m devstack.api_docs", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
