"""Child processes started by tests get the signals a shell would give them."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


def as_from_a_terminal() -> None:
    """`preexec_fn` for a `dlp` process under test: Ctrl-C and SIGTERM as a shell leaves them. A child
    inherits ignored and blocked signals, and the test process may hold either (multiprocessing blocks both
    while it starts its resource tracker): dlp would then never see the signal the test sends, and finish
    as if none came (an inherited blocked SIGINT made a stopped preflight end with its verdict, exit 1)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block runs longer than `seconds`."""

    def _late(_signum, _frame):
        raise AssertionError(f"took more than {seconds} s: the cost is not linear in the input")

    old = signal.signal(signal.SIGALRM, _late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
