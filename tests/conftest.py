"""Shared test helpers: run `dlp` (in this process, or the real executable: tests/support/cli.py), build
small campaigns on disk."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import Run, run_dlp, run_dlp_process, verdict_exit_code

__all__ = [
    "EXAMPLES", "ROOT", "SIMPLE_CAMPAIGN", "Run", "run_dlp", "run_dlp_process", "verdict_exit_code", "write_campaign",
]  # fmt: skip

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
