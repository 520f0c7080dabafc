"""IOS exec ``ping``: the echo process on the simulated network and its exact console text.

IOS sends one echo, waits for its reply up to ``timeout``, prints a mark (``!`` reply, ``.``
timeout, ``U`` destination unreachable, ``&`` TTL exceeded, ``?`` other ICMP), then sends the
next after a small fixed overhead. Marks wrap at 70 per row.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ikesim.errors import InputError
from ikesim.net.addr import int_to_ip, ip_to_int

if TYPE_CHECKING:   # networkx comes with the lab: `validate` must not import it
    from ikesim.net.lab import Lab

ECHO_OVERHEAD = 0.002  # seconds between one echo's outcome and the next echo
MARKS_PER_ROW = 70
MIN_SIZE, MAX_SIZE = 36, 18024
MAX_REPEAT = 2147483647
MAX_TIMEOUT = 3600


@dataclass(slots=True)
class PingResult:
    marks: str
    sent: int
    received: int
    rtts_ms: list[float] = field(default_factory=list)
    source: str | None = None


def _source_address(lab: Lab, device_name: str, source: str | None) -> int | None:
    if source is None:
        return None
    device = lab.devices[device_name]
    try:
        address = ip_to_int(source)
    except ValueError:
        iface = device.find_interface(source)
        if iface is None:
            raise InputError("% Invalid input detected at '^' marker.", text=source) from None
        if iface.address is None or not iface.line_up:
            raise InputError(
                f"% Invalid source interface - IP not enabled or interface is down on {iface.name}"
            ) from None
        return iface.address
    if address not in device.local_addresses:
        raise InputError(
            "% Invalid source address- IP address not on any of our up interfaces", text=source
        )
    return address


def ping(
    lab: Lab,
    device_name: str,
    dst: str,
    *,
    count: int = 5,
    size: int = 100,
    timeout: float = 2.0,
    source: str | None = None,
) -> Generator[Any, Any, PingResult]:
    """The ping as a simpy process generator: ``result = yield env.process(ping(...))``.

    Arguments are checked at call time (InputError), before the process runs.
    """
    if device_name not in lab.devices:
        raise InputError(f"unknown device {device_name!r}")
    try:
        dst_int = ip_to_int(dst)
    except ValueError:
        raise InputError(
            "% Unrecognized host or address, or protocol not running.", text=dst
        ) from None
    if not 1 <= count <= MAX_REPEAT:
        raise InputError(f"% Invalid repeat count {count}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise InputError(f"% Invalid datagram size {size}")
    if not 0 <= timeout <= MAX_TIMEOUT:
        raise InputError(f"% Invalid timeout {timeout}")
    src = _source_address(lab, device_name, source)
    return _run(lab, device_name, dst_int, count, size, timeout, src)


def _run(
    lab: Lab, device_name: str, dst: int, count: int, size: int, timeout: float, src: int | None
) -> Generator[Any, Any, PingResult]:
    from ikesim.net.icmp import FirstOf  # with the lab (simpy): `validate` must not import it

    env = lab.env
    device = lab.devices[device_name]
    ident = device.next_icmp_ident()
    marks: list[str] = []
    rtts: list[float] = []
    for seq in range(count):
        seq16 = seq & 0xFFFF
        waiter = env.event()
        device.echo_waiters[(ident, seq16)] = waiter
        sent_at = env.now
        device.send_echo(dst, ident, seq16, size, src)
        first = FirstOf(env)
        waiter.callbacks.append(first)
        env.timeout(timeout).callbacks.append(first)
        yield first
        device.echo_waiters.pop((ident, seq16), None)
        if waiter.triggered:
            mark, at = waiter.value
            marks.append(mark)
            if mark == "!":
                rtts.append((at - sent_at) * 1000.0)
        else:
            marks.append(".")
        yield env.timeout(ECHO_OVERHEAD)
    received = len(rtts)
    return PingResult(
        "".join(marks), count, received, rtts, int_to_ip(src) if src is not None else None
    )


def _ms(value: float) -> int:
    return int(value + 1e-9)  # IOS reports whole milliseconds (truncated)


def format_ping(
    dst: str,
    count: int,
    size: int,
    timeout: float,
    result: PingResult,
    *,
    source: str | None = None,
) -> list[str]:
    """IOS's console text for a ping, starting with the blank line IOS prints first."""
    lines = [
        "",
        "Type escape sequence to abort.",
        f"Sending {count}, {size}-byte ICMP Echos to {dst}, timeout is "
        f"{_ms(timeout * 1000) // 1000} seconds:",
    ]
    source = source if source is not None else result.source
    if source is not None:
        lines.append(f"Packet sent with a source address of {source} ")
    marks = result.marks
    for i in range(0, len(marks), MARKS_PER_ROW):
        lines.append(marks[i : i + MARKS_PER_ROW])
    percent = result.received * 100 // result.sent if result.sent else 0
    summary = f"Success rate is {percent} percent ({result.received}/{result.sent})"
    if result.received:
        ms = [_ms(r) for r in result.rtts_ms]
        summary += f", round-trip min/avg/max = {min(ms)}/{sum(ms) // len(ms)}/{max(ms)} ms"
    lines.append(summary)
    return lines


_KEYWORDS = ("repeat", "size", "timeout", "source")
PING_OPTIONS = _KEYWORDS       # public for help and completion (ikesim.console)


def _keyword(word: str) -> str:
    """IOS prefix matching among ping's keywords (``rep`` → repeat; ``s`` is ambiguous)."""
    low = word.lower()
    matches = [k for k in _KEYWORDS if k.startswith(low)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InputError("% Ambiguous command", text=word)
    raise InputError("% Invalid input detected at '^' marker.", text=word)


def _number(keyword: str, text: str, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise InputError(
            f"% Invalid input detected at '^' marker. ({keyword} {low}-{high})", text=text
        )
    return int(text)


def parse_ping_command(args: list[str]) -> dict[str, Any]:
    """Parse the words after ``ping``: ``[ip] A [repeat N] [size N] [timeout N] [source X]``.

    Returns {"dst", "count", "size", "timeout", "source"} with IOS defaults filled in.
    """
    words = list(args)
    if words and words[0].lower() == "ip":
        words = words[1:]
    if not words:
        raise InputError("% Incomplete command.")
    dst = words[0]
    try:
        ip_to_int(dst)
    except ValueError:
        raise InputError(
            "% Unrecognized host or address, or protocol not running.", text=dst
        ) from None
    result: dict[str, Any] = {"dst": dst, "count": 5, "size": 100, "timeout": 2.0, "source": None}
    i = 1
    while i < len(words):
        key = _keyword(words[i])
        if i + 1 >= len(words):
            raise InputError("% Incomplete command.", text=" ".join(words))
        value = words[i + 1]
        if key == "repeat":
            result["count"] = _number(key, value, 1, MAX_REPEAT)
        elif key == "size":
            result["size"] = _number(key, value, MIN_SIZE, MAX_SIZE)
        elif key == "timeout":
            result["timeout"] = float(_number(key, value, 0, MAX_TIMEOUT))
        else:
            result["source"] = value
        i += 2
    return result
