"""Go templates (Listmonk, Ory Kratos, Supabase...): a small, strictly bounded interpreter of text/template.

There is no Python engine for Go's text/template. The data: the row's own fields at the top level
(`{{ .RecoveryCode }}`, by exported and normalised name; a column holding a JSON object is that map),
`vars:` at the top level, and Listmonk's objects: `{{ .Subscriber.Name }}`, `.Email`, `.FirstName`,
`.LastName`, `.UUID`, `.Status`, `{{ .Subscriber.Attribs.x }}` (the row's columns, plus a JSON
`attributes`/`attribs` column as Listmonk exports it), `.Campaign.Name`/`.Subject`/`.FromEmail`.
Supported: `{{ if }}`/`{{ else if }}`/`{{ else }}`/`{{ end }}`, `{{ range }}` (with `$i, $v :=` and
`{{ else }}`), `{{ with }}`, `{{ define }}`/`{{ template }}`/`{{ block }}` within one file (a layout's
`{{ template "content" . }}` is the campaign body: `vars: {content: ...}`, else empty), variables
(`$x := ...`), pipes, `{{- -}}` trimming, comments, and the functions in FUNCTIONS: Go's (eq ne lt le gt
ge and or not len index print printf html urlquery), Listmonk's (UnsubscribeURL ManageURL OptinURL
MessageURL TrackView TrackLink Date Safe) and common Sprig ones. Not supported (a syntax error names
it): a `{{ template }}` defined in another file, `break`/`continue`, `L.T` translations, any other
function. `range` only walks data (no integers), and every step ticks the render budget;
templates calling each other are bounded in depth. A missing field in output is an undefined variable
(Listmonk would print `<no value>` or fail); in a condition it is false.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote_plus

from dlp.columns import column_role, columns_with_role, template_names
from dlp.templating.base import (
    Budget,
    Compiled,
    RenderFailure,
    RenderValues,
    TemplateSyntax,
    UndefinedNames,
    check_name,
    line_of,
)
from dlp.templating.platform import tag_values
from dlp.templating.scan import spans

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)  # applied to one action at a time (scan.spans)
_LEX = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|`[^`]*`)|(?P<num>-?\d+(?:\.\d+)?)|(?P<decl>:=|=(?!=))'
    r"|(?P<field>(?:\$\w*|\.)?(?:\.[A-Za-z_]\w*)+|\.|\$\w*)|(?P<pipe>\|)|(?P<lp>\()|(?P<rp>\))|(?P<comma>,)"
    r"|(?P<ident>[A-Za-z_][\w.]*)|(?P<bad>\S))",
    re.DOTALL,
)
UNSUPPORTED = {"break", "continue"}
_NAME = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*(.*)$', re.DOTALL)
# `{{ template "content" . }}` in a layout is where the platform puts the campaign's body (Listmonk): the
# body is `vars: {content: ...}` when given, else nothing.
CONTENT_TEMPLATES = ("content",)
MAX_TEMPLATE_DEPTH = 50


class Missing:
    """A field the data does not have: false in conditions, an undefined variable in output."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return ""


