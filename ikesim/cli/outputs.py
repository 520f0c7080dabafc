"""Output files of a command, written so that a file is either complete or not there at all.

Every output (``run --json/--pcap/--keys/--esp-keys``, ``check --junit``, and any future one) is
planned before the work starts and checked then: a path that is one of the inputs, that two
options share, that is a folder, or where nothing can be written is an error (exit 2) before
anything runs. Each output is written to a temporary file in its own folder (so the final
``os.replace`` is atomic) and renamed over the target only when the whole command succeeded; an
error, Ctrl-C (SIGINT) or SIGTERM removes the temporary files and leaves the targets as they
were. A full disk is a one-line error, not a traceback.

Use::

    outputs = Outputs(inputs=[scenario_path])
    outputs.add("--json", json_path)          # None: the option was not given
    with outputs.writing():                   # checks, creates the temporary files
        fh = outputs.file("--json")           # a text file (binary: outputs.file(..., binary=True))
        ...                                   # on success every target is replaced at once

A target that exists and is not a regular file (``/dev/null``, a pipe) is written directly.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ikesim.errors import IkesimError

# errno values that mean "the disk (or quota) is full": reported as a clean error.
DISK_FULL = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG)
                      if e is not None)


_open = open       # how output files are opened (a test points it at /dev/full)


class OutputError(IkesimError):
    """An output file cannot be written (bad path, permissions, full disk)."""


@dataclass(slots=True)
class _Planned:
    option: str
    path: Path                       # as given
    target: Path                     # symlinks resolved: what is replaced
    temp: Path | None = None         # None until created, or when writing directly
    handle: IO[Any] | None = None
    direct: bool = False             # an existing special file: written in place
    binary: bool = False


@dataclass
class Outputs:
    inputs: Iterable[str | Path] = ()
    planned: dict[str, _Planned] = field(default_factory=dict)

    def add(self, option: str, path: str | Path | None) -> None:
        """Plan the output of ``option`` (ignored when ``path`` is None)."""
        if path is None:
            return
        path = Path(path)
        self.planned[option] = _Planned(option, path, Path(os.path.abspath(path)).resolve())

    def __bool__(self) -> bool:
        return bool(self.planned)

    # -- checks, before the work ----------------------------------------------------------------
    def check(self) -> None:
        """Raise :class:`OutputError` for a path that must not or cannot be written."""
        inputs = [Path(p) for p in self.inputs]
        seen: dict[Path, str] = {}
        for out in self.planned.values():
            if out.target in seen:
                raise OutputError(f"{seen[out.target]} and {out.option} name the same file "
                                  f"{out.path}")
            seen[out.target] = out.option
            for source in inputs:
                if _same_file(out.target, source):
                    raise OutputError(f"{out.option} {out.path} is an input of this command "
                                      f"({source}): it would be overwritten")
            if out.target.is_dir():
                raise OutputError(f"{out.option} {out.path} is a folder")
            if out.target.exists() and not stat.S_ISREG(out.target.stat().st_mode):
                out.direct = True
                continue
            folder = out.target.parent
            if not folder.is_dir():
                raise OutputError(f"cannot write {out.option} {out.path}: no folder "
                                  f"{_shown_parent(out.path)}")
            if out.target.exists() and not os.access(out.target, os.W_OK):
                raise OutputError(f"cannot write {out.option} {out.path}: permission denied")

    # -- writing --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def writing(self) -> Iterator[Outputs]:
        """Check the plan, create the temporary files, and on success replace the targets."""
        self.check()
        previous = _raise_on_sigterm()
        try:
            for out in self.planned.values():
                self._create(out)
            yield self
            self._commit()
        except OSError as exc:
            self._discard()
            raise self._error(exc, None) from None
        except BaseException:
            self._discard()
            raise
        finally:
            _restore_sigterm(previous)

    def file(self, option: str, *, binary: bool = False) -> IO[Any]:
        """The open (temporary) file of ``option``."""
        out = self.planned[option]
        if out.handle is None:
            assert out.temp is not None or out.direct
            where = out.target if out.direct else out.temp
            out.handle = _open(where, "wb" if binary else "w",
                               **({} if binary else {"encoding": "utf-8", "newline": "\n"}))
            out.binary = binary
        return out.handle

    def _create(self, out: _Planned) -> None:
        if out.direct:
            return
        try:
            fd, name = tempfile.mkstemp(prefix=f".{out.target.name}.", suffix=".tmp",
                                        dir=out.target.parent)
        except OSError as exc:
            raise OutputError(f"cannot write {out.option} {out.path}: "
                              f"{exc.strerror or exc}") from None
        try:
            os.fchmod(fd, _mode_for(out.target))
        finally:
            os.close(fd)
        out.temp = Path(name)

    def _commit(self) -> None:
        for out in self.planned.values():
            try:
                if out.handle is None:
                    self.file(out.option)       # an output with nothing written: empty file
                assert out.handle is not None
                out.handle.flush()
                if not out.direct:
                    os.fsync(out.handle.fileno())
                out.handle.close()
            except OSError as exc:
                raise self._error(exc, out) from None
        for out in self.planned.values():
            if out.temp is not None:
                try:
                    os.replace(out.temp, out.target)
                except OSError as exc:
                    raise self._error(exc, out) from None
                out.temp = None

    def failed(self, option: str, exc: OSError) -> OutputError:
        """The error to report when writing ``option`` failed with ``exc``."""
        return self._error(exc, self.planned[option])

    def _discard(self) -> None:
        for out in self.planned.values():
            if out.handle is not None:
                with contextlib.suppress(OSError):
                    out.handle.close()
            if out.temp is not None:
                with contextlib.suppress(OSError):
                    out.temp.unlink()
                out.temp = None

    def _error(self, exc: OSError, which: _Planned | None) -> OutputError:
        what = f"{which.option} {which.path}" if which else "an output file"
        if exc.errno in DISK_FULL:
            return OutputError(f"cannot write {what}: {exc.strerror} (nothing was written)")
        return OutputError(f"cannot write {what}: {exc.strerror or exc}")


def _same_file(target: Path, source: Path) -> bool:
    try:
        return target == Path(os.path.abspath(source)).resolve() or (
            target.exists() and os.path.samefile(target, source))
    except OSError:
        return False


def _shown_parent(path: Path) -> str:
    return str(path.parent) if str(path.parent) else "."


def _mode_for(target: Path) -> int:
    """The permissions of the file being replaced, or the usual ones for a new file."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _raise_on_sigterm() -> Any:
    """While outputs are open, SIGTERM interrupts like Ctrl-C (so temporary files go away)."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:          # not the main thread: leave signals alone
        return None


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
