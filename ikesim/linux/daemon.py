"""The IKE daemon of a Linux gateway (charon or pluto) on the lab's network: the IOS ISAKMP
service's engine plumbing (timers, UDP 500, ESP, key export for captures) with the Linux
kernel's IPsec model instead of crypto maps, and the daemon's own log.

- Policies (``ip xfrm policy``): a child's traffic selectors are a policy once its SA pair is
  installed, or from the start with ``start_action = trap`` / ``auto=ondemand`` (a packet that
  matches a trap policy without an SA is dropped and makes the kernel ask the daemon for one,
  an "acquire"). Without a policy, traffic leaves in clear, as on Linux.
- The kernel of a lab host may lack ESP (``kernel_esp: false``): the engine then reports the
  failed installation and the profile's daemon reacts as in the real runs (A, D).
- pluto revives a connection that is "supposed to remain up" (initiated, or ``auto=start``)
  when its ISAKMP SA dies: at once the first time, then 5 s later, 10 s … up to 300 s
  (libreswan 4.10 revival.c, REVIVE_CONN_DELAY 5 / REVIVE_CONN_DELAY_MAX 300; run E).
- The log: every engine event is a JSON event; charon/pluto lines are formatted only while a
  console follows the log (``swanctl --log``, ``tail -f``), and kept for ``ipsec``/``swanctl``
  commands that print an initiation's progress.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ikesim.ike.events import IkeEvent
from ikesim.ike.quick import Phase2Policy
from ikesim.ios.crypto import CryptoService
from ikesim.ipsec.sa import Proxy
from ikesim.linux.config import LinuxConfig, phase2_policies
from ikesim.linux.config.build import find_secret
from ikesim.linux.log import LogState, View, format_event
from ikesim.linux.rekey import Replacer

if TYPE_CHECKING:
    from ikesim.ike.engine import Output
    from ikesim.linux.device import LinuxDevice

REVIVE_CONN_DELAY, REVIVE_CONN_DELAY_MAX = 5.0, 300.0     # libreswan pluto_constants.h
LogSink = Callable[[list[str]], None]


class IkeDaemon(CryptoService):
    def __init__(self, device: LinuxDevice, cfg: LinuxConfig, *, seed: int) -> None:
        super().__init__(device, seed=seed)     # type: ignore[arg-type]
        self.cfg = cfg
        self.isakmp_on = True                    # the daemon listens on UDP 500 from boot
        first = cfg.connections[0] if cfg.connections else None
        if first is not None and (first.retransmit_interval or first.retransmit_timeout):
            # libreswan per-conn retransmit-interval / retransmit-timeout (ipsec.conf(5))
            self.profile = replace(self.profile, **{k: v for k, v in (
                ("retransmit_interval", first.retransmit_interval),
                ("retransmit_timeout", first.retransmit_timeout)) if v})
            self.engine._ctx.profile = self.profile
        self.policies: list[Phase2Policy] = phase2_policies(cfg)
        self.engine.set_phase2_policies(self.policies)
        self.children = {(p.map_name, p.sequence): child for conn in cfg.connections
                         for p in self.policies if p.map_name == conn.name
                         for i, child in enumerate(conn.children, start=1) if i == p.sequence}
        lengths = {}
        for conn in cfg.connections:
            secret = find_secret(conn, conn.remote_addrs[0], cfg.secrets) \
                if conn.remote_addrs else None
            lengths[conn.name] = len(secret.secret.encode()) if secret else 99
        self.view = View(cfg.hostname, cfg.connections, self.profile, lengths)
        self.log_state = LogState()
        self.listeners: list[LogSink] = []
        self.watchers: list[Callable[[IkeEvent], None]] = []   # initiations awaiting an outcome
        self.up: set[str] = set()                 # connections "supposed to remain up"
        self._revive_delay: dict[str, float] = {}
        self.stopped = False
        # pluto replaces its SAs before they expire (ikesim.linux.rekey); charon's IKEv1 timers
        # are its configuration's (the log's "scheduling rekeying in …")
        self.replacer = Replacer(self, seed) if cfg.daemon == "libreswan" else None
        self._install_linux_hooks()

    # -- policies and traffic --------------------------------------------------------------
    def _install_hooks(self, config: Any) -> None:
        """The IOS crypto-map hooks do not apply (a Linux gateway has none)."""

    def _install_linux_hooks(self) -> None:
        for iface in self.node.interfaces.values():
            iface.egress_hooks[:] = [h for h in iface.egress_hooks
                                     if getattr(h, "__self__", None) is not self]
            iface.egress_hooks.append(self._xfrm_out)

    def reconfigure(self, config: Any) -> None:     # a Linux gateway is not reconfigured
        return

    def _xfrm_out(self, packet: Any, iface: Any) -> bool:
        """The kernel's outbound policy lookup: an installed SA encrypts, a trap policy
        without one drops the packet and acquires; anything else leaves in clear."""
        for policy in self.policies:
            proxy = next((p for p in policy.proxies if _covers(p, packet.src, packet.dst)),
                         None)
            if proxy is None:
                continue
            pair = self.engine.outbound_sa(policy.peer, packet.src, packet.dst)
            if pair is not None:
                self.encapsulate(packet, pair)
                return True
            child = self.children.get((policy.map_name, policy.sequence))
            if child is None or child.start_action != "trap":
                continue
            self._apply(self.engine.request_ipsec(self.env.now, self._local(policy.peer),
                                                  policy, proxy))
            self.device.lab.events.emit(
                self.env.now, self.device.name, "drop", reason="xfrm-acquire",
                interface=iface.name, src=str(ipaddress.IPv4Address(packet.src)),
                dst=str(ipaddress.IPv4Address(packet.dst)), protocol=packet.protocol,
                policy=f"{policy.map_name}/{child.name}", peer=str(ipaddress.IPv4Address(
                    policy.peer)))
            return True
        return False

    def _local(self, peer: int) -> int:
        conn = next((c for c in self.cfg.connections
                     if any(ipaddress.IPv4Address(peer) in n for n in c.remote_addrs)), None)
        return int(conn.local_addrs[0]) if conn is not None else 0

    # -- control (swanctl --initiate, ipsec auto --up, start_action) -------------------------
    def initiate_child(self, conn_name: str | None, child_name: str | None = None) -> bool:
        """Negotiate the SAs of a connection's children (or of the child named so, in any
        connection), phase 1 first when needed; False when nothing matches."""
        found = False
        for policy in self.policies:
            child = self.children.get((policy.map_name, policy.sequence))
            if conn_name is not None and policy.map_name != conn_name:
                continue
            if child_name is not None and (child is None or child.name != child_name):
                continue
            found = True
            self.up.add(policy.map_name)
            if policy.proxies:
                self._apply(self.engine.request_ipsec(self.env.now, self._local(policy.peer),
                                                      policy, policy.proxies[0]))
        return found

    def initiate_replacement(self, local: int, peer: int) -> None:
        """A new Main Mode next to the live ISAKMP SA with ``peer`` (pluto's replacement)."""
        self._apply(self.engine.initiate(self.env.now, local, peer, replace=True))

    def start(self) -> Generator[Any, Any, None]:
        """``start_action = start`` / ``auto=start`` children come up when the daemon does."""
        yield self.env.timeout(0)
        for conn in self.cfg.connections:
            for child in conn.children:
                if child.start_action == "start":
                    self.initiate_child(conn.name, child.name)

    # -- engine I/O -------------------------------------------------------------------------
    def _apply(self, out: Output) -> None:
        """Send first, so that each ``tx`` event knows whether its datagram left (pluto logs
        a failed send before "sent Main Mode R1", run E), then log, then arm timers."""
        results = []
        for d in out.sends:
            for tap in self.on_send:
                tap(self.env.now, d.src, d.sport, d.dst, d.dport, d.data)
            # the interface of the socket: pluto's per-address UDP interfaces ("send on
            # rt2-isp from 11.11.11.2:500 …", run E)
            iface = self.node.local_addresses.get(d.src)
            ok = self.node.send_udp(d.dst, d.sport, d.dport, d.data, src=d.src or None)
            results.append((ok, iface.name if iface is not None else ""))
        sent = iter(results)
        for event in out.events:
            if event.kind == "tx":
                ok, iface = next(sent, (True, ""))
                if not ok:
                    event = IkeEvent(event.kind, event.sa_serial, event.conn_id,
                                     {**event.fields, "sent": False, "interface": iface})
            self._log(event)
        out.sends, out.events = [], []
        super()._apply(out)

    def _log(self, event: Any) -> None:
        fields = {k: (str(ipaddress.IPv4Address(v)) if k in ("peer", "local") and
                      isinstance(v, int) else v) for k, v in event.fields.items()}
        self.device.lab.events.emit(self.env.now, self.device.name, "ike", event=event.kind,
                                    sa=event.sa_serial, **fields)
        for watch in list(self.watchers):
            watch(event)
        if self.replacer is not None:
            self.replacer.on_event(event, self.env.now)
        if self.listeners:
            lines = format_event(self.cfg.daemon, self.view, self.log_state, event,
                                 self.env.now)
            if event.kind == "tx" and event.fields.get("sent") is False and \
                    self.cfg.daemon == "strongswan":
                lines.append(f"{self.log_state.thread:02d}[NET] error writing to socket: "
                             "Network is unreachable")
            self.log(lines)
        if event.kind == "delete":
            self._maybe_revive(event)
            if self.cfg.daemon == "strongswan" and event.fields.get("by_peer") is True:
                # charon: the IKEv1 IKE_SA goes with its CHILD_SAs, kernel SAs included, and
                # nothing is re-established without close_action (5.9.8 isakmp_delete.c
                # process_r() "received DELETE for IKE_SA", ike_sa.c reestablish(); run A
                # rt2: "deleting SAD entry" after "DELETING => DESTROYING")
                peer = event.fields.get("peer")
                if isinstance(peer, int):
                    self._apply(self.engine.clear_ipsec(self.env.now, peer, notify_peer=False))

    def log(self, lines: list[str]) -> None:
        if lines:
            for sink in list(self.listeners):
                sink(lines)

    def stop(self) -> list[str]:
        """``systemctl stop strongswan`` / ``ipsec stop``: every SA is deleted (established
        ones with a DELETE to the peer, runs A and D), then the daemon stops listening."""
        if self.stopped:
            return []
        self.log(["00[DMN] SIGTERM received, shutting down"] if self.cfg.daemon ==
                 "strongswan" else ["Pluto is shutting down"])
        self.up.clear()
        self._apply(self.engine.clear(self.env.now))
        self.stopped = True
        return []

    def _on_datagram(self, packet: Any, iface: Any) -> None:
        if self.stopped:            # no daemon: the kernel answers port unreachable
            self.device.lab.events.emit(self.env.now, self.device.name, "drop",
                                        reason="daemon-stopped", protocol=17,
                                        src=str(ipaddress.IPv4Address(packet.src)))
            return
        super()._on_datagram(packet, iface)

    # -- pluto's revival ----------------------------------------------------------------------
    def _maybe_revive(self, event: Any) -> None:
        if self.cfg.daemon != "libreswan" or event.fields.get("role") != "I":
            return
        conn = self.view.conn_for(event.fields.get("peer"))
        if conn is None or conn.name not in self.up:
            return
        sa = self.engine.sa(event.sa_serial)
        newest = self.engine.established_sa(sa.peer) if sa is not None else None
        if newest is not None and newest.serial > event.sa_serial:
            return        # revival.c should_revive(): "revival: skipping, have newer #N"
        delay = self._revive_delay.get(conn.name, 0.0)
        self._revive_delay[conn.name] = min(delay + REVIVE_CONN_DELAY, REVIVE_CONN_DELAY_MAX)
        number = self.log_state.sa_serial.get(event.sa_serial, 0)
        self.log([f"\"{conn.name}\" #{number}: deleting ISAKMP SA but connection is supposed "
                  "to remain up; schedule EVENT_REVIVE_CONNS"])
        self.env.process(self._revive(conn, delay))

    def _revive(self, conn: Any, delay: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(delay)
        name = conn.name
        if self.stopped or name not in self.up:
            return
        self.log([f"\"{name}\": initiating connection '{name}' with serial $1 which received a "
                  "Delete/Notify but must remain up per local policy"])
        self.initiate_child(name)
        # the connection is initiated afresh (revival.c → initiate_connection()): a new
        # ISAKMP SA even while IPsec SAs of the old one still live (then no quick mode waits)
        if conn.remote_addrs and conn.local_addrs:
            peer = int(conn.remote_addrs[0].network_address)
            if self.engine.established_sa(peer) is None and not self.engine.half_open(peer):
                self._apply(self.engine.initiate(self.env.now, int(conn.local_addrs[0]), peer))


def _covers(proxy: Proxy, src: int, dst: int) -> bool:
    return (src & proxy.local_mask) == proxy.local_net and \
        (dst & proxy.remote_mask) == proxy.remote_net
