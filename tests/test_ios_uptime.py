"""Tests for ikesim.ios.uptime: IOS uptime timestamp format."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ikesim.ios.uptime import uptime_stamp

DAY = 86400
WEEK = 7 * DAY


@pytest.mark.parametrize(("seconds", "stamp"), [
    (0, "00:00:00"),
    (61, "00:01:01"),          # the seed's first RT2 debug line
    (61.999, "00:01:01"),      # fractions truncate
    (242, "00:04:02"),
    (3599.5, "00:59:59"),
    (3600, "01:00:00"),
    (DAY - 1, "23:59:59"),
    (DAY, "1d00h"),
    (DAY + 2 * 3600 + 59 * 60, "1d02h"),
    (WEEK - 1, "6d23h"),
    (WEEK, "1w0d"),
    (2 * WEEK + 3 * DAY + 5000, "2w3d"),
    (51 * WEEK + 6 * DAY, "51w6d"),
    (365 * DAY, "1y0w"),
    (365 * DAY + 2 * WEEK + 1, "1y2w"),
])
def test_examples(seconds, stamp):
    assert uptime_stamp(seconds) == stamp


@given(st.floats(min_value=0, max_value=DAY, exclude_max=True, allow_nan=False))
def test_below_one_day_round_trips(seconds):
    h, m, s = (int(part) for part in uptime_stamp(seconds).split(":"))
    assert h * 3600 + m * 60 + s == math.floor(seconds)
    assert len(uptime_stamp(seconds)) == 8


def _parse(stamp: str) -> tuple[int, int]:
    """(value the stamp stands for, resolution of its smallest unit), both in seconds."""
    if ":" in stamp:
        h, m, s = map(int, stamp.split(":"))
        return h * 3600 + m * 60 + s, 1
    for big, small, ubig, usmall in (("d", "h", DAY, 3600), ("w", "d", WEEK, DAY),
                                     ("y", "w", 365 * DAY, WEEK)):
        if stamp.endswith(small) and big in stamp:
            a, b = stamp[:-1].split(big)
            return int(a) * ubig + int(b) * usmall, usmall
    raise AssertionError(stamp)


@given(st.integers(min_value=0, max_value=10 * 365 * DAY))
def test_stamp_truncates_to_its_smallest_unit(seconds):
    value, resolution = _parse(uptime_stamp(seconds))
    assert value <= seconds < value + resolution


@pytest.mark.parametrize("bad", [-1, -0.001, math.nan, math.inf])
def test_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        uptime_stamp(bad)


@pytest.mark.parametrize("bad", ["61", None, True])
def test_rejects_non_numbers(bad):
    with pytest.raises(TypeError):
        uptime_stamp(bad)
