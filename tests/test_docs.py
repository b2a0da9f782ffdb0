"""The pages in docs/ say what the code does: each test fails when a page and the code drift apart.

Every `DLP_*` variable the code reads is documented; every option of every command is named in the README
or a page; the budgets table is `dlp.budgets.DEFAULTS` plus the archive reading limits, with their
defaults; the campaign reference names every key the campaign model accepts and is itself a valid
campaign; the JSON report page names every field a real preflight and a real audit print.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from pydantic import BaseModel

from dlp.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = {path: path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]}
ALL_DOCS = "\n".join(DOCS.values())
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# Read by dlp but set by dlp itself, never by a user: the settings `dlp serve` hands its fork server.
INTERNAL_VARIABLES = {"DLP_SERVE_PRELOAD"}


def page(name: str) -> str:
    return DOCS[ROOT / name]


def test_every_environment_variable_dlp_reads_is_documented() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "dlp").rglob("*.py"))
    read = set(re.findall(r"[\"'](DLP_[A-Z0-9_]+)[\"']", source)) - INTERNAL_VARIABLES
    assert {"DLP_WORKERS", "DLP_ANALYSIS_SECONDS", "DLP_FINGERPRINT_KEY"} <= read  # the scan itself works
    undocumented = sorted(v for v in read if not re.search(rf"\b{v}\b", ALL_DOCS))
    assert not undocumented, f"read by dlp, named in no page: {undocumented}"


def _leaf_commands() -> list[tuple[str, Any]]:
    out = []
    stack: list[tuple[str, Any]] = [("dlp", typer.main.get_command(app))]
    while stack:
        name, command = stack.pop()
        if getattr(command, "commands", None):
            stack.extend((f"{name} {sub}", c) for sub, c in command.commands.items())
        else:
            out.append((name, command))
    return out


def _named(option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}\b", ALL_DOCS) is not None


def test_every_option_of_every_command_is_named_in_the_docs() -> None:
    commands = _leaf_commands()
    assert {"dlp preflight", "dlp serve", "dlp baseline", "dlp rules show"} <= {name for name, _ in commands}
    missing = [
        f"{name} {option}"
        for name, command in commands
        for param in command.params
        for option in param.opts
        if option.startswith("--") and option != "--help" and not _named(option)
    ]
    assert not missing, f"options no page names: {missing}"


def _table_rows(text: str, first_cell: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(first_cell, cells[0]):
            rows[cells[0].strip("`")] = cells
    return rows


def _number(cell: str) -> float:
    """`100,000` -> 100000, `200 MiB` -> 209715200, `4 MiB` -> 4194304."""
    match = re.match(r"([\d,.]+)\s*(MiB)?", cell)
    assert match, cell
    value = float(match.group(1).replace(",", ""))
    return value * 1024 * 1024 if match.group(2) else value


def test_the_budgets_table_is_the_code() -> None:
    from dlp.budgets import DEFAULTS
    from dlp.sources.limits import MB, Limits

    rows = _table_rows(page("docs/budgets.md"), r"`DLP_[A-Z_]+`")
    archive = {
        "DLP_MAX_MESSAGE_MB": Limits().max_message_bytes / MB,
        "DLP_MAX_INFLATED_MB": Limits().max_inflated_bytes / MB,
        "DLP_MAX_INFLATE_RATIO": Limits().max_inflate_ratio,
    }
    expected = {name: default for name, (default, _) in DEFAULTS.items()} | archive
    assert set(rows) == set(expected), set(rows) ^ set(expected)
    for name, default in expected.items():
        assert _number(rows[name][1]) == default, (name, rows[name][1], default)


def _keys(model: type[BaseModel]) -> set[str]:
    return {spec.alias or name for name, spec in model.model_fields.items()}


def test_the_campaign_reference_names_every_key_and_is_a_valid_campaign(tmp_path: Path) -> None:
    from dlp.campaign import AttachmentSpec, BodySpec, CampaignSpec, Syntax, load_campaign

    text = page("docs/campaign.md")
    shown = next(body for info, body in FENCE.findall(text) if info.strip() == "yaml")
    data = yaml.safe_load(shown)
    assert set(data) == _keys(CampaignSpec)
    assert set(data["body"]) == _keys(BodySpec)
    assert set().union(*data["attachments"]) == _keys(AttachmentSpec)
    (tmp_path / "campaign.yaml").write_text(shown, encoding="utf-8")
    for name in [
        data["body"]["text"],
        data["body"]["html"],
        *(a["template"] for a in data["attachments"] if "template" in a),
    ]:
        (tmp_path / name).write_text("Hello {{ first_name }}\n", encoding="utf-8")
    syntaxes = re.search(r"^syntax:.*?detected when absent", shown, re.MULTILINE | re.DOTALL).group()
    assert set(re.findall(r"\b[a-z]+\b", syntaxes)) >= set(typing.get_args(Syntax)), "a template syntax is missing"
    campaign = load_campaign(tmp_path / "campaign.yaml")  # exit 2 (InputError) if the page shows a bad campaign
    assert campaign.spec.email_column == data["email_column"]


@pytest.fixture(scope="module")
def json_reports(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """A real preflight and a real audit, as JSON."""
    import json

    from dlp.api import preflight
    from dlp.audit import audit
    from dlp.reporters.json_report import report_dict

    return [
        json.loads(json.dumps(report_dict(preflight(ROOT / "examples/lease-contract/campaign.yaml")))),
        json.loads(json.dumps(report_dict(audit([ROOT / "examples/sent-mail/sent.mbox"])))),
    ]


def _documented_fields(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_][a-z_-]*)`", text))


def test_the_reports_page_names_every_json_field(json_reports: list[dict[str, Any]]) -> None:
    documented = _documented_fields(page("docs/reports.md"))
    seen: dict[str, set[str]] = {"top": set(), "summary": set(), "finding": set(), "location": set()}
    seen |= {"occurrence": set(), "section": set(), "details": set()}
    for report in json_reports:
        seen["top"] |= set(report)
        seen["summary"] |= set(report["summary"])
        seen["section"] |= set(report.get("sections", {}))
        for finding in report["findings"]:
            seen["finding"] |= set(finding)
            seen["location"] |= set(finding["location"])
            seen["details"] |= set(finding.get("details", {}))
            for occurrence in finding["occurrences"]:
                seen["occurrence"] |= set(occurrence)
    assert {"occurrences", "entity_type", "origin"} <= seen["finding"] and {"row", "file"} <= seen["location"]
    missing = {kind: sorted(keys - documented) for kind, keys in seen.items() if keys - documented}
    assert not missing, f"JSON fields docs/reports.md does not name: {missing}"
