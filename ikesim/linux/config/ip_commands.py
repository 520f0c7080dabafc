"""The Linux side of a gateway as the commands that set it up (iproute2, ip(8)):

    ip addr add 10.10.10.2/24 dev eth0          (``ip address add``, ``ip a add`` too)
    ip link set eth1 down                        (interfaces are up unless set down)
    ip route add default via 10.10.10.1          (``ip route add PREFIX via GW [dev IF]
    ip route add 172.16.9.0/24 dev eth1          [metric N]``, ``ip r add`` too)
    sysctl -w net.ipv4.ip_forward=1              (forwarding is off unless set, as in Linux)

One command a line, ``#`` comments; anything else is an error naming the line.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from ikesim.errors import InputError
from ikesim.linux.config.model import Address, LinuxConfig, Route

ErrorFactory = Callable[..., InputError]
IFNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,14}$")     # IFNAMSIZ 16 with the NUL
_FORWARD = re.compile(r"^net\.ipv4\.(ip_forward|conf\.all\.forwarding)=([01])$")


def _prefix(word: str, *options: str) -> str | None:
    """iproute2 accepts any prefix of an object or command word ("a", "addr", "address")."""
    found = [o for o in options if o.startswith(word)]
    return found[0] if word and found else None


def parse_ip_commands(text: str, config: LinuxConfig, *, file: str, line_offset: int = 0
                      ) -> None:
    """Apply the commands of ``text`` to ``config`` (addresses, routes, links, forwarding)."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = number + line_offset
        words = raw.split("#", 1)[0].split()
        if not words:
            continue

        def error(reason: str, shown: str | None = raw.strip(), at: int = line) -> InputError:
            return InputError(reason, file=file, line=at, text=shown)

        if words[0] == "sysctl":
            args = [w for w in words[1:] if w != "-w"]
            m = _FORWARD.match(args[0]) if len(args) == 1 else None
            if m is None:
                raise error("only 'sysctl -w net.ipv4.ip_forward=0|1' is supported")
            config.forwarding = m.group(2) == "1"
            continue
        if words[0] != "ip" or len(words) < 3:
            raise error("expected an 'ip addr|route|link …' or 'sysctl' command")
        obj = _prefix(words[1], "address", "route", "link")
        if obj is None:
            raise error(f"Object \"{words[1]}\" is unknown, try \"ip help\".")
        if obj == "address":
            _addr(words[2:], config, line, error)
        elif obj == "route":
            _route(words[2:], config, line, error)
        else:
            _link(words[2:], config, error)


def _dev(value: str, error: ErrorFactory) -> str:
    if not IFNAME.match(value):
        raise error(f"\"{value}\" is not a valid interface name")
    return value


def _addr(args: list[str], config: LinuxConfig, line: int, error: ErrorFactory) -> None:
    if not args or _prefix(args[0], "add") is None or len(args) != 4 or args[2] != "dev":
        raise error("expected 'ip addr add A.B.C.D/N dev IFNAME'")
    try:
        address = ipaddress.IPv4Interface(args[1])
    except ValueError:
        raise error(f"Error: any valid prefix is expected rather than \"{args[1]}\".") from None
    if "/" not in args[1]:
        raise error("give the prefix length (A.B.C.D/N): a /32 is rarely what a gateway "
                    "needs")
    dev = _dev(args[3], error)
    if any(a.address.ip == address.ip for a in config.addresses):
        raise error("RTNETLINK answers: File exists")
    config.addresses.append(Address(dev, address, line))


def _route(args: list[str], config: LinuxConfig, line: int, error: ErrorFactory) -> None:
    delete = bool(args) and args[0] in ("del", "delete")
    if not args or (_prefix(args[0], "add") is None and not delete) or len(args) < 2:
        raise error("expected 'ip route add|del PREFIX|default [via GW] [dev IF] [metric N]'")
    target = "0.0.0.0/0" if args[1] == "default" else args[1]
    try:
        prefix = ipaddress.IPv4Network(target, strict=True)
    except ValueError:
        raise error(f"Error: inet prefix is expected rather than \"{args[1]}\".") from None
    route = Route(prefix, line=line)
    rest = args[2:]
    if len(rest) % 2:
        raise error("expected 'via GW', 'dev IF' or 'metric N' pairs after the prefix")
    for key, value in zip(rest[::2], rest[1::2], strict=True):
        if key == "via":
            try:
                route.via = ipaddress.IPv4Address(value)
            except ValueError:
                raise error(f"Error: inet address is expected rather than \"{value}\".") \
                    from None
        elif key == "dev":
            route.dev = _dev(value, error)
        elif key in ("metric", "preference", "priority"):
            if not value.isascii() or not value.isdigit() or len(value) > 10:
                raise error(f"Error: \"metric\" value is invalid: \"{value}\"")
            route.metric = int(value)
        else:
            raise error(f"route option '{key}' is not supported by ikesim (via, dev, metric)")
    if delete:
        found = [r for r in config.routes if r.prefix == route.prefix
                 and (route.via is None or r.via == route.via)]
        if not found:
            raise error("RTNETLINK answers: No such process")
        config.routes.remove(found[0])
        return
    if route.via is None and route.dev is None:
        raise error("a route needs 'via GW' or 'dev IF'")
    if any(r.prefix == route.prefix and r.metric == route.metric for r in config.routes):
        raise error("RTNETLINK answers: File exists")
    config.routes.append(route)


def _link(args: list[str], config: LinuxConfig, error: ErrorFactory) -> None:
    if len(args) != 3 or args[0] != "set" or args[2] not in ("up", "down"):
        raise error("expected 'ip link set IFNAME up|down'")
    dev = _dev(args[1], error)
    if args[2] == "down":
        config.links_down.add(dev)
    else:
        config.links_down.discard(dev)
