"""moto in server mode for the local stack, with three speed-ups of moto's own hot spots.

Measured under callback load (py-spy, 2 cores), moto spent its time on:
- ``list_of_moto_modules()``: a directory listing and an ``isdir`` per module on *every request*, to map
  the request to a backend. The list never changes while the server runs: we compute it once.
- SQS ``Queue.attributes``: recomputed in full (including the approximate message counts, each a pass over
  every message with datetime conversions) for every message considered by ReceiveMessage (the retention
  check) and for every SendMessage (the content-based de-dup flag). With a few hundred messages in flight
  that is quadratic. We memoise the attributes for 100 ms per queue (SQS's counts are approximate and
  eventually consistent on AWS as well) and drop the memo whenever the queue's attributes are set.
- werkzeug's per-request access log line.
Nothing here changes what moto answers, except that approximate counts may be up to 100 ms old.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

MEMO_S = 0.1


def _patch() -> None:
    from moto import backends
    from moto.moto_server import werkzeug_app
    from moto.sqs import models as sqs

    modules = list(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    werkzeug_app.backends.list_of_moto_modules = backends.list_of_moto_modules  # same module object

    compute = sqs.Queue.attributes.fget

    def attributes(self: Any) -> dict[str, Any]:
        now = time.monotonic()
        memo = self.__dict__.get("_devstack_attrs")
        if memo is None or now - memo[0] > MEMO_S:
            memo = (now, compute(self))
            self.__dict__["_devstack_attrs"] = memo
        return dict(memo[1])

    sqs.Queue.attributes = property(attributes)  # type: ignore[assignment]
    set_attributes = sqs.Queue._set_attributes

    def _set_attributes(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.__dict__.pop("_devstack_attrs", None)
        return set_attributes(self, *args, **kwargs)

    sqs.Queue._set_attributes = _set_attributes  # type: ignore[assignment]


def main() -> None:
    _patch()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
