"""Render a campaign exactly as it will be sent: one message per row, or one broadcast message.

Templates run in Jinja2's SandboxedEnvironment with StrictUndefined: a missing column is an error, never
an empty string. Campaigns written for another platform (`syntax:`, or detected) render through the
engines of `dlp.templating`, with the same contract; every undefined variable of a render is reported.
A syntax error stops the run (exit 2, file and line); a per-row render problem (an undefined variable
in some rows) is recorded on the message and becomes a `template-error` finding,
so one bad row does not hide the other 9,999.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment, safe_range

from dlp.budgets import BudgetExceeded, Meter, bounded, collect, guard_size, render_meter, tick
from dlp.campaign import Campaign
from dlp.columns import normalise_column, template_names
from dlp.errors import InputError
from dlp.extract import extract_text
from dlp.htmltext import HIDDEN_FIELD, hidden_text, visible_text, visible_text_pair
from dlp.model import Part, PartKind, Recipient, RenderProblem, ScanMessage, UnreadableAttachment
from dlp.provenance import (
    COLUMN,
    COMPUTED,
    CONSTANT,
    MARK_CHARS,
    TAINT,
    MarkingEnvironment,
    Provenance,
    derive,
    includes_in_captures,
    markers_only_in_text,
    strip_marks,
)
from dlp.safepath import UnsafePath, inside, not_regular, read_regular
from dlp.templating import Detection, RenderValues, detect_syntax, engine_for
from dlp.templating.base import RenderFailure, TemplateSyntax, UndefinedNames
from dlp.templating.jinja import undefined_name, undefined_names
from dlp.templating.platform import all_placeholder_texts

AUTOESCAPE_SUFFIXES = ("html", "htm", "xml", "html.j2", "htm.j2", "html.jinja", "html.jinja2")
_HTML_NAME = re.compile(r"\.(?:html?|xml)(?:\.\w+)?$", re.IGNORECASE)


@dataclass
class CompiledTemplate:
    origin: str  # "subject", "to[0]", "body.text:survey.txt.j2", ...
    template: Any  # a jinja2.Template, or a dlp.templating engine's compiled template
    source: str
    filename: str | None = None  # template file (relative), for line numbers in problems
    line_offset: int | None = None  # for inline templates: the campaign-file line of the key
    plain: Any = None  # the same template compiled without provenance markers (on first need)
    marking: bool = False  # compiled by the marking environment: its output carries value markers
    display: str | None = None  # the template file as findings name it (campaign-relative)


@dataclass
class AttachmentTemplates:
    index: int
    content: CompiledTemplate  # the rendered template, or the template of the file's path
    filename: CompiledTemplate | None
    from_file: bool
    default_name: str = "attachment.txt"

    @property
    def label(self) -> str:
        if self.filename is not None:
            return self.filename.source
        return self.default_name if not self.from_file else self.content.source


class CampaignLoader(jinja2.FileSystemLoader):
    """Jinja's file loader refuses `..`; this one also refuses a symlink out of the campaign folder and a
    FIFO or device (`{% include name %}` must not read /etc/shadow or hang on a pipe)."""

    def __init__(self, base_dir: Path) -> None:
        super().__init__(str(base_dir))
        self.base_dir = base_dir

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        pieces = split_template_path(template)  # TemplateNotFound on '..' pieces, as before
        try:
            path = inside(self.base_dir, "/".join(pieces))
        except UnsafePath as exc:
            raise jinja2.TemplateError(f"an included template {exc.reason}; it was not read") from None
        if (reason := not_regular(path)) is not None:
            raise jinja2.TemplateError(f"an included template {reason}; it was not read")
        return super().get_source(environment, template)


class MeteredRange:
    """`range` for templates: Jinja's sandbox caps one range at 100,000 items, but nests freely (10^10
    iterations of two loops); each step here checks the render clock."""

    def __init__(self, *args: int) -> None:
        self._range = safe_range(*args)

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index):
        return self._range[index]

    def __iter__(self):
        for value in self._range:
            tick()
            yield value


WIDENING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


def _width_guarded(filter_function):
    """A Jinja filter whose int arguments are widths (`center`, `indent`): sized before it runs."""

    def guarded(value, *args, **kwargs):
        for argument in (*args, *kwargs.values()):
            if isinstance(argument, int) and not isinstance(argument, bool):
                guard_size(argument * max(1, str(value).count("\n") + 1), "a padded string")
        return filter_function(value, *args, **kwargs)

    return guarded


def _replaced_size(text: object, old: object, new: object, count: object = None) -> int:
    """Characters `text.replace(old, new, count)` would make: `'x'|replace('x', 'x'*10)` nine times over is
    10^9 characters, refused before it is built."""
    text, old, new = str(text), str(old), str(new)
    times = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return len(text) + times * max(0, len(new) - len(old))


def _replace_guarded(filter_function):
    def guarded(eval_ctx, value, old, new, count=None):
        guard_size(_replaced_size(value, old, new, count), "a replaced string")
        return filter_function(eval_ctx, value, old, new, count)

    guarded.jinja_pass_arg = filter_function.jinja_pass_arg  # type: ignore[attr-defined]
    return guarded


class BudgetedSandbox(SandboxedEnvironment):
    """The sandbox, plus the render budget: sequence repetition and powers are sized before they are
    computed (`'a' * 10**9` is refused, not allocated), loops and calls check the clock."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = MeteredRange
        for name in ("center", "indent"):
            self.filters[name] = _width_guarded(self.filters[name])
        self.filters["replace"] = _replace_guarded(self.filters["replace"])

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int):
                    guard_size(len(sequence) * times, "a repeated value")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            guard_size(max(1, left.bit_length()) * right // 3, "a power")  # ~digits of the result
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):
        tick()
        if getattr(__obj, "__name__", None) in WIDENING_METHODS and isinstance(getattr(__obj, "__self__", None), str):
            for value in (*args, *kwargs.values()):  # 'x'.ljust(10**9)
                if isinstance(value, int):
                    guard_size(value, "a padded string")
        if getattr(__obj, "__name__", None) == "replace" and isinstance(getattr(__obj, "__self__", None), str):
            guard_size(_replaced_size(__obj.__self__, *args[:3]), "a replaced string")  # 'x'.replace(…)
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):
        tick()
        return super().getattr(obj, attribute)


