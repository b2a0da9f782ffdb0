"""YAML loading whose errors name the file and the line.

pydantic reports a location as a path of keys (`body -> text`); users need a line number. We keep the
composed YAML node tree beside the data and walk it along the error's path to find the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from dlp.budgets import int_limit
from dlp.errors import InputError

M = TypeVar("M", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses what `safe_load` lets through: nesting past DLP_MAX_NESTING (the composer
    recurses per level, so 5,000 levels end in RecursionError) and a key given twice in one mapping
    (safe_load keeps the last one silently: a second `subject:` would win unseen)."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0
        self._max_depth = int_limit("DLP_MAX_NESTING")

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                mark = self.peek_event().start_mark
                raise _TooDeep(mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key = self.construct_object(key_node)
                    if key in seen:
                        raise _DuplicateKey(key, seen[key], key_node.start_mark.line + 1)
                    seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


class _TooDeep(Exception):
    def __init__(self, mark) -> None:
        self.line = mark.line + 1


class _DuplicateKey(Exception):
    def __init__(self, key: Any, first: int, line: int) -> None:
        self.key, self.first, self.line = key, first, line


# Aliases share one node, so a 1 KB file of nested aliases (`b: [*a, *a, …]`, 9 levels) is 10^9 values to
# anything that walks it (pydantic, a template printing it). A file within DLP_MAX_YAML_BYTES holds at
# most about a million values written out; expanded past that, the file is refused before use.
MAX_EXPANDED_NODES = 1_000_000


def _alias_bomb(root: yaml.Node) -> yaml.Node | None:
    """The deepest node whose expansion passes MAX_EXPANDED_NODES, or None. Sizes are memoised per node,
    so this is linear in the file; a node inside its own alias (a cycle) counts once."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # in progress: a recursive alias adds nothing more
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(key) + size(value) for key, value in node.value)
        total = min(total, MAX_EXPANDED_NODES + 1)  # saturate: the numbers stay small
        sizes[id(node)] = total
        return total

    if size(root) <= MAX_EXPANDED_NODES:
        return None
    node = root
    while True:
        children = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else [v for pair in node.value for v in pair]
            if isinstance(node, yaml.MappingNode)
            else []
        )
        bigger = next((c for c in children if sizes.get(id(c), 0) > MAX_EXPANDED_NODES), None)
        if bigger is None:
            return node
        node = bigger


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree of a YAML file, parsed ONCE (the data is constructed from the nodes),
    within the size and nesting budgets; a duplicate key is an error naming both lines."""
    cap = int_limit("DLP_MAX_YAML_BYTES")
    try:
        size = path.stat().st_size
        if size > cap:
            raise InputError(
                f"the file is {size / 1024 / 1024:.1f} MB, above the {cap / 1024 / 1024:.0f} MB limit for a "
                "campaign or rules file (DLP_MAX_YAML_BYTES); keep data in the recipient list, not in YAML",
                path=path,
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from None
    try:
        loader = _Loader(text)  # its reader refuses NUL and other non-printable characters here already
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        problem = f"not valid YAML: the control character U+{code:04X} is not allowed"
        raise InputError(problem, path=path, line=line) from None
    try:
        node = loader.get_single_node()
        if node is not None and (bomb := _alias_bomb(node)) is not None:
            raise InputError(
                f'YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values (an alias bomb, "billion '
                'laughs"); write the values out instead of nesting aliases',
                path=path,
                line=bomb.start_mark.line + 1,
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"not valid YAML: {problem}", path=path, line=(mark.line + 1) if mark else None) from None
    except _TooDeep as exc:
        raise InputError(
            f"YAML nested deeper than {int_limit('DLP_MAX_NESTING')} levels (DLP_MAX_NESTING)", path=path, line=exc.line
        ) from None
    except _DuplicateKey as exc:
        raise InputError(
            f"duplicate key '{exc.key}' (first at line {exc.first}); YAML would silently keep only the last one",
            path=path,
            line=exc.line,
        ) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", path=path) from None
    finally:
        loader.dispose()
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
