"""Run the relay: start the scanners, listen, serve until SIGTERM/SIGINT, then finish what is in flight.

Limits a public-facing MTA needs and aiosmtpd does not give by default: a cap on concurrent connections
(the next client gets 421 and retries later, unless a client idle for `busy_idle` seconds can make room),
a deadline for each command (bytes dribbled without an end of line do not extend it: slowloris), for the
DATA phase as a whole and for the whole session, each ending in a 421 and a log line,
lines as long as real mail has (RFC 5321 says 1000 octets, MTAs accept far longer lines rather than
bounce legitimate mail; we cap at `line_limit`), and a shutdown that answers 421 to every client still
connected when the grace period ends instead of dropping the connection.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ipaddress
import signal
import sys
from typing import Any, TextIO

from aiosmtpd.smtp import SMTP, syntax

from dlp.errors import InputError
from dlp.serve.config import ServeConfig
from dlp.serve.handler import DLPHandler, JsonLog
from dlp.serve.pool import ScannerPool

RELAY_THREADS = 32
BUSY_REPLY = b"421 4.7.0 dlp serve: too many connections, try again later\r\n"
DEADLINE_REPLY = b"421 4.4.2 dlp serve: session too long, closing; try again\r\n"
IDLE_REPLY = b"421 4.4.2 dlp serve: timeout waiting for a command, closing\r\n"
DATA_TIMEOUT_REPLY = b"421 4.4.2 dlp serve: timeout receiving the message, closing; try again\r\n"
EVICTED_REPLY = b"421 4.7.0 dlp serve: busy, closing this idle connection\r\n"
STOPPING_REPLY = b"421 4.3.2 dlp serve is shutting down; try again later\r\n"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Sessions:
    """The live client connections, so the cap, the session deadline and shutdown can reach them."""

    def __init__(self, config: ServeConfig, log: JsonLog) -> None:
        self.config = config
        self.log = log
        self.live: set[RelaySMTP] = set()
        self.refused = 0

    def idle_victim(self, now: float) -> RelaySMTP | None:
        """The connection waiting longest for a command, if it has waited `busy_idle` seconds."""
        waiting = [p for p in self.live if p.phase == "command" and now - p.idle_since >= self.config.busy_idle]
        return min(waiting, key=lambda p: p.idle_since, default=None)

    def close_all(self, reply: bytes) -> None:
        for protocol in list(self.live):
            protocol.close_with(reply)


class RelaySMTP(SMTP):
    """aiosmtpd's SMTP with our limits. `line_length_limit` sizes the stream buffer and the DATA check."""

    def __init__(self, handler: DLPHandler, sessions: Sessions, **options: Any) -> None:
        self.line_length_limit = sessions.config.line_limit
        super().__init__(handler, **options)
        self.sessions = sessions
        self._refused = False
        self._deadline: asyncio.TimerHandle | None = None
        self.phase = "command"  # "command" (waiting for one), "data" (between 354 and the dot), "message"
        self.idle_since = self.loop.time()

    def _peer(self) -> str | None:
        peer = getattr(self.session, "peer", None)
        return str(peer[0]) if isinstance(peer, tuple) and peer else None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.session is not None:  # a second call after STARTTLS: same session
            super().connection_made(transport)
            return
        sessions = self.sessions
        if len(sessions.live) >= sessions.config.max_connections:
            victim = sessions.idle_victim(self.loop.time())
            if victim is None:
                self._refused = True
                sessions.refused += 1
                peer = transport.get_extra_info("peername")
                sessions.log.write(
                    "refused",
                    level="warning",
                    reason="max-connections",
                    peer=str(peer[0]) if isinstance(peer, tuple) and peer else None,
                    connections=len(sessions.live),
                    refused_total=sessions.refused,
                )
                transport.write(BUSY_REPLY)  # type: ignore[attr-defined]
                transport.close()
                return
            sessions.log.write(
                "evicted",
                level="warning",
                reason="idle at the connection cap",
                peer=victim._peer(),
                idle_seconds=round(self.loop.time() - victim.idle_since, 1),
            )
            victim.close_with(EVICTED_REPLY)
            sessions.live.discard(victim)
        sessions.live.add(self)
        super().connection_made(transport)
        self._deadline = self.loop.call_later(sessions.config.session_timeout, self._session_over)

    def _session_over(self) -> None:
        self.sessions.log.write("timeout", level="warning", phase="session", peer=self._peer())
        self.close_with(DEADLINE_REPLY)

    # -- the command and DATA deadlines ----------------------------------------------------------------
    # aiosmtpd resets its timer on each whole, valid command only (not on bytes), so the timer below is the
    # time to the next command; DATA gets its own deadline; the scan and relay have theirs (pool, relay).

    def _reset_timeout(self, duration: float | None = None) -> None:
        if duration is None:
            self.phase = "command"
            self.idle_since = self.loop.time()
        super()._reset_timeout(duration)

    def _timeout_cb(self) -> None:
        if self.transport is None:
            return
        seconds = self.sessions.config.data_timeout if self.phase == "data" else self._timeout_duration
        self.sessions.log.write("timeout", level="warning", phase=self.phase, peer=self._peer(), seconds=seconds)
        self.close_with(DATA_TIMEOUT_REPLY if self.phase == "data" else IDLE_REPLY)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        self._reset_timeout(self.sessions.config.data_timeout)
        self.phase = "data"
        try:
            await super().smtp_DATA(arg)
        finally:
            if self.transport is not None:
                self._reset_timeout()  # the client's turn again: the next command

    def message_received(self) -> None:
        """The final dot arrived: scanning and relaying have their own deadlines, not the client's."""
        self.phase = "message"
        if self._timeout_handle is not None:
            self._timeout_handle.cancel()

    def connection_lost(self, error: Exception | None) -> None:
        if self._refused:
            return
        self.sessions.live.discard(self)
        if self._deadline is not None:
            self._deadline.cancel()
        if self.session is not None:
            self.event_handler.end_upstream(self.session)
        super().connection_lost(error)

    def close_with(self, reply: bytes) -> None:
        """421 and hang up; a message whose relay to the upstream has begun is let finish first (a
        421 then could make the client send again what the upstream already has)."""
        if self.transport is None:
            return
        if self.session is not None and getattr(self.session, "dlp_relaying", False):
            self.loop.call_later(0.2, self.close_with, reply)
            return
        self.transport.write(reply)  # type: ignore[attr-defined]
        self.transport.close()


