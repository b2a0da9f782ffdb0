"""Real SMTP pieces for tests and the load tool, all on 127.0.0.1: an aiosmtpd sink standing in for the
upstream MTA, a `dlp serve` process started as a user starts it, and the clean and leaking messages they
exchange. `tools/serve_load.py` (`make serve-load`) runs the same pieces at volume.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tests.support.signals import as_from_a_terminal

SEQ_HEADER = "X-Load-Seq"
_ADJECTIVES = ["blue", "quiet", "rapid", "gentle", "bright", "solid", "narrow", "wooden", "silver", "steady"]
_THINGS = ["kettle", "lamp", "bicycle", "notebook", "jacket", "teapot", "backpack", "umbrella", "clock", "blender"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_message(seq: int) -> bytes:
    """An order notice with no personal data; the body varies so the paragraph cache cannot hide the cost."""
    thing = f"{_ADJECTIVES[seq % 10]} {_THINGS[(seq // 10) % 10]}"
    day = _WEEKDAYS[(seq // 100) % 5]
    return (
        "From: Acme Shop <shop@acme.example>\r\n"
        "To: jordan.lee@example.org\r\n"
        "Subject: Your parcel has shipped\r\n"
        f"{SEQ_HEADER}: {seq}\r\n"
        "\r\n"
        "Hello,\r\n\r\n"
        f"The {thing} you ordered left our warehouse on {day} and should arrive within three days.\r\n"
        f"Batch {seq * 7 % 97} of the spring catalogue is now on sale.\r\n\r\n"
        "The Acme team\r\n"
    ).encode()


def leaking_message(seq: int) -> bytes:
    return (
        "From: Acme Shop <shop@acme.example>\r\n"
        "To: jordan.lee@example.org\r\n"
        "Subject: Your account details\r\n"
        f"{SEQ_HEADER}: {seq}\r\n"
        "\r\n"
        "Hello,\r\n\r\nFor verification we have on file: SSN 536-22-8451 and card 4111 1111 1111 1111.\r\n"
    ).encode()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool = False
    login: str | None = None

    @property
    def headers(self) -> Any:
        return BytesHeaderParser().parsebytes(self.content)


REFUSE_PREFIX = "refuse-"  # a recipient `refuse-550@…` or `refuse-452@…` is refused by the sink with that code


class _SinkHandler:
    def __init__(self, sink: Sink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:
        code = address.partition("@")[0].removeprefix(REFUSE_PREFIX)
        if address.startswith(REFUSE_PREFIX) and code.isdigit():
            return f"{code} {code[0]}.1.1 <{address}>: recipient refused by the sink"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self.sink.reply
        if reply.startswith("2"):  # a refused message is not delivered
            login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data
            with self.sink.lock:
                self.sink.messages.append(
                    Received(
                        envelope.mail_from,
                        list(envelope.rcpt_tos),
                        envelope.original_content,
                        tls=session.ssl is not None,
                        login=login,
                    )
                )
        return reply


class _LongLineSMTP(SMTP):
    line_length_limit = 1024 * 1024  # a real MTA takes lines far over RFC 5321's 1000 octets


class _SinkController(Controller):
    def factory(self) -> SMTP:
        return _LongLineSMTP(self.handler, **self.SMTP_kwargs)


@dataclass
class Sink:
    """The upstream MTA stand-in: an aiosmtpd server that keeps what it receives."""

    port: int = field(default_factory=free_port)
    reply: str = "250 2.0.0 stored"
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None
    options: dict[str, Any] = field(default_factory=dict)  # more aiosmtpd SMTP options (TLS, AUTH)

    def start(self) -> Sink:
        self.controller = _SinkController(_SinkHandler(self), hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def seqs(self) -> Counter[int]:
        with self.lock:
            return Counter(int(m.headers[SEQ_HEADER]) for m in self.messages if m.headers[SEQ_HEADER])


@dataclass
class ServeProcess:
    proc: subprocess.Popen
    port: int
    log_path: Path

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


def launch_serve(relay_port: int, log_path: Path, *extra: str) -> subprocess.Popen:
    """Start `dlp serve` on a free port (port 0); `wait_listening` then waits until it accepts mail."""
    args = [sys.executable, "-m", "dlp", "serve", "--listen", "127.0.0.1:0", "--relay", f"127.0.0.1:{relay_port}"]
    args += ["--log", str(log_path), *extra]
    log_path.touch()
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=as_from_a_terminal)


def wait_listening(proc: subprocess.Popen, log_path: Path, timeout: float = 120.0) -> ServeProcess:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log_path.read_text(encoding="utf-8").splitlines():
            if '"event": "listening"' in line:
                port = int(json.loads(line)["listen"].rsplit(":", 1)[1])
                return ServeProcess(proc, port, log_path)
        if proc.poll() is not None:
            _out, err = proc.communicate()
            raise RuntimeError(f"dlp serve exited with {proc.returncode}: {err.decode(errors='replace')}")
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("dlp serve did not start listening in time")


def start_serve(relay_port: int, log_path: Path, *extra: str, timeout: float = 120.0) -> ServeProcess:
    return wait_listening(launch_serve(relay_port, log_path, *extra), log_path, timeout)
