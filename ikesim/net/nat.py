"""IOS NAT: ``ip nat inside|outside``, ``ip nat inside source`` static / list / route-map, with
pools or ``interface IF overload`` (PAT), idle timeouts, and the translation table.

Where NAT runs (Cisco "NAT Order of Operation"): inside→outside after routing and before the
crypto map and the outbound ACL (``Device.output``); outside→inside after the inbound ACL and
decryption, before routing (``Device.receive``). Only packets going from an inside to an outside
interface are translated on the way out; router-originated packets are not (guess: IOS can
translate them with route-maps, not modelled).

- Static entries (``static LOCAL GLOBAL``, ``static udp|tcp LOCAL LPORT GLOBAL|interface IF
  GPORT``) translate both ways for ever; a second static for the same inside local or inside
  global is refused as IOS refuses it ("% similar static entry ... already exists"; reported as
  a "nat" event).
- Dynamic rules are tried in configuration order; a ``deny`` in the NAT ACL, no ``permit``, or
  a route-map ``deny`` leaves the packet untranslated (NAT exemption).
- PAT keeps the inside port when it is free on the global address, else takes the first free
  port of the same group 0–511, 512–1023, 1024–65535, then tries the pool's next address (Cisco
  Networking Academy CCNA RSE 11.1.2.4, "PAT attempts to preserve the original source port").
  When no port is left the packet is dropped (``nat-port-exhausted``); a pool without overload
  that has no free address drops with ``nat-pool-exhausted``. ICMP echoes use the echo
  identifier as their port.
- Idle timeouts (Cisco IOS IP Addressing Command Reference, ``ip nat translation``): simple
  entries 86,400 s, UDP 300 s (DNS 60 s), TCP 86,400 s (60 s after FIN/RST, 60 s after a lone
  SYN), ICMP 60 s; ``nat_timeouts`` overrides them (0 or less: never). Entries expire when next
  looked at, so an expired PAT mapping no longer translates returning packets.

A translation's outside addresses are the packet's far end (no outside NAT); for ICMP the
outside "port" is the echo identifier in each realm, as ``show ip nat translations`` prints it.
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING

from ikesim.net.acl import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from ikesim.net.addr import int_to_ip
from ikesim.net.config import DeviceConfig, NatRule
from ikesim.net.nat_entries import (
    DEFAULT_TIMEOUTS,
    PORT_GROUPS,
    Translation,
    clashes,
    flow,
    set_ports,
)
from ikesim.net.nat_icmp import translate_icmp_error
from ikesim.net.packet import TCP_FIN, TCP_RST, TCP_SYN, Icmp, Packet, Tcp, Udp

if TYPE_CHECKING:
    from ikesim.net.device import Device
    from ikesim.net.interface import Interface

class Nat:
    def __init__(self, device: Device) -> None:
        self.device = device
        self.rules: list[NatRule] = []
        self.statics: list[Translation] = []
        self.timeouts = dict(DEFAULT_TIMEOUTS)
        self.config: DeviceConfig | None = None
        self._inside: dict[tuple, Translation] = {}  # extended, by inside 5-tuple
        self._outside: dict[tuple, Translation] = {}  # extended, by outside 5-tuple
        self._simple: dict[int, Translation] = {}  # dynamic simple entries by inside local
        # PAT port ownership: (protocol, global address, global port) -> [owner, live entries]
        self._ports: dict[tuple[int, int, int], list] = {}
        self._reserved: set[tuple[int | None, int, int | None]] = set()  # static mappings
        self.hits = self.misses = 0

    # -- configuration -------------------------------------------------------------------
    def configure(self, config: DeviceConfig) -> None:
        self.config = config
        self.rules = list(config.nat_rules)
        self.timeouts = dict(DEFAULT_TIMEOUTS)
        for name, seconds in config.nat_timeouts.items():
            self.timeouts[name] = seconds
        self.statics = []
        for rule in self.rules:
            if rule.kind != "static" or rule.local is None:
                continue
            global_ = self._static_global(rule)
            if global_ is None:
                continue
            entry = Translation(rule.protocol, int(rule.local), global_, rule.local_port,
                                rule.global_port, static=True)
            clash = next((s for s in self.statics if clashes(s, entry)), None)
            if clash is not None:
                device = self.device
                device.lab.events.emit(
                    device.env.now, device.name, "nat", event="static-conflict", line=rule.line,
                    message=f"% similar static entry ({int_to_ip(clash.inside_local)} -> "
                            f"{int_to_ip(clash.inside_global)}) already exists")
                continue
            self.statics.append(entry)
        self._reserved = {(s.protocol, s.inside_global, s.global_port) for s in self.statics}

    def _static_global(self, rule: NatRule) -> int | None:
        if rule.global_ is not None:
            return int(rule.global_)
        iface = self.device.interfaces.get(rule.interface or "")
        return iface.source_address if iface is not None else None

    def _timeout(self, entry: Translation, packet: Packet) -> float | None:
        if entry.static:
            return None
        names = {PROTO_UDP: "udp-timeout", PROTO_TCP: "tcp-timeout", PROTO_ICMP: "icmp-timeout"}
        name = names.get(entry.protocol or -1, "timeout")
        payload = packet.payload
        if isinstance(payload, Udp) and 53 in (payload.sport, payload.dport):
            name = "dns-timeout"
        elif isinstance(payload, Tcp) and payload.flags & (TCP_FIN | TCP_RST):
            name = "finrst-timeout"
        elif isinstance(payload, Tcp) and payload.flags == TCP_SYN:
            name = "syn-timeout"
        seconds = self.timeouts.get(name, DEFAULT_TIMEOUTS.get(name))
        return None if seconds is None or seconds <= 0 else float(seconds)

    # -- inside → outside ----------------------------------------------------------------
    def inside_to_outside(self, packet: Packet, inside: Interface, outside: Interface) -> bool:
        """Translate the source of a packet leaving through ``outside``; False when it has to
        be dropped (no address or port left)."""
        keys = flow(packet)
        if keys is None:
            return True
        now = self.device.env.now
        proto, sport, dport = keys
        key = (proto, packet.src, sport, packet.dst, dport)
        entry = self._live(self._inside, key, now)
        if entry is None:
            entry = self._create(packet, proto, sport, dport, inside)
            if entry is None:
                return True  # exempt: no rule translates it
            if isinstance(entry, str):
                self.misses += 1
                self.device.drop(entry, packet, outside)
                return False
        self.hits += 1
        entry.last_used = now
        entry.timeout = self._timeout(entry, packet) if not entry.static else None
        packet.src = entry.inside_global
        set_ports(packet, entry.global_port, None)
        return True

    def _create(self, packet: Packet, proto: int, sport: int | None, dport: int | None,
                inside: Interface) -> Translation | str | None:
        now = self.device.env.now
        src, dst = packet.src, packet.dst
        global_ip, global_port = None, None
        for static in self.statics:
            if static.inside_local == src and (static.protocol is None or (
                    static.protocol == proto and static.local_port == sport)):
                global_ip = static.inside_global
                global_port = static.global_port if static.protocol is not None else sport
                break
        else:
            rule = self._matching_rule(packet, proto, sport, dport)
            if rule is None:
                return None
            found = self._allocate(rule, proto, src, sport, now)
            if isinstance(found, str):
                return found
            global_ip, global_port = found
        remote_local = sport if proto == PROTO_ICMP else dport
        remote_global = global_port if proto == PROTO_ICMP else dport
        entry = Translation(proto, src, global_ip, sport, global_port, dst, remote_local,
                            remote_global, created=now, last_used=now)
        self._index(entry)
        return entry

    def _matching_rule(self, packet: Packet, proto: int, sport: int | None,
                       dport: int | None) -> NatRule | None:
        config = self.config
        assert config is not None
        icmp_type = packet.payload.type if isinstance(packet.payload, Icmp) else None
        args = (packet.src, packet.dst, proto, sport if proto != PROTO_ICMP else None,
                dport if proto != PROTO_ICMP else None, icmp_type)
        for rule in self.rules:
            if rule.kind == "list":
                acl = config.acls.get(rule.match or "")
                if acl is not None and acl.permits(*args):
                    return rule
            elif rule.kind == "route-map":
                for entry in sorted(config.route_maps.get(rule.match or "", ()),
                                    key=lambda e: e.sequence):
                    acls = [config.acls.get(name) for name in entry.match_acls]
                    if not entry.match_acls or any(a is not None and a.permits(*args)
                                                   for a in acls):
                        if entry.action == "permit":
                            return rule
                        break  # a matching deny entry: not translated by this rule
        return None

    def _allocate(self, rule: NatRule, proto: int, src: int, sport: int | None,
                  now: float) -> tuple[int, int | None] | str:
        """(global address, global port) for a new flow under ``rule``, or a drop reason."""
        addresses = self._rule_addresses(rule)
        if not addresses:
            return "nat-no-address"
        if not rule.overload and rule.pool is not None:
            simple = self._simple.get(src)
            if simple is not None and simple.expired(now):
                self._forget_simple(simple)
                simple = None
            if simple is None:
                used = {e.inside_global for e in self._simple.values()} | {
                    s.inside_global for s in self.statics}
                free = [a for a in addresses if a not in used]
                if not free:
                    self._purge(now)
                    used = {e.inside_global for e in self._simple.values()}
                    free = [a for a in addresses if a not in used and
                            a not in {s.inside_global for s in self.statics}]
                    if not free:
                        return "nat-pool-exhausted"
                simple = Translation(None, src, free[0], created=now, last_used=now,
                                     timeout=self._simple_timeout())
                self._simple[src] = simple
            simple.last_used = now
            return simple.inside_global, sport
        for address in addresses:
            port = self._port(proto, address, src, sport, now)
            if port is not None:
                return address, port
        return "nat-port-exhausted"

    def _simple_timeout(self) -> float | None:
        seconds = self.timeouts.get("timeout", 86400)
        return None if seconds is None or seconds <= 0 else float(seconds)

    def _rule_addresses(self, rule: NatRule) -> list[int]:
        if rule.interface is not None:
            iface = self.device.interfaces.get(rule.interface)
            address = iface.source_address if iface is not None else None
            return [] if address is None else [address]
        config = self.config
        pool = config.nat_pools.get(rule.pool or "") if config is not None else None
        if pool is None:
            return []
        return list(range(int(pool.start), int(pool.end) + 1))

    def _port(self, proto: int, address: int, src: int, sport: int | None,
              now: float) -> int | None:
        """PAT: the inside port if free on ``address``, else the first free one of its group."""
        if sport is None or (None, address, None) in self._reserved:
            return None
        owner = (src, sport)
        low, high = next(g for g in PORT_GROUPS if g[0] <= sport <= g[1])
        first = max(low, 1) if proto != PROTO_ICMP else low
        for attempt in range(2):
            for port in chain((sport,), range(first, high + 1)):
                held = self._ports.get((proto, address, port))
                if held is None and (proto, address, port) not in self._reserved:
                    self._ports[(proto, address, port)] = [owner, 0]
                    return port
                if held is not None and held[0] == owner:
                    return port
            if attempt == 0:
                self._purge(now)  # expired entries give their ports back
        return None

    # -- outside → inside ----------------------------------------------------------------
    def outside_to_inside(self, packet: Packet, outside: Interface) -> None:
        """Translate the destination of a packet that came in on an outside interface."""
        now = self.device.env.now
        keys = flow(packet)
        if keys is None:
            translate_icmp_error(self, packet, now)
            return
        proto, sport, dport = keys
        entry = self._live(self._outside, (proto, packet.dst, dport, packet.src, sport), now)
        if entry is None:
            entry = self._from_static(packet, proto, sport, dport, now)
            if entry is None:
                return
        self.hits += 1
        entry.last_used = now
        packet.dst = entry.inside_local
        set_ports(packet, None, entry.local_port)

    def _from_static(self, packet: Packet, proto: int, sport: int | None, dport: int | None,
                     now: float) -> Translation | None:
        """A flow started from outside towards a static (or dynamic simple) mapping."""
        simple = [e for e in self._simple.values() if not e.expired(now)]
        for static in [*self.statics, *simple]:
            if static.inside_global != packet.dst:
                continue
            if static.protocol is not None and (static.protocol != proto
                                                or static.global_port != dport):
                continue
            local_port = static.local_port if static.protocol is not None else dport
            entry = Translation(proto, static.inside_local, packet.dst, local_port, dport,
                                packet.src, sport, sport, created=now, last_used=now)
            if proto == PROTO_ICMP:  # an echo from outside: the identifier stays
                entry.local_port = entry.global_port = entry.outside_local_port = sport
            entry.timeout = self._timeout(entry, packet)
            self._index(entry)
            return entry
        return None

    def answers_arp(self, address: int) -> bool:
        """IOS answers ARP for the global address of a static mapping (an alias, which the
        ``no-alias`` keyword of ``ip nat inside source static`` exists to prevent); guess: also
        for pool addresses it has handed out."""
        if any(s.inside_global == address and s.protocol is None for s in self.statics):
            return True
        return any(e.inside_global == address for e in self._simple.values())

    # -- table ---------------------------------------------------------------------------
    def _live(self, index: dict[tuple, Translation], key: tuple,
              now: float) -> Translation | None:
        entry = index.get(key)
        if entry is not None and entry.expired(now):
            self._forget(entry)
            return None
        return entry

    def _index(self, entry: Translation) -> None:
        self._inside[entry.inside_key] = entry
        self._outside[entry.outside_key] = entry
        held = self._ports.get((entry.protocol, entry.inside_global, entry.global_port))
        if held is not None:
            held[1] += 1

    def _forget(self, entry: Translation) -> None:
        if self._inside.get(entry.inside_key) is entry:
            del self._inside[entry.inside_key]
        if self._outside.get(entry.outside_key) is entry:
            del self._outside[entry.outside_key]
        key = (entry.protocol, entry.inside_global, entry.global_port)
        held = self._ports.get(key)
        if held is not None:
            held[1] -= 1
            if held[1] <= 0:
                del self._ports[key]

    def _forget_simple(self, simple: Translation) -> None:
        if self._simple.get(simple.inside_local) is simple:
            del self._simple[simple.inside_local]

    def _purge(self, now: float) -> None:
        for entry in [e for e in self._inside.values() if e.expired(now)]:
            self._forget(entry)
        for simple in [e for e in self._simple.values() if e.expired(now)]:
            self._forget_simple(simple)

    def translations(self) -> list[Translation]:
        """Live entries in table order: extended entries, then simple and static ones."""
        now = self.device.env.now
        self._purge(now)
        return [*self._inside.values(), *self._simple.values(), *self.statics]

    def clear(self) -> int:
        """``clear ip nat translation *``: every dynamic entry goes; statics stay."""
        count = len(self._inside) + len(self._simple)
        self._inside.clear()
        self._outside.clear()
        self._simple.clear()
        self._ports.clear()
        return count

