"""What the HTML report shows, gathered while a lab runs: every ISAKMP datagram and ESP packet
a router sent (with a reference to the sender's SA, for the keys), the console transcript block
by block with the simulated time each block appeared, and afterwards the run's events."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ikesim.ike.sa import IsakmpSa
from ikesim.ipsec.sa import IpsecSa
from ikesim.net.addr import int_to_ip
from ikesim.net.events import SimEvent
from ikesim.report.inspect import Opener, Packet, inspect_esp, inspect_isakmp
from ikesim.scenario.model import Scenario
from ikesim.scenario.runner import Runtime
from ikesim.teach import facts

LABEL_EXCHANGES = {"MM": 2, "QM": 32, "IN": 5}


@dataclass
class Sent:
    time: float
    device: str
    kind: str                     # "ISAKMP" | "ESP"
    src: int
    dst: int
    data: bytes
    isakmp_sa: IsakmpSa | None = None
    ipsec_sa: IpsecSa | None = None


@dataclass
class ConsoleBlock:
    time: float
    device: str
    lines: list[str]


@dataclass
class ReportCollector:
    runtime: Runtime
    sent: list[Sent] = field(default_factory=list)
    console: list[ConsoleBlock] = field(default_factory=list)

    @classmethod
    def attach(cls, runtime: Runtime) -> ReportCollector:
        collector = cls(runtime)
        for device in runtime.devices.values():
            if device.crypto is not None:
                device.crypto.on_send.append(partial(collector._isakmp, device.name))
                device.crypto.on_esp.append(partial(collector._esp, device.name))
        transcript = runtime.transcript
        for method in ("command", "asynchronous", "configure"):
            original = getattr(transcript, method)
            setattr(transcript, method, partial(collector._block, original))
        return collector

    def _block(self, original: Any, device: str, *args: Any) -> list[str]:
        lines: list[str] = original(device, *args)
        self.console.append(ConsoleBlock(self.runtime.lab.env.now, device, list(lines)))
        return lines

    def _isakmp(self, device: str, now: float, src: int, sport: int, dst: int, dport: int,
                data: bytes) -> None:
        crypto = self.runtime.devices[device].crypto
        sa = next((s for s in crypto.engine.sas() if s.icookie == data[:8]), None) \
            if crypto is not None else None
        self.sent.append(Sent(now, device, "ISAKMP", src, dst, data, isakmp_sa=sa))

    def _esp(self, device: str, now: float, src: int, dst: int, esp: bytes) -> None:
        crypto = self.runtime.devices[device].crypto
        spi = int.from_bytes(esp[:4], "big")
        sa = None
        if crypto is not None:
            sa = next((p.outbound for p in crypto.engine.ipsec_pairs()
                       if p.outbound.spi == spi), None)
        self.sent.append(Sent(now, device, "ESP", src, dst, esp, ipsec_sa=sa))

    # -- after the run -----------------------------------------------------------------------
    def packets(self, scenario: Scenario, events: list[SimEvent]) -> list[Packet]:
        """Every sent datagram, decoded, with its ladder label and fate."""
        owners = facts.addresses(scenario)
        ladder = facts.ladder(scenario, events,
                              (facts.EXCH_MAIN, facts.EXCH_AGGR, facts.EXCH_QUICK,
                               facts.EXCH_INFO))
        unused = list(ladder)
        opener = Opener()
        out = []
        for index, s in enumerate(self.sent):
            src, dst = int_to_ip(s.src), int_to_ip(s.dst)
            packet = Packet(index, s.time, s.device, owners.get(dst, dst), src, dst, s.kind)
            if s.kind == "ESP":
                packet.label = "ESP"
                inspect_esp(packet, s.data, s.ipsec_sa)
            else:
                inspect_isakmp(packet, s.data, s.isakmp_sa, opener)
                exchange = s.data[18] if len(s.data) > 18 else 0
                message = next((m for m in unused if m.sender == s.device
                                and abs(m.time - s.time) < 1e-9
                                and LABEL_EXCHANGES.get(m.label[:2]) == exchange), None)
                if message is not None:
                    unused.remove(message)
                    packet.label = message.label + (" (resent)" if message.retransmission
                                                    else "")
                    packet.fate = fate_text(message)
                else:
                    packet.label = {2: "MM", 32: "QM", 5: "INFO"}.get(exchange, "ISAKMP")
            out.append(packet)
        return out


def fate_text(message: facts.Message) -> str:
    """What became of a ladder message, in words (the ladder reads it back)."""
    if message.fate == "delivered":
        return f"received by {message.receiver} at {message.fate_time:.3f}s" + (
            f" ({', '.join(message.notes)})" if message.notes else "")
    if message.fate == "dropped":
        return f"discarded at {message.drop_device}: {message.drop_reason}"
    return "no receipt by the end of the run"
