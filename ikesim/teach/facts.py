"""Facts of one run for a teaching page, all derived from the simulation's event record.

The message ladder pairs every ISAKMP datagram a router sent (IKE ``tx`` event) with what became
of it: received by the peer (``rx``), dropped on the way (a ``drop`` record of a UDP 500
datagram, with the device and the reason), or still unanswered at the end of the run.
Main-mode messages are numbered from the sender's role and state (RFC 2409 section 5; IOS prints
the state with every packet line): the initiator sends MM1/MM3/MM5 from MM_NO_STATE/MM_SA_SETUP/
MM_KEY_EXCH, the responder MM2/MM4/MM6 in order (a retransmission repeats the last one).
Aggressive mode (section 5.4) is AM1/AM3 from the initiator, AM2 from the responder.
Quick mode (RFC 2409 section 5.5) is numbered per message ID: the initiator's first message is
QM1, its second QM3; the responder's is QM2. A notification (informational exchange) is shown
by its type: INFO NO_PROPOSAL_CHOSEN.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario

EXCH_MAIN, EXCH_INFO, EXCH_QUICK, EXCH_AGGR = 2, 5, 32, 4
INITIATOR_MM = {"MM_NO_STATE": "MM1", "MM_SA_SETUP": "MM3", "MM_KEY_EXCH": "MM5"}
RESPONDER_MM = ("MM2", "MM4", "MM6")
# Aggressive mode (RFC 2409 §5.4): the initiator sends AM1 waiting in AG_INIT_EXCH and AM3 from
# AG_AUTH; the responder's one message is AM2.
INITIATOR_AM = {"AG_NO_STATE": "AM1", "AG_INIT_EXCH": "AM1", "AG_AUTH": "AM3"}
# What happened on receipt: IKE event kinds (ikesim/ike/events.py) worth a note on the ladder.
RECEIPT_NOTES = {
    "duplicate": "duplicate of a previous packet",
    "bad_message": "cannot decrypt/verify: IKMP_BAD_MESSAGE",
    "policy_not_acceptable": "phase 1 SA policy not acceptable",
    "no_psk": "no pre-shared key for the peer",
    "auth_failed": "peer's HASH does not verify",
    "malformed": "malformed message",
    "phase1_complete": "phase 1 complete (QM_IDLE)",
    "unknown_sa": "no SA for this packet",
    "notify_rx": "notification received (unauthenticated: ignored)",
    # quick mode
    "proxy_mismatch": "proxy identities not supported",
    "qm_sa_not_acceptable": "SA not acceptable: IKMP_MODE_FAILURE",
    "qm_duplicate": "duplicate of a previous quick-mode packet",
    "qm_complete": "IPsec SAs created (phase 2 complete)",
}
# Why the responder refused an ESP proposal (``ipsec_atts_not_acceptable`` reason).
PROPOSAL_NOTES = {"transform": "transform set not acceptable", "pfs": "PFS group not acceptable",
                  "no_map": "no crypto map entry for the peer"}
P2_REASONS = ("no-proposal-chosen", "invalid-id", "death-by-retransmission", "not-attempted",
              "incomplete")
REASONS = ("no-psk", "no-proposal-chosen", "auth-failed", "bad-message",
           "death-by-retransmission", "not-attempted", "incomplete")


@dataclass(slots=True)
class Message:
    """One ISAKMP datagram as the ladder shows it."""

    time: float
    sender: str                   # device name
    receiver: str                 # device name, or the address when no device owns it
    label: str                    # MM1 … MM6, INFO(NO_PROPOSAL_CHOSEN), QM1 …
    retransmission: bool
    fate: str = "unanswered"      # "delivered" | "dropped" | "unanswered"
    fate_time: float | None = None
    drop_device: str = ""
    drop_reason: str = ""
    notes: list[str] = field(default_factory=list)    # what the receiver made of it


@dataclass(slots=True)
class Happening:
    """A non-message line of the ladder: a link change, an SA deletion, a missing key …"""

    time: float
    device: str
    text: str


@dataclass(slots=True)
class Phase2:
    """Quick mode between two routers and what the tunnel carried."""

    outcome: str                  # "established" | "failed"
    reason: str                   # one of P2_REASONS, "" when established
    completed: dict[str, float]   # device -> time of its first qm_complete
    esp_sent: dict[str, int]      # device -> ESP packets it encapsulated
    esp_received: dict[str, int]  # device -> ESP packets it decapsulated

    @property
    def esp_lost(self) -> int:
        return sum(self.esp_sent.values()) - sum(self.esp_received.values())


@dataclass(slots=True)
class Phase1:
    outcome: str                  # "established" | "failed"
    reason: str                   # one of REASONS, "" when established
    completed: dict[str, float]   # device -> time of phase1_complete


def addresses(scenario: Scenario) -> dict[str, str]:
    """Interface address -> device name, from the scenario's configurations."""
    owners: dict[str, str] = {}
    for spec in scenario.devices.values():
        for iface in spec.config.interfaces.values():
            if iface.address is not None:
                owners[str(iface.address.ip)] = spec.name
    return owners


