"""template-error: undefined variables per row, render errors, leftover merge syntax."""

from __future__ import annotations

from pathlib import Path

from conftest import write_campaign

from dlp.api import preflight

CAMPAIGN = """
name: t
from: "Acme <news@acme.example>"
to: "{{ email }}"
subject: "{{ subject_line }}"
body:
  text: body.txt.j2
recipients: people.jsonl
"""


def rows(n: int, missing_every: int) -> str:
    lines = []
    for i in range(n):
        row = f'{{"email": "p{i}@example.org", "subject_line": "News"'
        if i % missing_every:
            row += f', "first_name": "Name{i}"'
        lines.append(row + "}")
    return "\n".join(lines) + "\n"


def test_undefined_variable_is_one_finding_with_row_count(campaign_dir: Path) -> None:
    files = {"body.txt.j2": "Hello,\n\ndear {{ first_name }}, welcome.\n", "people.jsonl": rows(12, 4)}
    report = preflight(write_campaign(campaign_dir, CAMPAIGN, files))
    assert report.verdict == "block"
    (finding,) = [f for f in report.findings if f.rule == "template-error"]
    assert "undefined variable 'first_name'" in finding.message
    assert finding.count == 3  # rows 0, 4, 8 lack the key
    assert finding.recipients_total == 3
    assert finding.location.field == "body.text" and finding.location.line == 3
    # The message is not rendered with an empty name: the row is reported instead.
    assert report.messages == 12


def test_leftover_merge_tags_in_output(campaign_dir: Path) -> None:
    body = "Hi *|FNAME|*,\n\nyour code is %%promo%% and {{ '{{' }} name }} stays.\n\nDear [FirstName],\n"
    files = {"body.txt.j2": body, "people.jsonl": '{"email": "a@example.org", "subject_line": "Hi"}\n'}
    report = preflight(write_campaign(campaign_dir, CAMPAIGN, files))
    found = sorted(f.message.split(")")[0] for f in report.findings if f.rule == "template-error")
    assert found == [
        "leftover merge syntax (bracket",
        "leftover merge syntax (jinja",
        "leftover merge syntax (mailchimp",
        "leftover merge syntax (percent",
    ]


def test_sandbox_blocks_unsafe_attribute_access(campaign_dir: Path) -> None:
    body = "{{ email.__class__.__mro__ }}\n"
    files = {"body.txt.j2": body, "people.jsonl": '{"email": "a@example.org", "subject_line": "Hi"}\n'}
    report = preflight(write_campaign(campaign_dir, CAMPAIGN, files))
    errors = [f for f in report.findings if f.rule == "template-error"]
    assert len(errors) == 1 and "unsafe" in errors[0].message and "<class" not in errors[0].message


def test_clean_messages_have_no_template_error(campaign_dir: Path) -> None:
    # rows(5, 100) leaves out first_name on row 0 only; give it one, so every row has every variable.
    files = {"body.txt.j2": "Hello {{ first_name }}.\n", "people.jsonl": rows(5, 100)}
    fixed = files["people.jsonl"].replace('"subject_line": "News"}', '"subject_line": "News", "first_name": "Zoe"}')
    assert fixed.count('"first_name"') == 5
    files["people.jsonl"] = fixed
    report = preflight(write_campaign(campaign_dir, CAMPAIGN, files))
    assert report.messages == 5
    assert [f.message for f in report.findings if f.rule == "template-error"] == []
