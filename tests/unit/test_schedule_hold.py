"""The local schedules' hold (devstack/scheduler.py), which the tenant-isolation walk relies on: a tick due
while held is skipped, a hold waits for the ticks already running, and a released hold lets ticks run."""

from __future__ import annotations

import threading
import time

from devstack.scheduler import Hold, Schedule


def test_a_hold_waits_for_the_running_tick_and_skips_the_ones_due():
    hold = Hold()
    assert hold.enter()  # a tick is running
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(hold.hold(timeout_s=5)))
    waiter.start()
    time.sleep(0.1)
    assert waiter.is_alive() and not got  # still waiting for the running tick
    assert not hold.enter()  # held already: a tick due now is skipped
    hold.exit()
    waiter.join(5)
    assert got == [True]
    assert not hold.enter()
    hold.release()
    assert hold.enter()
    hold.exit()


def test_a_hold_that_cannot_settle_says_so():
    hold = Hold()
    assert hold.enter()
    assert hold.hold(timeout_s=0.05) is False
    hold.exit()


def test_held_schedules_do_not_run_their_handler():
    ran: list[str] = []
    stop, hold = threading.Event(), Hold()
    hold.hold()
    schedule = Schedule("job", 0.01, lambda event, ctx: ran.append(event["resources"][0]), stop, hold)
    schedule.start()
    time.sleep(0.2)
    assert ran == []
    hold.release()
    deadline = time.monotonic() + 5
    while not ran and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    schedule.join(5)
    assert ran and ran[0].endswith("rule/job")
