"""NAT traversal for IKEv1 main mode (RFC 3947) as a phase-1 task, and NAT-keepalives (RFC 3948
§2.3, `crypto isakmp nat keepalive N`).

    message  NatTraversalTask
    MM1/MM2  NAT-T support: the NAT-T VID the responder chose (``vendor.natt_choice``); RFC 3947
             uses the RFC values (NAT-D 20, encapsulation 3/4), the drafts 130 and 61443/61444
             (libreswan ``nat_traversal.h``: NAT_T_WITH_RFC_VALUES is RFC 3947 only)
    MM3/MM4  NAT-D payloads, HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash: the first
             for the receiver's address as the sender sees it, the second for the sender's own
             (RFC 3947 §3.2); NAT detection; an initiator that found a NAT floats to 4500
    MM5      the responder floats to the port MM5 came from, once MM5 is authenticated
    MM6      the initiator records the UDP-encapsulating peer

IOS's NAT-D lines (traces 04 and 05, and the SITE-A initiator half of the 05 lab, published with
it) follow one rule: each received NAT-D is compared with the hash of this node's address and
port ("my hash") and with the peer's address and port as this node sees them ("his hash"); after
each, IOS prints what the matches so far say — no match at all "NAT found, both nodes inside
NAT", only his "My hash no match -  this node inside NAT", only mine "His hash no match - this
node outside NAT", both "No NAT Found for self or peer". 04 (no NAT) prints "His hash no match"
then "No NAT Found"; 05's responder "His hash no match" twice; its initiator (behind PAT) "NAT
found, both nodes inside NAT" then "My hash no match".
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ikesim.crypto import hash_
from ikesim.ike import ios_detail
from ikesim.ike.context import Context, Reject
from ikesim.ike.messages import IKE_PORT
from ikesim.ike.sa import IsakmpSa
from ikesim.ike.vendor import natt_choice
from ikesim.ipsec.udp_encap import KEEPALIVE, NATT_PORT, encapsulation_mode
from ikesim.isakmp import Header, NatDDraftPayload, NatDPayload, Payload

NAT_KEEPALIVE = "nat-keepalive"        # timer kind: (NAT_KEEPALIVE, ISAKMP SA serial)
RESULTS = ("both_inside", "my_no_match", "his_no_match", "no_nat")


@dataclass(slots=True)
class NatTraversal:
    """What an ISAKMP SA knows about NAT traversal."""

    rfc: bool                        # RFC 3947 values (else the drafts')
    my_match: bool = False           # a NAT-D matched this node's own address and port
    his_match: bool = False          # a NAT-D matched the peer's address and port as seen here
    detected: bool = False           # NAT-D payloads were processed
    floated: bool = False            # IKE moved to port 4500
    activity: float = 0.0            # last datagram to or from the peer on this SA (keepalives)

    @property
    def behind_nat(self) -> bool:
        """This node is behind a NAT (its address was translated)."""
        return self.detected and not self.my_match

    @property
    def nat_found(self) -> bool:
        return self.detected and not (self.my_match and self.his_match)


def natd_hash(sa: IsakmpSa, address: int, port: int) -> bytes:
    """RFC 3947 §3.2: HASH(CKY-I | CKY-R | IP | Port), the negotiated hash (not the prf)."""
    return hash_(sa.hash_name, sa.icookie + sa.rcookie
                 + ipaddress.IPv4Address(address).packed + port.to_bytes(2, "big"))


def in_use(sa: IsakmpSa) -> bool:
    """IKE and ESP with this peer travel in UDP 4500 (NAT-T negotiated, NAT found, floated)."""
    natt = sa.natt
    return isinstance(natt, NatTraversal) and natt.floated


def id_port(sa: IsakmpSa) -> int:
    """The port of this node's phase-1 ID payload (MM5/MM6). RFC 2407 §4.6.2 allows only 0 or
    UDP 500 there; once IKE floated to 4500 IOS sends 0 (trace 05: both routers' IDs after
    floating, "protocol : 17 / port : 0"), else 500 (trace 04, no NAT, NAT-T negotiated)."""
    return 0 if in_use(sa) else IKE_PORT


def encaps_for(sa: IsakmpSa, mode: str) -> int | None:
    """The UDP encapsulation mode quick mode offers under ``sa`` (None: the plain mode)."""
    if not in_use(sa):
        return None
    return encapsulation_mode(mode, sa.natt.rfc)


def _result(natt: NatTraversal) -> str:
    if not natt.my_match and not natt.his_match:
        return "both_inside"
    if not natt.my_match:
        return "my_no_match"
    if not natt.his_match:
        return "his_no_match"
    return "no_nat"


class NatTraversalTask:
    """NAT-T support, NAT detection and port floating (module docstring)."""

    BUILDS = frozenset({"MM3", "MM4"})       # the NAT-D payloads (main_mode._acting)

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message in ("MM1", "MM2"):
            self._negotiate(ctx, sa)
        elif message in ("MM3", "MM4"):
            self._detect(ctx, sa, payloads)
            if message == "MM4" and sa.natt is not None and sa.natt.nat_found:
                # RFC 3947 §4: the initiator changes to port 4500 from MM5 on
                sa.local_port = sa.peer_port = NATT_PORT
                sa.natt.floated = True
        elif message == "MM5":
            self._responder_float(ctx, sa)
        elif message == "MM6" and in_use(sa):
            # SITE-A (the initiator of the 05 lab) after MM6: "Setting UDP ENC peer struct"
            ctx.detail(sa, "udp_enc_peer", handle=ios_detail.peer_handle(sa),
                       sa_handle=sa.handle)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        natt = sa.natt
        if message not in ("MM3", "MM4") or not isinstance(natt, NatTraversal):
            return []
        cls = NatDPayload if natt.rfc else NatDDraftPayload
        # RFC 3947 §3.2: first the remote end's address and port, then our own
        return [cls(natd_hash(sa, sa.peer, sa.peer_port)),
                cls(natd_hash(sa, sa.local, sa.local_port))]

    @staticmethod
    def _negotiate(ctx: Context, sa: IsakmpSa) -> None:
        if not ctx.crypto.nat_transparency or not ctx.profile.vendor_ids:
            return
        chosen = natt_choice(ctx.profile.vendor_ids, sa.vendors, responder=sa.role == "R")
        if chosen is not None:
            sa.natt = NatTraversal(rfc=chosen == "nat-t-rfc3947")

    @staticmethod
    def _detect(ctx: Context, sa: IsakmpSa, payloads: list[Payload]) -> None:
        natds = [p for p in payloads if isinstance(p, NatDPayload)]
        natt = sa.natt
        if not natds or not isinstance(natt, NatTraversal):
            return          # RFC 3947 §3.2: NAT-D only after both sent the VID; else ignored
        size = len(natd_hash(sa, sa.local, sa.local_port))
        for p in natds:
            if isinstance(p, NatDDraftPayload) == natt.rfc:
                raise Reject("bad_message", peer=sa.peer,
                             reason=f"NAT-D payload type {130 if natt.rfc else 20} after the "
                             f"{'RFC 3947' if natt.rfc else 'draft'} NAT-T VID")
            if len(p.data) != size:
                raise Reject("bad_message", peer=sa.peer,
                             reason=f"NAT-D payload of {len(p.data)} octets, "
                             f"{sa.hash_name} gives {size}")
        mine = natd_hash(sa, sa.local, sa.local_port)
        his = natd_hash(sa, sa.peer, sa.peer_port)
        natt.detected = True
        for p in natds:
            if p.data == mine:
                natt.my_match = True
            elif p.data == his:
                natt.his_match = True
            ctx.emit(sa, "nat_detect", payload_type=130 if not natt.rfc else 20,
                     result=_result(natt))

    @staticmethod
    def _responder_float(ctx: Context, sa: IsakmpSa) -> None:
        rx, natt = ctx.rx, sa.natt
        if rx is None or not isinstance(natt, NatTraversal) or rx.dport != NATT_PORT:
            return
        # RFC 3947 §4: the responder answers on the port the (authenticated) MM5 came from
        sa.local_port, sa.peer_port, natt.floated = NATT_PORT, rx.sport, True
        ctx.emit(sa, "port_floated", port=rx.sport)


# ---------------------------------------------------------------------- NAT-keepalives
def established(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """Phase 1 is up: a node behind a NAT keeps the NAT's mapping alive with keepalives every
    `crypto isakmp nat keepalive N` seconds of silence (RFC 3948 §2.3, §4)."""
    natt = sa.natt
    interval = ctx.crypto.nat_keepalive
    if interval and in_use(sa) and natt.behind_nat:
        natt.activity = now
        ctx.arm(sa, NAT_KEEPALIVE, now + interval)


def heard(sa: IsakmpSa, now: float) -> None:
    """A datagram to or from the peer used the NAT mapping (IKE or UDP-encapsulated ESP)."""
    if isinstance(sa.natt, NatTraversal):
        sa.natt.activity = now


def keepalive_timer(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """Cisco "IPsec NAT Transparency": a keepalive is sent only when nothing else was sent or
    received within the interval; the 1-octet 0xFF payload goes to the peer's NAT-T port."""
    interval = ctx.crypto.nat_keepalive
    natt = sa.natt
    if sa.deleted or not interval or not isinstance(natt, NatTraversal):
        return
    due = natt.activity + interval
    if now + 1e-9 >= due:
        ctx.send_raw(sa, KEEPALIVE)
        ctx.emit(sa, "nat_keepalive", peer=sa.peer, sport=sa.local_port, dport=sa.peer_port)
        natt.activity, due = now, now + interval
    ctx.arm(sa, NAT_KEEPALIVE, due)
