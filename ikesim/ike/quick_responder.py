"""Quick mode, responder side: the QM1 → QM2 row (``respond_qm2``: proposal and proxy checks
against the crypto map entries for the peer, or a protected refusal) and QM3 (``finish_qm``).

IOS behaviour: the responder accepts an offer whose proxies lie inside a mirrored ACL entry of a
map entry for that peer (else INVALID_ID_INFORMATION, "proxy identities not supported"), a
transform equal to one of that entry's sets and, when it has `set pfs`, the same DH group (else
NO_PROPOSAL_CHOSEN). A responder without `set pfs` accepts an offered group.
"""

from __future__ import annotations

import hmac

from ikesim.crypto import prf
from ikesim.ike import ios_detail, ipsec_sas, lifecycle, protect
from ikesim.ike import quick_common as qc
from ikesim.ike.context import Context, Reject
from ikesim.ike.dispatch import Inbound
from ikesim.ike.messages import HOST_MASK, proxy_value
from ikesim.ike.quick import (
    A_AUTH,
    PROTO_ESP,
    QM_COMPLETE,
    QM_INSTALL_AWAIT,
    QM_R_QM2,
    QM_SPI_STARVE,
    Phase2Policy,
    QmExchange,
    parse_offer,
)
from ikesim.ike.sa import IsakmpSa
from ikesim.ike.transitions import Transition
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import EspTransform
from ikesim.isakmp import (
    HashPayload,
    KePayload,
    NoncePayload,
    NotificationPayload,
    NotifyType,
    Payload,
    Proposal,
    SaPayload,
    encode_payloads,
)

_ESP_NAMES = {2: "ESP_DES", 3: "ESP_3DES", 12: "ESP_AES"}
REASON_REFUSED = "No reason"
Choice = tuple[Phase2Policy, Proposal, EspTransform]


