"""Exec handlers for the crypto commands lab write-ups use beyond the seed: ``show crypto isakmp
sa detail``, ``show crypto session detail``, ``show crypto map``, ``clear crypto sa [peer A]``
and ``clear crypto session [remote A]`` (Cisco IOS Security Command Reference: `clear crypto
session` deletes the IKE and IPsec SAs of the sessions; `clear crypto sa` deletes IPsec SAs)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ikesim.ios.exec_parse import ExecCommand

if TYPE_CHECKING:
    from ikesim.ios.device import IosDevice


def _optional(cmd: ExecCommand) -> str | None:
    from ikesim.ios.commands import optional_arg

    return optional_arg(cmd)


def show_isakmp_sa_detail(device: IosDevice) -> list[str]:
    from ikesim.ios.show_crypto_detail import show_crypto_isakmp_sa_detail

    if device.crypto is None:
        return show_crypto_isakmp_sa_detail([], lambda sa: 0, device.env.now)
    engine = device.crypto.engine
    rows = {row.sa_serial: row.conn_id for row in engine.sa_rows()}
    sas = [sa for sa in reversed(engine.sas()) if sa.serial in rows]
    return show_crypto_isakmp_sa_detail(sas, lambda sa: rows.get(sa.serial, 0), device.env.now)


def show_session_detail(device: IosDevice, flows: list[Any]) -> list[str]:
    from ikesim.ios.show_crypto_detail import show_crypto_session_detail

    engine = device.crypto.engine if device.crypto is not None else None
    conn_ids = {row.sa_serial: row.conn_id for row in engine.sa_rows()} if engine else {}

    def ike_sa(peer: int) -> Any:
        live = [sa for sa in (engine.sas() if engine is not None else [])
                if sa.peer == peer and not sa.deleted]
        return live[-1] if live else None

    def profile(flow: Any) -> str | None:
        entries = device.config.crypto.maps.get(flow.policy.map_name, [])
        for entry in entries:
            if entry.sequence == flow.policy.sequence:
                return entry.isakmp_profile
        return None

    return show_crypto_session_detail(flows, ike_sa, lambda sa: conn_ids.get(sa.serial, 0),
                                      device.env.now, profile)


def show_crypto_map(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.running_config import format_acl_entry
    from ikesim.ios.show_crypto_detail import show_crypto_map as render

    engine = device.crypto.engine if device.crypto is not None else None

    def acl_line(name: str, entry: Any, kind: str) -> str:
        prefix = f"access-list {name} " if name.isdigit() else ""
        return prefix + format_acl_entry(entry, kind)

    def current_peer(address: Any) -> Any:
        if engine is not None:          # the peer of a live SA to one of the entry's peers
            for pair in engine.ipsec_pairs():
                if not pair.deleted and pair.peer == int(address):
                    return ipaddress.IPv4Address(pair.peer)
        return address

    from ikesim.ios.tunnel_protection import show_tunnel_maps

    return render(device.config, acl_line, current_peer) + show_tunnel_maps(device.config)


def clear_crypto_sa(device: IosDevice, cmd: ExecCommand) -> list[str]:
    peer = _optional(cmd)
    if device.crypto is not None:
        device.crypto.clear_ipsec(int(ipaddress.IPv4Address(peer)) if peer else None)
    return []


def clear_crypto_session(device: IosDevice, cmd: ExecCommand) -> list[str]:
    """IPsec SAs first, then the ISAKMP SAs (telling the peer), for one peer or all."""
    peer = _optional(cmd)
    if device.crypto is None:
        return []
    wanted = int(ipaddress.IPv4Address(peer)) if peer else None
    device.crypto.clear_ipsec(wanted)
    for row in device.crypto.engine.sa_rows():
        if not row.deleted and (wanted is None or row.peer == wanted):
            device.crypto.clear(row.conn_id)
    return []


__all__ = ["clear_crypto_sa", "clear_crypto_session", "show_crypto_map",
           "show_isakmp_sa_detail", "show_session_detail"]
