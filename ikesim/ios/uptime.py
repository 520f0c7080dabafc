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


# `service timestamps debug datetime [msec] [year] [show-timezone]`: the software clock. A router
# with no calendar and no NTP boots with its clock at 00:00:00 UTC on 1 March 1993 and marks it
# not authoritative with "*" (real 12.x output "*Mar  1 00:13:31.891: IPSEC(sa_request)", quoted
# at nameidi.com/n/wg35d56z.html; IOS-XE traces 04/05 show the same "*Mon DD hh:mm:ss.mmm" form).
_BOOT_YEAR = 1993
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_BOOT_DAY_OF_YEAR = 31 + 28      # 1993 is not a leap year: March 1 is day 59 (0-based)


def _month_day(day_of_year: int, leap: bool) -> tuple[str, int]:
    lengths = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    for month, length in zip(_MONTHS, lengths, strict=True):
        if day_of_year < length:
            return month, day_of_year + 1
        day_of_year -= length
    return "Dec", 31


def datetime_stamp(seconds: float, *, msec: bool = False, year: bool = False,
                   timezone: bool = False) -> str:
    """The clock of a router up ``seconds`` as IOS prints it in a debug/log timestamp:
    ``*Mar  1 00:01:01.123`` (day padded to two characters, milliseconds truncated)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"uptime must be a number of seconds, not {type(seconds).__name__}")
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        raise ValueError(f"uptime must be a finite, non-negative number of seconds: {seconds!r}")
    whole = int(seconds)
    millis = int(round((seconds - whole) * 1000, 6))
    days, rest = divmod(whole, _DAY)
    day_of_year, y = _BOOT_DAY_OF_YEAR + days, _BOOT_YEAR
    while True:
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        if day_of_year < (366 if leap else 365):
            break
        day_of_year -= 366 if leap else 365
        y += 1
    month, day = _month_day(day_of_year, leap)
    text = f"*{month} {day:>2}"
    if year:
        text += f" {y}"
    text += f" {rest // _HOUR:02d}:{rest % _HOUR // _MINUTE:02d}:{rest % _MINUTE:02d}"
    if msec:
        text += f".{millis:03d}"
    return text + (" UTC" if timezone else "")


def stamp(style: str, seconds: float) -> str:
    """A timestamp in the ``service timestamps`` style ``style``: "uptime", or "datetime" with
    any of the keywords msec, year, show-timezone (unknown words are ignored, as a config
    written for a newer IOS would be)."""
    words = style.split() if isinstance(style, str) else []
    if not words or words[0] != "datetime":
        return uptime_stamp(seconds)
    return datetime_stamp(seconds, msec="msec" in words, year="year" in words,
                          timezone="show-timezone" in words)