class MarkingSandbox(MarkingEnvironment, BudgetedSandbox):
    """The budgeted sandbox whose templates mark where each output value comes from (`dlp.provenance`)."""


def make_environment(base_dir: Path, *, marking: bool = False) -> SandboxedEnvironment:
    return (MarkingSandbox if marking else BudgetedSandbox)(
        loader=CampaignLoader(base_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=AUTOESCAPE_SUFFIXES, default_for_string=False),
        keep_trailing_newline=True,
    )


class CampaignRenderer:
    """Compiles every template of a campaign once, then renders messages from rows."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._meter: Meter | None = None
        self._over_budget_counts: dict[str, int] = {}
        self.env = make_environment(campaign.base_dir.resolve(), marking=True)
        self._plain_env: SandboxedEnvironment | None = None
        spec = campaign.spec
        self.variables: dict[str, Any] = dict(spec.vars)
        self.detection = (
            Detection(spec.syntax, "set in the campaign file") if spec.syntax else detect_syntax(self._texts())
        )
        self.syntax = self.detection.syntax
        self.engine = engine_for(self.syntax, self.variables) if self.syntax != "jinja" else None
        self.address_templates: dict[str, list[CompiledTemplate]] = {
            "To": [
                self._inline(v, f"to[{i}]", ("to", i) if isinstance(spec.to, list) else ("to",))
                for i, v in enumerate(campaign.to)
            ],
            "Cc": [
                self._inline(v, f"cc[{i}]", ("cc", i) if isinstance(spec.cc, list) else ("cc",))
                for i, v in enumerate(campaign.cc)
            ],
            "Bcc": [
                self._inline(v, f"bcc[{i}]", ("bcc", i) if isinstance(spec.bcc, list) else ("bcc",))
                for i, v in enumerate(campaign.bcc)
            ],
        }
        self.from_template = self._inline(spec.from_, "from", ("from",))
        self.reply_to_template = self._inline(spec.reply_to, "reply_to", ("reply_to",)) if spec.reply_to else None
        self.header_templates = {
            name: self._inline(value, f"headers.{name}", ("headers", name)) for name, value in spec.headers.items()
        }
        self.subject_template = self._inline(spec.subject, "subject", ("subject",))
        self.body_templates: dict[str, CompiledTemplate] = {}
        for kind, name in (("text", spec.body.text), ("html", spec.body.html)):
            if name:
                self.body_templates[kind] = self._file(name, f"body.{kind}")
        self.attachments: list[AttachmentTemplates] = []
        for index, attachment in enumerate(spec.attachments):
            keys = ("attachments", index)
            filename = (
                self._inline(attachment.filename, f"attachments[{index}].filename", (*keys, "filename"))
                if attachment.filename
                else None
            )
            if attachment.template:
                self.attachments.append(
                    AttachmentTemplates(
                        index,
                        self._file(attachment.template, f"attachments[{index}]"),
                        filename,
                        from_file=False,
                        default_name=Path(attachment.template).name.removesuffix(".j2"),
                    )
                )
            else:
                path = self._inline(attachment.path or "", f"attachments[{index}].path", (*keys, "path"))
                self.attachments.append(AttachmentTemplates(index, path, filename, from_file=True))

    @property
    def note(self) -> str:
        how = "" if self.campaign.spec.syntax else "; `syntax:` in the campaign file sets it"
        return f"Template syntax: {self.syntax} ({self.detection.reason}{how})"

    def _texts(self) -> list[tuple[str | None, str]]:
        """Every template text of the campaign (file name, source), to detect its syntax."""
        spec = self.campaign.spec
        texts: list[tuple[str | None, str]] = [
            (None, v) for v in (*self.campaign.to, *self.campaign.cc, *self.campaign.bcc, spec.subject, spec.from_)
        ]
        texts += [(None, v) for v in spec.headers.values()]
        names = [spec.body.text, spec.body.html, *(a.template for a in spec.attachments)]
        for name in names:
            if name:
                try:
                    texts.append((name, self.campaign.resolve(name).read_text(encoding="utf-8", errors="replace")))
                except OSError:
                    continue  # reported by _file with its reason
        return texts

    @property
    def sources(self) -> dict[str, str]:
        """Template source by origin, so checks can tell literal text from injected values. Campaign `vars:`
        and platform placeholders are the sender's own text, the same in every message: they count as
        written in the template."""
        out = {t.origin: t.source for group in self.address_templates.values() for t in group}
        out[self.subject_template.origin] = self.subject_template.source
        for template in (*self.body_templates.values(), *self.header_templates.values()):
            out[template.origin] = template.source
        for attachment in self.attachments:
            if not attachment.from_file:
                out[attachment.content.origin] = attachment.content.source
        for kind, template in self.body_templates.items():
            if kind == "html":  # literal text split by markup ("400 Harbor Way</span>, Portland") is literal too
                out[template.origin] = f"{template.source}\n{visible_text(template.source)}"
        constants = list(_scalars(self.variables))
        if self.engine is not None:
            constants += all_placeholder_texts(self.variables)
        extra = "\n".join(c for c in constants if c.strip())
        return {origin: f"{source}\n{extra}" if extra else source for origin, source in out.items()}

    def _other(self, source: str, name: str, html: bool, path: Path, line: int | None) -> Any:
        """Compile with the campaign's non-Jinja engine; a syntax error is exit 2 with file and line."""
        assert self.engine is not None
        try:
            return self.engine.compile(source, name=name, html=html)
        except TemplateSyntax as exc:
            where = line if line is not None else exc.line
            raise InputError(f"template syntax error ({self.syntax}): {exc.message}", path=path, line=where) from None
        except RecursionError:
            raise InputError(f"template nested too deeply to compile ({self.syntax})", path=path, line=line) from None

    def _inline(self, source: str, origin: str, keys: tuple) -> CompiledTemplate:
        line = self.campaign.line_of(*keys)
        if self.engine is not None:
            compiled = self._other(source, origin, False, self.campaign.path, line)
            return CompiledTemplate(origin=origin, template=compiled, source=compiled.source, line_offset=line)
        try:
            marking = self._can_mark(source)
            template = (
                self.env.compile_labelled(source, self.campaign.path.name, line)
                if marking
                else self._plain().from_string(source)
            )
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(
                f"template syntax error in '{origin}': {exc.message}", path=self.campaign.path, line=line
            ) from None
        except RecursionError:
            problem = f"template '{origin}' nested too deeply to compile"
            raise InputError(problem, path=self.campaign.path, line=line) from None
        return CompiledTemplate(origin=origin, template=template, source=source, line_offset=line, marking=marking)

    def _file(self, name: str, origin: str) -> CompiledTemplate:
        path = self.campaign.resolve(name)
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"template is not UTF-8 ({exc.reason} at byte {exc.start})", path=path) from None
        except OSError as exc:
            raise InputError(f"cannot read template: {exc.strerror}", path=path) from None
        if self.engine is not None:
            compiled = self._other(source, name, bool(_HTML_NAME.search(name)), path, None)
            return CompiledTemplate(
                origin=f"{origin}:{name}", template=compiled, source=compiled.source, filename=str(path)
            )
        try:
            marking = self._can_mark(source)
            env = self.env if marking else self._plain()
            # Through the loader, so autoescape follows the file name (.html.j2 escapes, .txt.j2 does not).
            if path.is_relative_to(self.campaign.base_dir.resolve()):
                template = env.get_template(path.relative_to(self.campaign.base_dir.resolve()).as_posix())
            else:
                template = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"template syntax error: {exc.message}", path=path, line=exc.lineno) from None
        except RecursionError:  # thousands of nested blocks or brackets: the compiler recurses once per level
            raise InputError("template nested too deeply to compile", path=path) from None
        return CompiledTemplate(
            origin=f"{origin}:{name}", template=template, source=source, filename=str(path), marking=marking
        )

    # ---- provenance (dlp.provenance) ---------------------------------------------------------------

    def _plain(self) -> SandboxedEnvironment:
        """The environment without markers: templates that cannot be marked, and re-renders of a row whose
        values carry marker characters."""
        if self._plain_env is None:
            self._plain_env = make_environment(self.campaign.base_dir.resolve())
        return self._plain_env

    def _can_mark(self, source: str) -> bool:
        """Marked unless the source itself holds marker characters or includes a template into captured
        text (which the template could measure or compare)."""
        if MARK_CHARS.search(source):
            return False
        try:
            return not includes_in_captures(self.env.parse(source))
        except jinja2.TemplateSyntaxError:
            return True  # compiling reports it, with file and line

    def _plain_template(self, compiled: CompiledTemplate) -> Any:
        if compiled.plain is None:
            base = self.campaign.base_dir.resolve()
            path = Path(compiled.filename) if compiled.filename else None
            if path is not None and path.is_relative_to(base):
                compiled.plain = self._plain().get_template(path.relative_to(base).as_posix())
            else:
                compiled.plain = self._plain().from_string(compiled.source)
        return compiled.plain

    def provenance_of(
        self,
        marked: str | None,
        text: str,
        context: RenderValues,
        transform: Any = None,
        compiled: CompiledTemplate | None = None,
    ) -> Provenance | None:
        """The value spans of `text` (rendered without markers, then transformed), from its marked render."""
        if marked is None:
            return None
        table = self.env.slot_table  # type: ignore[attr-defined]
        merged, constants = context.merged, self.variables

        row = context.row or {}

        def resolve(slot_id: int):
            if slot_id >= len(table.slots):
                return None
            slot = table.slots[slot_id]
            name = slot.name
            if name is not None and name in merged and not (name in constants and merged[name] is constants[name]):
                # Named as the list names it: `{{ first_name }}` reads the column `First Name`.
                column = name if name in row else next((k for k in row if normalise_column(k) == name), name)
                return slot, COLUMN, column
            if name is not None and name in constants:
                return slot, CONSTANT, None
            return slot, COMPUTED, None

        derived = derive(marked, transform, text, resolve)
        if derived is None or compiled is None:
            return derived
        if compiled.display is None:  # the template as a finding names it, worked out once
            base = self.campaign.base_dir.resolve()
            path = Path(compiled.filename) if compiled.filename else None
            inside_base = path is not None and path.is_relative_to(base)
            compiled.display = path.relative_to(base).as_posix() if inside_base else self.campaign.path.name
        return replace(derived, template=compiled.display)

    # ---- rendering -------------------------------------------------------------------------------

    def _render(
        self, compiled: CompiledTemplate, context: RenderValues, field_name: str, problems: list[RenderProblem]
    ) -> str | None:
        rendered = self._render_marked(compiled, context, field_name, problems)
        return None if rendered is None else rendered[0]

    def _render_marked(
        self, compiled: CompiledTemplate, context: RenderValues, field_name: str, problems: list[RenderProblem]
    ) -> tuple[str, str | None] | None:
        """(the rendered text, the same with provenance markers or None when the render is unmarked)."""
        meter = self._meter or render_meter()
        if not isinstance(compiled.template, jinja2.Template):
            other = self._render_other(compiled, context, field_name, problems, meter)
            return None if other is None else (other, None)
        try:
            with bounded(meter):
                TAINT.tainted = False
                out = collect(compiled.template.generate(context.merged), meter)
                if not compiled.marking:
                    return out, None
                if TAINT.tainted:  # a value carried marker characters: the render without markers is exact
                    return collect(self._plain_template(compiled).generate(context.merged), meter), None
                return strip_marks(out), out
        except BudgetExceeded as exc:
            self._budget_problem(compiled, field_name, problems, exc, _template_line(exc, compiled))
        except MemoryError:
            self._budget_problem(compiled, field_name, problems, BudgetExceeded("rendering ran out of memory"), None)
        except RecursionError:
            problems.append(
                RenderProblem(
                    field=field_name,
                    kind="error",
                    detail="the template recurses too deeply (a macro or include calling itself?)",
                    origin=compiled.origin,
                    line=compiled.line_offset,
                )
            )
        except jinja2.UndefinedError as exc:
            # Every undefined variable of this render, not only the first: one problem (finding) each.
            line = _template_line(exc, compiled)
            first = undefined_name(exc)
            for variable in undefined_names(compiled.template, compiled.source, context.merged, first) or [None]:
                problems.append(
                    RenderProblem(
                        field=field_name,
                        kind="undefined",
                        detail=str(exc.message or exc) if variable == first else f"'{variable}' is undefined",
                        origin=compiled.origin,
                        variable=variable,
                        line=line if variable == first else compiled.line_offset,
                    )
                )
        except jinja2.TemplateError as exc:
            problems.append(
                RenderProblem(
                    field=field_name,
                    kind="error",
                    detail=str(exc),
                    origin=compiled.origin,
                    line=_template_line(exc, compiled),
                )
            )
        except Exception as exc:  # a filter blowing up on a bad value is a render error of that row
            problems.append(
                RenderProblem(
                    field=field_name,
                    kind="error",
                    detail=f"{type(exc).__name__}: {exc}",
                    origin=compiled.origin,
                    line=_template_line(exc, compiled),
                )
            )
        return None

    def _render_other(
        self,
        compiled: CompiledTemplate,
        context: RenderValues,
        field_name: str,
        problems: list[RenderProblem],
        meter: Meter,
    ) -> str | None:
        line = compiled.line_offset
        try:
            with bounded(meter):  # the timer; the output is counted once rendered
                rendered = compiled.template.render(context)
                meter.add(len(rendered))
                return rendered
        except BudgetExceeded as exc:
            self._budget_problem(compiled, field_name, problems, exc, line)
        except UndefinedNames as exc:
            for variable in exc.names:
                problems.append(
                    RenderProblem(
                        field_name,
                        "undefined",
                        f"'{variable}' is undefined",
                        compiled.origin,
                        variable,
                        line or exc.line,
                    )
                )
        except RenderFailure as exc:
            problems.append(RenderProblem(field_name, "error", exc.detail, compiled.origin, line=line or exc.line))
        except RecursionError:  # dlp's own interpreters walk nested blocks recursively
            detail = "the template nests blocks too deeply to render"
            problems.append(RenderProblem(field_name, "error", detail, compiled.origin, line=line))
        return None

    def values(self, context: dict[str, Any], recipient: Recipient | None) -> RenderValues:
        """What templates see: `vars:`, then the row by exported and normalised column names."""
        if recipient is None:
            return RenderValues(None, self.variables, {**self.variables, **context})
        return RenderValues(context, self.variables, {**self.variables, **template_names(context)})

    def _attachment(
        self,
        attachment: AttachmentTemplates,
        context: RenderValues,
        recipient: Recipient | None,
        problems: list[RenderProblem],
        unreadable: list[UnreadableAttachment],
    ) -> tuple[str, bytes, str, str | None] | None:
        """(file name, content, origin, the content with provenance markers when rendered from a template)."""
        field_name = f"attachments[{attachment.index}]"
        marked = self._render_marked(attachment.content, context, field_name, problems)
        if marked is None:
            return None
        rendered = marked[0]
        custom_name = self._render(attachment.filename, context, field_name, problems) if attachment.filename else None
        if not attachment.from_file:
            name = custom_name or attachment.default_name
            return name, rendered.encode("utf-8"), attachment.content.origin, marked[1]
        relative = rendered.strip()
        # A refused path is named by its template and the row, never as rendered: the row value could be
        # anything. A missing file is named as rendered, since that is the file the user must provide.
        template = attachment.content.source
        try:
            path = inside(self.campaign.base_dir, relative)
            data = read_regular(path)
        except UnsafePath as exc:
            unreadable.append(
                UnreadableAttachment(
                    f"attachment:{attachment.label}",
                    f"the path '{template}' rendered for this row {exc.reason}; the file was not read",
                    unsafe=True,
                )
            )
            return None
        except OSError as exc:
            where = f"row {recipient.row} of the recipient list" if recipient else "the campaign"
            raise InputError(
                f"attachment '{relative}' (for {where}) cannot be read: {exc.strerror}",
                path=self.campaign.path,
                line=self.campaign.line_of("attachments", attachment.index),
            ) from None
        return custom_name or path.name, data, attachment.content.origin, None

    # A template over its budget for this many messages stops the run (exit 2): every row would cost the
    # whole budget again, and 10,000 rows x 10 s is no pre-send check.
    MAX_OVER_BUDGET = 3

    def _budget_problem(
        self,
        compiled: CompiledTemplate,
        field_name: str,
        problems: list[RenderProblem],
        exc: BudgetExceeded,
        line: int | None,
    ) -> None:
        count = self._over_budget_counts.get(compiled.origin, 0) + 1
        self._over_budget_counts[compiled.origin] = count
        if count >= self.MAX_OVER_BUDGET:
            raise InputError(
                f"template '{compiled.origin}' exceeded the render budget in {count} messages ({exc}); "
                f"stopping: fix the template or raise the budget (docs/budgets.md)",
                path=Path(compiled.filename) if compiled.filename else self.campaign.path,
                line=compiled.line_offset,
            )
        problems.append(
            RenderProblem(
                field=field_name,
                kind="error",
                detail=f"render budget exceeded: {exc}",
                origin=compiled.origin,
                line=line,
            )
        )

    def render(self, index: int, row: dict[str, Any], recipient: Recipient | None) -> ScanMessage:
        self._meter = render_meter()  # one budget for all of this message's templates
        try:
            return self._render_message(index, row, recipient)
        finally:
            self._meter = None

    def _render_message(self, index: int, row: dict[str, Any], recipient: Recipient | None) -> ScanMessage:
        context = self.values(row, recipient)
        problems: list[RenderProblem] = []
        unreadable: list[UnreadableAttachment] = []
        headers: list[tuple[str, str]] = []
        parts: list[Part] = []
        envelope: list[str] = []

        traced: dict[str, Provenance | None] = {}  # provenance of the headers that become parts

        def header(name: str, compiled: CompiledTemplate) -> str | None:
            rendered = self._render_marked(compiled, context, name, problems)
            if rendered is None:
                return None
            if injected := header_injection(name, rendered[0], context.row):
                problems.append(RenderProblem(name, "error", injected, compiled.origin, line=compiled.line_offset))
            value = _fold(rendered[0])
            if name == "Subject" or (name in self.header_templates and name.lower() not in _ADDRESS_HEADERS):
                traced[name] = self.provenance_of(rendered[1], value, context, _fold, compiled)
            return value

        sender = header("From", self.from_template)
        if sender:
            headers.append(("From", sender))
        for name, group in self.address_templates.items():
            values = [v for v in (header(name, t) for t in group) if v]
            if not values:
                continue
            joined = ", ".join(values)
            envelope.append(joined)
            if name != "Bcc":  # Bcc is not shown to recipients; it is part of the envelope only
                headers.append((name, joined))
        if self.reply_to_template and (value := header("Reply-To", self.reply_to_template)):
            headers.append(("Reply-To", value))
        for name, compiled in self.header_templates.items():
            if (value := header(name, compiled)) is not None:
                headers.append((name, value))
        subject = header("Subject", self.subject_template)
        context.subject = subject
        if subject is not None:
            headers.append(("Subject", subject))
        for name, value in headers:
            kind = PartKind.SUBJECT if name == "Subject" else PartKind.HEADER
            origin = (
                "subject"
                if name == "Subject"
                else (f"headers.{name}" if name in self.header_templates else name.lower())
            )
            parts.append(Part(kind=kind, field=name, text=value, origin=origin, provenance=traced.get(name)))

        for kind, compiled in self.body_templates.items():
            marked = self._render_marked(compiled, context, f"body.{kind}", problems)
            if marked is None:
                continue
            rendered = marked[0]
            if kind == "html":
                if marked[1] is not None and markers_only_in_text(marked[1]):
                    # One parse: the markers change no tag, so the tree is the unmarked render's.
                    text, marked_text = visible_text_pair(marked[1], strip_marks)
                    provenance = self.provenance_of(marked_text, text, context, None, compiled)
                else:
                    text = visible_text(rendered)
                    provenance = self.provenance_of(marked[1], text, context, visible_text, compiled)
                parts.append(
                    Part(PartKind.HTML, "body.html", text, compiled.origin, raw=rendered, provenance=provenance)
                )
                if _MAY_HIDE.search(rendered) and (hidden := hidden_text(rendered)):
                    # Comments, hidden inputs, <noscript>: not shown, but sent to every recipient (as
                    # received mail reads them, dlp.sources.email_message).
                    provenance = self.provenance_of(marked[1], hidden, context, hidden_text, compiled)
                    parts.append(Part(PartKind.TEXT, HIDDEN_FIELD, hidden, compiled.origin, provenance=provenance))
            else:
                provenance = self.provenance_of(marked[1], rendered, context, None, compiled)
                parts.append(Part(PartKind.TEXT, "body.text", rendered, compiled.origin, provenance=provenance))

        for attachment in self.attachments:
            loaded = self._attachment(attachment, context, recipient, problems, unreadable)
            if loaded is None:
                continue
            filename, data, origin, marked = loaded
            extracted = extract_text(filename, data)
            # The label is the unrendered file name: a rendered one often carries an account id or a name.
            field_label = f"attachment:{attachment.label}"
            unreadable.extend(UnreadableAttachment(field_label, reason) for reason in extracted.unscanned)
            if extracted.text is None:
                unreadable.append(UnreadableAttachment(field_label, extracted.reason or "unreadable"))
                continue
            # A rendered attachment read back as text is the rendered text; any other reading (a CSV's
            # cells, a PDF) gets no provenance, as `derive` finds.
            provenance = self.provenance_of(marked, extracted.text, context, None, attachment.content)
            parts.append(
                Part(
                    PartKind.ATTACHMENT,
                    field_label,
                    extracted.text,
                    origin,
                    raw=extracted.raw,
                    filename=filename,
                    provenance=provenance,
                )
            )

        return ScanMessage(
            index=index,
            headers=headers,
            parts=parts,
            recipient=recipient,
            source=str(self.campaign.path),
            envelope_from=sender,
            envelope_to=envelope,
            problems=problems,
            unreadable=unreadable,
        )


