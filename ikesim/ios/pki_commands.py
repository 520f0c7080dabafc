"""Exec commands for the lab PKI and the router clock, registered into ``exec_parse.COMMANDS``
and ``commands._HANDLERS`` like the network commands:

* `show crypto pki certificates [TRUSTPOINT]` (12.x: `show crypto ca certificates`);
* `clock set HH:MM:SS DAY MONTH YEAR` (or MONTH DAY YEAR), which IOS logs as
  "%SYS-6-CLOCKUPDATE: System clock has been updated from … to …, configured from console by
  console." — the clock IOS checks certificate dates against.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ikesim.ios.device import IosDevice
    from ikesim.ios.exec_parse import ExecCommand

PKI_COMMANDS: dict[tuple[str, ...], str] = {
    ("show", "crypto", "pki", "certificates"): "show_crypto_pki_certificates",
    ("show", "crypto", "ca", "certificates"): "show_crypto_pki_certificates",
    ("clock", "set"): "clock_set",
}
PKI_NO_ARGS: set[str] = set()
PKI_ROUTER_ONLY = {"show_crypto_pki_certificates", "clock_set"}
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")


def parse_clock_set(args: list[str]) -> dt.datetime:
    """`clock set hh:mm:ss day month year` or `… month day year` (IOS accepts both; month names
    by unique prefix, year 1993-2035)."""
    if len(args) != 4:
        raise ValueError("% Incomplete command." if len(args) < 4 else
                         f"% Invalid input detected at '^' marker: {args[4]!r}")
    clock, a, b, year = args
    parts = clock.split(":")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(f"% Invalid input detected at '^' marker: {clock!r}")
    day_word, month_word = (a, b) if a.isdigit() else (b, a)
    months = [m for m in MONTHS if m.startswith(month_word.lower())]
    if len(months) != 1 or not day_word.isascii() or not day_word.isdigit() \
            or not year.isascii() or not year.isdigit() or not 1993 <= int(year) <= 2035:
        raise ValueError(f"% Invalid input detected at '^' marker: {' '.join(args[1:])!r}")
    try:
        return dt.datetime(int(year), MONTHS.index(months[0]) + 1, int(day_word),
                           int(parts[0]), int(parts[1]), int(parts[2]), tzinfo=dt.UTC)
    except ValueError:
        raise ValueError(f"% Invalid input detected at '^' marker: {' '.join(args)!r}") \
            from None


def _clock_text(when: dt.datetime) -> str:
    return f"{when:%H:%M:%S} UTC {when:%a %b} {when.day} {when.year}"


def _clock_set(device: IosDevice, cmd: ExecCommand) -> list[str]:
    when = parse_clock_set(cmd.args)
    state = getattr(device.crypto, "pki_state", None)
    if state is None:
        return []
    before = state.set_clock(device.env.now, when)
    device.print_async([(True, f"%SYS-6-CLOCKUPDATE: System clock has been updated from "
                               f"{_clock_text(before)} to {_clock_text(when)}, configured "
                               f"from console by console.")])
    return []


def _show_crypto_pki_certificates(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_pki import show_crypto_pki_certificates

    state = getattr(device.crypto, "pki_state", None)
    return show_crypto_pki_certificates(state.pki if state is not None else None,
                                        cmd.args[0] if cmd.args else None)


PKI_HANDLERS = {"show_crypto_pki_certificates": _show_crypto_pki_certificates,
                "clock_set": _clock_set}
