"""Where the CPU goes: each local stack process's CPU seconds (user + system, from /proc), so that a run can
say which process — ours, moto, the sandbox, the benchmark's own client — spent the cores."""

from __future__ import annotations

import os
from pathlib import Path

from devstack.stack import Stack

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process; 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15 of proc(5))


def snapshot(stack: Stack) -> dict[str, float]:
    """Every stack process, plus this one (the benchmark's client: signing, encrypting, sending)."""
    out = {name: cpu_s(proc.pid) for name, proc in stack.procs.items()}
    out["bench client"] = cpu_s(os.getpid())
    return out


def spent(before: dict[str, float], after: dict[str, float], per: int) -> dict[str, float]:
    """CPU milliseconds per unit of work (``per`` callbacks, scans, ...) by process, largest first."""
    ms = {k: (after.get(k, 0.0) - v) * 1000 / max(1, per) for k, v in before.items()}
    return dict(sorted(((k, round(v, 2)) for k, v in ms.items()), key=lambda kv: -kv[1]))
