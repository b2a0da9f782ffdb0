"""A bounded load run against a real `dlp serve` process and a real upstream sink, all on 127.0.0.1.

`python -m dlp.serve.loadtest --messages 500 --connections 10` (or `make serve-load`) starts an aiosmtpd
sink as the upstream and `dlp serve` as a subprocess, sends clean and leaking messages over concurrent
SMTP connections and checks the contract: every clean message arrives exactly once with its verdict
header, no leaking one arrives, every client got 250 or 550. The tests use the same pieces, smaller.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import smtplib
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
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


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


@dataclass
class LoadResult:
    sent: int
    seconds: float
    replies: Counter[int]
    clean: set[int]
    leaking: set[int]
    errors: list[str]

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def run_load(port: int, messages: int, connections: int, leak_every: int = 10) -> LoadResult:
    """Send `messages` (every `leak_every`-th one leaking) over `connections` concurrent SMTP sessions."""
    replies: Counter[int] = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    clean = {i for i in range(messages) if not leak_every or i % leak_every != leak_every - 1}
    leaking = set(range(messages)) - clean

    def worker(first: int) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
                for seq in range(first, messages, connections):
                    data = clean_message(seq) if seq in clean else leaking_message(seq)
                    try:
                        smtp.sendmail("shop@acme.example", ["jordan.lee@example.org"], data)
                        code = 250
                    except smtplib.SMTPDataError as exc:
                        code = exc.smtp_code
                        smtp.rset()
                    with lock:
                        replies[code] += 1
        except (OSError, smtplib.SMTPException) as exc:
            with lock:
                errors.append(f"connection {first}: {type(exc).__name__}: {exc}")

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(messages, time.perf_counter() - started, replies, clean, leaking, errors)


def check_delivery(result: LoadResult, sink: Sink) -> list[str]:
    """The contract of the run, as a list of violations (empty when it held)."""
    problems = list(result.errors)
    seqs = sink.seqs()
    missing = sorted(result.clean - set(seqs))
    dupes = sorted(s for s, n in seqs.items() if n > 1)
    leaked = sorted(result.leaking & set(seqs))
    if missing:
        problems.append(f"{len(missing)} clean messages never arrived (first: {missing[:5]})")
    if dupes:
        problems.append(f"{len(dupes)} messages arrived more than once (first: {dupes[:5]})")
    if leaked:
        problems.append(f"{len(leaked)} leaking messages were relayed (first: {leaked[:5]})")
    if result.replies.get(250, 0) != len(result.clean) or result.replies.get(550, 0) != len(result.leaking):
        problems.append(f"replies {dict(result.replies)} for {len(result.clean)} clean, {len(result.leaking)} leaking")
    with sink.lock:
        unlabelled = [m for m in sink.messages if not m.headers["X-DLP-Verdict"]]
    if unlabelled:
        problems.append(f"{len(unlabelled)} relayed messages lack X-DLP-Verdict")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="passed to dlp serve --workers")
    parser.add_argument("--log", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "dlp-serve-load.log")
    args = parser.parse_args(argv)
    args.log.unlink(missing_ok=True)
    sink = Sink().start()
    server = start_serve(sink.port, args.log, "--workers", str(args.workers))
    try:
        result = run_load(server.port, args.messages, args.connections)
    finally:
        server.stop()
        sink.stop()
    problems = check_delivery(result, sink)
    scan_ms = sorted(line["scan_ms"] for line in server.log_lines() if "scan_ms" in line)
    summary = {
        "messages": result.sent,
        "connections": args.connections,
        "workers": args.workers,
        "seconds": round(result.seconds, 2),
        "msgs_per_second": round(result.per_second, 1),
        "replies": dict(result.replies),
        "delivered": sum(sink.seqs().values()),
        "scan_ms_median": scan_ms[len(scan_ms) // 2] if scan_ms else None,
        "scan_ms_p95": scan_ms[int(len(scan_ms) * 0.95)] if scan_ms else None,
        "problems": problems,
    }
    print(json.dumps(summary, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
