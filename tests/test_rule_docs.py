"""The rule pages (docs/rules/<id>.md) and `dlp rules show` say what the code does.

Every rule of the catalogue has a page and every page a rule; each page's parameter table matches the
rule's parameter model and catalogue defaults; and each page's example, run through dlp, really fires
the rule it documents (an `eml` block through `dlp.scan_message`, a campaign's files through
`dlp.preflight`).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlp.checks import load_ruleset
from dlp.cli import app
from dlp.model import Severity
from dlp.ruledocs import documented_rule_ids, page_sections, rule_doc_file, rule_doc_path, rule_doc_url
from dlp.ruleinfo import page_problems, render_page

runner = CliRunner()
CATALOGUE = load_ruleset([])
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def test_every_rule_has_a_page_and_every_page_a_rule() -> None:
    assert documented_rule_ids() == set(CATALOGUE.rules)
    assert page_problems(CATALOGUE) == []


def test_a_page_whose_parameters_drift_from_the_code_is_caught() -> None:
    rule = CATALOGUE.rules["exposed-recipients"]
    text = rule_doc_file(rule.id).read_text(encoding="utf-8")
    moved = dataclasses.replace(rule, parameters={**rule.parameters, "block_at": 25})
    assert render_page(moved, text) != text
    assert "| `block_at` | integer | `25` |" in render_page(moved, text)
    stricter = dataclasses.replace(rule, severity=Severity.WARN)
    assert "Default severity: **warn**" in render_page(stricter, text)


def test_doc_url_is_the_page_path_or_under_the_published_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DLP_RULE_DOCS_URL", raising=False)
    assert rule_doc_url("sensitive-data") == rule_doc_path("sensitive-data") == "docs/rules/sensitive-data.md"
    monkeypatch.setenv("DLP_RULE_DOCS_URL", "https://docs.example.org/dlp/rules/")
    assert rule_doc_url("sensitive-data") == "https://docs.example.org/dlp/rules/sensitive-data.md"
    assert rule_doc_url("project-codename") is None  # a user's own rule has no page


def _example_blocks(rule_id: str) -> list[tuple[str, str, str]]:
    """(language, file name or '', content) of each fenced block in the page's Example section."""
    example = page_sections(rule_doc_file(rule_id).read_text(encoding="utf-8"))["Example"]
    out = []
    for info, body in FENCE.findall(example + "\n"):
        lang, _, name = info.strip().partition(" ")
        out.append((lang, name.strip(), body))
    return out


@pytest.mark.parametrize("rule_id", sorted(CATALOGUE.rules))
def test_the_pages_example_fires_its_rule(rule_id: str, tmp_path: Path) -> None:
    import dlp
    from dlp.sources.email_message import parse_bytes

    blocks = _example_blocks(rule_id)
    files = {name: body for _, name, body in blocks if name}
    messages = [body for lang, name, body in blocks if lang == "eml" and not name]
    assert files or messages, f"docs/rules/{rule_id}.md has no runnable example"
    if files:
        assert "campaign.yaml" in files, f"docs/rules/{rule_id}.md: a file example needs campaign.yaml"
        for name, body in files.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(body, encoding="utf-8")
        reports = [dlp.preflight(tmp_path / "campaign.yaml")]
    else:
        reports = [dlp.scan_message(parse_bytes(m.encode())) for m in messages]
    for report in reports:
        assert rule_id in report.rule_ids, (rule_id, report.rule_ids)
        found = next(f for f in report.findings if f.rule == rule_id)
        # The placeholder example carries no personal data, so (as its page says) it warns rather than blocks.
        expected = Severity.WARN if rule_id == "placeholder-address" else CATALOGUE.rules[rule_id].severity
        assert found.severity == expected, (rule_id, found.severity)


