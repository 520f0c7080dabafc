"""Dependencies point one way (docs/architecture.md): core (codec, crypto, IPsec, IKE engine) →
network model → device personalities → exports → scenarios → tools (teaching, checks, …) → CLI.
A module may import from its own layer and the layers before it, never from a later one —
type-checking imports included, so a back-edge cannot hide behind ``TYPE_CHECKING``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ikesim"

# Top-level modules/packages of ikesim, in layer order. A new package must be placed here.
LAYERS: tuple[frozenset[str], ...] = tuple(frozenset(layer) for layer in (
    {"errors", "__init__", "_codecache"},
    {"isakmp", "crypto", "pki"},
    {"ipsec"},
    {"ike"},
    {"net"},
    {"ios", "linux"},
    {"export"},
    {"scenario"},
    {"live"},
    {"teach", "check", "explain", "report", "console", "sweep", "fidelity", "labgen"},
    {"cli", "pytest_plugin", "__main__"},
))
LAYER_OF = {name: i for i, layer in enumerate(LAYERS) for name in layer}
CORE = ("isakmp", "crypto", "pki", "ike", "ipsec")


def _top(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [m.split(".")[1] for m in found if m.startswith("ikesim.")]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_package_has_a_layer() -> None:
    unplaced = sorted({_top(p) for p in MODULES} - set(LAYER_OF))
    assert unplaced == [], "add these to LAYERS in tests/test_architecture.py"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path: Path) -> None:
    mine = LAYER_OF.get(_top(path))
    if mine is None:
        pytest.fail(f"{_top(path)} has no layer")
    later = [m for m in _imports(path) if LAYER_OF.get(m, -1) > mine]
    assert later == [], f"{path.relative_to(PACKAGE)} imports from a later layer: {later}"


@pytest.mark.parametrize("package", CORE)
def test_core_imports_nothing_outward(package: str) -> None:
    files = sorted((PACKAGE / package).rglob("*.py"))
    assert files
    offending = [(f.name, m) for f in files for m in _imports(f)
                 if LAYER_OF.get(m, 99) > LAYER_OF["ike"]]
    assert offending == []


# Modules stay small (about 400 lines). These still have to be split; remove an entry when its
# module is split, never add one.
MAX_LINES = 420
TO_SPLIT: set[str] = set()


def test_modules_are_small() -> None:
    big = {str(p.relative_to(PACKAGE)) for p in MODULES
           if len(p.read_text().splitlines()) > MAX_LINES}
    assert big - TO_SPLIT == set(), "split these modules by concern"
    assert TO_SPLIT - big == set(), "already split: remove them from TO_SPLIT"
