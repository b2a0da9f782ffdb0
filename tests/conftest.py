"""Shared test helpers: run the real `dlp` executable, build small campaigns on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
os.environ.setdefault("DLP_FINGERPRINT_KEY", "test-key-not-secret")

# The smallest valid per-recipient campaign (a text body and a two-column list), for tests to vary.
SIMPLE_CAMPAIGN = """
name: t
from: "Acme <news@acme.example>"
to: "{{ email }}"
subject: "Hello {{ first_name }}"
body:
  text: body.txt.j2
recipients: people.csv
"""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


def run_dlp(*args: str, input: bytes | None = None, cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run `python -m dlp` as a user would (a separate process, real files, real exit code)."""
    # No heartbeat lines on a loaded machine's slow runs: tests assert on stderr; tests of the heartbeat set it.
    full_env = {**os.environ, "COLUMNS": "200", "DLP_HEARTBEAT_SECONDS": "0", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "dlp", *args],
        input=input,
        capture_output=True,
        cwd=cwd or ROOT,
        env=full_env,
        timeout=300,
    )
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def write_campaign(directory: Path, campaign: str, files: dict[str, str | bytes]) -> Path:
    """Write campaign.yaml plus templates/recipient files into `directory`; returns the campaign path."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    campaign_path = directory / "campaign.yaml"
    campaign_path.write_text(textwrap.dedent(campaign).lstrip("\n"), encoding="utf-8")
    return campaign_path


@pytest.fixture
def campaign_dir(tmp_path: Path) -> Path:
    return tmp_path / "campaign"
