"""Aggressive mode (RFC 2409 §5.4) as phase-1 tasks, in the model of ``phase1_tasks``:

    message  ProposalTask          IdentityTask (+KeyLookupTask) KeyExchangeTask AuthTask
    AM1      SA offer / choose     IDii; profile, key lookup    KE, Ni / store   -
    AM2      answer / check it     IDir                         KE, Nr / SKEYID* HASH_R (SIG_R)
    AM3      -                     -                            -                HASH_I (SIG_I)

The responder reads AM1 in IOS's order (trace 14 in ../shared/fidelity): the SA and ID
payloads, the profile the identity matches, the VIDs, the key found for it, then the policy
check, then KE and NONCE. Message payloads are built in RFC order (SA, KE, Nonce, ID, HASH),
VIDs last.
Signature authentication replaces the AuthTask (``auth_rsa``).
"""

from __future__ import annotations

import hmac

from ikesim.crypto import hash_i, hash_r
from ikesim.ike import identity as ids
from ikesim.ike import ios_detail, lifecycle, vendor
from ikesim.ike import proposals as props
from ikesim.ike.context import Context, Reject
from ikesim.ike.informational import notify_plain
from ikesim.ike.messages import PROTO_ISAKMP, first_payload_body, payload_name
from ikesim.ike.phase1_tasks import (
    NONCE_LEN,
    REASON_NO_PROPOSAL,
    KeyExchangeTask,
    Phase1Task,
    ProposalTask,
    _nonce,
    _one,
)
from ikesim.ike.sa import IsakmpSa
from ikesim.isakmp import (
    HashPayload,
    Header,
    IdPayload,
    KePayload,
    NoncePayload,
    NotifyType,
    Payload,
    SaPayload,
    SigPayload,
    VendorIdPayload,
    payload_body,
    payload_type,
)

PSK = "pre-share"


def announce(ctx: Context, sa: IsakmpSa, payloads: list[Payload], *names: str) -> None:
    """The "processing X payload. message ID = 0" lines for the payloads named, in order."""
    for p in payloads:
        if payload_name(p) in names:
            ctx.emit(sa, "process_payload", payload=payload_name(p), message_id=0)


def aggressive_offer(crypto_policies: list) -> SaPayload:
    """The initiator's AM1 offer. The DH value travels in AM1, so every transform must use the
    group of that value (RFC 2409 §5.4: "the Diffie-Hellman group ... cannot be negotiated")."""
    # guess: IOS offers only its policies with the group of its highest-priority policy.
    group = crypto_policies[0].group
    return props.initiator_sa([p for p in crypto_policies if p.group == group])


class AgProposalTask:
    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message == "AM1":
            self._choose(ctx, now, sa, header, data, payloads)
        elif message == "AM2":
            announce(ctx, sa, payloads, "SA")
            offered = sa.offered
            ProposalTask._check_answer(ctx, sa, payloads)
            # kept until AM2 authenticates: a resent AM2 is checked again (aggressive.run_tasks
            # drops it once phase 1 is up)
            sa.offered = offered

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        if message == "AM1":
            sa.offered = aggressive_offer(ctx.crypto.policies_in_order())
            return [sa.offered]
        if message == "AM2":
            assert sa.chosen is not None
            return [sa.chosen]
        return []

    @staticmethod
    def _choose(ctx: Context, now: float, sa: IsakmpSa, header: Header, data: bytes,
                payloads: list[Payload]) -> None:
        offered = payloads[0]
        if not isinstance(offered, SaPayload):
            raise Reject("bad_message", peer=sa.peer, reason="sa_payload: SA must come first")
        result = props.choose(offered, ctx.crypto.policies_in_order(), have_psk=sa.psk is not None)
        for kind, fields in result.log:
            ctx.emit(sa, kind, **fields)
        if result.negotiated is None:
            ctx.emit(sa, "policy_not_acceptable", peer=sa.peer)
            sa.rcookie = ctx.random(8)
            notify_plain(ctx, sa, header, sa.local, sa.local_port, sa.peer, sa.peer_port,
                         NotifyType.NO_PROPOSAL_CHOSEN)
            lifecycle.delete(ctx, now, sa, REASON_NO_PROPOSAL, notify_peer=False)
            raise Reject(None)
        sa.negotiated = result.negotiated
        sa.sai_b = first_payload_body(data)
        assert result.proposal is not None and result.transform is not None
        sa.chosen = SaPayload([props.Proposal(result.proposal.number, PROTO_ISAKMP, b"",
                                              [result.transform])])


