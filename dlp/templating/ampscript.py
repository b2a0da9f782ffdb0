"""AMPscript (Salesforce Marketing Cloud), a minimal subset: a small interpreter, strictly bounded.

Supported: personalisation strings `%%FirstName%%` (any column, found by name, key or meaning; the
platform's own `%%unsub_center_url%%`, `%%view_email_url%%`, `%%member_addr%%`... as placeholders);
inline expressions `%%=v(@x)=%%`, `%%=AttributeValue("x")=%%`; blocks `%%[ ... ]%%` with `VAR`,
`SET @x = expr`, `IF cond THEN ... ELSEIF cond THEN ... ELSE ... ENDIF` (also spanning text between
blocks), `<script runat="server" language="ampscript">` blocks, and `Output()`/`OutputLine()`;
expressions with strings, numbers, `@variables`, attributes (`FirstName`, `[First Name]`),
`== != <> < > <= >=`, `AND OR NOT`, and the functions in FUNCTIONS.
Not supported (a syntax error names it): loops (`FOR ... NEXT`), data-extension and network functions
(`Lookup`, `LookupRows`, `HTTPGet`, `ContentBlockByKey`, `TreatAsContent`...), SSJS. A personalisation
string or attribute the audience does not have, or a `@variable` never declared nor set, is an undefined
variable; a `VAR @x` not yet SET is null (empty, as Marketing Cloud has it), and `AttributeValue()` of a
missing attribute is empty, as documented. Numbers print as Marketing Cloud prints them (`Add(5, 42)` is
`47`), dates as `5/1/2023 5:00:00 AM`. Measured against SalesforceLabs/ampscript-core's conformance
corpus (tests/data/third_party/ampscript-core), see tests/test_platform_sources.py.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote

from dlp.columns import FieldLookup
from dlp.templating.base import Budget, Compiled, RenderFailure, RenderValues, TemplateSyntax, UndefinedNames, line_of
from dlp.templating.platform import substitute
from dlp.templating.scan import spans

_ATTRIBUTE = re.compile(r"%%([A-Za-z_][\w ]*?)%%")
_BLOCKS = (("%%[", "]%%"), ("%%=", "=%%"))


class _Segment:
    """A `%%[ block ]%%`, `%%=inline=%%` or `%%Attribute%%`: groups (block, inline, attribute)."""

    def __init__(self, start: int, end: int, groups: tuple[str | None, str | None, str | None]) -> None:
        self._start, self._end, self._groups = start, end, groups

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def groups(self) -> tuple[str | None, str | None, str | None]:
        return self._groups


def _segments(source: str) -> Iterator[_Segment]:
    """Blocks and inline expressions found in linear time (scan.spans); attributes in the text between."""
    position = 0

    def attributes(text_end: int) -> Iterator[_Segment]:
        for m in _ATTRIBUTE.finditer(source, position, text_end):
            yield _Segment(m.start(), m.end(), (None, None, m.group(1)))

    for start, end, which in spans(source, _BLOCKS):
        yield from attributes(start)
        inner = source[start + 3 : end - 3]
        yield _Segment(start, end, (inner, None, None) if which == 0 else (None, inner, None))
        position = end
    yield from attributes(len(source))


_SCRIPT_OPEN = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)
_AMPSCRIPT_ATTRS = re.compile(r"runat\s*=\s*[\"']?server", re.IGNORECASE)


def _script_blocks(source: str) -> str:
    """`<script runat="server" language="ampscript">` blocks as the %%[ ]%% blocks they are; server-side
    JavaScript is refused by line (browser scripts are text). Found in linear time (scan.spans)."""
    lower = source.lower()
    out: list[str] = []
    position = 0
    for start, end, _pair in spans(lower, (("<script", "</script"),)):
        opening = _SCRIPT_OPEN.match(source, start, end)
        closing = _SCRIPT_CLOSE.match(source, end - len("</script"), min(len(source), end + 200))
        if opening is None or closing is None or not _AMPSCRIPT_ATTRS.search(opening.group(1)):
            continue
        if not re.search(r"language\s*=\s*[\"']?ampscript", opening.group(1), re.IGNORECASE):
            line = line_of(source, start)
            raise TemplateSyntax("AMPscript: server-side JavaScript is not supported by dlp", line)
        out.append(source[position:start])
        out.append(f"%%[{source[opening.end() : end - len('</script')]}]%%")
        position = closing.end()
    out.append(source[position:])
    return "".join(out)


_LEX = re.compile(
    r'\s*(?:(?P<str>"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\')|(?P<num>-?\d+(?:\.\d+)?)|(?P<var>@\w+)|(?P<attr>\[[^\]]+\])'
    r"|(?P<op>==|!=|<>|>=|<=|[=<>(),])|(?P<word>[A-Za-z_]\w*)|(?P<comment>/\*.*?\*/)|(?P<bad>\S))",
    re.DOTALL,
)
KEYWORDS = {"SET", "VAR", "IF", "THEN", "ELSEIF", "ELSE", "ENDIF", "AND", "OR", "NOT", "TRUE", "FALSE"}
UNSUPPORTED_WORDS = {"FOR", "NEXT", "TO", "DOWNTO", "DO"}


class _Error(Exception):
    pass


def _s(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dt.datetime):  # as Marketing Cloud prints a date: 5/1/2023 5:00:00 AM
        return f"{value.month}/{value.day}/{value.year} {value.hour % 12 or 12}:{value:%M:%S %p}"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # Add(5, 42) is 47, not 47.0
    return "" if value is None else str(value)


def _num(value: Any) -> float:
    try:
        return float(_s(value))
    except ValueError:
        raise RenderFailure(f"AMPscript: '{_s(value)[:20]}' is not a number") from None


def _bool(value: Any) -> bool:
    return value is True or _s(value).strip().lower() in ("true", "1")


def _urlencode(text: str, plus: bool, every: bool) -> str:
    """AMPscript's URLEncode: spaces (as %20, or + when asked) and non-ASCII; every reserved character too
    when asked. Text between %% delimiters is left as written (AMPscript inside the URL)."""
    safe = "" if every else ":/?=&#%;,@!$'()*+[]~"
    encoded = quote(text, safe=safe)
    return encoded.replace("%20", "+") if plus else encoded


def _char(code: float) -> str:
    if not 0 <= code <= 0x10FFFF:
        raise RenderFailure(f"AMPscript: Char({_s(code)[:20]}) is not a character code")
    return chr(int(code))


def _replace_all(text: str, new: str, old: list[str]) -> str:
    for target in old:
        if target:
            text = text.replace(target, new)
    return text


_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
                 "%Y-%m-%d %I:%M %p", "%Y-%m-%d %I:%M:%S %p",
                 "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%B %d, %Y", "%d %B %Y")  # fmt: skip


def _date(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    text = _s(value).strip()
    try:
        return dt.datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=None)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise RenderFailure(f"AMPscript: '{text[:30]}' is not a date")


_UNITS = {"Y": "years", "M": "months", "D": "days", "H": "hours", "MI": "minutes"}


def _unit(unit: str) -> str:
    key = unit.strip().upper()
    if key not in _UNITS:
        raise RenderFailure(f"AMPscript: '{unit[:10]}' is not a date part (Y, M, D, H or MI)")
    return key


def _date_add(date: dt.datetime, n: int, unit: str) -> dt.datetime:
    key = _unit(unit)
    if key in ("Y", "M"):
        months = date.month - 1 + n * (12 if key == "Y" else 1)
        year, month = date.year + months // 12, months % 12 + 1
        if not 1 <= year <= 9999:
            raise RenderFailure("AMPscript: date out of range")
        return date.replace(
            year=year, month=month, day=min(date.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
        )
    try:
        return date + dt.timedelta(**{_UNITS[key]: n})
    except OverflowError:
        raise RenderFailure("AMPscript: date out of range") from None


def _date_diff(a: dt.datetime, b: dt.datetime, unit: str) -> int:
    key = _unit(unit)
    if key == "Y":
        return b.year - a.year
    if key == "M":
        return (b.year - a.year) * 12 + b.month - a.month
    seconds = (b - a).total_seconds()
    return int(seconds // {"D": 86400, "H": 3600, "MI": 60}[key])


def _date_part(date: dt.datetime, part: str) -> Any:
    key = part.strip().lower()
    parts = {
        "year": date.year, "y": date.year, "month": date.month, "m": date.month, "monthname": date.strftime("%B"),
        "day": date.day, "d": date.day, "hour": date.hour, "h": date.hour, "minute": date.minute, "mi": date.minute,
    }  # fmt: skip
    if key not in parts:
        raise RenderFailure(f"AMPscript: '{part[:10]}' is not a date part")
    return parts[key]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "v": lambda x: _s(x),
    "concat": lambda *a: "".join(_s(x) for x in a),
    "uppercase": lambda x: _s(x).upper(),
    "lowercase": lambda x: _s(x).lower(),
    "propercase": lambda x: re.sub(r"\S+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), _s(x)),
    "trim": lambda x: _s(x).strip(),
    "empty": lambda x: _s(x) == "",
    "isnull": lambda x: x is None or _s(x) == "",
    "iif": lambda c, a, b: a if c else b,
    "length": lambda x: len(_s(x)),
    "substring": lambda s, start, n=None: _s(s)[
        int(_num(start)) - 1 : None if n is None else int(_num(start)) - 1 + int(_num(n))
    ],
    "replace": lambda s, a, b: _s(s).replace(_s(a), _s(b)),
    "indexof": lambda s, t: _s(s).find(_s(t)) + 1,
    "format": lambda x, *a: _s(x),
    "formatdate": lambda x, *a: _s(x),
    "formatnumber": lambda x, *a: _s(x),
    "now": lambda *a: dt.datetime.now().replace(microsecond=0),
    "redirectto": lambda x: _s(x),
    "urlencode": lambda x, plus=False, every=False: _urlencode(_s(x), _bool(plus), _bool(every)),
    "add": lambda a, b: _num(a) + _num(b),
    "subtract": lambda a, b: _num(a) - _num(b),
    "multiply": lambda a, b: _num(a) * _num(b),
    "divide": lambda a, b: _num(a) / _num(b) if _num(b) else 0,
    "mod": lambda a, b: _num(a) % _num(b) if _num(b) else 0,
    "char": lambda code, n=1: _char(_num(code)) * max(0, min(int(_num(n)), 1000)),
    "replacelist": lambda s, new, *old: _replace_all(_s(s), _s(new), [_s(o) for o in old]),
    "dateparse": lambda x, *a: _date(x),
    "dateadd": lambda d, n, unit: _date_add(_date(d), int(_num(n)), _s(unit)),
    "datediff": lambda a, b, unit: _date_diff(_date(a), _date(b), _s(unit)),
    "datepart": lambda d, part: _date_part(_date(d), _s(part)),
    "getsendtime": lambda *a: dt.datetime.now().replace(microsecond=0),
    "systemdatetolocaldate": lambda d: _date(d),
    "localdatetosystemdate": lambda d: _date(d),
    "attributevalue": None,  # the row, see _Run.eval
    "output": None,  # statements, see _Run.block
    "outputline": None,
}


@dataclass
class _Expr:
    kind: str  # str num var attr call cmp and or not bool
    value: Any = None
    args: list[_Expr] = field(default_factory=list)


@dataclass
class _Stmt:
    kind: str  # text out attr set if call
    line: int
    value: Any = None
    expr: _Expr | None = None
    branches: list[tuple[_Expr | None, list[_Stmt]]] = field(default_factory=list)


class _Parser:
    def __init__(self, code: str, line: int) -> None:
        self.tokens: list[tuple[str, str]] = []
        self.line = line
        for m in _LEX.finditer(code):
            kind = m.lastgroup
            if kind is None or kind == "comment":
                continue
            if kind == "bad":
                raise TemplateSyntax(f"AMPscript: unexpected '{m.group(kind)}'", line)
            text = m.group(kind)
            if kind == "word" and text.upper() in KEYWORDS:
                kind, text = "kw", text.upper()
            self.tokens.append((kind, text))
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else ("end", "")

    def take(self, kind: str | None = None, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if (kind and token[0] != kind) or (text and token[1].upper() != text):
            raise TemplateSyntax(f"AMPscript: expected {text or kind}, found '{token[1] or 'end of block'}'", self.line)
        self.pos += 1
        return token

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def expression(self) -> _Expr:
        left = self._and()
        while self.peek() == ("kw", "OR"):
            self.pos += 1
            left = _Expr("or", args=[left, self._and()])
        return left

    def _and(self) -> _Expr:
        left = self._not()
        while self.peek() == ("kw", "AND"):
            self.pos += 1
            left = _Expr("and", args=[left, self._not()])
        return left

    def _not(self) -> _Expr:
        if self.peek() == ("kw", "NOT"):
            self.pos += 1
            return _Expr("not", args=[self._not()])
        left = self._primary()
        kind, text = self.peek()
        if kind == "op" and text in ("==", "!=", "<>", ">=", "<=", ">", "<", "="):
            self.pos += 1
            return _Expr("cmp", text, [left, self._primary()])
        return left

    def _primary(self) -> _Expr:
        kind, text = self.take()
        if kind == "str":
            return _Expr("str", text[1:-1].replace(text[0] * 2, text[0]))
        if kind == "num":
            return _Expr("num", float(text) if "." in text else int(text))
        if kind == "var":
            return _Expr("var", text.lower())
        if kind == "attr":
            return _Expr("attr", text[1:-1])
        if kind == "kw" and text in ("TRUE", "FALSE"):
            return _Expr("bool", text == "TRUE")
        if kind == "op" and text == "(":
            inner = self.expression()
            self.take("op", ")")
            return inner
        if kind == "word":
            if self.peek() == ("op", "("):
                name = text.lower()
                if name not in FUNCTIONS:
                    raise TemplateSyntax(
                        f"AMPscript: function {text}() is not supported by dlp (data extensions, content blocks and "
                        f"network calls are resolved by Marketing Cloud); replace it by the text it stands for",
                        self.line,
                    )
                self.pos += 1
                args: list[_Expr] = []
                while self.peek() != ("op", ")"):
                    args.append(self.expression())
                    if self.peek() == ("op", ","):
                        self.pos += 1
                self.take("op", ")")
                return _Expr("call", name, args)
            if text.upper() in UNSUPPORTED_WORDS:
                raise TemplateSyntax(f"AMPscript: {text.upper()} loops are not supported by dlp", self.line)
            return _Expr("attr", text)
        raise TemplateSyntax(f"AMPscript: unexpected '{text or 'end of block'}'", self.line)


def _statements(code: str, line: int) -> list[_Stmt]:
    """The flat statements of one %%[ ]%% block (IF/ELSEIF/ELSE/ENDIF are nested later)."""
    if re.search(r"<script|runat", code, re.IGNORECASE):
        raise TemplateSyntax("AMPscript: server-side JavaScript is not supported by dlp", line)
    parser = _Parser(code, line)
    out: list[_Stmt] = []
    while not parser.at_end():
        kind, text = parser.peek()
        if kind == "kw" and text == "VAR":
            parser.pos += 1
            names = []
            while parser.peek()[0] == "var" or parser.peek() == ("op", ","):
                if parser.peek()[0] == "var":
                    names.append(parser.peek()[1].lower())
                parser.pos += 1
            out.append(_Stmt("declare", line, names))
        elif kind == "kw" and text == "SET":
            parser.pos += 1
            name = parser.take("var")[1].lower()
            parser.take("op", "=")
            out.append(_Stmt("set", line, name, parser.expression()))
        elif kind == "kw" and text in ("IF", "ELSEIF"):
            parser.pos += 1
            condition = parser.expression()
            parser.take("kw", "THEN")
            out.append(_Stmt(text.lower(), line, expr=condition))
        elif kind == "kw" and text in ("ELSE", "ENDIF"):
            parser.pos += 1
            out.append(_Stmt(text.lower(), line))
        elif kind == "word" and text.upper() in UNSUPPORTED_WORDS:
            raise TemplateSyntax(f"AMPscript: {text.upper()} loops are not supported by dlp", line)
        else:
            out.append(_Stmt("call", line, expr=parser.expression()))
    return out


def _nest(flat: list[_Stmt]) -> list[_Stmt]:
    root: list[_Stmt] = []
    stack: list[_Stmt] = []
    body = root
    for stmt in flat:
        if stmt.kind == "if":
            node = _Stmt("ifblock", stmt.line, branches=[(stmt.expr, [])])
            body.append(node)
            stack.append(node)
            body = node.branches[-1][1]
        elif stmt.kind in ("elseif", "else", "endif"):
            if not stack:
                raise TemplateSyntax(f"AMPscript: {stmt.kind.upper()} without IF", stmt.line)
            if stmt.kind == "endif":
                stack.pop()
                body = stack[-1].branches[-1][1] if stack else root
            else:
                stack[-1].branches.append((stmt.expr if stmt.kind == "elseif" else None, []))
                body = stack[-1].branches[-1][1]
        else:
            body.append(stmt)
    if stack:
        raise TemplateSyntax("AMPscript: IF without ENDIF", stack[-1].line)
    return root


class AmpscriptEngine:
    syntax = "ampscript"

    def __init__(self, variables: Any) -> None:
        self.variables = variables

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        prepared = _script_blocks(substitute(source, "ampscript", self.variables))
        flat: list[_Stmt] = []
        position = 0
        for match in _segments(prepared):
            line = line_of(prepared, match.start())
            if match.start() > position:
                flat.append(_Stmt("text", line, prepared[position : match.start()]))
            position = match.end()
            block, inline, attribute = match.groups()
            if block is not None:
                flat.extend(_statements(block, line))
            elif inline is not None:
                parser = _Parser(inline, line)
                expr = parser.expression()
                if not parser.at_end():
                    raise TemplateSyntax(f"AMPscript: unexpected '{parser.peek()[1]}' in %%=...=%%", line)
                flat.append(_Stmt("out", line, expr=expr))
            else:
                flat.append(_Stmt("attr", line, attribute.strip()))
        if position < len(prepared):
            flat.append(_Stmt("text", line_of(prepared, position), prepared[position:]))
        return Compiled(prepared, partial(_render, _nest(flat), html))


def _render(program: list[_Stmt], html: bool, values: RenderValues) -> str:
    run = _Run(FieldLookup(values.row or {}), html)
    run.block(program)
    if run.undefined:
        raise UndefinedNames(run.undefined)
    return run.budget.output("".join(run.out))


class _Run:
    def __init__(self, lookup: FieldLookup, html: bool) -> None:
        self.lookup = lookup
        self.html = html
        self.variables: dict[str, Any] = {}
        self.out: list[str] = []
        self.undefined: list[str] = []
        self.budget = Budget()

    def emit(self, value: Any, escape: bool) -> None:
        text = _s(value)
        self.out.append(html_lib.escape(text, quote=False) if escape and self.html else text)

    def block(self, statements: list[_Stmt]) -> None:
        for stmt in statements:
            self.budget.tick()
            if stmt.kind == "text":
                self.out.append(stmt.value)
            elif stmt.kind == "attr":
                self.emit(self.attribute(stmt.value), escape=True)
            elif stmt.kind == "out":
                self.emit(self.eval(stmt.expr), escape=False)
            elif stmt.kind == "set":
                self.variables[stmt.value] = self.eval(stmt.expr)
            elif stmt.kind == "declare":  # VAR @x: declared, null (empty) until SET
                for name in stmt.value:
                    self.variables.setdefault(name, None)
            elif stmt.kind == "call":
                expr = stmt.expr
                if expr is not None and expr.kind == "call" and expr.value in ("output", "outputline"):
                    for arg in expr.args:
                        self.emit(self.eval(arg), escape=False)
                    if expr.value == "outputline":
                        self.out.append("\n")
                elif expr is not None:
                    self.eval(expr)
            elif stmt.kind == "ifblock":
                for condition, body in stmt.branches:
                    if condition is None or self.truthy(self.eval(condition)):
                        self.block(body)
                        break

    def attribute(self, name: str) -> Any:
        found, value = self.lookup.value(name)
        if not found:
            self.undefined.append(name)
            return ""
        return value

    @staticmethod
    def truthy(value: Any) -> bool:
        if isinstance(value, str):
            return value.strip().lower() not in ("", "false", "0")
        return bool(value)

    def eval(self, expr: _Expr | None) -> Any:
        self.budget.tick()
        if expr is None:
            return ""
        kind = expr.kind
        if kind in ("str", "num", "bool"):
            return expr.value
        if kind == "var":
            if expr.value not in self.variables:
                self.undefined.append(expr.value)
                return ""
            return self.variables[expr.value]
        if kind == "attr":
            return self.attribute(expr.value)
        if kind == "not":
            return not self.truthy(self.eval(expr.args[0]))
        if kind == "and":
            return self.truthy(self.eval(expr.args[0])) and self.truthy(self.eval(expr.args[1]))
        if kind == "or":
            return self.truthy(self.eval(expr.args[0])) or self.truthy(self.eval(expr.args[1]))
        if kind == "cmp":
            return _compare(expr.value, self.eval(expr.args[0]), self.eval(expr.args[1]))
        if expr.value == "attributevalue":
            found, value = self.lookup.value(_s(self.eval(expr.args[0])) if expr.args else "")
            return value if found else ""
        function = FUNCTIONS[expr.value]
        if function is None:
            return ""
        try:
            return function(*(self.eval(a) for a in expr.args))
        except TypeError:
            raise RenderFailure(f"AMPscript: wrong number of arguments to {expr.value}()") from None


def _compare(op: str, a: Any, b: Any) -> bool:
    if op in ("==", "="):
        return _s(a).casefold() == _s(b).casefold()
    if op in ("!=", "<>"):
        return _s(a).casefold() != _s(b).casefold()
    try:
        x, y = float(_s(a)), float(_s(b))
    except ValueError:
        x, y = _s(a), _s(b)  # type: ignore[assignment]
    return {">": x > y, "<": x < y, ">=": x >= y, "<=": x <= y}[op]
