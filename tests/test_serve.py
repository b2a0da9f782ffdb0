"""`dlp serve` as a real process between a real smtplib client and a real aiosmtpd upstream on 127.0.0.1."""

from __future__ import annotations

import smtplib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from conftest import run_dlp
from serve_harness import ServeProcess, Sink, free_port, message

from dlp.serve.config import ServeConfig
from dlp.serve.handler import DlpHandler
from dlp.serve.server import start

SURVEY_TO = [f"customer{i}@mail{i % 5}.example" for i in range(25)]


@pytest.fixture(scope="module")
def relay():
    sink = Sink().start()
    serve = ServeProcess(sink.port).wait_ready()
    yield sink, serve
    serve.stop()
    sink.stop()


def send(port: int, msg, rcpts: list[str] | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.send_message(msg, to_addrs=rcpts)


def arrived_with(sink: Sink, marker: str):
    return [r for r in sink.handler.received if marker.encode() in r.data]


def test_clean_message_is_relayed_with_same_envelope_and_verdict_header(relay) -> None:
    sink, serve = relay
    msg = message("Your October newsletter", ["anna@client.example"], "Hello Anna,\n\nOur autumn offers are here.\n")
    msg["Message-ID"] = "<clean-1@acme.example>"
    send(serve.port, msg, ["anna@client.example", "archive@acme.example"])
    [got] = arrived_with(sink, "clean-1@acme.example")
    assert got.mail_from == "news@acme.example"
    assert got.rcpt_tos == ["anna@client.example", "archive@acme.example"]
    relayed = message_from_bytes(got.data, policy=default_policy)
    assert relayed["X-DLP-Verdict"] == "pass"
    assert "autumn offers" in relayed.get_content()


def test_leaking_message_gets_550_names_the_rule_and_never_arrives(relay) -> None:
    sink, serve = relay
    msg = message("Quick survey", SURVEY_TO, "Tell us how we did.\n")
    msg["Message-ID"] = "<leak-1@acme.example>"
    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(serve.port, msg)
    reply = caught.value.smtp_error.decode()
    assert caught.value.smtp_code == 550 and reply.startswith("5.7.1")
    assert "exposed-recipients" in reply
    assert not any(address in reply for address in SURVEY_TO)
    assert arrived_with(sink, "leak-1@acme.example") == []
    log_text = " ".join(str(line) for line in serve.lines)
    assert not any(address in log_text for address in SURVEY_TO)
    rejected = [line for line in serve.message_logs() if line["action"] == "rejected"]
    assert rejected and rejected[-1]["rules"] == ["exposed-recipients"] and rejected[-1]["smtp_code"] == 550


def test_envelope_many_rcpts_with_undisclosed_to_is_fine(relay) -> None:
    sink, serve = relay
    msg = message("Quick survey", ["survey@acme.example"], "Tell us how we did.\n")
    msg["Message-ID"] = "<bcc-1@acme.example>"
    send(serve.port, msg, SURVEY_TO)
    [got] = arrived_with(sink, "bcc-1@acme.example")
    assert sorted(got.rcpt_tos) == sorted(SURVEY_TO)


def test_warn_is_relayed_and_labelled(relay) -> None:
    sink, serve = relay
    body = "Hi Tom,\n\nThe parcel goes to 742 Evergreen Terrace, Springfield, IL 62704 tomorrow.\n"
    msg = message("Your delivery", ["tom@client.example"], body)
    msg["Message-ID"] = "<warn-1@acme.example>"
    send(serve.port, msg)
    [got] = arrived_with(sink, "warn-1@acme.example")
    header = message_from_bytes(got.data, policy=default_policy)["X-DLP-Verdict"]
    assert header.startswith("warn") and "personal-data" in header


def test_upstream_down_or_deferring_gives_451_and_retry_delivers_once(relay) -> None:
    sink, serve = relay
    msg = message("Invoice ready", ["bob@client.example"], "Your invoice is ready in your account.\n")
    msg["Message-ID"] = "<retry-1@acme.example>"
    sink.stop()
    try:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            send(serve.port, msg)
        assert caught.value.smtp_code == 451
    finally:
        sink.start()
    send(serve.port, msg)  # the client's retry
    assert len(arrived_with(sink, "retry-1@acme.example")) == 1

    sink.handler.defer.add("busy@client.example")
    msg.replace_header("Message-ID", "<retry-2@acme.example>")
    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(serve.port, msg, ["busy@client.example"])
    assert caught.value.smtp_code == 451
    sink.handler.refuse.add("gone@client.example")
    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(serve.port, msg, ["gone@client.example"])
    assert caught.value.smtp_code == 550 and b"no such user" in caught.value.smtp_error
    assert arrived_with(sink, "retry-2@acme.example") == []


def test_concurrent_load_delivers_every_clean_message_exactly_once(relay) -> None:
    sink, serve = relay
    count = 60

    def one(i: int) -> None:
        msg = message(f"Order {i} shipped", [f"buyer{i}@client.example"], f"Hello,\n\nOrder {i} is on its way.\n")
        msg["Message-ID"] = f"<load-{i}@acme.example>"
        send(serve.port, msg)

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(one, range(count)))
    ids = Counter()
    for received in sink.handler.received:
        relayed = message_from_bytes(received.data, policy=default_policy)
        if str(relayed["Message-ID"]).startswith("<load-"):
            ids[str(relayed["Message-ID"])] += 1
    assert len(ids) == count and set(ids.values()) == {1}


@pytest.mark.parametrize("fail_open", [False, True])
def test_a_scan_that_fails_is_451_unless_fail_open(fail_open: bool) -> None:
    sink = Sink().start()

    def broken_scan(msg, mail_from, rcpt_tos):
        raise RuntimeError("detector crashed")

    handler = DlpHandler(ServeConfig(relay_port=sink.port, fail_open=fail_open), broken_scan)
    controller = start(ServeConfig(listen_port=free_port()), handler)
    try:
        msg = message("Hello", ["anna@client.example"], "Hi Anna\n")
        if fail_open:
            send(controller.port, msg)
            [got] = sink.handler.received
            assert b"X-DLP-Verdict: unscanned" in got.data
        else:
            with pytest.raises(smtplib.SMTPDataError) as caught:
                send(controller.port, msg)
            assert caught.value.smtp_code == 451
            assert sink.handler.received == []
    finally:
        controller.stop()
        handler.close()
        sink.stop()


def test_serve_usage_errors_exit_2_with_one_line(relay) -> None:
    _sink, serve = relay
    run = run_dlp("serve")
    assert run.code == 2 and "--relay HOST:PORT" in run.stderr and "Traceback" not in run.stderr
    run = run_dlp("serve", "--relay", "127.0.0.1:x")
    assert run.code == 2 and "port" in run.stderr
    run = run_dlp("serve", "--listen", f"127.0.0.1:{serve.port}", "--relay", "127.0.0.1:25")
    assert run.code == 2 and "cannot listen" in run.stderr and "Traceback" not in run.stderr
