"""SARIF and HTML reports: the shapes other tools consume, with the same redaction as JSON."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from conftest import EXAMPLES, run_dlp

from dlp.api import preflight
from dlp.model import Report
from dlp.reporters import OutputFormat, render_text


@pytest.fixture(scope="module")
def lease_report() -> Report:
    return preflight(EXAMPLES / "lease-contract" / "campaign.yaml")


def test_sarif_is_2_1_0_with_one_result_per_finding(lease_report: Report) -> None:
    sarif = json.loads(render_text(lease_report, OutputFormat.SARIF))
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "dlp"
    assert len(run["results"]) == len(lease_report.findings)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        assert result["partialFingerprints"]["dlpFingerprint/v1"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["sensitive-data"] == "error"
    assert run["properties"]["verdict"] == "block"


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
