"""Quick mode, initiator side: IOS sa_request for interesting traffic or a rekey at the soft
lifetime (``ipsec_sas``), QM1, and the QM2 → QM3 row (``send_qm3``)."""

from __future__ import annotations

import hmac
from dataclasses import replace

from ikesim.crypto import CIPHERS, phase2_iv, prf
from ikesim.ike import aggressive, ios_detail, ipsec_sas, main_mode, natt
from ikesim.ike import quick_common as qc
from ikesim.ike.context import Context, Reject
from ikesim.ike.dispatch import Inbound
from ikesim.ike.messages import HOST_MASK, proxy_id
from ikesim.ike.quick import (
    PROTO_ESP,
    QM_COMPLETE,
    QM_I_QM1,
    QM_INSTALL_AWAIT,
    Phase2Policy,
    QmExchange,
    parse_offer,
    transform_attributes,
)
from ikesim.ike.sa import IsakmpSa
from ikesim.ike.transitions import Transition
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import EspTransform
from ikesim.isakmp import (
    HashPayload,
    KePayload,
    NoncePayload,
    Payload,
    Proposal,
    SaPayload,
    Transform,
    encode_payloads,
)


def sa_request(ctx: Context, now: float, local: int, policy: Phase2Policy, proxy: Proxy) -> None:
    """IOS sa_request: quick mode now if phase 1 is up, else keep the request and start (or
    wait for) main mode."""
    peer = policy.peer
    local = policy.local or local
    ctx.emit(None, "ipsec_sa_request", local=local, peer=peer, **qc.proxy_fields(proxy),
             transform=policy.transforms[0][1].ios_text if policy.transforms else "",
             lifetime_seconds=policy.lifetime_seconds, lifetime_kb=policy.lifetime_kb)
    ctx.phase2.restarted.discard((policy, proxy))
    sa = ctx.sadb.established(peer)
    if sa is not None:
        start(ctx, now, sa, policy, proxy)
        return
    ctx.phase2.pending.setdefault(peer, {})[(policy, proxy)] = None
    if ctx.sadb.phase1_status(peer) == "none":
        aggressive.start(ctx, now, local, peer, policy.isakmp_profile)


def rekey(ctx: Context, now: float, spi: int) -> None:
    """The soft lifetime of the pair with inbound ``spi`` ended (its timer, or 90 % of its
    kilobytes): negotiate its successor unless the pair is idle, already superseded, being
    renegotiated by the peer, or came from a dynamic map entry (which cannot initiate)."""
    pair = ctx.phase2.by_inbound_spi(spi)
    if pair is None or pair.deleted or not ctx.phase2.mark_due(pair):
        return
    policy = ctx.phase2.policy_of(pair)
    peer, proxy = pair.peer, pair.proxy
    if (ctx.phase2.pair_for(peer, proxy) is not pair or ctx.phase2.negotiating(peer, proxy)
            or policy is None or policy.dynamic or policy.peer != peer
            or pair.inbound.octets + pair.outbound.octets == 0):
        return
    kb = max(pair.inbound.octets, pair.outbound.octets) >= \
        pair.outbound.lifetime_kb * 1024 * ipsec_sas.SOFT_KB_SHARE
    ctx.emit(ctx.sadb.get(pair.isakmp_serial), "ipsec_rekey", peer=peer, local=pair.local,
             inbound_spi=spi, outbound_spi=pair.outbound.spi,
             reason="soft lifetime kilobytes" if kb else "soft lifetime seconds",
             **qc.proxy_fields(proxy))
    if (policy, proxy) not in ctx.phase2.pending.get(peer, {}):
        sa_request(ctx, now, pair.local, policy, proxy)


def offered_mode(t: EspTransform, proxy: Proxy, sa: IsakmpSa) -> EspTransform:
    """IOS `mode transport` is only proposed for traffic between the two IPsec peers
    themselves (host proxies equal to the ISAKMP addresses); for any other traffic tunnel mode
    is negotiated (Cisco IOS Security Command Reference, `mode (IPsec)`; INE, "When transport
    mode becomes tunnel mode", 2010)."""
    if t.mode != "transport":
        return t
    host = proxy.local_mask == HOST_MASK and proxy.remote_mask == HOST_MASK
    if host and proxy.local_net == sa.local and proxy.remote_net == sa.peer:
        return t
    return replace(t, mode="tunnel")


