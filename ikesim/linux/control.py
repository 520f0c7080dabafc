"""Commands that take simulated time on a Linux gateway: ``swanctl --initiate`` (prints the
IKE SA's log lines of level 1 as the vici control-log streams them, strongSwan 5.9.8
swanctl/commands/initiate.c: "[GRP] text", then "initiate completed successfully" or "initiate
failed: …"), ``ipsec auto --up`` / ``whack --initiate`` (pluto's lines with whack's status
codes; returns at the outcome, run E: at the first give-up) and ``ping`` (iputils: one echo a
second)."""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ikesim.ike.events import IkeEvent

if TYPE_CHECKING:
    from ikesim.linux.device import LinuxDevice

# charon messages logged at level 1 or 0 (the DBG1/DBG0 calls of the sources named in
# ikesim.linux.log.charon); swanctl --initiate shows only these by default (level = 1)
_LEVEL1 = re.compile(r"^(initiating Main Mode|IKE_SA \S+ established|CHILD_SA \S+ established|"
                     r"sending retransmit|giving up|establishing IKE_SA failed|received .* "
                     r"vendor ID|selected proposal|received proposals|configured proposals: "
                     r"IKE.*|received .*notify|unable to install|scheduling rekeying|maximum "
                     r"IKE_SA lifetime|IDir|no peer config|no proposal found|no matching "
                     r"proposal|no shared key|deleting half open|received retransmit|\S+ is "
                     r"initiating)")
_CHARON = re.compile(r"^\d\d\[(\w+)\] (?:<[^>]*> )?(.*)$")
_OUTCOME = ("ipsec_sa_created", "delete", "ipsec_install_failed", "qm_delete", "notify_rx",
            "id_mismatch")


def _outcome(event: IkeEvent) -> str | None:
    kind, fields = event.kind, event.fields
    if kind == "ipsec_sa_created" and fields.get("direction") == "outbound":
        return "ok"
    if kind == "notify_rx" and int(fields.get("notify_code", 0) or 0) >= 16384:
        return None
    if kind in _OUTCOME and kind != "ipsec_sa_created":
        return "failed"
    return None


def _wait(device: LinuxDevice, collect: Any, start: Any) -> Generator[Any, Any, str]:
    """Follow the daemon's log with ``collect`` from before ``start()`` (which starts the
    negotiation; False: nothing to start) until the negotiation's outcome."""
    svc = device.daemon_service
    done = device.env.event()

    def watch(event: IkeEvent) -> None:
        result = _outcome(event)
        if result is not None and not done.triggered:
            done.succeed(result)

    svc.watchers.append(watch)
    svc.listeners.append(collect)
    try:
        if not start():
            return "missing"
        result = yield done
    finally:
        svc.watchers.remove(watch)
        svc.listeners.remove(collect)
    return str(result)


def initiate(device: LinuxDevice, ike: str | None, child: str | None
             ) -> Generator[Any, Any, list[str]]:
    svc, out = device.daemon_service, []
    what = f"CHILD_SA '{child}'" if child else f"IKE_SA '{ike}'"
    svc.log([f"{svc.log_state.thread:02d}[CFG] vici initiate {what}"])
    out.append(f"[CFG] vici initiate {what}")

    def collect(lines: list[str]) -> None:
        for line in lines:
            m = _CHARON.match(line)
            if m and _LEVEL1.match(m.group(2)):
                out.append(f"[{m.group(1)}] {m.group(2)}")

    result = yield from _wait(device, collect, lambda: svc.initiate_child(ike, child))
    if result == "missing":
        return out + [f"initiate failed: {what.split(' ')[0]} config '{child or ike}' not found"]
    if result == "ok":
        return out + ["initiate completed successfully"]
    return out + [f"initiate failed: establishing {what} failed"]


def whack_up(device: LinuxDevice, name: str) -> Generator[Any, Any, list[str]]:
    svc, out = device.daemon_service, []

    def collect(lines: list[str]) -> None:
        for line in lines:
            # guess: whack's status codes for these lines in 4.10 (RC_RETRANSMISSION 010,
            # RC_NORETRANSMISSION 031 from lswlog.h; 1xx new states, 004 established)
            code = "010" if "retransmission; will wait" in line else \
                "031" if "timeout exceeded" in line else \
                "004" if "established" in line else \
                "104" if "sent Main Mode request" in line else \
                "106" if "sent Main Mode I2" in line else \
                "108" if "sent Main Mode I3" in line else \
                "117" if "sent Quick Mode request" in line else "002"
            out.append(f"{code} {line}")

    result = yield from _wait(device, collect, lambda: svc.initiate_child(name))
    if result == "missing":
        return [f"021 no connection named \"{name}\""]
    return out


def ping(device: LinuxDevice, *, dst: str, count: int, source: str | None, timeout: float
         ) -> Generator[Any, Any, list[str]]:
    from ikesim.net.addr import ip_to_int

    env, node = device.env, device.node
    dst_int = ip_to_int(dst)
    src = ip_to_int(source) if source else None
    if src is not None and src not in node.local_addresses_all():
        return [f"ping: bind: Cannot assign requested address ({source})"]
    ident = node.next_icmp_ident()
    out = [f"PING {dst} ({dst}) 56(84) bytes of data."]
    rtts: list[float] = []
    errors = 0
    start = env.now
    for seq in range(1, count + 1):
        waiter = env.event()
        node.echo_waiters[(ident, seq & 0xFFFF)] = waiter
        sent_at = env.now
        node.send_echo(dst_int, ident, seq & 0xFFFF, 84, src)
        yield waiter | env.timeout(timeout)
        node.echo_waiters.pop((ident, seq & 0xFFFF), None)
        if waiter.triggered:
            mark, at = waiter.value
            if mark == "!":
                rtt = (at - sent_at) * 1000.0
                rtts.append(rtt)
                # the reply's TTL is not modelled here: iputils prints "ttl=N" before time
                out.append(f"64 bytes from {dst}: icmp_seq={seq} time={rtt:.2f} ms")
            else:
                errors += 1
                out.append(f"From {dst} icmp_seq={seq} Destination "
                           f"{'Net' if mark == 'U' else 'Host'} Unreachable")
        if seq < count and env.now < sent_at + 1.0:
            yield env.timeout(sent_at + 1.0 - env.now)
    elapsed = int((env.now - start) * 1000)
    lost = 100 - int(100 * len(rtts) / count)
    summary = f"{count} packets transmitted, {len(rtts)} received, "
    summary += f"+{errors} errors, " if errors else ""
    out += ["", f"--- {dst} ping statistics ---", f"{summary}{lost}% packet loss, time "
            f"{elapsed}ms"]
    if rtts:
        avg = sum(rtts) / len(rtts)
        mdev = (sum((r - avg) ** 2 for r in rtts) / len(rtts)) ** 0.5
        out.append(f"rtt min/avg/max/mdev = {min(rtts):.3f}/{avg:.3f}/{max(rtts):.3f}/"
                   f"{mdev:.3f} ms")
    return out
