"""`dlp serve` as a user runs it: a real server process, a real aiosmtpd upstream, real SMTP clients."""

from __future__ import annotations

import os
import smtplib
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import run_dlp_process
from tests.support.smtp import (
    ServeProcess,
    Sink,
    clean_message,
    launch_serve,
    leaking_message,
    start_serve,
    wait_listening,
)
from tools.serve_load import check_delivery, run_load

RAW_VALUES = ("536-22-8451", "4111 1111 1111 1111", "jordan.lee@example.org")


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, Sink]]:
    sink = Sink().start()
    server = start_serve(sink.port, tmp_path_factory.mktemp("serve") / "serve.log")
    yield server, sink
    server.stop()
    sink.stop()


def send(port: int, data: bytes, rcpt: list[str] | None = None, sender: str = "shop@acme.example") -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        return smtp.sendmail(sender, rcpt or ["jordan.lee@example.org"], data)


def smtp_error(port: int, data: bytes, rcpt: list[str] | None = None) -> smtplib.SMTPResponseException:
    with pytest.raises(smtplib.SMTPResponseException) as info:
        send(port, data, rcpt)
    return info.value


def arrived(sink: Sink, seq: int) -> list:
    with sink.lock:
        return [m for m in sink.messages if m.headers["X-Load-Seq"] == str(seq)]


