"""Peak memory of a local stack's process (VmHWM from /proc), for the benchmarks' RSS figures."""

from __future__ import annotations

from pathlib import Path

from devstack.stack import Stack


def vm_hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def workers_hwm_kb(stack: Stack) -> int:
    """The workers process's peak RSS in KiB; 0 when it cannot be read."""
    proc = stack.procs.get("workers")
    return (vm_hwm_kb(proc.pid) or 0) if proc is not None else 0