def _next_payload(payloads: list[Payload], p: Payload) -> int:
    """The type of the payload after ``p`` in its message (0 at the end)."""
    at = next(i for i, q in enumerate(payloads) if q is p)
    return int(payload_type(payloads[at + 1])) if at + 1 < len(payloads) else 0


class IdentityTask:
    """IDii / IDir: the identity sent; on the responder the ISAKMP profile it matches (trace 14:
    the ID dump, then ":: peer matches j2c-1 profile")."""

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message not in ("AM1", "AM2"):
            return
        announce(ctx, sa, payloads, "SA", "ID") if message == "AM1" else \
            announce(ctx, sa, payloads, "ID")
        ident = _one(payloads, IdPayload)
        assert isinstance(ident, IdPayload)
        sa.peer_id = ident
        ios_detail.id_payload(ctx, sa, ident, sent=False,
                              next_payload=_next_payload(payloads, ident))
        if message == "AM1":
            profile = ids.matching_profile(ctx.crypto, ids.PeerIdentity.of(ident))
            sa.profile = profile.name if profile is not None else None
            ctx.detail(sa, "profile_match", profile=sa.profile or "")

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        if message not in ("AM1", "AM2"):
            return []
        if message == "AM2":
            prof = ctx.crypto.isakmp_profiles.get(sa.profile or "")
            sa.local_id = ids.local_identity(
                ctx.crypto, sa.local, self_identity=prof.self_identity if prof else None)
        ident = sa.local_id
        assert isinstance(ident, IdPayload)
        method = "pre-shared key" if sa.negotiated is None or \
            sa.negotiated.authentication == PSK else "RSA signature"
        ctx.emit(sa, "auth_method", method=method, id_type=ids.id_name(int(ident.id_type)))
        # the payload after the ID: HASH_R (8) or the certificate (6) in AM2; in AM1 the VIDs
        # (13, trace 14's "next-payload : 13") or nothing
        after = (13 if vendor_names(ctx, message) else 0) if message == "AM1" else \
            8 if method == "pre-shared key" else 6
        ios_detail.id_payload(ctx, sa, ident, sent=True, next_payload=after)
        return [ident]


class KeyLookupTask:
    """The responder's pre-shared key for the identity of AM1: by hostname first, by address
    second (trace 14: "no pre-shared key based on hostname srx110c2821!", "local preshared key
    found"), then the profile's XAUTH settings ("Looking for xauth in profile j2c-1")."""

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message != "AM1" or not ctx.uses(PSK):
            return                      # signatures only: no key to look up (auth_rsa)
        assert isinstance(sa.peer_id, IdPayload)
        profile = ctx.crypto.isakmp_profiles.get(sa.profile or "")
        found = ids.key_for_identity(ctx.crypto, sa.peer, ids.PeerIdentity.of(sa.peer_id),
                                     profile, sa.local)
        if found.hostname_missing is not None:
            ctx.emit(sa, "psk_hostname_missing", identity=found.hostname_missing)
        if found.key is None:
            ctx.emit(sa, "no_psk", peer=sa.peer)
        else:
            sa.psk = found.key.key.encode()
            ctx.emit(sa, "psk_found", peer=sa.peer)
            ctx.detail(sa, "psk_local")
        if sa.profile:
            ctx.detail(sa, "xauth_lookup", profile=sa.profile)
        else:
            ctx.detail(sa, "profile_scan", profiles=list(ctx.crypto.isakmp_profiles))

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        return []


def vendor_names(ctx: Context, message: str) -> tuple[str, ...]:
    """The VIDs this platform sends in ``message`` (``vendor.SENT``)."""
    return vendor.SENT.get(ctx.profile.vendor_ids, {}).get(message, ())