def wait_for_log(server: ServeProcess, predicate, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.log_lines():
            if predicate(line):
                return line
        time.sleep(0.05)
    raise AssertionError("no matching log line")


def test_clean_message_is_relayed_with_its_verdict_header_and_envelope(relay):
    server, sink = relay
    data = clean_message(1001)
    assert send(server.port, data) == {}
    [message] = arrived(sink, 1001)
    assert message.headers["X-DLP-Verdict"] == "pass"
    assert message.mail_from == "shop@acme.example"
    assert message.rcpt_tos == ["jordan.lee@example.org"]
    assert message.content.endswith(data.split(b"\r\n\r\n", 1)[1])  # the body is relayed byte for byte
    line = wait_for_log(server, lambda x: x.get("action") == "relayed" and x.get("size") == len(data))
    assert line["verdict"] == "pass" and line["reply_code"] == 250 and line["upstream_code"] == 250
    assert line["recipients"] == 1 and len(line["id"]) == 12
    # The whole transaction took at least the scan and the relay it waited for (each rounded to 0.1 ms).
    assert line["scan_ms"] > 0 and line["relay_ms"] > 0
    assert line["total_ms"] >= line["scan_ms"] + line["relay_ms"] - 0.2


def test_leaking_message_gets_550_with_rule_ids_and_never_arrives(relay):
    server, sink = relay
    error = smtp_error(server.port, leaking_message(1002))
    reply = error.smtp_error.decode()
    assert error.smtp_code == 550
    assert reply.startswith("5.7.1") and "sensitive-data" in reply
    assert not any(value in reply for value in RAW_VALUES)
    assert arrived(sink, 1002) == []
    line = wait_for_log(server, lambda x: x.get("action") == "rejected")
    assert line["verdict"] == "block" and "sensitive-data" in line["rules"] and line["reply_code"] == 550


def test_warning_is_relayed_and_says_so_in_the_header(relay):
    server, sink = relay
    data = clean_message(1003).replace(b"The Acme team", b"Questions? Call Maria Keller on +1 415 555 0187.")
    send(server.port, data)
    [message] = arrived(sink, 1003)
    assert (
        message.headers["X-DLP-Verdict"].startswith("warn; rules=")
        and "personal-data" in message.headers["X-DLP-Verdict"]
    )


def test_a_forged_verdict_header_from_the_client_is_replaced(relay):
    server, sink = relay
    forged = leaking_message(1004).replace(b"Subject:", b"X-DLP-Verdict: pass\r\n  (forged)\r\nSubject:")
    assert smtp_error(server.port, forged).smtp_code == 550
    clean = clean_message(1005).replace(b"Subject:", b"x-dlp-verdict: trusted\r\nSubject:")
    send(server.port, clean)
    [message] = arrived(sink, 1005)
    assert message.headers.get_all("X-DLP-Verdict") == ["pass"]
    assert b"forged" not in message.content and b"trusted" not in message.content


def test_many_smtp_recipients_all_shown_in_to_are_exposed_but_undisclosed_to_is_fine(relay):
    server, sink = relay
    people = [f"person{i}@example.net" for i in range(12)]
    shown = clean_message(1006).replace(b"To: jordan.lee@example.org", b"To: " + ", ".join(people).encode())
    error = smtp_error(server.port, shown, people)
    assert error.smtp_code == 550 and "exposed-recipients" in error.smtp_error.decode()
    assert arrived(sink, 1006) == []
    hidden = clean_message(1007).replace(b"To: jordan.lee@example.org", b"To: undisclosed-recipients:;")
    assert send(server.port, hidden, people) == {}
    [message] = arrived(sink, 1007)
    assert message.rcpt_tos == people  # every recipient gets it, once, in one upstream transaction


def test_upstream_refusals_down_temporary_and_permanent(relay):
    server, sink = relay
    sink.reply = "452 4.2.2 mailbox full"
    try:
        error = smtp_error(server.port, clean_message(1008))
        assert error.smtp_code == 451
        sink.reply = "554 5.1.1 no such mailbox here"
        error = smtp_error(server.port, clean_message(1008))
        assert error.smtp_code == 554 and b"5.1.1 no such mailbox here" in error.smtp_error
    finally:
        sink.reply = "250 2.0.0 stored"
    sink.stop()
    try:
        error = smtp_error(server.port, clean_message(1008))
        assert error.smtp_code == 451 and b"upstream unavailable" in error.smtp_error
    finally:
        sink.start()
    # The refused attempts were never acknowledged, so the client's retry is the only copy delivered.
    send(server.port, clean_message(1008))
    assert len(arrived(sink, 1008)) == 1


def test_log_lines_never_carry_raw_values_or_addresses(relay):
    server, _sink = relay
    smtp_error(server.port, leaking_message(1009))
    wait_for_log(server, lambda x: x.get("action") == "rejected")
    text = server.log_path.read_text(encoding="utf-8")
    assert not any(value in text for value in RAW_VALUES)
    assert "shop@acme.example" not in text and "Subject" not in text


def test_load_run_delivers_every_clean_message_exactly_once(relay):
    server, sink = relay
    result = run_load(server.port, messages=100, connections=10)
    assert check_delivery(result, sink) == []
    print(
        f"\nserve load: {result.sent} messages over 10 connections in {result.seconds:.1f}s = {result.per_second:.1f}/s"
    )


def test_scan_failure_fails_closed_by_default_and_open_only_when_asked(tmp_path: Path):
    sink = Sink().start()
    closed_proc = launch_serve(sink.port, tmp_path / "closed.log", "--scan-timeout", "0.001")
    opened_proc = launch_serve(sink.port, tmp_path / "open.log", "--scan-timeout", "0.001", "--fail-open")
    closed = wait_listening(closed_proc, tmp_path / "closed.log")
    opened = wait_listening(opened_proc, tmp_path / "open.log")
    try:
        error = smtp_error(closed.port, clean_message(2001))
        assert error.smtp_code == 451 and b"could not scan" in error.smtp_error
        assert sink.messages == []
        send(opened.port, clean_message(2002))
        [message] = arrived(sink, 2002)
        assert message.headers["X-DLP-Verdict"].startswith("unscanned")
        loud = wait_for_log(opened, lambda x: x.get("event") == "fail-open")
        assert loud["level"] == "error" and "UNSCANNED" in loud["msg"]
    finally:
        closed.stop()
        opened.stop()
        sink.stop()


def test_bad_options_exit_2_without_a_traceback(tmp_path: Path):
    # The real executable: were the options accepted by mistake, a server would start (and end with the process).
    run = run_dlp_process("serve", "--relay", "127.0.0.1:25", "--listen", "localhost:smtp")
    assert run.code == 2 and "--listen" in run.stderr and "Traceback" not in run.stderr
    bad_rules = tmp_path / "bad.yaml"
    bad_rules.write_text("rules:\n  - id: exposed-recipients\n    parameters: {block_at: many}\n", encoding="utf-8")
    run = run_dlp_process("serve", "--relay", "127.0.0.1:25", "--rules", str(bad_rules), timeout=120)
    assert run.code == 2 and "bad.yaml" in run.stderr and "Traceback" not in run.stderr


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_upstream_starttls_and_auth(tmp_path: Path):
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    accepted = {"password": b"s3cret"}

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data == (b"mailer", accepted["password"])
        # handled=False: aiosmtpd itself answers 535 to a refusal.
        return AuthResult(success=True, auth_data=auth_data.login) if ok else AuthResult(success=False, handled=False)

    sink = Sink(
        options={
            "tls_context": context,
            "require_starttls": True,
            "authenticator": authenticator,
            "auth_required": True,
        }
    ).start()
    log = tmp_path / "serve.log"
    os.environ["DLP_RELAY_PASSWORD"] = "s3cret"  # read by the server process, never on its command line
    try:
        server = start_serve(
            sink.port, log, "--relay-tls", "starttls", "--relay-cafile", str(cert), "--relay-user", "mailer"
        )
    finally:
        del os.environ["DLP_RELAY_PASSWORD"]
    try:
        send(server.port, clean_message(3001))
        [message] = arrived(sink, 3001)
        assert message.tls and message.login == "mailer"
        accepted["password"] = b"rotated"  # the upstream now refuses our credentials: keep the message
        error = smtp_error(server.port, clean_message(3002))
        assert error.smtp_code == 451 and b"authenticate" in error.smtp_error
        assert arrived(sink, 3002) == []
    finally:
        server.stop()
        sink.stop()
    assert "s3cret" not in log.read_text(encoding="utf-8")
