"""ikesim/_codecache.py: dataclasses built from cached bytecode are the classes dataclasses
builds itself, the cache file survives damage, and it is written only where bytecode may be."""

from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ikesim import _codecache
from ikesim._codecache import DataclassCodeCache

# Defined without ``from __future__ import annotations`` semantics: real types in annotations.
_CLASS_SOURCE = '''
import dataclasses

@dataclasses.dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int = 2
    tags: tuple = ()

@dataclasses.dataclass(order=True)
class Job:
    priority: int
    name: str = dataclasses.field(default="idle", compare=False)
'''


@pytest.fixture(autouse=True)
def _bytecode_writing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)     # whatever the shell says


def _build(cache: DataclassCodeCache | None, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Run the class source with dataclasses' ``exec`` routed through ``cache`` (or not)."""
    if cache is None:
        monkeypatch.delattr(dataclasses, "exec", raising=False)
    else:
        monkeypatch.setattr(dataclasses, "exec", cache.exec, raising=False)
    namespace: dict = {"__name__": "codecache_probe"}
    exec(compile(_CLASS_SOURCE, "<probe>", "exec", dont_inherit=True), namespace)
    return namespace


def _behaviour(ns: dict) -> tuple:
    point, job = ns["Point"], ns["Job"]
    p = point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5
    return (repr(p), p == point(1, 2, ()), p != point(1, 3), hash(p) == hash(point(1)),
            point.__slots__, str(inspect.signature(point)),
            inspect.signature(point.__init__).parameters["x"].annotation is int,
            sorted([job(3, "c"), job(1, "a")]) == [job(1), job(3)], repr(job(4)))


def test_classes_from_the_cache_behave_as_dataclasses_builds_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _behaviour(_build(None, monkeypatch))
    path = tmp_path / "code.marshal"
    first = DataclassCodeCache(path)
    assert _behaviour(_build(first, monkeypatch)) == plain
    assert first.compiled > 0
    assert first.save() and path.exists()
    second = DataclassCodeCache(path)           # a later process: everything comes from the file
    assert _behaviour(_build(second, monkeypatch)) == plain
    assert second.compiled == 0
    assert second.save() is False               # nothing new: the file is not rewritten


def test_generated_annotations_are_real_objects_not_strings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # This module has ``from __future__ import annotations``; the cache must not pass that
    # flag on to the code dataclasses generates (exec of a string would not).
    ns = _build(DataclassCodeCache(tmp_path / "c"), monkeypatch)
    assert ns["Point"].__init__.__annotations__["x"] is int


@pytest.mark.parametrize("damage", [b"", b"garbage", b"ikesim-dataclass-code-1\n\x00\x00",
                                    None])
def test_a_damaged_or_foreign_file_is_ignored_and_rewritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes | None) -> None:
    path = tmp_path / "code.marshal"
    if damage is None:      # a valid header with a truncated body
        good = DataclassCodeCache(path)
        _build(good, monkeypatch)
        good.save()
        path.write_bytes(path.read_bytes()[:200])
    else:
        path.write_bytes(damage)
    cache = DataclassCodeCache(path)
    _build(cache, monkeypatch)
    assert cache.compiled > 0
    assert cache.save()
    again = DataclassCodeCache(path)
    _build(again, monkeypatch)
    assert again.compiled == 0


def test_nothing_is_written_when_bytecode_writing_is_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache = DataclassCodeCache(tmp_path / "code.marshal")
    _build(cache, monkeypatch)
    assert cache.save() is False
    assert not (tmp_path / "code.marshal").exists()


def test_an_unwritable_target_is_not_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = DataclassCodeCache(blocker / "code.marshal")
    _build(cache, monkeypatch)
    assert cache.save() is False
    assert list(tmp_path.iterdir()) == [blocker]


def test_the_file_keeps_only_this_process_texts_beyond_its_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "code.marshal"
    monkeypatch.setattr(_codecache, "_LIMIT", 3)
    old = DataclassCodeCache(path)
    for i in range(5):
        old.code(f"x = {i}\n")
    old.save()
    new = DataclassCodeCache(path)
    _build(new, monkeypatch)
    new.save()
    kept = DataclassCodeCache(path)
    kept.code("x = 0\n")
    assert kept.compiled == 1           # the old texts were dropped, not the ones in use


def test_install_is_idempotent_and_routes_dataclasses() -> None:
    import ikesim  # noqa: F401  (installs the cache)

    cache = _codecache.install()
    assert _codecache.install() is cache
    assert dataclasses.exec == cache.exec


def test_a_second_process_compiles_nothing(tmp_path: Path) -> None:
    prefix = tmp_path / "pycache"
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(prefix)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    probe = ("import ikesim.scenario.runner, dataclasses; "
             "print(dataclasses.exec.__self__.compiled)")
    runs = [subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, check=True).stdout.strip() for _ in range(2)]
    assert int(runs[0]) > 100 and runs[1] == "0"
    assert list(prefix.rglob("dataclass-code.*.marshal"))
