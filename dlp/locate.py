"""Where a campaign's problem arises in its templates, and what one affected recipient reads there.

After a preflight scan every problem gets a `TemplateSpot` (template file, line, column) from what the
renderer knows: which compiled template produced the part (`field`), whether the value came from a
variable (then the `{{ column }}` reference is found in that template) or is literal template text
(then the literal itself is found). Inline templates (subject, to, attachment file names) live in
the campaign file, on the line of their key.

The preview re-renders the first affected recipient's message (the scan itself keeps no messages) and
cuts a few lines around the problem; every personal value in those lines (the row's own values, what
the detector finds, addresses and digit groups) is marked for masking, the problem's own span for
highlighting. Nothing here changes a finding or the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path, PurePosixPath
from typing import Any

from dlp.columns import normalise_column
from dlp.errors import InputError
from dlp.problems import Preview, Problem, TemplateSpot
from dlp.redact import scrub_text

MAX_PREVIEWS = 50  # problems that get a preview (each re-renders one message)
CONTEXT_LINES = 2
MAX_PREVIEW_LINE = 240  # characters kept of a long line
_EMAIL = re.compile(r"[^\s<>()\[\],;:\"'/\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_DIGITS = re.compile(r"\d(?:[\d .\-/]*\d)?")


@dataclass(frozen=True)
class TemplateSource:
    file: str  # relative to the campaign folder
    source: str
    line_offset: int | None  # inline template: its line in the campaign file


def _relative(path: str | Path, base: Path) -> str:
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except ValueError:
        return str(path)


def template_sources(renderer: Any) -> dict[str, TemplateSource]:
    """Part field -> the template that renders it (`Subject`, `To`, `body.text`, `attachment:<label>`)."""
    campaign = renderer.campaign
    base = campaign.base_dir.resolve()
    campaign_file = _relative(campaign.path, base)

    def entry(compiled: Any) -> TemplateSource:
        if compiled.filename:
            return TemplateSource(_relative(compiled.filename, base), compiled.source, None)
        return TemplateSource(campaign_file, compiled.source, compiled.line_offset)

    out: dict[str, TemplateSource] = {}
    for name, group in renderer.address_templates.items():
        if group:
            out[name] = entry(group[0])
    out["From"] = entry(renderer.from_template)
    if renderer.reply_to_template is not None:
        out["Reply-To"] = entry(renderer.reply_to_template)
    for name, compiled in renderer.header_templates.items():
        out[name] = entry(compiled)
    out["Subject"] = entry(renderer.subject_template)
    for kind, compiled in renderer.body_templates.items():
        out[f"body.{kind}"] = entry(compiled)
    for attachment in renderer.attachments:
        out[f"attachment:{attachment.label}"] = entry(attachment.content)
    return out


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _variable_offsets(source: str, column: str) -> list[int]:
    """Offsets of a reference to `column` in template text: `{{ date_of_birth }}`, `*|FNAME|*`, `{{Email}}`."""
    names = {column, normalise_column(column)}
    out: list[int] = []
    for name in names:
        if not name:
            continue
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])", re.IGNORECASE)
        out.extend(_tag_start(source, m.start()) for m in pattern.finditer(source))
    return sorted(set(out))


def _tag_start(source: str, offset: int) -> int:
    """Where the tag holding a reference opens (`{{ name }}`, `*|NAME|*`, `{name}`): the column a reader
    and the renderer's provenance both give for an expression, not the column of the name inside it."""
    for opener in ("{{", "*|", "{"):
        start = source.rfind(opener, max(0, offset - 40), offset)
        if start != -1 and not source[start + len(opener) : offset].strip():
            return start
    return offset


