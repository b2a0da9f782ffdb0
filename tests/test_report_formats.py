"""SARIF and HTML reports: the shapes other tools consume, with the same redaction as JSON."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_dlp
from jsonschema import Draft4Validator

from dlp.api import preflight
from dlp.model import Report
from dlp.reporters import OutputFormat, render_text


@pytest.fixture(scope="module")
def lease_report() -> Report:
    return preflight(EXAMPLES / "lease-contract" / "campaign.yaml")


SARIF_SCHEMA = Path(__file__).parent / "data" / "third_party" / "sarif-spec" / "sarif-schema-2.1.0.json"


def _validate_sarif(sarif: dict) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft4Validator(schema).iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_sarif_is_2_1_0_with_one_result_per_problem(lease_report: Report) -> None:
    sarif = json.loads(render_text(lease_report, OutputFormat.SARIF))
    _validate_sarif(sarif)
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "dlp"
    # 6 recipients x (date of birth, account number) x (body, attachment): 4 problems, not 24 rows.
    assert len(run["results"]) == len(lease_report.problems) == 4 < len(lease_report.findings)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert rules[result["ruleIndex"]]["helpUri"].endswith(f"docs/rules/{result['ruleId']}.md")
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        assert result["partialFingerprints"]["dlpFingerprint/v1"]
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        # On the template that produces the value, relative to a base the run declares; never campaign.yaml.
        assert artifact["uri"].endswith(("lease.txt.j2", "lease-summary.txt.j2")) and not artifact["uri"].startswith(
            "/"
        )
        assert run["originalUriBaseIds"][artifact["uriBaseId"]]["uri"].startswith("file:///")
        assert result["properties"]["messages"] == 6 and result["properties"]["recipients"] == 6
    regions = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rpartition("/")[2]): r[
            "locations"
        ][0]["physicalLocation"]["region"]
        for r in run["results"]
    }
    # `Date of birth: {{ date_of_birth }}` is line 7 of lease.txt.j2, its tag opening at column 16.
    assert regions[("sensitive-data", "lease.txt.j2")] == {"startLine": 7, "startColumn": 16}
    assert regions[("sensitive-data", "lease-summary.txt.j2")]["startLine"] == 5
    assert regions[("personal-data", "lease.txt.j2")]["startLine"] == 5
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["sensitive-data"] == "error"
    assert run["properties"]["verdict"] == "block"


def test_sarif_describes_rules_as_overridden_by_the_user(tmp_path: Path) -> None:
    rules = tmp_path / "team.yaml"
    rules.write_text(
        "rules:\n  - id: personal-data\n    severity: block\n    description: 'Team policy: no account numbers.'\n"
        "    remediation: Ask the data protection officer.\n",
        encoding="utf-8",
    )
    report = preflight(EXAMPLES / "lease-contract" / "campaign.yaml", [rules])
    sarif = json.loads(render_text(report, OutputFormat.SARIF))
    _validate_sarif(sarif)
    [descriptor] = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "personal-data"]
    assert descriptor["shortDescription"]["text"] == "Team policy: no account numbers."
    assert descriptor["defaultConfiguration"]["level"] == "error"
    assert descriptor["help"]["text"] == "Ask the data protection officer."


def test_audit_sarif_is_valid_and_points_at_the_archive_file(tmp_path: Path) -> None:
    from dlp.audit import audit

    eml = tmp_path / "sent.eml"
    eml.write_bytes(
        b"From: shop@acme.example\r\nTo: anna.rossi@example.org\r\nSubject: order\r\n"
        b"Message-ID: <1@acme.example>\r\n\r\nYour card 4111 1111 1111 1111 was charged.\r\n"
    )
    report = audit([str(eml)], [])
    sarif = json.loads(render_text(report, OutputFormat.SARIF))
    _validate_sarif(sarif)
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "sensitive-data"]
    assert "sent.eml" in result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert "4111 1111 1111 1111" not in json.dumps(sarif)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_shows_verdict_rules_and_escapes_values(lease_report: Report) -> None:
    page = render_text(lease_report, OutputFormat.HTML)
    parser = _Collector()
    parser.feed(page)
    text = " ".join(parser.text)
    assert "BLOCK — do not send" in text
    assert "sensitive-data" in text and "Findings by rule" in text
    assert parser.tags.count("tr") > len(lease_report.findings)
    # A value carrying markup is escaped, never injected into the page.
    evil = lease_report.findings[0].with_changes(message="<script>alert(1)</script>")
    page = render_text(Report(verdict=lease_report.verdict, findings=[evil]), OutputFormat.HTML)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_report_to_file_prints_the_verdict_line(tmp_path) -> None:
    out = tmp_path / "report.sarif"
    run = run_dlp("preflight", "examples/survey-in-to/campaign.yaml", "--format", "sarif", "--output", str(out))
    assert run.code == 1 and run.stdout == ""
    assert run.stderr.startswith("BLOCK:")
    assert json.loads(out.read_text())["runs"][0]["results"][0]["ruleId"] == "exposed-recipients"


def test_rich_report_to_file_is_the_plain_text_report(tmp_path) -> None:
    out = tmp_path / "report.txt"
    run = run_dlp("preflight", "examples/survey-in-to/campaign.yaml", "--output", str(out))
    assert run.code == 1
    text = out.read_text()
    assert "BLOCK — do not send" in text and "exposed-recipients" in text and "Summary:" in text
    assert "\x1b[" not in text


@pytest.mark.parametrize(
    ("messages", "recipients", "expected"), [(1, 1, "1 message, 1 recipient"), (6, 0, "6 messages, 0 recipients")]
)
def test_summary_lines_count_one_message_in_the_singular(messages: int, recipients: int, expected: str) -> None:
    from dlp.model import Verdict
    from dlp.reporters import summary_line

    report = Report(verdict=Verdict.PASS, findings=[], messages=messages, recipients=recipients)
    assert f"Summary: {expected}, 0 block" in render_text(report, OutputFormat.RICH)
    assert summary_line(report).endswith(f"findings in {expected.partition(',')[0]}")


def test_an_audit_that_could_not_read_a_message_never_reads_as_a_clean_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real mbox with one message over DLP_MAX_MESSAGE_MB: the verdict stays pass (SPEC), but the banner
    and the one-line verdict say a message could not be read, not "nothing found in past sends"."""
    from dlp.audit import audit
    from dlp.reporters import summary_line

    small = "From a@b Mon Jan  1 00:00:00 2024\nFrom: care@acme.example\nTo: ann@example.org\nSubject: Hi\n\nHello.\n\n"
    big = small.replace("Hello.", "Hello there.\n" * 100_000)
    (tmp_path / "sent.mbox").write_text(small + big, encoding="utf-8")
    monkeypatch.setenv("DLP_MAX_MESSAGE_MB", "1")
    report = audit([tmp_path / "sent.mbox"])
    assert report.verdict.value == "pass" and report.messages == 1
    assert summary_line(report) == "PASS: 0 block, 0 warn, 0 info findings in 1 message; 1 message could not be read"
    rich = render_text(report, OutputFormat.RICH)
    assert "PASS — nothing found in the messages scanned; 1 message could not be read" in rich
    assert "nothing found in past sends" not in rich
    assert "1 message could not be read" in render_text(report, OutputFormat.HTML)
