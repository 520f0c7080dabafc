"""Start-up: keep the bytecode that ``dataclasses`` generates, as ``.pyc`` files keep a module's.

On CPython 3.11 ``@dataclass`` writes the source of each class's ``__init__``, ``__repr__``,
``__eq__``, ``__hash__`` and frozen ``__setattr__``/``__delattr__`` and compiles it with ``exec``
every time the class is created, i.e. at every start of the program: ~150 classes of a seed run
cost ~190 ms, two thirds of it compiling (issue 14, docs/scaling.md). This module compiles each
such source text once and keeps the code object in a file beside the package's bytecode;
``dataclasses`` still builds every class itself from the same text, so the classes are exactly
those it would build (the generated code is compiled as ``exec`` compiles it: no inherited
``__future__`` flags, file name ``<string>``).

The hook is the name ``exec`` in the ``dataclasses`` module's namespace (a module global shadows
the builtin), so only ``dataclasses``' own calls go through it. The cache file is keyed by the
source text itself, so it can never be stale; it is tagged with the interpreter's bytecode magic
number, written atomically, and not written when bytecode writing is off
(``PYTHONDONTWRITEBYTECODE``) or the package directory is read-only. A damaged or foreign file
is ignored and rewritten.
"""

from __future__ import annotations

import atexit
import builtins
import dataclasses
import marshal
import os
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

_FORMAT = b"ikesim-dataclass-code-1\n" + MAGIC_NUMBER
_LIMIT = 4096      # entries kept in the file; beyond it only the texts this process used are kept


def default_path() -> Path:
    """The cache file: the package's ``__pycache__`` (or ``sys.pycache_prefix``'s mirror of it),
    one file per interpreter (``cpython-311`` …)."""
    package = Path(__file__).resolve().parent
    name = f"dataclass-code.{sys.implementation.cache_tag}.marshal"
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix).joinpath(*package.parts[1:], name)
    return package / "__pycache__" / name


class DataclassCodeCache:
    """Source text → code object, loaded from ``path`` on first use, saved when something new
    was compiled."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._codes: dict[str, CodeType] | None = None
        self._used: set[str] = set()
        self.compiled = 0           # texts compiled by this process (not found in the file)

    def _load(self) -> dict[str, CodeType]:
        codes: dict[str, CodeType] = {}
        try:
            data = self.path.read_bytes()
            if data.startswith(_FORMAT):
                loaded = marshal.loads(data[len(_FORMAT):])
                if isinstance(loaded, dict):
                    codes = {k: v for k, v in loaded.items()
                             if isinstance(k, str) and isinstance(v, CodeType)}
        except (OSError, EOFError, ValueError, TypeError):
            codes = {}
        return codes

    def code(self, source: str) -> CodeType:
        codes = self._codes
        if codes is None:
            codes = self._codes = self._load()
        found = codes.get(source)
        if found is None:
            # As builtins.exec compiles a string, but without the caller's __future__ flags:
            # dataclasses.py has none, this module has ``annotations``.
            found = codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            self.compiled += 1
        self._used.add(source)
        return found

    def exec(self, source: Any, globals: dict[str, Any] | None = None,
             locals: dict[str, Any] | None = None) -> None:
        """``exec`` for the ``dataclasses`` module: strings go through the cache."""
        if globals is None:         # exec's own default: the caller's namespace
            caller = sys._getframe(1)
            globals = caller.f_globals
            locals = caller.f_locals if locals is None else locals
        if isinstance(source, str):
            source = self.code(source)
        builtins.exec(source, globals, locals)

    def save(self) -> bool:
        """Write the file when this process compiled something new; False when it could not
        (read-only directory, bytecode writing off): the cache is an optimisation only."""
        if not self.compiled or self._codes is None or sys.dont_write_bytecode:
            return False
        merged = self._load()
        merged.update((s, self._codes[s]) for s in self._used)
        if len(merged) > _LIMIT:
            merged = {s: self._codes[s] for s in self._used}
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(_FORMAT + marshal.dumps(merged))
            os.replace(temporary, self.path)
        except OSError:
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass
            return False
        self.compiled = 0
        return True


def install(path: Path | None = None) -> DataclassCodeCache:
    """Route ``dataclasses``' ``exec`` through a cache (once per process) and save it at exit."""
    current = getattr(dataclasses, "exec", None)
    owner = getattr(current, "__self__", None)
    if isinstance(owner, DataclassCodeCache):
        return owner
    cache = DataclassCodeCache(path or default_path())
    dataclasses.exec = cache.exec           # type: ignore[attr-defined]
    atexit.register(cache.save)
    return cache
