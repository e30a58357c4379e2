"""Queue steps as typed commands, dispatched by one message bus.

Every queue consumer used to parse its own JSON, pick a method with an if-chain on a string, catch
``Throttled`` and re-send the same body delayed to the window's end, and answer a string that callers
split. The bus does the common part once: it decodes a body into the command its tag names (an unknown or
malformed body raises ``ValueError``, so the record fails and SQS redelivers it and, after five receives,
moves it to the DLQ, as before), calls the command's handler, turns ``Throttled`` into ``RetryAt``, and
sends what the outcome asks for. Commands keep the JSON bodies already on the queues: ``to_message`` writes
and ``from_message`` reads exactly today's keys, so messages in flight across a deploy are understood.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self

from scrm.kernel.errors import Throttled

MAX_DELAY_S = 900  # SQS's longest DelaySeconds


class UnknownCommand(ValueError):
    """A body no registered command reads: failing it sends it down the redelivery / DLQ path."""


class MalformedCommand(ValueError):
    """A body with its tag but without a field the command needs."""


class Queue(Protocol):
    def send_many(self, messages: list[dict[str, Any]], delay_s: int = 0) -> None: ...


class Command(ABC):
    """A queue step. Subclasses are frozen dataclasses; ``TAG_FIELD``/``TAGS`` say which bodies they
    read (e.g. ``"step": "plan"``), so the bus can pick the class without an if-chain."""

    TAG_FIELD: ClassVar[str] = "step"
    TAGS: ClassVar[tuple[str, ...]] = ()
    KEYS: ClassVar[tuple[str, ...]] = ()  # the text fields naming the command's subject, first in its body

    @abstractmethod
    def to_message(self) -> dict[str, Any]: ...

    def _body(self, tag: str, **extra: Any) -> dict[str, Any]:
        """A body: the ``KEYS``, the tag, then ``extra``."""
        return {**{k: getattr(self, k) for k in self.KEYS}, self.TAG_FIELD: tag, **extra}

    @classmethod
    def _keys(cls, message: Mapping[str, Any]) -> list[str]:
        """The ``KEYS`` read from a body, in order (each one required)."""
        return [str(need(message, k)) for k in cls.KEYS]

    @classmethod
    @abstractmethod
    def from_message(cls, message: Mapping[str, Any]) -> Self: ...


def need(message: Mapping[str, Any], name: str) -> Any:
    """A field the command cannot do without; its absence is a clear error, not a KeyError."""
    if name not in message or message[name] is None:
        raise MalformedCommand(f"{message.get('step') or message.get('kind')!r} step without {name!r}")
    return message[name]


def chunk_keys(raw: Any) -> tuple[tuple[str, int], ...]:
    """[["c", 1], …] on the wire, (("c", 1), …) in a command (hashable, frozen)."""
    return tuple((str(k), int(n)) for k, n in raw or ())


# outcomes ------------------------------------------------------------------------------------------
class _Says:
    """An outcome prints as one of its fields (``SAYS``), for logs and tests."""

    SAYS: ClassVar[str] = "detail"

    def __str__(self) -> str:
        return str(getattr(self, self.SAYS))


@dataclass(frozen=True)
class Done(_Says):
    """The step did its work; ``detail`` says what, for logs and tests."""

    detail: str = "done"


@dataclass(frozen=True)
class Skipped(_Says):
    """Nothing to do: the subject is gone, not running, or the step already ran."""

    SAYS: ClassVar[str] = "reason"
    reason: str


@dataclass(frozen=True)
class RetryAt(_Says):
    """The same command again ``seconds`` from now (the bus's answer to ``Throttled``)."""

    SAYS: ClassVar[str] = "reason"
    seconds: int
    reason: str = "throttled"


@dataclass(frozen=True)
class Resend(_Says):
    """Another command (a counted next attempt) ``delay_s`` from now."""

    command: Command
    delay_s: int
    detail: str = ""


Outcome = Done | Skipped | RetryAt | Resend
Handler = Callable[[Any], Outcome]


def throttle_delay(retry_after_s: float) -> int:
    """Just past the spent window's end, within what SQS can delay."""
    return min(MAX_DELAY_S, int(retry_after_s) + 1)


def send(queue: Queue, commands: Iterable[Command], delay_s: int = 0) -> None:
    """Put commands on a queue in their wire format (one batch call, as the runners always did)."""
    queue.send_many([c.to_message() for c in commands], delay_s=delay_s)


class MessageBus:
    """One queue's commands and their handlers."""

    def __init__(self, name: str, queue: Queue, handlers: Mapping[type[Command], Handler]) -> None:
        self.name = name
        self.queue = queue
        self.handlers = dict(handlers)
        self._by_tag: dict[tuple[str, str], type[Command]] = {}
        for cls in self.handlers:
            for tag in cls.TAGS:
                if (cls.TAG_FIELD, tag) in self._by_tag:
                    raise ValueError(f"{self.name}: two commands read {cls.TAG_FIELD}={tag!r}")
                self._by_tag[(cls.TAG_FIELD, tag)] = cls
        self._fields = sorted({field for field, _ in self._by_tag})

    def decode(self, message: Mapping[str, Any]) -> Command:
        for field in self._fields:
            cls = self._by_tag.get((field, str(message.get(field))))
            if cls is not None:
                return cls.from_message(message)
        tags = {f: message.get(f) for f in self._fields}
        raise UnknownCommand(f"unknown {self.name} step {tags!r}")

    def handle(self, message: Mapping[str, Any]) -> Outcome:
        """A queue body: decode, dispatch (the consumers' record handler)."""
        return self.dispatch(self.decode(message))

    def dispatch(self, command: Command) -> Outcome:
        handler = self.handlers.get(type(command))
        if handler is None:
            raise UnknownCommand(f"no {self.name} handler for {type(command).__name__}")
        try:
            outcome = handler(command)
        except Throttled as exc:
            # The shared call budget is spent: the same step again, once the window turns. Acknowledged,
            # so throttling never counts toward the DLQ.
            outcome = RetryAt(throttle_delay(exc.retry_after_s))
        if isinstance(outcome, RetryAt):
            send(self.queue, [command], delay_s=min(MAX_DELAY_S, outcome.seconds))
        elif isinstance(outcome, Resend):
            send(self.queue, [outcome.command], delay_s=min(MAX_DELAY_S, outcome.delay_s))
        return outcome
