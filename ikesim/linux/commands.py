"""A Linux gateway's shell: what each command prints (``swanctl``, ``ipsec``, ``ip``), checked
at scenario load by :func:`validate_command` and run by :func:`run_command` (a simpy process
generator: ``ping`` and the initiations take simulated time; ``ip xfrm``, ``ip route`` and the
status commands return at once; ``swanctl --log`` and ``tail -f`` follow the daemon's log).

Layouts: strongSwan 5.9.8 swanctl/commands/list_sas.c (run A's swanctl-list-sas.txt),
libreswan 4.10 ``ipsec status``/``whack --trafficstatus`` (run D's whack-status.txt),
iproute2 ``ip xfrm state``/``ip route``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from ikesim.linux.config.ip_commands import parse_ip_commands
from ikesim.linux.status import (
    ip_route,
    ip_xfrm_policy,
    ip_xfrm_state,
    ipsec_status,
    swanctl_list_conns,
    swanctl_list_sas,
    trafficstatus,
)

if TYPE_CHECKING:
    from ikesim.linux.device import LinuxDevice

Command = Callable[["LinuxDevice", list[str]], "Generator[Any, Any, list[str]] | list[str]"]
MAX_PING = 100_000


class CommandError(ValueError):
    """A command the shell would refuse (the scenario loader reports it with its line)."""


def _words(command: str) -> list[str]:
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise CommandError(f"bash: {exc}") from None
    if not words:
        raise CommandError("empty command")
    return words


def validate_command(command: str, daemon: str) -> None:
    """Raise CommandError for what the gateway's shell would refuse."""
    words = _words(command)
    _lookup(words, daemon)
    if words[0] == "ping":
        _ping_args(words[1:])


def _lookup(words: list[str], daemon: str) -> tuple[Command, list[str]]:
    head = words[0]
    if head == "swanctl":
        if daemon != "strongswan":
            raise CommandError("bash: swanctl: command not found")
        return _swanctl(words[1:])
    if head == "ipsec":
        if daemon != "libreswan":
            raise CommandError("bash: ipsec: command not found (strongSwan's is swanctl)")
        return _ipsec(words[1:])
    if head == "ip":
        return _ip(words[1:])
    if head == "ping":
        return _ping, words[1:]
    if words in (["systemctl", "stop", "strongswan"], ["ipsec", "stop"],
                 ["systemctl", "stop", "ipsec"]):
        if (daemon == "strongswan") != (words[-1] == "strongswan"):
            raise CommandError(f"Failed to stop {words[-1]}.service: Unit {words[-1]}.service "
                               "not loaded.")
        return _stop, []
    if head == "tail" and words[1:2] == ["-f"] and len(words) == 3:
        log = {"strongswan": "/var/log/charon.log", "libreswan": "/var/log/pluto.log"}[daemon]
        if words[2] != log:
            raise CommandError(f"tail: cannot open '{words[2]}' for reading: No such file or "
                               f"directory (the daemon logs to {log})")
        return _follow, []
    raise CommandError(f"bash: {head}: command not found (ikesim: swanctl, ipsec, ip, ping, "
                       "tail -f LOG)")


def _swanctl(args: list[str]) -> tuple[Command, list[str]]:
    if not args:
        raise CommandError("swanctl: a command is required (--list-sas, --initiate, --log …)")
    flag = args[0]
    if flag in ("--list-sas", "-l") and len(args) == 1:
        return _list_sas, []
    if flag in ("--list-conns", "-L") and len(args) == 1:
        return _list_conns, []
    if flag in ("--log", "-T") and len(args) == 1:
        return _follow, []
    if flag in ("--initiate", "-i"):
        opts = args[1:]
        names = {"--child": None, "-c": None, "--ike": None, "-I": None}
        if len(opts) % 2 or not opts or any(o not in names for o in opts[::2]):
            raise CommandError("swanctl --initiate: expected --child NAME [--ike NAME]")
        pairs = dict(zip(opts[::2], opts[1::2], strict=True))
        child = pairs.get("--child") or pairs.get("-c")
        ike = pairs.get("--ike") or pairs.get("-I")
        return _initiate, [ike or "", child or ""]
    raise CommandError(f"swanctl: unsupported command '{' '.join(args)}' (ikesim: --list-sas, "
                       "--list-conns, --initiate --child NAME, --log)")


def _ipsec(args: list[str]) -> tuple[Command, list[str]]:
    if args == ["stop"]:
        return _stop, []
    if args == ["status"] or args == ["whack", "--status"]:
        return _status, []
    if args == ["whack", "--trafficstatus"] or args == ["trafficstatus"]:
        return _traffic, []
    if len(args) == 4 and args[:3] == ["whack", "--initiate", "--name"]:
        return _up, [args[3]]
    if len(args) == 3 and args[:2] == ["auto", "--up"]:
        return _up, [args[2]]
    raise CommandError(f"ipsec: unsupported command '{' '.join(args)}' (ikesim: status, whack "
                       "--trafficstatus, whack --initiate --name NAME, auto --up NAME)")


