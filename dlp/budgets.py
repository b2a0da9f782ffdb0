"""Size and time budgets: how much work one message, attachment, render or input file may cost.

Hostile or merely huge input (a 2 GB zip bomb in a .docx, a 20,000-row CSV, a template looping 10^10
times, a 30 MB campaign file) must end in a verdict or a clear error within bounded time and memory,
never a hang, an out-of-memory kill or "internal error". Every limit here ends in an
`unscanned-attachment` finding, a per-message `template-error`, or exit 2 naming the file: never in
silent truncation.

Each budget is a setting with a safe default, overridable by an environment variable (read when used,
so a long-running `dlp serve` picks up nothing mid-flight but a test can set one with monkeypatch). The
names and defaults are documented in docs/budgets.md; `DEFAULTS` is the single list.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULTS: dict[str, tuple[float, str]] = {
    # text analysis
    "DLP_MAX_PIECE_CHARS": (100_000, "characters spaCy analyses at once (spaCy refuses over 1,000,000)"),
    "DLP_MAX_MESSAGE_CHARS": (10_000_000, "characters of text analysed per message; the rest is unscanned"),
    "DLP_ANALYSIS_SECONDS": (60, "CPU seconds spent analysing the text of one part; the rest is unscanned"),
    # attachments
    "DLP_MAX_INFLATED_BYTES": (200 * 1024 * 1024, "bytes an attachment may inflate to (zip members in total)"),
    "DLP_MAX_COMPRESSION_RATIO": (200, "inflated/compressed size of one zip member above 1 MB"),
    "DLP_MAX_ELEMENTS": (500_000, "paragraphs, rows, cells, pages or zip members in one attachment"),
    "DLP_MAX_ATTACHMENT_CHARS": (20_000_000, "characters of text extracted from one attachment"),
    "DLP_ATTACHMENT_SECONDS": (30, "seconds spent extracting the text of one attachment"),
    # templates
    "DLP_RENDER_SECONDS": (10, "seconds spent rendering one message's templates"),
    "DLP_RENDER_MAX_CHARS": (20_000_000, "characters one rendered message may hold, all templates together"),
    # input files
    "DLP_MAX_YAML_BYTES": (4 * 1024 * 1024, "size of a campaign or rules YAML file"),
    "DLP_MAX_NESTING": (100, "nesting depth of a YAML or JSON document"),
    "DLP_MAX_COLUMNS": (10_000, "columns of a campaign's recipient list (real exports have a few hundred)"),
}


def limit(name: str) -> float:
    """The budget `name`: its environment variable when set to a positive number, else the default."""
    default = DEFAULTS[name][0]
    raw = os.environ.get(name, "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            return default
        if value > 0:
            return value
    return default


def int_limit(name: str) -> int:
    return int(limit(name))


SPACY_MAX_LENGTH = 1_000_000  # spaCy's own limit (error E088 above it)


def piece_chars() -> int:
    """Characters analysed by spaCy at once: the setting, never above spaCy's own limit."""
    return min(int_limit("DLP_MAX_PIECE_CHARS"), SPACY_MAX_LENGTH)


# Characters of real text an analysed piece (a piece of a long text, a line's window) reads beyond the
# span it owns on each side, so a value across its edge is seen whole and NER sees its neighbourhood.
CONTEXT_CHARS = 400


