"""The hostile corpus (tests/hostile, written by tests/hostile/generate.py): every file gets a
clear FILE:LINE error with exit 2 — or loads with the documented warning — never an internal
error (exit 3), and none takes longer than 5 s (workers stopped by `check --timeout 5`,
processes by subprocess timeouts; no timing assertions)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
HEADER = re.compile(rb"^# hostile (\S+): (error|warning) at (?:line (\d+)|(\S+):(\d+)): (.*)$")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@dataclass(frozen=True)
class Case:
    path: Path            # relative to ROOT
    cls: str
    kind: str             # "error" | "warning"
    where: str            # the file the message names
    line: int
    fragment: str


def _cases() -> list[Case]:
    out = []
    for path in sorted(HOSTILE.rglob("*.yaml")):
        m = HEADER.match(path.read_bytes().split(b"\n", 1)[0])
        assert m, f"{path}: no '# hostile' header"
        rel = path.relative_to(ROOT)
        where = str(rel) if m.group(3) else str(rel.parent / m.group(4).decode())
        out.append(Case(rel, m.group(1).decode(), m.group(2).decode(), where,
                        int(m.group(3) or m.group(5)), m.group(6).decode()))
    return out


CASES = _cases()


def ikesim(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ikesim", *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=timeout)


def test_the_corpus_is_large_and_covers_every_class() -> None:
    assert len(CASES) >= 150
    classes = {c.cls for c in CASES}
    assert {"yaml", "bombs", "encoding", "toplevel", "routers", "config-file", "hosts",
            "links", "events", "exec", "expect", "warnings"} <= classes
    assert sum(c.kind == "warning" for c in CASES) >= 5


def test_the_corpus_is_what_the_generator_writes(tmp_path: Path) -> None:
    names = {c.path.name for c in CASES}
    text = (HOSTILE / "generate.py").read_text()
    missing = [n for n in names if f'"{n.removesuffix(".yaml")}"' not in text]
    assert missing == []


@pytest.fixture(scope="module")
def validated() -> subprocess.CompletedProcess[str]:
    return ikesim("validate", *(str(c.path) for c in CASES), timeout=300)


def test_validate_gives_each_file_its_error_or_warning(validated) -> None:  # type: ignore[no-untyped-def]
    assert validated.returncode == 2
    assert "internal error" not in validated.stderr
    assert "Traceback" not in validated.stderr
    lines = validated.stderr.splitlines()
    wrong = []
    for case in CASES:
        prefix = f"{case.where}:{case.line}: " + ("warning: " if case.kind == "warning" else "")
        if case.where == str(case.path):
            mine = [s for s in lines if s.startswith(f"{case.path}:")]
        else:
            mine = [s for s in lines if s.startswith(f"{case.where}:")]
        if not any(s.startswith(prefix) and case.fragment in s for s in mine):
            wrong.append((str(case.path), prefix + case.fragment, mine[:2]))
        ok_line = f"{case.path}: ok ("
        if (case.kind == "warning") != (ok_line in validated.stdout):
            wrong.append((str(case.path), "loads" if case.kind == "warning" else "fails",
                          validated.stdout.count(ok_line)))
    assert wrong == []


def test_check_reports_each_file_within_5_seconds(tmp_path: Path) -> None:
    report = tmp_path / "hostile.xml"
    result = ikesim("check", "tests/hostile", "-j", "2", "--timeout", "5", "--junit",
                    str(report), timeout=900)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    cases = {c.get("file"): c for c in ET.parse(report).getroot().iter("testcase")}
    assert set(cases) == {str(c.path) for c in CASES}
    wrong = []
    for case in CASES:
        node = cases[str(case.path)]
        error = node.find("error")
        if case.kind == "error":
            if error is None or error.get("type") != "InputError":
                wrong.append((str(case.path), None if error is None else error.get("type")))
            elif not (error.text or "").startswith(f"{case.where}:{case.line}: "):
                wrong.append((str(case.path), (error.text or "")[:120]))
        else:
            warnings = node.findtext("system-err") or ""
            if error is not None or node.find("failure") is not None or \
                    f"{case.where}:{case.line}: warning: " not in warnings:
                wrong.append((str(case.path), "warning missing", warnings[:120]))
    assert wrong == []


@pytest.mark.parametrize("name", ["bombs/billion-laughs.yaml", "bombs/nested-flow-sequences-1000.yaml",
                                  "encoding/nul-in-value.yaml", "encoding/latin1-byte.yaml",
                                  "config-file/dev-zero.yaml", "config-file/proc-self-environ.yaml",
                                  "config-file/traversal-etc-passwd.yaml",
                                  "exec/clear-superscript-digit.yaml",
                                  "toplevel/duration-unicode-digits.yaml"])
def test_run_exits_2_with_one_line(name: str) -> None:
    case = next(c for c in CASES if c.path == Path("tests/hostile") / name)
    result = ikesim("run", str(case.path), timeout=30)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"ikesim: error: {case.where}:{case.line}: ")
    assert len(result.stderr.splitlines()) == 1
    assert "root:" not in result.stderr and "PATH=" not in result.stderr   # nothing echoed
