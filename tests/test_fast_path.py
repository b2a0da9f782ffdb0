"""The fast path (line cache, neighbouring new lines analysed as one text, batched analysis, worker
processes) finds exactly what the straightforward path (every part analysed whole by Presidio, no
cache, no pool) finds, on a campaign whose templates vary per recipient: names, numbers, addresses,
conditional blocks, labels on the line before a value."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import write_campaign

import dlp.analysis
import dlp.analysis.stage
import dlp.analysis.workers
import dlp.pipeline
from dlp.api import preflight
from dlp.model import Report

FIRST = ["Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jonas", "Katie", "Liam"]
LAST = ["Meyer", "Olsen", "Brown", "Rossi", "Garcia", "Novak", "Smith", "Lefevre", "Jansen", "Kowalski"]
STREETS = ["Maple Avenue", "Oak Street", "Pine Road", "Cedar Lane", "Elm Street"]
CITIES = [("Springfield", "IL", "62704"), ("Madison", "WI", "53703"), ("Austin", "TX", "73301")]

TEXT = """\
Dear {{ first_name }} {{ last_name }},

thank you for being a {{ plan }} customer. You have {{ points }} points.
{% if plan == "Gold" %}
As a Gold member your advisor {{ advisor }} has a direct phone line:
{{ advisor_phone }}
{% endif %}
Account number:
{{ account_id }}
Billing address: {{ street }}, {{ city }}, {{ state }} {{ zip }}
{% if show_dob %}Date of birth: {{ dob }}{% endif %}
{% for item in range(items | int) %}Order {{ loop.index }}: {{ (points | int) + item }} points credited.
{% endfor %}
Your referral {{ referral }} joined last week. Call us on +1 415 555 0132 with questions.
SSN on file: {{ ssn }}

Questions? Reply to this message.
Acme Contracts
"""
HTML = """\
<html><body>
<p>Hi {{ first_name }},</p>
<p>Your balance: <b>{{ points }}</b> points on the {{ plan }} plan.</p>
{% if plan != "Basic" %}<p>Call {{ advisor }}, phone</p><p>{{ advisor_phone }}</p>{% endif %}
<p>Ship to {{ street }}, {{ city }}</p>
<p><a href="https://acme.example/u?t={{ token }}">Unsubscribe</a></p>
</body></html>
"""
CAMPAIGN = """\
name: fast-path equality
from: "Acme Contracts <contracts@acme.example>"
to: "{{ first_name }} {{ last_name }} <{{ email }}>"
subject: "{{ first_name }}, your {{ plan }} statement ({{ points }} points)"
body:
  text: body.txt.j2
  html: body.html.j2
attachments:
  - template: summary.txt.j2
    filename: "summary-{{ account_id }}.txt"
