"""Findings grouped by problem: one entry per (rule, template place, entity type), right counts in every
format, occurrences by recipient row; baselines; progress that says what it is doing."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import EXAMPLES, write_campaign
from typer.testing import CliRunner

from dlp import redact
from dlp.api import preflight
from dlp.audit import audit
from dlp.cli import app
from dlp.model import Finding, Location, Report, Severity, Verdict
from dlp.reporters import OutputFormat, render_text

TRACKED = """
name: Tracked survey
from: "Acme <news@acme.example>"
to: "{{ email }}"
subject: "How did we do, {{ first_name }}?"
body:
  text: body.txt.j2
recipients: people.csv
internal_domains: [acme.example]
"""
TRACKED_BODY = "Hello {{ first_name }},\n\nTell us: https://click.tracker-mail.net/c?u={{ email }}&c=7\n"


def _people(rows: int) -> str:
    lines = ["first_name,last_name,email"]
    lines += [f"Person{i},Family{i},person{i}.family{i}@example.org" for i in range(rows)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def lease() -> Report:
    return preflight(EXAMPLES / "lease-contract" / "campaign.yaml")


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> Report:
    directory = tmp_path_factory.mktemp("tracked")
    path = write_campaign(directory, TRACKED, {"body.txt.j2": TRACKED_BODY, "people.csv": _people(7)})
    return preflight(path)


def test_lease_is_four_problems_each_reaching_all_six_recipients(lease: Report) -> None:
    data = json.loads(render_text(lease, OutputFormat.JSON))
    assert [(f["rule"], f["entity_type"]) for f in data["findings"]] == [
        ("sensitive-data", "DATE_OF_BIRTH"),
        ("sensitive-data", "DATE_OF_BIRTH"),
        ("personal-data", "ACCOUNT_NUMBER"),
        ("personal-data", "ACCOUNT_NUMBER"),
    ]
    assert data["summary"]["findings"] == {"block": 2, "warn": 2, "info": 0}
    for finding in data["findings"]:
        assert finding["messages"] == finding["recipients_total"] == 6
        assert [o["row"] for o in finding["occurrences"]] == [1, 2, 3, 4, 5, 6]
        # One numbering: the recipient row; no 0-based message index or file line beside it.
        assert all("message" not in o and "line" not in o for o in finding["occurrences"])
        assert all(re.fullmatch(r"[0-9a-f]{32}", o["fingerprint"]) for o in finding["occurrences"])
        assert 1 <= len(finding["examples"]) <= 3
    raw = (EXAMPLES / "lease-contract" / "customers.csv").read_text().splitlines()[1].split(",")
    assert raw[0] not in json.dumps(data) and raw[8] not in json.dumps(data)  # account id, date of birth


def test_rich_report_counts_recipients_right(lease: Report) -> None:
    text = render_text(lease, OutputFormat.RICH)
    assert "6 messages, 6 recipients (rows 1-6)" in text
    assert "+3 more" in text and "+9" not in text  # three shown of six, not "+9 more" for six people
    assert "lease.txt.j2:7:16" in text and "Date of birth: {{ date_of_birth }}" in text
    assert "message 0" not in text and "msg 0" not in text
    assert "attachment lease-‹account_id›.txt" in text  # the file name pattern, not Jinja syntax


def test_a_link_every_message_sends_is_one_problem_counting_every_message(tracked: Report) -> None:
    [link] = [p for p in tracked.problems if p.rule == "pii-in-link"]
    assert link.messages == 7 and link.recipients == 7
    data = json.loads(render_text(tracked, OutputFormat.JSON))
    [finding] = [f for f in data["findings"] if f["rule"] == "pii-in-link"]
    assert finding["messages"] == 7 and len(finding["occurrences"]) == 7
    assert finding["location"]["file"] == "body.txt.j2" and finding["location"]["line"] == 3
    rich = render_text(tracked, OutputFormat.RICH)
    assert "7 messages, 7 recipients (rows 1-7)" in rich


def _synthetic(recipients: int, problems: int) -> Report:
    findings = []
    for p in range(problems):
        for row in range(1, recipients + 1):
            findings.append(
                Finding(
                    rule="sensitive-data",
                    severity=Severity.BLOCK,
                    message=f"date of birth {p} in body.text",
                    location=Location(message=row - 1, row=row, field="body.text", recipient=f"p{row}@example.org"),
                    fingerprint=f"{p:04d}{row:028d}",
                    value=f"01/02/19{row % 100:02d}",
                    excerpt="Date of birth: 0*/**/****",
                    entity_type="DATE_OF_BIRTH",
                    recipients=(f"p{row}@example.org",),
                    where=f"body.text:DOB{p}",
                )
            )
    report = Report(verdict=Verdict.BLOCK, findings=findings, messages=recipients, recipients=recipients)
    report.kind = "preflight"
    return report


def test_html_for_5000_recipients_with_a_problem_in_every_message_stays_under_1_mb() -> None:
    report = _synthetic(5000, 6)
    page = render_text(report, OutputFormat.HTML)
    assert len(page.encode("utf-8")) < 1_000_000
    assert page.count('class="card block"') == 6
    assert "rows 1-5000" in page and "5,000 messages, 5,000 recipients" in page
    assert "and 4,900 more" in page  # the collapsed list is bounded, and says what it left out
    data = json.loads(render_text(report, OutputFormat.JSON))
    assert [len(f["occurrences"]) for f in data["findings"]] == [5000] * 6  # JSON keeps every occurrence


def test_audit_groups_by_message_with_file_position_and_message_id(tmp_path: Path) -> None:
    for i in range(3):
        msg = EmailMessage()
        msg["From"] = "billing@shop.example"
        msg["To"] = f"customer{i}@example.org"
        msg["Subject"] = "Your receipt"
        msg["Message-ID"] = f"<receipt-{i}@shop.example>"
        msg.set_content(f"Thanks. Charged to card 4111 1111 1111 1111 on order {i}.\n")
        (tmp_path / f"{i}.eml").write_bytes(msg.as_bytes())
    report = audit([str(tmp_path)], [])
    [card] = [p for p in report.problems if p.rule == "sensitive-data"]
    assert card.messages == 3
    data = json.loads(render_text(report, OutputFormat.JSON))
    [finding] = [f for f in data["findings"] if f["rule"] == "sensitive-data"]
    # Message-IDs as the report masks them (words may be names), still telling the three apart.
    assert sorted(o["message_id"] for o in finding["occurrences"]) == [f"<r***-{i}@shop.example>" for i in range(3)]
    assert all(o["source"].endswith(".eml#1") for o in finding["occurrences"])
    page = render_text(report, OutputFormat.HTML)
    assert "found in past sends" in page and "do not send" not in page
    assert "found in past sends" in render_text(report, OutputFormat.RICH)


def test_baseline_reports_only_new_findings_and_says_how_many_it_left_out(tmp_path: Path) -> None:
    campaign = tmp_path / "lease"
    campaign.mkdir()
    for source in (EXAMPLES / "lease-contract").iterdir():
        (campaign / source.name).write_bytes(source.read_bytes())
    baseline = tmp_path / "baseline.json"
    runner = CliRunner()
    made = runner.invoke(app, ["baseline", str(campaign), "-o", str(baseline), "--quiet"])
    assert made.exit_code == 0, made.output
    stored = json.loads(baseline.read_text())
    assert len(stored["fingerprints"]) == 24 and stored["key_id"] == redact.key_id()

    unchanged = runner.invoke(app, ["preflight", str(campaign), "--baseline", str(baseline), "--format", "json"])
    assert unchanged.exit_code == 0, unchanged.output  # everything known: nothing new blocks the send
    data = json.loads(unchanged.stdout)
    assert data["verdict"] == "pass" and data["findings"] == [] and data["summary"]["baselined"] == 24
    quiet = runner.invoke(app, ["preflight", str(campaign), "--baseline", str(baseline), "--quiet"])
    assert quiet.stdout.strip() == (
        "PASS: 0 block, 0 warn, 0 info findings in 6 messages; 24 known findings left out by the baseline"
    )

    with (campaign / "customers.csv").open("a", encoding="utf-8") as fh:
        fh.write(
            "4481-2260-155,Gina,Frost,gina.frost@example.org,322 Ash Way,Springfield,IL,62704,"
            "03/02/1970,Pixel 9,40.00\n"
        )
    grown = runner.invoke(app, ["preflight", str(campaign), "--baseline", str(baseline), "--format", "json"])
    assert grown.exit_code == 1
    data = json.loads(grown.stdout)
    assert data["summary"]["baselined"] == 24
    assert {o["row"] for f in data["findings"] for o in f["occurrences"]} == {7}  # only the new recipient
    assert any("24 known finding(s) left out" in note for note in data["notes"])

    bad = runner.invoke(app, ["preflight", str(campaign), "--baseline", str(tmp_path / "missing.json")])
    assert bad.exit_code == 2 and "missing.json" in bad.output


def test_a_team_key_in_a_rules_file_gives_the_same_fingerprints_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "team.key"
    key.write_text("0123456789abcdef0123456789abcdef\n")
    rules = tmp_path / "team.yaml"
    rules.write_text("fingerprint_key_file: team.key\n")
    monkeypatch.delenv(redact.KEY_ENV, raising=False)
    monkeypatch.delenv(redact.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(redact, "_KEY", None)
    from dlp.checks import load_ruleset

    ruleset = load_ruleset([rules])
    assert redact.fingerprint_key_warning(ruleset.fingerprint_key_file) is None
    assert redact.key_source() == "project"
    shared = redact.fingerprint("sensitive-data", "01/02/1970", "body.text:DATE_OF_BIRTH")
    monkeypatch.setenv(redact.KEY_ENV, "0123456789abcdef0123456789abcdef")
    monkeypatch.setattr(redact, "_KEY", None)  # as a new process would load it
    redact.fingerprint_key_warning(None)
    assert redact.fingerprint("sensitive-data", "01/02/1970", "body.text:DATE_OF_BIRTH") == shared

    # With the per-user key, a fingerprint allowlist works here only: say so.
    monkeypatch.delenv(redact.KEY_ENV)
    monkeypatch.setattr(redact, "_KEY", None)
    redact.fingerprint_key_warning(None)
    assert redact.key_source() == "user"
    note = redact.portable_key_note("the allowlist's fingerprints")
    assert note and "per-user" in note and "fingerprint_key_file" in note
    monkeypatch.setattr(redact, "_KEY", None)


def test_heartbeat_names_the_phase_counts_and_a_measured_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    from dlp.reporters import progress

    clock = [1000.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    state = progress.ProgressState("scanning")
    state.phase("loading the model")
    clock[0] += 40
    assert state.line() == "dlp: 40s elapsed; loading the model"
    state.set_total(1000)
    clock[0] += 10
    state(100)  # 100 messages in 10 s of scanning: 900 left at 10/s
    assert state.line() == "dlp: 50s elapsed; scanning: 100/1,000 messages (10%), 10 messages/s, about 1m30s left"
    # A pause to index the list counts against the scan's rate, and the count goes on where it was.
    state.phase("indexing values", unit="rows")
    clock[0] += 10
    state.advance(500)
    assert state.line() == "dlp: 1m00s elapsed; indexing values: 500 rows, 50 rows/s"
    state.detail("analysing the text of 256 messages")
    state(100)
    assert state.line() == ("dlp: 1m00s elapsed; scanning: 100/1,000 messages (10%), 5 messages/s, about 3m00s left")
    progress_line = state.line
    state.detail("analysing the text of 256 messages")
    assert progress_line().endswith("; now analysing the text of 256 messages")


def test_heartbeat_interval_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    from dlp import progress_events
    from dlp.reporters.progress import progress_display

    monkeypatch.setenv("DLP_HEARTBEAT_SECONDS", "0.05")
    with progress_display("scanning", terminal=False, heartbeat=True):
        progress_events.phase("indexing values", unit="rows")
        progress_events.advance(500)
        time.sleep(0.3)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) >= 2 and all(re.fullmatch(r"dlp: \d+s elapsed; indexing values: 500 rows", x) for x in lines)


def test_summary_shows_wall_time_including_start_up(lease: Report) -> None:
    lease.wall_seconds = 12.3
    try:
        text = render_text(lease, OutputFormat.RICH)
        data = json.loads(render_text(lease, OutputFormat.JSON))
    finally:
        lease.wall_seconds = None
    assert "in 12.3s (" in text and "s of it on the messages)" in text
    assert data["summary"]["wall_seconds"] == 12.3


def test_a_baseline_of_sent_mail_serves_dlp_check_of_the_same_message(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "billing@shop.example"
    msg["To"] = "customer@example.org"
    msg["Subject"] = "Your receipt"
    msg["Message-ID"] = "<receipt@shop.example>"
    msg.set_content("Charged to card 4111 1111 1111 1111.\n")
    eml = tmp_path / "receipt.eml"
    eml.write_bytes(msg.as_bytes())
    baseline = tmp_path / "known.json"
    runner = CliRunner()
    assert runner.invoke(app, ["baseline", str(eml), "-o", str(baseline), "--quiet"]).exit_code == 0
    before = runner.invoke(app, ["check", str(eml), "--format", "json"])
    assert before.exit_code == 1
    after = runner.invoke(app, ["check", str(eml), "--format", "json", "--baseline", str(baseline)])
    assert after.exit_code == 0, after.output
    data = json.loads(after.stdout)
    assert data["verdict"] != "block" and data["summary"]["baselined"] >= 1


def test_typed_and_dict_sections_render_alike_in_every_format() -> None:
    from dlp.model import ReportSection

    typed = ReportSection("List health", ("issue", "rows"), (("rows checked", 6), ("<b>x</b>", 1)), caption="ok")
    plain = {"title": "Audit", "columns": ["what", "count"], "rows": [["read", 3]], "read": 3}
    report = Report(verdict=Verdict.PASS, findings=[], sections={"health": typed, "audit": plain})
    data = json.loads(render_text(report, OutputFormat.JSON))
    assert data["sections"]["health"] == {
        "title": "List health",
        "columns": ["issue", "rows"],
        "rows": [["rows checked", 6], ["<b>x</b>", 1]],
        "caption": "ok",
    }
    assert data["sections"]["audit"]["read"] == 3
    rich = render_text(report, OutputFormat.RICH)
    assert "List health" in rich and "rows checked" in rich and "Audit" in rich
    page = render_text(report, OutputFormat.HTML)
    assert "<h2>List health</h2>" in page and "&lt;b&gt;x&lt;/b&gt;" in page and "<h2>Audit</h2>" in page
