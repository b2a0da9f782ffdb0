"""`dlp check`, the `dlp.scan_message` API and the pre-send examples, run as a mailer or a script would."""

from __future__ import annotations

import email
import os
import runpy
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

import dlp
from tests.conftest import ROOT, run_dlp
from tests.support.smtp import Sink, clean_message, leaking_message

PRE_SEND = ROOT / "examples" / "pre-send"
PEOPLE = [f"person{i}@example.net" for i in range(12)]


def test_check_reads_stdin_and_reports_leaks_and_envelope_exposure_redacted():
    """One process, two problems: a card number in the body and 12 SMTP recipients all shown in To."""
    shown = leaking_message(2).replace(b"To: jordan.lee@example.org", b"To: " + ", ".join(PEOPLE).encode())
    args = [arg for person in PEOPLE for arg in ("--envelope-to", person)]
    run = run_dlp("check", "-", "--format", "json", *args, input=shown)
    assert run.code == 1, run.stderr
    report = run.json
    assert report["verdict"] == "block" and report["source"] == "<stdin>"
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert set(by_rule) == {"sensitive-data", "exposed-recipients"}
    details = by_rule["exposed-recipients"]["details"]
    assert details["envelope_recipients"] == 12 and details["envelope_recipients_visible"] == 12
    for raw in ("536-22-8451", "4111 1111 1111 1111", "person3@example.net"):
        assert raw not in run.stdout


def test_check_bad_input_exits_2_naming_the_file(tmp_path: Path):
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"this is not a mail message at all\nno headers here\n")
    run = run_dlp("check", str(garbage))
    assert run.code == 2 and "garbage.bin:1" in run.stderr and "not an RFC 5322 message" in run.stderr
    assert "Traceback" not in run.stderr
    run = run_dlp("check", str(tmp_path / "missing.eml"))
    assert run.code == 2 and "missing.eml" in run.stderr and "Traceback" not in run.stderr


def _message(body: str, to: str = "jordan.lee@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Acme <shop@acme.example>"
    msg["To"] = to
    msg["Subject"] = "Your order"
    msg.set_content(body)
    return msg


def test_api_scan_message_passes_clean_and_blocks_a_leak():
    assert dlp.scan_message(_message("Your order has shipped.\n\nThe Acme team\n")).verdict.value == "pass"
    report = dlp.scan_message(_message("Card on file: 4111 1111 1111 1111\n"))
    assert report.verdict.value == "block" and report.rule_ids == ["sensitive-data"]
    # A compat32 message, as Django's EmailMessage.message() returns, is scanned the same way.
    legacy = email.message_from_bytes(leaking_message(4))
    assert dlp.scan_message(legacy).verdict.value == "block"


def test_api_envelope_and_internal_domains():
    shown = _message("Team update.\n", to=", ".join(PEOPLE))
    report = dlp.scan_message(shown, envelope_to=PEOPLE)
    assert report.verdict.value == "block" and report.rule_ids == ["exposed-recipients"]
    assert dlp.scan_message(shown, internal_domains=["example.net"]).verdict.value == "pass"
    hidden = _message("Team update.\n", to="undisclosed-recipients:;")
    assert dlp.scan_message(hidden, envelope_to=PEOPLE).verdict.value == "pass"


def test_example_script_sends_only_what_passes(monkeypatch, capsys):
    """The example runs as written (in this process, where the model is already loaded)."""
    sink = Sink().start()
    script = str(PRE_SEND / "scan_before_send.py")
    try:
        monkeypatch.setattr(sys, "argv", [script, "--smtp", f"127.0.0.1:{sink.port}", "--leak"])
        with pytest.raises(SystemExit) as leak:
            runpy.run_path(script, run_name="__main__")
        out = capsys.readouterr().out
        assert leak.value.code == 1 and "not sent" in out and "4111 1111 1111 1111" not in out
        assert sink.messages == []
        monkeypatch.setattr(sys, "argv", [script, "--smtp", f"127.0.0.1:{sink.port}"])
        with pytest.raises(SystemExit) as clean:
            runpy.run_path(script, run_name="__main__")
        assert clean.value.code == 0 and "sent via" in capsys.readouterr().out
        [message] = sink.messages
        assert message.headers["Subject"] == "Your invoice is ready"
    finally:
        sink.stop()


def test_sendmail_filter_hands_over_only_what_passes(tmp_path: Path):
    delivered = tmp_path / "delivered.eml"
    fake_sendmail = tmp_path / "sendmail"
    fake_sendmail.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\ncat > {delivered}\n', encoding="utf-8")
    fake_sendmail.chmod(0o755)
    env = {**os.environ, "SENDMAIL": str(fake_sendmail), "DLP": str(Path(sys.executable).parent / "dlp")}
    wrapper = [str(PRE_SEND / "dlp-sendmail"), "-t", "-i"]
    leak = subprocess.run(wrapper, input=leaking_message(5), capture_output=True, env=env, timeout=120)
    assert leak.returncode == 77 and b"NOT sent" in leak.stderr
    assert not delivered.exists()
    clean = subprocess.run(wrapper, input=clean_message(6), capture_output=True, env=env, timeout=120)
    assert clean.returncode == 0, clean.stderr
    assert delivered.read_bytes() == clean_message(6)
    assert (tmp_path / "args").read_text().split() == ["-t", "-i"]
    assert clean.stdout == b""  # the report went to stderr; stdout is left to the mailer


def test_the_api_keeps_a_bounded_number_of_scanners() -> None:
    """A web app scanning for many tenants (each with its internal domains) or editing its rules file keeps
    at most MAX_SCANNERS compiled scanners alive, the most recently used; a repeat call reuses its own."""
    from dlp import api

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "care@acme.example", "ann@example.org", "Hello"
    msg.set_content("Hello Ann, your order has shipped.\n")
    for tenant in range(api.MAX_SCANNERS + 3):
        api.scan_message(msg, internal_domains=[f"tenant{tenant}.example"])
        assert len(api._SCANNERS) <= api.MAX_SCANNERS
    latest = api._scanner_for((), ["tenant10.example"])
    assert api._scanner_for((), ["tenant10.example"]) is latest
    assert not any(key[2] == ("tenant0.example",) for key in api._SCANNERS)  # the oldest went first
