"""The dependency rule of docs (and ../shared/docs/architecture.md): the protocol core —
codec, crypto, IKE engine, IPsec data plane — imports nothing from the network model, the IOS
personality, scenarios, exports or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ikesim"
CORE = ("isakmp", "crypto", "ike", "ipsec")
OUTER = ("net", "ios", "scenario", "export", "cli", "check", "teach", "pytest_plugin")


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("package", CORE)
def test_core_imports_nothing_outward(package: str) -> None:
    files = sorted((PACKAGE / package).glob("*.py"))
    assert files
    offending = [(f.name, m) for f in files for m in _imports(f)
                 if any(m == f"ikesim.{o}" or m.startswith(f"ikesim.{o}.") for o in OUTER)]
    assert offending == []
