"""Baselines: accept what is known today, be told only about what is new (as detect-secrets and gitleaks do).

`dlp baseline TARGET -o FILE` writes the fingerprint of every current finding (one per value and
place: a date of birth injected for 5,000 recipients is 5,000 fingerprints, so a new recipient's date
of birth is new). `--baseline FILE` on preflight, check and audit leaves those out of the report and
the verdict, and says how many it left out.

Fingerprints are keyed (HMAC): a baseline only matches runs with the same key. The file records a key
id (a hash of the key, which reveals nothing) so a run with another key says so instead of silently
reporting everything as new; a per-user key is warned about, since a colleague's run or CI would have
another (share one with `fingerprint_key_file:` in a rules file, or DLP_FINGERPRINT_KEY).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dlp import __version__
from dlp.errors import InputError
from dlp.model import Report
from dlp.policy import verdict_of
from dlp.problems import Problem
from dlp.redact import key_id, portable_key_note, strip_controls

FORMAT = "dlp-baseline"
VERSION = 1


@dataclass(frozen=True)
class Baseline:
    path: str
    fingerprints: frozenset[str]
    key_id: str


def baseline_dict(report: Report) -> dict[str, Any]:
    """The file's content: every occurrence's fingerprint, and per problem a line a reviewer can read."""
    fingerprints = sorted({f.fingerprint for p in report.problems for f in p.occurrences if f.fingerprint})
    return {
        "format": FORMAT,
        "version": VERSION,
        "tool": f"dlp {__version__}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "key_id": key_id(),
        "source": strip_controls(report.source),
        "problems": [_summary(p) for p in report.problems],
        "fingerprints": fingerprints,
    }


def _summary(problem: Problem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": problem.rule,
        "severity": problem.severity.value,
        "message": strip_controls(problem.message),
        "messages": problem.messages,
    }
    if problem.template is not None:
        out["template"] = problem.template.label()
    return out


def write_baseline(report: Report, path: Path) -> int:
    data = baseline_dict(report)
    try:
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the baseline: {exc.strerror}", path=path) from None
    return len(data["fingerprints"])


def load_baseline(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("baseline file not found (write one with `dlp baseline ... -o FILE`)", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the baseline: {getattr(exc, 'strerror', None) or exc}", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"the baseline is not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("fingerprints"), list):
        raise InputError("not a dlp baseline (written by `dlp baseline ... -o FILE`)", path=path)
    if data.get("version") != VERSION:
        raise InputError(
            f"baseline version {data.get('version')!r} is not supported (this dlp writes {VERSION})", path=path
        )
    prints = [p for p in data["fingerprints"] if isinstance(p, str)]
    return Baseline(str(path), frozenset(prints), str(data.get("key_id", "")))


def apply_baseline(report: Report, baseline: Baseline) -> Report:
    """Leave out what the baseline lists; the verdict is decided on what is left. In place, and returned."""
    notes = []
    if baseline.key_id and baseline.key_id != key_id():
        notes.append(
            f"the baseline {baseline.path} was written with a different fingerprint key: none of its findings can "
            "match, so everything is reported as new (use the same key: `fingerprint_key_file:` or DLP_FINGERPRINT_KEY)"
        )
    note = portable_key_note(f"the baseline's fingerprints ({baseline.path})")
    if note:
        notes.append(note)
    known = baseline.fingerprints
    left_out = 0
    kept_problems = []
    for problem in report.problems:
        new = [f for f in problem.occurrences if f.fingerprint not in known]
        left_out += len(problem.occurrences) - len(new)
        if new:
            if new[0] is not problem.occurrences[0]:
                problem.preview = None  # it showed a known recipient's message
            problem.occurrences = new
            kept_problems.append(problem)
    report.findings = [f for f in report.findings if f.fingerprint not in known]
    report.problems = kept_problems
    report.baselined = left_out
    report.verdict = verdict_of(report.findings)
    if left_out:
        notes.append(f"{left_out} known finding(s) left out: they are in the baseline {baseline.path}")
    report.notes.extend(n for n in notes if n not in report.notes)
    return report