def spot_for(problem: Problem, sources: dict[str, TemplateSource]) -> TemplateSpot | None:
    first = problem.first
    template = sources.get(first.location.field or "")
    if template is None:
        return None
    loc = first.location
    if (
        loc.template_line is not None
        and template.line_offset is None
        and loc.template
        and PurePosixPath(template.file).name == PurePosixPath(loc.template).name
    ):  # the renderer traced this value to its `{{ expression }}` (dlp.provenance): exact, no search
        return _spot(template, problem, line=loc.template_line, column=loc.template_column)
    origin = first.origin or ""
    offsets: list[int] = []
    if origin.startswith("variable:"):
        offsets = _variable_offsets(template.source, origin.partition(":")[2])
    elif first.value and first.value in template.source:
        offsets = [template.source.index(first.value)]
    elif problem.rule == "template-error" and first.location.line and template.line_offset is None:
        return _spot(template, problem, line=first.location.line, column=None)
    if not offsets:
        return _spot(template, problem, line=template.line_offset, column=None)
    wanted = first.location.line or 1
    best = min(offsets, key=lambda o: abs(_line_col(template.source, o)[0] - wanted))
    line, column = _line_col(template.source, best)
    if template.line_offset is not None:  # inline: the value of a key on that line of the campaign file
        return _spot(template, problem, line=template.line_offset + line - 1, column=None)
    return _spot(template, problem, line=line, column=column)


def _spot(template: TemplateSource, problem: Problem, *, line: int | None, column: int | None) -> TemplateSpot:
    snippet = ""
    if line and template.line_offset is None:
        lines = template.source.splitlines()
        if 0 < line <= len(lines):
            snippet = lines[line - 1].strip()[:MAX_PREVIEW_LINE]
    origin = problem.first.location.field or ""
    return TemplateSpot(template.file, line, column, origin, snippet)


def annotate(report: Any, renderer: Any) -> None:
    """Template spots and previews for a preflight report's problems (in place)."""
    sources = template_sources(renderer)
    for problem in report.problems:
        problem.template = spot_for(problem, sources)
    _previews(report.problems[:MAX_PREVIEWS], renderer, sources)


def refine_spot(problem: Problem, template: TemplateSource, rendered: str, recipient: Any) -> TemplateSpot | None:
    """The spot, checked against one real message: the column whose value the finding holds (the longest:
    the origin guessed from substrings may name `first_name` for "anna.meyer@..."), else for a value the template text
    alone could not place (a link built around it), the template line that reads most like the rendered one."""
    value = (problem.first.value or "").strip()
    if not value or template.line_offset is not None:
        return None
    offset = rendered.find(value)
    rendered_line = rendered.count("\n", 0, offset) + 1 if offset >= 0 else (problem.first.location.line or 1)
    lowered = value.lower()
    cells = {
        c: str(cell).strip().lower() for c, cell in recipient.columns.items() if isinstance(cell, str | int | float)
    }
    # The column whose whole value is in the finding; the longest wins ("anna.meyer@x" over "anna").
    inside = sorted(
        (c for c, cell in cells.items() if len(cell) >= 3 and cell in lowered), key=lambda c: -len(cells[c])
    )
    for column in inside:
        offsets = _variable_offsets(template.source, str(column))
        if offsets:
            best = min(offsets, key=lambda o: abs(_line_col(template.source, o)[0] - rendered_line))
            line, column_no = _line_col(template.source, best)
            return _spot(template, problem, line=line, column=column_no)
    if problem.template is not None and problem.template.line and problem.template.column:
        return None
    if offset < 0:
        return None
    start = rendered.rfind("\n", 0, offset) + 1
    end = rendered.find("\n", offset)
    line_text = rendered[start : end if end >= 0 else len(rendered)]
    best_line, best_score = None, 0.0
    for number, candidate in enumerate(template.source.splitlines(), 1):
        score = SequenceMatcher(None, candidate.strip(), line_text.strip(), autojunk=False).ratio()
        if score > best_score:
            best_line, best_score = number, score
    if best_line is None or best_score < 0.5:
        return None
    candidate = template.source.splitlines()[best_line - 1]
    prefix = 0
    while prefix < min(len(candidate), len(line_text)) and candidate[prefix] == line_text[prefix]:
        prefix += 1
    return _spot(template, problem, line=best_line, column=prefix + 1)


