"""Deliberate breakages of domain and service code, run against the unit tests (issue 17, item 7).

Each mutant is one small change a careless edit could make (a boundary off by one, a condition inverted, a
state or WeCom code confused), written as a snippet of today's code and its broken form. The snippet is looked
up anywhere under ``layers/scrm`` rather than in a named file, so the same list measures the code before and
after a refactor that moves files: a mutant whose snippet is gone or no longer unique is reported as such,
not counted.

For each mutant: apply it, run the unit tests (``-x``, the likely files first, then the whole of
``tests/unit`` only if those pass), restore the file. "caught" means some unit test failed.

    python -m bench.mutants [--root DIR] [--out FILE] [--only N,M]

writes a JSON report (default bench/mutants.json) and prints one line per mutant.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent / "mutants.json"


@dataclass(frozen=True)
class Mutant:
    name: str
    snippet: str
    broken: str
    tests: tuple[str, ...] = ()  # unit test files (globs under tests/unit) to run first
    # The same breakage where a refactor renamed what the line names (``T.DONE`` became ``DONE``): tried in
    # order when ``snippet`` is not found, so the list measures both shapes of the code.
    alternatives: tuple[tuple[str, str], ...] = ()

    def forms(self) -> tuple[tuple[str, str], ...]:
        return ((self.snippet, self.broken), *self.alternatives)


M = Mutant
MUTANTS: tuple[Mutant, ...] = (
    # domain: tokens, pacing, settings
    M("token usable with the margin flipped", "return left > margin_s or", "return left >= 0 or", ("test_access_token*",)),
    M("alerts paced per minute by >", "self.sent_last_minute(now) >= caps.per_minute", "self.sent_last_minute(now) > caps.per_minute", ("test_alert*",)),
    M("alert day cap off by one", "if day_cap is not None and day_count >= day_cap:", "if day_cap is not None and day_count > day_cap:", ("test_alert*",)),
    M("digest time compared with >", "return (now_local.hour, now_local.minute) >= (hour, minute)", "return (now_local.hour, now_local.minute) > (hour, minute)", ("test_alert*",)),
    M("too many alert admins allowed", "if len(admins) > MAX_ADMINS:", "if len(admins) > MAX_ADMINS + 1:", ("test_alert*",)),
    # domain: channel and group codes
    M("schedule slot end inclusive", "return weekday in self.days and self.start <= minute < self.end", "return weekday in self.days and self.start <= minute <= self.end", ("test_channel_code*", "test_code_staffing*")),
    M("daily cap reached one add late", "open_ = [u for u in base if adds_today.get(u, 0) < self.daily_cap]", "open_ = [u for u in base if adds_today.get(u, 0) <= self.daily_cap]", ("test_channel_code*", "test_code_staffing*")),
    M("slot may end at its start", "if end <= start:", "if end < start:", ("test_channel_code*",)),
    M("overlapping slots accepted", "if start < prev_end:", "if start < prev_end - 1:", ("test_channel_code*",)),
    M("group code threshold inclusive", "open_ = [c for c in self.chat_ids if members.get(c, 0) < self.threshold]", "open_ = [c for c in self.chat_ids if members.get(c, 0) <= self.threshold]", ("test_group_code*", "test_live_codes*")),
    M("group code takes 0 chats", "if not 1 <= len(chats) <= MAX_CHATS:", "if not 0 <= len(chats) <= MAX_CHATS:", ("test_group_code*", "test_live_codes*")),
    M("group welcome with two attachments", "if welcome is not None and len(welcome.attachments) > 1:", "if welcome is not None and len(welcome.attachments) > 2:", ("test_group_code*", "test_live_codes*")),
    # domain: statistics
    M("stats range start after end allowed", "if start > end:", "if start > end + timedelta(days=1):", ("test_channel_stats*",)),
    M("stats range one day too long", "if end.toordinal() - start.toordinal() >= MAX_DAYS:", "if end.toordinal() - start.toordinal() > MAX_DAYS:", ("test_channel_stats*",)),
    M("contact stats day closed a day early", "return date.fromisoformat(day) + timedelta(days=n) < today", "return date.fromisoformat(day) + timedelta(days=n) <= today", ("test_contact_stats*",)),
    M("contact stats userid with #", 'bad = next((u for u in userids if len(u) > 64 or "#" in u), None)', "bad = next((u for u in userids if len(u) > 64), None)", ("test_contact_stats*",)),
    # domain: customer search
    M("search added_from exclusive", "if self.added_from is not None and added < self.added_from:", "if self.added_from is not None and added <= self.added_from:", ("test_customer_query*",)),
    M("search added_to exclusive", "if self.added_to is not None and added > self.added_to:", "if self.added_to is not None and added >= self.added_to:", ("test_customer_query*",)),
    M("search from after to allowed", "if q.added_from is not None and q.added_to is not None and q.added_from > q.added_to:", "if False:", ("test_customer_query*",)),
    M("cursor size unchecked", "CURSOR_MAX = 4096  # characters of a cursor token", "CURSOR_MAX = 40960  # characters of a cursor token", ("test_customer_query*",)),
    # domain: input limits, paging
    M("numbers: non-ASCII digits", "if not (raw.isascii() and raw.isdigit())", "if not (raw.isdigit())", ("test_input_limits*", "test_customer_query*")),
    M("page after the cursor inclusive", "ordered = sorted((r for r in rows if key(r) > after), key=key)", "ordered = sorted((r for r in rows if key(r) >= after), key=key)", ("test_page_cursor*",)),
    # domain: mass sends and quotas
    M("mass send: an empty name", "if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:\n        raise", "if not isinstance(name, str) or len(name) > NAME_MAX:\n        raise", ("test_mass_send*",),
      (("    if not name.strip():\n        raise FieldError(\"name\"", "    if False:\n        raise FieldError(\"name\""),)),
    M("mass send: negative filter numbers", "if isinstance(v, bool) or not isinstance(v, int) or v < 0:", "if isinstance(v, bool) or not isinstance(v, int):", ("test_mass_send*",),
      (('Seconds = Annotated[int, Field(ge=0, description="unix seconds, inclusive")]', 'Seconds = Annotated[int, Field(description="unix seconds, inclusive")]'),)),
    M("mass send: the per-customer limit inclusive", "(ok if counts.get(ext, 0) < limit else over).append(ext)", "(ok if counts.get(ext, 0) <= limit else over).append(ext)", ("test_mass_send*", "test_msg_quota*")),
    M("quota window end inclusive", "return sum(1 for s in sent if start <= _moment(s) < end)", "return sum(1 for s in sent if start <= _moment(s) <= end)", ("test_msg_quota*", "test_quota*")),
    M("quota enough with one short", "return remaining(setting, sent, t) >= count", "return remaining(setting, sent, t) >= count - 1", ("test_msg_quota*", "test_quota*")),
    # domain: SOPs
    M("SOP due today rolls to tomorrow", "return due + timedelta(days=1) if due < anchor else due", "return due + timedelta(days=1) if due <= anchor else due", ("test_sop*",)),
    M("SOP due exactly now skipped", "return [(s, due) for s, due in plan if due >= not_before]", "return [(s, due) for s, due in plan if due > not_before]", ("test_sop*",)),
    M("SOP targets days_min exclusive", "if targets.days_min is not None and days < targets.days_min:", "if targets.days_min is not None and days <= targets.days_min:", ("test_sop*",)),
    M("SOP targets days_max exclusive", "return targets.days_max is None or days <= targets.days_max", "return targets.days_max is None or days < targets.days_max", ("test_sop*",)),
    M("SOP low above high allowed", "if low is not None and high is not None and low > high:", "if False:", ("test_sop*",)),
    M("SOP too many steps", "if len(value) > MAX_STEPS:", "if len(value) > MAX_STEPS + 1:", ("test_sop*",),
      (("    steps: list[SopStep] = Field(max_length=MAX_STEPS, min_length=1)", "    steps: list[SopStep] = Field(max_length=MAX_STEPS + 1, min_length=1)"),)),
    # services
    M("callback for another corp accepted", "if to_user and to_user != corp.corp_id:", "if False:", ("test_callback*",)),
    M("churn: a customer's delete not an alert", "if kind == LOST_BY_CUSTOMER:", "if kind != LOST_BY_CUSTOMER:", ("test_churn*",)),
    M("stats: a transfer delete counted as a loss", "return Fact(e.create_time, END) if e.source == DELETE_BY_TRANSFER else", "return Fact(e.create_time, END) if e.source != DELETE_BY_TRANSFER else", ("test_contact_stats*",)),
    M("tag edit: unknown tags let through", "unknown = [t for t in ids if t not in live]", "unknown = []", ("test_customer_admin*", "test_admin*")),
    M("group labels: empty label allowed", "if any(not 1 <= len(t) <= LABEL_MAX for t in labels):", "if any(not 0 <= len(t) <= LABEL_MAX for t in labels):", ("test_group*",),
      (("StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]] = Field(", "StringConstraints(strip_whitespace=True, min_length=0, max_length=30)]] = Field("),)),
    M("live codes: unknown tags let through", "missing = [t for t in tags if t not in known]", "missing = []", ("test_live_codes*",)),
    M("group code edit: full chats stay active", "full = [c for c in data.get(\"full_chats\") or [] if c in spec.chat_ids]\n        active = [c for c in spec.chat_ids if c not in full] or list(spec.chat_ids)", "full = []\n        active = list(spec.chat_ids)", ("test_live_codes*",)),
    M("SOP admin: unknown members let through", "unknown = [m for m in members if m not in known]", "unknown = []", ("test_sop*",)),
    M("transfer: resigned handled as on-job", "groups = gw.group_ids(handover, 1 if kind == T.RESIGNED else 0)", "groups = gw.group_ids(handover, 0)", ("test_transfer*",),
      (("groups = gw.group_ids(handover, 1 if kind == RESIGNED else 0)", "groups = gw.group_ids(handover, 0)"),)),
    M("transfer record: undone entries recorded", "done = [(i, e) for i, e in chunk.entries.items() if e.state == T.DONE and (only is None or i in only)]", "done = [(i, e) for i, e in chunk.entries.items() if (only is None or i in only)]", ("test_transfer*",),
      (("done = [(i, e) for i, e in chunk.entries.items() if e.state == DONE and (only is None or i in only)]", "done = [(i, e) for i, e in chunk.entries.items() if (only is None or i in only)]"),)),
    M("welcome from an inactive code", 'return (code.spec.welcome_at(at) if code.status == "active" else None), state', "return code.spec.welcome_at(at), state", ("test_welcome*",)),
    M("stale group event applied", 'if e.change_type == "dismiss":', 'if e.change_type == "dismissed":', ("test_event*", "test_group*")),
)


def locate(root: Path, snippet: str) -> tuple[Path | None, str]:
    """The one file under layers/scrm (or the admin API's schemas, where a field's shape is checked since
    issue 17) holding ``snippet`` once, or why not."""
    hits = []
    paths = [*(root / "layers" / "scrm").rglob("*.py"), *(root / "functions" / "admin" / "schemas").rglob("*.py")]
    for path in sorted(paths):
        count = path.read_text(encoding="utf-8").count(snippet)
        if count:
            hits.append((path, count))
    if not hits:
        return None, "snippet not found"
    if len(hits) > 1 or hits[0][1] > 1:
        return None, f"snippet not unique ({sum(c for _, c in hits)} places)"
    return hits[0][0], ""


def _pytest(root: Path, targets: list[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *targets]
    return subprocess.run(cmd, cwd=root, capture_output=True, timeout=900).returncode


def run_one(root: Path, m: Mutant) -> dict[str, object]:
    found = [(form, *locate(root, form[0])) for form in m.forms()]
    usable = [(form, path) for form, path, _ in found if path is not None]
    if not usable:
        return {"name": m.name, "result": "skipped", "why": found[0][2]}
    (snippet, broken), path = usable[0]
    original = path.read_text(encoding="utf-8")
    started = time.monotonic()
    path.write_text(original.replace(snippet, broken), encoding="utf-8")
    try:
        first = sorted({str(p.relative_to(root)) for g in m.tests for p in (root / "tests" / "unit").glob(g)})
        caught = bool(first) and _pytest(root, first) != 0
        if not caught:
            caught = _pytest(root, ["tests/unit"]) != 0
    finally:
        path.write_text(original, encoding="utf-8")
    return {"name": m.name, "file": str(path.relative_to(root)), "result": "caught" if caught else "survived",
            "seconds": round(time.monotonic() - started, 1)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]), help="the checkout to mutate")
    parser.add_argument("--out", default=str(OUT), help="where the JSON report goes")
    parser.add_argument("--only", default="", help="comma-separated mutant numbers (1-based) to run")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    chosen = [int(n) for n in args.only.split(",") if n.strip()] or list(range(1, len(MUTANTS) + 1))
    results = []
    for n in chosen:
        r = {"n": n, **run_one(root, MUTANTS[n - 1])}
        results.append(r)
        print(f"{n:3} {r['result']:9} {r['name']}" + (f"  ({r['why']})" if "why" in r else ""), flush=True)
    counted = [r for r in results if r["result"] != "skipped"]
    caught = sum(r["result"] == "caught" for r in counted)
    summary = {"mutants": len(results), "applied": len(counted), "caught": caught,
               "survived": len(counted) - caught, "skipped": len(results) - len(counted)}  # fmt: skip
    Path(args.out).write_text(json.dumps({"summary": summary, "results": results}, indent=2, ensure_ascii=False))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
