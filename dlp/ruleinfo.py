"""One rule, described for people: `dlp rules show ID` and the parameter tables of `docs/rules/*.md`.

The facts come from where they live: id, severity, description and remediation from the rule catalogue
(`rules/default.yaml` plus the user's `--rules` files), the parameters' names, types and defaults from the
pydantic model the rule's detector validates them with, and the example from the rule's page. The pages'
parameter tables are generated from the same facts (`make rule-docs`), and a test fails when a page has
drifted, so the docs cannot promise a parameter or a default the code does not have.
"""

from __future__ import annotations

import difflib
import enum
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from dlp.checks import check_classes, load_ruleset
from dlp.errors import InputError
from dlp.ruledocs import docs_dir, rule_doc_file, rule_doc_url, rule_page_sections
from dlp.rules import Rule, RuleSet

PAGE_SECTIONS = ("What it catches", "Example", "How to fix", "Parameters")
_SEVERITY_LINE = re.compile(r"^Default severity: \*\*\w+\*\*", re.MULTILINE)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
TABLE_HEAD = "| parameter | type | default | meaning |\n|---|---|---|---|"
TABLE_NOTE = (
    "<!-- The first three columns are generated from the rule's parameter model and rules/default.yaml\n"
    "     (`make rule-docs`); the meaning column is written by hand and kept. -->"
)


@dataclass(frozen=True)
class ParamInfo:
    name: str
    type: str
    default: Any  # the shipped catalogue's value, else the model's default
    value: Any  # in effect after the user's rules files
    description: str  # the model field's own description, if it has one


@dataclass
class RuleInfo:
    rule: Rule
    parameters: list[ParamInfo]
    example: str
    how_to_fix: str
    doc_url: str | None
    doc_file: Path | None
    files: list[str] = field(default_factory=list)


def parameter_models(detector: str) -> list[type[BaseModel]]:
    """The pydantic models a rule's parameters are validated with (one per check class that runs the rule).

    The one touch point into the detector registry: when the registry is renamed, only this changes.
    """
    return [cls.Params for cls in check_classes(detector)]


def rule_parameters(rule: Rule, shipped: Rule | None) -> list[ParamInfo]:
    seen: dict[str, ParamInfo] = {}
    for model in parameter_models(rule.detector):
        for name, spec in model.model_fields.items():
            if name in seen:
                continue
            model_default = spec.get_default(call_default_factory=True)
            default = shipped.parameters.get(name, model_default) if shipped else model_default
            extra = spec.json_schema_extra if isinstance(spec.json_schema_extra, dict) else {}
            shared = f"; shared vocabulary `{extra['vocabulary']}`" if extra.get("vocabulary") else ""
            seen[name] = ParamInfo(
                name=name,
                type=type_name(spec.annotation) + shared,
                default=default,
                value=rule.parameters.get(name, default),
                description=spec.description or "",
            )
    return list(seen.values())


def describe(rule_id: str, rules_files: list[Path] | None = None) -> RuleInfo:
    """Everything `dlp rules show` prints; an unknown id is exit 2 naming the closest known ones."""
    ruleset = load_ruleset(rules_files or [])
    rule = ruleset.rules.get(rule_id)
    if rule is None:
        raise InputError(unknown_rule_message(rule_id, ruleset))
    shipped = load_ruleset([]).rules.get(rule_id) if rules_files else rule
    sections = rule_page_sections(rule_id)
    return RuleInfo(
        rule=rule,
        parameters=rule_parameters(rule, shipped),
        example=sections.get("Example", ""),
        how_to_fix=sections.get("How to fix", ""),
        doc_url=rule_doc_url(rule_id),
        doc_file=rule_doc_file(rule_id),
        files=ruleset.files,
    )


def unknown_rule_message(rule_id: str, ruleset: RuleSet) -> str:
    known = sorted(ruleset.rules)
    close = difflib.get_close_matches(rule_id, known, n=3, cutoff=0.75)
    close += [k for k in known if rule_id and rule_id in k and k not in close][: 3 - len(close)]
    quoted = [repr(c) for c in close]
    hint = f"did you mean {', '.join(quoted[:-1])}{' or ' if len(quoted) > 1 else ''}{quoted[-1]}? " if close else ""
    return f"no rule '{rule_id}'; {hint}`dlp rules list` shows all {len(known)} rules"


# -- how values and types read ----------------------------------------------------------------------------


