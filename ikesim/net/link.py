"""Point-to-point links that delay and drop, like SimPy's ``Cable`` example.

Neither sender nor receiver knows about propagation: the link schedules the arrival. Loss uses
the link's own ``random.Random``, seeded from the lab seed and the link name, so a run is
reproducible and adding a link does not disturb the others' draws.
"""

from __future__ import annotations

import hashlib
import random
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ikesim.net.interface import Interface
    from ikesim.net.lab import Lab
    from ikesim.net.packet import Packet


def link_seed(lab_seed: int, name: str) -> int:
    """A stable per-link seed (never Python's salted ``hash()``)."""
    digest = hashlib.sha256(f"{lab_seed}/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Link:
    __slots__ = ("name", "lab", "a", "b", "delay", "loss", "up", "rng")

    def __init__(
        self,
        lab: Lab,
        name: str,
        a: Interface,
        b: Interface,
        *,
        delay: float,
        loss: float,
        up: bool,
    ) -> None:
        if delay < 0:
            raise ValueError(f"link {name}: negative delay {delay}")
        if not 0.0 <= loss <= 1.0:
            raise ValueError(f"link {name}: loss {loss} is not a probability")
        self.name = name
        self.lab = lab
        self.a = a
        self.b = b
        self.delay = delay
        self.loss = loss
        self.up = up
        self.rng = random.Random(link_seed(lab.seed, name))

    def peer(self, iface: Interface) -> Interface:
        return self.b if iface is self.a else self.a

    def set_up(self, up: bool) -> None:
        """Bring the cable up or down: both interfaces' line protocol follows."""
        if up == self.up:
            return
        self.up = up
        lab = self.lab
        lab.events.emit(
            lab.env.now,
            "",
            "link",
            name=self.name,
            up=up,
            a=f"{self.a.device.name} {self.a.name}",
            b=f"{self.b.device.name} {self.b.name}",
        )
        self.a.device.update_interface(self.a)
        self.b.device.update_interface(self.b)

    def transmit(self, packet: Packet, sender: Interface) -> bool:
        """Put ``packet`` on the wire from ``sender``; False if it was lost."""
        lab = self.lab
        if self.loss and self.rng.random() < self.loss:
            sender.device.drop("loss", packet, sender)
            return False
        lab.packet_hops += 1
        for tap in lab.taps:
            tap(lab.env.now, self, packet, sender)
        receiver = self.b if sender is self.a else self.a
        event = lab.env.timeout(self.delay)
        event.callbacks.append(partial(receiver.device.receive, packet, receiver))
        return True

    def __repr__(self) -> str:
        return f"Link({self.name!r}, up={self.up})"

