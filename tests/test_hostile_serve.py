"""Clients that hold `dlp serve` connections without sending mail: silent, slowloris (one byte at a time,
never a whole command), a DATA phase that never ends, and enough of them to fill the connection cap.

Each must end in a 421 the client can read and a log line, within the configured deadline, and a real
client must still get its mail through. One real server with short deadlines serves every test.
"""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.smtp import ServeProcess, Sink, clean_message, start_serve

IDLE = 3.0  # --idle-timeout: the cap makes room after IDLE / 30 s of silence
DATA = 4.0  # --data-timeout
MAX_CONNECTIONS = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, Sink]]:
    directory = tmp_path_factory.mktemp("serve-hostile")
    sink = Sink().start()
    served = start_serve(
        sink.port,
        directory / "serve.log",
        *("--idle-timeout", str(IDLE), "--data-timeout", str(DATA)),
        *("--max-connections", str(MAX_CONNECTIONS), "--workers", "1"),
    )
    yield served, sink
    served.stop()
    sink.stop()


def connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)
    assert reply(conn).startswith(b"220")
    return conn


def last_reply(conn: socket.socket) -> tuple[bytes, float]:
    """Everything the server says until it hangs up, and when it hung up."""
    received = b""
    while chunk := conn.recv(4096):
        received += chunk
    return received, time.monotonic()


def dribble(conn: socket.socket, data: bytes, every: float) -> None:
    """One byte at a time, until the server hangs up (then stop)."""
    for byte in data:
        try:
            conn.sendall(bytes([byte]))
        except OSError:
            return
        time.sleep(every)


def reply(conn: socket.socket) -> bytes:
    """One whole SMTP reply (a multi-line one ends with a line whose code is followed by a space)."""
    received = b""
    while not any(line[3:4] == b" " for line in received.split(b"\r\n")):
        chunk = conn.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def start_data(conn: socket.socket) -> None:
    for command in (b"EHLO slow.example.org", b"MAIL FROM:<shop@acme.example>", b"RCPT TO:<jo@example.org>"):
        conn.sendall(command + b"\r\n")
        assert reply(conn)[:1] == b"2"
    conn.sendall(b"DATA\r\n")
    assert reply(conn).startswith(b"354")


def events(server: ServeProcess, event: str) -> list[dict]:
    return [line for line in server.log_lines() if line.get("event") == event]


def test_a_silent_client_gets_421_at_the_idle_timeout_and_a_log_line(server):
    served, _sink = server
    started = time.monotonic()
    with connect(served.port) as conn:
        reply, ended = last_reply(conn)
    assert reply.startswith(b"421 4.4.2") and b"timeout" in reply
    assert IDLE - 0.5 <= ended - started <= IDLE + 5
    assert any(e["phase"] == "command" and e["level"] == "warning" for e in events(served, "timeout"))


def test_a_slowloris_command_is_closed_at_the_idle_timeout_not_kept_alive_by_its_bytes(server):
    served, _sink = server
    started = time.monotonic()
    with connect(served.port) as conn:
        dribble(conn, b"EHLO slow.example.org" * 10, every=0.25)  # a byte every 0.25 s, never a line end
        reply, ended = last_reply(conn)
    assert b"421 4.4.2" in reply and ended - started <= IDLE + 5


def test_a_message_dribbled_after_354_is_closed_at_the_data_timeout_and_never_relayed(server):
    served, sink = server
    with connect(served.port) as conn:
        start_data(conn)
        started = time.monotonic()
        message = clean_message(900)
        for line in message.split(b"\r\n")[:-1]:  # each line whole, but slower than the data deadline allows
            try:
                conn.sendall(line + b"\r\n")
            except OSError:
                break
            time.sleep(0.4)
        reply, ended = last_reply(conn)
    assert b"421 4.4.2" in reply and b"receiving the message" in reply
    assert ended - started <= DATA + 5
    assert any(e["phase"] == "data" for e in events(served, "timeout"))
    assert sink.seqs()[900] == 0


def test_idle_connections_at_the_cap_make_room_for_a_real_client(server):
    """Slowloris fills the cap with connections that never finish a command: the next client must not be
    refused for as long as they care to hold them. The longest idle one gets 421 and the client is served."""
    served, sink = server
    held = [connect(served.port) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(IDLE / 30 + 0.3)
        with smtplib.SMTP("127.0.0.1", served.port, timeout=60) as smtp:
            assert smtp.sendmail("shop@acme.example", ["jordan.lee@example.org"], clean_message(901)) == {}
        assert sink.seqs()[901] == 1
        evicted = events(served, "evicted")
        assert evicted and evicted[-1]["level"] == "warning"
        assert last_reply(held[0])[0].startswith(b"421 4.7.0")  # the oldest idle one made room
    finally:
        for conn in held:
            conn.close()


def test_busy_clients_at_the_cap_refuse_the_next_one_with_421_and_a_log_line(server):
    served, _sink = server
    held = [connect(served.port) for _ in range(MAX_CONNECTIONS)]
    try:
        for conn in held:  # each is sending a message: none is idle, none is closed for the newcomer
            start_data(conn)
        with socket.create_connection(("127.0.0.1", served.port), timeout=30) as extra:
            assert extra.recv(200).startswith(b"421 4.7.0")
        refused = events(served, "refused")
        assert refused and refused[-1]["reason"] == "max-connections"
    finally:
        for conn in held:
            conn.close()
