"""Exec command handlers: what each command prints, and the checks done when a scenario loads.

Handlers are simpy process generators (``ping`` takes simulated time; the others return at once)
whose return value is the list of output lines. ``device`` is an :class:`ikesim.ios.device.IosDevice`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ikesim.errors import InputError
from ikesim.ios import commands_crypto
from ikesim.ios.exec_parse import ExecCommand, ExecError
from ikesim.ios.net_commands import NET_HANDLERS, NET_NO_ARGS, NET_ROUTER_ONLY
from ikesim.ios.pki_commands import PKI_HANDLERS, PKI_ROUTER_ONLY, parse_clock_set

if TYPE_CHECKING:
    from ikesim.ios.device import IosDevice

ROUTER_ONLY = {"show_ip_route", "show_crypto_isakmp_sa", "show_crypto_isakmp_policy",
               "debug_crypto_isakmp", "clear_crypto_isakmp", "debug_crypto_ipsec",
               "show_crypto_ipsec_sa", "show_crypto_session", "show_crypto_map",
               "clear_crypto_sa", "clear_crypto_session"}
NO_ARGS = {"show_ip_route", "show_ip_interface_brief", "show_running_config",
           "show_crypto_isakmp_policy", "show_access_lists", "show_crypto_map",
           "debug_crypto_isakmp", "undebug_all", "debug_crypto_ipsec", "show_crypto_ipsec_sa"}
# Commands with one optional keyword and, for some, an address after it:
# `show crypto isakmp sa [detail]`, `show crypto session [detail]`,
# `clear crypto sa [peer A]`, `clear crypto session [remote A]`.
OPTIONAL_ARGS = {"show_crypto_isakmp_sa": ("detail", False),
                 "show_crypto_session": ("detail", False),
                 "clear_crypto_sa": ("peer", True),
                 "clear_crypto_session": ("remote", True)}


def optional_arg(cmd: ExecCommand) -> str | None:
    """The address (or ``"detail"``) given to a command of OPTIONAL_ARGS, None when absent;
    raises ExecError where IOS would."""
    keyword, takes_address = OPTIONAL_ARGS[cmd.handler]
    if not cmd.args:
        return None
    bad = cmd.args[0]
    if not (keyword.startswith(cmd.args[0].lower()) and cmd.args[0]):
        raise ExecError(f"% Invalid input detected at '^' marker: {bad!r}")
    if not takes_address:
        if len(cmd.args) > 1:
            raise ExecError(f"% Invalid input detected at '^' marker: {cmd.args[1]!r}")
        return keyword
    if len(cmd.args) != 2:
        raise ExecError("% Incomplete command." if len(cmd.args) == 1 else
                        f"% Invalid input detected at '^' marker: {cmd.args[2]!r}")
    try:
        if not cmd.args[1].isascii():
            raise ValueError
        return str(ipaddress.IPv4Address(cmd.args[1]))
    except ValueError:
        raise ExecError(f"% Invalid input detected at '^' marker: {cmd.args[1]!r}") from None


def validate_exec_args(cmd: ExecCommand, device_kind: str) -> None:
    """Reject, at load time, what the device would reject when the command runs."""
    if device_kind == "host" and cmd.handler in ROUTER_ONLY:
        raise ExecError(f"% '{' '.join(cmd.words)}' is not available on a host (PC)")
    if cmd.handler in NO_ARGS and cmd.args:
        raise ExecError(f"% Invalid input detected at '^' marker: {cmd.args[0]!r}")
    if cmd.handler == "ping":
        from ikesim.ios.ping import parse_ping_command

        try:
            parse_ping_command(cmd.args)
        except (InputError, ValueError) as exc:
            raise ExecError(str(exc)) from None
    if cmd.handler == "clock_set":
        try:
            parse_clock_set(cmd.args)
        except ValueError as exc:
            raise ExecError(str(exc)) from None
    if cmd.handler in OPTIONAL_ARGS:
        optional_arg(cmd)
    if cmd.handler == "clear_crypto_isakmp" and cmd.args:
        if len(cmd.args) > 1 or not (cmd.args[0].isascii() and cmd.args[0].isdigit()):
            raise ExecError(f"% Invalid input detected at '^' marker: {cmd.args[0]!r}")


def run_exec(device: IosDevice, cmd: ExecCommand) -> Generator[Any, Any, list[str]]:
    handler = _HANDLERS[cmd.handler]
    result = handler(device, cmd)
    if isinstance(result, Generator):
        lines = yield from result
    else:
        lines = result
    if cmd.filter is not None:
        from ikesim.ios.exec_filters import apply_filter

        lines = apply_filter(lines, *cmd.filter)
    return lines


def _ping(device: IosDevice, cmd: ExecCommand) -> Generator[Any, Any, list[str]]:
    from ikesim.ios.ping import format_ping, parse_ping_command, ping

    opts = parse_ping_command(cmd.args)
    try:      # what only the running device can judge (e.g. `source` not one of its addresses)
        process = ping(device.lab, device.name, **opts)
    except InputError as exc:
        return [exc.reason]
    result = yield device.env.process(process)
    return format_ping(opts["dst"], opts.get("count", 5), opts.get("size", 100),
                       opts.get("timeout", 2.0), result)


def _show_ip_route(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_ip import show_ip_route

    return show_ip_route(device.node)


def _show_ip_interface_brief(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_ip import show_ip_interface_brief

    return show_ip_interface_brief(device.node)


def _show_running_config(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.running_config import render_running_config

    return render_running_config(device.config)


def _show_access_lists(device: IosDevice, cmd: ExecCommand) -> list[str]:
    """IOS layout: entries numbered 10, 20, ... with "(N matches)" when traffic hit them.

    Counters live on the interface's ACL objects (what the forwarding path filtered)."""
    from ikesim.ios.running_config import format_acl_entry

    live = {}
    for iface in device.node.interfaces.values():
        for acl in (iface.acl_in, iface.acl_out):
            if acl is not None:
                live[acl.name] = acl
    out: list[str] = []
    for name, acl in device.config.acls.items():
        counted = live.get(name, acl)
        kind = "Standard" if acl.kind == "standard" else "Extended"
        out.append(f"{kind} IP access list {name}")
        for i, entry in enumerate(acl.entries):
            hits = counted.matches.get(i, 0)
            tail = f" ({hits} match{'es' if hits != 1 else ''})" if hits else ""
            out.append(f"    {(i + 1) * 10} {format_acl_entry(entry, acl.kind)}{tail}")
    return out


