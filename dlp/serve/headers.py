"""The X-DLP-Verdict header: added to every relayed message, and never trusted from the sender.

The message is otherwise relayed byte for byte (signatures stay valid); a verdict header the client
put there itself is removed, so downstream filters cannot be fooled by a forged "pass".
"""

from __future__ import annotations

import re

HEADER = b"X-DLP-Verdict"
_SEPARATOR = re.compile(rb"\r?\n\r?\n")


def verdict_value(verdict: str, rules: tuple[str, ...]) -> str:
    return f"{verdict}; rules={','.join(rules)}" if rules else verdict


def with_verdict_header(data: bytes, value: str) -> bytes:
    match = _SEPARATOR.search(data)
    head, rest = (data[: match.start()], data[match.start() :]) if match else (data, b"")
    eol = b"\r\n" if b"\r\n" in data[:2000] or not data else b"\n"
    kept: list[bytes] = []
    dropping = False
    for line in head.splitlines():
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = line.split(b":", 1)[0].strip().lower() == HEADER.lower()
        if not dropping:
            kept.append(line)
    new_head = eol.join([HEADER + b": " + value.encode("ascii", "replace"), *kept])
    return new_head + rest