def respond_qm2(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    mid = msg.header.message_id
    want = prf(sa.hash_name, sa.skeyid_a, mid.to_bytes(4, "big") + msg.covered)
    if not hmac.compare_digest(msg.hash, want):
        raise Reject("bad_message", peer=sa.peer, reason="HASH(1) verification failed")
    ios_detail.node_new(ctx, sa, mid)                  # trace 05: "set new node N to QM_IDLE"
    offered, ni, ke, ids = qc.parts(sa, msg.payloads)
    if ids:
        ci, cr = proxy_value(ids[0]), proxy_value(ids[1])
        if ci is None or cr is None:
            raise Reject("bad_message", peer=sa.peer, reason="unsupported ID type")
        proxy = Proxy(cr[0], cr[1], ci[0], ci[1], int(ids[0].protocol), int(ids[1].port),
                      int(ids[0].port))
    else:   # no IDs: the proxies are the ISAKMP peers themselves (RFC 2409 §5.5)
        proxy = Proxy(sa.local, HOST_MASK, sa.peer, HOST_MASK)
    x = QmExchange(mid, "R", sa, proxy, None, msg.next_iv)
    ctx.emit(sa, "process_payload", payload="HASH", message_id=mid)
    ctx.emit(sa, "process_payload", payload="SA", message_id=mid)
    # An entry with `set isakmp-profile P` serves only ISAKMP SAs that use profile P (Cisco TAC
    # document 117259: phase 2 must find the profile selected in phase 1; guess: an SA that
    # matched no profile cannot use such an entry).
    candidates = [p for p in ctx.phase2_policies_for(sa.peer)
                  if p.isakmp_profile is None or p.isakmp_profile == sa.profile]
    chosen = _choose(ctx, sa, offered, ke, candidates)
    qc.announce(ctx, sa, mid, [p for p in msg.payloads[1:] if not isinstance(p, SaPayload)],
                with_hash=False)
    if chosen is None:
        _refuse(ctx, now, sa, offered, NotifyType.NO_PROPOSAL_CHOSEN)
        return
    entries = [(pol, prop, t) for pol, prop, t in chosen if proxies_accept(pol, proxy)]
    if not entries:
        ctx.emit(sa, "proxy_mismatch", peer=sa.peer, **qc.proxy_fields(proxy))
        _refuse(ctx, now, sa, offered, NotifyType.INVALID_ID_INFORMATION)
        return
    policy, proposal, transform = entries[0]
    x.policy, x.chosen, x.ni, x.last_received = policy, transform, ni, msg.data
    x.peer_spi = int.from_bytes(proposal.spi, "big")
    x.group = parse_offer(proposal.transforms[0]).group
    ctx.phase2.start(x)
    x.my_spi = qc.new_spi(ctx)
    x.nr = ctx.random(qc.NONCE_LEN)
    reply_sa = SaPayload([Proposal(proposal.number, PROTO_ESP, x.my_spi.to_bytes(4, "big"),
                                   [proposal.transforms[0]])])
    rest: list[Payload] = [reply_sa, NoncePayload(x.nr)]
    if ke is not None:
        rest.append(KePayload(qc.new_dh(ctx, x)))
        x.gxy = qc.shared_secret(x, ke)
    rest += ids
    _, body = encode_payloads(rest)
    h2 = prf(sa.hash_name, sa.skeyid_a, mid.to_bytes(4, "big") + ni + body)
    # trace 05: IKE_QM_READY -> IKE_QM_SPI_STARVE -> IKE_QM_IPSEC_INSTALL_AWAIT, install, QM2,
    # IPSEC_INSTALL_DONE -> IKE_QM_R_QM2
    ctx.detail(sa, "qm_spi", role="R")
    qc.set_state(ctx, x, QM_SPI_STARVE, "IKE_MESG_FROM_PEER, IKE_QM_EXCH")
    qc.set_state(ctx, x, QM_INSTALL_AWAIT, "IKE_MESG_INTERNAL, IKE_GOT_SPI")
    ipsec_sas.installed(ctx, x)
    qc.send(ctx, now, x, qc.encrypt(x, [HashPayload(h2), *rest]))
    qc.set_state(ctx, x, QM_R_QM2, "IKE_MESG_FROM_IPSEC, IPSEC_INSTALL_DONE")


def finish_qm(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    """QM3 received: verify HASH(3) and make the SAs."""
    x: QmExchange = msg.exchange
    mid = x.message_id
    want = prf(sa.hash_name, sa.skeyid_a, b"\x00" + mid.to_bytes(4, "big") + x.ni + x.nr)
    if not hmac.compare_digest(msg.hash, want):
        raise Reject("bad_message", peer=sa.peer, reason="HASH(3) verification failed")
    ctx.emit(sa, "process_payload", payload="HASH", message_id=mid)
    ctx.cancel(sa, x.timer)
    ipsec_sas.create(ctx, now, x)
    ios_detail.node_delete(ctx, sa, mid, "QM done (await)")          # trace 05
    ipsec_sas.complete(ctx, x, QM_COMPLETE)


def _choose(ctx: Context, sa: IsakmpSa, offered: SaPayload, ke: bytes | None,
            candidates: list[Phase2Policy]) -> list[Choice] | None:
    """Every (map entry, proposal, transform) acceptable for transform and PFS; None when
    nothing is (IOS then answers NO_PROPOSAL_CHOSEN)."""
    found: list[Choice] = []
    for proposal in offered.proposals:
        if int(proposal.protocol) != PROTO_ESP or len(proposal.spi) != 4:
            continue
        for t in proposal.transforms:
            offer = parse_offer(t)
            name = _ESP_NAMES.get(int(t.transform_id), f"ESP_{int(t.transform_id)}")
            ctx.emit(sa, "ipsec_proposal_check", proposal=int(proposal.number),
                     transform=int(t.number), transform_name=name, attributes=offer.display)
            reason = None
            ok: list[Choice] = []
            if offer.transform is None or (offer.group is None) != (ke is None):
                reason = "transform"
            for policy in candidates if reason is None else []:
                same = [offer.transform for _n, ts in policy.transforms
                        if accepts(ts, offer.transform)]
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
                ctx.emit(sa, "ipsec_atts_acceptable", proposal=int(proposal.number))
                found += ok
            else:
                ctx.emit(sa, "ipsec_atts_not_acceptable", proposal=int(proposal.number),
                         reason=reason, offered_group=offer.group,
                         local_groups=[p.pfs_group for p in candidates],
                         transform_id=int(t.transform_id),
                         auth_id=next((a.int_value for a in t.attributes
                                       if int(a.type) == A_AUTH), 0))
        if found:
            return found
    return None


def proxies_accept(policy: Phase2Policy, proxy: Proxy) -> bool:
    """Whether an entry accepts the offered proxies (from this router's view): inside one of
    its mirrored ACL entries, or exactly its own for a static VTI (``strict_proxy``)."""
    if policy.strict_proxy:
        return proxy in policy.proxies
    return any(acl.covers(proxy) for acl in policy.proxies)


def accepts(local: EspTransform, offered: EspTransform | None) -> bool:
    """Whether a local transform set accepts an offered transform: same cipher and HMAC; a
    tunnel-mode set accepts only tunnel mode, a transport-mode set either (Cisco IOS Security
    Command Reference, `mode (IPsec)`: with transport mode "the router will request transport
    mode but will accept either transport or tunnel mode"; with tunnel mode it "will accept
    only tunnel mode")."""
    if offered is None or local.cipher != offered.cipher or local.auth != offered.auth:
        return False
    return offered.mode == "tunnel" or local.mode == "transport"


def _refuse(ctx: Context, now: float, sa: IsakmpSa, offered: SaPayload, code: int) -> None:
    """IOS: "SA not acceptable!", IKMP_MODE_FAILURE, and a protected notification; then the
    ISAKMP SA is deleted (a protected DELETE follows the notify, trace 07)."""
    spi = next((p.spi for p in offered.proposals if len(p.spi) == 4), b"")
    ctx.emit(sa, "qm_sa_not_acceptable", peer=sa.peer, notify_type=NotifyType(code).name)
    mid = ctx.message_id()
    data = protect.protected_informational(sa, mid, [NotificationPayload(code, PROTO_ESP, spi)])
    ctx.send(sa, data, protect.EXCHANGE_INFO, mid)
    ctx.emit(sa, "notify_tx", peer=sa.peer, notify_type=NotifyType(code).name,
             notify_code=int(code), protocol=PROTO_ESP)
    if ctx.profile.qm_refusal_deletes_phase1:
        # guess: the reason the refusing side logs (trace 07 shows the initiator only).
        lifecycle.delete(ctx, now, sa, REASON_REFUSED, notify_peer=True)
