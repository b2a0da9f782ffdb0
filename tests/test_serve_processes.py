"""Process lifecycle (issue 20): nothing outlives `dlp serve` or `dlp preflight`, not even after `kill -9`.

Each server runs in its own session (setsid), so every process it started can be listed by session id
whoever its parent is now.
"""

from __future__ import annotations

import csv
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.signals import as_from_a_terminal
from tests.support.smtp import ServeProcess, Sink, clean_message, free_port, wait_listening


def session_processes(sid: int) -> list[str]:
    """Processes of session `sid` that still run (zombies hold nothing: no socket, no memory)."""
    out = subprocess.run(["ps", "-eo", "pid=,sid=,stat=,args="], capture_output=True, text=True, check=True).stdout
    rows = [line.split(None, 3) for line in out.splitlines()]
    return [" ".join(row) for row in rows if row[1] == str(sid) and not row[2].startswith("Z")]


def wait_until(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def launch(sink: Sink, port: int, log: Path, *extra: str) -> ServeProcess:
    args = [sys.executable, "-m", "dlp", "serve", "--listen", f"127.0.0.1:{port}", "--relay", f"127.0.0.1:{sink.port}"]
    log.touch()
    proc = subprocess.Popen(
        [*args, "--log", str(log), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
    )
    return wait_listening(proc, log)


def big_message(seq: int, paragraphs: int = 3000) -> bytes:
    body = b"\r\n\r\n".join(
        b"Paragraph %d: order %d left warehouse %d on time." % (i, i * 7919, i % 13) for i in range(paragraphs)
    )
    return clean_message(seq).replace(b"The Acme team", body)


def test_kill_9_leaves_no_process_and_the_port_can_be_reused_then_shutdown_answers_421(tmp_path: Path):
    sink = Sink().start()
    port = free_port()
    first = launch(sink, port, tmp_path / "first.log", "--workers", "2")
    try:
        assert len(session_processes(first.proc.pid)) >= 3  # the server and its scanners
        # With --workers 2, a killed scanner is replaced: no message after it gets 451.
        [listening] = [line for line in first.log_lines() if line.get("event") == "listening"]
        os.kill(listening["scanners"][0], signal.SIGKILL)
        for seq in (10, 11, 12):
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
                assert smtp.sendmail("shop@acme.example", ["jordan.lee@example.org"], clean_message(seq)) == {}
        # Killed while it scans a large message (which once forked an analysis pool inside the server).
        client = threading.Thread(target=_send_ignoring_errors, args=(port, big_message(1)), daemon=True)
        client.start()
        time.sleep(1.0)
        first.proc.kill()
        first.proc.wait(10)
        assert wait_until(lambda: session_processes(first.proc.pid) == []), session_processes(first.proc.pid)
        with pytest.raises(ConnectionRefusedError):  # nobody holds the listening socket any more
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        for line in session_processes(first.proc.pid):
            os.kill(int(line.split()[0]), signal.SIGKILL)

    second = launch(sink, port, tmp_path / "second.log", "--shutdown-grace", "2", "--session-timeout", "4")
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            assert smtp.sendmail("shop@acme.example", ["jordan.lee@example.org"], clean_message(2)) == {}
        # A session that lasts too long is ended with 421 (here one that keeps sending NOOPs).
        smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
        opened = time.monotonic()
        code, text = 250, b""
        while code == 250 and time.monotonic() - opened < 20:
            time.sleep(0.5)
            code, text = smtp.noop()
        assert code == 421 and text.startswith(b"4.4.2") and 3.5 <= time.monotonic() - opened < 10
        smtp.close()
        # A client still connected when the grace period ends gets 421, not a dropped connection.
        idle = socket.create_connection(("127.0.0.1", port), timeout=30)
        assert idle.recv(200).startswith(b"220")
        idle.sendall(b"EHLO client.example\r\n")
        time.sleep(0.2)
        idle.recv(1000)
        stopped_at = time.monotonic()
        second.proc.send_signal(signal.SIGTERM)
        reply = idle.recv(200)
        waited = time.monotonic() - stopped_at
        assert reply.startswith(b"421 4.3.2") and 1.5 <= waited < 10
        assert idle.recv(200) == b""  # and the connection is closed
        assert second.proc.wait(30) == 0
        assert wait_until(lambda: session_processes(second.proc.pid) == [])
    finally:
        second.stop()
        sink.stop()


def _send_ignoring_errors(port: int, data: bytes) -> None:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.sendmail("shop@acme.example", ["jordan.lee@example.org"], data)
    except (OSError, smtplib.SMTPException):
        pass


def _campaign(directory: Path, rows: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "recipients.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name", "note"])
        for i in range(rows):
            writer.writerow([f"user{i}@example.org", f"Name{i}", f"Order {i * 31} shipped with parcel {i * 977}"])
    (directory / "body.txt").write_text("Hello {{ first_name }},\n\n{{ note }}.\n\nThanks\n", encoding="utf-8")
    campaign = directory / "campaign.yaml"
    campaign.write_text(
        "name: lifecycle\nfrom: shop@acme.example\nmode: per-recipient\nto: '{{ email }}'\n"
        "subject: Hello {{ first_name }}\nbody:\n  text: body.txt\nrecipients: recipients.csv\n",
        encoding="utf-8",
    )
    return campaign


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_preflight_workers_die_with_it(tmp_path: Path, signum: int):
    campaign = _campaign(tmp_path / "campaign", rows=20000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlp", "preflight", str(campaign), "--format", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
        cwd=ROOT,
        env={**os.environ, "DLP_WORKERS": "2"},
    )
    try:
        assert wait_until(lambda: len(session_processes(proc.pid)) >= 3, timeout=120), "the pool never started"
        proc.send_signal(signum)
        proc.wait(10)
        assert wait_until(lambda: session_processes(proc.pid) == [], timeout=10), session_processes(proc.pid)
    finally:
        for line in session_processes(proc.pid):
            os.kill(int(line.split()[0]), signal.SIGKILL)
