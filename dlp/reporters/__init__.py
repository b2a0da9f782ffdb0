"""Reporters only format a Report; each is one module. `FORMATS` is the exhaustive list of --format values."""

from __future__ import annotations

from enum import StrEnum


class OutputFormat(StrEnum):
    RICH = "rich"
    JSON = "json"
    SARIF = "sarif"
    HTML = "html"


# Formats that exist in the contract but are not built yet; the CLI says so (exit 2) instead of guessing.
NOT_YET = {OutputFormat.SARIF, OutputFormat.HTML}
