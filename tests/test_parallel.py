"""Parallel end-to-end preflight (`dlp.parallel`): forked workers render, analyse and check chunks of rows,
and the report is the single-process report, finding for finding, on a varied campaign (conditionals,
loops, filters, an attachment), on the lease example and on a campaign whose list-level and stateful
checks fire across chunks (shared address, duplicate recipient, cross-recipient leaks half a list away).
A worker that dies is exit 2 naming its rows, never a hang or a PASS; Ctrl-C and SIGTERM end the workers.

Only the analysis statistics note may differ (texts through spaCy are counted in the process that analysed
them, and every worker has its own caches), with the time the scan took."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write_campaign
from test_fast_path import CAMPAIGN, HTML, SUMMARY, TEXT, _rows
from typer.testing import CliRunner

import dlp.parallel
from dlp.api import preflight
from dlp.cli import app
from dlp.cluster.samples import make_campaign
from dlp.model import Report
from dlp.render import CampaignRenderer
from dlp.reporters.json_report import report_dict
from tests.support.signals import as_from_a_terminal

ROOT = Path(__file__).resolve().parent.parent
STATISTICS = ("Analysis by template provenance",)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Parallel even on a small list, in chunks of 7 rows after a first chunk of 5 scanned in this process;
    returns the list of chunk sizes this process merged (so a test can tell the workers ran)."""
    monkeypatch.setattr(dlp.parallel, "PARALLEL_AFTER_ROWS", 0)
    monkeypatch.setattr(dlp.parallel, "FIRST_CHUNK_ROWS", 5)
    monkeypatch.setenv("DLP_PARALLEL_CHUNK_ROWS", "7")
    merged: list[int] = []
    add = dlp.parallel.ParallelScan._add

    def recording(self, what, partial, progress):
        merged.append(getattr(partial, "messages", -1))
        return add(self, what, partial, progress)

    monkeypatch.setattr(dlp.parallel.ParallelScan, "_add", recording)
    return merged


def comparable(report: Report) -> dict:
    out = json.loads(json.dumps(report_dict(report)))
    for key in ("seconds", "started_at"):
        out.pop(key, None)
        out["summary"].pop(key, None)
    out["summary"].pop("wall_seconds", None)
    out["notes"] = [n for n in out["notes"] if not n.startswith(STATISTICS)]
    return out


def _both(campaign: Path, monkeypatch: pytest.MonkeyPatch, merged: list[int], progress=None) -> tuple[dict, dict]:
    monkeypatch.setenv("DLP_WORKERS", "0")
    serial = preflight(campaign)
    assert not merged, "DLP_WORKERS=0 must keep the single-process path"
    monkeypatch.setenv("DLP_WORKERS", "2")
    parallel = preflight(campaign, progress=progress)
    assert len(merged) >= 3 and sum(merged) == serial.messages, merged  # the first chunk, then the workers'
    return comparable(serial), comparable(parallel)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[int] = []
        self.total: int | None = None

    def __call__(self, done: int) -> None:
        self.calls.append(done)

    def set_total(self, total: int | None) -> None:
        self.total = total


def test_varied_campaign_parallel_equals_one_process(tmp_path, monkeypatch, small_chunks) -> None:
    files = {"body.txt.j2": TEXT, "body.html.j2": HTML, "summary.txt.j2": SUMMARY, "customers.csv": _rows(60)}
    campaign = write_campaign(tmp_path / "varied", CAMPAIGN, files)
    progress = Recorder()
    serial, parallel = _both(campaign, monkeypatch, small_chunks, progress)
    assert parallel == serial
    found = {p["entity_type"] for p in serial["findings"]}
    assert {"US_SSN", "DATE_OF_BIRTH", "PHONE_NUMBER", "ACCOUNT_NUMBER"} <= found  # there is something to compare
    # Progress: messages merged so far, in order, up to every message.
    assert progress.total == 60 and progress.calls == sorted(progress.calls) and progress.calls[-1] == 60


def test_a_cut_message_is_reported_alike(tmp_path, monkeypatch, small_chunks) -> None:
    """The per-message scanning budget ends in the same `unscanned-attachment` findings on the workers."""
    files = {"body.txt.j2": TEXT, "body.html.j2": HTML, "summary.txt.j2": SUMMARY, "customers.csv": _rows(30)}
    campaign = write_campaign(tmp_path / "cut", CAMPAIGN, files)
    monkeypatch.setenv("DLP_MAX_MESSAGE_CHARS", "700")
    serial, parallel = _both(campaign, monkeypatch, small_chunks)
    assert parallel == serial
    assert any(p["rule"] == "unscanned-attachment" for p in serial["findings"])


def test_lease_example_parallel_equals_one_process(monkeypatch, small_chunks) -> None:
    monkeypatch.setenv("DLP_PARALLEL_CHUNK_ROWS", "1")
    monkeypatch.setattr(dlp.parallel, "FIRST_CHUNK_ROWS", 1)
    serial, parallel = _both(ROOT / "examples" / "lease-contract" / "campaign.yaml", monkeypatch, small_chunks)
    assert parallel == serial
    assert serial["verdict"] == "block"


def test_list_level_and_stateful_checks_fire_alike(tmp_path, monkeypatch, small_chunks) -> None:
    """Shared addresses, a repeated row and leaks of a customer half a list away cross the chunks; the
    list-level checks run once, in the parent, on the whole list."""
    campaign = make_campaign(tmp_path / "telco", 60)
    serial, parallel = _both(campaign, monkeypatch, small_chunks)
    assert parallel == serial
    rules = [p["rule"] for p in serial["findings"]]
    assert {"shared-address", "duplicate-recipient", "cross-recipient-leak"} <= set(rules)
    assert set(serial["sections"]) >= {"recipient-columns", "recipient_list"}


def test_a_worker_that_dies_is_exit_2_naming_its_rows(tmp_path, monkeypatch, small_chunks) -> None:
    campaign = make_campaign(tmp_path / "telco", 40)
    parent = os.getpid()
    render = CampaignRenderer.render

    def dying(self, index, row, recipient):
        if os.getpid() != parent and index == 20:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        return render(self, index, row, recipient)

    monkeypatch.setattr(CampaignRenderer, "render", dying)
    monkeypatch.setenv("DLP_WORKERS", "2")
    started = time.monotonic()
    result = CliRunner().invoke(app, ["preflight", str(campaign), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "worker process died while scanning rows" in result.output
    assert "PASS" not in result.output and time.monotonic() - started < 120


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_parent_ends_the_workers(tmp_path, signum) -> None:
    """A real `dlp preflight` process: its workers must not outlive it (Ctrl-C is handled and kills them;
    SIGTERM kills the parent and the kernel its workers)."""
    campaign = make_campaign(tmp_path / "big", 3_000)
    env = {**os.environ, "DLP_WORKERS": "2", "DLP_PARALLEL_CHUNK_ROWS": "100"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlp", "preflight", str(campaign), "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=as_from_a_terminal,
    )
    children: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        children = _children(proc.pid)
        if len(children) >= 2:
            break
        time.sleep(0.2)
    assert len(children) >= 2, "the workers never started"
    proc.send_signal(signum)
    try:
        proc.wait(timeout=30)
    finally:
        proc.kill()
    gone = time.monotonic() + 15
    while time.monotonic() < gone and any(_alive(c) for c in children):
        time.sleep(0.1)
    assert not any(_alive(c) for c in children), "a worker outlived its parent"
    if signum == signal.SIGINT:
        stderr = proc.stderr.read()
        assert proc.returncode == 130 and b"interrupted" in stderr, stderr[-3000:]


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"