def _show_crypto_isakmp_sa(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_crypto import show_crypto_isakmp_sa

    if optional_arg(cmd) == "detail":
        return commands_crypto.show_isakmp_sa_detail(device)
    rows = device.crypto.engine.sa_rows() if device.crypto else []
    return show_crypto_isakmp_sa(device.dialect, rows)


def _show_crypto_isakmp_policy(device: IosDevice, cmd: ExecCommand) -> list[str]:
    names = {"des": "DES - Data Encryption Standard (56 bit keys).",
             "3des": "Three key triple DES",
             "aes128": "AES - Advanced Encryption Standard (128 bit keys).",
             "aes192": "AES - Advanced Encryption Standard (192 bit keys).",
             "aes256": "AES - Advanced Encryption Standard (256 bit keys)."}
    hashes = {"md5": "Message Digest 5", "sha": "Secure Hash Standard",
              "sha256": "Secure Hash Standard 2 (256 bit)",
              "sha384": "Secure Hash Standard 2 (384 bit)",
              "sha512": "Secure Hash Standard 2 (512 bit)"}
    auths = {"pre-share": "Pre-Shared Key", "rsa-sig": "Rivest-Shamir-Adleman Signature",
             "rsa-encr": "Rivest-Shamir-Adleman Encryption"}
    groups = {1: "#1 (768 bit)", 2: "#2 (1024 bit)", 5: "#5 (1536 bit)", 14: "#14 (2048 bit)"}
    out: list[str] = []
    for policy in device.config.crypto.policies_in_order() + [None]:
        if policy is None:
            out += ["Default protection suite", "\tencryption algorithm:\tDES - Data Encryption "
                    "Standard (56 bit keys).", "\thash algorithm:\t\tSecure Hash Standard",
                    "\tauthentication method:\tRivest-Shamir-Adleman Signature",
                    "\tDiffie-Hellman group:\t#1 (768 bit)",
                    "\tlifetime:\t\t86400 seconds, no volume limit"]
            break
        out += [f"Protection suite of priority {policy.priority}",
                f"\tencryption algorithm:\t{names[policy.encryption]}",
                f"\thash algorithm:\t\t{hashes[policy.hash]}",
                f"\tauthentication method:\t{auths[policy.authentication]}",
                f"\tDiffie-Hellman group:\t{groups[policy.group]}",
                f"\tlifetime:\t\t{policy.lifetime} seconds, no volume limit"]
    return out


def _debug_crypto_isakmp(device: IosDevice, cmd: ExecCommand) -> list[str]:
    device.debug.add("crypto isakmp")
    return ["Crypto ISAKMP debugging is on"]


def _debug_crypto_ipsec(device: IosDevice, cmd: ExecCommand) -> list[str]:
    device.debug.add("crypto ipsec")
    return ["Crypto IPSEC debugging is on"]


def _ipsec_flows(device: IosDevice) -> list[Any]:
    from ikesim.ios.show_ipsec import flows

    if device.crypto is None:
        return []
    service = device.crypto

    def local_of(iface: str) -> int:
        return service.node.interfaces[iface].address or 0

    def idb_of(address: int) -> str:
        owner = service.node.local_addresses.get(address)
        return owner.name if owner is not None else ""

    return flows(service.phase2_policies(device.config), service.engine.ipsec_pairs(),
                 local_of, idb_of)


def _show_crypto_ipsec_sa(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_ipsec import show_crypto_ipsec_sa

    return show_crypto_ipsec_sa(device.dialect, device.env.now, _ipsec_flows(device))


def _show_crypto_session(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_ipsec import show_crypto_session

    if optional_arg(cmd) == "detail":
        return commands_crypto.show_session_detail(device, _ipsec_flows(device))
    engine = device.crypto.engine if device.crypto is not None else None

    def status(peer: int) -> str:
        return engine.phase1_status(peer) if engine is not None else "none"

    def local(peer: int) -> tuple[int, int, int] | None:
        live = [sa for sa in (engine.sas() if engine is not None else [])
                if sa.peer == peer and not sa.deleted]
        return (live[-1].local, live[-1].local_port, live[-1].peer_port) if live else None

    return show_crypto_session(_ipsec_flows(device), status, local)


def _undebug_all(device: IosDevice, cmd: ExecCommand) -> list[str]:
    device.debug.clear()
    return ["All possible debugging has been turned off"]


def _clear_crypto_isakmp(device: IosDevice, cmd: ExecCommand) -> list[str]:
    conn_id = int(cmd.args[0]) if cmd.args else None
    if device.crypto is not None:
        device.crypto.clear(conn_id)
    return []


_HANDLERS = {
    "ping": _ping,
    "show_ip_route": _show_ip_route,
    "show_ip_interface_brief": _show_ip_interface_brief,
    "show_running_config": _show_running_config,
    "show_access_lists": _show_access_lists,
    "show_crypto_isakmp_sa": _show_crypto_isakmp_sa,
    "show_crypto_isakmp_policy": _show_crypto_isakmp_policy,
    "debug_crypto_isakmp": _debug_crypto_isakmp,
    "undebug_all": _undebug_all,
    "debug_crypto_ipsec": _debug_crypto_ipsec,
    "show_crypto_ipsec_sa": _show_crypto_ipsec_sa,
    "show_crypto_session": _show_crypto_session,
    "clear_crypto_isakmp": _clear_crypto_isakmp,
    "clear_crypto_sa": commands_crypto.clear_crypto_sa,
    "clear_crypto_session": commands_crypto.clear_crypto_session,
    "show_crypto_map": commands_crypto.show_crypto_map,
    **NET_HANDLERS,  # OSPF, NAT, interfaces (ikesim.ios.net_commands)
    **PKI_HANDLERS,  # certificates, clock set (ikesim.ios.pki_commands)
}
NO_ARGS |= NET_NO_ARGS
ROUTER_ONLY |= NET_ROUTER_ONLY | PKI_ROUTER_ONLY
