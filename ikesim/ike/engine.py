"""Sans-I/O IKEv1 main-mode engine (RFC 2409 §5, pre-shared keys), IOS-flavoured.

Bytes in, (datagrams, timers, events) out: no sockets, no clock, no text. Every random octet
(cookies, nonces, DH private values, informational message IDs) comes from the injected ``rng``,
so a seeded run is byte-for-byte reproducible. Received main-mode messages are dispatched only
through ``transitions.TRANSITIONS``.
"""

from __future__ import annotations

import hmac
import ipaddress
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from ikesim.crypto import (
    CIPHERS,
    CryptoError,
    DiffieHellman,
    derive_skeyids,
    expand_cipher_key,
    hash_i,
    hash_r,
    phase1_iv,
    private_value_from_bytes,
)
from ikesim.ike import proposals as props
from ikesim.ike import protect
from ikesim.ike.events import IkeEvent
from ikesim.ike.policy import CryptoConfig
from ikesim.ike.profiles import Profile
from ikesim.ike.protect import EXCHANGE_INFO, EXCHANGE_MAIN, ProtectionError
from ikesim.ike.quick import (
    EXCHANGE_QUICK,
    IPSEC_LIFETIME,
    Phase2Policy,
    QmExchange,
    QuickModeMixin,
)
from ikesim.ike.sa import (
    IKE_PORT,
    MM_NO_STATE,
    QM_IDLE,
    ZERO_COOKIE,
    Datagram,
    IsakmpSa,
    Output,
    SaRow,
)
from ikesim.ike.transitions import NEW, Transition, lookup
from ikesim.isakmp import (
    HEADER_LEN,
    DeletePayload,
    HashPayload,
    Header,
    IdPayload,
    IsakmpDecodeError,
    KePayload,
    Message,
    NoncePayload,
    NotificationPayload,
    NotifyType,
    Payload,
    PayloadType,
    SaPayload,
    decode_header,
    decode_payloads,
    encode_message,
    payload_body,
)

NONCE_LEN = 20            # IOS sends 20-octet nonces
DH_PRIVATE_LEN = 32       # octets of RNG material per DH private value (256-bit exponent)
ID_IPV4_ADDR = 1
PROTO_ISAKMP = 1
REASON_RETRANS = "death by retransmission P1"
REASON_NO_PROPOSAL = "Phase1 SA policy proposal not accepted"
REASON_CLEAR = "No reason"
REASON_PEER_DELETE = "No reason"
REASON_LIFETIME = "lifetime expired"
PAYLOAD_NAMES = {SaPayload: "SA", KePayload: "KE", NoncePayload: "NONCE", IdPayload: "ID",
                 HashPayload: "HASH", NotificationPayload: "NOTIFY", DeletePayload: "DELETE"}
FROM_PEER = "IKE_MESG_FROM_PEER, IKE_MM_EXCH"
# Plaintext main-mode message by its first payload: (as initiator, as responder).
_MESSAGE_BY_FIRST_PAYLOAD = {PayloadType.SA: ("MM2", "MM1"), PayloadType.KE: ("MM4", "MM3")}
PROCESS_COMPLETE = "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"


def _notify_name(code: int) -> str:
    try:
        return NotifyType(code).name
    except ValueError:
        return f"NOTIFY_{code}"


