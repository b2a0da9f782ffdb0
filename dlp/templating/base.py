"""What every template engine shares: the errors it raises, its render budget, and undefined tracking.

Engines differ in syntax, not in contract. Each compiles a source (a syntax error names the line) and
renders one context to a string or raises `UndefinedNames` with EVERY undefined variable of that render
(not only the first one, so one run shows the author all missing columns) or `RenderFailure`.

Undefined tracking for third-party engines (Handlebars, Mustache, Liquid) uses a marker: a missing name
resolves to a falsy `Missing` value (so `{{#if x}}` and sections behave as the platform documents) whose
text is a private-use marker; markers that reach the output are undefined variables in output position.

The budget is our own, per engine, because the engines have no common hook: a deadline and a count of
variable lookups checked on every lookup (third-party engines spend their time on lookups and literal
text, both bounded by it), and a cap on output size checked on the result. Liquid adds its own iteration
and output limits; the small interpreters of this package check the budget in every loop.
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

RENDER_SECONDS = 5.0  # one template for one recipient
MAX_OUTPUT_CHARS = 5_000_000
MAX_LOOKUPS = 200_000
_MARKER = re.compile("\ue000(\\d+)\ue001")
_UNSAFE_NAME = re.compile(r"(?:^|[.\s/(\[])_|__")


class TemplateSyntax(Exception):
    """The template cannot be parsed (or uses a construct we do not support): exit 2 with file and line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class UndefinedNames(Exception):
    def __init__(self, names: list[str], line: int | None = None) -> None:
        super().__init__(", ".join(names))
        self.names = list(dict.fromkeys(names))
        self.line = line


class RenderFailure(Exception):
    def __init__(self, detail: str, line: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.line = line


def check_name(name: str, line: int | None = None) -> None:
    """No engine may reach Python internals through a dotted path (`x.__class__`, `_private`)."""
    if _UNSAFE_NAME.search(name.strip()):
        raise TemplateSyntax(f"'{name.strip()}': names starting with '_' are not allowed in templates", line)


def line_of(source: str, offset: int) -> int:
    """The 1-based line of an offset; per call O(log n), so naming the line of each of many tags stays linear."""
    return bisect.bisect_left(_newlines(source), offset) + 1


@lru_cache(maxsize=8)
def _newlines(source: str) -> list[int]:
    return [m.start() for m in re.finditer("\n", source)]


@dataclass
class Budget:
    """Time and size limits of one render; `tick` is called on every lookup and loop step."""

    seconds: float = RENDER_SECONDS
    max_lookups: int = MAX_LOOKUPS
    max_output: int = MAX_OUTPUT_CHARS
    started: float = field(default_factory=time.perf_counter)
    lookups: int = 0

    def tick(self) -> None:
        self.lookups += 1
        if self.lookups > self.max_lookups:
            raise RenderFailure(f"render budget exceeded: more than {self.max_lookups} variable lookups or loop steps")
        if self.lookups % 256 == 0 and time.perf_counter() - self.started > self.seconds:
            raise RenderFailure(f"render budget exceeded: more than {self.seconds:g} s for one message")

    def output(self, text: str) -> str:
        if len(text) > self.max_output:
            raise RenderFailure(f"render budget exceeded: output larger than {self.max_output} characters")
        return text


class Tracker:
    """The undefined names of one render, as markers in the output."""

    def __init__(self, budget: Budget | None = None) -> None:
        self.names: list[str] = []
        self.budget = budget or Budget()

    def missing(self, name: str) -> Missing:
        self.names.append(name)
        return Missing(self, name, len(self.names) - 1)

    def finish(self, text: str) -> str:
        """The output, or UndefinedNames for the markers in it."""
        found = [self.names[int(m.group(1))] for m in _MARKER.finditer(text)]
        if found:
            raise UndefinedNames(found)
        return self.budget.output(text)


class Missing(str):
    """A name the context does not have: falsy and empty to tests and loops, a marker in output."""

    _CHEVRON_return_scope_when_falsy = True  # chevron: render the marker instead of ''

    def __new__(cls, tracker: Tracker, name: str, number: int) -> Missing:
        obj = super().__new__(cls, f"\ue000{number}\ue001")
        obj.tracker = tracker  # type: ignore[attr-defined]
        obj.name = name  # type: ignore[attr-defined]
        return obj

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __getitem__(self, key: Any) -> Missing:  # type: ignore[override]
        return self.tracker.missing(f"{self.name}.{key}")  # type: ignore[attr-defined]

    def __getattr__(self, key: str) -> Missing:
        if key.startswith("_"):
            raise AttributeError(key)
        return self.tracker.missing(f"{self.name}.{key}")  # type: ignore[attr-defined]


class Tracked(Mapping[str, Any]):
    """A read-only mapping whose missing keys are `Missing`; nested dicts are wrapped on the way out."""

    def __init__(self, data: Mapping[str, Any], tracker: Tracker, prefix: str = "", *, deep: bool = True) -> None:
        self._data = data
        self._tracker = tracker
        self._prefix = prefix
        self._deep = deep  # False: nested values stay plain (Mustache falls back to outer scopes on a miss)

    def __getitem__(self, key: Any) -> Any:
        self._tracker.budget.tick()
        if isinstance(key, str) and key in self._data:
            value = self._data[key]
            return wrap(value, self._tracker, f"{self._prefix}{key}.") if self._deep else value
        return self._tracker.missing(f"{self._prefix}{key}")

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key]


def wrap(value: Any, tracker: Tracker, prefix: str = "") -> Any:
    if isinstance(value, Mapping) and not isinstance(value, Tracked):
        return Tracked(value, tracker, prefix)
    if isinstance(value, list | tuple):
        return [wrap(v, tracker, prefix) for v in value]
    return value


@dataclass
class RenderValues:
    """What one render sees: the recipient's row (exported names), campaign `vars:`, and both merged with
    the normalised column names (`merged`, for engines whose variables are plain names)."""

    row: Mapping[str, Any] | None
    variables: Mapping[str, Any]
    merged: dict[str, Any] = field(default_factory=dict)
    subject: str | None = None  # the message's rendered subject, once known (Mailchimp's *|MC:SUBJECT|*)


class Compiled:
    """A template one engine compiled: the source it renders (platform tags already placeholders; error
    lines refer to it) and the engine's render function bound to what it compiled. Engines differ only in
    that function, so every engine returns this one shell."""

    __slots__ = ("_render", "source")

    def __init__(self, source: str, render: Callable[[RenderValues], str]) -> None:
        self.source = source
        self._render = render

    def render(self, values: RenderValues) -> str:
        return self._render(values)
