"""Typed readers for scenario values (times, names, text, mappings) that raise
:class:`InputError` naming the file and line — shared by the loader and the expectations."""

from __future__ import annotations

import math
import re
from typing import Any

from ikesim.errors import InputError
from ikesim.scenario.yamlsrc import BlockText, LocatedDict

_TIME = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(us|ms|s|m|h)?\s*$", re.ASCII)
_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


class Ctx:
    """Error factory bound to the scenario file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.warnings: list[InputError] = []

    def error(self, reason: str, line: int | None, text: str | None = None) -> InputError:
        return InputError(reason, file=self.file, line=line, text=clip(text))

    def warn(self, reason: str, line: int | None, text: str | None = None) -> None:
        """A problem that does not stop the run (shown as ``FILE:LINE: warning: ...``)."""
        self.warnings.append(self.error(reason, line, text))


MAX_QUOTED = 80     # characters of an offending value quoted in an error message


def clip(text: str | None) -> str | None:
    """The first line of an offending value, cut to MAX_QUOTED characters (a message quotes
    the mistake, never a whole block or file)."""
    if text is None:
        return None
    lines = text.splitlines() or [""]
    first = lines[0]
    if len(first) > MAX_QUOTED or len(lines) > 1:
        return first[:MAX_QUOTED] + "..."
    return first


def parse_time(value: Any, ctx: Ctx, line: int | None, what: str) -> float:
    """Seconds from a number or a string such as ``10s``, ``1.5 ms``, ``2m``."""
    if isinstance(value, bool):
        raise ctx.error(f"{what} must be a time such as 10, 10s or 500ms, not {value!r}", line)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _TIME.match(value)):
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    else:
        raise ctx.error(f"{what} must be a time such as 10, 10s or 500ms", line, str(value))
    if not math.isfinite(seconds):
        raise ctx.error(f"{what} must be a finite time", line, str(value))
    if seconds < 0:
        raise ctx.error(f"{what} must not be negative", line, str(value))
    return seconds


def check_keys(node: LocatedDict, allowed: tuple[str, ...], ctx: Ctx, what: str) -> None:
    for key in node:
        if key not in allowed:
            raise ctx.error(f"unknown key '{key}' in {what} (expected one of: "
                            f"{', '.join(allowed)})", node.key_line(key))


def mapping(value: Any, ctx: Ctx, line: int, what: str) -> LocatedDict:
    if not isinstance(value, LocatedDict):
        raise ctx.error(f"{what} must be a mapping", line)
    return value


def text_of(value: Any, ctx: Ctx, line: int, what: str) -> tuple[str, int]:
    """A string value and the file line of its first line."""
    if isinstance(value, BlockText):
        return value.text, value.first_line
    if isinstance(value, str):
        return value, line
    raise ctx.error(f"{what} must be text", line)


def word(value: Any, ctx: Ctx, line: int, what: str) -> str:
    """A name (device, link): a plain word, not a list or a mapping."""
    if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value):
        raise ctx.error(f"{what} must be a name", line, str(value))
    return str(value)
