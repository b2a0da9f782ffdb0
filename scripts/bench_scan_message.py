"""Per-message cost of the Python API / `dlp serve` path: `dlp.scan_message` on one small message, many times.

    .venv/bin/python scripts/bench_scan_message.py [calls] [message.eml]

The first call (rules read, spaCy loaded) is excluded; the rest are timed one by one.
"""

from __future__ import annotations

import statistics
import sys
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from dlp.api import scan_message


def small_message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "care@acme-bank.example"
    msg["To"] = "anna.meyer@example.org"
    msg["Subject"] = "Your statement"
    msg.set_content("Hello Anna,\n\nyour statement for March is ready in the app.\n\nKind regards,\nAcme Bank\n")
    return msg


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    given = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    msg = BytesParser(policy=policy.default).parsebytes(given.read_bytes()) if given else small_message()
    scan_message(msg)  # warm: rules, spaCy, caches
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        scan_message(msg)
        times.append(time.perf_counter() - started)
    print(
        f"{calls} calls: median {statistics.median(times) * 1000:.1f} ms, mean {statistics.mean(times) * 1000:.1f} ms, "
        f"p90 {sorted(times)[int(calls * 0.9)] * 1000:.1f} ms per message"
    )


if __name__ == "__main__":
    main()
