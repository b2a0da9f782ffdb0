"""Real SMTP parts for tests and the load script: an aiosmtpd sink as upstream, `dlp serve` as a process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SinkHandler:
    """Records what arrives; recipients named in `defer`/`refuse` get 451/550 at RCPT time."""

    received: list[Received] = field(default_factory=list)
    defer: set[str] = field(default_factory=set)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.defer:
            return "451 4.2.0 mailbox busy, try later"
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK queued"


class Sink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = SinkHandler()
        self.controller: Controller | None = None

    def start(self) -> Sink:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class ServeProcess:
    """`python -m dlp serve` in the background; its JSON log lines are collected from stderr."""

    def __init__(self, relay_port: int, *extra: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.lines: list[dict] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dlp", "serve", "--listen", f"127.0.0.1:{self.port}",
             "--relay", f"127.0.0.1:{relay_port}", "--relay-timeout", "10", *extra],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            text = raw.decode("utf-8", "replace").strip()
            try:
                self.lines.append(json.loads(text))
            except ValueError:
                self.lines.append({"event": "text", "text": text})

    def wait_ready(self, timeout: float = 120) -> ServeProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line.get("event") == "listening" for line in self.lines):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"dlp serve exited with {self.proc.returncode}: {self.lines}")
            time.sleep(0.1)
        raise TimeoutError("dlp serve did not start listening")

    def message_logs(self) -> list[dict]:
        return [line for line in self.lines if line.get("event") == "message"]

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=30)
        finally:
            self._reader.join(timeout=5)


def message(subject: str, to: list[str], body: str, sender: str = "news@acme.example", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg
