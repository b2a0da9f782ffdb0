"""Hostile and unlucky traffic against one real `dlp serve` process (issue 20, processes and the relay).

One server and one aiosmtpd upstream serve every test here (the process boundary matters: scanners are
killed and replaced). The server runs with a rules file holding a pattern that backtracks for ever on
"hangme xxxx…": a real slow scan, not a sleep.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from tests.support.smtp import ServeProcess, Sink, clean_message, start_serve

SCAN_TIMEOUT = 15.0  # the fast message is served within a few seconds, well before
MAX_CONNECTIONS = 6
SLOW_RULES = """\
rules:
  - id: stuck-codename
    description: A code name written by a careless rule author
    severity: block
    detector: pattern
    keywords: [hangme]
    patterns: [{name: backtracking, regex: 'hangme (x+)+y'}]
"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, Sink]]:
    directory = tmp_path_factory.mktemp("serve-relay")
    rules = directory / "slow.yaml"
    rules.write_text(SLOW_RULES, encoding="utf-8")
    sink = Sink().start()
    server = start_serve(
        sink.port,
        directory / "serve.log",
        *("--rules", str(rules), "--scan-timeout", str(SCAN_TIMEOUT)),
        *("--max-connections", str(MAX_CONNECTIONS), "--workers", "1"),
    )
    yield server, sink
    server.stop()
    sink.stop()


def slow_message(seq: int) -> bytes:
    return clean_message(seq).replace(b"The Acme team", b"hangme " + b"x" * 40)


def send(port: int, data: bytes, rcpt: list[str] | None = None) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        return smtp.sendmail("shop@acme.example", rcpt or ["jordan.lee@example.org"], data)


def reply_code(port: int, data: bytes) -> int:
    try:
        send(port, data)
    except smtplib.SMTPResponseException as exc:
        return exc.smtp_code
    return 250


def arrived(sink: Sink, seq: int) -> list:
    with sink.lock:
        return [m for m in sink.messages if m.headers["X-Load-Seq"] == str(seq)]


def log_events(server: ServeProcess, event: str) -> list[dict]:
    return [line for line in server.log_lines() if line.get("event") == event]


def scanner_pids(server: ServeProcess) -> set[int]:
    """The scanners alive now, from the log: those listed at start plus those started since, minus those
    replaced or stopped."""
    pids = set(log_events(server, "listening")[0]["scanners"])
    pids |= {line["pid"] for line in log_events(server, "scanner-started")}
    pids -= {line["pid"] for line in log_events(server, "scanner-replaced")}
    pids -= {line["pid"] for line in log_events(server, "scanner-stopped")}
    return pids


def gone(pid: int) -> bool:
    """Not running (a zombie waiting for its parent to reap it holds nothing and runs nothing)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_a_slow_message_does_not_stall_a_fast_one_and_its_scan_is_killed(relay):
    server, sink = relay
    done: dict[str, tuple[int, float]] = {}
    started = time.monotonic()

    def slow() -> None:
        done["slow"] = (reply_code(server.port, slow_message(101)), time.monotonic() - started)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    fast_code = reply_code(server.port, clean_message(102))
    fast_at = time.monotonic() - started
    thread.join(120)
    slow_code, slow_at = done["slow"]
    assert fast_code == 250 and arrived(sink, 102)
    assert fast_at < slow_at  # served while the slow one was still being scanned
    assert slow_code == 451 and arrived(sink, 101) == []  # no verdict: the client keeps it
    assert SCAN_TIMEOUT <= slow_at < SCAN_TIMEOUT + 15
    [killed] = [line for line in log_events(server, "scanner-replaced") if line["reason"] == "timeout"]
    assert wait_until(lambda: gone(killed["pid"]))  # the timed-out scan no longer runs
    assert reply_code(server.port, clean_message(103)) == 250


def test_a_killed_scanner_is_replaced_and_costs_at_most_its_own_message(relay):
    server, sink = relay
    idle = scanner_pids(server)
    assert idle
    for pid in idle:
        os.kill(pid, signal.SIGKILL)
    assert [reply_code(server.port, clean_message(200 + i)) for i in range(3)] == [250, 250, 250]
    # Killed in the middle of a scan: that one message gets 451, once, and the next ones are served.
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(reply_code(server.port, slow_message(210))))
    thread.start()
    time.sleep(1.0)  # the slow scan is running, well before its timeout
    for pid in scanner_pids(server):
        os.kill(pid, signal.SIGKILL)
    thread.join(60)
    assert result == [451]
    assert [reply_code(server.port, clean_message(220 + i)) for i in range(3)] == [250, 250, 250]
    assert all(arrived(sink, 220 + i) for i in range(3))
    reasons = [line["reason"] for line in log_events(server, "scanner-replaced")]
    assert reasons.count("died") >= 2


@pytest.mark.parametrize("code", [550, 452])
def test_a_recipient_the_upstream_refuses_is_refused_to_the_client(relay, code):
    server, sink = relay
    refused = f"refuse-{code}@example.org"
    seq = 300 + code
    result = send(server.port, clean_message(seq), ["jordan.lee@example.org", refused])
    assert list(result) == [refused] and result[refused][0] == code  # the client learns it, per recipient
    [message] = arrived(sink, seq)
    assert message.rcpt_tos == ["jordan.lee@example.org"]
    assert any(line.get("upstream_refused_recipients") == 1 for line in log_events(server, "message"))
    # All refused: nothing is sent, and nothing acknowledged.
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send(server.port, clean_message(seq + 1), [refused])
    assert info.value.recipients[refused][0] == code
    assert arrived(sink, seq + 1) == []


def test_long_lines_are_accepted_as_mtas_do_up_to_a_cap(relay):
    server, sink = relay
    line = b"word " * 401 + b"end"  # 2,008 characters on one line
    data = clean_message(400).replace(b"The Acme team", line)
    assert send(server.port, data) == {}
    [message] = arrived(sink, 400)
    assert line in message.content
    huge = clean_message(401).replace(b"The Acme team", b"y" * (1024 * 1024 + 10))
    with pytest.raises(smtplib.SMTPDataError) as info:
        send(server.port, huge)
    assert info.value.smtp_code == 500 and arrived(sink, 401) == []


def test_connections_over_the_cap_get_421_and_the_cap_frees_up(relay):
    server, _sink = relay
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(MAX_CONNECTIONS)]
    try:
        assert all(conn.recv(100).startswith(b"220") for conn in held)
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as extra:
            assert extra.recv(200).startswith(b"421 4.7.0")
    finally:
        for conn in held:
            conn.close()
    assert wait_until(lambda: reply_code(server.port, clean_message(500)) == 250, timeout=10)


def test_nul_or_control_characters_in_addresses_are_refused(relay):
    server, _sink = relay
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as smtp:
        smtp.ehlo()
        code, text = smtp.docmd("MAIL FROM:<shop\x00@acme.example>")
        assert code == 501 and b"NUL" in text
        assert smtp.docmd("MAIL FROM:<shop@acme.example>")[0] == 250
        code, _text = smtp.docmd("RCPT TO:<jordan\x00.lee@example.org>")
        assert code == 501


def raw_reply(sock_file) -> bytes:
    lines = []
    while (line := sock_file.readline()) and (len(line) < 4 or line[3:4] == b"-"):
        lines.append(line)
    return b"".join([*lines, line])


def test_envelope_addresses_that_are_not_utf8_or_need_smtputf8_get_a_permanent_refusal(relay):
    """Relayed, such an address failed upstream as 451: the client would have retried it for days."""
    server, _sink = relay
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        replies = sock.makefile("rb")
        raw_reply(replies)

        def say(line: bytes) -> bytes:
            sock.sendall(line + b"\r\n")
            return raw_reply(replies)

        say(b"EHLO client.example")
        assert say(b"MAIL FROM:<j\xc3\xb6rg@acme.example>").startswith(b"553 5.6.7")  # UTF-8, no SMTPUTF8
        assert say(b"MAIL FROM:<j\xf6rg@acme.example> SMTPUTF8").startswith(b"501 5.1.7")  # Latin-1: not UTF-8
        assert say(b"MAIL FROM:<j\xc3\xb6rg@acme.example> SMTPUTF8").startswith(b"250")
        assert say(b"RCPT TO:<b\xff@example.org>").startswith(b"501 5.1.3")
        assert say(b"RCPT TO:<jordan.lee@example.org>").startswith(b"250")
        assert say(b"QUIT").startswith(b"221")
    assert server.proc.poll() is None


def test_the_550_reply_carries_no_raw_value_file_name_or_address(relay):
    server, sink = relay
    message = EmailMessage()
    message["From"] = "shop@acme.example"
    message["To"] = "jordan.lee@example.org"
    message["Subject"] = "Your statement"
    message["X-Load-Seq"] = "600"
    message.set_content("Please find your statement attached.")
    message.add_attachment(
        b"Customer: Anna Smith\nSSN: 536-22-8451\n",
        maintype="text",
        subtype="plain",
        filename="anna.smith@example.org_SSN_536-22-8451.txt",
    )
    with pytest.raises(smtplib.SMTPDataError) as info:
        send(server.port, message.as_bytes().replace(b"\n", b"\r\n"))
    reply = info.value.smtp_error.decode()
    assert info.value.smtp_code == 550 and "sensitive-data" in reply and "attachment" in reply
    for raw in ("536", "8451", "anna", "smith", "example.org"):
        assert raw not in reply.lower()
    assert arrived(sink, 600) == []


def test_scanner_count_is_back_to_normal_after_the_slow_message(relay):
    server, _sink = relay
    # Extras started for slow messages stop once not needed; the killed ones are gone.
    assert wait_until(lambda: len(scanner_pids(server)) <= 2)
    assert all(not gone(pid) for pid in scanner_pids(server))
