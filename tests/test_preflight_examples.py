"""The bundled examples, run as a user runs them: `dlp preflight` in a subprocess."""

from __future__ import annotations

import csv

import pytest
from conftest import EXAMPLES, run_dlp


def raw_values(example: str) -> list[str]:
    """Every personal value in the example's recipient file (ids, names, addresses, dates)."""
    with open(EXAMPLES / example / "customers.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    skip = {"plan", "points", "device", "monthly_fee", "state", "city", "zip"}
    return sorted({v for row in rows for k, v in row.items() if k not in skip and len(v) >= 4})


@pytest.mark.parametrize(
    ("example", "verdict", "code", "rules"),
    [
        ("newsletter", "pass", 0, set()),
        ("survey-in-to", "block", 1, {"exposed-recipients"}),
        ("lease-contract", "block", 1, {"sensitive-data"}),
    ],
)
def test_example_verdicts(example: str, verdict: str, code: int, rules: set[str]) -> None:
    run = run_dlp("preflight", f"examples/{example}/campaign.yaml", "--format", "json")
    assert run.code == code, run.stderr
    report = run.json
    assert report["verdict"] == verdict
    assert report["tool"] == "dlp"
    fired = {f["rule"] for f in report["findings"]}
    assert rules <= fired
    if verdict == "pass":
        assert report["findings"] == []
    with open(EXAMPLES / example / "customers.csv", encoding="utf-8") as fh:
        assert report["summary"]["messages"] == (1 if example == "survey-in-to" else sum(1 for _ in fh) - 1)


def test_survey_reports_how_many_addresses_are_exposed() -> None:
    report = run_dlp("preflight", "examples/survey-in-to/campaign.yaml", "--format", "json").json
    (finding,) = [f for f in report["findings"] if f["rule"] == "exposed-recipients"]
    assert finding["severity"] == "block"
    assert finding["count"] == 25
    assert finding["location"]["field"] == "To"
    assert "25 external addresses" in finding["message"]


def test_lease_contract_finds_date_of_birth_in_body_and_attachment() -> None:
    report = run_dlp("preflight", "examples/lease-contract/campaign.yaml", "--format", "json").json
    dob = [f for f in report["findings"] if f.get("entity_type") == "DATE_OF_BIRTH"]
    fields = {f["location"]["field"] for f in dob}
    assert "body.text" in fields
    assert any(field.startswith("attachment:lease-") for field in fields)
    assert all(f["severity"] == "block" and f["origin"] == "variable:date_of_birth" for f in dob)
    # One finding per problem (body, attachment), each listing all six recipients by their list row.
    assert len(dob) == 2
    for finding in dob:
        assert sorted(o["row"] for o in finding["occurrences"]) == [1, 2, 3, 4, 5, 6]
        assert finding["messages"] == finding["count"] == finding["recipients_total"] == 6
        assert finding["location"]["file"] in ("lease.txt.j2", "lease-summary.txt.j2")


@pytest.mark.parametrize("example", ["survey-in-to", "lease-contract"])
@pytest.mark.parametrize("fmt", ["rich", "json", "sarif", "html"])
def test_no_raw_value_leaks_without_show_values(example: str, fmt: str) -> None:
    run = run_dlp("preflight", f"examples/{example}/campaign.yaml", "--format", fmt)
    assert run.code == 1
    output = run.stdout + run.stderr
    leaked = [v for v in raw_values(example) if v in output]
    assert leaked == []


def test_show_values_prints_the_raw_values() -> None:
    run = run_dlp("preflight", "examples/lease-contract/campaign.yaml", "--format", "json", "--show-values")
    values = raw_values("lease-contract")
    dates = [v for v in values if v.count("/") == 2]
    assert dates and all(d in run.stdout for d in dates)


def test_rich_report_has_banner_rule_table_hints_and_summary() -> None:
    run = run_dlp("preflight", "examples/lease-contract/campaign.yaml")
    assert run.code == 1
    out = run.stdout
    assert "BLOCK" in out
    assert "sensitive-data" in out
    assert "Findings by rule" in out
    assert "Summary: 6 messages, 6 recipients" in out
    assert "secure" in out  # the remediation hint of sensitive-data
    assert "Date of birth" in out  # a redacted excerpt keeps its label


def test_quiet_prints_one_line() -> None:
    run = run_dlp("preflight", "examples/newsletter/campaign.yaml", "--quiet")
    assert run.code == 0
    assert run.stdout.strip().splitlines() == ["PASS: 0 block, 0 warn, 0 info findings in 25 messages"]


def test_output_file_and_fail_on_warn(tmp_path) -> None:
    out = tmp_path / "report.json"
    run = run_dlp("preflight", "examples/newsletter/campaign.yaml", "--format", "json", "--output", str(out))
    assert run.code == 0 and run.stdout == ""
    assert '"verdict": "pass"' in out.read_text()
    rules = tmp_path / "strict.yaml"
    rules.write_text("rules:\n  - id: exposed-recipients\n    severity: warn\n")
    run = run_dlp("preflight", "examples/survey-in-to/campaign.yaml", "--rules", str(rules), "--quiet")
    assert run.code == 0 and run.stdout.startswith("BLOCK") is False
    run = run_dlp(
        "preflight", "examples/survey-in-to/campaign.yaml", "--rules", str(rules), "--fail-on", "warn", "--quiet"
    )
    assert run.code == 1
