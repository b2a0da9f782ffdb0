"""The shape of the package, measured: import cycles, imports that run back up a layer, the largest
modules and functions. Used to report the structure before and after a reshape (issue 14).

    .venv/bin/python scripts/structure.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp

# Lowest first, as in .importlinter's layers contract; a module imports only its own layer or below. The first prefix that matches
# a module names its layer; anything unmatched is counted as "unlayered".
LAYERS = [
    ("model", ("dlp.model", "dlp.columns", "dlp.redact", "dlp.errors", "dlp.budgets", "dlp.textnorm", "dlp.data")),
    ("rules", ("dlp.rules", "dlp.domains", "dlp.htmltext", "dlp.safepath", "dlp.yamlio")),
    ("detect", ("dlp.detect",)),
    ("sources", ("dlp.render", "dlp.campaign", "dlp.recipients", "dlp.templating", "dlp.sources", "dlp.extract")),
    ("analysis", ("dlp.analysis", "dlp.workers", "dlp.valueindex")),
    ("checks", ("dlp.checks",)),
    ("policy", ("dlp.policy",)),
    ("pipeline", ("dlp.pipeline",)),
    ("api", ("dlp.api", "dlp.audit", "dlp.preview")),
    ("edge", ("dlp.reporters", "dlp.serve", "dlp.bench", "dlp.evaluate")),
    ("cli", ("dlp.cli", "dlp.__main__")),
]


def layer_of(module: str) -> int | None:
    for rank, (_name, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in modules:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return sorted(out, key=len, reverse=True)


def main() -> None:
    graph = grimp.build_graph("dlp")
    modules = {m for m in graph.modules if m.startswith("dlp")}
    # Packages import their children through __init__; count module-to-module cycles without that noise.
    found = cycles(graph, modules)
    print(f"modules: {len(modules)}")
    print(f"import cycles (strongly connected groups): {len(found)}")
    for component in found:
        print("  ", " <-> ".join(component))
    upward = []
    for importer in sorted(modules):
        low = layer_of(importer)
        for imported in graph.find_modules_directly_imported_by(importer):
            high = layer_of(imported)
            if low is not None and high is not None and high > low:
                upward.append((importer, imported))
    print(f"imports that run back up a layer: {len(upward)}")
    for importer, imported in upward:
        print(f"   {importer} -> {imported}")
    root = Path(__file__).resolve().parent.parent / "dlp"
    sizes = []
    functions = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(root.parent))
        sizes.append((len(text.splitlines()), name))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append((node.end_lineno - node.lineno + 1, f"{name}:{node.name}"))
    print("largest modules (lines):")
    for lines, name in sorted(sizes, reverse=True)[:10]:
        print(f"   {lines:5d} {name}")
    print("largest functions (lines):")
    for lines, name in sorted(functions, reverse=True)[:10]:
        print(f"   {lines:5d} {name}")


if __name__ == "__main__":
    main()