def _ip(value: Any) -> str:
    return str(ipaddress.IPv4Address(value)) if isinstance(value, int) else str(value)


def _ike(e: SimEvent) -> str:
    return str(e.fields.get("event", "")) if e.kind == "ike" else ""


def _is_isakmp_drop(e: SimEvent) -> bool:
    summary = str(e.fields.get("summary", ""))
    return e.kind == "drop" and e.fields.get("protocol") == 17 and ":500 >" in summary


def ladder(scenario: Scenario, events: list[SimEvent],
           exchanges: tuple[int, ...] = (EXCH_MAIN, EXCH_AGGR, EXCH_INFO)) -> list[Message]:
    """Every ISAKMP datagram of the given exchange types, in sending order, with its fate."""
    owner = addresses(scenario)
    pending: dict[tuple[str, str], deque[Message]] = defaultdict(deque)
    responder_count: dict[tuple[str, Any], int] = defaultdict(int)
    qm_count: dict[tuple[str, Any], int] = defaultdict(int)
    last_label: dict[tuple[str, Any], str] = {}
    out: list[Message] = []
    receipt: dict[str, Message] = {}          # device -> message it is processing now
    for e in events:
        kind = _ike(e)
        if kind == "notify_tx":
            # An informational exchange has no "tx" event of its own: the notify is the send.
            peer = _ip(e.fields.get("peer"))
            receiver = owner.get(peer, peer)
            msg = Message(e.time, e.device, receiver, f"INFO {e.fields.get('notify_type')}",
                          False)
            pending[(e.device, receiver)].append(msg)
            if EXCH_INFO in exchanges:
                out.append(msg)
        elif kind == "tx" and int(e.fields.get("exchange", 0)) != EXCH_INFO:
            f = e.fields
            exchange = int(f.get("exchange", 0))
            receiver = owner.get(_ip(f.get("peer")), _ip(f.get("peer")))
            key = (e.device, f.get("sa"))
            retx = bool(f.get("retransmission"))
            if exchange == EXCH_MAIN and f.get("role") == "I":
                label = INITIATOR_MM.get(str(f.get("state")), "MM?")
            elif exchange == EXCH_MAIN:
                if not retx:
                    responder_count[key] += 1
                label = RESPONDER_MM[min(max(responder_count[key], 1), 3) - 1]
            elif exchange == EXCH_AGGR:
                label = INITIATOR_AM.get(str(f.get("state")), "AM?") if f.get("role") == "I" \
                    else "AM2"
            elif exchange == EXCH_QUICK:
                mkey = (e.device, f.get("message_id"))
                if not retx:
                    qm_count[mkey] += 1
                first = "QM1" if f.get("role") == "I" else "QM2"
                label = first if qm_count[mkey] <= 1 else "QM3"
            else:
                label = f"exchange {exchange}"
            if retx and key in last_label and exchange == EXCH_MAIN:
                label = last_label[key]
            last_label[key] = label
            msg = Message(e.time, e.device, receiver, label, retx)
            pending[(e.device, receiver)].append(msg)
            if exchange in exchanges:
                out.append(msg)
        elif kind == "rx":
            sender = owner.get(_ip(e.fields.get("peer")), _ip(e.fields.get("peer")))
            queue = pending.get((sender, e.device))
            if queue:
                msg = queue.popleft()
                msg.fate, msg.fate_time = "delivered", e.time
                receipt[e.device] = msg
        elif _is_isakmp_drop(e):
            sender = owner.get(_ip(e.fields.get("src")), _ip(e.fields.get("src")))
            dst = _ip(e.fields.get("dst"))
            queue = pending.get((sender, owner.get(dst, dst)))
            if queue:
                msg = queue.popleft()
                msg.fate, msg.fate_time = "dropped", e.time
                msg.drop_device, msg.drop_reason = e.device, str(e.fields.get("reason"))
        elif e.device in receipt and (note := _receipt_note(e, kind)):
            msg = receipt[e.device]
            if (msg.fate_time is not None and abs(e.time - msg.fate_time) < 1e-9
                    and note not in msg.notes):
                msg.notes.append(note)
    return out


