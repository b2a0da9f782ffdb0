"""dlp: data-loss-prevention scanner for outgoing bulk email.

Public API (stable, see SPEC): `analyze_text`, `scan_message`, `preflight`, and the `Report`, `Finding`,
`Entity`, `Verdict` and `Severity` types they return. Imports are lazy so `import dlp` stays cheap for CLI start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Entity",
    "Finding",
    "Report",
    "Severity",
    "Verdict",
    "__version__",
    "analyze_text",
    "preflight",
    "scan_message",
]

if TYPE_CHECKING:
    from dlp.api import analyze_text, preflight, scan_message
    from dlp.detect.entities import Entity
    from dlp.model import Finding, Report, Severity, Verdict


def __getattr__(name: str) -> Any:
    if name in ("analyze_text", "preflight", "scan_message"):
        from dlp import api

        return getattr(api, name)
    if name == "Entity":
        from dlp.detect.entities import Entity

        return Entity
    if name in ("Finding", "Report", "Severity", "Verdict"):
        from dlp import model

        return getattr(model, name)
    raise AttributeError(name)
