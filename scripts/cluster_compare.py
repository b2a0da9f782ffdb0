"""Audit PATHs on one machine and on a local Dask cluster and say whether the reports are the same.

    .venv/bin/python scripts/cluster_compare.py /work/shared/corpus/mail --partition-mb 0.05

Same means: the same findings (rule, fingerprint, count, severity, location, excerpt, details except the
Presidio recognizer credited for a span two recognizers found alike), the same audit books and summary.
Small partitions (`--partition-mb`) cut mbox files into byte ranges and spread Maildirs over workers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from dlp.audit import audit
from dlp.reporters.json_report import report_dict


def comparable(report) -> dict:
    out = json.loads(json.dumps(report_dict(report)))
    out["summary"].pop("seconds", None)
    out.pop("seconds", None)
    out["notes"] = [n for n in out.get("notes", []) if not n.startswith("Scanned on the Dask cluster")]
    out.get("sections", {}).pop("cluster", None)
    for finding in out["findings"]:
        finding.get("details", {}).pop("recognizer", None)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--partition-mb", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DLP_FINGERPRINT_KEY", "compare-key-not-secret-0123456789")
    os.environ["DLP_CLUSTER_PARTITION_MB"] = str(args.partition_mb)
    from distributed import LocalCluster

    started = time.perf_counter()
    local = comparable(audit(args.paths))
    print(
        f"one machine: {local['summary']['messages']} messages, {len(local['findings'])} findings "
        f"in {time.perf_counter() - started:.1f} s"
    )
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        started = time.perf_counter()
        remote_report = audit(args.paths, scheduler=cluster.scheduler_address)
        section = remote_report.sections["cluster"]
        remote = comparable(remote_report)
        print(
            f"cluster: {remote['summary']['messages']} messages, {len(remote['findings'])} findings in "
            f"{time.perf_counter() - started:.1f} s; {section['partitions']} partitions, {section['retries']} reruns"
        )
    if local == remote:
        print("the same report: yes")
        return 0
    for key in local:
        if local[key] != remote.get(key):
            print(f"differs: {key}")
            if isinstance(local[key], list):
                for a, b in zip(local[key], remote[key], strict=False):
                    if a != b:
                        print(json.dumps(a)[:1500], "\n  vs\n", json.dumps(b)[:1500])
                        break
    return 1


if __name__ == "__main__":
    sys.exit(main())
