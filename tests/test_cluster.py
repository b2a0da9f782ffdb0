"""`--scheduler`: preflight and audit on a real Dask cluster (a LocalCluster of two worker processes on
127.0.0.1) give the report one machine gives, finding for finding; a worker killed mid-run loses
nothing; a partition that keeps failing is listed, never dropped; values never reach the logs.

One cluster serves the module (each worker process loads spaCy once)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlp.api import preflight
from dlp.audit import audit
from dlp.checks import load_ruleset
from dlp.cli import app
from dlp.cluster.samples import CARD, SHARED_MAILBOX, make_archive, make_campaign
from dlp.cluster.tasks import EVENT_TOPIC, Job, guarded
from dlp.model import Report
from dlp.reporters.json_report import report_dict

distributed = pytest.importorskip("distributed")

ROWS = 60
ROWS_PER_PARTITION = 15
ARCHIVE_MESSAGES = 150
PARTITION_MB = 0.02  # ~20 kB: the mbox is cut into byte ranges


@pytest.fixture(scope="module")
def settings():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLP_CLUSTER_PARTITION_ROWS", str(ROWS_PER_PARTITION))
        patch.setenv("DLP_CLUSTER_PARTITION_MB", str(PARTITION_MB))
        patch.setenv("DLP_CLUSTER_CONNECT_SECONDS", "60")
        yield


@pytest.fixture(scope="module")
def cluster(settings):
    from distributed import Client, LocalCluster

    from dlp.cluster.bench import _load_model

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as local,
        Client(local.scheduler_address, set_as_default=False) as warming,
    ):
        # The workers load spaCy while this process runs the reference scan.
        warm = [warming.submit(_load_model, workers=[w], pure=False) for w in warming.scheduler_info()["workers"]]
        yield local
        del warm


@pytest.fixture(scope="module")
def client(cluster):
    from distributed import Client

    with Client(cluster.scheduler_address, set_as_default=False) as connected:
        yield connected


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    return make_campaign(tmp_path_factory.mktemp("campaign"), ROWS)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("archive"), ARCHIVE_MESSAGES)


@pytest.fixture(scope="module")
def one_machine_audit(archive, settings) -> dict:
    return report_dict(audit([archive]))


def comparable(report: Report | dict) -> dict:
    """The report without what may differ between runs: time, the cluster's own note and section, the
    analysis statistics note (texts through spaCy per message: counted in the process that analysed them),
    and which Presidio recognizer is credited with a span two recognizers found alike."""
    out = json.loads(json.dumps(report if isinstance(report, dict) else report_dict(report)))
    out["summary"].pop("seconds", None)
    out.pop("seconds", None)
    out.pop("started_at", None)
    out["summary"].pop("wall_seconds", None)
    statistics = ("Scanned on the Dask cluster", "Analysis by template provenance")
    out["notes"] = [n for n in out.get("notes", []) if not n.startswith(statistics)]
    out.get("sections", {}).pop("cluster", None)
    for finding in out["findings"]:
        finding.get("details", {}).pop("recognizer", None)
    return out


def by_rule(report: dict, rule: str) -> list[dict]:
    """The rule's occurrences (a problem lists every message it arises in), each with its problem's fields."""
    return [
        {**problem, "count": occurrence.get("count", 1) if len(problem["occurrences"]) > 1 else problem["count"]}
        for problem in report["findings"]
        if problem["rule"] == rule
        for occurrence in problem["occurrences"]
    ]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[int] = []
        self.total: int | None = None
        self.unit = "msg"

    def __call__(self, done: int) -> None:
        self.calls.append(done)

    def set_total(self, total: int | None) -> None:
        self.total = total

    def set_unit(self, unit: str) -> None:
        self.unit = unit


def test_preflight_on_a_cluster_equals_one_machine(campaign, cluster, settings) -> None:
    local = preflight(campaign)
    progress = Recorder()
    remote = preflight(campaign, scheduler=cluster.scheduler_address, progress=progress)
    assert comparable(remote) == comparable(local)
    expected = comparable(local)
    # The planted problems are there, and they cross partitions: row 9's note quotes row 39's customer.
    leaks = [f for f in remote.findings if f.rule == "cross-recipient-leak"]  # the API's one finding per message
    assert len(leaks) == 2 and {f.extra["other_row"] for f in leaks} == {19, 39}
    assert {f.extra["people"] for f in remote.findings if f.rule == "shared-address"} == {2}
    assert len(by_rule(expected, "shared-address")) == 2 and len(by_rule(expected, "duplicate-recipient")) == 1
    section = report_dict(remote)["sections"]["cluster"]
    partitions = -(-(ROWS + 1) // ROWS_PER_PARTITION)
    assert (section["workers"], section["partitions"], section["retries"], section["failed"]) == (2, partitions, 0, [])
    assert any(n.startswith("Scanned on the Dask cluster at tcp://127.0.0.1") for n in remote.notes)
    assert progress.unit == "partitions" and progress.total == partitions and progress.calls[-1] == partitions


def test_audit_on_a_cluster_equals_one_machine(archive, one_machine_audit, cluster) -> None:
    progress = Recorder()
    remote = audit([archive], scheduler=cluster.scheduler_address, progress=progress)
    assert comparable(remote) == comparable(one_machine_audit)
    # The shared mailbox's four contracts were in three byte ranges of the mbox and in the Maildir.
    (shared,) = by_rule(one_machine_audit, "shared-address")
    assert shared["details"]["people"] == 3 and shared["details"]["messages"] == 4
    section = report_dict(remote)["sections"]["cluster"]
    assert section["partitions"] >= 4 and progress.calls[-1] == section["partitions"] == progress.total
    assert sum(f["count"] for f in by_rule(one_machine_audit, "sensitive-data")) == 1  # the card, once


def test_a_worker_killed_mid_run_loses_nothing(archive, one_machine_audit, cluster, client) -> None:
    started = time.monotonic()
    known = {m.get("run") for _t, m in client.get_events(EVENT_TOPIC)}
    result: dict = {}

    def run() -> None:
        try:
            result["report"] = audit([archive], scheduler=cluster.scheduler_address)
        except BaseException as exc:  # handed to the test thread
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    victim = None
    while victim is None and time.monotonic() - started < 300:
        events = [m for _t, m in client.get_events(EVENT_TOPIC) if m.get("run") not in known]
        if events:
            victim = events[0]["worker"]
        else:
            time.sleep(0.05)
    assert victim is not None, "no partition started"
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)  # mid-partition: the nanny starts a new worker, Dask reruns the partition
    thread.join(timeout=300)
    assert "error" not in result, result.get("error")
    remote = result["report"]
    assert comparable(remote) == comparable(one_machine_audit)
    section = report_dict(remote)["sections"]["cluster"]
    assert section["retries"] >= 1 and section["failed"] == []
    assert any(f"{section['retries']} retried" in note for note in remote.notes)


def _always_fails(job, payload):
    raise ValueError(f"parser choked on {payload}")


def test_a_partition_that_keeps_failing_is_listed_not_dropped(client, cluster) -> None:
    """Three attempts, then the partition is named with the reason, scrubbed of values."""
    from dlp.cluster.run import ATTEMPTS, RunBooks, Runner, _unscanned

    job = Job("fails" + str(time.monotonic_ns()), load_ruleset([]), "archive", set(), b"k" * 32, {})
    books = RunBooks(cluster.scheduler_address)
    runner = Runner(client, job, guarded(_always_fails), None, books)
    parts = [(0, "rows 1-2", "ok", ()), (1, "rows 3-4", "anna.rossi@example.org 078 123 45 67", ())]
    out = list(runner.run(parts))
    assert [(n, what, partial is None) for n, what, partial in out] == [(0, "rows 1-2", True), (1, "rows 3-4", True)]
    assert [f.attempts for f in books.failed] == [ATTEMPTS, ATTEMPTS] and books.retries == 2 * (ATTEMPTS - 1)
    assert "anna.rossi" not in books.failed[1].reason and "ValueError" in books.failed[1].reason
    finding = _unscanned(books.failed[1], "archive")
    assert finding.rule == "unscanned-partition" and finding.severity == "block" and "rows 3-4" in finding.message


def test_values_never_reach_the_logs(client, campaign, archive) -> None:
    """After every run above: no planted value in any worker's or the scheduler's log."""
    logs = [line for lines in client.get_worker_logs().values() for _level, line in lines]
    logs += [line for _level, line in client.get_scheduler_logs()]
    text = "\n".join(logs)
    for value in (CARD, SHARED_MAILBOX, "Marco Bianchi", "+1 415 555", "anna.rossi"):
        assert value not in text


def test_cli_scheduler_that_is_not_there_is_exit_2(archive, monkeypatch) -> None:
    monkeypatch.setenv("DLP_CLUSTER_CONNECT_SECONDS", "1")
    result = CliRunner().invoke(
        app, ["audit", str(archive), "--format", "json"], env={"DLP_SCHEDULER": "tcp://127.0.0.1:9"}
    )
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output and "Traceback" not in result.output
