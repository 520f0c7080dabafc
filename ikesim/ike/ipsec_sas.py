"""IPsec SA pairs: made when a quick mode completes (KEYMAT, RFC 2409 §5.5), expired by their
lifetime in seconds (a timer keyed by the inbound SPI) or kilobytes (checked as traffic flows).

Rekey before expiry (Cisco IOS Security Command Reference, `crypto ipsec security-association
lifetime`, usage guidelines "How the Lifetimes Work", also in the Cisco MDS 9000 CLI
Configuration Guide, "Global Lifetime Values"): the new SA is negotiated before the old one
reaches its limit, 30 s before the seconds lifetime or at 90 % of the kilobytes, and not at all
when no traffic used the SA during its life (the next packet then negotiates). The Cisco MDS 9000
Troubleshooting Guide, "Security Associations Do Not Re-Key", puts this soft lifetime about
20-30 s before the hard one. Either peer may reach it first; the other then sees the quick mode
or the new pair and starts none. The old pair lives on until its hard expiry, so its inbound SA
still decrypts what was in flight; outbound traffic takes the newest pair
(``Phase2Database.outbound``).
"""

from __future__ import annotations

from ikesim.ike import natt
from ikesim.ike import quick_common as qc
from ikesim.ike.context import Context
from ikesim.ike.quick import IPSEC_LIFETIME, PROTO_ESP, QmExchange, keymat
from ikesim.ipsec.sa import IpsecSa, IpsecSaPair

IPSEC_REKEY = "ipsec-rekey"         # timer key kind: (IPSEC_REKEY, inbound SPI), soft lifetime
SOFT_KB_SHARE = 0.9                 # rekey at 90 % of the kilobyte lifetime (IOS, see above)


def soft_lead(spi: int, lifetime_seconds: int) -> float:
    """How long before the hard lifetime the soft one ends."""
    # guess: IOS's jitter within Cisco's "20 to 30 seconds" is unknown; ikesim derives it from
    # the inbound SPI (deterministic, no draw from the seeded RNG) and takes half of a
    # lifetime shorter than a minute.
    return min(20.0 + (spi % 10001) / 1000.0, lifetime_seconds / 2)


def create(ctx: Context, now: float, x: QmExchange) -> None:
    sa = x.isakmp
    assert x.chosen is not None and x.policy is not None
    t, policy = x.chosen, x.policy
    ni, nr = x.ni, x.nr

    def one(spi: int, inbound: bool) -> IpsecSa:
        km = keymat(sa.hash_name, sa.skeyid_d, PROTO_ESP, spi, ni, nr, t.keymat_len, x.gxy)
        src, dst = (sa.peer, sa.local) if inbound else (sa.local, sa.peer)
        conn = ctx.next_ipsec_conn
        ctx.next_ipsec_conn += 1
        return IpsecSa(spi, inbound, src, dst, t, km[:t.cipher.key_len],
                       km[t.cipher.key_len:], policy.lifetime_seconds, policy.lifetime_kb,
                       now, conn_id=conn, replay_window=ctx.crypto.replay_window)

    ctx.emit(sa, "ipsec_sas_creating", peer=sa.peer)
    pair = IpsecSaPair(sa.local, sa.peer, x.proxy, one(x.my_spi, True),
                       one(x.peer_spi, False), x.group, policy.map_name, policy.sequence,
                       sa.serial, x.message_id)
    if natt.in_use(sa):             # RFC 3948: ESP in the ports IKE floated to
        pair.udp_sport, pair.udp_dport = sa.local_port, sa.peer_port
    ctx.phase2.add_pair(pair, policy)
    # The hard lifetime in seconds (RFC 2407 §4.5 SA Life Type/Duration) and the soft one
    # before it; the volume limits are checked as traffic flows (traffic()).
    spi, life = pair.inbound.spi, policy.lifetime_seconds
    ctx.arm_key((IPSEC_LIFETIME, spi), now + life)
    ctx.arm_key((IPSEC_REKEY, spi), now + life - soft_lead(spi, life))
    for s in (pair.inbound, pair.outbound):
        ctx.emit(sa, "ipsec_sa_created", direction="inbound" if s.inbound else "outbound",
                 src=s.src, dst=s.dst, spi=s.spi, sa_conn_id=s.conn_id, transform=t.ios_text,
                 lifetime_seconds=s.lifetime_seconds, lifetime_kb=s.lifetime_kb,
                 **qc.proxy_fields(x.proxy))


def complete(ctx: Context, x: QmExchange, final_state: str,
             cause: str = "IKE_MESG_FROM_PEER, IKE_QM_EXCH") -> None:
    """The exchange is done: keep a closed flight so the peer's repeats are recognised (an
    initiator resends QM3 when QM2 comes again)."""
    qc.set_state(ctx, x, final_state, cause)
    ctx.emit(x.isakmp, "qm_complete", message_id=x.message_id, peer=x.isakmp.peer,
             role=x.role)
    ctx.phase2.close(x, x.last_sent if x.role == "I" else None)


def installed(ctx: Context, x: QmExchange) -> None:
    """IOS-XE reports the IPsec SA install before it sends QM2/QM3 (traces 04, 05)."""
    ctx.detail(x.isakmp, "ipsec_installed", spi=x.my_spi,
               interface=x.policy.interface if x.policy is not None else "")


def expire(ctx: Context, pair: IpsecSaPair, reason: str) -> None:
    pair.deleted = True
    ctx.phase2.remove_pair(pair)
    ctx.cancel_key((IPSEC_LIFETIME, pair.inbound.spi))
    ctx.cancel_key((IPSEC_REKEY, pair.inbound.spi))
    ctx.emit(ctx.sadb.get(pair.isakmp_serial), "ipsec_sa_expired", peer=pair.peer,
             local=pair.local, inbound_spi=pair.inbound.spi, outbound_spi=pair.outbound.spi,
             transform=pair.outbound.transform.ios_text, reason=reason)


def lifetime_timer(ctx: Context, spi: int) -> None:
    pair = ctx.phase2.by_inbound_spi(spi)
    if pair is not None and not pair.deleted:
        expire(ctx, pair, "lifetime seconds")


def traffic(ctx: Context, now: float, pair: IpsecSaPair) -> None:
    """A packet used ``pair``: at 90 % of its kilobyte lifetime the soft timer fires at once
    (the rekey), past 100 % the pair expires."""
    if pair.deleted:
        return
    limit = pair.outbound.lifetime_kb * 1024
    used = max(pair.outbound.octets, pair.inbound.octets)
    if used >= limit:
        expire(ctx, pair, "lifetime kilobytes")
    elif used >= limit * SOFT_KB_SHARE and ctx.phase2.current_for(pair.peer, pair.proxy) is pair:
        ctx.arm_key((IPSEC_REKEY, pair.inbound.spi), now)
