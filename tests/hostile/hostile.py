"""Shared helpers of the hostile-input suite (imported as `hostile`; this folder has no __init__.py).

`cli` runs the real Typer app in this process (spaCy loads once per test worker, not once per probe);
`outputs` runs one command in every report format; `assert_clean` is the leak oracle: no raw value and no
raw control character in stdout or stderr.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from tests.support.cli import Run, invoke

FORMATS = ("rich", "json", "sarif", "html")
ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, input: bytes | str | None = None, env: dict[str, str] | None = None) -> Run:
    return invoke(list(args), input=input, env=env)


def outputs(*args: str, input: bytes | None = None) -> dict[str, Run]:
    """The same command in every report format."""
    return {fmt: cli(*args, "--format", fmt, input=input) for fmt in FORMATS}


def assert_clean(result: Run, raw: list[str]) -> None:
    """Nothing in `raw` and no terminal control character appears in what the user sees."""
    for value in raw:
        assert value not in result.stdout, f"raw {value!r} in stdout"
        assert value not in result.stderr, f"raw {value!r} in stderr"
    assert "\x1b" not in result.stdout and "\x1b" not in result.stderr, "raw ESC reached the output"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def run_bounded(*args: str, timeout: float = 120, memory_gib: float = 2.0, env: dict | None = None):
    """`python -m dlp` in its own process with a wall-clock and address-space bound: a hang or a runaway
    read fails the test instead of stalling the suite or eating the machine."""
    limit = int(memory_gib * 1024**3)

    def bound() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "dlp", *args],
        capture_output=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        preexec_fn=bound,
    )
