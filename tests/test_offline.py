"""Offline at run time: import and scan with the network cut make no connection attempt."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from conftest import ROOT, run_dlp

PROBE = textwrap.dedent(
    """
    import socket, sys
    attempts = []
    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network disabled by test")
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = lambda address, *a, **k: refuse(None, address)
    socket.getaddrinfo = lambda host, *a, **k: refuse(None, host)  # DNS is the first step of any fetch
    import dlp
    from dlp.api import preflight, analyze_text
    report = preflight("examples/lease-contract/campaign.yaml")
    entities = analyze_text("Write to jane.doe@example.org about www.example.co.uk today.")
    assert report.verdict == "block", report.verdict
    assert any(e.entity_type == "EMAIL_ADDRESS" for e in entities), entities
    print("attempts", len(attempts), attempts)
    sys.exit(1 if attempts else 0)
    """
)


def test_scan_makes_no_network_connection(tmp_path) -> None:
    # An empty cache: a suffix list cached by an earlier run would hide a fetch attempt.
    env = {**os.environ, "TLDEXTRACT_CACHE": str(tmp_path / "tld"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "attempts 0 []" in proc.stdout


def test_missing_model_is_a_clear_error() -> None:
    run = run_dlp("preflight", "examples/newsletter/campaign.yaml", env={"DLP_SPACY_MODEL": "xx_no_such_model"})
    assert run.code == 2
    assert "xx_no_such_model" in run.stderr and "is not installed" in run.stderr and "Fix:" in run.stderr
    assert "Traceback" not in run.stderr
