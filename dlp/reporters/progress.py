"""The progress bar for long scans (preflight, audit): count, rate in messages/second, elapsed, ETA.

Only on a terminal and only for the rich format (the CLI decides); otherwise a no-op callback, so
json/sarif output and pipes never see it. The callback takes the number of messages done; a source that
learns how many messages to expect (a recipient list's rows) calls `set_total` so the bar gets an ETA.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

REFRESH_SECONDS = 0.1  # updating Rich on every one of a million messages would cost more than the scan


class RateColumn(ProgressColumn):
    def render(self, task: Any) -> Text:
        unit = task.fields.get("unit", "msg")
        return Text(f"{task.speed:,.1f} {unit}/s" if task.speed and unit != "msg" else f"{task.speed:,.0f} msg/s"
                    if task.speed else "", style="cyan")


class ProgressUpdate:
    """Callable progress hook; a no-op unless attached to a Rich task."""

    def __init__(self, progress: Progress | None = None, task: Any = None) -> None:
        self.progress = progress
        self.task = task
        self.total: int | None = None
        self.done = 0
        self._last = 0.0

    def __call__(self, done: int) -> None:
        self.done = done
        if self.progress is None:
            return
        now = time.monotonic()
        if now - self._last >= REFRESH_SECONDS or (self.total is not None and done >= self.total):
            self._last = now
            total = max(self.total, done) if self.total is not None else None
            self.progress.update(self.task, completed=done, total=total)

    def set_unit(self, unit: str) -> None:
        """What the count counts, when not messages (a cluster scan counts partitions done)."""
        if self.progress is not None:
            self.progress.update(self.task, unit=unit, description=f"{unit} done")

    def set_total(self, total: int | None) -> None:
        self.total = total
        if self.progress is not None:
            self.progress.update(self.task, total=total)


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool) -> Iterator[ProgressUpdate]:
    """A progress bar with rate and ETA on a terminal; a no-op callback otherwise."""
    if not enabled:
        yield ProgressUpdate()
        return
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True, refresh_per_second=5) as progress:
        task = progress.add_task(description, total=total)
        update = ProgressUpdate(progress, task)
        update.total = total
        yield update
        progress.update(task, completed=update.done)
