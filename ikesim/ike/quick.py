"""Quick mode (RFC 2409 §5.5): IPsec SA negotiation under an established ISAKMP SA.

    Initiator                         Responder
    HDR*, HASH(1), SA, Ni [,KE] [,IDci, IDcr]  -->
                      <--  HDR*, HASH(2), SA, Nr [,KE] [,IDci, IDcr]
    HDR*, HASH(3)                              -->

HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr]) over the payloads following the
HASH payload (generic headers included, padding excluded); HASH(2) = prf(SKEYID_a, M-ID | Ni_b |
SA | Nr …); HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). Every message is encrypted under the
phase-1 key; the first IV is H(last phase-1 CBC block | M-ID), later ones chain from the previous
message's last ciphertext block (RFC 2409 App. B). KEYMAT = K1 | K2 …, K1 = prf(SKEYID_d,
[g(qm)^xy |] protocol | SPI | Ni_b | Nr_b), K(n+1) = prf(SKEYID_d, Kn | [g(qm)^xy |] protocol |
SPI | Ni_b | Nr_b); the encryption key is taken first, then the HMAC key.

IOS behaviour reproduced: a transform set is one proposal (numbered 1, 2 … in `set transform-set`
order); proxy identities are ID_IPV4_ADDR_SUBNET (ID_IPV4_ADDR for a host) from the crypto ACL
entry the traffic matched; the responder accepts an offer whose proxies lie inside a mirrored
ACL entry of a map entry for that peer (else INVALID_ID_INFORMATION, "proxy identities not
supported"), a transform equal to one of that entry's sets and, when it has `set pfs`, the same
DH group (else NO_PROPOSAL_CHOSEN). A responder without `set pfs` accepts an offered group.

This module is a mixin of :class:`ikesim.ike.engine.IsakmpEngine` (same sans-I/O contract).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ikesim.crypto import CIPHERS, CryptoError, DiffieHellman, phase2_iv, prf
from ikesim.crypto import private_value_from_bytes as _private
from ikesim.ike import protect
from ikesim.ike.protect import ProtectionError
from ikesim.ike.sa import QM_IDLE, IsakmpSa, Output
from ikesim.ipsec.sa import IpsecSa, IpsecSaPair, Proxy
from ikesim.ipsec.transforms import ENCAPS_TRANSPORT, ENCAPS_TUNNEL, ESP_AES, EspTransform
from ikesim.ipsec.transforms import from_wire as transform_from_wire
from ikesim.isakmp import (
    Attribute,
    HashPayload,
    Header,
    IdPayload,
    KePayload,
    NoncePayload,
    NotificationPayload,
    NotifyType,
    Payload,
    Proposal,
    SaPayload,
    Transform,
    encode_payloads,
)

if TYPE_CHECKING:
    from ikesim.ike.engine import IsakmpEngine

IPSEC_LIFETIME = "ipsec-lifetime"   # timer key kind: (IPSEC_LIFETIME, inbound SPI)
EXCHANGE_QUICK = 32            # RFC 2408 §4.1 / RFC 2409 §5.5
PROTO_ESP = 3                  # RFC 2407 §4.4.1 (the KEYMAT "protocol" octet)
ID_IPV4_ADDR, ID_IPV4_ADDR_SUBNET = 1, 4
NONCE_LEN = 20
DH_PRIVATE_LEN = 32
# RFC 2407 §4.5 attribute classes.
A_LIFE_TYPE, A_LIFE_DURATION, A_GROUP, A_ENCAPS, A_AUTH, A_KEY_LENGTH = 1, 2, 3, 4, 5, 6
LIFE_SECONDS, LIFE_KB = 1, 2
REASON_QM_RETRANS = "death by retransmission P2"
REASON_QM_REFUSED = "Informational (in) state 1"   # IOS: the peer's notify ended the exchange
# 15.x quick-mode FSM states.
QM_READY, QM_I_QM1, QM_R_QM1, QM_SPI_STARVE, QM_R_QM2, QM_COMPLETE = (
    "IKE_QM_READY", "IKE_QM_I_QM1", "IKE_QM_R_QM1", "IKE_QM_SPI_STARVE", "IKE_QM_R_QM2",
    "IKE_QM_PHASE2_COMPLETE")


@dataclass(frozen=True, slots=True)
class Phase2Policy:
    """One `crypto map NAME SEQ ipsec-isakmp` entry as quick mode needs it (built by ios/)."""

    map_name: str
    sequence: int
    peer: int
    transforms: tuple[tuple[str, EspTransform], ...]     # (transform-set name, transform)
    proxies: tuple[Proxy, ...]                           # permit entries of `match address`
    pfs_group: int | None = None
    lifetime_seconds: int = 3600
    lifetime_kb: int = 4608000
    interface: str = ""


@dataclass(eq=False)
class QmExchange:
    message_id: int
    role: str                         # "I" | "R"
    isakmp: IsakmpSa
    proxy: Proxy                      # from this router's point of view
    policy: Phase2Policy | None
    iv: bytes
    state: str = QM_READY
    ni: bytes = b""
    nr: bytes = b""
    dh: Any = None
    gxy: bytes = b""
    group: int | None = None
    my_spi: int = 0
    peer_spi: int = 0
    offered: list[tuple[int, EspTransform]] = field(default_factory=list)
    chosen: EspTransform | None = None
    last_sent: bytes | None = None
    last_received: bytes | None = None
    resends: int = 0


def keymat(hash_name: str, skeyid_d: bytes, protocol: int, spi: int, ni: bytes, nr: bytes,
           length: int, gxy: bytes = b"") -> bytes:
    """KEYMAT for one direction's SA (RFC 2409 §5.5), ``length`` octets."""
    seed = gxy + bytes([protocol]) + spi.to_bytes(4, "big") + ni + nr
    out, k = b"", b""
    while len(out) < length:
        k = prf(hash_name, skeyid_d, k + seed)
        out += k
    return out[:length]