def start(ctx: Context, now: float, sa: IsakmpSa, policy: Phase2Policy, proxy: Proxy) -> None:
    """Send QM1: HASH(1), SA (one proposal per transform set), Ni [, KE], IDci, IDcr."""
    mid = ctx.message_id()
    while ctx.phase2.message_id_used(sa.serial, mid):
        mid = ctx.message_id()
    block = CIPHERS[sa.cipher_name].block_size
    x = QmExchange(mid, "I", sa, proxy, policy, phase2_iv(sa.hash_name, sa.iv, mid, block))
    ctx.phase2.start(x)
    x.my_spi = qc.new_spi(ctx)
    x.ni = ctx.random(ctx.profile.nonce_length)
    proposals = []
    order, first = ctx.profile.esp_attribute_order, ctx.profile.first_transform_number
    for number, (_name, t) in enumerate(policy.transforms, start=1):
        t = offered_mode(t, proxy, sa)
        x.offered.append((number, t))
        proposals.append(Proposal(number, PROTO_ESP, x.my_spi.to_bytes(4, "big"),
                                  [Transform(first, t.cipher.transform_id,
                                             transform_attributes(
                                                 t, policy, order,
                                                 natt.encaps_for(sa, t.mode)))]))
    rest: list[Payload] = [SaPayload(proposals), NoncePayload(x.ni)]
    if policy.pfs_group is not None:
        x.group = policy.pfs_group
        rest.append(KePayload(qc.new_dh(ctx, x)))
    rest += [proxy_id(proxy.local_net, proxy.local_mask, proxy.protocol, proxy.local_port),
             proxy_id(proxy.remote_net, proxy.remote_mask, proxy.protocol, proxy.remote_port)]
    _, body = encode_payloads(rest)
    h1 = prf(sa.hash_name, sa.skeyid_a, mid.to_bytes(4, "big") + body)
    ctx.emit(sa, "qm_begin", message_id=mid, peer=sa.peer)
    if ctx.profile.payload_events:
        ctx.emit(sa, "spi_allocated", message_id=mid, role="I", spi=x.my_spi,
                 **qc.proxy_fields(proxy))
    sa.nodes.append(mid)
    # trace 04: "sending packet" comes before the quick-mode FSM line
    ctx.built([HashPayload(h1), *rest])
    qc.send(ctx, now, x, qc.encrypt(x, [HashPayload(h1), *rest]))
    qc.set_state(ctx, x, QM_I_QM1, "IKE_MESG_INTERNAL, IKE_INIT_QM")


def restart_refused(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """``sa`` was deleted: start main mode again for the quick modes refused on it (once)."""
    if not sa.requeue or ctx.sadb.has_live(sa.peer):
        return
    waiting = ctx.phase2.pending.setdefault(sa.peer, {})
    for request in sa.requeue:
        waiting[request] = None
        ctx.phase2.restarted.add(request)
    sa.requeue = []
    main_mode.initiate(ctx, now, sa.local, sa.peer)
    new = next((o for o in ctx.sadb.newest_first() if o.peer == sa.peer and not o.deleted),
               None)
    if new is not None:
        new.restart = True


def start_pending(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """Phase 1 just completed: run quick mode for the traffic that triggered it."""
    for policy, proxy in ctx.phase2.pending.pop(sa.peer, {}):
        if ctx.phase2.current_for(sa.peer, proxy) is None:
            start(ctx, now, sa, policy, proxy)


def send_qm3(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    """QM2 received: verify HASH(2), check the responder's choice, make the SAs, send QM3."""
    x: QmExchange = msg.exchange
    mid = x.message_id
    want = prf(sa.hash_name, sa.skeyid_a, mid.to_bytes(4, "big") + x.ni + msg.covered)
    if not hmac.compare_digest(msg.hash, want):
        raise Reject("bad_message", peer=sa.peer, reason="HASH(2) verification failed")
    answer, nr, ke, _ids = qc.parts(sa, msg.payloads)
    ctx.emit(sa, "process_payload", payload="HASH", message_id=mid)
    ctx.emit(sa, "process_payload", payload="SA", message_id=mid)
    if len(answer.proposals) != 1 or len(answer.proposals[0].transforms) != 1:
        raise Reject("bad_message", peer=sa.peer, reason="responder must choose one")
    proposal = answer.proposals[0]
    offer = parse_offer(proposal.transforms[0])
    ctx.emit(sa, "ipsec_proposal_check", proposal=int(proposal.number),
             transform=int(proposal.transforms[0].number),
             transform_name=offer.transform.cipher.wire_name if offer.transform else "?",
             attributes=offer.display)
    mine = dict(x.offered).get(int(proposal.number))
    if mine is None or mine != offer.transform or len(proposal.spi) != 4 \
            or (ke is None) != (x.group is None):
        ctx.emit(sa, "ipsec_atts_not_acceptable", proposal=int(proposal.number),
                 reason="transform", offered_group=offer.group, local_groups=[x.group],
                 transform_id=int(proposal.transforms[0].transform_id), auth_id=0)
        raise Reject("bad_message", peer=sa.peer,
                     reason="responder chose a transform that was not offered")
    ctx.emit(sa, "ipsec_atts_acceptable", proposal=int(proposal.number))
    qc.announce(ctx, sa, mid, [p for p in msg.payloads[1:] if not isinstance(p, SaPayload)],
                with_hash=False)
    x.chosen, x.nr, x.peer_spi = mine, nr, int.from_bytes(proposal.spi, "big")
    x.iv = msg.next_iv
    if ke is not None:
        x.gxy = qc.shared_secret(x, ke)
    h3 = prf(sa.hash_name, sa.skeyid_a, b"\x00" + mid.to_bytes(4, "big") + x.ni + x.nr)
    # trace 04: IKE_QM_I_QM1 -> IKE_QM_IPSEC_INSTALL_AWAIT, install, QM3, the node ends ("No
    # Error"), IPSEC_INSTALL_DONE -> IKE_QM_PHASE2_COMPLETE
    qc.set_state(ctx, x, QM_INSTALL_AWAIT, "IKE_MESG_FROM_PEER, IKE_QM_EXCH")
    if qc.install_failed(ctx, now, x):
        return
    ipsec_sas.create(ctx, now, x)
    ipsec_sas.installed(ctx, x)
    ctx.built([HashPayload(h3)])
    qc.send(ctx, now, x, qc.encrypt(x, [HashPayload(h3)]), expect_reply=False)
    ios_detail.node_delete(ctx, sa, mid, "No Error")
    ipsec_sas.complete(ctx, x, QM_COMPLETE, "IKE_MESG_FROM_IPSEC, IPSEC_INSTALL_DONE")

