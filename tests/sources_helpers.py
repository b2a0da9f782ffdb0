"""Helpers for the source tests: messages and mailboxes built with the stdlib, `dlp audit`/`dlp check` run
in-process (the detector is loaded once per test process)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from dlp.sources.archive import read_archive
from tests.support.cli import Run, invoke, verdict_exit_code

__all__ = ["THIRD_PARTY", "Result", "audit", "dlp", "message", "read", "verdict_exit_code"]

THIRD_PARTY = Path(__file__).resolve().parent / "data" / "third_party"
FROM_LINE = b"From sender@telco.example Mon Jan  1 00:00:00 2024\n"


def message(number: int, body: str = "See you at the meeting.\n", to: str = "reader@client.example") -> bytes:
    msg = EmailMessage()
    msg["From"] = "sender@telco.example"
    msg["To"] = to
    msg["Subject"] = f"Note {number}"
    msg["Message-ID"] = f"<note-{number}@telco.example>"
    msg.set_content(body)
    return msg.as_bytes()


class Result(Run):
    @property
    def books(self) -> dict:
        return self.json["sections"]["audit"]

    def named(self, section: str) -> dict[str, str]:
        """{file name: reason} of a list section (audit-skipped, audit-unreadable, audit-store-files)."""
        rows = self.json["sections"].get(section, {}).get("rows", [])
        return {Path(row[0]).name: row[1] for row in rows}


def dlp(*args: str, input: bytes | None = None) -> Result:
    run = invoke(list(args), input=input)
    return Result(run.code, run.stdout, run.stderr)


def audit(*paths: Path | str, input: bytes | None = None) -> Result:
    return dlp("audit", *(str(p) for p in paths), "--format", "json", "--quiet", input=input)


def read(*paths: Path | str) -> tuple[list, list, list]:
    """(messages, unreadable, skipped) items of the reader alone: no scanning."""
    items = list(read_archive(paths))
    messages = [i for i in items if i.data is not None]
    unreadable = [i for i in items if i.data is None and not i.skipped]
    skipped = [i for i in items if i.skipped]
    return messages, unreadable, skipped