def _s(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<no value>"
    return str(value)


def _truthy(value: Any) -> bool:
    return bool(value) and value != 0


def _cmp(test: Callable[[Any, Any], bool]) -> Callable[..., bool]:
    def compare(a: Any, *others: Any) -> bool:
        a = "" if isinstance(a, Missing) else a
        return any(test(*_coerce(a, "" if isinstance(b, Missing) else b)) for b in others)

    return compare


def _coerce(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, int | float) and not isinstance(b, int | float):
        try:
            return a, float(b)
        except (TypeError, ValueError):
            return str(a), str(b)
    if isinstance(b, int | float) and not isinstance(a, int | float):
        try:
            return float(a), b
        except (TypeError, ValueError):
            return str(a), str(b)
    return a, b


def _index(container: Any, *keys: Any) -> Any:
    for key in keys:
        try:
            container = container[key if not isinstance(container, list) else int(key)]
        except (KeyError, IndexError, TypeError, ValueError):
            return Missing(str(key))
    return container


def _printf(fmt: str, *args: Any) -> str:
    values = iter(args)
    return re.sub(r"%[-+# 0-9.]*[svdqf%]", lambda m: "%" if m.group(0) == "%%" else _s(next(values, "")), fmt)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "eq": _cmp(lambda a, b: a == b),
    "ne": lambda a, b: not _cmp(lambda x, y: x == y)(a, b),
    "lt": _cmp(lambda a, b: a < b),
    "le": _cmp(lambda a, b: a <= b),
    "gt": _cmp(lambda a, b: a > b),
    "ge": _cmp(lambda a, b: a >= b),
    "not": lambda a: not _truthy(a),
    "len": lambda a: len(a),
    "index": _index,
    "print": lambda *a: "".join(_s(x) for x in a),
    "println": lambda *a: " ".join(_s(x) for x in a) + "\n",
    "printf": _printf,
    "html": lambda *a: html_lib.escape("".join(_s(x) for x in a)),
    "urlquery": lambda *a: quote_plus("".join(_s(x) for x in a)),
    "upper": lambda a: _s(a).upper(),
    "lower": lambda a: _s(a).lower(),
    "title": lambda a: _s(a).title(),
    "trim": lambda a: _s(a).strip(),
    "default": lambda d, v=None: v if _truthy(v) else d,
    "contains": lambda sub, s: _s(sub) in _s(s),
    "hasPrefix": lambda s, p: _s(s).startswith(_s(p)),
    "hasSuffix": lambda s, p: _s(s).endswith(_s(p)),
    "replace": lambda old, new, s: _s(s).replace(_s(old), _s(new)),
    "trunc": lambda n, s: _s(s)[: int(n)],
    "quote": lambda *a: " ".join(json.dumps(_s(x)) for x in a),
    "toString": lambda a: _s(a),
    "cat": lambda *a: " ".join(_s(x) for x in a if x is not None and not isinstance(x, Missing)),
    "nospace": lambda a: re.sub(r"\s+", "", _s(a)),
    "trimPrefix": lambda p, s: _s(s).removeprefix(_s(p)),
    "trimSuffix": lambda p, s: _s(s).removesuffix(_s(p)),
    "trimAll": lambda c, s: _s(s).strip(_s(c)),
    "initials": lambda a: "".join(w[0] for w in _s(a).split()),
    "abbrev": lambda n, s: _s(s) if len(_s(s)) <= int(n) else _s(s)[: max(int(n) - 3, 0)] + "...",
    "join": lambda sep, items: _s(sep).join(_s(x) for x in items) if isinstance(items, list | tuple) else _s(items),
    "coalesce": lambda *a: next((x for x in a if _truthy(x) and not isinstance(x, Missing)), ""),
    "empty": lambda a: not _truthy(a),
    "now": lambda: dt.datetime.now(dt.UTC),
    "TrackLink": lambda url, *a: _s(url),
    "Date": lambda layout="2006-01-02": _go_date(_s(layout)),
    "Safe": lambda a: _Safe(_s(a)),
}
LISTMONK_TAGS = ("UnsubscribeURL", "ManageURL", "OptinURL", "MessageURL", "TrackView")


class _Safe(str):
    """Output that is not HTML-escaped (Listmonk's Safe, its tracking pixel)."""


_GO_LAYOUT = {"2006": "%Y", "January": "%B", "Jan": "%b", "Monday": "%A", "Mon": "%a", "01": "%m", "02": "%d",
              "15": "%H", "04": "%M", "05": "%S"}  # fmt: skip
_GO_LAYOUT_RE = re.compile("|".join(_GO_LAYOUT))


def _go_date(layout: str) -> str:
    today = dt.datetime.now()
    return _GO_LAYOUT_RE.sub(lambda m: today.strftime(_GO_LAYOUT[m.group(0)]), layout)


# ---- parsing ------------------------------------------------------------------------------------------


@dataclass
class _Cmd:
    args: list[tuple[str, Any]]  # (kind, value): str num field ident pipeline bool nil


@dataclass
class _Pipe:
    cmds: list[_Cmd]
    decl: list[str] = field(default_factory=list)
    assign: bool = False


