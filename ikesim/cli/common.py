"""What every ``ikesim`` command shares: exit codes, one-line errors, JSON value conversion.

Exit codes: 0 ok, 1 failure (expectations not met), 2 invalid input, 3 internal error (a bug:
reported in one line, never a traceback unless IKESIM_DEBUG=1).
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from ikesim.errors import IkesimError

EXIT_OK, EXIT_FAIL, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int) -> None:
    click.echo(f"ikesim: {message}", err=True)
    sys.exit(code)


def guarded(fn: F) -> F:
    """Turn user errors into one line and exit 2, anything else into one line and exit 3."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            try:
                return fn(*args, **kwargs)
            finally:
                sys.stdout.flush()      # a full disk under stdout shows here, not at exit
        except IkesimError as exc:
            fail(f"error: {exc}", EXIT_INVALID)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise              # click reports usage errors itself (exit 2)
        except KeyboardInterrupt:
            fail("interrupted", EXIT_FAIL)
        except BrokenPipeError:         # `ikesim run lab.yaml | head`: the reader left
            _silence_stdout()
            sys.exit(EXIT_FAIL)
        except Exception as exc:  # noqa: BLE001 - the promise is: no traceback for users
            if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:
                # stdout on a full disk (`ikesim run lab.yaml > /full/out.txt`)
                _silence_stdout()
                fail(f"error: cannot write the output: {exc.strerror}", EXIT_INVALID)
            if os.environ.get("IKESIM_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} "
                 "(please report it; IKESIM_DEBUG=1 shows the traceback)", EXIT_INTERNAL)
    return wrapper  # type: ignore[return-value]


_WRITE_ERRORS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG,
                                     errno.EIO) if e is not None)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def show_warnings(warnings: Iterable[Any]) -> None:
    """Scenario warnings on stderr, ``FILE:LINE: warning: reason``."""
    for warning in warnings:
        click.echo(warning_text(warning), err=True)


def warning_text(warning: Any) -> str:
    where = f"{warning.file}:{warning.line}: " if warning.line else f"{warning.file}: "
    tail = f": {warning.text!r}" if warning.text is not None else ""
    return f"{where}warning: {warning.reason}{tail}"


def json_default(value: object) -> object:
    """JSON for the values events may carry (bytes as hex, sets sorted, tuples as lists)."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    return str(value)