def _scalars(value: Any, depth: int = 0) -> Iterator[str]:
    """The texts of `vars:`, also inside its mappings and lists (`organization: {full_address: ...}`)."""
    if isinstance(value, dict) and depth < 8:
        for item in value.values():
            yield from _scalars(item, depth + 1)
    elif isinstance(value, list) and depth < 8:
        for item in value:
            yield from _scalars(item, depth + 1)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield str(value)


_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "sender"})


# What `hidden_text` reads; most renders have none of it, and are not parsed a second time.
_MAY_HIDE = re.compile(r"<!--|<noscript|<template|\b(?:value|content|placeholder)\s*=", re.IGNORECASE)
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]")


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """The strings of a row value (a JSONL row's nested objects and lists too, a few levels deep)."""
    if isinstance(value, str):
        yield value
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif depth < 4 and isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)


def header_injection(name: str, rendered: str, row: dict[str, Any] | None) -> str | None:
    """A row value that puts a line break into a header: the preview folds it to a space, but a sending
    platform that writes the value as given starts a new header line there, so a customer named
    "x\\r\\nBcc: attacker@…" adds a recipient (header injection). Names the columns, never the value."""
    if not row or not _LINE_BREAK.search(rendered.strip()):
        return None
    columns = [
        str(column)
        for column, value in row.items()
        if any(
            _LINE_BREAK.search(text.strip())
            and any(piece.strip() and piece.strip() in rendered for piece in _LINE_BREAK.split(text))
            for text in _strings(value)
        )
    ]
    if not columns:
        return None
    shown = ", ".join(f"'{c}'" for c in columns[:5]) + (", …" if len(columns) > 5 else "")
    return (
        f"header injection: the value of column {shown} holds a line break, which starts a new line in the "
        f"{name} header as sent (a value can add Bcc: or any other header); remove line breaks from the column"
    )


def _fold(text: str) -> str:
    """A header value as sent: whitespace runs folded to one space."""
    return " ".join(text.split())


def _template_line(exc: BaseException, compiled: CompiledTemplate) -> int | None:
    """Jinja rewrites tracebacks so template frames carry template line numbers; take the last one."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in ("<template>", compiled.filename) or code.co_filename.endswith(
            str(compiled.template.name or "\x00")
        ):
            line = tb.tb_lineno
        tb = tb.tb_next
    if compiled.line_offset is not None:
        return compiled.line_offset
    return line


def render_campaign(campaign: Campaign, renderer: CampaignRenderer | None = None) -> Iterator[ScanMessage]:
    renderer = renderer or CampaignRenderer(campaign)
    recipients = campaign.recipient_list()
    if campaign.spec.mode == "broadcast":
        rows = [r.columns for r in recipients]
        yield renderer.render(0, {"recipients": rows}, None)
        return
    for index, recipient in enumerate(recipients):
        yield renderer.render(index, dict(recipient.columns), recipient)
