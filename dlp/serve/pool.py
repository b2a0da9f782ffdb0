"""The scanner processes of `dlp serve`: started, timed, killed and replaced from the event loop thread.

Why our own small supervisor and not a `ProcessPoolExecutor`: an executor whose worker dies is broken
for good (every later message would get 451 while the server looks healthy), and it cannot stop one
task that runs too long (a thread cannot be stopped at all; a regex stuck in C code even holds the GIL).
Here each scanner is one process with one pipe, forked from a fork server that preloaded the model
(`preload`): nothing of the server's sockets or threads is copied, no fork happens inside the server,
and a new scanner is ready in well under a second. And:

- a scan that runs past `scan_timeout` is abandoned and its process killed, so its cost is bounded;
- a scanner that dies (killed, crashed, out of memory) is replaced; the message it held gets 451 once;
- while scanners are held by slow messages, as many extra scanners (up to `size` more) are started so
  the other clients keep being served; the extras stop once they are no longer needed;
- scanners die with the server, even after `kill -9`: the fork server dies with the server, and each
  scanner with the fork server (`die_with_parent`, a parent-death signal on Linux).

Processes are started from the event loop's thread only (the kernel ties the parent-death signal to the
thread that started the child, and that thread lives as long as the server).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from dlp.serve.scanning import SETTINGS_ENV, ScanOutcome, init_worker, ready, scan_bytes

START_TIMEOUT = 300.0  # seconds a new scanner may take to load the model
WAIT_ALLOWANCE = 60.0  # on top of scan_timeout, how long a message may wait for a free scanner
SUPERVISE_EVERY = 0.2


class ScanFailed(Exception):
    """No verdict for this message: the handler answers 451 (or relays unscanned under --fail-open).
    `lost` says why the scanner that held it must be replaced (timeout, died), if it must."""

    def __init__(self, message: str, lost: str | None = None) -> None:
        super().__init__(message)
        self.lost = lost


def _scanner_main(conn: Connection, rules: list[str], internal_domains: list[str]) -> None:
    """A scanner process: load the model (unless the fork server did), then scan one message per request
    until the pipe closes."""
    from dlp.analysis.workers import die_with_parent

    # Our parent is the fork server, which dies with the server (see `preload`).
    die_with_parent(os.getppid())
    # Ctrl-C and a service manager's SIGTERM reach the whole process group; the server decides when
    # scanners stop (after the messages in flight), and they die with it in any case.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        if not ready():
            init_worker([Path(r) for r in rules], internal_domains)
    except BaseException as exc:  # reported to the server, which refuses to start
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            data, envelope_from, envelope_to = conn.recv()
            conn.send(("taken", None))  # from here on, a death costs this message (451); before, none
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", scan_bytes(data, envelope_from, envelope_to))
        except Exception as exc:  # one bad message must not end the scanner...
            reply = ("error", type(exc).__name__)
        conn.send(reply)
        if reply[1] == "MemoryError":  # ...unless it left the heap in doubt: the supervisor starts a new one
            return


def _scanner_context(rules: Sequence[Path], internal_domains: Sequence[str]) -> Any:
    """Scanners fork from a fork server that preloaded the model (see `preload`); `spawn` where there is
    no fork server (Windows), each scanner then loading the model itself."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    settings = {"rules": [str(r) for r in rules], "internal_domains": list(internal_domains)}
    os.environ[SETTINGS_ENV] = json.dumps(settings)  # read by the fork server when it starts
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dlp.serve.preload"])
    return context


