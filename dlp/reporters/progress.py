"""Progress of long scans (preflight, audit) that tells the truth about where the time goes.

Three displays of one state: a Rich bar on a terminal (rich format only), a plain heartbeat line on
standard error every 30 s when standard error is not a terminal (CI logs, cron mail: a long run shows
it is alive), or nothing (--quiet). The state is fed by named phases (`dlp.progress_events`: loading
the model, reading the list, indexing values, scanning) and by the pipeline's per-message callback.

The ETA is the remaining count divided by the rate measured over the whole scanning phase so far, not
over the last few updates: the first messages are the cheap ones (cache warm-up, no pool yet), and a
short-window rate promised 3-5x too little. JSON and SARIF go to standard output, never mixed with this.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from dlp import progress_events

REFRESH_SECONDS = 0.1  # updating Rich on every one of a million messages would cost more than the scan
HEARTBEAT_ENV = "DLP_HEARTBEAT_SECONDS"  # 0 turns the heartbeat off
HEARTBEAT_SECONDS = 30.0
MIN_ETA_SECONDS = 2.0  # no ETA from the first instant of a phase: it would be noise


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class ProgressState:
    """What is being done, how far, since when; the display-independent part."""

    def __init__(self, description: str = "scanning") -> None:
        self.description = description  # the scanning phase's name ("scanning", "auditing")
        self.started = time.monotonic()
        self.name = "starting"
        self.unit = ""
        self.total: int | None = None
        self.scan_unit = "messages"  # what the scanning phase counts (a cluster scan counts partitions)
        self.scan_total: int | None = None  # messages expected, kept while another phase interrupts scanning
        self.done = 0
        self.phase_started = self.started
        self.scan_started: float | None = None  # scanning's rate counts its pauses (analysis, indexing) too
        self.busy = ""
        self.scan_done = 0
        self.lock = threading.Lock()

    def phase(self, name: str, total: int | None = None, unit: str = "") -> None:
        with self.lock:
            resumed = name == self.description and self.scan_started is not None
            self.name, self.total, self.unit, self.busy = name, total, unit, ""
            if not resumed:
                self.done = 0
                self.phase_started = time.monotonic()
            else:
                self.done = self.scan_done
                self.phase_started = self.scan_started  # type: ignore[assignment]
            if name == self.description and self.scan_started is None:
                self.scan_started = self.phase_started
        self.changed()

    def detail(self, text: str) -> None:
        with self.lock:
            self.busy = text
        self.changed()

    def advance(self, done: int) -> None:
        with self.lock:
            self.done = done
            if self.name == self.description:
                self.scan_done = done
        self.changed(throttle=True)

    def __call__(self, done: int) -> None:
        """The pipeline's per-message callback: the scanning phase."""
        if self.name != self.description:
            self.phase(self.description, self.scan_total, self.scan_unit)
        elif self.busy:
            self.busy = ""
        self.advance(done)

    def set_unit(self, unit: str) -> None:
        """What the scanning phase counts, when not messages (a cluster scan counts partitions done)."""
        with self.lock:
            self.scan_unit = unit
            if self.name == self.description:
                self.unit = unit
        self.changed()

    def set_total(self, total: int | None) -> None:
        with self.lock:
            if self.name != self.description:
                self.name, self.unit, self.done = self.description, self.scan_unit, 0
                self.phase_started = time.monotonic()
                self.scan_started = self.phase_started
            self.total = self.scan_total = total
        self.changed()

    def changed(self, throttle: bool = False) -> None:
        """Hook for displays."""

    def rate(self) -> float | None:
        elapsed = time.monotonic() - self.phase_started
        if self.done <= 0 or elapsed < MIN_ETA_SECONDS:
            return None
        return self.done / elapsed

    def eta(self) -> float | None:
        rate = self.rate()
        if rate is None or self.total is None:
            return None
        return max(0, self.total - self.done) / rate

    def line(self) -> str:
        """The heartbeat: one plain line, all the state a log reader needs."""
        with self.lock:
            name, total, done, unit, busy = self.name, self.total, self.done, self.unit, self.busy
        elapsed = time.monotonic() - self.started
        text = f"dlp: {_duration(elapsed)} elapsed; {name}"
        if total:
            text += f": {done:,}/{total:,} {unit} ({100 * done // max(total, 1)}%)".rstrip()
        elif done:
            text += f": {done:,} {unit}".rstrip()
        rate = self.rate()
        if rate:
            text += f", {rate:,.0f} {unit or 'items'}/s"
        eta = self.eta()
        if eta is not None:
            text += f", about {_duration(eta)} left"
        if busy:
            text += f"; now {busy}"
        return text


class Heartbeat(ProgressState):
    """A line on standard error every `interval` seconds, from a daemon thread (model loading calls no one)."""

    def __init__(self, description: str, interval: float) -> None:
        super().__init__(description)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dlp-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            print(self.line(), file=sys.stderr, flush=True)


class RateColumn(ProgressColumn):
    def __init__(self, state: ProgressState) -> None:
        super().__init__()
        self.state = state

    def render(self, task: Any) -> Text:
        rate = self.state.rate()
        return Text(f"{rate:,.0f} msg/s" if rate and self.state.unit == "messages" else "", style="cyan")


class EtaColumn(ProgressColumn):
    def __init__(self, state: ProgressState) -> None:
        super().__init__()
        self.state = state

    def render(self, task: Any) -> Text:
        eta = self.state.eta()
        return Text(f"ETA {_duration(eta)}" if eta is not None else "ETA -:--", style="cyan")


class TerminalBar(ProgressState):
    """The Rich bar: phase name as its description, count, measured rate, elapsed, ETA."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        columns = [
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(self),
            TimeElapsedColumn(),
            EtaColumn(self),
        ]
        self.progress = Progress(*columns, console=Console(stderr=True), transient=True, refresh_per_second=5)
        self.task = self.progress.add_task("starting", total=None)
        self._last = 0.0

    def changed(self, throttle: bool = False) -> None:
        now = time.monotonic()
        done_all = self.total is not None and self.done >= self.total
        if throttle and now - self._last < REFRESH_SECONDS and not done_all:
            return
        self._last = now
        total = max(self.total, self.done) if self.total is not None else None
        description = f"{self.name} ({self.busy})" if self.busy else self.name
        self.progress.update(self.task, description=description, completed=self.done, total=total)


@contextmanager
def progress_display(description: str, *, terminal: bool, heartbeat: bool) -> Iterator[ProgressState]:
    """The display for this run, listening to the named phases while the work runs."""
    interval = _heartbeat_interval()
    state: ProgressState
    if terminal:
        bar = TerminalBar(description)
        with bar.progress, progress_events.listening(bar):
            yield bar
        return
    if heartbeat and interval > 0:
        beat = Heartbeat(description, interval)
        beat.start()
        try:
            with progress_events.listening(beat):
                yield beat
        finally:
            beat.stop()
        return
    state = ProgressState(description)
    with progress_events.listening(state):
        yield state


def _heartbeat_interval() -> float:
    try:
        return float(os.environ.get(HEARTBEAT_ENV, HEARTBEAT_SECONDS))
    except ValueError:
        return HEARTBEAT_SECONDS


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool) -> Iterator[ProgressState]:
    """A progress bar on a terminal when `enabled`; otherwise a silent state (kept for callers of the old API)."""
    with progress_display(description, terminal=enabled, heartbeat=False) as state:
        if total is not None:
            state.set_total(total)
        yield state