def signed_mid(message_id: int) -> int:
    """IOS 12.2 prints message IDs as signed 32-bit integers ("M-ID of -1138192342")."""
    return message_id - (1 << 32) if message_id & 0x80000000 else message_id


# --------------------------------------------------------------------------- wire helpers
def _transform_attrs(t: EspTransform, policy: Phase2Policy) -> list[Attribute]:
    """IOS attribute order: encaps, life (seconds, kilobytes), authenticator, key length,
    group (RFC 2407 §4.5)."""
    attrs = [
        Attribute(A_ENCAPS, ENCAPS_TRANSPORT if t.mode == "transport" else ENCAPS_TUNNEL, tv=True),
        Attribute(A_LIFE_TYPE, LIFE_SECONDS, tv=True),
        Attribute(A_LIFE_DURATION, policy.lifetime_seconds),
        Attribute(A_LIFE_TYPE, LIFE_KB, tv=True),
        Attribute(A_LIFE_DURATION, policy.lifetime_kb.to_bytes(4, "big"), tv=False),
        Attribute(A_AUTH, t.auth.auth_id, tv=True),
    ]
    if t.cipher.key_bits is not None:
        attrs.append(Attribute(A_KEY_LENGTH, t.cipher.key_bits, tv=True))
    if policy.pfs_group is not None:
        attrs.append(Attribute(A_GROUP, policy.pfs_group, tv=True))
    return attrs


@dataclass(slots=True)
class _Offer:
    transform: EspTransform | None
    group: int | None
    life_seconds: int | None
    life_kb: int | None
    display: list[list[Any]]


_ATTR_DISPLAY = {A_ENCAPS: "encaps", A_AUTH: "authenticator", A_KEY_LENGTH: "key_length",
                 A_GROUP: "group"}
_AUTH_NAMES = {1: "HMAC-MD5", 2: "HMAC-SHA", 5: "HMAC-SHA256"}


def _parse_offer(t: Transform) -> _Offer:
    vals: dict[int, int] = {}
    life_type, secs, kb = LIFE_SECONDS, None, None
    display: list[list[Any]] = []
    for a in t.attributes:
        kind = int(a.type)
        v = int(a.int_value)
        if kind == A_LIFE_TYPE:
            life_type = v
            display.append(["life_type", "seconds" if v == LIFE_SECONDS else "kilobytes"])
        elif kind == A_LIFE_DURATION:
            if life_type == LIFE_SECONDS:
                secs = v
            else:
                kb = v
            display.append(["life_duration", bytes(a.value) if isinstance(a.value, bytes)
                            else v])
        else:
            vals.setdefault(kind, v)
            shown: Any = _AUTH_NAMES.get(v, v) if kind == A_AUTH else v
            display.append([_ATTR_DISPLAY.get(kind, f"attr_{kind}"), shown])
    key_bits = vals.get(A_KEY_LENGTH) if int(t.transform_id) == ESP_AES else None
    transform = transform_from_wire(int(t.transform_id), key_bits, vals.get(A_AUTH),
                                    vals.get(A_ENCAPS))
    return _Offer(transform, vals.get(A_GROUP), secs, kb, display)


def _id_payload(net: int, mask: int, protocol: int, port: int) -> IdPayload:
    if mask == 0xFFFFFFFF:
        return IdPayload(ID_IPV4_ADDR, protocol, port, net.to_bytes(4, "big"))
    return IdPayload(ID_IPV4_ADDR_SUBNET, protocol, port,
                     net.to_bytes(4, "big") + mask.to_bytes(4, "big"))


