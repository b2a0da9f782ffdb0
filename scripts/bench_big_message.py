"""Time and peak memory of `dlp check` on one big received message, by size (issue 13, item 5).

    python scripts/bench_big_message.py                       # bug reports of 0.25-4 MB, a 1 MB letter
    python scripts/bench_big_message.py --log-mb 1 --prose-mb 0
    python scripts/bench_big_message.py --eml /path/to/message.eml

Each run is a fresh `dlp check` process (model load included, as a user pays it); user+system CPU and
peak RSS come from the kernel's accounting of that child (`getrusage(RUSAGE_CHILDREN)` deltas, `ru_maxrss`
of the child alone through `/usr/bin/time`-style wait4). The messages come from `tests/support/biglog.py`:
every line different, so the segment cache cannot flatter the numbers. Cost should grow linearly with
size; docs/performance.md keeps the measured table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for tests/support

from tests.support.biglog import bug_report, long_letter

MB = 1_000_000


def run_check(path: Path, workers: str) -> tuple[int, float, float, int]:
    """(exit code, CPU seconds of the child, wall seconds, peak RSS in MB) of `dlp check PATH`."""
    env = {**os.environ, "DLP_WORKERS": workers}
    env.setdefault("DLP_FINGERPRINT_KEY", "dlp-bench-key-not-secret")
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlp", "check", str(path), "--quiet"], env=env, stdout=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss // 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-mb", type=float, nargs="*", default=[0.25, 0.5, 1, 2, 4])
    parser.add_argument("--prose-mb", type=float, nargs="*", default=[1])
    parser.add_argument("--eml", type=Path, nargs="*", default=[], help="also measure these message files")
    parser.add_argument("--workers", default="0", help="DLP_WORKERS for the child (default 0: one process)")
    args = parser.parse_args(argv)
    with open("/proc/loadavg", encoding="ascii") as load:
        print(f"load average at start: {load.read().split()[0]}")
    print(f"{'message':34} {'MB':>6} {'exit':>4} {'CPU s':>7} {'wall s':>7} {'peak MB':>8} {'CPU s/MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        cases: list[tuple[str, Path]] = []
        for size in args.log_mb:
            path = Path(tmp) / f"log-{size}.eml"
            path.write_bytes(bug_report(int(size * MB)))
            cases.append((f"bug report, {size:g} MB of log", path))
        for size in args.prose_mb:
            path = Path(tmp) / f"prose-{size}.eml"
            path.write_bytes(long_letter(int(size * MB)))
            cases.append((f"letter, {size:g} MB of prose", path))
        cases.extend((path.name, path) for path in args.eml)
        for label, path in cases:
            megabytes = path.stat().st_size / MB
            code, cpu, wall, peak = run_check(path, args.workers)
            print(f"{label:34} {megabytes:6.2f} {code:4d} {cpu:7.1f} {wall:7.1f} {peak:8d} {cpu / megabytes:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
