"""What ``ikesim explain`` finds, as data: per peer pair, how far main mode and quick mode got,
the first cause with its evidence, and the repair a re-run proved. Every record turns into JSON
(``as_json``) for ``ikesim explain --json`` and the HTML report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Cause kinds (the "kind" of a JSON cause). Failures stop phase 1, phase 2 or the traffic;
# anomalies leave the tunnel working but not as configured (retransmissions, a shortened
# lifetime, a weaker policy than the initiator prefers).
FAILURES = ("no-route", "interface-shutdown", "acl", "wrong-peer", "unreachable-peer",
            "isakmp-policy", "no-psk", "psk-mismatch", "transform-set", "pfs", "proxy-ids",
            "esp", "link-down", "loss", "dropped", "not-ipsec-peer",
            "aggressive-disabled", "certificate", "no-certificate",     # ikesim.explain.auth
            # NAT traversal and dead peer detection (ikesim.explain.natdpd)
            "nat-t-off", "nat-keepalive", "nat-exemption", "no-dpd")
ANOMALIES = ("lifetime", "weaker-policy", "aggressive-psk")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation from the run's structured events, in words, with where and when."""

    time: float
    device: str
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"time": round(self.time, 6), "device": self.device, "text": self.text}


@dataclass(slots=True)
class Cause:
    kind: str                     # one of FAILURES or ANOMALIES
    device: str                   # where it has to be fixed or where it shows
    summary: str                  # one sentence
    time: float                   # first evidence
    evidence: list[Evidence] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)   # structured, for repairs and JSON
    anomaly: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "device": self.device, "summary": self.summary,
                "time": round(self.time, 6), "anomaly": self.anomaly,
                "evidence": [e.as_json() for e in self.evidence],
                "facts": {k: v for k, v in sorted(self.facts.items())}}


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """Lines typed in configuration mode on one device (``configure terminal``)."""

    device: str
    lines: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.lines)

    def describe(self) -> list[str]:
        return [f"{self.device}(config)# {line}" for line in self.lines]

    def as_json(self) -> dict[str, Any]:
        return {"device": self.device, "configure": list(self.lines)}


@dataclass(frozen=True, slots=True)
class LinkChange:
    """A change to the lab rather than a router: a link without loss, or one that stays up."""

    link: str
    no_loss: bool = False
    stays_up: bool = False

    @property
    def size(self) -> int:
        return 1

    def describe(self) -> list[str]:
        what = "repair the link so it loses nothing (loss 0)" if self.no_loss else \
            "keep the link up (no down/up events)"
        return [f"link {self.link}: {what}"]

    def as_json(self) -> dict[str, Any]:
        return {"link": self.link, "no_loss": self.no_loss, "stays_up": self.stays_up}


Change = ConfigChange | LinkChange


@dataclass(frozen=True, slots=True)
class Repair:
    changes: tuple[Change, ...]
    why: str = ""                 # what the repair does, in words

    @property
    def size(self) -> int:
        return sum(c.size for c in self.changes)

    def plus(self, other: Repair) -> Repair:
        return Repair(self.changes + other.changes, f"{self.why}; {other.why}")

    def describe(self) -> list[str]:
        return [line for c in self.changes for line in c.describe()]

    def as_json(self) -> dict[str, Any]:
        return {"changes": [c.as_json() for c in self.changes], "size": self.size,
                "why": self.why}


@dataclass(slots=True)
class Verdict:
    """What a re-run with a repair showed for the pair."""

    phase1: str
    phase2: str
    pings: list[str]              # "PC1 172.16.2.2 .!!!!" per crossing ping
    cause: Cause | None           # the pair's first cause in the re-run (None: nothing left)
    proven: bool
    note: str = ""                # why the repair could not even be tried

    def as_json(self) -> dict[str, Any]:
        return {"phase1": self.phase1, "phase2": self.phase2, "pings": self.pings,
                "proven": self.proven, "note": self.note,
                "remaining_cause": self.cause.as_json() if self.cause else None}


@dataclass(slots=True)
class Attempt:
    repair: Repair
    verdict: Verdict

    def as_json(self) -> dict[str, Any]:
        return {"repair": self.repair.as_json(), "verdict": self.verdict.as_json()}


@dataclass(slots=True)
class Progress:
    """How far an exchange got between the two peers, message by message."""

    reached: str                  # e.g. "MM2" (last message delivered), "" = none
    outcome: str                  # "established" | "failed" | "not attempted" | "running"
    lines: list[str]              # one per message kind: "MM1 RT1 -> RT2: 6 sent, 6 received"
    states: dict[str, str] = field(default_factory=dict)   # device -> last state seen

    def as_json(self) -> dict[str, Any]:
        return {"reached": self.reached, "outcome": self.outcome, "messages": self.lines,
                "states": self.states}


@dataclass(slots=True)
class PairReport:
    a: str
    b: str                        # a device name, or the address nobody owns
    a_address: str
    b_address: str
    status: str                   # "healthy" | "failed" | "degraded" | "idle"
    main_mode: Progress
    quick_mode: Progress
    pings: list[str]
    cause: Cause | None = None
    fix: Attempt | None = None
    tried: list[Attempt] = field(default_factory=list)
    searched: bool = False

    @property
    def name(self) -> str:
        return f"{self.a} <-> {self.b}"

    def as_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "a_address": self.a_address,
                "b_address": self.b_address, "status": self.status,
                "main_mode": self.main_mode.as_json(), "quick_mode": self.quick_mode.as_json(),
                "pings": self.pings, "cause": self.cause.as_json() if self.cause else None,
                "fix": self.fix.as_json() if self.fix else None, "searched": self.searched,
                "tried": [t.as_json() for t in self.tried]}


@dataclass(slots=True)
class Explanation:
    scenario: str
    pairs: list[PairReport]
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "pairs": [p.as_json() for p in self.pairs],
                "notes": self.notes}
