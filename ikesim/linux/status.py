"""What a Linux gateway's status commands print, from the engine's SAs and the kernel model:
``swanctl --list-sas`` / ``--list-conns`` (strongSwan 5.9.8 swanctl/commands/list_sas.c,
list_conns.c; run A's swanctl-list-sas.txt), ``ipsec status`` and ``ipsec whack
--trafficstatus`` (libreswan 4.10, run D's whack-status.txt), ``ip xfrm state|policy`` and
``ip route`` (iproute2)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ikesim.ike.ipsec_sas import IPSEC_REKEY
from ikesim.ike.sa import QM_IDLE
from ikesim.linux import names
from ikesim.linux.config.model import CharonTimers

if TYPE_CHECKING:
    from ikesim.ike.sa import IsakmpSa
    from ikesim.linux.device import LinuxDevice

_AUTH_XFRM = {"esp-md5-hmac": ("hmac(md5)", 96), "esp-sha-hmac": ("hmac(sha1)", 96),
              "esp-sha256-hmac": ("hmac(sha256)", 128)}
_ENC_XFRM = {"esp-des": "cbc(des)", "esp-3des": "cbc(des3_ede)", "esp-aes": "cbc(aes)",
             "esp-aes 192": "cbc(aes)", "esp-aes 256": "cbc(aes)"}


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def _net(net: int, mask: int) -> str:
    return str(ipaddress.IPv4Network((net, bin(mask).count("1")), strict=False))


def _conn(device: LinuxDevice, peer: int):  # type: ignore[no-untyped-def]
    return device.daemon_service.view.conn_for(peer)


def swanctl_list_sas(device: LinuxDevice) -> list[str]:
    svc, now, out = device.daemon_service, device.env.now, []
    for sa in svc.engine.sas():
        if sa.deleted:
            continue
        conn = _conn(device, sa.peer)
        name = conn.name if conn is not None else "(unnamed)"
        established = sa.state == QM_IDLE
        state = "ESTABLISHED" if established else "CONNECTING"
        mine = sa.role == "I"
        out.append(f"{name}: #{sa.serial}, {state}, IKEv1, {sa.icookie.hex()}_i"
                   f"{'*' if mine else ''} {sa.rcookie.hex()}_r{'' if mine else '*'}")
        my_id = str(conn.local_id) if conn is not None and conn.local_id else _ip(sa.local)
        their_id = (str(conn.remote_id) if conn is not None and conn.remote_id else
                    _ip(sa.peer)) if established else "%any"
        out += [f"  local  '{my_id}' @ {_ip(sa.local)}[{sa.local_port}]",
                f"  remote '{their_id}' @ {_ip(sa.peer)}[{sa.peer_port}]"]
        if sa.negotiated is not None:
            n = sa.negotiated
            ike = names.charon_ike(n.encryption, n.hash, n.group)[4:]
            enc, rest = ike.split("/", 1)
            if enc.startswith("AES_CBC_"):
                enc = f"AES_CBC-{enc[8:]}"
            out.append(f"  {enc}/{rest}")
        if established and sa.established_at is not None:
            ago = int(now - sa.established_at)
            # charon's own schedule, not the negotiated lifetime (ike_sa.c set_state())
            timers = conn.timers if conn is not None else CharonTimers()
            rekey, reauth, _ = timers.schedule(sa.serial)
            when = f", rekeying in {max(0, rekey - ago)}s" if rekey else ""
            if reauth:
                when += f", reauth in {max(0, reauth - ago)}s"
            out.append(f"  established {ago}s ago{when}")
            out += _children(device, sa)
        else:
            out += ["  active:  ISAKMP_VENDOR ISAKMP_CERT_PRE MAIN_MODE ISAKMP_CERT_POST "
                    "ISAKMP_NATD"]
    return out


def _children(device: LinuxDevice, sa: IsakmpSa) -> list[str]:
    svc, now, out = device.daemon_service, device.env.now, []
    for number, pair in enumerate((p for p in svc.engine.ipsec_pairs()
                                   if p.isakmp_serial == sa.serial and not p.deleted), start=1):
        child = svc.view.child_for(pair.peer, None, None)
        t = pair.inbound.transform
        enc = names.charon_esp(t.cipher.keyword, t.auth.keyword, pair.pfs_group)[4:]
        enc = enc.replace("/NO_EXT_SEQ", "").replace("AES_CBC_", "AES_CBC-")
        ago = int(now - pair.inbound.created_at)
        life = pair.inbound.lifetime_seconds
        out += [f"  {child.name if child else '?'}: #{number}, reqid 1, INSTALLED, TUNNEL, "
                f"ESP:{enc}",
                f"    installed {ago}s ago, rekeying in {max(0, int(life / 1.1) - ago)}s, "
                f"expires in {max(0, life - ago)}s",
                f"    in  {pair.inbound.spi:08x}, {pair.inbound.octets:6d} bytes, "
                f"{pair.inbound.packets:5d} packets",
                f"    out {pair.outbound.spi:08x}, {pair.outbound.octets:6d} bytes, "
                f"{pair.outbound.packets:5d} packets",
                f"    local  {_net(pair.proxy.local_net, pair.proxy.local_mask)}",
                f"    remote {_net(pair.proxy.remote_net, pair.proxy.remote_mask)}"]
    return out


def swanctl_list_conns(device: LinuxDevice) -> list[str]:
    out = []
    for conn in device.daemon_service.cfg.connections:
        peers = ", ".join(str(n.network_address) if n.prefixlen == 32 else "%any"
                          for n in conn.remote_addrs)
        out += [f"{conn.name}: IKEv1, no reauthentication, rekeying every "
                f"{conn.ike_lifetime * 10 // 11}s",
                f"  local:  {', '.join(str(a) for a in conn.local_addrs)}",
                f"  remote: {peers}",
                "  local pre-shared key authentication:",
                f"    id: {conn.local_id or conn.local_addrs[0]}",
                "  remote pre-shared key authentication:"]
        if conn.remote_id is not None:
            out.append(f"    id: {conn.remote_id}")
        for child in conn.children:
            out += [f"  {child.name}: TUNNEL, rekeying every {child.rekey_time}s",
                    f"    local:  {', '.join(str(n) for n in child.local_ts)}",
                    f"    remote: {', '.join(str(n) for n in child.remote_ts)}"]
    return out


def ipsec_status(device: LinuxDevice) -> list[str]:
    """The connection and state parts of ``ipsec status`` (run D's whack-status.txt; the
    IPsec state and "esp." lines as libreswan 4.10's test suite prints them, e.g.
    testing/pluto/*/west.console.txt: "STATE_QUICK_I2 (IPsec SA established); REPLACE in Ns;
    newest; eroute owner; ISAKMP SA #1; idle;")."""
    svc = device.daemon_service
    out = ["000 Connection list:", "000  "]
    numbers, now = svc.log_state.sa_serial, device.env.now
    pairs = [p for p in svc.engine.ipsec_pairs() if not p.deleted]
    for conn in svc.cfg.connections:
        child = conn.children[0] if conn.children else None
        right = conn.remote_addrs[0].network_address if conn.remote_addrs else "%any"
        mine = [p for p in pairs if any(ipaddress.IPv4Address(p.peer) in n
                                        for n in conn.remote_addrs)]
        newest_ipsec = max((_qm_number(svc, p) for p in mine), default=0)
        if child is not None:
            routing = "erouted" if newest_ipsec else "prospective erouted" \
                if child.start_action == "trap" else "unrouted"
            out.append(f"000 \"{conn.name}\": {child.local_ts[0]}==={conn.local_addrs[0]}..."
                       f"{right}==={child.remote_ts[0]}; {routing}; eroute owner: "
                       f"#{newest_ipsec}")
        newest = max((numbers.get(sa.serial, 0) for sa in svc.engine.sas()
                      if not sa.deleted and sa.state == QM_IDLE), default=0)
        out.append(f"000 \"{conn.name}\":   newest ISAKMP SA: #{newest}; newest IPsec SA: "
                   f"#{newest_ipsec};")
        if conn.proposals:
            p = conn.proposals[0]
            algos = names.pluto_ike(p.encryption, p.hash, p.group).split()
            out.append(f"000 \"{conn.name}\":   IKE algorithms: "
                       f"{algos[1][7:].rsplit('_', 1)[0]}-{algos[2][6:]}-{algos[3][6:]}")
    out += ["000  ", f"000 Total IPsec connections: loaded {len(svc.cfg.connections)}, "
            f"active {len(pairs)}", "000  ",
            "000 State Information: DDoS cookies not required, Accepting new IKE connections"]
    sas = [sa for sa in svc.engine.sas() if not sa.deleted]
    half = sum(1 for sa in sas if sa.state != QM_IDLE)
    out += [f"000 IKE SAs: total({len(sas)}), half-open({half}), open(0), "
            f"authenticated({len(sas) - half}), anonymous(0)",
            f"000 IPsec SAs: total({len(pairs)}), authenticated({len(pairs)}), "
            "anonymous(0)", "000  "]
    replacer = svc.replacer
    rows: list[tuple[int, str]] = []
    for sa in sas:
        conn = _conn(device, sa.peer)
        number = numbers.get(sa.serial, sa.serial)
        state = svc.log_state.states.get(number, "")
        what = "(IKE SA established)" if sa.state == QM_IDLE else "(sent MI1, expecting MR1)" \
            if sa.role == "I" else "(sent MR1, expecting MI2)"
        at = replacer.ike_at.get(sa.serial) if replacer is not None else None
        when = f" REPLACE in {max(0, int(at - now))}s;" if at is not None else ""
        rows.append((number, f"000 #{number}: \"{conn.name if conn else '?'}\":{sa.peer_port} "
                             f"{state} {what};{when} newest;"
                             f"{' lastdpd=-1s(seq in:0 out:0);' if sa.state == QM_IDLE else ''}"
                             " idle;"))
    for pair in pairs:
        conn, number = _conn(device, pair.peer), _qm_number(svc, pair)
        name = conn.name if conn else "?"
        state = svc.log_state.states.get(number, "STATE_QUICK_I2")
        # the engine's rekey timer of this pair: what the lab will do (rekey.py says whose rule)
        at = svc.timers.due((IPSEC_REKEY, pair.inbound.spi)) if replacer is not None else None
        when = f" REPLACE in {max(0, int(at - now))}s;" if at is not None else ""
        p1 = numbers.get(pair.isakmp_serial, pair.isakmp_serial)
        rows.append((number, f"000 #{number}: \"{name}\":500 {state} (IPsec SA established);"
                             f"{when} newest; eroute owner; ISAKMP SA #{p1}; idle;"))
        rows.append((number, f"000 #{number}: \"{name}\" esp.{pair.outbound.spi:x}@"
                             f"{_ip(pair.peer)} esp.{pair.inbound.spi:x}@{_ip(pair.local)} "
                             f"tun.0@{_ip(pair.peer)} tun.0@{_ip(pair.local)} Traffic: "
                             f"ESPin={pair.inbound.octets}B ESPout={pair.outbound.octets}B "
                             "ESPmax=2^63B "))
    return out + [text for _, text in sorted(rows, key=lambda r: r[0])]


def _qm_number(svc: Any, pair: Any) -> int:
    """pluto's #N of the quick mode that made ``pair`` (0 when the log did not see it)."""
    return svc.log_state.qm_serial.get((pair.isakmp_serial, pair.message_id), 0)


def trafficstatus(device: LinuxDevice) -> list[str]:
    svc, out = device.daemon_service, []
    for pair in svc.engine.ipsec_pairs():
        if pair.deleted:
            continue
        conn = _conn(device, pair.peer)
        out.append(f"006 #{pair.isakmp_serial}: \"{conn.name if conn else '?'}\", type=ESP, "
                   f"add_time={int(pair.inbound.created_at)}, inBytes={pair.inbound.octets}, "
                   f"outBytes={pair.outbound.octets}, id='{_ip(pair.peer)}'")
    return out


def ip_xfrm_state(device: LinuxDevice) -> list[str]:
    out = []
    for pair in device.daemon_service.engine.ipsec_pairs():
        if pair.deleted:
            continue
        for sa in (pair.outbound, pair.inbound):
            t = sa.transform
            auth, bits = _AUTH_XFRM.get(t.auth.keyword, (t.auth.keyword, 96))
            out += [f"src {_ip(sa.src)} dst {_ip(sa.dst)}",
                    f"\tproto esp spi 0x{sa.spi:08x} reqid 1 mode tunnel",
                    f"\treplay-window {32 if sa.inbound else 0} flag af-unspec",
                    f"\tauth-trunc {auth} 0x{sa.auth_key.hex()} {bits}",
                    f"\tenc {_ENC_XFRM.get(t.cipher.keyword, t.cipher.keyword)} "
                    f"0x{sa.enc_key.hex()}"]
    return out


def ip_xfrm_policy(device: LinuxDevice) -> list[str]:
    svc, out = device.daemon_service, []
    for policy in svc.policies:
        child = svc.children.get((policy.map_name, policy.sequence))
        installed = any(p.peer == policy.peer and not p.deleted
                        for p in svc.engine.ipsec_pairs())
        if not installed and (child is None or child.start_action != "trap"):
            continue
        for proxy in policy.proxies:
            local, remote = _net(proxy.local_net, proxy.local_mask), \
                _net(proxy.remote_net, proxy.remote_mask)
            me, peer = _ip(svc._local(policy.peer)), _ip(policy.peer)
            for src, dst, direction, a, b in ((local, remote, "out", me, peer),
                                              (remote, local, "fwd", peer, me),
                                              (remote, local, "in", peer, me)):
                out += [f"src {src} dst {dst} ", f"\tdir {direction} priority 375423 ",
                        f"\ttmpl src {a} dst {b}", "\t\tproto esp reqid 1 mode tunnel"]
    return out


def ip_route(device: LinuxDevice) -> list[str]:
    """``ip route``: connected routes as the kernel lists them, statics with their gateway."""
    cfg, out = device.linux_config, []
    for route in cfg.routes:
        target = "default" if route.prefix.prefixlen == 0 else str(route.prefix)
        via = f" via {route.via}" if route.via else ""
        dev = route.dev or _dev_for(device, route.via)
        metric = f" metric {route.metric}" if route.metric else ""
        out.append(f"{target}{via} dev {dev}{metric}")
    for a in cfg.addresses:
        if a.interface in cfg.links_down:
            continue
        out.append(f"{a.address.network} dev {a.interface} proto kernel scope link src "
                   f"{a.address.ip}")
    return out


def _dev_for(device: LinuxDevice, via: ipaddress.IPv4Address | None) -> str:
    for a in device.linux_config.addresses:
        if via is not None and via in a.address.network:
            return a.interface
    return "?"
