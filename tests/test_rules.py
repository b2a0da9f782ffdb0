"""Rule files: validated on load, layered over the catalogue, usable from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_dlp, write_campaign

from dlp.api import preflight
from dlp.checks import load_ruleset
from dlp.errors import InputError


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_catalogue_has_the_spec_rules_of_this_release() -> None:
    ruleset = load_ruleset()
    for rule_id, severity in {
        "exposed-recipients": "block",
        "template-error": "block",
        "sensitive-data": "block",
        "personal-data": "warn",
    }.items():
        rule = ruleset.get(rule_id)
        assert rule.severity == severity and rule.description and rule.remediation


def test_typo_in_rules_file_is_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    path = rules_file(tmp_path, "rules:\n  - id: exposed-recipients\n    severty: warn\n")
    run = run_dlp("rules", "validate", str(path))
    assert run.code == 2
    assert f"{path}:3: unknown key 'rules.0.severty'" in run.stderr and "Traceback" not in run.stderr


def test_unknown_rule_id_and_bad_parameter_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="rule 'exposed-recipient' is not in the catalogue"):
        load_ruleset([rules_file(tmp_path, "rules:\n  - id: exposed-recipient\n    severity: warn\n")])
    with pytest.raises(InputError, match="parameter 'block_at'"):
        load_ruleset([rules_file(tmp_path, "rules:\n  - id: exposed-recipients\n    parameters: {block_at: lots}\n")])
    with pytest.raises(InputError, match="parameter 'bogus'"):
        load_ruleset([rules_file(tmp_path, "rules:\n  - id: exposed-recipients\n    parameters: {bogus: 1}\n")])


def test_a_mistake_the_detector_finds_names_the_file_and_line_too(tmp_path: Path) -> None:
    """Parameter values are checked by the rule's detector after the file is read; the error still points
    at the line to fix (README: `dlp rules validate` names the file and line)."""
    text = (
        "rules:\n  - id: personal-data\n    severity: info\n  - id: exposed-recipients\n    parameters:\n"
        "      warn_at: 2\n      block_at: lots\n  - id: codename\n    description: x\n    severity: block\n"
        "    detector: pattern\n"
    )
    path = rules_file(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_ruleset([path])
    assert str(caught.value).startswith(f"{path}:7: rule 'exposed-recipients' parameter 'block_at'")
    path.write_text(text.replace("block_at: lots", "block_at: 5"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_ruleset([path])
    assert str(caught.value).startswith(f"{path}:8: rule 'codename' uses detector 'pattern' but lists no patterns")
    path.write_text("rules:\n  - id: personal-data\n    severity: info\n  - id: codenam\n    severity: warn\n")
    with pytest.raises(InputError) as caught:
        load_ruleset([path])
    assert str(caught.value).startswith(f"{path}:4: rule 'codenam' is not in the catalogue")


def test_validate_ok_and_list_shows_catalogue(tmp_path: Path) -> None:
    path = rules_file(tmp_path, "rules:\n  - id: personal-data\n    enabled: false\n")
    run = run_dlp("rules", "validate", str(path))
    assert run.code == 0 and run.stdout.startswith("ok:")
    listing = run_dlp("rules", "list", "--format", "json", "--rules", str(path))
    rules = {r["id"]: r for r in listing.json}
    assert rules["personal-data"]["enabled"] is False
    assert rules["exposed-recipients"]["severity"] == "block"
    table = run_dlp("rules", "list")
    assert table.code == 0 and "exposed-recipients" in table.stdout and "template-error" in table.stdout


CAMPAIGN = """
name: t
from: "Acme <news@acme.example>"
to: "{{ email }}"
subject: "Your statement"
body:
  text: body.txt.j2
recipients: people.csv
"""


def test_override_disable_allowlist_and_pattern_rule(tmp_path: Path) -> None:
    files = {
        "body.txt.j2": "Dear customer,\n\nthe card on file is 4111 1111 1111 1111.\n\nProject BLUEFIN ships soon.\n",
        "people.csv": "email\na@example.org\n",
    }
    path = write_campaign(tmp_path / "c", CAMPAIGN, files)
    assert {f.rule for f in preflight(path).findings} == {"sensitive-data"}

    allow = rules_file(tmp_path, "allowlist:\n  values: ['4111 1111 1111 1111']\n")
    assert preflight(path, [allow]).verdict == "pass"

    softer = rules_file(tmp_path, "rules:\n  - id: sensitive-data\n    severity: warn\n")
    assert preflight(path, [softer]).verdict == "warn"

    custom = rules_file(
        tmp_path,
        "rules:\n"
        "  - id: project-codename\n"
        "    description: Internal project code name\n"
        "    severity: block\n"
        "    detector: pattern\n"
        "    keywords: [bluefin]\n"
        "    patterns: [{name: bluefin, regex: '\\bproject\\s+bluefin\\b'}]\n"
        "  - id: sensitive-data\n"
        "    enabled: false\n",
    )
    report = preflight(path, [custom])
    assert [f.rule for f in report.findings] == ["project-codename"]
    assert report.verdict == "block"


def test_campaign_rules_key_is_applied(tmp_path: Path) -> None:
    files = {
        "body.txt.j2": "Card 4111 1111 1111 1111.\n",
        "people.csv": "email\na@example.org\n",
        "local-rules.yaml": "rules:\n  - id: sensitive-data\n    enabled: false\n",
    }
    path = write_campaign(tmp_path / "c", CAMPAIGN + "rules: [local-rules.yaml]\n", files)
    assert preflight(path).verdict == "pass"