@dataclass
class _Node:
    kind: str  # text action if range with
    line: int
    text: str = ""
    pipe: _Pipe | None = None
    body: list[_Node] = field(default_factory=list)
    other: list[_Node] = field(default_factory=list)  # else branch


def _lex(code: str, line: int) -> list[tuple[str, str]]:
    out = []
    for m in _LEX.finditer(code):
        kind = m.lastgroup
        if kind is None:
            continue
        if kind == "bad":
            raise TemplateSyntax(f"Go template: unexpected '{m.group(kind)}'", line)
        out.append((kind, m.group(kind)))
    return out


def _pipeline(tokens: list[tuple[str, str]], line: int) -> _Pipe:
    pos = 0
    decl: list[str] = []
    assign = False
    # `$x :=`, `$i, $v :=`, `$x =`
    probe = 0
    names = []
    while probe < len(tokens) and tokens[probe][0] == "field" and tokens[probe][1].startswith("$"):
        names.append(tokens[probe][1])
        probe += 1
        if probe < len(tokens) and tokens[probe][0] == "comma":
            probe += 1
            continue
        break
    if names and probe < len(tokens) and tokens[probe][0] == "decl":
        decl, assign, pos = names, tokens[probe][1] == "=", probe + 1

    def command(stop: set[str]) -> _Cmd:
        nonlocal pos
        args: list[tuple[str, Any]] = []
        while pos < len(tokens) and tokens[pos][0] not in stop:
            kind, text = tokens[pos]
            pos += 1
            if kind == "lp":
                inner = []
                depth = 1
                while pos < len(tokens):
                    if tokens[pos][0] == "lp":
                        depth += 1
                    elif tokens[pos][0] == "rp":
                        depth -= 1
                        if depth == 0:
                            break
                    inner.append(tokens[pos])
                    pos += 1
                if pos >= len(tokens):
                    raise TemplateSyntax("Go template: unclosed '('", line)
                pos += 1
                args.append(("pipeline", _pipeline(inner, line)))
            elif kind == "str":
                args.append(("str", json.loads(text) if text.startswith('"') else text[1:-1]))
            elif kind == "num":
                args.append(("num", float(text) if "." in text else int(text)))
            elif kind == "ident":
                if text in ("true", "false"):
                    args.append(("bool", text == "true"))
                elif text == "nil":
                    args.append(("nil", None))
                elif text in FUNCTIONS or text in LISTMONK_TAGS:
                    args.append(("ident", text))
                else:
                    raise TemplateSyntax(
                        f"Go template: function '{text}' is not supported by dlp (supported: "
                        f"{', '.join(sorted((*FUNCTIONS, *LISTMONK_TAGS)))})",
                        line,
                    )
            elif kind == "field":
                check_name(text.replace("$", ""), line)
                args.append(("field", text))
            else:
                raise TemplateSyntax(f"Go template: unexpected '{text}'", line)
        return _Cmd(args)

    cmds = []
    while pos < len(tokens):
        cmd = command({"pipe"})
        if not cmd.args:
            raise TemplateSyntax("Go template: empty command in pipeline", line)
        cmds.append(cmd)
        if pos < len(tokens):
            pos += 1  # the pipe
    if not cmds:
        raise TemplateSyntax("Go template: missing value in action", line)
    return _Pipe(cmds, decl, assign)


def _template_name(rest: str, word: str, line: int) -> tuple[str, str]:
    """The quoted name of `define`/`template`/`block` and what follows it."""
    match = _NAME.match(rest)
    if not match:
        raise TemplateSyntax(f"Go template: {{{{ {word} }}}} needs a quoted template name", line)
    quoted = match.group(1)
    return (json.loads(quoted) if quoted.startswith('"') else quoted[1:-1]), match.group(2).strip()


class _Action:
    """One `{{ ... }}` found by `scan.spans`, read with _ACTION (trim markers, code), offsets in the source."""

    def __init__(self, source: str, start: int, end: int) -> None:
        self._match = _ACTION.fullmatch(source, start, end)
        self._start, self._end = start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, index: int) -> str | None:
        return self._match.group(index) if self._match else None


def _actions(source: str) -> Iterator[_Action]:
    for start, end, _pair in spans(source, (("{{", "}}"),)):
        yield _Action(source, start, end)


