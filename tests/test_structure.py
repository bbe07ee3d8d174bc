"""The package's shape: no import cycle anywhere in src/extract, no module over 450 lines, and
the library sets no logging levels (that is the application's choice)."""

from __future__ import annotations

import ast
from pathlib import Path

import extract

SRC = Path(extract.__file__).resolve().parent
MAX_LINES = 450


def _imports() -> dict[str, set[str]]:
    """Module name -> the package modules it imports (at any level: top, function, class)."""
    out: dict[str, set[str]] = {}
    names = {p.stem for p in SRC.glob("*.py")}
    for p in sorted(SRC.glob("*.py")):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module:
                    deps.add(node.module.split(".")[0])
                elif node.level == 1:                      # from . import a, b
                    deps |= {a.name for a in node.names}
                elif node.module and node.module.startswith("extract."):
                    deps.add(node.module.split(".")[1])
                elif node.module == "extract":             # from extract import a, b
                    deps |= {a.name for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names if a.name.startswith("extract.")}
        out[p.stem] = (deps & names) - {p.stem}
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (c := visit(m)):
                return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (c := visit(n)):
            return c
    return None


def test_no_import_cycle_in_the_package():
    cycle = _cycle(_imports())
    assert cycle is None, " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_rule_toolkit_imports_no_stage():
    assert _imports()["rules"] == set()


def test_no_module_is_longer_than_450_lines():
    long = {p.name: n for p in SRC.glob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_the_library_sets_no_logging_level():
    offenders = [p.name for p in SRC.glob("*.py") if p.name != "cli.py"
                 and ("setLevel(" in (t := p.read_text(encoding="utf-8")) or "setLogLevel(" in t)]
    assert not offenders, offenders
