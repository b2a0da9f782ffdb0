"""The same input gives the same report in every run, whatever Python's hash seed.

Set and dict iteration order over strings changes with PYTHONHASHSEED (and over objects with memory
addresses); nothing a report says may depend on it. The process boundary is the point here: the seed is
fixed when the interpreter starts.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_dlp

# A real MIME torture message from postal-mime's fixtures: people's names in headers and bodies, which
# spaCy NER and the dictionary-name recognizer both find with the same score.
TORTURE = Path(__file__).parent / "data" / "third_party" / "postal-mime" / "mimetorture.eml"


def _report(seed: str) -> dict:
    run = run_dlp("check", str(TORTURE), "--format", "json", env={"PYTHONHASHSEED": seed})
    assert run.code in (0, 1), run.stderr
    return _timeless(run.json)


def _timeless(value):
    """The report without when and how long the run took (`started_at`, `seconds`, `wall_seconds`)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if not (k.endswith("seconds") or k.endswith("_at"))}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def test_recognizer_named_and_report_do_not_depend_on_the_hash_seed() -> None:
    first, second = _report("0"), _report("1")
    recognizers = [f["details"].get("recognizer") for f in first["findings"] if "details" in f]
    assert "SpacyRecognizer" in recognizers  # a tie goes to the first registered recognizer: spaCy NER
    assert first == second