def _argument(code: str, line: int) -> _Pipe | None:
    return _pipeline(_lex(code, line), line) if code else None


def _parse(source: str) -> tuple[list[_Node], dict[str, list[_Node]]]:
    """The nodes of a template, and the templates it defines (`define`/`block`) by name."""
    defines: dict[str, list[_Node]] = {}
    root: list[_Node] = []
    stack: list[tuple[_Node, list[_Node]]] = []  # (block, the body being filled)
    body = root
    position = 0
    trim_next = False
    for match in _actions(source):
        line = line_of(source, match.start())
        text = source[position : match.start()]
        if trim_next:
            text = text.lstrip()
        if match.group(1):
            text = text.rstrip()
        if text:
            body.append(_Node("text", line, text))
        position = match.end()
        trim_next = bool(match.group(3))
        code = match.group(2).strip()
        if code.startswith("/*"):
            continue
        word = code.split(None, 1)[0] if code else ""
        rest = code[len(word) :].strip()
        if word in UNSUPPORTED:
            raise TemplateSyntax(
                f"Go template: '{{{{ {word} }}}}' is not supported by dlp: paste the template in", line
            )
        if word in ("if", "range", "with"):
            node = _Node(word, line, pipe=_pipeline(_lex(rest, line), line))
            body.append(node)
            stack.append((node, node.body))
            body = node.body
        elif word in ("define", "block"):
            name, argument = _template_name(rest, word, line)
            node = _Node(word, line, text=name)
            if word == "block":  # defines the template and runs it here
                call = _Node(
                    "template", line, text=name, pipe=_pipeline(_lex(argument, line), line) if argument else None
                )
                body.append(call)
            stack.append((node, node.body))
            body = node.body
        elif word == "template":
            name, argument = _template_name(rest, word, line)
            body.append(
                _Node("template", line, text=name, pipe=_pipeline(_lex(argument, line), line) if argument else None)
            )
        elif word == "else":
            if not stack:
                raise TemplateSyntax("Go template: {{ else }} outside if/range/with", line)
            node = stack[-1][0]
            if rest.startswith("if ") or rest.startswith("with "):
                inner_word, inner_rest = rest.split(None, 1)
                inner = _Node(inner_word, line, pipe=_pipeline(_lex(inner_rest, line), line))
                node.other.append(inner)
                stack[-1] = (inner, inner.body)  # chained: one {{ end }} closes the chain
                body = inner.body
            else:
                stack[-1] = (node, node.other)
                body = node.other
        elif word == "end":
            if not stack:
                raise TemplateSyntax("Go template: {{ end }} without if/range/with", line)
            closed = stack.pop()[0]
            if closed.kind in ("define", "block"):
                defines[closed.text] = closed.body
            body = stack[-1][1] if stack else root
        elif code:
            body.append(_Node("action", line, pipe=_pipeline(_lex(code, line), line)))
    if stack:
        raise TemplateSyntax(f"Go template: {{{{ {stack[-1][0].kind} }}}} without {{{{ end }}}}", stack[-1][0].line)
    tail = source[position:]
    if trim_next:
        tail = tail.lstrip()
    if tail:
        body.append(_Node("text", line_of(source, position), tail))
    _check_calls(root, defines)
    for nodes in defines.values():
        _check_calls(nodes, defines)
    return root, defines


def _check_calls(nodes: list[_Node], defines: dict[str, list[_Node]]) -> None:
    """A `{{ template "x" }}` of a template this file does not define is named at compile time."""
    for node in nodes:
        if node.kind == "template" and node.text not in defines and node.text not in CONTENT_TEMPLATES:
            raise TemplateSyntax(
                f'Go template: template "{node.text}" is defined in another file, which dlp does not read: '
                f"paste its {{{{ define }}}} into this template",
                node.line,
            )
        _check_calls(node.body, defines)
        _check_calls(node.other, defines)


# ---- data ---------------------------------------------------------------------------------------------


