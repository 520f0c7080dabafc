"""What every ``ikesim`` command shares: exit codes, one-line errors, JSON value conversion.

Exit codes: 0 ok, 1 failure (expectations not met), 2 invalid input, 3 internal error (a bug:
reported in one line, never a traceback unless IKESIM_DEBUG=1).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
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
            return fn(*args, **kwargs)
        except IkesimError as exc:
            fail(f"error: {exc}", EXIT_INVALID)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise              # click reports usage errors itself (exit 2)
        except KeyboardInterrupt:
            fail("interrupted", EXIT_FAIL)
        except Exception as exc:  # noqa: BLE001 - the promise is: no traceback for users
            if os.environ.get("IKESIM_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} "
                 "(please report it; IKESIM_DEBUG=1 shows the traceback)", EXIT_INTERNAL)
    return wrapper  # type: ignore[return-value]


def json_default(value: object) -> object:
    """JSON for the values events may carry (bytes as hex, sets sorted, tuples as lists)."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    return str(value)