def _receipt_note(e: SimEvent, kind: str) -> str:
    """What the receiver made of a message, from one of its IKE events ("" = nothing to say)."""
    if kind == "notify_rx" and int(e.fields.get("protocol") or 1) != 1:
        # A phase-2 notification travels under the phase-1 SA (protected by its HASH).
        return f"{e.fields.get('notify_type')} for protocol {e.fields.get('protocol')} (ESP)"
    if kind == "ipsec_atts_not_acceptable":
        return PROPOSAL_NOTES.get(str(e.fields.get("reason")), "proposal not acceptable")
    return RECEIPT_NOTES.get(kind, "")


def happenings(events: list[SimEvent]) -> list[Happening]:
    """Link changes, SA deletions and missing keys: the notes between ladder arrows."""
    out: list[Happening] = []
    for e in events:
        kind = _ike(e)
        if e.kind == "link":
            state = "up" if e.fields.get("up") else "down"
            out.append(Happening(e.time, "", f"link {e.fields.get('name', '')} {state}".strip()))
        elif kind == "delete":
            out.append(Happening(e.time, e.device,
                                 f"{e.device} deletes its SA: {e.fields.get('reason')} "
                                 f"({e.fields.get('state')})"))
        elif kind == "no_psk":
            out.append(Happening(e.time, e.device,
                                 f"{e.device}: No pre-shared key with {e.fields.get('peer')}!"))
    return out


def phase1(scenario: Scenario, events: list[SimEvent], a: str, b: str) -> Phase1:
    """Phase-1 outcome between routers ``a`` and ``b`` (the order of checks of
    docs/expectations.md: the first reason that applies wins)."""
    owner = addresses(scenario)
    sides = {a: [], b: []}
    for e in events:
        if e.kind != "ike" or e.device not in sides:
            continue
        other = b if e.device == a else a
        peer = e.fields.get("peer")
        if peer is None or owner.get(_ip(peer)) == other:
            sides[e.device].append(e)
    completed = {n: next(e.time for e in evs if _ike(e) == "phase1_complete")
                 for n, evs in sides.items() if any(_ike(e) == "phase1_complete" for e in evs)}
    if len(completed) == 2:
        return Phase1("established", "", completed)
    every = [e for evs in sides.values() for e in evs]
    kinds = {_ike(e) for e in every}
    notified = any(_ike(e) in ("notify_tx", "notify_rx")
                   and e.fields.get("notify_type") == "NO_PROPOSAL_CHOSEN" for e in every)
    died = any(_ike(e) == "delete" and "retransmission" in str(e.fields.get("reason", ""))
               for e in every)
    if "no_psk" in kinds:
        reason = "no-psk"
    elif "policy_not_acceptable" in kinds or notified:
        reason = "no-proposal-chosen"
    elif "auth_failed" in kinds:
        reason = "auth-failed"
    elif kinds & {"bad_message", "malformed"}:
        reason = "bad-message"
    elif died:
        reason = "death-by-retransmission"
    elif "sa_created" not in kinds:
        reason = "not-attempted"
    else:
        reason = "incomplete"
    return Phase1("failed", reason, completed)


