"""The Sandbox object: one world, one call recorder, one callback sender.

Kept separate from the HTTP layer so tests (and other tools) can drive the same state either in
process or over HTTP, and so shutting down cleanly means closing exactly one thing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .callbacks import CallbackSender
from .client import Sessions
from .recorder import Recorder
from .world import World


class Sandbox:
    def __init__(self, clock: Callable[[], float] = time.time, callback_workers: int = 32) -> None:
        self.world = World(clock)
        self.recorder = Recorder()
        self.callbacks = CallbackSender(self.world, max_workers=callback_workers)
        self.client_sessions = Sessions()
        """The WeCom client stand-in's sessions (client.py): one member in one chat each."""
        self.closed = threading.Event()
        """Set by close(); background jobs (paced scans) stop when it is."""

    def close(self) -> None:
        self.closed.set()
        self.callbacks.close()
