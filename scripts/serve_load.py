"""Load run for `dlp serve`: N messages over C concurrent SMTP connections through a real relay.

    python scripts/serve_load.py [--messages 500] [--connections 10]

Starts an aiosmtpd sink as the upstream and `dlp serve` as a process, sends personalised clean
messages (plus every 25th one leaking a date of birth, which must be refused), then checks every clean
message arrived exactly once and prints throughput.
"""

from __future__ import annotations

import argparse
import smtplib
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from serve_harness import ServeProcess, Sink, message  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args()
    sink = Sink().start()
    serve = ServeProcess(sink.port).wait_ready()
    refused: list[int] = []

    def one(i: int) -> None:
        leak = i % 25 == 0
        body = f"Hello customer {i},\n\nYour order {100000 + i} has shipped and arrives on Friday.\n"
        if leak:
            body += "For verification: date of birth 14/03/1986.\n"
        msg = message(f"Order {100000 + i} shipped", [f"buyer{i}@client{i % 7}.example"], body)
        msg["Message-ID"] = f"<load-{i}@acme.example>"
        try:
            with smtplib.SMTP("127.0.0.1", serve.port, timeout=120) as client:
                client.send_message(msg)
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code == 550 and leak:
                refused.append(i)
            else:
                raise

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.connections) as pool:
        list(pool.map(one, range(args.messages)))
    seconds = time.perf_counter() - started
    serve.stop()
    sink.stop()
    ids = Counter(str(message_from_bytes(r.data, policy=default_policy)["Message-ID"]) for r in sink.handler.received)
    expected_clean = {f"<load-{i}@acme.example>" for i in range(args.messages) if i % 25}
    ok = set(ids) == expected_clean and set(ids.values()) == {1} and len(refused) == args.messages - len(expected_clean)
    scan_ms = sorted(line["scan_ms"] for line in serve.message_logs())
    print(
        f"dlp serve load: {args.messages} messages over {args.connections} connections in {seconds:.1f}s = "
        f"{args.messages / seconds:.1f} msg/s; delivered {len(ids)} (each once: {set(ids.values()) == {1}}), "
        f"refused {len(refused)} leaking; scan p50 {scan_ms[len(scan_ms) // 2]} ms, "
        f"p95 {scan_ms[int(len(scan_ms) * 0.95)]} ms; {'OK' if ok else 'MISMATCH'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