class AgVendorIdTask:
    """The peer's VIDs, read after its identity (trace 14), and ours, ending AM1/AM2."""

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message in ("AM1", "AM2"):
            vendor.read_vendor_ids(ctx, sa, header, data, payloads)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        names = vendor_names(ctx, message)
        for name in names:
            ctx.detail(sa, "vendor_id_sent", vendor=name)
        return [VendorIdPayload(vendor.VENDOR_IDS[name]) for name in names]


class AgKeyExchangeTask:
    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message == "AM1":
            announce(ctx, sa, payloads, "KE", "NONCE")
            sa.gxi = _one(payloads, KePayload).data   # type: ignore[union-attr]
            sa.ni = _nonce(sa, payloads)
        elif message == "AM2":
            announce(ctx, sa, payloads, "KE", "NONCE")
            peer_ke = _one(payloads, KePayload).data   # type: ignore[union-attr]
            sa.nr = _nonce(sa, payloads)
            dh = sa.dh
            KeyExchangeTask._keys(ctx, sa, peer_ke)
            sa.dh = dh     # until AM2 authenticates: a resent AM2 is read again (see run_tasks)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        if message == "AM1":
            sa.gxi = KeyExchangeTask._new_dh(ctx, sa)
            sa.ni = ctx.random(NONCE_LEN)
            return [KePayload(sa.gxi), NoncePayload(sa.ni)]
        if message == "AM2":
            peer_ke = sa.gxi
            sa.gxr = KeyExchangeTask._new_dh(ctx, sa)
            sa.nr = ctx.random(NONCE_LEN)
            KeyExchangeTask._keys(ctx, sa, peer_ke)
            return [KePayload(sa.gxr), NoncePayload(sa.nr)]
        return []


def _check_hash(sa: IsakmpSa, payloads: list[Payload], message: str, which: str) -> None:
    """The table lets HASH and SIG both be optional (the method decides): with a pre-shared
    key exactly one HASH and no SIG."""
    hashes = [p for p in payloads if isinstance(p, HashPayload)]
    if not hashes:
        raise Reject("bad_message", peer=sa.peer, reason=f"{message}: missing HASH payload")
    if any(isinstance(p, SigPayload) for p in payloads):
        raise Reject("bad_message", peer=sa.peer, reason=f"{message}: unexpected SIG payload")
    ident = sa.peer_id
    assert isinstance(ident, IdPayload)
    compute = hash_r if which == "HASH_R" else hash_i
    want = compute(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                   payload_body(ident))
    if not hmac.compare_digest(hashes[0].data, want):
        raise Reject("bad_message", peer=sa.peer,
                     reason=f"{which.lower()}: {which} did not match")


class AgPskAuthTask:
    """HASH_R in AM2 and HASH_I in AM3 (RFC 2409 §5.4)."""

    def process(self, ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header,
                data: bytes, payloads: list[Payload]) -> None:
        if message in ("AM2", "AM3"):
            announce(ctx, sa, payloads, "HASH")
            _check_hash(sa, payloads, message, "HASH_R" if message == "AM2" else "HASH_I")
            ctx.emit(sa, "authenticated", peer=sa.peer)

    def build(self, ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
        if message not in ("AM2", "AM3"):
            return []
        ident = sa.local_id
        assert isinstance(ident, IdPayload)
        compute = hash_r if message == "AM2" else hash_i
        return [HashPayload(compute(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie,
                                    sa.rcookie, sa.sai_b, payload_body(ident)))]


PROPOSAL, IDENTITY, KEYS, PSK_AUTH = (AgProposalTask(), IdentityTask(), AgKeyExchangeTask(),
                                      AgPskAuthTask())
LOOKUP, VENDORS = KeyLookupTask(), AgVendorIdTask()
# What reads a received message, in IOS's order (trace 14 for AM1); what builds one, in RFC
# order, and what ends it (after the HASH or signature).
PROCESS: dict[str, tuple[Phase1Task, ...]] = {
    "AM1": (IDENTITY, VENDORS, LOOKUP, PROPOSAL, KEYS), "AM2": (PROPOSAL, KEYS, IDENTITY, VENDORS),
    "AM3": ()}
BUILD: tuple[Phase1Task, ...] = (PROPOSAL, KEYS, IDENTITY)
TRAILER: tuple[Phase1Task, ...] = (VENDORS,)
