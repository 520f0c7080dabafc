"""``show crypto ipsec sa`` and ``show crypto session`` in the IOS 12.2 and 15.x layouts (12.4T
and IOS-XE print the 15.x one).

Best knowledge of real output (12.2/12.3 TAC documents, 15.x field output); ikesim prints one
block per flow (map entry, peer and proxy identities) listing every SA pair negotiated for it
(two when both peers initiated), and for a crypto map entry without SAs one block per permit
line of its ACL with zero counters and empty SA lists, as IOS does. A protected tunnel's flow
is shown under the tunnel interface with crypto map ``Tunnel0-head-0`` and the tunnel source as
local address; "ip mtu idb" names the interface that address belongs to (real IOS 15 output:
"interface: Tunnel0 / Crypto map tag: Tunnel0-head-0, local addr 25.2.2.2 ... ip mtu idb
GigabitEthernet0/1"). A dynamic map entry shows only the flows its SAs made.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from ikesim.ike.quick import Phase2Policy
from ikesim.ios.log import DIALECT_TABLE
from ikesim.ipsec.sa import IpsecSa, IpsecSaPair, Proxy


def _ip(v: int) -> str:
    return str(ipaddress.IPv4Address(v))


@dataclass(frozen=True, slots=True)
class Flow:
    """What one block shows: the map entry, its proxy, the interface and its SA pairs (oldest
    first). IOS prints one block per flow and lists every SA of it under "inbound esp sas" /
    "outbound esp sas" (two pairs when both peers started quick mode at once, or during a
    rekey), with the flow's counters summed; "current outbound spi" is the newest pair's."""

    interface: str
    local: int
    policy: Phase2Policy
    proxy: Proxy
    pair: IpsecSaPair | None                 # the newest pair (its outbound SA is in use)
    pairs: tuple[IpsecSaPair, ...] = ()      # every live pair of the flow, oldest first
    peer: int = 0                            # the peer (a dynamic entry's policy has none)
    idb: str = ""                            # interface of the local address

    @property
    def current_peer(self) -> int:
        return self.peer or self.policy.peer


def _ident(net: int, mask: int, proto: int, port: int) -> str:
    return f"({_ip(net)}/{_ip(mask)}/{proto}/{port})"


def _remaining(sa: IpsecSa, now: float) -> str:
    kb = sa.lifetime_kb - (sa.octets + 1023) // 1024
    secs = max(0, sa.lifetime_seconds - int(now - sa.created_at))
    return f"({kb}/{secs})"


def _sa_lines(sa: IpsecSa | None, v15: bool, map_name: str, now: float,
              flow_id: int, udp: bool = False) -> list[str]:
    if sa is None:
        return []
    t = sa.transform
    # guess: "{Tunnel UDP-Encaps, }" for NAT-T SAs, as remembered from IOS output (RFC 3948);
    # no capture in ../shared/fidelity shows `show crypto ipsec sa` of a NAT-T tunnel
    mode = t.mode.capitalize() + (" UDP-Encaps" if udp else "")
    conn = (f"        conn id: {sa.conn_id}, flow_id: SW:{flow_id}, sibling_flags 80000046, "
            f"crypto map: {map_name}" if v15 else
            f"        slot: 0, conn id: {sa.conn_id}, flow_id: {flow_id}, crypto map: {map_name}")
    lines = [f"      spi: 0x{sa.spi:X}({sa.spi})",
             f"        transform: {t.ios_text} ,",
             f"        in use settings ={{{mode}, }}",
             conn,
             f"        sa timing: remaining key lifetime (k/sec): {_remaining(sa, now)}",
             f"        IV size: {t.cipher.block} bytes",
             "        replay detection support: Y"]
    if v15:
        lines.append("        Status: ACTIVE")
    return lines + [""]


def _flow_block(flow: Flow, v15: bool, now: float, flow_index: int) -> list[str]:
    pair, proxy, peer = flow.pair, flow.proxy, flow.current_peer
    pairs = flow.pairs or ((pair,) if pair else ())
    enc = sum(p.outbound.packets for p in pairs)
    dec = sum(p.inbound.packets for p in pairs)
    recv_errors = sum(sum(p.errors.values()) for p in pairs)
    colon = ":" if v15 else ""
    udp = pair is not None and pair.udp_encapsulated          # NAT-T: the peer's UDP port
    port = pair.udp_dport if pair is not None and udp else 500
    lines = ["", f"interface: {flow.interface}",
             f"    Crypto map tag: {flow.policy.map_name}, local addr"
             f"{' ' if v15 else '. '}{_ip(flow.local)}", ""]
    if v15:
        lines.append("   protected vrf: (none)")
    lines += [f"   local  ident (addr/mask/prot/port): "
              f"{_ident(proxy.local_net, proxy.local_mask, proxy.protocol, proxy.local_port)}",
              f"   remote ident (addr/mask/prot/port): "
              f"{_ident(proxy.remote_net, proxy.remote_mask, proxy.protocol, proxy.remote_port)}",
              f"   current_peer {_ip(peer)} port {port}" if v15
              else f"   current_peer: {_ip(peer)}:{port}",
              "     PERMIT, flags={origin_is_acl,}",
              f"    #pkts encaps: {enc}, #pkts encrypt: {enc}, #pkts digest{colon} {enc}",
              f"    #pkts decaps: {dec}, #pkts decrypt: {dec}, #pkts verify{colon} {dec}",
              "    #pkts compressed: 0, #pkts decompressed: 0"]
    if v15:
        lines += ["    #pkts not compressed: 0, #pkts compr. failed: 0",
                  "    #pkts not decompressed: 0, #pkts decompress failed: 0"]
    else:
        lines.append("    #pkts not compressed: 0, #pkts compr. failed: 0, "
                     "#pkts decompress failed: 0")
    lines += [f"    #send errors 0, #recv errors {recv_errors}", "",
              f"     local crypto endpt.: {_ip(flow.local)}, remote crypto endpt.: {_ip(peer)}"]
    out_spi = pair.outbound.spi if pair else 0
    if v15:
        lines += [f"     path mtu 1500, ip mtu 1500, ip mtu idb {flow.idb or flow.interface}",
                  f"     current outbound spi: 0x{out_spi:X}({out_spi})"]
        group = pair.pfs_group if pair else None
        lines.append(f"     PFS (Y/N): {'Y' if group else 'N'}, DH group: "
                     f"{f'group{group}' if group else 'none'}")
    else:
        lines += ["     path mtu 1500, media mtu 1500", f"     current outbound spi: {out_spi:X}"]
    name = flow.policy.map_name
    inbound = [line for i, p in enumerate(pairs)
               for line in _sa_lines(p.inbound, v15, name, now, 2 * (flow_index + i) + 1,
                                     p.udp_encapsulated)]
    outbound = [line for i, p in enumerate(pairs)
                for line in _sa_lines(p.outbound, v15, name, now, 2 * (flow_index + i) + 2,
                                      p.udp_encapsulated)]
    lines += ["", "     inbound esp sas:", *inbound,
              "", "     inbound ah sas:", "", "     inbound pcp sas:", "",
              "     outbound esp sas:", *outbound,
              "", "     outbound ah sas:", "", "     outbound pcp sas:"]
    # the SA sections end with their own blank line; avoid doubling it
    return [line for i, line in enumerate(lines)
            if not (line == "" and i > 0 and lines[i - 1] == "")]


def flows(policies: list[Phase2Policy], pairs: list[IpsecSaPair],
          local_of: Callable[[str], int],
          idb_of: Callable[[int], str] | None = None) -> list[Flow]:
    """One flow per (map entry, peer, proxy) with its SA pairs; map entries without SAs list
    their ACL permit lines (not dynamic entries: IOS shows only what their SAs made)."""
    out: list[Flow] = []
    for policy in policies:
        local = policy.local or local_of(policy.interface)
        idb = idb_of(local) if idb_of is not None else ""
        mine: dict[tuple[int, Proxy], list[IpsecSaPair]] = {}
        for p in pairs:
            if p.map_name == policy.map_name and p.map_sequence == policy.sequence and (
                    policy.dynamic or p.peer == policy.peer):
                mine.setdefault((p.peer, p.proxy), []).append(p)
        for (peer, proxy), group in mine.items():
            out.append(Flow(policy.interface, local, policy, proxy, group[-1], tuple(group),
                            peer, idb))
        if policy.dynamic:
            continue
        shown = {proxy for _peer, proxy in mine}
        for proxy in policy.proxies:
            if not any(proxy.covers(s) for s in shown):
                out.append(Flow(policy.interface, local, policy, proxy, None, (), 0, idb))
    return out


def show_crypto_ipsec_sa(dialect: str, now: float, flow_list: list[Flow]) -> list[str]:
    v15 = (DIALECT_TABLE[dialect].ipsec_table if dialect in DIALECT_TABLE else dialect) == "15"
    lines: list[str] = []
    for i, flow in enumerate(flow_list):
        lines += _flow_block(flow, v15, now, i)
    return lines + [""]


def show_crypto_session(flow_list: list[Flow], ike_status: Callable[[int], str],
                        ike_local: Callable[[int], tuple[int, int, int] | None]) -> list[str]:
    """`show crypto session` (12.3T+/15.x layout): one entry per interface and peer.
    ``ike_local(peer)``: the live IKE SA's (local address, local port, peer port), or None. The
    ports are the SA's: 4500 and the peer's floated port after NAT-T (a CSR1000's "Peer: ... port
    4500" and "local 10.1.10.50/4500 remote .../4500", Microsoft Learn, ExpressRoute: site-to-site
    VPN over Microsoft peering)."""
    lines = ["Crypto session current status", ""]
    seen: dict[tuple[str, int], list[Flow]] = {}
    for flow in flow_list:
        seen.setdefault((flow.interface, flow.current_peer), []).append(flow)
    for (iface, peer), group in seen.items():
        ike = ike_status(peer)
        has_sa = any(f.pairs for f in group)
        if ike == "established":
            status = "UP-ACTIVE" if has_sa else "UP-IDLE"
        elif has_sa:
            status = "UP-NO-IKE"
        else:
            status = "DOWN-NEGOTIATING" if ike == "negotiating" else "DOWN"
        ends = ike_local(peer)
        lines += [f"Interface: {iface}", f"Session status: {status}",
                  f"Peer: {_ip(peer)} port {ends[2] if ends else 500}"]
        if ends is not None:
            local, local_port, peer_port = ends
            state = "Active" if ike == "established" else "Inactive"
            lines.append(f"  IKE SA: local {_ip(local)}/{local_port} remote {_ip(peer)}/"
                         f"{peer_port} {state}")
        for f in group:
            p = f.proxy
            proto = "ip" if p.protocol == 0 else str(p.protocol)
            lines += [f"  IPSEC FLOW: permit {proto} {_ip(p.local_net)}/{_ip(p.local_mask)} "
                      f"{_ip(p.remote_net)}/{_ip(p.remote_mask)} ",
                      f"        Active SAs: {2 * len(f.pairs)}, origin: crypto map"]
        lines.append("")
    return lines
