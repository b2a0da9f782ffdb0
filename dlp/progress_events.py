"""Named phases of long work, told to whoever listens (the CLI's progress display), from any layer.

A scan spends its first minute on things that are not messages: loading the model, reading the
recipient list, indexing its values. A bar that sits at 0/N meanwhile looks hung, so each of those
says what it is doing (and how far, when it knows) through `phase` and `advance`. Nothing listens
outside the CLI: then these are no-ops. Plain module state, not Rich: checks and the pipeline may call
it; only `dlp.reporters.progress` draws it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Listener(Protocol):
    def phase(self, name: str, total: int | None = None, unit: str = "") -> None: ...

    def advance(self, done: int) -> None: ...

    def detail(self, text: str) -> None: ...


_LISTENER: Listener | None = None


def listen(listener: Listener | None) -> Listener | None:
    """Set the listener (None to stop); returns the previous one."""
    global _LISTENER
    previous, _LISTENER = _LISTENER, listener
    return previous


def phase(name: str, total: int | None = None, unit: str = "") -> None:
    if _LISTENER is not None:
        _LISTENER.phase(name, total, unit)


def advance(done: int) -> None:
    """`done` units of the current phase are finished (an absolute count)."""
    if _LISTENER is not None:
        _LISTENER.advance(done)


def detail(text: str) -> None:
    """What the current phase is busy with right now ("analysing the text of 256 messages"); "" clears it."""
    if _LISTENER is not None:
        _LISTENER.detail(text)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    previous = listen(listener)
    try:
        yield
    finally:
        listen(previous)
