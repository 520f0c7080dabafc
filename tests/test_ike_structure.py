"""The IKE engine's inner structure: exchanges never import the engine (they get a Context),
and the modules of ``ikesim.ike`` form no import cycle, type-checking imports included."""

from __future__ import annotations

import ast
from pathlib import Path

IKE = Path(__file__).resolve().parent.parent / "ikesim" / "ike"
DRIVERS = {"engine", "loopback"}          # the public face and a test/demo driver


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "ikesim.ike":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("ikesim.ike."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names
                         if a.name.startswith("ikesim.ike."))
    return found


GRAPH = {p.stem: _imports(p) for p in IKE.glob("*.py")}


def test_no_module_but_drivers_imports_the_engine() -> None:
    offending = sorted(m for m, deps in GRAPH.items() if "engine" in deps and m not in DRIVERS)
    assert offending == []


def test_ike_modules_form_no_cycle() -> None:
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        if state.get(module) == 2:
            return
        assert state.get(module) != 1, "import cycle: " + " -> ".join([*path, module])
        state[module] = 1
        for dep in sorted(GRAPH.get(module, ())):
            if dep in GRAPH:
                visit(dep, [*path, module])
        state[module] = 2

    for module in sorted(GRAPH):
        visit(module, [])


def test_every_exchange_module_is_small() -> None:
    assert all(len(p.read_text().splitlines()) <= 400 for p in IKE.glob("*.py"))