def _ip(addr: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(addr)


def _plain_payloads(header: Header, data: bytes) -> list[Payload]:
    """The payloads of an unencrypted datagram whose header is already decoded (and checked)."""
    return decode_payloads(header.next_payload, data[HEADER_LEN:])


def _first_payload_body(data: bytes) -> bytes:
    """Body of the payload right after the header (MM1's SA payload: SAi_b as on the wire)."""
    length = int.from_bytes(data[HEADER_LEN + 2:HEADER_LEN + 4], "big")
    return data[HEADER_LEN + 4:HEADER_LEN + length]


class _Reject(Exception):
    """A check of a transition failed: report ``kind`` (with ``fields``) and stop quietly."""

    def __init__(self, kind: str | None, **fields: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.fields = fields


class IsakmpEngine(QuickModeMixin):
    def __init__(self, *, crypto: CryptoConfig, profile: Profile, rng: random.Random,
                 local_addresses: Iterable[int] = (), dh_backend: str = "auto") -> None:
        self.crypto = crypto
        self.profile = profile
        self.rng = rng
        self.local_addresses = frozenset(local_addresses)
        self.dh_backend = dh_backend
        self._sas: dict[int, IsakmpSa] = {}
        self._serial = 0
        self._next_1001 = 1001
        self.taken: Counter[Transition] = Counter()   # table rows dispatched (observability)
        # Phase 2 (ikesim.ike.quick): crypto map entries, exchanges in progress keyed by
        # (ISAKMP SA serial, message ID), requests waiting for phase 1, IPsec SA pairs.
        self.phase2_policies: list[Phase2Policy] = []
        self._qm: dict[tuple[int, int], QmExchange] = {}
        # completed quick modes per ISAKMP SA: message ID -> our last message (QM3 for an
        # initiator, resent if the peer repeats QM2 because QM3 was lost; None for a responder)
        self._qm_done: dict[int, dict[int, bytes | None]] = {}
        self._pending: dict[int, list[tuple[Phase2Policy, Any]]] = {}
        self._ipsec: list[Any] = []
        self._next_ipsec_conn = 2000

    # ------------------------------------------------------------------ public API
    def initiate(self, now: float, local: int, peer: int) -> Output:
        """Start main mode towards ``peer`` unless an SA to it exists (then do nothing)."""
        out = Output()
        if any(sa.peer == peer and not sa.deleted for sa in self._sas.values()):
            return out
        policies = self.crypto.policies_in_order()
        if not policies:
            return out
        key = self.crypto.key_for(_ip(peer))
        if key is None:
            self._emit(out, None, "no_psk", peer=peer)
            return out
        sa = self._new_sa(now, "I", local, peer, IKE_PORT, IKE_PORT, self.rng.randbytes(8))
        sa.psk = key.key.encode()
        self._emit(out, sa, "sa_created", role="I", peer=peer, local=local)
        self._emit(out, sa, "local_port", local_port=IKE_PORT, remote_port=IKE_PORT)
        self._internal(out, sa, "IKE_I_MM1", "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM")
        self._emit(out, sa, "main_mode_begin")
        sa.offered = props.initiator_sa(policies)
        data = encode_message(Message(Header(sa.icookie, ZERO_COOKIE, 0, EXCHANGE_MAIN),
                                      [sa.offered]))
        sa.sai_b = _first_payload_body(data)
        self._send(out, sa, data, EXCHANGE_MAIN, 0)
        sa.last_sent, sa.awaiting_reply, sa.resends = data, True, 0
        self._arm_retransmit(out, now, sa)
        return out

    def receive(self, now: float, data: bytes, src: int, sport: int, dst: int,
                dport: int) -> Output:
        out = Output()
        if self.local_addresses and dst not in self.local_addresses:
            return out
        try:
            self._receive(out, now, bytes(data), src, sport, dst, dport)
        except (IsakmpDecodeError, CryptoError, ProtectionError) as exc:  # defensive net
            self._emit(out, None, "malformed", peer=src, offset=getattr(exc, "offset", 0),
                       reason=str(exc))
        return out

    def timer_expired(self, now: float, key: Hashable) -> Output:
        out = Output()
        if not (isinstance(key, tuple) and len(key) == 2):
            return out
        kind, serial = key
        if kind == IPSEC_LIFETIME:           # keyed by the inbound SPI, not by an ISAKMP SA
            self._ipsec_lifetime_timer(out, now, serial)
            return out
        sa = self._sas.get(serial)
        deadline = sa.deadlines.get(key) if sa is not None else None
        if sa is None or deadline is None or now + 1e-9 < deadline:
            return out                     # stale or superseded timer
        del sa.deadlines[key]
        if kind == "retransmit":
            self._on_retransmit_timer(out, now, sa)
        elif kind == "purge":
            self._emit(out, sa, "purge", sa_handle=sa.handle)
            del self._sas[sa.serial]
        elif isinstance(kind, str) and kind.startswith("qm:"):
            self._qm_on_timer(out, now, sa, int(kind[3:]))
        elif kind == "lifetime" and not sa.deleted:
            self._emit(out, sa, "lifetime_expired", peer=sa.peer)
            self._delete(out, now, sa, REASON_LIFETIME, notify_peer=True)
        return out

    def clear(self, now: float, conn_id: int | None = None) -> Output:
        """`clear crypto isakmp [conn-id]`: delete (telling the peer when established)."""
        out = Output()
        for sa in list(self._sas.values()):
            if sa.deleted or (conn_id is not None and self._conn_id(sa) != conn_id):
                continue
            self._delete(out, now, sa, REASON_CLEAR, notify_peer=True)
        return out

    def reconfigure(self, crypto: CryptoConfig) -> None:
        """New configuration for future negotiations; existing SAs keep what they agreed."""
        self.crypto = crypto

    def sa_rows(self) -> list[SaRow]:
        """`show crypto isakmp sa` rows, newest first (as the seed lists them)."""
        return [SaRow(dst=sa.responder, src=sa.initiator, state=sa.shown_state,
                      conn_id=self._conn_id(sa), deleted=sa.deleted, role=sa.role, peer=sa.peer,
                      sa_serial=sa.serial, local=sa.local, icookie=sa.icookie,
                      rcookie=sa.rcookie)
                for sa in reversed(self._sas.values())]

    def phase1_status(self, peer: int) -> str:
        live = [sa for sa in self._sas.values() if sa.peer == peer and not sa.deleted]
        if any(sa.state == QM_IDLE for sa in live):
            return "established"
        return "negotiating" if live else "none"

    def established_sa(self, peer: int) -> IsakmpSa | None:
        for sa in reversed(self._sas.values()):
            if sa.peer == peer and not sa.deleted and sa.state == QM_IDLE:
                return sa
        return None

    def sas(self) -> list[IsakmpSa]:
        """All SA records (including deleted ones awaiting purge), oldest first."""
        return list(self._sas.values())

    # ------------------------------------------------------------------ helpers
    def _conn_id(self, sa: IsakmpSa | None) -> int:
        if sa is None:
            return 0
        return sa.serial if self.profile.conn_id_scheme == "serial" else sa.conn_id_1001

    def _emit(self, out: Output, sa: IsakmpSa | None, kind: str, **fields: Any) -> None:
        if sa is None:
            out.events.append(IkeEvent(kind, 0, 0, fields))
        else:   # _conn_id(sa) inlined: ~40 events per main mode
            conn_id = sa.serial if self.profile.conn_id_scheme == "serial" else sa.conn_id_1001
            out.events.append(IkeEvent(kind, sa.serial, conn_id, fields))

    def _internal(self, out: Output, sa: IsakmpSa, new: str, cause: str) -> None:
        """15.x "Old State = X  New State = Y" lines (the 12.2 dialect has none)."""
        old, sa.internal = sa.internal, new
        if self.profile.fsm_events:
            self._emit(out, sa, "state_change", old=old, new=new, input=cause)

    def _new_sa(self, now: float, role: str, local: int, peer: int, lport: int, pport: int,
                icookie: bytes) -> IsakmpSa:
        self._serial += 1
        # An IOS-like, deterministic "sa=623CF540" pointer derived from the initiator cookie.
        handle = 0x60000000 | (int.from_bytes(icookie[:4], "big") & 0x03FFFFFC)
        sa = IsakmpSa(serial=self._serial, role=role, local=local, peer=peer, local_port=lport,
                      peer_port=pport, icookie=icookie, created_at=now, handle=handle)
        self._sas[sa.serial] = sa
        return sa

    def _send(self, out: Output, sa: IsakmpSa, data: bytes, exchange: int, message_id: int,
              retransmission: bool = False) -> None:
        out.sends.append(Datagram(sa.local, sa.local_port, sa.peer, sa.peer_port, data))
        self._emit(out, sa, "tx", peer=sa.peer, state=sa.state, role=sa.role, exchange=exchange,
                   message_id=message_id, sport=sa.local_port, dport=sa.peer_port,
                   retransmission=retransmission)

    def _arm(self, out: Output, sa: IsakmpSa, kind: str, when: float) -> None:
        key = (kind, sa.serial)
        sa.deadlines[key] = when
        out.arm(key, when)

    def _cancel(self, out: Output, sa: IsakmpSa, kind: str) -> None:
        key = (kind, sa.serial)
        if sa.deadlines.pop(key, None) is not None:
            out.cancel(key)

    def _arm_retransmit(self, out: Output, now: float, sa: IsakmpSa) -> None:
        # A responder's own timer runs processing_delay late, so that an initiator resend sent
        # exactly one interval after the original arrives first (seed: duplicate, then resend).
        slack = self.profile.processing_delay if sa.role == "R" else 0.0
        self._arm(out, sa, "retransmit",
                  now + self.profile.retransmit_delay(sa.resends) + slack)

    def _message_id(self) -> int:
        return int.from_bytes(self.rng.randbytes(4), "big") or 1

    def _find(self, header: Header, src: int) -> IsakmpSa | None:
        for sa in reversed(self._sas.values()):
            if sa.peer != src or sa.icookie != header.icookie:
                continue
            if sa.rcookie == header.rcookie:
                return sa
            if sa.role == "I" and sa.rcookie == ZERO_COOKIE:
                return sa                  # the responder's first answer (MM2 or a notify)
            if sa.role == "R" and header.rcookie == ZERO_COOKIE:
                return sa                  # the initiator's MM1 again
        return None

    def _notify_plain(self, out: Output, sa: IsakmpSa | None, header: Header, local: int,
                      lport: int, peer: int, pport: int, code: int) -> None:
        """Unprotected informational notification (RFC 2408 §3.14)."""
        rcookie = sa.rcookie if sa is not None else header.rcookie
        mid = self._message_id()
        data = encode_message(Message(Header(header.icookie, rcookie, 0, EXCHANGE_INFO, 0, mid),
                                      [NotificationPayload(code, PROTO_ISAKMP)]))
        out.sends.append(Datagram(local, lport, peer, pport, data))
        self._emit(out, sa, "notify_tx", peer=peer, notify_type=_notify_name(code),
                   notify_code=code)

    def _delete(self, out: Output, now: float, sa: IsakmpSa, reason: str,
                notify_peer: bool) -> None:
        self._cancel(out, sa, "retransmit")
        self._cancel(out, sa, "lifetime")
        if notify_peer and sa.state == QM_IDLE and sa.skeyid_a:
            # RFC 2408 §3.15 Delete for the ISAKMP SA: SPI = CKY-I | CKY-R, protected.
            mid = self._message_id()
            data = protect.protected_informational(
                sa, mid, [DeletePayload(PROTO_ISAKMP, 16, [sa.icookie + sa.rcookie])])
            self._send(out, sa, data, EXCHANGE_INFO, mid)
        self._emit(out, sa, "delete", reason=reason, state=sa.state, role=sa.role, peer=sa.peer)
        self._internal(out, sa, "IKE_DEST_SA", "IKE_MESG_INTERNAL, IKE_PHASE1_DEL")
        sa.deleted, sa.deleted_at, sa.awaiting_reply = True, now, False
        self._arm(out, sa, "purge", now + self.profile.purge_delay)
        # Quick modes under this SA die with it; IPsec SAs already made live on (IOS).
        for x in [x for x in self._qm.values() if x.isakmp is sa]:
            self._qm_forget(out, x)
        if not any(s.peer == sa.peer and not s.deleted for s in self._sas.values()):
            self._pending.pop(sa.peer, None)

    def _on_retransmit_timer(self, out: Output, now: float, sa: IsakmpSa) -> None:
        if sa.deleted or sa.last_sent is None:
            return
        self._emit(out, sa, "retransmit_tick", state=sa.state, role=sa.role)
        if sa.resends >= self.profile.retransmit_limit:
            if sa.awaiting_reply:
                self._emit(out, sa, "no_keepalives")
                self._delete(out, now, sa, REASON_RETRANS, notify_peer=False)
            return
        sa.resends += 1
        self._emit(out, sa, "error_counter", reason="retransmit phase 1")
        self._emit(out, sa, "retransmit", state=sa.state, role=sa.role)
        self._send(out, sa, sa.last_sent, EXCHANGE_MAIN, 0, retransmission=True)
        if sa.awaiting_reply:
            self._arm_retransmit(out, now, sa)

    def _on_duplicate(self, out: Output, now: float, sa: IsakmpSa) -> None:
        """IOS: a copy of the peer's last message means our answer was lost: resend it
        ``dup_resend_delay`` later (the retransmit timer is pulled in)."""
        self._emit(out, sa, "duplicate", peer=sa.peer, state=sa.state, role=sa.role)
        if sa.last_sent is None:
            return
        self._emit(out, sa, "retransmit_due_to_dup")
        self._emit(out, sa, "retransmit_tick", state=sa.state, role=sa.role)
        self._arm(out, sa, "retransmit", now + self.profile.dup_resend_delay)

    # ------------------------------------------------------------------ receive path
    def _receive(self, out: Output, now: float, data: bytes, src: int, sport: int, dst: int,
                 dport: int) -> None:
        try:
            header = decode_header(data)
        except IsakmpDecodeError as exc:
            self._emit(out, None, "malformed", peer=src, offset=exc.offset, reason=exc.reason)
            return
        exchange = int(header.exchange)
        sa = self._find(header, src)
        rx = {"exchange": exchange, "message_id": header.message_id, "sport": sport,
              "dport": dport}
        if sa is None:
            if (exchange == EXCHANGE_MAIN and header.rcookie == ZERO_COOKIE
                    and header.message_id == 0 and not header.encrypted and header.next_payload == PayloadType.SA):
                self._new_responder(out, now, header, data, src, sport, dst, dport, rx)
                return
            self._emit(out, None, "unknown_sa", peer=src, reason="invalid cookie")
            if exchange != EXCHANGE_INFO:   # never answer an informational (no ping-pong)
                self._notify_plain(out, None, header, dst, dport, src, sport,
                                   NotifyType.INVALID_COOKIE)
            return
        self._emit(out, sa, "rx", peer=src, state=sa.shown_state, role=sa.role, new_sa=False,
                   **rx)
        if sa.deleted:
            return                         # awaiting purge: seen, but nothing is done
        if exchange == EXCHANGE_MAIN and data == sa.last_received:
            self._on_duplicate(out, now, sa)
            return
        if exchange == EXCHANGE_INFO:
            self._receive_info(out, now, sa, header, data)
            return
        if exchange == EXCHANGE_QUICK:
            self._receive_qm(out, now, sa, header, data)
            return
        if exchange != EXCHANGE_MAIN or header.message_id != 0:
            # phase 1 is main mode only, always with message ID 0 (RFC 2409 §5)
            self._emit(out, sa, "bad_message", peer=src,
                       reason=f"exchange type {exchange} message ID {header.message_id}")
            return
        if header.encrypted:
            message, payloads = ("MM5" if sa.role == "R" else "MM6"), None
        else:
            try:
                payloads = _plain_payloads(header, data)
            except IsakmpDecodeError as exc:
                self._emit(out, sa, "malformed", peer=src, offset=exc.offset, reason=exc.reason)
                self._notify_plain(out, sa, header, dst, dport, src, sport, exc.notify)
                return
            first = int(header.next_payload)
            kind = _MESSAGE_BY_FIRST_PAYLOAD.get(first)
            message = (kind[1] if sa.role == "R" else kind[0]) if kind else f"payload {first}"
        t = lookup(sa.state, sa.role, message)
        if t is None:
            self._emit(out, sa, "bad_message", peer=src,
                       reason=f"unexpected {message} in {sa.state}")
            return
        self._run(out, now, sa, t, header, data, payloads)

    def _run(self, out: Output, now: float, sa: IsakmpSa, t: Transition, header: Header,
             data: bytes, payloads: list[Payload] | None) -> None:
        action: Callable[..., bytes | None] = getattr(self, "_act_" + t.action)
        self.taken[t] += 1
        try:
            reply = action(out, now, sa, header, data, payloads)
        except _Reject as rej:
            if rej.kind is not None:
                self._emit(out, sa, rej.kind, **rej.fields)
            return
        assert t.internal is not None
        self._internal(out, sa, t.internal[0], FROM_PEER)
        sa.last_received = data
        if reply is not None:
            assert t.tx_state is not None
            sa.state = t.tx_state
            self._send(out, sa, reply, EXCHANGE_MAIN, 0)
            sa.last_sent = reply
        self._internal(out, sa, t.internal[1], PROCESS_COMPLETE)
        sa.state, sa.resends = t.next_state, 0
        if t.next_state == QM_IDLE:
            sa.awaiting_reply, sa.established_at = False, now
            self._cancel(out, sa, "retransmit")
            assert sa.negotiated is not None
            self._arm(out, sa, "lifetime", now + sa.negotiated.lifetime)
            self._emit(out, sa, "phase1_complete", peer=sa.peer, role=sa.role)
            self._qm_pending_start(out, now, sa)
        else:
            sa.awaiting_reply = True
            self._arm_retransmit(out, now, sa)

    def _new_responder(self, out: Output, now: float, header: Header, data: bytes, src: int,
                       sport: int, dst: int, dport: int, rx: dict[str, Any]) -> None:
        self._emit(out, None, "rx", peer=src, state="NEW SA", role="N", new_sa=True, **rx)
        if not self.crypto.policies:
            return                         # ISAKMP not configured: IOS stays silent
        try:
            payloads = _plain_payloads(header, data)
        except IsakmpDecodeError as exc:
            self._emit(out, None, "malformed", peer=src, offset=exc.offset, reason=exc.reason)
            self._notify_plain(out, None, header, dst, dport, src, sport, exc.notify)
            return
        sa = self._new_sa(now, "R", dst, src, dport, sport, header.icookie)
        self._emit(out, sa, "sa_created", role="R", peer=src, local=dst)
        self._emit(out, sa, "local_port", local_port=dport, remote_port=sport)
        t = lookup(NEW, "R", "MM1")
        assert t is not None
        self._run(out, now, sa, t, header, data, payloads)
        if sa.state == MM_NO_STATE and not sa.deleted:
            # rejected before an answer existed: do not leave a timer-less SA behind
            self._delete(out, now, sa, REASON_NO_PROPOSAL, notify_peer=False)

    # ------------------------------------------------------------------ payload helpers
    def _process(self, out: Output, sa: IsakmpSa, payloads: list[Payload],
                 message_id: int = 0) -> None:
        for p in payloads:
            name = PAYLOAD_NAMES.get(type(p), "VENDOR")
            self._emit(out, sa, "process_payload", payload=name, message_id=message_id)

    @staticmethod
    def _one(payloads: list[Payload], cls: type, check: str) -> Any:
        found = [p for p in payloads if isinstance(p, cls)]
        if len(found) != 1:
            raise _Reject("bad_message", reason=f"{check}: expected one {cls.__name__}")
        return found[0]

    def _psk(self, out: Output, sa: IsakmpSa) -> bytes:
        key = self.crypto.key_for(_ip(sa.peer))
        if key is None:
            raise _Reject("no_psk", peer=sa.peer)
        self._emit(out, sa, "psk_found", peer=sa.peer)
        return key.key.encode()

    def _keys(self, out: Output, sa: IsakmpSa, peer_ke: bytes) -> None:
        """g^xy, SKEYID* and the cipher key (RFC 2409 §5, Appendix B)."""
        assert sa.psk is not None and sa.dh is not None
        try:
            sa.gxy = sa.dh.shared_secret(peer_ke)
        except CryptoError as exc:
            raise _Reject("bad_message", peer=sa.peer, reason=str(exc)) from exc
        if sa.role == "I":
            sa.gxr = peer_ke
        else:
            sa.gxi = peer_ke
        k = derive_skeyids(sa.hash_name, sa.psk, sa.ni, sa.nr, sa.gxy, sa.icookie, sa.rcookie)
        sa.skeyid, sa.skeyid_d, sa.skeyid_a, sa.skeyid_e = (k.skeyid, k.skeyid_d, k.skeyid_a,
                                                            k.skeyid_e)
        sa.cipher_key = expand_cipher_key(sa.hash_name, sa.skeyid_e,
                                          CIPHERS[sa.cipher_name].key_len)
        if self.profile.conn_id_scheme == "1001" and not sa.conn_id_1001:
            sa.conn_id_1001, self._next_1001 = self._next_1001, self._next_1001 + 1
        self._emit(out, sa, "skeyid_generated")

    def _new_dh(self, sa: IsakmpSa) -> bytes:
        assert sa.negotiated is not None
        group = sa.negotiated.group
        x = private_value_from_bytes(group, self.rng.randbytes(DH_PRIVATE_LEN))
        sa.dh = DiffieHellman(group, x, backend=self.dh_backend)
        return sa.dh.public_bytes()

    @staticmethod
    def _nonce(payloads: list[Payload]) -> bytes:
        nonce = IsakmpEngine._one(payloads, NoncePayload, "nonce_payload").data
        if not 8 <= len(nonce) <= 256:      # RFC 2409 §5: nonce of 8 to 256 octets
            raise _Reject("bad_message", reason=f"nonce of {len(nonce)} octets")
        return nonce

    def _id(self, sa: IsakmpSa) -> IdPayload:
        # ID_IPV4_ADDR, UDP/500 (RFC 2407 §4.6.2), as IOS sends in phase 1.
        return IdPayload(ID_IPV4_ADDR, 17, IKE_PORT, sa.local.to_bytes(4, "big"))

    def _auth_method(self, out: Output, sa: IsakmpSa) -> None:
        assert sa.negotiated is not None
        if sa.negotiated.authentication != "pre-share":
            raise _Reject("bad_message", peer=sa.peer,
                          reason=f"{sa.negotiated.authentication} is not supported")
        self._emit(out, sa, "auth_method", method="pre-shared key", id_type="ID_IPV4_ADDR")

    # ------------------------------------------------------------------ actions (table rows)
    def _act_respond_mm2(self, out: Output, now: float, sa: IsakmpSa, header: Header,
                         data: bytes, payloads: list[Payload]) -> bytes | None:
        self._process(out, sa, payloads[:1])
        if not payloads or not isinstance(payloads[0], SaPayload):
            raise _Reject("bad_message", peer=sa.peer, reason="sa_payload: SA must come first")
        offered: SaPayload = payloads[0]
        key = self.crypto.key_for(_ip(sa.peer))
        if key is not None:
            sa.psk = key.key.encode()
            self._emit(out, sa, "psk_found", peer=sa.peer)
        else:
            self._emit(out, sa, "no_psk", peer=sa.peer)
        result = props.choose(offered, self.crypto.policies_in_order(), have_psk=key is not None)
        for kind, fields in result.log:
            self._emit(out, sa, kind, **fields)
        if result.negotiated is None:
            self._emit(out, sa, "policy_not_acceptable", peer=sa.peer)
            sa.rcookie = self.rng.randbytes(8)
            self._notify_plain(out, sa, header, sa.local, sa.local_port, sa.peer, sa.peer_port,
                               NotifyType.NO_PROPOSAL_CHOSEN)
            self._delete(out, now, sa, REASON_NO_PROPOSAL, notify_peer=False)
            raise _Reject(None)            # already reported and deleted
        sa.negotiated = result.negotiated
        self._auth_method(out, sa)
        sa.sai_b = _first_payload_body(data)   # SAi_b exactly as received
        sa.rcookie = self.rng.randbytes(8)
        assert result.proposal is not None and result.transform is not None
        chosen = SaPayload([props.Proposal(result.proposal.number, PROTO_ISAKMP, b"",
                                           [result.transform])])
        return encode_message(Message(Header(sa.icookie, sa.rcookie, 0, EXCHANGE_MAIN),
                                      [chosen]))

    def _act_send_mm3(self, out: Output, now: float, sa: IsakmpSa, header: Header,
                      data: bytes, payloads: list[Payload]) -> bytes | None:
        self._process(out, sa, payloads[:1])
        sa_p = payloads[0] if payloads and isinstance(payloads[0], SaPayload) else None
        if (sa_p is None or len(sa_p.proposals) != 1
                or len(sa_p.proposals[0].transforms) != 1):
            raise _Reject("bad_message", peer=sa.peer,
                          reason="sa_payload: expected one proposal with one transform")
        chosen = sa_p.proposals[0].transforms[0]
        mine = {t.number: t for t in sa.offered.proposals[0].transforms}
        sent = mine.get(chosen.number)
        if sent is None or props.Offer.of(sent) != props.Offer.of(chosen):
            raise _Reject("bad_message", peer=sa.peer,
                          reason="transform_offered: chosen transform was not offered")
        self._emit(out, sa, "psk_found", peer=sa.peer)
        result = props.choose(sa_p, self.crypto.policies_in_order())
        for kind, fields in result.log:
            self._emit(out, sa, kind, **fields)
        if result.negotiated is None:
            raise _Reject("policy_not_acceptable", peer=sa.peer)
        sa.negotiated = result.negotiated
        self._auth_method(out, sa)
        sa.rcookie = header.rcookie
        sa.gxi = self._new_dh(sa)
        sa.ni = self.rng.randbytes(NONCE_LEN)
        return encode_message(Message(Header(sa.icookie, sa.rcookie, 0, EXCHANGE_MAIN),
                                      [KePayload(sa.gxi), NoncePayload(sa.ni)]))

    def _act_respond_mm4(self, out: Output, now: float, sa: IsakmpSa, header: Header,
                         data: bytes, payloads: list[Payload]) -> bytes | None:
        self._process(out, sa, payloads)
        ke = self._one(payloads, KePayload, "ke_payload").data
        ni = self._nonce(payloads)
        sa.psk = self._psk(out, sa)
        sa.gxr = self._new_dh(sa)
        sa.ni, sa.nr = ni, self.rng.randbytes(NONCE_LEN)
        self._keys(out, sa, ke)
        return encode_message(Message(Header(sa.icookie, sa.rcookie, 0, EXCHANGE_MAIN),
                                      [KePayload(sa.gxr), NoncePayload(sa.nr)]))

    def _act_send_mm5(self, out: Output, now: float, sa: IsakmpSa, header: Header,
                      data: bytes, payloads: list[Payload]) -> bytes | None:
        self._process(out, sa, payloads)
        ke = self._one(payloads, KePayload, "ke_payload").data
        sa.nr = self._nonce(payloads)
        self._keys(out, sa, ke)
        ident = self._id(sa)
        h = hash_i(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                   payload_body(ident))
        iv = phase1_iv(sa.hash_name, sa.gxi, sa.gxr, CIPHERS[sa.cipher_name].block_size)
        reply, sa.iv = protect.encrypt_message(sa, EXCHANGE_MAIN, 0, [ident, HashPayload(h)], iv)
        return reply

    def _open_mm56(self, out: Output, sa: IsakmpSa, header: Header, data: bytes,
                   iv: bytes) -> tuple[IdPayload, bytes, bytes]:
        try:
            payloads, _, last = protect.decrypt_message(sa, header, data, iv)
        except (ProtectionError, CryptoError) as exc:
            raise _Reject("bad_message", peer=sa.peer, reason=str(exc)) from exc
        ident = self._one(payloads, IdPayload, "id_payload")
        h = self._one(payloads, HashPayload, "hash").data
        self._process(out, sa, payloads)
        return ident, h, last

    def _act_respond_mm6(self, out: Output, now: float, sa: IsakmpSa, header: Header,
                         data: bytes, payloads: list[Payload] | None) -> bytes | None:
        block = CIPHERS[sa.cipher_name].block_size
        iv = phase1_iv(sa.hash_name, sa.gxi, sa.gxr, block)
        ident, got, last = self._open_mm56(out, sa, header, data, iv)
        want = hash_i(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                      payload_body(ident))
        if not hmac.compare_digest(got, want):
            raise _Reject("bad_message", peer=sa.peer, reason="hash_i: HASH_I did not match")
        self._emit(out, sa, "authenticated", peer=sa.peer)
        mine = self._id(sa)
        h = hash_r(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                   payload_body(mine))
        reply, sa.iv = protect.encrypt_message(sa, EXCHANGE_MAIN, 0, [mine, HashPayload(h)], last)
        return reply

    def _act_complete(self, out: Output, now: float, sa: IsakmpSa, header: Header,
                      data: bytes, payloads: list[Payload] | None) -> bytes | None:
        ident, got, last = self._open_mm56(out, sa, header, data, sa.iv)
        want = hash_r(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                      payload_body(ident))
        if not hmac.compare_digest(got, want):
            raise _Reject("bad_message", peer=sa.peer, reason="hash_r: HASH_R did not match")
        sa.iv = last
        self._emit(out, sa, "authenticated", peer=sa.peer)
        return None

    # ------------------------------------------------------------------ informational
    def _receive_info(self, out: Output, now: float, sa: IsakmpSa, header: Header,
                      data: bytes) -> None:
        if header.encrypted:
            if not sa.skeyid_a or sa.state != QM_IDLE:
                self._emit(out, sa, "bad_message", peer=sa.peer,
                           reason="encrypted informational before phase 1 completed")
                return
            try:
                payloads = protect.open_informational(sa, header, data)
            except (ProtectionError, CryptoError) as exc:
                self._emit(out, sa, "bad_message", peer=sa.peer, reason=str(exc))
                return
        else:
            try:
                payloads = _plain_payloads(header, data)
            except IsakmpDecodeError as exc:
                self._emit(out, sa, "malformed", peer=sa.peer, offset=exc.offset,
                           reason=exc.reason)
                return
        self._process(out, sa, payloads, header.message_id)
        for p in payloads:
            if isinstance(p, NotificationPayload):
                message = "INFO_NOTIFY"
            elif isinstance(p, DeletePayload):
                ours = sa.icookie + sa.rcookie in p.spis and int(p.protocol) == PROTO_ISAKMP
                if not (header.encrypted and ours):
                    self._emit(out, sa, "bad_message", peer=sa.peer,
                               reason="unprotected or foreign delete ignored")
                    continue
                message = "INFO_DELETE"
            else:
                continue
            t = None if sa.deleted else lookup(sa.state, sa.role, message)
            if t is None:
                continue
            self.taken[t] += 1
            getattr(self, "_act_" + t.action)(out, now, sa, p)
            if header.encrypted and isinstance(p, NotificationPayload):
                self._qm_refused(out, sa, p)     # an authenticated refusal of our quick mode

    def _act_log_notify(self, out: Output, now: float, sa: IsakmpSa,
                        p: NotificationPayload) -> None:
        code = int(p.notify_type)
        self._emit(out, sa, "notify_rx", peer=sa.peer, notify_type=_notify_name(code),
                   notify_code=code, protocol=int(p.protocol))

    def _act_peer_delete(self, out: Output, now: float, sa: IsakmpSa, p: DeletePayload) -> None:
        self._delete(out, now, sa, REASON_PEER_DELETE, notify_peer=False)
