"""Run the relay: load the scanner, listen, serve until SIGTERM/SIGINT, then finish what is in flight."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ipaddress
import signal
import sys
from typing import TextIO

from aiosmtpd.smtp import SMTP

from dlp.errors import InputError
from dlp.serve.config import ServeConfig
from dlp.serve.handler import DLPHandler, JsonLog
from dlp.serve.scanning import start_pool

RELAY_THREADS = 32
SHUTDOWN_GRACE = 30.0  # seconds to let scans and relays in flight answer their clients


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(config: ServeConfig, log_stream: TextIO | None = None) -> int:
    stream = log_stream or sys.stderr
    log = JsonLog(stream)
    log.write("starting", msg="loading rules and the detector", workers=config.workers)
    scan_pool = start_pool(config.workers, config.rules, config.internal_domains)
    relay_pool = concurrent.futures.ThreadPoolExecutor(max_workers=RELAY_THREADS, thread_name_prefix="dlp-relay")
    if config.relay.user and config.relay.tls == "none" and not _is_loopback(config.relay.host):
        log.write("insecure-auth", level="warning", msg="AUTH to a non-loopback upstream without TLS")
    if not _is_loopback(config.listen_host):
        log.write("open-listener", level="warning", msg="listening beyond loopback: restrict who can connect")
    try:
        return asyncio.run(_run(config, DLPHandler(config, scan_pool, relay_pool, log), log))
    finally:
        relay_pool.shutdown(wait=True)
        scan_pool.shutdown(wait=True, cancel_futures=True)


async def _run(config: ServeConfig, handler: DLPHandler, log: JsonLog) -> int:
    loop = asyncio.get_running_loop()

    def factory() -> SMTP:
        return SMTP(
            handler,
            hostname=config.hostname,
            ident="dlp serve",
            data_size_limit=config.max_size,
            enable_SMTPUTF8=True,
        )

    try:
        server = await loop.create_server(factory, host=config.listen_host, port=config.listen_port)
    except OSError as exc:
        raise InputError(
            f"cannot listen on {config.listen_host}:{config.listen_port}: {exc.strerror or exc} "
            "(is another server using the port? pick another with --listen HOST:PORT)"
        ) from None
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
    )
    await stop.wait()
    log.write("stopping", msg="no new connections; finishing messages in flight")
    server.close()
    deadline = loop.time() + SHUTDOWN_GRACE
    while handler.inflight and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await server.wait_closed()
    return 0
