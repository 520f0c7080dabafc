"""ICMP on a device: echo replies, ping bookkeeping, and ICMP errors (RFC 792, RFC 1812 §4.3.2)
rate-limited as IOS does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from ikesim.net.packet import (
    ICMP_ECHO,
    ICMP_ECHO_REPLY,
    ICMP_TIME_EXCEEDED,
    ICMP_UNREACHABLE,
    Icmp,
    Packet,
    icmp_error_quote,
    icmp_packet,
    quoted_echo,
)

if TYPE_CHECKING:
    from ikesim.net.device import Device
    from ikesim.net.interface import Interface

UNREACH_ADMIN = 13  # ICMP unreachable "administratively prohibited" (RFC 1812)
UNREACHABLE_INTERVAL = 0.5  # IOS `ip icmp rate-limit unreachable 500` (the default)


def deliver_icmp(device: Device, packet: Packet, icmp: Icmp, iface: Interface) -> None:
    """An ICMP message addressed to ``device``: answer echoes, wake pings on replies/errors."""
    if icmp.type == ICMP_ECHO:
        reply = icmp_packet(
            packet.dst,
            packet.src,
            Icmp(ICMP_ECHO_REPLY, 0, icmp.ident, icmp.seq, icmp.data),
            ttl=device.default_ttl,
            ident=device.next_ip_ident(),
        )
        device.send_packet(reply)
        return
    if icmp.type == ICMP_ECHO_REPLY:
        wake(device, icmp.ident, icmp.seq, "!")
    else:
        quoted = quoted_echo(icmp.data)
        if quoted is not None and quoted[0] in device.local_addresses_all():
            mark = (
                "U"
                if icmp.type == ICMP_UNREACHABLE
                else ("&" if icmp.type == ICMP_TIME_EXCEEDED else "?")
            )
            wake(device, quoted[1], quoted[2], mark)
    for listener in device.icmp_listeners:
        listener(packet, iface)


class FirstOf(simpy.Event):
    """Succeeds when the first of an echo's reply waiter and its timeout is processed (it is
    the callback of both; ``ikesim.ios.ping``): simpy's ``waiter | timeout`` (an ``AnyOf``)
    without the condition machinery, with the same single step between the first event and
    the process resuming, so every event is scheduled exactly where ``AnyOf`` put it."""

    fired = False       # set on the instance by the first of the two

    def __call__(self, _event: simpy.Event) -> None:
        if not self.fired:
            self.fired = True
            self.succeed()


def wake(device: Device, ident: int, seq: int, mark: str) -> None:
    event = device.echo_waiters.pop((ident, seq), None)
    if event is not None and not event.triggered:
        event.succeed((mark, device.env.now))


def icmp_error(device: Device, offending: Packet, icmp_type: int, code: int) -> None:
    """Send an ICMP error about ``offending`` back to its source (RFC 1812 §4.3.2)."""
    payload = offending.payload
    if isinstance(payload, Icmp) and payload.type not in (ICMP_ECHO, ICMP_ECHO_REPLY):
        return  # never an error about an error (RFC 1812 §4.3.2.7)
    if offending.src in device.local_addresses_all() or offending.dst >> 28 == 0xE:
        return  # nor about our own packets, nor about multicast (RFC 1812 §4.3.2.7)
    if icmp_type == ICMP_UNREACHABLE:
        now = device.env.now
        if now - device.last_unreachable < UNREACHABLE_INTERVAL:
            return
        device.last_unreachable = now
    error = icmp_packet(
        0,
        offending.src,
        Icmp(icmp_type, code, 0, 0, icmp_error_quote(offending)),
        ttl=device.default_ttl,
        ident=device.next_ip_ident(),
    )
    device.send_packet(error)
