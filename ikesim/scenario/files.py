"""Reading the files a scenario names, safely: CI runs scenarios contributed by strangers.

- Only regular files are read (not ``/dev/zero``, a FIFO or a folder), and at most a fixed size
  (:data:`MAX_SCENARIO_BYTES`, :data:`MAX_CONFIG_BYTES`): a bigger file is an error, not a
  memory hog.
- A ``config_file:`` must resolve (symlinks followed) to a file inside the scenario's own folder
  tree: ``../../etc/passwd``, ``/proc/self/environ`` or a symlink pointing outside are errors
  that name the scenario line, never the file's contents.
- Text must be UTF-8 without control characters; errors name the line and column.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ikesim.errors import InputError
from ikesim.scenario.yamlsrc import check_printable, decode_source

MAX_SCENARIO_BYTES = 8 * 1024 * 1024
MAX_CONFIG_BYTES = 1024 * 1024


def _mib(n: int) -> str:
    return f"{n / 2**20:g} MiB"


def read_regular_file(path: Path, *, limit: int, what: str, file: str | None = None,
                      line: int | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Errors name ``file``:``line`` (where the path was given) or else the path itself."""
    where = {"file": file if file is not None else str(path), "line": line}
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        reason = "it is a folder" if exc.errno == errno.EISDIR else exc.strerror
        raise InputError(f"cannot read {what}: {reason}", **where) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"cannot read {what}: {_kind(info.st_mode)}, not a regular file",
                             **where)
        if info.st_size > limit:
            raise InputError(f"{what} is larger than {_mib(limit)}", **where)
        chunks, size = [], 0
        while size <= limit:             # the size may have changed since fstat
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise InputError(f"{what} is larger than {_mib(limit)}", **where)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", **where) from None
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a pipe"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def read_scenario_text(path: Path) -> str:
    """The text of a scenario file (regular, at most MAX_SCENARIO_BYTES, UTF-8, printable)."""
    data = read_regular_file(path, limit=MAX_SCENARIO_BYTES, what="scenario")
    return decode_source(data, str(path))


def config_file_path(base_dir: Path, name: str, *, file: str, line: int) -> Path:
    """``config_file: NAME`` resolved inside the scenario's folder tree (else an error naming
    the scenario line)."""
    if not name.strip() or "\0" in name:
        raise InputError("config_file must name a file next to the scenario", file=file,
                         line=line)
    root = base_dir.resolve()
    try:
        target = (root / name).resolve(strict=True)
    except FileNotFoundError:
        raise InputError("cannot read config_file: No such file or directory", file=file,
                         line=line, text=name) from None
    except (OSError, RuntimeError) as exc:       # a symlink loop, a name too long, ...
        reason = getattr(exc, "strerror", None) or "cannot resolve the path"
        raise InputError(f"cannot read config_file: {reason}", file=file, line=line,
                         text=name) from None
    if not target.is_relative_to(root):
        raise InputError("config_file must be inside the scenario's folder (symlinks "
                         "included); this one resolves outside it", file=file, line=line,
                         text=name)
    return target


def read_config_file(base_dir: Path, name: str, *, file: str, line: int) -> tuple[Path, str]:
    """(path as written, text) of a router's ``config_file:``; errors name the scenario line
    (or the config file's line for its text) and never show the file's contents."""
    path = config_file_path(base_dir, name, file=file, line=line)
    data = read_regular_file(path, limit=MAX_CONFIG_BYTES, what="config_file", file=file,
                             line=line)
    shown = str(base_dir / name)
    text = decode_source(data, shown, what="config_file")
    check_printable(text, shown, what="config_file")
    return Path(shown), text