def _id_value(p: IdPayload) -> tuple[int, int] | None:
    if int(p.id_type) == ID_IPV4_ADDR and len(p.data) == 4:
        return int.from_bytes(p.data, "big"), 0xFFFFFFFF
    if int(p.id_type) == ID_IPV4_ADDR_SUBNET and len(p.data) == 8:
        return int.from_bytes(p.data[:4], "big"), int.from_bytes(p.data[4:], "big")
    return None


def _chain_end(plain: bytes) -> int:
    """Length of the payload chain at the start of ``plain`` (the rest is encryption padding)."""
    pos = 0
    while pos + 4 <= len(plain):
        nxt, length = plain[pos], int.from_bytes(plain[pos + 2:pos + 4], "big")
        pos += max(length, 4)
        if nxt == 0:
            break
    return min(pos, len(plain))


class _QmReject(Exception):
    def __init__(self, kind: str | None, **fields: Any) -> None:
        super().__init__(kind)
        self.kind, self.fields = kind, fields


class QuickModeMixin:
    """Quick-mode part of the engine (``self`` is an :class:`IsakmpEngine`)."""

    # ----------------------------------------------------------------------- public API
    def set_phase2_policies(self: IsakmpEngine, policies: list[Phase2Policy]) -> None:
        """Crypto map entries (with their ACL proxies) the responder checks offers against."""
        self.phase2_policies = list(policies)

    def request_ipsec(self: IsakmpEngine, now: float, local: int, policy: Phase2Policy,
                      proxy: Proxy) -> Output:
        """Interesting traffic needs an IPsec SA to ``policy.peer`` for ``proxy`` (IOS
        sa_request): start quick mode if phase 1 is up, else keep the request and start
        (or wait for) main mode; nothing when an SA or a negotiation for it exists."""
        out = Output()
        peer = policy.peer
        if self.ipsec_pair(peer, proxy) is not None:
            return out
        if any(x.isakmp.peer == peer and x.proxy == proxy and x.role == "I"
               for x in self._qm.values()):
            return out
        pending = self._pending.setdefault(peer, [])
        if (policy, proxy) in pending:
            return out                     # already waiting for phase 1
        self._emit(out, None, "ipsec_sa_request", local=local, peer=peer,
                   **self._proxy_fields(proxy), transform=policy.transforms[0][1].ios_text
                   if policy.transforms else "", lifetime_seconds=policy.lifetime_seconds,
                   lifetime_kb=policy.lifetime_kb)
        sa = self.established_sa(peer)
        if sa is not None:
            self._qm_start(out, now, sa, policy, proxy)
            return out
        pending.append((policy, proxy))
        if self.phase1_status(peer) == "none":
            started = self.initiate(now, local, peer)
            out.sends += started.sends
            out.events += started.events
            out.timers.update(started.timers)
            out.cancels |= started.cancels
        return out

    def ipsec_pair(self: IsakmpEngine, peer: int, proxy: Proxy) -> IpsecSaPair | None:
        for pair in reversed(self._ipsec):
            if not pair.deleted and pair.peer == peer and pair.proxy == proxy:
                return pair
        return None

    def ipsec_pairs(self: IsakmpEngine) -> list[IpsecSaPair]:
        return [p for p in self._ipsec if not p.deleted]

    def ipsec_traffic(self: IsakmpEngine, now: float, pair: IpsecSaPair) -> Output:
        """Call after a packet used ``pair``: past its kilobyte lifetime the pair expires (IOS
        negotiates a new one for the next interesting packet)."""
        out = Output()
        limit = pair.outbound.lifetime_kb * 1024
        if not pair.deleted and max(pair.outbound.octets, pair.inbound.octets) >= limit:
            self._ipsec_expire(out, pair, "lifetime kilobytes")
        return out

    def _ipsec_lifetime_timer(self: IsakmpEngine, out: Output, now: float, spi: int) -> None:
        for pair in self._ipsec:
            if pair.inbound.spi == spi and not pair.deleted:
                self._ipsec_expire(out, pair, "lifetime seconds")

    def _ipsec_expire(self: IsakmpEngine, out: Output, pair: IpsecSaPair, reason: str) -> None:
        pair.deleted = True
        self._ipsec.remove(pair)
        out.cancel((IPSEC_LIFETIME, pair.inbound.spi))
        self._emit(out, self._sas.get(pair.isakmp_serial), "ipsec_sa_expired", peer=pair.peer,
                   local=pair.local, inbound_spi=pair.inbound.spi,
                   outbound_spi=pair.outbound.spi, transform=pair.outbound.transform.ios_text,
                   reason=reason)

    def outbound_sa(self: IsakmpEngine, peer: int, src: int, dst: int) -> IpsecSaPair | None:
        """The newest live SA pair to ``peer`` whose proxies cover the packet src → dst."""
        for pair in reversed(self._ipsec):
            if not pair.deleted and pair.peer == peer and pair.proxy.permits(src, dst):
                return pair
        return None

    def inbound_sa(self: IsakmpEngine, spi: int, dst: int) -> IpsecSaPair | None:
        for pair in reversed(self._ipsec):
            if not pair.deleted and pair.inbound.spi == spi and pair.local == dst:
                return pair
        return None

    # ----------------------------------------------------------------------- helpers
    @staticmethod
    def _proxy_fields(proxy: Proxy) -> dict[str, Any]:
        return {"local_net": proxy.local_net, "local_mask": proxy.local_mask,
                "remote_net": proxy.remote_net, "remote_mask": proxy.remote_mask,
                "protocol": proxy.protocol}

    def _qm_state(self: IsakmpEngine, out: Output, x: QmExchange, new: str, cause: str) -> None:
        old, x.state = x.state, new
        if self.profile.fsm_events:
            self._emit(out, x.isakmp, "qm_state_change", old=old, new=new, input=cause,
                       message_id=x.message_id)

    def _spi(self: IsakmpEngine) -> int:
        while True:
            spi = int.from_bytes(self.rng.randbytes(4), "big")
            if spi >= 256 and not any(p.inbound.spi == spi for p in self._ipsec):
                return spi    # RFC 4303 §2.1: 1-255 are reserved

    def _qm_encrypt(self, x: QmExchange, payloads: list[Payload]) -> bytes:
        data, x.iv = protect.encrypt_message(x.isakmp, EXCHANGE_QUICK, x.message_id, payloads,
                                             x.iv)
        return data

    def _qm_send(self: IsakmpEngine, out: Output, now: float, x: QmExchange, data: bytes,
                 *, retransmission: bool = False, expect_reply: bool = True) -> None:
        self._send(out, x.isakmp, data, EXCHANGE_QUICK, x.message_id, retransmission)
        x.last_sent = data
        key = f"qm:{x.message_id}"
        if expect_reply:
            self._arm(out, x.isakmp, key,
                      now + self.profile.retransmit_delay(x.resends))
        else:
            self._cancel(out, x.isakmp, key)

    def _qm_forget(self: IsakmpEngine, out: Output, x: QmExchange) -> None:
        self._cancel(out, x.isakmp, f"qm:{x.message_id}")
        self._qm.pop((x.isakmp.serial, x.message_id), None)

    def _qm_pending_start(self: IsakmpEngine, out: Output, now: float, sa: IsakmpSa) -> None:
        """Phase 1 just completed: run quick mode for the traffic that triggered it."""
        for policy, proxy in self._pending.pop(sa.peer, []):
            if self.ipsec_pair(sa.peer, proxy) is None:
                self._qm_start(out, now, sa, policy, proxy)

    def _qm_on_timer(self: IsakmpEngine, out: Output, now: float, sa: IsakmpSa,
                     message_id: int) -> None:
        x = self._qm.get((sa.serial, message_id))
        if x is None or x.last_sent is None or sa.deleted:
            return
        if x.resends >= self.profile.retransmit_limit:
            self._emit(out, sa, "qm_delete", message_id=message_id, reason=REASON_QM_RETRANS,
                       peer=sa.peer)
            self._qm_forget(out, x)
            return
        x.resends += 1
        self._emit(out, sa, "qm_retransmit", message_id=message_id, state=sa.state,
                   role=sa.role)
        self._qm_send(out, now, x, x.last_sent, retransmission=True)

    # ----------------------------------------------------------------------- initiator
    def _qm_start(self: IsakmpEngine, out: Output, now: float, sa: IsakmpSa,
                  policy: Phase2Policy, proxy: Proxy) -> None:
        mid = self._message_id()
        while (sa.serial, mid) in self._qm or mid in self._qm_done.get(sa.serial, {}):
            mid = self._message_id()
        block = CIPHERS[sa.cipher_name].block_size
        x = QmExchange(mid, "I", sa, proxy, policy, phase2_iv(sa.hash_name, sa.iv, mid, block))
        self._qm[(sa.serial, mid)] = x
        x.my_spi = self._spi()
        x.ni = self.rng.randbytes(NONCE_LEN)
        proposals = []
        for number, (_name, t) in enumerate(policy.transforms, start=1):
            x.offered.append((number, t))
            proposals.append(Proposal(number, PROTO_ESP, x.my_spi.to_bytes(4, "big"),
                                      [Transform(1, t.cipher.transform_id,
                                                 _transform_attrs(t, policy))]))
        rest: list[Payload] = [SaPayload(proposals), NoncePayload(x.ni)]
        if policy.pfs_group is not None:
            x.group = policy.pfs_group
            rest.append(KePayload(self._qm_dh(x)))
        rest += [_id_payload(proxy.local_net, proxy.local_mask, proxy.protocol,
                             proxy.local_port),
                 _id_payload(proxy.remote_net, proxy.remote_mask, proxy.protocol,
                             proxy.remote_port)]
        _, body = encode_payloads(rest)
        h1 = prf(sa.hash_name, sa.skeyid_a, mid.to_bytes(4, "big") + body)
        self._emit(out, sa, "qm_begin", message_id=mid, peer=sa.peer)
        self._qm_state(out, x, QM_I_QM1, "IKE_MESG_INTERNAL, IKE_INIT_QM")
        self._qm_send(out, now, x, self._qm_encrypt(x, [HashPayload(h1), *rest]))

    def _qm_dh(self: IsakmpEngine, x: QmExchange) -> bytes:
        assert x.group is not None
        priv = _private(x.group, self.rng.randbytes(DH_PRIVATE_LEN))
        x.dh = DiffieHellman(x.group, priv, backend=self.dh_backend)
        return x.dh.public_bytes()

    # ----------------------------------------------------------------------- receive
    def _receive_qm(self: IsakmpEngine, out: Output, now: float, sa: IsakmpSa, header: Header,
                    data: bytes) -> None:
        mid = header.message_id
        if sa.state != QM_IDLE or not sa.skeyid_a or mid == 0 or not header.encrypted:
            self._emit(out, sa, "bad_message", peer=sa.peer,
                       reason="quick mode before phase 1 completed")
            return
        x = self._qm.get((sa.serial, mid))
        if x is not None and data == x.last_received:
            # the peer lost our answer: resend it (RFC 2409 §5.5 leaves this to the
            # implementation; IOS answers a retransmitted QM1 with its QM2 again)
            self._emit(out, sa, "qm_duplicate", message_id=mid, peer=sa.peer)
            if x.last_sent is not None and x.role == "R":
                self._qm_send(out, now, x, x.last_sent, retransmission=True)
            return
        try:
            if x is None:
                done = self._qm_done.get(sa.serial, {})
                if mid in done:
                    self._emit(out, sa, "qm_duplicate", message_id=mid, peer=sa.peer)
                    last = done[mid]
                    if last is not None:     # QM3 was lost: the responder repeats QM2
                        self._send(out, sa, last, EXCHANGE_QUICK, mid, True)
                    return
                self._qm_respond(out, now, sa, header, data)
            elif x.role == "I" and x.state == QM_I_QM1:
                self._qm_finish_initiator(out, now, x, header, data)
            elif x.role == "R" and x.state == QM_R_QM2:
                self._qm_finish_responder(out, now, x, header, data)
            else:
                self._emit(out, sa, "bad_message", peer=sa.peer,
                           reason=f"unexpected quick mode message in {x.state}")
        except _QmReject as rej:
            if rej.kind is not None:
                self._emit(out, sa, rej.kind, **rej.fields)

    def _qm_open(self: IsakmpEngine, sa: IsakmpSa, header: Header, data: bytes,
                 iv: bytes) -> tuple[list[Payload], bytes, bytes, bytes]:
        """(payloads after HASH, received hash, the bytes HASH covers, last ciphertext block)."""
        try:
            payloads, plain, last = protect.decrypt_message(sa, header, data, iv)
        except (ProtectionError, CryptoError) as exc:
            raise _QmReject("bad_message", peer=sa.peer, reason=str(exc)) from exc
        if not payloads or not isinstance(payloads[0], HashPayload):
            raise _QmReject("bad_message", peer=sa.peer,
                            reason="quick mode message without a leading HASH payload")
        hash_len = int.from_bytes(plain[2:4], "big")
        covered = plain[hash_len:_chain_end(plain)]
        return payloads[1:], payloads[0].data, covered, last

    def _qm_process(self: IsakmpEngine, out: Output, sa: IsakmpSa, mid: int,
                    payloads: list[Payload], *, with_hash: bool = True) -> None:
        names = {SaPayload: "SA", NoncePayload: "NONCE", KePayload: "KE", IdPayload: "ID",
                 NotificationPayload: "NOTIFY"}
        if with_hash:
            self._emit(out, sa, "process_payload", payload="HASH", message_id=mid)
        for p in payloads:
            self._emit(out, sa, "process_payload", payload=names.get(type(p), "VENDOR"),
                       message_id=mid)

    @staticmethod
    def _qm_parts(payloads: list[Payload], sa: IsakmpSa) -> tuple[SaPayload, bytes,
                                                                     bytes | None,
                                                                     list[IdPayload]]:
        sas = [p for p in payloads if isinstance(p, SaPayload)]
        nonces = [p for p in payloads if isinstance(p, NoncePayload)]
        kes = [p for p in payloads if isinstance(p, KePayload)]
        ids = [p for p in payloads if isinstance(p, IdPayload)]
        if len(sas) != 1 or len(nonces) != 1 or len(kes) > 1 or len(ids) not in (0, 2):
            raise _QmReject("bad_message", peer=sa.peer,
                            reason="quick mode payloads: need SA, nonce, [KE], [IDci, IDcr]")
        if not 8 <= len(nonces[0].data) <= 256:
            raise _QmReject("bad_message", peer=sa.peer, reason="nonce size")
        return sas[0], nonces[0].data, (kes[0].data if kes else None), ids

    def _qm_respond(self: IsakmpEngine, out: Output, now: float, sa: IsakmpSa, header: Header,
                    data: bytes) -> None:
        mid = header.message_id
        block = CIPHERS[sa.cipher_name].block_size
        iv = phase2_iv(sa.hash_name, sa.iv, mid, block)
        payloads, got, covered, last = self._qm_open(sa, header, data, iv)
        want = prf(sa.hash_name, sa.skeyid_a, mid.to_bytes(4, "big") + covered)
        if not hmac.compare_digest(got, want):
            raise _QmReject("bad_message", peer=sa.peer, reason="HASH(1) verification failed")
        offered, ni, ke, ids = self._qm_parts(payloads, sa)
        if ids:
            ci, cr = _id_value(ids[0]), _id_value(ids[1])
            if ci is None or cr is None:
                raise _QmReject("bad_message", peer=sa.peer, reason="unsupported ID type")
            proxy = Proxy(cr[0], cr[1], ci[0], ci[1], int(ids[0].protocol), int(ids[1].port),
                          int(ids[0].port))
        else:   # no IDs: the proxies are the ISAKMP peers themselves (RFC 2409 §5.5)
            proxy = Proxy(sa.local, 0xFFFFFFFF, sa.peer, 0xFFFFFFFF)
        x = QmExchange(mid, "R", sa, proxy, None, last)
        self._qm_state(out, x, QM_R_QM1, "IKE_MESG_FROM_PEER, IKE_QM_EXCH")
        self._emit(out, sa, "process_payload", payload="HASH", message_id=mid)
        self._emit(out, sa, "process_payload", payload="SA", message_id=mid)
        candidates = [p for p in self.phase2_policies if p.peer == sa.peer]
        chosen = self._qm_choose(out, sa, offered, ke, candidates)
        rest = [p for p in payloads if not isinstance(p, SaPayload)]
        self._qm_process(out, sa, mid, rest, with_hash=False)
        if chosen is None:
            self._qm_refuse(out, sa, offered, NotifyType.NO_PROPOSAL_CHOSEN)
            return
        entries = [(pol, prop, t) for pol, prop, t in chosen
                   if any(acl.covers(proxy) for acl in pol.proxies)]
        if not entries:
            self._emit(out, sa, "proxy_mismatch", peer=sa.peer, **self._proxy_fields(proxy))
            self._qm_refuse(out, sa, offered, NotifyType.INVALID_ID_INFORMATION)
            return
        policy, proposal, transform = entries[0]
        x.policy, x.chosen, x.ni, x.last_received = policy, transform, ni, data
        x.peer_spi = int.from_bytes(proposal.spi, "big")
        offer = _parse_offer(proposal.transforms[0])
        x.group = offer.group
        self._qm[(sa.serial, mid)] = x
        self._qm_state(out, x, QM_SPI_STARVE, "IKE_MESG_INTERNAL, IKE_GOT_SPI")
        x.my_spi = self._spi()
        x.nr = self.rng.randbytes(NONCE_LEN)
        reply_sa = SaPayload([Proposal(proposal.number, PROTO_ESP, x.my_spi.to_bytes(4, "big"),
                                       [proposal.transforms[0]])])
        rest2: list[Payload] = [reply_sa, NoncePayload(x.nr)]
        if ke is not None:
            rest2.append(KePayload(self._qm_dh(x)))
            x.gxy = self._qm_shared(x, ke)
        rest2 += ids
        _, body = encode_payloads(rest2)
        h2 = prf(sa.hash_name, sa.skeyid_a, mid.to_bytes(4, "big") + ni + body)
        self._qm_state(out, x, QM_R_QM2, "IKE_MESG_INTERNAL, IKE_GOT_SPI")
        self._qm_send(out, now, x, self._qm_encrypt(x, [HashPayload(h2), *rest2]))

    def _qm_shared(self, x: QmExchange, peer_ke: bytes) -> bytes:
        try:
            return bytes(x.dh.shared_secret(peer_ke))
        except CryptoError as exc:
            raise _QmReject("bad_message", peer=x.isakmp.peer, reason=str(exc)) from exc

    def _qm_choose(self: IsakmpEngine, out: Output, sa: IsakmpSa, offered: SaPayload,
                   ke: bytes | None, candidates: list[Phase2Policy]
                   ) -> list[tuple[Phase2Policy, Proposal, EspTransform]] | None:
        """Every (map entry, proposal, transform) acceptable for transform and PFS; None when
        nothing is (IOS then answers NO_PROPOSAL_CHOSEN)."""
        found: list[tuple[Phase2Policy, Proposal, EspTransform]] = []
        for proposal in offered.proposals:
            if int(proposal.protocol) != PROTO_ESP or len(proposal.spi) != 4:
                continue
            for t in proposal.transforms:
                offer = _parse_offer(t)
                name = {2: "ESP_DES", 3: "ESP_3DES", 12: "ESP_AES"}.get(
                    int(t.transform_id), f"ESP_{int(t.transform_id)}")
                self._emit(out, sa, "ipsec_proposal_check", proposal=int(proposal.number),
                           transform=int(t.number), transform_name=name,
                           attributes=offer.display)
                reason = None
                ok: list[tuple[Phase2Policy, Proposal, EspTransform]] = []
                if offer.transform is None or (offer.group is None) != (ke is None):
                    reason = "transform"
                for policy in candidates if reason is None else []:
                    same = [ts for _n, ts in policy.transforms if ts == offer.transform]
                    if not same:
                        reason = reason or "transform"
                        continue
                    if policy.pfs_group is not None and offer.group != policy.pfs_group:
                        reason = "pfs"
                        continue
                    ok.append((policy, proposal, same[0]))
                if not candidates and reason is None:
                    reason = "no_map"
                if ok:
                    self._emit(out, sa, "ipsec_atts_acceptable", proposal=int(proposal.number))
                    found += ok
                else:
                    self._emit(out, sa, "ipsec_atts_not_acceptable",
                               proposal=int(proposal.number), reason=reason,
                               offered_group=offer.group,
                               local_groups=[p.pfs_group for p in candidates],
                               transform_id=int(t.transform_id),
                               auth_id=next((a.int_value for a in t.attributes
                                             if int(a.type) == A_AUTH), 0))
            if found:
                return found
        return None

    def _qm_refused(self: IsakmpEngine, out: Output, sa: IsakmpSa,
                    notify: NotificationPayload) -> None:
        """The responder refused our QM1 with a protected notification carrying our SPI: stop
        resending it (IOS deletes the node); the next interesting packet asks again."""
        if int(notify.protocol) != PROTO_ESP or len(notify.spi) != 4:
            return
        spi = int.from_bytes(notify.spi, "big")
        for x in [x for x in self._qm.values() if x.isakmp is sa and x.role == "I"
                  and x.my_spi == spi]:
            self._emit(out, sa, "qm_delete", message_id=x.message_id, peer=sa.peer,
                       reason=REASON_QM_REFUSED)
            self._qm_forget(out, x)

    def _qm_refuse(self: IsakmpEngine, out: Output, sa: IsakmpSa, offered: SaPayload,
                   code: int) -> None:
        """IOS: "SA not acceptable!", IKMP_MODE_FAILURE, and a protected notification."""
        spi = next((p.spi for p in offered.proposals if len(p.spi) == 4), b"")
        self._emit(out, sa, "qm_sa_not_acceptable", peer=sa.peer,
                   notify_type=NotifyType(code).name)
        mid = self._message_id()
        data = protect.protected_informational(
            sa, mid, [NotificationPayload(code, PROTO_ESP, spi)])
        self._send(out, sa, data, protect.EXCHANGE_INFO, mid)
        self._emit(out, sa, "notify_tx", peer=sa.peer, notify_type=NotifyType(code).name,
                   notify_code=int(code), protocol=PROTO_ESP)

    def _qm_finish_initiator(self: IsakmpEngine, out: Output, now: float, x: QmExchange,
                             header: Header, data: bytes) -> None:
        sa, mid = x.isakmp, x.message_id
        payloads, got, covered, last = self._qm_open(sa, header, data, x.iv)
        want = prf(sa.hash_name, sa.skeyid_a, mid.to_bytes(4, "big") + x.ni + covered)
        if not hmac.compare_digest(got, want):
            raise _QmReject("bad_message", peer=sa.peer, reason="HASH(2) verification failed")
        answer, nr, ke, _ids = self._qm_parts(payloads, sa)
        self._emit(out, sa, "process_payload", payload="HASH", message_id=mid)
        self._emit(out, sa, "process_payload", payload="SA", message_id=mid)
        if len(answer.proposals) != 1 or len(answer.proposals[0].transforms) != 1:
            raise _QmReject("bad_message", peer=sa.peer, reason="responder must choose one")
        proposal = answer.proposals[0]
        offer = _parse_offer(proposal.transforms[0])
        self._emit(out, sa, "ipsec_proposal_check", proposal=int(proposal.number),
                   transform=int(proposal.transforms[0].number),
                   transform_name=offer.transform.cipher.wire_name if offer.transform else "?",
                   attributes=offer.display)
        mine = dict(x.offered).get(int(proposal.number))
        if mine is None or mine != offer.transform or len(proposal.spi) != 4 \
                or (ke is None) != (x.group is None):
            self._emit(out, sa, "ipsec_atts_not_acceptable", proposal=int(proposal.number),
                       reason="transform", offered_group=offer.group, local_groups=[x.group],
                       transform_id=int(proposal.transforms[0].transform_id), auth_id=0)
            raise _QmReject("bad_message", peer=sa.peer,
                            reason="responder chose a transform that was not offered")
        self._emit(out, sa, "ipsec_atts_acceptable", proposal=int(proposal.number))
        self._qm_process(out, sa, mid, [p for p in payloads if not isinstance(p, SaPayload)],
                         with_hash=False)
        x.chosen, x.nr, x.peer_spi, x.iv = mine, nr, int.from_bytes(proposal.spi, "big"), last
        if ke is not None:
            x.gxy = self._qm_shared(x, ke)
        h3 = prf(sa.hash_name, sa.skeyid_a, b"\x00" + mid.to_bytes(4, "big") + x.ni + x.nr)
        self._create_ipsec_sas(out, now, x)
        self._qm_send(out, now, x, self._qm_encrypt(x, [HashPayload(h3)]), expect_reply=False)
        self._qm_complete(out, x)

    def _qm_finish_responder(self: IsakmpEngine, out: Output, now: float, x: QmExchange,
                             header: Header, data: bytes) -> None:
        sa, mid = x.isakmp, x.message_id
        payloads, got, _covered, _last = self._qm_open(sa, header, data, x.iv)
        want = prf(sa.hash_name, sa.skeyid_a, b"\x00" + mid.to_bytes(4, "big") + x.ni + x.nr)
        if not hmac.compare_digest(got, want):
            raise _QmReject("bad_message", peer=sa.peer, reason="HASH(3) verification failed")
        self._emit(out, sa, "process_payload", payload="HASH", message_id=mid)
        self._cancel(out, sa, f"qm:{mid}")
        self._create_ipsec_sas(out, now, x)
        self._qm_complete(out, x)

    def _qm_complete(self: IsakmpEngine, out: Output, x: QmExchange) -> None:
        self._qm_state(out, x, QM_COMPLETE, "IKE_MESG_FROM_PEER, IKE_QM_EXCH")
        self._emit(out, x.isakmp, "qm_complete", message_id=x.message_id, peer=x.isakmp.peer,
                   role=x.role)
        self._qm.pop((x.isakmp.serial, x.message_id), None)
        self._qm_done.setdefault(x.isakmp.serial, {})[x.message_id] = \
            x.last_sent if x.role == "I" else None

    def _create_ipsec_sas(self: IsakmpEngine, out: Output, now: float, x: QmExchange) -> None:
        sa = x.isakmp
        assert x.chosen is not None and x.policy is not None
        t, policy = x.chosen, x.policy
        ni, nr = x.ni, x.nr

        def one(spi: int, inbound: bool) -> IpsecSa:
            km = keymat(sa.hash_name, sa.skeyid_d, PROTO_ESP, spi, ni, nr, t.keymat_len, x.gxy)
            src, dst = (sa.peer, sa.local) if inbound else (sa.local, sa.peer)
            conn = self._next_ipsec_conn
            self._next_ipsec_conn += 1
            return IpsecSa(spi, inbound, src, dst, t, km[:t.cipher.key_len],
                           km[t.cipher.key_len:], policy.lifetime_seconds, policy.lifetime_kb,
                           now, conn_id=conn)

        self._emit(out, sa, "ipsec_sas_creating", peer=sa.peer)
        pair = IpsecSaPair(sa.local, sa.peer, x.proxy, one(x.my_spi, True),
                           one(x.peer_spi, False), x.group, policy.map_name, policy.sequence,
                           sa.serial, x.message_id)
        self._ipsec.append(pair)
        # The hard lifetime in seconds (RFC 2407 §4.5 SA Life Type/Duration); the volume limit
        # is checked as traffic flows (ipsec_traffic).
        out.arm((IPSEC_LIFETIME, pair.inbound.spi), now + policy.lifetime_seconds)
        for s in (pair.inbound, pair.outbound):
            self._emit(out, sa, "ipsec_sa_created", direction="inbound" if s.inbound
                       else "outbound", src=s.src, dst=s.dst, spi=s.spi, sa_conn_id=s.conn_id,
                       transform=t.ios_text, lifetime_seconds=s.lifetime_seconds,
                       lifetime_kb=s.lifetime_kb,
                       **self._proxy_fields(x.proxy))