def serve(config: ServeConfig, log_stream: TextIO | None = None) -> int:
    stream = log_stream or sys.stderr
    log = JsonLog(stream)
    log.write("starting", msg="loading rules and the detector", workers=config.workers)
    # The server validates the rules itself first, so a bad rules file is exit 2 here, not a dead scanner.
    from dlp.checks import load_ruleset

    load_ruleset(list(config.rules))
    scanners = ScannerPool(config.workers, config.rules, config.internal_domains, config.scan_timeout, log.write)
    scanners.start()
    relay_pool = concurrent.futures.ThreadPoolExecutor(max_workers=RELAY_THREADS, thread_name_prefix="dlp-relay")
    if config.relay.user and config.relay.tls == "none" and not _is_loopback(config.relay.host):
        log.write("insecure-auth", level="warning", msg="AUTH to a non-loopback upstream without TLS")
    if not _is_loopback(config.listen_host):
        log.write("open-listener", level="warning", msg="listening beyond loopback: restrict who can connect")
    try:
        return asyncio.run(_run(config, DLPHandler(config, scanners, relay_pool, log), log))
    finally:
        scanners.close()
        relay_pool.shutdown(wait=True)


async def _run(config: ServeConfig, handler: DLPHandler, log: JsonLog) -> int:
    loop = asyncio.get_running_loop()
    sessions = Sessions(config, log)

    def factory() -> SMTP:
        return RelaySMTP(
            handler,
            sessions,
            hostname=config.hostname,
            ident="dlp serve",
            data_size_limit=config.max_size,
            enable_SMTPUTF8=True,
            timeout=config.idle_timeout,
        )

    try:
        server = await loop.create_server(factory, host=config.listen_host, port=config.listen_port)
    except OSError as exc:
        raise InputError(
            f"cannot listen on {config.listen_host}:{config.listen_port}: {exc.strerror or exc} "
            "(is another server using the port? pick another with --listen HOST:PORT)"
        ) from None
    supervisor = asyncio.ensure_future(handler.scanners.run())
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    sockname = server.sockets[0].getsockname()
    log.write(
        "listening",
        listen=f"{sockname[0]}:{sockname[1]}",
        relay=f"{config.relay.host}:{config.relay.port}",
        relay_tls=config.relay.tls,
        fail_open=config.fail_open,
        scanners=handler.scanners.pids(),
    )
    await stop.wait()
    log.write("stopping", msg="no new connections; finishing messages in flight", connections=len(sessions.live))
    server.close()
    deadline = loop.time() + config.shutdown_grace
    while (handler.inflight or sessions.live) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    if sessions.live:
        log.write("closing", msg="grace over: 421 to the clients still connected", connections=len(sessions.live))
        sessions.close_all(STOPPING_REPLY)
        while sessions.live and loop.time() < deadline + config.relay.timeout:
            await asyncio.sleep(0.05)
    supervisor.cancel()
    await server.wait_closed()
    return 0