def phase2(scenario: Scenario, events: list[SimEvent], a: str, b: str) -> Phase2:
    """Quick-mode outcome between routers ``a`` and ``b``: ``established`` when both completed
    quick mode with each other; otherwise the first reason that applies: the responder refused
    the proposal (NO_PROPOSAL_CHOSEN) or the proxy identities (INVALID_ID_INFORMATION), the
    exchange died by retransmission, never started, or was still running at the end."""
    owner = addresses(scenario)
    sides: dict[str, list[SimEvent]] = {a: [], b: []}
    sent = {a: 0, b: 0}
    received = {a: 0, b: 0}
    for e in events:
        if e.device not in sides:
            continue
        other = b if e.device == a else a
        if e.kind == "esp" and owner.get(_ip(e.fields.get("peer"))) == other:
            n = int(e.fields.get("count", 1))     # ikesim/explain/keep.py's stand-ins
            if e.fields.get("direction") == "out":
                sent[e.device] += n
            else:
                received[e.device] += n
        elif e.kind == "ike":
            peer = e.fields.get("peer")
            if peer is None or owner.get(_ip(peer)) == other:
                sides[e.device].append(e)
    completed = {n: next(e.time for e in evs if _ike(e) == "qm_complete")
                 for n, evs in sides.items() if any(_ike(e) == "qm_complete" for e in evs)}
    if len(completed) == 2:
        return Phase2("established", "", completed, sent, received)
    every = [e for evs in sides.values() for e in evs]
    refusals = {str(e.fields.get("notify_type")) for e in every
                if _ike(e) == "qm_sa_not_acceptable"
                or (_ike(e) in ("notify_tx", "notify_rx")
                    and int(e.fields.get("protocol") or 1) != 1)}
    kinds = {_ike(e) for e in every}
    if "NO_PROPOSAL_CHOSEN" in refusals:
        reason = "no-proposal-chosen"
    elif "INVALID_ID_INFORMATION" in refusals or "proxy_mismatch" in kinds:
        reason = "invalid-id"
    elif "qm_delete" in kinds:
        reason = "death-by-retransmission"
    elif "qm_begin" not in kinds:
        reason = "not-attempted"
    else:
        reason = "incomplete"
    return Phase2("failed", reason, completed, sent, received)


def data_drops(events: list[SimEvent]) -> list[SimEvent]:
    """Drops of the tunnel's traffic: ESP packets (any reason) and clear-text packets a crypto
    map could not protect (no IPsec SA yet)."""
    return [e for e in events if e.kind == "drop" and (
        e.fields.get("protocol") == 50 or e.fields.get("reason") == "crypto-no-ipsec-sa")]


def console_lines(events: list[SimEvent], device: str) -> list[tuple[float, str]]:
    """What ``device``'s console printed: asynchronous (debug, syslog) lines and command blocks
    (prompt + command, then the output), each with the time it appeared."""
    out: list[tuple[float, str]] = []
    for e in events:
        if e.kind != "console" or e.device != device:
            continue
        if "command" in e.fields:
            out.append((e.time, f"{device}#{e.fields['command']}"))
            out += [(e.time, str(s)) for s in e.fields.get("output", [])]
        else:
            out += [(e.time, str(s)) for s in e.fields.get("lines", [])]
    return out


def show_blocks(events: list[SimEvent], device: str,
                command_word: str = "isakmp sa") -> list[tuple[float, list[str]]]:
    """The ``show crypto isakmp sa`` outputs of ``device``: (time, lines with the prompt)."""
    out = []
    for e in events:
        if (e.kind == "console" and e.device == device and "command" in e.fields
                and command_word in str(e.fields["command"])):
            lines = [f"{device}#{e.fields['command']}"] + [str(s) for s in e.fields["output"]]
            while lines and not lines[-1].strip():
                lines.pop()
            out.append((e.time, lines))
    return out


def udp500_drops(events: list[SimEvent]) -> list[SimEvent]:
    return [e for e in events if _is_isakmp_drop(e)]
