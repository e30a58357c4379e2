"""The progress bar of ``scrm sync start --wait``: rendering, and how often it writes (no I/O but a buffer)."""

from __future__ import annotations

import io

import pytest
from scrm.cli.progress import BAR, ProgressBar, bar, line
from scrm.cli.sync import describe, wait


def job(percent: float, state: str = "running", **counts: int) -> dict:
    return {"job_id": "j1", "kind": "full", "state": state, "percent": percent, **counts}


@pytest.mark.parametrize(
    "percent, filled",
    [(0, 0), (-5, 0), (3.3, 0), (10, 1), (50, 5), (99.9, 9), (100, 10), (140, 10)],
)
def test_bar_fills_in_proportion_and_is_full_only_when_done(percent, filled):
    assert bar(percent, width=10) == "[" + "#" * filled + "-" * (10 - filled) + "]"


def test_line_shows_the_counts():
    text = line(job(42.04, employees=3, relations=120, groups=2, groups_listed=5, wecom_calls=17))
    assert " 42.0%" in text and "running" in text
    assert "employees 3" in text and "relations 120" in text and "groups 2/5" in text
    assert "WeCom calls 17" in text and "\n" not in text


def test_a_terminal_gets_rich_bar_ended_once():
    out = io.StringIO()
    shown = ProgressBar(out, tty=True)
    for p in (0, 12.5, 12.5, 60, 100):
        shown.update(job(p, "done" if p == 100 else "running"))
    shown.close()
    text = out.getvalue()
    assert text.endswith("\n") and "100.0%" in text and "done" in text  # the last state, on its own line
    assert "[" + "#" * 30 + "]" not in text  # rich draws the bar; our text bar is only for logs
    shown.close()  # a second close writes nothing more
    assert out.getvalue() == text


def test_the_text_bar_and_percentage_are_left_to_rich():
    assert BAR.sub("", line(job(42.0, relations=7)), count=1).startswith("running  employees")


def test_a_log_gets_a_line_per_five_percent_and_on_each_state_change():
    out = io.StringIO()
    shown = ProgressBar(out, tty=False)
    for p in (0, 1, 2, 4.9, 5, 6, 9.9, 11, 30, 31, 99):
        shown.update(job(p))
    shown.update(job(100, "done"))
    shown.close()
    lines = out.getvalue().splitlines()
    assert [float(x.split("]")[1].split("%")[0]) for x in lines] == [0, 5, 11, 30, 99, 100]
    assert "\r" not in out.getvalue() and lines[-1].split()[2] == "done"


def test_a_failure_is_written_even_without_a_step():
    out = io.StringIO()
    shown = ProgressBar(out, tty=False)
    shown.update(job(40))
    shown.update(job(40, "failed"))
    assert len(out.getvalue().splitlines()) == 2


def test_closing_an_untouched_bar_writes_nothing():
    out = io.StringIO()
    ProgressBar(out, tty=True).close()
    assert out.getvalue() == ""


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def test_wait_polls_until_the_job_ends():
    # The admin API answers a job's progress (scrm.sync.full_sync.progress), which wait shows as is.
    states = iter([{"state": "running", "percent": 0.0}, {"state": "running", "percent": 37.5},
                   {"state": "done", "percent": 100.0}])  # fmt: skip
    seen: list[dict] = []
    clock = Clock()
    p = wait(lambda: next(states), seen.append, None, 1.0, clock, clock.sleep)
    assert p["state"] == "done" and p["percent"] == 100.0
    assert [s["percent"] for s in seen] == [0.0, 37.5, 100.0] and clock.now == 2.0


def test_wait_gives_up_at_the_timeout_and_returns_the_running_job():
    clock = Clock()
    p = wait(lambda: {"state": "running"}, lambda _: None, 2.5, 1.0, clock, clock.sleep)
    assert p["state"] == "running" and clock.now == 2.5


def test_describe_names_every_count_and_the_error():
    text = describe({"job_id": "j1", "kind": "full", "state": "failed", "percent": 40.0, "relations": 7,
                     "started_at_ms": 1_700_000_000_000, "finished_at_ms": 1_700_000_012_500, "error": "boom"})
    assert "failed (40.0%)" in text and "relations:" in text and "boom" in text
    assert "2023-11-14 22:13:20Z" in text and "(12.5 s)" in text
