"""The layout the README and docs/architecture.md describe: bot/ by concept, no import circles."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.settings import ROOT

BOT = ROOT / "bot"
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    """Which bot modules each bot module imports, anywhere in it (inside functions too)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from bot.articles import corpus` imports the module bot.articles.corpus.
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports, as the modules along it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_circle_of_imports_between_files() -> None:
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]


def test_the_graph_sees_imports_inside_functions() -> None:
    # bot.cli imports the web server only when `bot serve` runs.
    assert "bot.web.server" in import_graph()["bot.cli"]


def test_bot_is_split_by_concept() -> None:
    root_modules = sorted(p.name for p in BOT.glob("*.py"))
    assert root_modules == ["__init__.py", "cli.py", "settings.py"]
    packages = [p.name for p in BOT.iterdir() if (p / "__init__.py").is_file()]
    assert len(packages) >= 5
    for package in packages:  # each says what it holds
        assert ast.get_docstring(ast.parse((BOT / package / "__init__.py").read_text()))


def test_no_module_is_too_long_to_read() -> None:
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
