"""The layers hold: core's packages import each other without cycles, and core never reaches
up into the entry points or a chat platform. ``lint-imports`` (pyproject's contracts) checks
the named layers in CI; this test checks what a contract can't: no cycle anywhere in core."""

from __future__ import annotations

import grimp

PLATFORMS = ("bots", "devtools", "telegram", "discord", "aiohttp")


def _top(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _package_graph() -> dict[str, set[str]]:
    """core's top-level modules and packages, each with those it imports (lazy imports too)."""
    graph = grimp.build_graph("core", include_external_packages=False)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        if module == "core" or module.startswith("core.migrations"):
            continue  # alembic's scripts, loaded by alembic, not imported
        source = _top(module)
        edges.setdefault(source, set())
        for imported in graph.find_modules_directly_imported_by(module):
            target = _top(imported)
            if target != source and target != "core" and not target.startswith("core.migrations"):
                edges[source].add(target)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the chain of modules that closes it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_core_has_no_import_cycle() -> None:
    assert _cycle(_package_graph()) is None


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    edges = {"core.a": {"core.b"}, "core.b": {"core.c"}, "core.c": {"core.a"}, "core.d": set()}
    assert _cycle(edges) == ["core.a", "core.b", "core.c", "core.a"]
    assert _cycle({"core.a": {"core.b"}, "core.b": set()}) is None


def test_core_imports_no_entry_point_and_no_chat_platform() -> None:
    graph = grimp.build_graph("core", include_external_packages=True)
    reached = {
        imported.split(".")[0]
        for module in graph.modules
        if module.startswith("core")
        for imported in graph.find_modules_directly_imported_by(module)
    }
    assert reached.isdisjoint(PLATFORMS), reached & set(PLATFORMS)
