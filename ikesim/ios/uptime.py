"""IOS uptime timestamps, as printed before debug lines with ``service timestamps debug uptime``.

IOS shows ``hh:mm:ss`` for the first day (the seed's ``00:01:01``), then coarser units so the
stamp stays short: ``1d02h`` (days + hours) for the first week, ``2w3d`` (weeks + days) after
that and ``1y2w`` (years + weeks) after a year. Fractions of a second are truncated, never
rounded: 61.9 s is still ``00:01:01``.
"""

from __future__ import annotations

import math

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
_YEAR = 365 * _DAY


def uptime_stamp(seconds: float) -> str:
    """Format an uptime in seconds the way IOS prints it in a debug/log timestamp."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"uptime must be a number of seconds, not {type(seconds).__name__}")
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        raise ValueError(f"uptime must be a finite, non-negative number of seconds: {seconds!r}")
    s = int(seconds)  # truncation: IOS only moves to the next second once it has elapsed
    if s < _DAY:
        return f"{s // _HOUR:02d}:{s % _HOUR // _MINUTE:02d}:{s % _MINUTE:02d}"
    if s < _WEEK:
        return f"{s // _DAY}d{s % _DAY // _HOUR:02d}h"
    if s < _YEAR:
        return f"{s // _WEEK}w{s % _WEEK // _DAY}d"
    return f"{s // _YEAR}y{s % _YEAR // _WEEK}w"
