"""YAML loading whose errors name the file and the line.

pydantic reports a location as a path of keys (`body -> text`); users need a line number. We keep the
composed YAML node tree beside the data and walk it along the error's path to find the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from dlp.errors import InputError

M = TypeVar("M", bound=BaseModel)


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"not valid YAML: {problem}", path=path, line=(mark.line + 1) if mark else None) from None
    return data, node


def line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Line (1-based) of the deepest node along `loc` that exists."""
    best = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            found = None
            for key_node, value_node in node.value:
                if key_node.value == key:
                    found = value_node
                    best = key_node.start_mark.line + 1
                    break
            if found is None:
                return best
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            best = node.start_mark.line + 1
        else:
            return best
    return best


def validate(model: type[M], data: Any, node: yaml.Node | None, path: Path, what: str) -> M:
    """Validate `data` against `model`; the first error becomes an InputError with file and line."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        if error["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(model_fields_at(model, loc[:-1])))
            detail = f"unknown key '{dotted}' in {what}" + (f"; allowed here: {allowed}" if allowed else "")
        elif error["type"] == "missing":
            detail = f"missing required key '{dotted}' in {what}"
        else:
            detail = f"'{dotted}': {error['msg']}"
        more = len(exc.errors()) - 1
        if more:
            detail += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise InputError(detail, path=path, line=line_of(node, loc)) from None


def model_fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names allowed at `loc`, to suggest the right key after a typo."""
    current: Any = model
    for key in loc:
        if isinstance(key, int):
            continue
        field = getattr(current, "model_fields", {}).get(key)
        if field is None:
            return []
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        for candidate in candidates:
            for arg in getattr(candidate, "__args__", ()):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    nested.append(arg)
        if not nested:
            return []
        current = nested[0]
    return list(getattr(current, "model_fields", {}))