def subscriber(row: Mapping[str, Any]) -> dict[str, Any]:
    """Listmonk's .Subscriber from a row of any platform's export."""
    attribs: dict[str, Any] = {}
    for name, value in row.items():
        if column_role(name) is None and name.lower() in ("attributes", "attribs") and isinstance(value, str):
            try:
                parsed = json.loads(value) if value.strip() else {}
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict):
                attribs.update(parsed)
                continue
        if isinstance(value, dict) and name.lower() in ("attributes", "attribs"):
            attribs.update(value)
            continue
    attribs = {
        **template_names({k: v for k, v in row.items() if k.lower() not in ("attributes", "attribs")}),
        **attribs,
    }

    def first(role: str) -> str:
        columns = columns_with_role(row, role)
        return str(row[columns[0]]).strip() if columns and row[columns[0]] is not None else ""

    name = first("full_name") or " ".join(p for p in (first("first_name"), first("last_name")) if p)
    parts = name.split()
    uuid = next((str(v) for k, v in row.items() if k.lower() == "uuid"), "00000000-0000-4000-8000-000000000000")
    status = next((str(v) for k, v in row.items() if k.lower() == "status"), "enabled")
    return {
        "UUID": uuid,
        "Email": first("email"),
        "Name": name,
        "FirstName": first("first_name") or (parts[0] if parts else ""),
        "LastName": first("last_name") or (" ".join(parts[1:]) if len(parts) > 1 else ""),
        "Status": status,
        "Attribs": attribs,
        "Lists": [],
    }


def _json_object(value: Any) -> Any:
    """A column holding a JSON object (`{"id": ...}`, as exports write nested data) as the map it is."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        return parsed if isinstance(parsed, dict) else value
    return value


def top_level(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's own fields at the top level, as other Go senders pass their data (Ory Kratos'
    `{{ .RecoveryCode }}`, Supabase's `{{ .ConfirmationURL }}`): exported and normalised names."""
    return {name: _json_object(value) for name, value in template_names(row).items()}


class GoEngine:
    syntax = "go"

    def __init__(self, variables: Any) -> None:
        self.variables = variables
        self.platform = tag_values("go", variables)

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        nodes, defines = _parse(source)
        return Compiled(source, partial(_render, nodes, defines, html, self))


def _render(
    nodes: list[_Node], defines: dict[str, list[_Node]], html: bool, engine: GoEngine, values: RenderValues
) -> str:
    variables = engine.variables
    data = {
        **top_level(values.row or {}),
        **variables,
        "Subscriber": subscriber(values.row or {}),
        "Campaign": {
            "Name": str(variables.get("campaign_name", "Campaign")),
            "Subject": str(variables.get("subject", "Newsletter")),
            "FromEmail": str(variables.get("from_email", "newsletter@example.com")),
            "UUID": "00000000-0000-4000-8000-000000000001",
        },
    }
    if values.row is None:
        data["recipients"] = values.merged.get("recipients", [])
    run = _Run(data, html, engine.platform, defines)
    run.nodes(nodes, data, {"$": data})
    if run.undefined:
        raise UndefinedNames(run.undefined)
    return run.budget.output("".join(run.out))


