"""Run the relay until SIGINT/SIGTERM: load the scanner first, then listen, then say so."""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from dlp.errors import InputError
from dlp.message_scan import MessageScanner
from dlp.model import Report
from dlp.serve.config import ServeConfig
from dlp.serve.handler import DlpHandler
from dlp.serve.log import log_event


def build_handler(config: ServeConfig, scanner: MessageScanner) -> DlpHandler:
    def scan(msg: EmailMessage, mail_from: str, rcpt_tos: Sequence[str]) -> Report:
        return scanner.scan(msg, envelope_from=mail_from, envelope_to=rcpt_tos, source="smtp")

    return DlpHandler(config, scan)


def start(config: ServeConfig, handler: DlpHandler) -> Controller:
    controller = Controller(
        handler,
        hostname=config.listen_host,
        port=config.listen_port,
        server_hostname=config.hostname,
        data_size_limit=config.max_message_bytes,
        enable_SMTPUTF8=True,
        decode_data=False,
        ready_timeout=10.0,
    )
    try:
        controller.start()
    except Exception as exc:  # port in use, address not available: a usage problem, not a crash
        raise InputError(f"cannot listen on {config.listen_host}:{config.listen_port}: {exc}") from None
    return controller


def serve_forever(config: ServeConfig, scanner: MessageScanner) -> int:
    handler = build_handler(config, scanner)
    controller = start(config, handler)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if config.listen_host not in {"127.0.0.1", "::1", "localhost"}:
        log_event("warning", detail="listening beyond loopback: make sure only your mailers can reach this port")
    log_event(
        "listening",
        listen=f"{config.listen_host}:{config.listen_port}",
        relay=f"{config.relay_host}:{config.relay_port}",
        starttls=config.relay_starttls,
        auth=bool(config.relay_user),
        fail_open=config.fail_open,
    )
    stop.wait()
    controller.stop()
    handler.close()
    log_event("stopped")
    return 0
