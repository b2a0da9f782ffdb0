"""`dlp check` and the documented ways to hook it into a mailer: exit codes, JSON, the sendmail filter,
and the Python API example."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_dlp
from serve_harness import Sink, message

CLEAN = message("Ticket closed", ["jane@client.example"], "Hi Jane,\n\nWe closed ticket 4471.\n")
LEAKING = message(
    "Your details", ["jane@client.example"], "Hi Jane,\n\nYour date of birth: 14/03/1986, SSN 536-90-4399.\n"
)


def test_check_exit_codes_and_json(tmp_path: Path) -> None:
    clean = tmp_path / "clean.eml"
    clean.write_bytes(CLEAN.as_bytes())
    assert run_dlp("check", str(clean), "--quiet").code == 0
    run = run_dlp("check", "-", "--format", "json", input=LEAKING.as_bytes())
    assert run.code == 1
    report = run.json
    assert report["verdict"] == "block" and report["source"] == "<stdin>"
    assert {f["rule"] for f in report["findings"]} >= {"sensitive-data"}
    assert "536-90-4399" not in run.stdout and "14/03/1986" not in run.stdout
    for args, expected in ((str(tmp_path / "missing.eml"),), "cannot read message"), (("-",), "empty message"):
        run = run_dlp("check", *args, input=b"")
        assert run.code == 2 and expected in run.stderr and "Traceback" not in run.stderr


@pytest.fixture()
def fake_sendmail(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in for /usr/sbin/sendmail that records its arguments and the message it was given."""
    out = tmp_path / "delivered.eml"
    script = tmp_path / "sendmail"
    script.write_text(f'#!/bin/sh\necho "$@" > {out}.args\ncat > {out}\n')
    script.chmod(0o755)
    return script, out


def test_sendmail_pipe_filter_passes_clean_and_stops_leaks(fake_sendmail: tuple[Path, Path]) -> None:
    script, delivered = fake_sendmail
    env = {**os.environ, "DLP": f"{sys.executable} -m dlp", "DLP_SENDMAIL": str(script)}
    hook = ROOT / "examples" / "hooks" / "dlp-sendmail"
    ok = subprocess.run([hook, "-t", "-i"], input=CLEAN.as_bytes(), env=env, capture_output=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert delivered.read_bytes() == CLEAN.as_bytes()
    assert Path(f"{delivered}.args").read_text().split() == ["-t", "-i"]
    delivered.unlink()
    blocked = subprocess.run([hook, "-t"], input=LEAKING.as_bytes(), env=env, capture_output=True, cwd=ROOT)
    assert blocked.returncode == 77 and b"blocked" in blocked.stderr
    assert not delivered.exists()


def test_python_api_example_sends_only_what_passes() -> None:
    sink = Sink().start()
    try:
        run = subprocess.run(
            [sys.executable, "examples/hooks/send_with_check.py", f"127.0.0.1:{sink.port}"],
            capture_output=True,
            cwd=ROOT,
            env={**os.environ},
            timeout=300,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert [r.data.count(b"Ticket") + r.data.count(b"ticket") > 0 for r in sink.handler.received] == [True]
        assert b"block" in run.stdout and b"1986" not in run.stdout
    finally:
        sink.stop()
