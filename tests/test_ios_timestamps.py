"""`service timestamps debug|log uptime|datetime [msec]` on every platform (ios/uptime.py and
the device's stamp), and the platform defaults (IOS-XE ships with datetime msec)."""

from __future__ import annotations

import re

import pytest

from ikesim.ios.uptime import datetime_stamp, stamp
from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import run_scenario


@pytest.mark.parametrize(("seconds", "kwargs", "text"), [
    (0, {}, "*Mar  1 00:00:00"),
    (61.891, {"msec": True}, "*Mar  1 00:01:01.891"),      # nameidi.com 12.x capture form
    (61.8919, {"msec": True}, "*Mar  1 00:01:01.891"),     # truncated, not rounded
    (86400 * 30 + 3723, {}, "*Mar 31 01:02:03"),
    (86400 * 31, {"year": True}, "*Apr  1 1993 00:00:00"),
    (86400 * 306, {"year": True}, "*Jan  1 1994 00:00:00"),
    (5, {"timezone": True}, "*Mar  1 00:00:05 UTC"),
])
def test_datetime_stamp(seconds, kwargs, text):
    assert datetime_stamp(seconds, **kwargs) == text


def test_stamp_styles_and_unknown_words():
    assert stamp("uptime", 61) == "00:01:01"
    assert stamp("datetime msec", 61.5) == "*Mar  1 00:01:01.500"
    assert stamp("datetime msec localtime show-timezone", 1) == "*Mar  1 00:00:01.000 UTC"
    assert stamp("", 61) == "00:01:01" and stamp(None, 61) == "00:01:01"   # type: ignore[arg-type]


def test_bad_uptime_rejected():
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            datetime_stamp(bad)
    with pytest.raises(TypeError):
        datetime_stamp("1")  # type: ignore[arg-type]


LAB = """
name: stamps
seed: 1
duration: 3s
routers:
  R1:
    platform: {platform}
    config: |
      hostname R1
{service}      interface FastEthernet0/0
       ip address 10.0.0.1 255.255.255.0
       shutdown
hosts:
  H1: {{address: 10.0.0.2/24, gateway: 10.0.0.1}}
links:
  - {{a: H1 Fa0/0, b: R1 Fa0/0}}
events:
  - at: 1.25s
    device: R1
    configure: |
      interface FastEthernet0/0
       no shutdown
"""

DEBUG_STAMP = {
    "uptime": re.compile(r"^00:00:01: %"),
    "datetime msec": re.compile(r"^\*Mar  1 00:00:01\.250: %"),
}


def _r1_syslog(transcript: str) -> list[str]:
    """R1's %LINK lines (the host prints its own)."""
    out, console = [], None
    for line in transcript.splitlines():
        if re.fullmatch(r"[A-Z0-9]+#.*", line):
            console = line.split("#")[0]
        elif console == "R1" and "%LINK" in line:
            out.append(line)
    return out


def _syslog_lines(platform: str, service: str = "") -> list[str]:
    text = LAB.format(platform=platform, service=service)
    return _r1_syslog(run_scenario(parse_scenario(text, file="stamps.yaml")).transcript_text())


@pytest.mark.parametrize(("platform", "style"), [
    ("ios12", "uptime"), ("ios124", "uptime"), ("ios15", "uptime"), ("iosxe", "datetime msec")])
def test_platform_default_stamp(platform, style):
    lines = _syslog_lines(platform)
    assert lines and all(DEBUG_STAMP[style].match(line) for line in lines), lines


def test_service_timestamps_in_the_config_wins_over_the_platform_default():
    """`service timestamps debug|log …` as DeviceConfig.timestamps holds it (net/config.py)."""
    def lines(platform: str, timestamps: dict[str, str]) -> list[str]:
        scenario = parse_scenario(LAB.format(platform=platform, service=""), file="stamps.yaml")
        scenario.devices["R1"].config.timestamps = timestamps
        return _r1_syslog(run_scenario(scenario).transcript_text())

    assert all(DEBUG_STAMP["datetime msec"].match(line)
               for line in lines("ios12", {"log": "datetime msec"}))
    assert all(DEBUG_STAMP["uptime"].match(line) for line in lines("iosxe", {"log": "uptime"}))
    # the debug setting does not stamp syslog lines
    assert all(DEBUG_STAMP["uptime"].match(line)
               for line in lines("ios15", {"debug": "datetime msec"}))
