"""Main mode as a list of small tasks (strongSwan's ``sa/ikev1/tasks`` model): each task
processes the payloads it owns in a received message and contributes payloads to the message
being built. Main mode itself (``main_mode``) only runs the list in order, encrypts MM5/MM6
and keeps the flight.

    message  ProposalTask             KeyExchangeTask        PskAuthTask
    MM1      build SA offer / choose  -                      (auth method announced)
    MM2      answer / check answer    -                      "
    MM3      -                        KE, Ni / store         PSK lookup (responder)
    MM4      -                        KE, Nr / SKEYID*       -
    MM5/MM6  -                        -                      IDii|IDir, HASH_I|HASH_R

Vendor IDs (DPD, NAT-T, Unity: ``vendor.VendorIdTask``), NAT detection and port floating
(NAT-D in MM3/MM4, 4500 from MM5: ``natt.NatTraversalTask``), what follows authentication
(INITIAL-CONTACT, the peer record: ``AuthenticatedTask``) and certificates (CERT, CERT_REQ, SIG)
are further tasks in this list, not branches inside these.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Protocol

from ikesim.crypto import (
    CIPHERS,
    CryptoError,
    DiffieHellman,
    Skeyids,
    derive_skeyids,
    expand_cipher_key,
    get_group,
    hash_i,
    hash_r,
    private_value_from_bytes,
    validate_public,
)
from ikesim.ike import identities, ios_detail, lifecycle
from ikesim.ike import proposals as props
from ikesim.ike.auth_rsa import CertRequestTask, RsaSigTask, sig_skeyids
from ikesim.ike.context import Context, Reject
from ikesim.ike.informational import notify_plain
from ikesim.ike.messages import PROTO_ISAKMP, first_payload_body, nonce_ok
from ikesim.ike.natt import NatTraversalTask
from ikesim.ike.sa import IsakmpSa
from ikesim.ike.vendor import VendorIdTask
from ikesim.isakmp import (
    HashPayload,
    Header,
    IdPayload,
    KePayload,
    NoncePayload,
    NotificationPayload,
    NotifyType,
    Payload,
    SaPayload,
    SigPayload,
    payload_body,
)

NONCE_LEN = 20            # IOS sends 20-octet nonces
DH_PRIVATE_LEN = 32       # octets of RNG material per DH private value (256-bit exponent)
REASON_NO_PROPOSAL = "Phase1 SA policy proposal not accepted"
# guess: the reason IOS gives when INITIAL-CONTACT brings an older SA down (not in a capture).
REASON_INITIAL_CONTACT = "Receive initial contact"


class Phase1Task(Protocol):
    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        """Consume a received ``message`` (raise Reject to refuse it)."""

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        """Payloads this task adds to the ``message`` being sent."""


def _one(payloads: list[Payload], cls: type) -> Payload:
    # The transition table already guaranteed exactly one.
    for p in payloads:
        if isinstance(p, cls):
            return p
    raise StopIteration(cls.__name__)


def _nonce(sa: IsakmpSa, payloads: list[Payload]) -> bytes:
    nonce = _one(payloads, NoncePayload).data   # type: ignore[union-attr]
    if not nonce_ok(nonce):
        raise Reject("bad_message", peer=sa.peer, reason=f"nonce of {len(nonce)} octets")
    return nonce


class ProposalTask:
    """The ISAKMP SA offer (MM1) and its acceptance (MM2) against `crypto isakmp policy`."""

    PROCESSES = BUILDS = frozenset({"MM1", "MM2"})     # the messages it acts on (main_mode)

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message == "MM1":
            self._choose(ctx, now, sa, header, data, payloads)
        elif message == "MM2":
            self._check_answer(ctx, sa, payloads)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        if message == "MM1":
            sa.offered = props.initiator_sa(ctx.crypto.policies_in_order(),
                                            order=ctx.profile.ike_attribute_order,
                                            first=ctx.profile.first_transform_number)
            return [sa.offered]
        if message == "MM2":
            chosen, sa.chosen = sa.chosen, None      # resends use the encoded MM2
            assert chosen is not None
            return [chosen]
        return []

    @staticmethod
    def _choose(ctx: Context, now: float, sa: IsakmpSa, header: Header, data: bytes,
                payloads: list[Payload]) -> None:
        offered = payloads[0]
        if not isinstance(offered, SaPayload):
            raise Reject("bad_message", peer=sa.peer, reason="sa_payload: SA must come first")
        key = ctx.psk_for(sa.peer, sa.local)
        if key is not None:
            sa.psk = key.key.encode()
            ctx.emit(sa, "psk_found", peer=sa.peer)
            ctx.detail(sa, "psk_local")
        elif ctx.uses(PSK):
            ctx.emit(sa, "no_psk", peer=sa.peer)
        ctx.detail(sa, "profile_scan", profiles=list(ctx.crypto.isakmp_profiles))
        result = props.choose(offered, ctx.crypto.policies_in_order(), have_psk=key is not None,
                              lifetime_rule=ctx.profile.lifetime_rule)
        for kind, fields in result.log:
            ctx.emit(sa, kind, **fields)
        if result.negotiated is None:
            ctx.emit(sa, "policy_not_acceptable", peer=sa.peer, local=sa.local)
            sa.rcookie = ctx.random(8)
            notify_plain(ctx, sa, header, sa.local, sa.local_port, sa.peer, sa.peer_port,
                         NotifyType.NO_PROPOSAL_CHOSEN)
            lifecycle.delete(ctx, now, sa, REASON_NO_PROPOSAL, notify_peer=False)
            raise Reject(None)             # already reported and deleted
        sa.negotiated = result.negotiated
        sa.notify_lifetime = result.responder_lifetime or 0
        _lifetime_set(ctx, sa, result, actual=result.negotiated.lifetime)
        sa.sai_b = first_payload_body(data)   # SAi_b exactly as received
        assert result.proposal is not None and result.transform is not None
        sa.chosen = SaPayload([props.Proposal(result.proposal.number, PROTO_ISAKMP, b"",
                                              [result.transform])])

    @staticmethod
    def _check_answer(ctx: Context, sa: IsakmpSa, payloads: list[Payload]) -> None:
        sa_p = payloads[0] if isinstance(payloads[0], SaPayload) else None
        if (sa_p is None or len(sa_p.proposals) != 1
                or len(sa_p.proposals[0].transforms) != 1):
            raise Reject("bad_message", peer=sa.peer,
                         reason="sa_payload: expected one proposal with one transform")
        chosen = sa_p.proposals[0].transforms[0]
        mine = {t.number: t for t in sa.offered.proposals[0].transforms}
        sent = mine.get(chosen.number)
        if sent is None or props.Offer.of(sent) != props.Offer.of(chosen):
            raise Reject("bad_message", peer=sa.peer,
                         reason="transform_offered: chosen transform was not offered")
        sa.offered = None                            # checked: no later step needs it
        if sa.psk is not None:
            ctx.emit(sa, "psk_found", peer=sa.peer)
            ctx.detail(sa, "psk_local")
        ctx.detail(sa, "profile_scan", profiles=list(ctx.crypto.isakmp_profiles))
        result = props.choose(sa_p, ctx.crypto.policies_in_order())
        for kind, fields in result.log:
            ctx.emit(sa, kind, **fields)
        if result.negotiated is None:
            raise Reject("policy_not_acceptable", peer=sa.peer, local=sa.local)
        sa.negotiated = result.negotiated
        _lifetime_set(ctx, sa, result, actual=0)


def _lifetime_set(ctx: Context, sa: IsakmpSa, result: props.MatchResult, *, actual: int) -> None:
    """IOS-XE's "Started lifetime timer: N." block (04: an initiator shows actual life 0; 05: a
    responder the lifetime it accepted)."""
    # guess: what "actual life" means beyond those two captures (offered = local there).
    assert result.negotiated is not None
    life = result.negotiated.lifetime
    ctx.detail(sa, "lifetime_set", lifetime=life, actual_life=actual, vpi=life > 0xFFFF,
               vpi_length=4)


class KeyExchangeTask:
    """Diffie-Hellman values and nonces (MM3/MM4) and the keys derived from them."""

    PROCESSES = BUILDS = frozenset({"MM3", "MM4"})

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message == "MM3":
            peer_ke = self._peer_ke(sa, payloads)
            sa.ni = _nonce(sa, payloads)
            # The responder makes its DH value and the keys as it reads MM3 (IOS prints the new
            # conn-id from the VIDs of MM3 on, trace 05); MM4 only carries them.
            sa.gxr = self._new_dh(ctx, sa)
            sa.nr = ctx.random(ctx.profile.nonce_length)
            self._keys(ctx, sa, peer_ke)
        elif message == "MM4":
            peer_ke = self._peer_ke(sa, payloads)
            sa.nr = _nonce(sa, payloads)
            ctx.detail(sa, "psk_found", peer=sa.peer)      # trace 04, after NONCE
            self._keys(ctx, sa, peer_ke)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        if message == "MM3":
            sa.gxi = self._new_dh(ctx, sa)
            sa.ni = ctx.random(ctx.profile.nonce_length)
            return [KePayload(sa.gxi), NoncePayload(sa.ni)]
        if message == "MM4":
            return [KePayload(sa.gxr), NoncePayload(sa.nr)]
        return []

    @staticmethod
    def _peer_ke(sa: IsakmpSa, payloads: list[Payload]) -> bytes:
        """The peer's g^x, checked before any work is spent on it: as long as the group's
        prime (RFC 2409 §5: "the Diffie-Hellman public value ... MUST be the length of the
        prime") and 1 < y < p-1."""
        ke = _one(payloads, KePayload).data   # type: ignore[union-attr]
        assert sa.negotiated is not None
        group = get_group(sa.negotiated.group)
        try:
            if len(ke) != group.size:
                raise CryptoError(f"DH public value is {len(ke)} octets, group {group.id} "
                                  f"needs {group.size}")
            validate_public(group, int.from_bytes(ke, "big"))
        except CryptoError as exc:
            raise Reject("bad_message", peer=sa.peer, reason=f"ke_payload: {exc}") from exc
        return ke

    @staticmethod
    def _new_dh(ctx: Context, sa: IsakmpSa) -> bytes:
        assert sa.negotiated is not None
        group = sa.negotiated.group
        x = private_value_from_bytes(group, ctx.random(DH_PRIVATE_LEN))
        sa.dh = DiffieHellman(group, x, backend=ctx.dh_backend)
        return sa.dh.public_bytes()

    @staticmethod
    def _keys(ctx: Context, sa: IsakmpSa, peer_ke: bytes) -> None:
        """g^xy, SKEYID* and the cipher key (RFC 2409 §5, Appendix B); SKEYID depends on the
        authentication method (``SKEYIDS``)."""
        assert sa.dh is not None and sa.negotiated is not None
        derive = SKEYIDS.get(sa.negotiated.authentication)
        if derive is None:
            raise Reject("bad_message", peer=sa.peer,
                         reason=f"{sa.negotiated.authentication} is not supported")
        try:
            sa.gxy = sa.dh.shared_secret(peer_ke)
        except CryptoError as exc:
            raise Reject("bad_message", peer=sa.peer, reason=str(exc)) from exc
        sa.dh = None                                 # x is not needed once g^xy exists
        if sa.role == "I":
            sa.gxr = peer_ke
        else:
            sa.gxi = peer_ke
        k = derive(sa)
        sa.skeyid, sa.skeyid_d, sa.skeyid_a, sa.skeyid_e = (k.skeyid, k.skeyid_d, k.skeyid_a,
                                                            k.skeyid_e)
        sa.cipher_key = expand_cipher_key(sa.hash_name, sa.skeyid_e,
                                          CIPHERS[sa.cipher_name].key_len)
        if ctx.profile.conn_id_scheme == "1001" and not sa.conn_id_1001:
            sa.conn_id_1001, ctx.next_1001 = ctx.next_1001, ctx.next_1001 + 1
        ctx.emit(sa, "skeyid_generated")


class PskAuthTask:
    """Pre-shared-key authentication (RFC 2409 §5.4): the key (responder, MM3), then IDs and
    HASH_I / HASH_R in the encrypted MM5/MM6."""

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message in ("MM1", "MM2"):
            if ctx.profile.auth_announce == "policy":      # 12.2: seed, trace 01
                ctx.emit(sa, "auth_method", method="pre-shared key", id_type="ID_IPV4_ADDR")
        elif message == "MM3":
            # the responder does not know the peer's identity yet: every keyring applying to
            # the local address is searched (Cisco TAC document 117259)
            key = ctx.psk_for(sa.peer, sa.local)
            if key is None:
                raise Reject("no_psk", peer=sa.peer)
            ctx.emit(sa, "psk_found", peer=sa.peer)
            sa.psk = key.key.encode()
        elif message in ("MM5", "MM6"):
            ident = _one(payloads, IdPayload)
            if not any(isinstance(p, HashPayload) for p in payloads):
                raise Reject("bad_message", peer=sa.peer,
                             reason=f"{message}: missing HASH payload")
            if any(isinstance(p, SigPayload) for p in payloads):
                raise Reject("bad_message", peer=sa.peer,
                             reason=f"{message}: unexpected SIG payload")
            ios_detail.adopt_profile(ctx, sa, ident)
            identities.check_peer(ctx, now, sa, ident)    # type: ignore[arg-type]
            got = _one(payloads, HashPayload).data   # type: ignore[union-attr]
            compute, which = (hash_i, "HASH_I") if message == "MM5" else (hash_r, "HASH_R")
            want = compute(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie,
                           sa.sai_b, payload_body(ident))
            if not hmac.compare_digest(got, want):
                raise Reject("bad_message", peer=sa.peer,
                             reason=f"{which.lower()}: {which} did not match")
            ctx.emit(sa, "authenticated", peer=sa.peer)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        if message not in ("MM5", "MM6"):
            return []
        ident = identities.local_id(ctx, sa)
        compute = hash_i if message == "MM5" else hash_r
        h = compute(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                    payload_body(ident))
        # INITIAL-CONTACT (RFC 2407 §4.6.3.3: SPI = the two cookies) after the HASH, as IOS
        # orders MM5 (trace 05: ID, HASH, NOTIFY); sent when no other SA with the peer exists.
        contact = (message == "MM5" and ctx.profile.initial_contact
                   and not any(o is not sa and o.peer == sa.peer and not o.deleted
                               for o in ctx.sadb))
        if contact:
            ctx.detail(sa, "initial_contact_sent")
        if ctx.profile.auth_announce == "id":              # 15.x/IOS-XE: traces 04, 05, 07
            ctx.emit(sa, "auth_method", method="pre-shared key", id_type="ID_IPV4_ADDR")
        ios_detail.id_payload(ctx, sa, ident, sent=True)
        tail: list[Payload] = [NotificationPayload(NotifyType.INITIAL_CONTACT, PROTO_ISAKMP,
                                                   sa.icookie + sa.rcookie)] if contact else []
        return [ident, HashPayload(h), *tail]


def _psk_skeyids(sa: IsakmpSa) -> Skeyids:
    """Pre-shared keys: SKEYID = prf(pre-shared-key, Ni_b | Nr_b) (RFC 2409 §5)."""
    if sa.psk is None:
        raise Reject("no_psk", peer=sa.peer)
    return derive_skeyids(sa.hash_name, sa.psk, sa.ni, sa.nr, sa.gxy, sa.icookie, sa.rcookie)


def _sig_skeyids(sa: IsakmpSa) -> Skeyids:
    return sig_skeyids(sa.hash_name, sa.ni, sa.nr, sa.gxy, sa.icookie, sa.rcookie)


PSK, RSA_SIG = "pre-share", "rsa-sig"
SKEYIDS: dict[str, Callable[[IsakmpSa], Skeyids]] = {PSK: _psk_skeyids, RSA_SIG: _sig_skeyids}


class AuthTask:
    """The authentication task of the negotiated method (``METHODS``): pre-shared keys or RSA
    signatures (``auth_rsa``); a method with no task is refused when the policy is agreed."""

    METHODS: dict[str, Phase1Task] = {PSK: PskAuthTask(), RSA_SIG: RsaSigTask(with_id=True)}

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        assert sa.negotiated is not None
        task = self.METHODS.get(sa.negotiated.authentication)
        if task is None:
            raise Reject("bad_message", peer=sa.peer,
                         reason=f"{sa.negotiated.authentication} is not supported")
        task.process(ctx, now, sa, message, header, data, payloads)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        task = self.METHODS.get(sa.negotiated.authentication) if sa.negotiated else None
        return task.build(ctx, sa, message) if task is not None else []


class AuthenticatedTask:
    """What follows a verified HASH_I/HASH_R (MM5/MM6), after the port float of NAT-T (trace
    05: "Detected port floating", then "Process initial contact ... remote port 4501"): the
    peer's INITIAL-CONTACT is honoured and the peer recorded."""

    PROCESSES, BUILDS = frozenset({"MM5", "MM6"}), frozenset()

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message not in ("MM5", "MM6"):
            return
        if any(isinstance(p, NotificationPayload)
               and int(p.notify_type) == NotifyType.INITIAL_CONTACT for p in payloads):
            _initial_contact(ctx, now, sa)
        ios_detail.authenticated(ctx, sa)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        return []


def _initial_contact(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """The peer says it has no other SA with us: older phase-1 and phase-2 SAs with it go
    (trace 05: "Process initial contact, bring down existing phase 1 and 2 SA's …")."""
    sa.initial_contact = True
    # trace 05: IOS looks the peer up by address and (floated) port before bringing it down
    ctx.detail(sa, "peer_lookup", local=sa.local, peer=sa.peer, port=sa.peer_port)
    ctx.detail(sa, "initial_contact_processed", local=sa.local, peer=sa.peer,
               port=sa.peer_port)
    for old in [o for o in ctx.sadb if o is not sa and o.peer == sa.peer and not o.deleted]:
        lifecycle.delete(ctx, now, old, REASON_INITIAL_CONTACT, notify_peer=False)
    lifecycle.drop_ipsec(ctx, sa.peer, keep_serial=sa.serial, reason="initial contact")


# Order matters: VIDs of MM1/MM2 are read before the proposal, the PSK of MM3 before the keys
# are made, VIDs of MM3/MM4 after them (under the new conn-id); VIDs, then NAT-D end the
# messages built (IOS's MM3/MM4); the port float comes before INITIAL-CONTACT is honoured.
TASKS: tuple[Phase1Task, ...] = (VendorIdTask(early=True), ProposalTask(), AuthTask(),
                                 KeyExchangeTask(), CertRequestTask(), VendorIdTask(early=False),
                                 NatTraversalTask(), AuthenticatedTask())