def type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        (inner, *_) = typing.get_args(annotation) or (Any,)
        return f"list of {_plural(type_name(inner))}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in typing.get_args(annotation) if a is not type(None))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " / ".join(str(m.value) for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "{" + ", ".join(annotation.model_fields) + "}"
    names = {int: "integer", float: "number", str: "text", bool: "true/false"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _plural(name: str) -> str:
    return (
        name if name.startswith("{") else {"text": "texts", "integer": "integers", "number": "numbers"}.get(name, name)
    )


def format_value(value: Any, *, limit: int = 8) -> str:
    """A parameter value as a reader scans it: scalars as they are, long lists cut with their length."""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return str(value.get("name") or value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [format_value(v) for v in value]
        if not items:
            return "[]"
        shown = ", ".join(items[:limit])
        return f"[{shown}, … ({len(items)} in all)]" if len(items) > limit else f"[{shown}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- the pages' generated parts -------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _meanings(parameters_section: str) -> dict[str, str]:
    """The hand-written meaning column of an existing table, by parameter name."""
    out: dict[str, str] = {}
    for line in parameters_section.splitlines():
        cells = [c.strip() for c in _CELL_SPLIT.split(line.strip())[1:-1]]
        if len(cells) == 4 and cells[0].startswith("`"):
            out[cells[0].strip("`")] = cells[3]
    return out


def parameters_section(rule: Rule, existing: str) -> str:
    params = rule_parameters(rule, rule)
    if not params:
        return "None: this rule has no parameters. Change its severity or disable it by id in a rules file."
    meanings = _meanings(existing)
    rows = [
        f"| `{p.name}` | {_cell(p.type)} | `{_cell(format_value(p.default, limit=6))}` | "
        f"{meanings.get(p.name) or _cell(p.description)} |"
        for p in params
    ]
    return "\n".join([TABLE_NOTE, TABLE_HEAD, *rows])


def render_page(rule: Rule, text: str) -> str:
    """The page with its generated parts (severity line, parameter table) brought up to date."""
    text = _SEVERITY_LINE.sub(lambda _: f"Default severity: **{rule.severity.value}**", text, count=1)
    start = re.search(r"^## Parameters[ \t]*$", text, re.MULTILINE)
    if start is None:
        return text
    after = re.search(r"^## ", text[start.end() :], re.MULTILINE)
    end = start.end() + after.start() if after else len(text)
    body = parameters_section(rule, text[start.end() : end])
    return text[: start.end()] + "\n\n" + body + "\n" + ("\n" + text[end:] if after else "")


def page_problems(ruleset: RuleSet | None = None) -> list[str]:
    """Every way the pages and the catalogue disagree (the docs test asserts there are none)."""
    ruleset = ruleset or load_ruleset([])
    folder = docs_dir()
    if folder is None:
        return ["no docs/rules folder"]
    problems = []
    pages = {p.stem: p for p in folder.glob("*.md")}
    for rule_id in sorted(set(ruleset.rules) - set(pages)):
        problems.append(f"rule '{rule_id}' has no page docs/rules/{rule_id}.md")
    for rule_id in sorted(set(pages) - set(ruleset.rules)):
        problems.append(f"docs/rules/{rule_id}.md documents no rule of the catalogue")
    for rule_id in sorted(set(pages) & set(ruleset.rules)):
        text = pages[rule_id].read_text(encoding="utf-8")
        missing = [s for s in PAGE_SECTIONS if f"\n## {s}\n" not in text]
        if missing:
            problems.append(f"docs/rules/{rule_id}.md lacks the section(s) {', '.join(missing)}")
        if not text.startswith(f"# {rule_id}\n"):
            problems.append(f"docs/rules/{rule_id}.md must start with '# {rule_id}'")
        if render_page(ruleset.rules[rule_id], text) != text:
            problems.append(f"docs/rules/{rule_id}.md is out of date with the rule: run `make rule-docs`")
    return problems


def write_pages() -> list[str]:
    """Regenerate the generated parts of every page in place; returns the pages that changed."""
    ruleset = load_ruleset([])
    changed = []
    for rule_id, rule in ruleset.rules.items():
        page = rule_doc_file(rule_id)
        if page is None:
            continue
        text = page.read_text(encoding="utf-8")
        new = render_page(rule, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(str(page))
    return changed


if __name__ == "__main__":  # `make rule-docs`
    for path in write_pages():
        print(f"updated {path}")
    problems = page_problems()
    for problem in problems:
        print(problem, file=sys.stderr)
    sys.exit(1 if problems else 0)