class Scanner:
    """One scanner process and the server's end of its pipe."""

    def __init__(self, context: Any, rules: Sequence[Path], internal_domains: Sequence[str]) -> None:
        ours, theirs = context.Pipe()
        self.conn: Connection = ours
        self.process = context.Process(
            target=_scanner_main,
            args=(theirs, [str(r) for r in rules], list(internal_domains)),
            name="dlp-scanner",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.pid: int = self.process.pid or 0
        self.busy_since: float | None = None

    def wait_ready(self, timeout: float) -> None:
        """Block until the model is loaded; raises RuntimeError with the scanner's own error."""
        if not self.conn.poll(timeout):
            raise RuntimeError(f"scanner process {self.pid} did not start within {timeout:.0f}s")
        try:
            status, detail = self.conn.recv()
        except (EOFError, OSError):
            raise RuntimeError(f"scanner process {self.pid} exited while starting") from None
        if status != "ready":
            raise RuntimeError(f"scanner process could not start: {detail}")

    def exchange(self, job: tuple, timeout: float) -> ScanOutcome:
        """Send one message and wait for its verdict (on a helper thread: both ends may block)."""
        try:
            self.conn.send(job)
        except (OSError, ValueError) as exc:
            raise _NotStarted(type(exc).__name__) from None
        deadline = time.monotonic() + timeout
        # A scanner killed while idle may still look alive for a moment; the message then reaches a
        # pipe nobody reads. Only a scanner that acknowledged the message can have died because of it.
        if not self.conn.poll(timeout):
            raise ScanFailed(f"scan timed out after {timeout:g}s", lost="timeout")
        try:
            status, detail = self.conn.recv()
        except (EOFError, OSError):
            raise _NotStarted("died before taking the message") from None
        if status == "taken":
            if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                raise ScanFailed(f"scan timed out after {timeout:g}s", lost="timeout")
            try:
                status, detail = self.conn.recv()
            except (EOFError, OSError):
                raise ScanFailed("the scanner process died", lost="died") from None
        if status != "ok":
            raise ScanFailed(f"scan error ({detail})")
        return detail

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class _NotStarted(Exception):
    """The scanner was gone before it took the message: another scanner can take it."""


class ScannerPool:
    def __init__(
        self,
        size: int,
        rules: Sequence[Path],
        internal_domains: Sequence[str],
        scan_timeout: float,
        on_event: Callable[..., None] = lambda event, **fields: None,
    ) -> None:
        self.size = size
        self.rules = list(rules)
        self.internal_domains = list(internal_domains)
        self.scan_timeout = scan_timeout
        self.slow_after = min(2.0, scan_timeout / 4)  # a scan this old holds its scanner "for long"
        self.on_event = on_event
        self.context = _scanner_context(self.rules, self.internal_domains)
        self.idle: list[Scanner] = []
        self.busy: set[Scanner] = set()
        self.starting = 0
        self.waiters: collections.deque[asyncio.Future[Scanner]] = collections.deque()
        # Threads that talk to scanners (a pipe read or write may block); one per scanner at most.
        self.threads = concurrent.futures.ThreadPoolExecutor(max_workers=3 * size + 2, thread_name_prefix="dlp-pipe")
        self._tasks: set[asyncio.Future] = set()
        self._closed = False

    # -- start and stop ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start `size` scanners and wait until each has loaded the model (before the server listens)."""
        scanners = [Scanner(self.context, self.rules, self.internal_domains) for _ in range(self.size)]
        try:
            for scanner in scanners:
                scanner.wait_ready(START_TIMEOUT)
        except BaseException:
            for scanner in scanners:
                scanner.kill()
            raise
        self.idle.extend(scanners)

    def pids(self) -> list[int]:
        return sorted(s.pid for s in [*self.idle, *self.busy])

    async def run(self) -> None:
        """The supervisor: notice scanners that died while idle and start extras for slow messages."""
        while not self._closed:
            for scanner in [s for s in self.idle if not s.process.is_alive()]:
                self.idle.remove(scanner)
                self._lost(scanner, "died")
            self._adjust()
            await asyncio.sleep(SUPERVISE_EVERY)

    def close(self) -> None:
        self._closed = True
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_exception(ScanFailed("the server is stopping"))
        for scanner in [*self.idle, *self.busy]:
            scanner.kill()
        self.idle.clear()
        self.busy.clear()
        self.threads.shutdown(wait=False, cancel_futures=True)

    # -- scanning ---------------------------------------------------------------------------------------

    async def scan(self, data: bytes, envelope_from: str, envelope_to: Sequence[str]) -> ScanOutcome:
        """A verdict, or ScanFailed. The work is shielded: a client that hangs up mid-scan does not
        leave a scanner in an unknown state."""
        task = asyncio.ensure_future(self._scan((data, envelope_from, tuple(envelope_to))))
        return await asyncio.shield(task)

    async def _scan(self, job: tuple) -> ScanOutcome:
        loop = asyncio.get_running_loop()
        for _attempt in range(self.size + 2):  # each scanner found dead before it took the message, then a new one
            scanner = await self._acquire()
            scanner.busy_since = time.monotonic()
            try:
                outcome = await loop.run_in_executor(self.threads, scanner.exchange, job, self.scan_timeout)
            except _NotStarted:
                self._retire(scanner, "died")
                continue
            except ScanFailed as exc:
                if exc.lost:
                    self._retire(scanner, exc.lost)
                else:
                    self._release(scanner)
                raise
            except BaseException:
                self._retire(scanner, "error")
                raise
            self._release(scanner)
            return outcome
        raise ScanFailed("no scanner process could take the message")

    async def _acquire(self) -> Scanner:
        if self._closed:
            raise ScanFailed("the server is stopping")
        while self.idle and not self.waiters:
            scanner = self.idle.pop()
            if not scanner.process.is_alive():  # died while idle, before the supervisor noticed
                self._lost(scanner, "died")
                continue
            self.busy.add(scanner)
            return scanner
        waiter: asyncio.Future[Scanner] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        self._adjust()
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), self.scan_timeout + WAIT_ALLOWANCE)
        except TimeoutError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                return waiter.result()  # handed over at the last moment: use it
            waiter.cancel()  # so no scanner is handed to it later
            raise ScanFailed("no scanner became free in time") from None
        finally:
            if waiter in self.waiters:
                self.waiters.remove(waiter)

    def _release(self, scanner: Scanner) -> None:
        """A free scanner: to the longest waiting message, or idle, or stopped if it is a surplus extra."""
        self.busy.discard(scanner)
        scanner.busy_since = None
        if self._closed:
            scanner.kill()
            return
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                self.busy.add(scanner)
                waiter.set_result(scanner)
                return
        if len(self.idle) + len(self.busy) + self.starting > self._wanted():
            scanner.kill()
            self.on_event("scanner-stopped", pid=scanner.pid, reason="extra no longer needed")
            return
        self.idle.append(scanner)

    def _retire(self, scanner: Scanner, reason: str) -> None:
        self.busy.discard(scanner)
        self._lost(scanner, reason)

    def _lost(self, scanner: Scanner, reason: str) -> None:
        scanner.kill()  # a timed-out scan is stopped here: its cost ends with the process
        self.on_event("scanner-replaced", level="warning", pid=scanner.pid, reason=reason)
        self._adjust()

    def _wanted(self) -> int:
        """`size`, plus one extra per scanner held by a slow message (at most `size` extras)."""
        now = time.monotonic()
        slow = sum(1 for s in self.busy if s.busy_since is not None and now - s.busy_since >= self.slow_after)
        return self.size + min(self.size, slow)

    def _adjust(self) -> None:
        """Start scanners up to `size`, and extras while messages wait behind slow ones."""
        if self._closed:
            return
        have = len(self.idle) + len(self.busy) + self.starting
        waiting = any(not w.done() for w in self.waiters)
        if have < self.size or (waiting and have < self._wanted()):
            self.starting += 1
            task = asyncio.ensure_future(self._start_one())
            self._tasks.add(task)  # a reference, so the task is not collected while it runs
            task.add_done_callback(self._tasks.discard)

    async def _start_one(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            scanner = Scanner(self.context, self.rules, self.internal_domains)  # on the loop's thread
            await loop.run_in_executor(self.threads, scanner.wait_ready, START_TIMEOUT)
        except Exception as exc:
            self.on_event("scanner-start-failed", level="error", error=str(exc)[:200])
            await asyncio.sleep(1.0)  # then the supervisor tries again
            self.starting -= 1
            return
        self.starting -= 1
        self.on_event("scanner-started", pid=scanner.pid)
        self._release(scanner)
