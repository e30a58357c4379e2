"""Cold-start import time of the callback function: a fresh interpreter importing the Chalice app and the
modules the callback handler imports on its first request (its outbox: the queues and the parking table;
not Powertools' metrics, which only a parked or held event imports). Target < 300 ms."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import time, sys
sys.path.insert(0, {functions!r})
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
from scrm import bootstrap
from scrm.adapters.corp_registry import CorpNotFound
from scrm.adapters.logs import bind, logger
from scrm.adapters.callback_outbox import CallbackOutbox
from scrm.callbacks.intake import AckBudget, NotDurable, Rejected, make_durable, open_event
t2 = time.perf_counter()
print(round((t1 - t0) * 1000, 1), round((t2 - t0) * 1000, 1), "pynamodb" in sys.modules)
"""


def run(repeat: int = 7) -> dict[str, object]:
    app_ms, total_ms = [], []
    pynamodb_loaded = False
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT.format(functions=str(ROOT / "functions"))],
            capture_output=True, text=True, check=True, cwd=str(ROOT),
        ).stdout.split()
        app_ms.append(float(out[0]))
        total_ms.append(float(out[1]))
        pynamodb_loaded = pynamodb_loaded or out[2] == "True"
    return {
        "repeat": repeat,
        "app_module_ms_median": statistics.median(app_ms),
        "callback_function_ms_median": statistics.median(total_ms),
        "callback_function_ms_max": max(total_ms),
        "pynamodb_imported_on_callback_path": pynamodb_loaded,
    }
