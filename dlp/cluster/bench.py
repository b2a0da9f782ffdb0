"""`make bench-cluster`: one process vs a local Dask cluster, on a generated audit and preflight.

For an archive of N messages (`dlp.cluster.samples.make_archive`) and a campaign of M recipients
(`make_campaign`), runs the real `dlp audit` / `dlp preflight` command
  - in one process (DLP_WORKERS=0: no analysis pool),
  - on one machine as shipped (the default analysis pool, one worker process per core),
  - with `--scheduler` on a LocalCluster of W worker processes (1 thread each) started here and warmed up
    (each worker loaded spaCy before the clock starts: a real cluster's workers are long-lived),
and prints messages/second for each, whether the reports are the same (fingerprints and counts), and the
scheduler's cost per partition: a round trip of an empty partition task, and the cluster run's wall time
not spent in partition work.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from dlp.cluster.samples import make_archive, make_campaign


def _run(args: list[str], env: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "dlp", *args, "--format", "json"],
        capture_output=True,
        env={**os.environ, **env},
        timeout=24 * 3600,
    )
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"dlp {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return seconds, json.loads(proc.stdout)


def _findings(report: dict) -> Counter:
    return Counter((f["rule"], f["fingerprint"], f["count"]) for f in report["findings"])


def _noop(job_sealed, part_sealed, number):
    from dlp.cluster.tasks import PartialScan, Sealed

    return Sealed(PartialScan())


def overhead_per_partition(address: str, tasks: int) -> float:
    """Seconds per empty partition through the same submit/collect path as a scan (scheduler round trips)."""
    from distributed import Client

    from dlp.checks import load_ruleset
    from dlp.cluster.run import RunBooks, Runner
    from dlp.cluster.tasks import Job

    with Client(address, set_as_default=False) as client:
        job = Job(f"noop{time.monotonic_ns()}", load_ruleset([]), "bench", set(), b"k" * 32, {})
        runner = Runner(client, job, _noop, None, RunBooks(address))
        started = time.perf_counter()
        for _ in runner.run((n, "noop", None, ()) for n in range(tasks)):
            pass
        return (time.perf_counter() - started) / tasks


def _warm(address: str) -> float:
    from distributed import Client

    started = time.perf_counter()
    with Client(address, set_as_default=False) as client:
        client.run(_load_model)
    return time.perf_counter() - started


def _load_model() -> None:
    from dlp.detect.engine import get_detector

    get_detector().analyze("Dear Anna Rossi, call +1 415 555 0100.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000, help="messages in the audited archive")
    parser.add_argument("--recipients", type=int, default=200_000, help="rows of the preflighted campaign")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster")
    parser.add_argument("--skip-default", action="store_true", help="do not time the one-machine default")
    args = parser.parse_args(argv)
    from distributed import LocalCluster

    os.environ.setdefault("DLP_FINGERPRINT_KEY", "bench-key-not-secret-0123456789")
    with tempfile.TemporaryDirectory(prefix="dlp-bench-cluster-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        archive = make_archive(root / "archive", args.messages)
        campaign = make_campaign(root / "campaign", args.recipients)
        print(
            f"generated {args.messages:,} messages and {args.recipients:,} recipients in "
            f"{time.perf_counter() - started:.1f} s ({root})"
        )
        jobs = [("audit", ["audit", str(archive)], args.messages), ("preflight", ["preflight", str(campaign)], None)]
        modes: list[tuple[str, dict[str, str]]] = [("one process (DLP_WORKERS=0)", {"DLP_WORKERS": "0"})]
        if not args.skip_default:
            modes.append((f"one machine, default pool ({os.cpu_count()} workers)", {}))
        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster:
            address = cluster.scheduler_address
            print(f"local cluster {address}: {args.workers} workers, spaCy loaded in {_warm(address):.1f} s")
            modes.append((f"local cluster, {args.workers} workers", {"DLP_SCHEDULER": address}))
            for name, command, _n in jobs:
                reports = []
                for label, env in modes:
                    seconds, report = _run(command, env)
                    messages = report["summary"]["messages"]
                    reports.append(report)
                    extra = ""
                    section = report.get("sections", {}).get("cluster")
                    if section:
                        rows = dict((row[0], row[1]) for row in section["rows"])
                        extra = (
                            f"; {section['partitions']} partitions, {section['retries']} reruns, "
                            f"{rows['idle or overhead per partition (s)']} s idle/overhead per partition"
                        )
                    print(
                        f"{name:9} {label:42} {messages:>8,} msg in {seconds:7.1f} s = "
                        f"{messages / seconds:7.1f} msg/s{extra}"
                    )
                same = all(_findings(r) == _findings(reports[0]) for r in reports[1:])
                print(f"{name:9} reports the same (fingerprints and counts): {'yes' if same else 'NO'}")
            per = overhead_per_partition(address, 200)
            print(f"scheduler round trip per empty partition: {per * 1000:.1f} ms (200 partitions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