class _Run:
    def __init__(self, data: Any, html: bool, platform: dict[str, str], defines: dict[str, list[_Node]]) -> None:
        self.data = data
        self.defines = defines
        self.depth = 0
        self.html = html
        self.platform = platform
        self.out: list[str] = []
        self.undefined: list[str] = []
        self.budget = Budget()

    def nodes(self, nodes: list[_Node], dot: Any, scope: dict[str, Any]) -> None:
        for node in nodes:
            self.budget.tick()
            if node.kind == "text":
                self.out.append(node.text)
            elif node.kind == "action":
                assert node.pipe is not None
                value = self.pipe(node.pipe, dot, scope)
                if node.pipe.decl:
                    continue
                self.emit(value)
            elif node.kind in ("if", "with"):
                assert node.pipe is not None
                local = dict(scope)
                value = self.pipe(node.pipe, dot, local)
                if _truthy(value):
                    self.nodes(node.body, value if node.kind == "with" else dot, local)
                else:
                    self.nodes(node.other, dot, scope)
            elif node.kind == "range":
                self.range(node, dot, scope)
            elif node.kind == "template":
                self.template(node, dot, scope)
            if len(self.out) % 64 == 0 and sum(map(len, self.out)) > self.budget.max_output:
                raise RenderFailure(f"render budget exceeded: output larger than {self.budget.max_output} characters")

    def template(self, node: _Node, dot: Any, scope: dict[str, Any]) -> None:
        """`{{ template "x" pipeline }}`: the defined template with dot set to the pipeline (Go's nil without
        one) and only `$` in scope, as Go runs it."""
        value = self.pipe(node.pipe, dot, dict(scope)) if node.pipe is not None else None
        if node.text not in self.defines:  # the layout's content slot (CONTENT_TEMPLATES)
            content = self.data.get(node.text, "") if isinstance(self.data, Mapping) else ""
            self.out.append(_s(content) if content is not None else "")
            return
        self.depth += 1
        if self.depth > MAX_TEMPLATE_DEPTH:
            raise RenderFailure(f"Go template: templates call each other more than {MAX_TEMPLATE_DEPTH} deep")
        try:
            self.nodes(self.defines[node.text], value, {"$": value})
        finally:
            self.depth -= 1

    def range(self, node: _Node, dot: Any, scope: dict[str, Any]) -> None:
        assert node.pipe is not None
        local = dict(scope)
        decl = node.pipe.decl
        collection = self.pipe(_Pipe(node.pipe.cmds), dot, local)
        if isinstance(collection, Mapping):
            items = list(collection.items())
        elif isinstance(collection, list | tuple):
            items = list(enumerate(collection))
        elif isinstance(collection, Missing) or collection is None:
            items = []
        else:
            raise RenderFailure(f"Go template: range over {type(collection).__name__} (only lists and maps)")
        if not items:
            self.nodes(node.other, dot, scope)
            return
        for key, value in items:
            self.budget.tick()
            if len(decl) == 1:
                local[decl[0]] = value
            elif len(decl) == 2:
                local[decl[0]], local[decl[1]] = key, value
            self.nodes(node.body, value, local)

    def emit(self, value: Any) -> None:
        if isinstance(value, Missing):
            self.undefined.append(value.name)
            return
        text = _s(value)
        self.out.append(html_lib.escape(text, quote=False) if self.html and not isinstance(value, _Safe) else text)

    def pipe(self, pipe: _Pipe, dot: Any, scope: dict[str, Any]) -> Any:
        value: Any = _NOTHING
        for cmd in pipe.cmds:
            value = self.command(cmd, dot, scope, value)
        if pipe.decl:
            scope[pipe.decl[-1]] = value
        return value

    def command(self, cmd: _Cmd, dot: Any, scope: dict[str, Any], piped: Any) -> Any:
        kind, first = cmd.args[0]
        if kind == "ident":
            if first in LISTMONK_TAGS:
                return _Safe(self.platform[first])
            args = [self.operand(a, dot, scope) for a in cmd.args[1:]]
            if piped is not _NOTHING:
                args.append(piped)
            try:
                return FUNCTIONS[first](*args)
            except TypeError as exc:
                raise RenderFailure(f"Go template: wrong arguments to {first}: {exc}") from None
        if len(cmd.args) > 1 or piped is not _NOTHING:
            raise RenderFailure("Go template: can't give arguments to a non-function")
        return self.operand(cmd.args[0], dot, scope)

    def operand(self, arg: tuple[str, Any], dot: Any, scope: dict[str, Any]) -> Any:
        self.budget.tick()
        kind, value = arg
        if kind in ("str", "num", "bool", "nil"):
            return value
        if kind == "pipeline":
            return self.pipe(value, dot, dict(scope))
        if kind == "ident":
            return self.command(_Cmd([arg]), dot, scope, _NOTHING)
        # a field: .A.B, $x.A, $, .
        if value == ".":
            return dot
        if value.startswith("$"):
            head, _, path = value.partition(".")
            if head not in scope:
                raise RenderFailure(f"Go template: undefined variable {head}")
            current, name = scope[head], head
        else:
            current, name, path = dot, "", value[1:]
        for part in path.split(".") if path else []:
            name = f"{name}.{part}" if name else f".{part}"
            if isinstance(current, Mapping) and part in current:
                current = current[part]
            else:
                return Missing(name)
        return current


_NOTHING = object()
