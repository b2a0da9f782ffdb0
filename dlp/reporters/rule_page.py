"""`dlp rules show ID`: one rule as a page on the terminal, or as JSON for programs.

What the rule catches and how to fix it come from the catalogue, the example from the rule's docs page
(printed as Markdown), the parameters with the values in effect after the user's rules files, marking
the ones a file changed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic_core import to_jsonable_python
from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dlp.model import Severity
from dlp.redact import strip_controls
from dlp.reporters.rich_report import SEVERITY_STYLE

if TYPE_CHECKING:
    from dlp.ruleinfo import RuleInfo


def rule_json(info: RuleInfo) -> str:
    rule = info.rule
    data: dict[str, Any] = {
        "id": rule.id,
        "severity": rule.severity.value,
        "enabled": rule.enabled,
        "description": rule.description,
        "remediation": rule.remediation,
        "detector": rule.detector,
        "defined_in": rule.defined_in,
        "parameters": [
            {"name": p.name, "type": p.type, "value": p.value, "default": p.default, "changed": p.value != p.default}
            for p in info.parameters
        ],
        "example": info.example,
        "how_to_fix": info.how_to_fix,
        "doc": info.doc_url,
        "rules_files": info.files,
    }
    if rule.patterns:
        data["patterns"] = [p.model_dump() for p in rule.patterns]
        data["keywords"] = rule.keywords
    return json.dumps(to_jsonable_python(data), indent=2, ensure_ascii=False)


def print_rule(info: RuleInfo, console: Console | None = None) -> None:
    from dlp.ruledocs import label_file_blocks
    from dlp.ruleinfo import format_value

    rule = info.rule
    heading = Text.assemble(
        (rule.id, "bold"),
        "  ",
        (rule.severity.value, SEVERITY_STYLE[Severity(rule.severity)]),
        "" if rule.enabled else "  (disabled)",
    )
    parts: list[Any] = [Text(strip_controls(rule.description))]
    example = Markdown(label_file_blocks(info.example)) if info.example else Text("(no example)")
    parts += [Text("\nExample", style="bold"), example]
    parts += [Text("\nHow to fix", style="bold"), Text(strip_controls(rule.remediation or "(no remediation given)"))]
    if info.parameters:
        table = Table(title="Parameters (values in effect)", title_justify="left", show_lines=False)
        for column in ("parameter", "value", "type"):
            table.add_column(column, overflow="fold")
        for p in info.parameters:
            changed = p.value != p.default
            value = Text(format_value(p.value, limit=6))
            if changed:
                value.append(f"  (changed; default {format_value(p.default, limit=6)})", style="yellow")
            table.add_row(Text(p.name, style="bold" if changed else ""), value, Text(p.type))
        parts += [Text(""), table]
    if rule.patterns:
        names = ", ".join(strip_controls(p.name) for p in rule.patterns)
        parts.append(Text(f"\nPatterns: {names}; keywords: {', '.join(rule.keywords) or '-'}"))
    where = info.doc_url or f"no page: a rule of your own, defined in {rule.defined_in}"
    if info.doc_file is not None and info.doc_url != str(info.doc_file):
        where += f"  (on this machine: {info.doc_file})"
    parts.append(Text(f"\nDocs: {strip_controls(where)}", style="dim"))
    (console or Console()).print(Panel(Group(*parts), title=heading, title_align="left"))