def _ip(args: list[str]) -> tuple[Command, list[str]]:
    if not args:
        raise CommandError("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }")
    obj = args[0]
    rest = args[1:]
    if "xfrm".startswith(obj) and len(obj) >= 2 and rest in (["state"], ["state", "list"]):
        return _xfrm_state, []
    if "xfrm".startswith(obj) and len(obj) >= 2 and rest in (["policy"], ["policy", "list"]):
        return _xfrm_policy, []
    if "route".startswith(obj) and rest in ([], ["show"], ["list"]):
        return _route, []
    if "route".startswith(obj) or "address".startswith(obj) or "link".startswith(obj):
        line = "ip " + " ".join(args)
        from ikesim.linux.config.model import LinuxConfig
        try:
            parse_ip_commands(line, LinuxConfig("check", "strongswan"), file="<command>")
        except Exception as exc:      # InputError: the reason is what the shell prints
            raise CommandError(getattr(exc, "reason", str(exc))) from None
        return _ip_change, [line]
    raise CommandError(f"Object \"{obj}\" is unknown, try \"ip help\".")


def _ping_args(args: list[str]) -> dict[str, Any]:
    opts: dict[str, Any] = {"count": 5, "source": None, "timeout": 1.0}
    i = 0
    dst = None
    while i < len(args):
        a = args[i]
        if a in ("-c", "-I", "-W") and i + 1 < len(args):
            value = args[i + 1]
            if a == "-c":
                if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_PING:
                    raise CommandError(f"ping: invalid argument: '{value}'")
                opts["count"] = int(value)
            elif a == "-W":
                if not re.fullmatch(r"\d{1,3}(\.\d{1,3})?", value) or float(value) <= 0:
                    raise CommandError(f"ping: bad linger time: {value}")
                opts["timeout"] = float(value)
            else:
                opts["source"] = value
            i += 2
        elif not a.startswith("-") and dst is None:
            dst = a
            i += 1
        else:
            raise CommandError(f"ping: invalid option -- '{a.lstrip('-')}'")
    if dst is None or not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", dst):
        raise CommandError(f"ping: {dst or ''}: Name or service not known")
    opts["dst"] = dst
    return opts


def run_command(device: LinuxDevice, command: str) -> Generator[Any, Any, list[str]]:
    try:
        handler, args = _lookup(_words(command), device.daemon)
    except CommandError as exc:
        return [str(exc)]
    result = handler(device, args)
    if isinstance(result, Generator):
        return (yield from result)
    return result


# --------------------------------------------------------------------------- handlers
def _list_sas(device: LinuxDevice, args: list[str]) -> list[str]:
    return swanctl_list_sas(device)


def _list_conns(device: LinuxDevice, args: list[str]) -> list[str]:
    return swanctl_list_conns(device)


def _status(device: LinuxDevice, args: list[str]) -> list[str]:
    return ipsec_status(device)


def _traffic(device: LinuxDevice, args: list[str]) -> list[str]:
    return trafficstatus(device)


def _xfrm_state(device: LinuxDevice, args: list[str]) -> list[str]:
    return ip_xfrm_state(device)


def _xfrm_policy(device: LinuxDevice, args: list[str]) -> list[str]:
    return ip_xfrm_policy(device)


def _route(device: LinuxDevice, args: list[str]) -> list[str]:
    return ip_route(device)


def _ip_change(device: LinuxDevice, args: list[str]) -> list[str]:
    return device.shell_ip(args[0])


def _stop(device: LinuxDevice, args: list[str]) -> list[str]:
    return device.daemon_service.stop()


def _follow(device: LinuxDevice, args: list[str]) -> list[str]:
    device.follow_log()
    return []


def _initiate(device: LinuxDevice, args: list[str]) -> Generator[Any, Any, list[str]]:
    from ikesim.linux.control import initiate
    return (yield from initiate(device, args[0] or None, args[1] or None))


def _up(device: LinuxDevice, args: list[str]) -> Generator[Any, Any, list[str]]:
    from ikesim.linux.control import whack_up
    return (yield from whack_up(device, args[0]))


def _ping(device: LinuxDevice, args: list[str]) -> Generator[Any, Any, list[str]]:
    from ikesim.linux.control import ping
    try:
        opts = _ping_args(args)
    except CommandError as exc:
        return [str(exc)]
    return (yield from ping(device, **opts))
