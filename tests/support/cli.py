"""The `dlp` command as tests run it: in this process by default, as a real process where that is the point.

In-process runs go through the same Typer app, options, streams and exit codes as the executable, but the
detector (spaCy and Presidio, 5-10 s to load) is loaded once per test process instead of once per command.
`run_dlp_process` starts the real executable: for what only a process shows (the console script and its
exit status, signals, a terminal, import-time and offline behaviour, memory limits).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
# Wide enough that Rich never wraps a finding's line in the middle of a value the test looks for.
# No heartbeat lines on a loaded machine's slow runs: tests assert on stderr; tests of the heartbeat set it.
TERMINAL = {"COLUMNS": "200", "DLP_HEARTBEAT_SECONDS": "0"}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def verdict_exit_code(report: dict) -> int:
    """The exit code a JSON report's verdict calls for (0 pass or warn, 1 block): a run whose exit code and
    report disagree fails, where `code in (0, 1)` would let either pass."""
    return {"pass": 0, "warn": 0, "block": 1}[report["verdict"]]


def invoke(args: list[str], input: bytes | str | None = None, env: dict[str, str] | None = None) -> Run:
    """The Typer app in this process. An exception that escaped the CLI's own error handling is raised
    (with its traceback) instead of being turned into an exit code, so a test cannot pass over it."""
    from dlp.cli import app

    result = CliRunner().invoke(app, args, input=input, env={**TERMINAL, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def run_dlp(*args: str, input: bytes | None = None, cwd: Path | None = None, env: dict | None = None) -> Run:
    """`dlp ARGS` in this process, from `cwd` (the repository by default, so example paths are relative)."""
    with contextlib.chdir(cwd or ROOT):
        return invoke(list(args), input=input, env=env)


def run_dlp_process(
    *args: str, input: bytes | None = None, cwd: Path | None = None, env: dict | None = None, timeout: float = 300
) -> Run:
    """Run the installed `dlp` executable as a user would (a separate process, real files, real exit code)."""
    executable = Path(sys.executable).parent / "dlp"
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "dlp"]
    proc = subprocess.run(
        [*command, *args],
        input=input,
        capture_output=True,
        cwd=cwd or ROOT,
        env={**os.environ, **TERMINAL, **(env or {})},
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
