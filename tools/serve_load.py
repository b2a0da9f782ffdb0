"""A bounded load run against a real `dlp serve` process and a real upstream sink, all on 127.0.0.1.

`python tools/serve_load.py --messages 500 --connections 10` (or `make serve-load`) starts an aiosmtpd
sink as the upstream and `dlp serve` as a subprocess, sends clean and leaking messages over concurrent
SMTP connections and checks the contract: every clean message arrives exactly once with its verdict
header, no leaking one arrives, every client got 250 or 550. The sink, the
server process and the messages live in tests/support/smtp.py: the tests use the same pieces, smaller.
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from tests.support.smtp import Sink, clean_message, leaking_message, start_serve


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