recipients: customers.csv
internal_domains: [acme.example]
"""
SUMMARY = """\
Summary for {{ first_name }} {{ last_name }}
Account number: {{ account_id }}
{% if show_dob %}DOB: {{ dob }}
{% endif %}Plan: {{ plan }}
"""


def _rows(count: int) -> str:
    rng = random.Random(8)
    lines = [
        "account_id,first_name,last_name,email,plan,points,advisor,advisor_phone,street,city,state,zip,"
        "show_dob,dob,items,referral,ssn,token"
    ]
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state, zip_code = rng.choice(CITIES)
        plan = rng.choice(["Basic", "Gold", "Plus"])
        lines.append(
            ",".join(
                [
                    f"4481-{2200 + i}-{rng.randint(100, 999)}",
                    first,
                    last,
                    f"{first.lower()}.{last.lower()}{i}@example.com",
                    plan,
                    str(rng.choice([0, 12, 450, 3932, rng.randint(0, 9999)])),
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    f"(212) {rng.randint(200, 989)}-{rng.randint(1000, 9999)}",
                    f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
                    city,
                    state,
                    zip_code,
                    rng.choice(["", "1"]),
                    f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1940, 2000)}",
                    str(rng.randint(0, 3)),
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
                    f"{rng.getrandbits(64):016x}",
                ]
            )
        )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def varied_campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("varied")
    files = {"body.txt.j2": TEXT, "body.html.j2": HTML, "summary.txt.j2": SUMMARY, "customers.csv": _rows(60)}
    return write_campaign(directory, CAMPAIGN, files)


NER_TYPES = {"PERSON"}


def _findings(report: Report) -> list[dict]:
    """Every finding except NER names, exactly: pattern recognizers with their context must match."""
    return sorted(
        (f.to_dict(show_values=True) for f in report.findings if f.entity_type not in NER_TYPES),
        key=lambda d: (d["rule"], d["fingerprint"], str(d.get("location")), str(d.get("value"))),
    )


def _names(report: Report) -> set[tuple]:
    """(message, value) of every NER name, counting each occurrence an aggregated finding stands for."""
    out = set()
    for f in report.findings:
        if f.entity_type in NER_TYPES:
            for location in (f.location, *f.also_at):
                out.add((location.message, f.value))
    return out


def _assert_same_names(fast: Report, reference: Report) -> None:
    """spaCy's NER reads a whole sentence, so a name's detection can hinge on words beyond the window the
    cache keys on; measured on this campaign the paths differ on at most 2 of ~60 names. Allow 5%."""
    ours, theirs = _names(fast), _names(reference)
    assert theirs, "the reference must find names, or this comparison proves nothing"
    assert len(ours ^ theirs) <= max(1, len(theirs) // 20), (sorted(ours - theirs), sorted(theirs - ours))


def _straightforward(campaign: Path) -> Report:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLP_STRAIGHTFORWARD", "1")
        return preflight(campaign)


def test_fast_path_equals_straightforward_in_process_and_with_workers(
    varied_campaign: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = _straightforward(varied_campaign)
    # The reference itself must see the planted data, or equality would prove nothing.
    assert {"US_SSN", "DATE_OF_BIRTH", "PHONE_NUMBER", "PERSON", "ACCOUNT_NUMBER"} <= {
        f.entity_type for f in reference.findings
    }
    assert reference.messages == 60

    monkeypatch.setenv("DLP_WORKERS", "0")
    merged: list[int] = []
    store_unit = dlp.analysis.SegmentAnalyzer.store_unit

    def recording_store_unit(self, unit, entities):
        merged.append(len(unit.members))
        return store_unit(self, unit, entities)

    monkeypatch.setattr(dlp.analysis.SegmentAnalyzer, "store_unit", recording_store_unit)
    in_process = preflight(varied_campaign)
    # Neighbouring new lines were analysed together (one text per run of overlapping windows).
    assert max(merged) >= 3 and sum(merged) > len(merged)
    assert in_process.verdict == reference.verdict
    assert _findings(in_process) == _findings(reference)
    _assert_same_names(in_process, reference)

    monkeypatch.setenv("DLP_WORKERS", "2")
    monkeypatch.setattr(dlp.analysis.stage, "POOL_AFTER_MISSES", 1)  # use the pool even on this small campaign
    monkeypatch.setattr(dlp.analysis.stage, "CHUNK", 8)  # several chunks in flight at once
    submitted: list[int] = []
    original = dlp.analysis.workers.AnalysisPool.submit

    def counting_submit(self, windows):
        submitted.append(len(windows))
        return original(self, windows)

    monkeypatch.setattr(dlp.analysis.workers.AnalysisPool, "submit", counting_submit)
    pooled = preflight(varied_campaign)
    assert len(submitted) > 2 and sum(submitted) > 50  # the workers did the analysis
    assert pooled.verdict == reference.verdict
    assert _findings(pooled) == _findings(reference)
    _assert_same_names(pooled, reference)


def test_a_label_on_the_line_before_still_scores_the_value() -> None:
    """Presidio raises a phone number's score for a context word before it; a line analysed without
    its neighbourhood would lose that and drop the finding. The window keeps it."""
    from dlp.analysis import SegmentAnalyzer
    from dlp.detect.engine import get_detector

    text = "Your advisor has a direct phone line:\n(212) 734-5678\n"
    detector = get_detector()
    whole = detector.analyze(text, entities=["PHONE_NUMBER"])
    [(start, score)] = [(e.start, e.score) for e in whole]
    bare = SegmentAnalyzer(detector, ["PHONE_NUMBER"], context_words=0).analyze_text(text)
    assert [e.start for e in bare] == [start]
    assert bare[0].score < score  # what a context-free cache would get wrong: the label's boost is lost
    assert SegmentAnalyzer(detector, ["PHONE_NUMBER"]).analyze_text(text) == whole


def test_messages_are_streamed_in_chunks_not_read_whole() -> None:
    """Memory stays bounded: checks of the first messages run before the source is read to its end."""
    from dlp.analysis.stage import CHUNK
    from dlp.checks import load_ruleset
    from dlp.model import Part, PartKind, ScanMessage
    from dlp.pipeline import Scanner

    consumed = 0

    def source():
        nonlocal consumed
        for index in range(CHUNK * 6):
            consumed += 1
            text = f"Hello,\n\nyour order {index % 3} has shipped.\n"
            yield ScanMessage(index=index, headers=[], parts=[Part(PartKind.TEXT, "body.text", text, "body")])

    seen_at_first_check: list[int] = []

    def progress(done: int) -> None:
        if done == 1:
            seen_at_first_check.append(consumed)

    report = Scanner.create(load_ruleset([]), workers=0).scan(source(), progress)
    assert report.messages == CHUNK * 6
    assert seen_at_first_check == [CHUNK]


def test_progress_bar_on_a_terminal_shows_count_rate_and_eta(tmp_path: Path) -> None:
    """On a TTY the bar shows; with --format json (or no TTY) it never does."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    from conftest import EXAMPLES, ROOT

    primary, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm"}
    chunks: list[bytes] = []

    def drain() -> None:  # a terminal nobody reads fills up and blocks the writer
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run(
        [sys.executable, "-m", "dlp", "preflight", str(EXAMPLES / "newsletter" / "campaign.yaml")],
        stdout=subprocess.PIPE,
        stderr=secondary,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    os.close(secondary)
    reader.join(timeout=10)
    os.close(primary)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode in (0, 1)
    assert "scanning" in screen and "ETA" in screen
    assert "/25" in screen  # count out of the 25 rows of the recipient list
    assert "scanning" not in proc.stdout.decode("utf-8", "replace")