def piece_context(size: int) -> tuple[int, int]:
    """(owned, context) for pieces of at most `size` characters: `owned + 2 * context <= size`, so a piece
    with its context never outgrows the size it was cut for (and never leaves spaCy's batch)."""
    context = min(CONTEXT_CHARS, size // 4)
    return size - 2 * context, context


class BudgetExceeded(Exception):
    """A budget ran out; the message says which one, by how much, and the setting that raises it."""


def exceeded(what: str, name: str) -> BudgetExceeded:
    return BudgetExceeded(f"{what} (budget {name}={_human(limit(name))})")


def _human(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{int(value):,}".replace(",", "_")


@dataclass
class Meter:
    """Time and output spent on one bounded piece of work (a render, an extraction).

    `check()` is cheap enough to call in loops (one clock read); `add(n)` counts produced characters or
    elements. Both raise `BudgetExceeded` naming the setting to raise.
    """

    seconds: float
    seconds_name: str
    max_size: float = float("inf")
    size_name: str = ""
    what: str = "work"
    started: float = 0.0
    size: int = 0

    def __post_init__(self) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise exceeded(f"{self.what} took more than {self.seconds:g} s", self.seconds_name)

    def add(self, size: int) -> None:
        self.size += size
        if self.size > self.max_size:
            raise exceeded(f"{self.what} produced more than {_human(self.max_size)} characters", self.size_name)
        self.check()


_local = threading.local()


def current_meter() -> Meter | None:
    """The meter of the bounded work running in this thread (for hooks deep inside a library)."""
    return getattr(_local, "meter", None)


@contextmanager
def bounded(meter: Meter) -> Iterator[Meter]:
    """Run a block under `meter`: hooks can find it with `current_meter()`, and in the main thread a timer
    interrupts pure-Python work that never calls a hook (a template loop with no output, a parser stuck
    in a huge document) once the time budget is spent, plus a second of grace for the hooks to act first.

    Other threads get only the hooks' checks (Python delivers signals to the main thread alone).
    """
    previous = current_meter()
    _local.meter = meter
    alarm = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGALRM) in (
        signal.SIG_DFL,
        signal.SIG_IGN,
        None,
    )
    if alarm:

        def _interrupt(_signum, _frame):
            raise exceeded(f"{meter.what} took more than {meter.seconds:g} s", meter.seconds_name)

        old = signal.signal(signal.SIGALRM, _interrupt)
        signal.setitimer(signal.ITIMER_REAL, max(0.05, meter.deadline - time.monotonic()) + 1.0)
    try:
        yield meter
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        _local.meter = previous


@contextmanager
def cpu_bounded(seconds: float, what: str, name: str) -> Iterator[None]:
    """Run a block that must stop after `seconds` of this process's CPU time (raises `BudgetExceeded`).

    CPU, not wall time: an analysis budget must not cut text on a loaded machine that an idle one reads
    whole (an audit is a record; it must not depend on the load). The profiling timer interrupts
    pure-Python work (the phone matcher, Presidio's loops) and spaCy between its layers. Main thread
    only, as Python delivers signals there alone; elsewhere, and under a caller's own SIGPROF handler,
    the block runs unbounded.
    """
    armed = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGPROF) in (
        signal.SIG_DFL,
        signal.SIG_IGN,
        None,
    )
    if not armed:
        yield
        return

    def _interrupt(_signum, _frame):
        raise exceeded(f"{what} took more than {seconds:g} s of CPU", name)

    old = signal.signal(signal.SIGPROF, _interrupt)
    signal.setitimer(signal.ITIMER_PROF, max(0.01, seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


# ---- templates: one meter per rendered message, shared by every template engine ----------------------


def render_meter() -> Meter:
    """The budget of one message's rendering, all its templates together (DLP_RENDER_SECONDS,
    DLP_RENDER_MAX_CHARS). Engines call `collect` on their output chunks and `guard_size` before building
    anything big; `bounded(meter)` around each render call adds the main-thread timer."""
    return Meter(
        seconds=limit("DLP_RENDER_SECONDS"),
        seconds_name="DLP_RENDER_SECONDS",
        max_size=int_limit("DLP_RENDER_MAX_CHARS"),
        size_name="DLP_RENDER_MAX_CHARS",
        what="rendering the message",
    )


def collect(chunks: Iterable[str], meter: Meter | None = None) -> str:
    """Join a renderer's output chunks, counting them against the meter as they come (so a template that
    writes gigabytes stops at the budget, not when memory runs out)."""
    meter = meter or current_meter()
    out = []
    for chunk in chunks:
        if meter is not None:
            meter.add(len(chunk))
        out.append(chunk)
    return "".join(out)


def guard_size(size: int, what: str = "a value") -> None:
    """Refuse to build something larger than the render budget (`'a' * 10**9`) before building it."""
    meter = current_meter()
    cap = meter.max_size if meter is not None else limit("DLP_RENDER_MAX_CHARS")
    if size > cap:
        raise exceeded(f"{what} of {size:,} characters or items would exceed the render budget", "DLP_RENDER_MAX_CHARS")
    if meter is not None:
        meter.check()


def tick() -> None:
    """A loop step of a template: checks the clock of the running meter, if any."""
    meter = current_meter()
    if meter is not None:
        meter.check()