def test_rules_show_prints_the_rule_with_values_in_effect_after_a_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text("rules:\n  - id: exposed-recipients\n    parameters: {block_at: 5}\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "show", "exposed-recipients", "--rules", str(rules)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert CATALOGUE.rules["exposed-recipients"].description.split(":")[0] in " ".join(out.split())
    assert "Example" in out and "care@acme.example" in out  # the example comes from the page
    assert "5  (changed; default 10)" in out
    assert "docs/rules/exposed-recipients.md" in out

    data = __import__("json").loads(
        runner.invoke(app, ["rules", "show", "exposed-recipients", "--rules", str(rules), "-f", "json"]).output
    )
    block_at = next(p for p in data["parameters"] if p["name"] == "block_at")
    assert (block_at["value"], block_at["default"], block_at["changed"]) == (5, 10, True)
    assert data["severity"] == "block" and data["doc"] == "docs/rules/exposed-recipients.md"
    assert "From: Acme Care" in data["example"]


def test_rules_show_unknown_id_is_exit_2_with_close_matches() -> None:
    result = runner.invoke(app, ["rules", "show", "exposd-recipients"])
    assert result.exit_code == 2
    assert "no rule 'exposd-recipients'" in result.stderr and "'exposed-recipients'" in result.stderr
    result = runner.invoke(app, ["rules", "show", "address"])
    assert result.exit_code == 2
    for rule_id in ("placeholder-address", "invalid-address", "disposable-address"):
        assert rule_id in result.stderr
    assert "Traceback" not in result.output


def test_rules_show_a_users_own_rule_names_its_file_not_a_page(tmp_path: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(
        "rules:\n  - id: project-codename\n    description: Internal project code name\n    severity: block\n"
        "    detector: pattern\n    keywords: [bluefin]\n    patterns: [{name: bluefin, regex: 'project bluefin'}]\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["rules", "show", "project-codename", "--rules", str(rules)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "no page: a rule of your own, defined in" in result.output and "ours.yaml" in result.output
    assert "Patterns: bluefin" in result.output


def test_rules_list_json_links_each_rule_to_its_page() -> None:
    import json

    result = runner.invoke(app, ["rules", "list", "-f", "json"])
    assert result.exit_code == 0
    assert {r["id"]: r["doc"] for r in json.loads(result.output)} == {
        rule_id: f"docs/rules/{rule_id}.md" for rule_id in CATALOGUE.rules
    }


@pytest.mark.parametrize("rule_id", sorted(CATALOGUE.rules))
def test_the_rules_file_snippets_on_a_page_are_accepted(rule_id: str, tmp_path: Path) -> None:
    text = rule_doc_file(rule_id).read_text(encoding="utf-8")
    snippets = [
        body
        for info, body in FENCE.findall(text)
        if info.strip() == "yaml" and body.startswith(("rules:", "allowlist:", "recognizers:", "vocabulary:"))
    ]
    for i, body in enumerate(snippets):
        path = tmp_path / f"snippet{i}.yaml"
        path.write_text(body, encoding="utf-8")
        load_ruleset([path])  # InputError (exit 2) when the page shows a rules file dlp refuses


@pytest.mark.parametrize("rule_id", sorted(r for r in CATALOGUE.rules if "entities" in CATALOGUE.rules[r].parameters))
def test_a_page_names_every_entity_its_rule_reports(rule_id: str) -> None:
    """The page says what the rule catches: every entity type of its default `entities` is named there."""
    text = rule_doc_file(rule_id).read_text(encoding="utf-8")
    what = page_sections(text)["What it catches"]
    missing = [e for e in CATALOGUE.rules[rule_id].parameters["entities"] if f"`{e}`" not in what]
    assert not missing, f"docs/rules/{rule_id}.md does not name {missing} under 'What it catches'"


def test_rules_show_names_each_file_of_a_campaign_example() -> None:
    """A campaign example is several files: the terminal page says which block is which file."""
    result = runner.invoke(app, ["rules", "show", "unsafe-attachment-path"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    lines = [line.strip("│ ") for line in result.output.splitlines()]
    for name in ("campaign.yaml", "body.txt.j2", "statements/1001.txt", "people.csv"):
        assert f"{name}:" in lines, name
    assert lines.index("campaign.yaml:") < lines.index("people.csv:")
