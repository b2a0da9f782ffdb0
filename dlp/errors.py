"""Errors that end a run with exit code 2.

Bad input is the user's to fix, so it must name the file and the line (or row) and say what to do;
the CLI turns an `InputError` into one paragraph on stderr instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Input the tool cannot use: a campaign file, template, recipient list, rules file or message."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.detail = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        return f"{where}{self.detail}"


class ModelMissingError(InputError):
    """The configured spaCy model is not installed; the message carries the fix."""