def _previews(problems: list[Problem], renderer: Any, sources: dict[str, TemplateSource]) -> None:
    campaign = renderer.campaign
    if campaign.spec.mode == "broadcast":
        return  # one message built from every row: re-rendering it costs as much as the scan
    if getattr(renderer, "_over_budget_counts", None):
        return  # a template that ran over its render budget is not run again for a courtesy
    wanted: dict[int, list[Problem]] = {}
    for problem in problems:
        row = problem.first.location.row
        if problem.rule == "template-error":
            continue  # the message did not render as meant: the template line says more than a preview
        if row is not None and problem.first.location.field:
            wanted.setdefault(row, []).append(problem)
    if not wanted:
        return
    from dlp.detect.engine import get_detector

    detector = get_detector()
    for recipient in campaign.recipient_list():
        if recipient.row not in wanted:
            continue
        try:
            message = renderer.render(recipient.row - 1, dict(recipient.columns), recipient)
        except InputError:
            return  # the scan rendered this row; if it cannot now, the report goes without previews
        if message.problems:
            continue
        for problem in wanted.pop(recipient.row):
            problem.preview = _preview(problem, message, recipient, detector)
            template = sources.get(problem.first.location.field or "")
            part = next((p for p in message.parts if p.field == problem.first.location.field), None)
            traced = problem.first.location.template_line is not None  # provenance is exact already
            if template is not None and part is not None and not traced:
                problem.template = refine_spot(problem, template, part.text, recipient) or problem.template
        if not wanted:
            break


def _preview(problem: Problem, message: Any, recipient: Any, detector: Any) -> Preview | None:
    first = problem.first
    part = next((p for p in message.parts if p.field == first.location.field), None)
    if part is None:
        return None
    text = part.text
    lines = text.split("\n")
    start_offset = _value_offset(text, first.value, first.location.line)
    if start_offset is None:
        leak_line = min(max(1, first.location.line or 1), len(lines))
        leak = None
    else:
        leak_line = text.count("\n", 0, start_offset) + 1
        leak = (start_offset, start_offset + len(first.value or ""))
    lo = max(1, leak_line - CONTEXT_LINES)
    hi = min(len(lines), leak_line + CONTEXT_LINES)
    window_start = sum(len(line) + 1 for line in lines[: lo - 1])
    window = "\n".join(lines[lo - 1 : hi])
    if len(window) > (2 * CONTEXT_LINES + 1) * MAX_PREVIEW_LINE:
        return None  # one enormous line (minified HTML): the excerpt says more than a cut of it
    spans = _sensitive_spans(window, recipient, detector)
    leak_span = None
    if leak is not None:
        leak_span = (leak[0] - window_start, leak[1] - window_start, first.entity_type)
    elif first.value is None:
        leak_span = None
    row_values = [str(v) for v in recipient.columns.values() if isinstance(v, str | int | float)]
    subject = scrub_text(next((v for k, v in message.headers if k == "Subject"), ""), row_values)
    return Preview(recipient.row, part.field, subject, window, lo, tuple(spans), leak_span)


def _value_offset(text: str, value: str | None, line: int | None) -> int | None:
    if not value:
        return None
    offsets = [m.start() for m in re.finditer(re.escape(value), text)]
    if not offsets:
        return None
    wanted = line or 1
    return min(offsets, key=lambda o: abs(text.count("\n", 0, o) + 1 - wanted))


def _sensitive_spans(text: str, recipient: Any, detector: Any) -> list[tuple[int, int, str | None]]:
    """Everything in the window that could identify someone: masked unless --show-values."""
    spans: list[tuple[int, int, str | None]] = []
    for value in recipient.columns.values():
        value = str(value).strip() if isinstance(value, str | int | float) else ""
        if len(value) < 2:
            continue
        spans.extend((m.start(), m.end(), None) for m in re.finditer(re.escape(value), text))
    try:
        entities = detector.analyze(text)
    except Exception:  # a preview is a courtesy: without the detector the row values and patterns still mask
        entities = []
    spans.extend((e.start, e.end, e.entity_type) for e in entities if e.score >= 0.4)
    spans.extend((m.start(), m.end(), "EMAIL_ADDRESS") for m in _EMAIL.finditer(text))
    spans.extend((m.start(), m.end(), None) for m in _DIGITS.finditer(text) if sum(c.isdigit() for c in m.group()) >= 3)
    return spans
