"""Jinja: every undefined variable of a failed render, not only the first one.

The renderer keeps rendering with StrictUndefined (an undefined variable is an error, never an empty
string). When a render fails on one, the template is rendered once more, off the normal path, with an
Undefined that records each name it is asked about and carries on, so the report lists them all.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator, Mapping
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from dlp.templating.base import Budget, RenderFailure, UndefinedNames

_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")
_NAMES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("dlp_jinja_undefined", default=None)


class CollectingUndefined(jinja2.ChainableUndefined):
    """Falsy, empty and iterable like nothing; records its name whenever a StrictUndefined would fail."""

    __slots__ = ()

    def _record(self) -> None:
        names = _NAMES.get()
        if names is not None:
            names.append(self._undefined_name or "?")

    def __str__(self) -> str:
        self._record()
        return ""

    def __bool__(self) -> bool:
        self._record()
        return False

    def __iter__(self) -> Iterator[Any]:
        self._record()
        return iter(())

    def __len__(self) -> int:
        self._record()
        return 0


def undefined_name(exc: BaseException) -> str | None:
    """The variable an UndefinedError is about ('x' is undefined / has no attribute 'x')."""
    match = _UNDEFINED_NAME.search(str(exc))
    return (match.group(1) or match.group(2)) if match else None


def undefined_names(template: jinja2.Template, source: str, context: dict[str, Any], first: str | None) -> list[str]:
    """All undefined names of one render (`first`, the one StrictUndefined stopped on, comes first)."""
    env = template.environment.overlay(undefined=CollectingUndefined)
    names: list[str] = [first] if first else []
    token = _NAMES.set(names)
    try:
        env.from_string(source).render(context)
    except jinja2.UndefinedError as exc:
        names.append(undefined_name(exc) or "?")
    except Exception:  # the collecting render is best effort: the first name is already known
        pass
    finally:
        _NAMES.reset(token)
    return list(dict.fromkeys(n for n in names if n and n != "?")) or ([first] if first else [])


def render_bounded(template: jinja2.Template, source: str, context: dict[str, Any], label: str) -> str:
    """A platform's Jinja-translated template rendered piece by piece, so the time and size budget ends a
    runaway loop (the sandbox bounds range()); every undefined name of a failed render is reported."""
    budget = Budget()
    try:
        pieces: list[str] = []
        size = 0
        for piece in template.generate(context):
            budget.tick()
            pieces.append(piece)
            size += len(piece)
            if size > budget.max_output:
                raise RenderFailure(f"render budget exceeded: output larger than {budget.max_output} characters")
        return "".join(pieces)
    except RenderFailure:
        raise
    except jinja2.UndefinedError as exc:
        raise UndefinedNames(undefined_names(template, source, context, undefined_name(exc))) from None
    except jinja2.TemplateError as exc:
        raise RenderFailure(f"{label}: {exc}") from None
    except Exception as exc:
        raise RenderFailure(f"{label}: {type(exc).__name__}: {exc}") from None


class KeyFirstSandbox(SandboxedEnvironment):
    """The sandbox for platforms whose `x.items` means the key `items` (Mailjet's `var:order.items`,
    Brevo's `params.items`), never the dict method Jinja would find first."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)
