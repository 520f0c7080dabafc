"""Sans-I/O IKEv1 engine (RFC 2409 main mode with pre-shared keys, quick mode, informational
exchanges), IOS-flavoured: the public face over the exchange modules.

Bytes in, (datagrams, timers, events) out: no sockets, no clock, no text. Every random octet
(cookies, nonces, DH private values, message IDs, SPIs) comes from the injected ``rng``, so a
seeded run is byte-for-byte reproducible. Received messages are dispatched only through the
tables in ``transitions``; the exchange modules see a ``Context``, never this class.

    engine.py ── driver.py ── main_mode.py ── phase1_tasks.py (proposal, key exchange, PSK auth)
                    │     ├── quick_mode.py ── quick_initiator.py / quick_responder.py
                    │     └── informational.py
                    └── context.py (config, rng, Output) · sadb.py · phase2db.py · lifecycle.py
                        transitions.py · dispatch.py · retransmit.py · messages.py
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Concatenate, ParamSpec

from ikesim.ike import aggressive, dpd, driver, ipsec_sas, lifecycle, natt
from ikesim.ike import informational as info
from ikesim.ike import quick_initiator as qi
from ikesim.ike.context import IDLE, Admission, Context
from ikesim.ike.phase1_tasks import DH_PRIVATE_LEN, NONCE_LEN
from ikesim.ike.policy import CryptoConfig
from ikesim.ike.profiles import Profile
from ikesim.ike.quick import Phase2Policy, QmExchange
from ikesim.ike.sa import IsakmpSa, Output, SaRow
from ikesim.ike.transitions import Transition
from ikesim.ipsec.sa import IpsecSaPair, Proxy

REASON_CLEAR = "No reason"

__all__ = ["DH_PRIVATE_LEN", "NONCE_LEN", "IsakmpEngine", "Output"]

_P = ParamSpec("_P")


def _served(method: Callable[Concatenate[IsakmpEngine, _P], Output]
            ) -> Callable[Concatenate[IsakmpEngine, _P], Output]:
    """An input method: the context points at a fresh Output for the call (the method reads
    it as ``self._ctx.out`` and returns it); once it returns, the context lets go of it (an
    idle engine holds no events or datagrams: a hub talks to thousands of idle peers)."""
    @functools.wraps(method)
    def serve(self: IsakmpEngine, *args: _P.args, **kwargs: _P.kwargs) -> Output:
        ctx = self._ctx
        ctx.out = Output()
        try:
            return method(self, *args, **kwargs)
        finally:
            ctx.out = IDLE
    return serve


class IsakmpEngine:
    def __init__(self, *, crypto: CryptoConfig, profile: Profile, rng: random.Random,
                 local_addresses: Iterable[int] = (), dh_backend: str = "auto") -> None:
        self.local_addresses = frozenset(local_addresses)
        self._ctx = Context(crypto=crypto, profile=profile, rng=rng, dh_backend=dh_backend)
        self._ctx.on_established.append(
            lambda now, sa: qi.start_pending(self._ctx, now, sa))
        for hook in (natt.established, dpd.established):   # NAT-keepalives, DPD (RFC 3706)
            self._ctx.on_established.append(
                lambda now, sa, hook=hook: hook(self._ctx, now, sa))
        self._ctx.on_deleted.append(lambda now, sa: qi.restart_refused(self._ctx, now, sa))

    # ------------------------------------------------------------------ configuration
    @property
    def crypto(self) -> CryptoConfig:
        return self._ctx.crypto

    @property
    def profile(self) -> Profile:
        return self._ctx.profile

    @property
    def taken(self) -> Counter[Transition]:
        """Transition-table rows dispatched so far (observability, tests)."""
        return self._ctx.taken

    @property
    def admission(self) -> Admission:
        """Call admission control counters and limits."""
        return self._ctx.admission

    @property
    def phase2_policies(self) -> list[Phase2Policy]:
        return self._ctx.phase2_policies

    def reconfigure(self, crypto: CryptoConfig) -> None:
        """New configuration for future negotiations; existing SAs keep what they agreed."""
        self._ctx.reconfigure(crypto)

    def set_pki(self, pki: Any) -> None:
        """This router's PKI material for rsa-sig (``auth_rsa.RouterPki``; None: none)."""
        self._ctx.pki = pki

    def set_phase2_policies(self, policies: list[Phase2Policy]) -> None:
        """Crypto map entries (with their ACL proxies) the responder checks offers against."""
        self._ctx.set_phase2_policies(policies)

    # ------------------------------------------------------------------ inputs
    @_served
    def initiate(self, now: float, local: int, peer: int, profile: str | None = None, *,
                 replace: bool = False) -> Output:
        """Start phase 1 towards ``peer`` unless an SA to it exists (then do nothing): main
        mode, or aggressive mode when configured (``aggressive.start``). ``replace``: a new
        SA next to the live one (pluto's EVENT_SA_REPLACE, ikesim.linux.rekey)."""
        out = self._ctx.out
        aggressive.start(self._ctx, now, local, peer, profile, replace=replace)
        return out

    @_served
    def receive(self, now: float, data: bytes, src: int, sport: int, dst: int,
                dport: int) -> Output:
        out = self._ctx.out
        if not self.local_addresses or dst in self.local_addresses:
            driver.receive(self._ctx, now, bytes(data), src, sport, dst, dport)
        return out

    @_served
    def timer_expired(self, now: float, key: Hashable) -> Output:
        out = self._ctx.out
        driver.timer_expired(self._ctx, now, key)
        return out

    @_served
    def clear(self, now: float, conn_id: int | None = None) -> Output:
        """`clear crypto isakmp [conn-id]`: delete (telling the peer when established)."""
        out = self._ctx.out
        ctx = self._ctx
        for sa in list(ctx.sadb):
            if sa.deleted or (conn_id is not None and ctx.conn_id(sa) != conn_id):
                continue
            lifecycle.delete(ctx, now, sa, REASON_CLEAR, notify_peer=True)
        return out

    @_served
    def clear_ipsec(self, now: float, peer: int | None = None, *,
                    notify_peer: bool = True) -> Output:
        """`clear crypto sa [peer A]`: the IPsec SA pairs (to ``peer``) expire now, reason
        "clear", and the peer is told with a protected IPsec DELETE per SPI (the next
        interesting packet negotiates new ones). ``notify_peer=False``: no DELETE, reason
        "ike sa deleted" (charon's CHILD_SAs going with an IKE_SA the peer deleted,
        ikesim.linux.daemon)."""
        out = self._ctx.out
        for pair in list(self._ctx.phase2.pairs()):
            if not pair.deleted and (peer is None or pair.peer == peer):
                ipsec_sas.expire(self._ctx, pair, "clear" if notify_peer else "ike sa deleted")
                if notify_peer:
                    info.send_ipsec_delete(self._ctx, pair)
        return out

    def request_ipsec(self, now: float, local: int, policy: Phase2Policy,
                      proxy: Proxy) -> Output:
        """Interesting traffic needs an IPsec SA to ``policy.peer`` for ``proxy`` (IOS
        sa_request): start quick mode if phase 1 is up, else keep the request and start
        (or wait for) main mode; nothing when an SA or a negotiation for it exists."""
        # A dynamic map entry only answers (responder-only). When nothing is to be done (every
        # packet dropped while phase 1 comes up) the check emits nothing: an empty Output,
        # without pointing the context at it.
        if policy.dynamic or not self._ctx.phase2.wants(policy.peer, policy, proxy):
            return Output()
        return self._sa_request(now, local, policy, proxy)

    @_served
    def _sa_request(self, now: float, local: int, policy: Phase2Policy,
                    proxy: Proxy) -> Output:
        out = self._ctx.out
        qi.sa_request(self._ctx, now, local, policy, proxy)
        return out

    @_served
    def ipsec_traffic(self, now: float, pair: IpsecSaPair, *,
                      inbound: bool | None = None) -> Output:
        """Call after a packet used ``pair``: past its kilobyte lifetime the pair expires (IOS
        negotiates a new one for the next interesting packet). ``inbound`` (True: from the
        peer, False: to it) feeds dead peer detection and NAT-keepalives."""
        out = self._ctx.out
        ctx = self._ctx
        ipsec_sas.traffic(ctx, now, pair)
        if inbound is None:
            return out
        sa = ctx.sadb.established(pair.peer)
        if sa is not None:
            natt.heard(sa, now)
            if inbound:
                dpd.heard(sa, now)
            else:
                dpd.outbound(ctx, now, sa)
        return out

    # ------------------------------------------------------------------ queries
    def sa_rows(self) -> list[SaRow]:
        """`show crypto isakmp sa` rows, newest first (as the seed lists them)."""
        ctx = self._ctx
        return [SaRow(dst=sa.responder, src=sa.initiator, state=sa.shown_state,
                      conn_id=ctx.conn_id(sa), deleted=sa.deleted, role=sa.role, peer=sa.peer,
                      sa_serial=sa.serial, local=sa.local, icookie=sa.icookie,
                      rcookie=sa.rcookie)
                for sa in ctx.sadb.newest_first()]

    def phase1_status(self, peer: int) -> str:
        return self._ctx.sadb.phase1_status(peer)

    def established_sa(self, peer: int) -> IsakmpSa | None:
        return self._ctx.sadb.established(peer)

    def sas(self) -> list[IsakmpSa]:
        """All SA records (including deleted ones awaiting purge), oldest first."""
        return list(self._ctx.sadb)

    def sa(self, serial: int) -> IsakmpSa | None:
        """The SA record with ``serial`` (None once purged)."""
        return self._ctx.sadb.get(serial)

    def half_open(self, peer: int | None = None) -> int:
        """SAs in negotiation (not deleted, not yet QM_IDLE), with ``peer`` or in total."""
        sadb = self._ctx.sadb
        return sadb.half_open_total if peer is None else sadb.half_open(peer)

    def quick_modes(self) -> list[QmExchange]:
        """Quick modes in progress (all ISAKMP SAs)."""
        return [x for sa in self._ctx.sadb for x in self._ctx.phase2.of_sa(sa.serial)]

    def ipsec_pair(self, peer: int, proxy: Proxy) -> IpsecSaPair | None:
        return self._ctx.phase2.pair_for(peer, proxy)

    def ipsec_pairs(self) -> list[IpsecSaPair]:
        return list(self._ctx.phase2.pairs())

    def outbound_sa(self, peer: int, src: int, dst: int) -> IpsecSaPair | None:
        """The newest live SA pair to ``peer`` whose proxies cover the packet src → dst."""
        return self._ctx.phase2.outbound(peer, src, dst)

    def inbound_sa(self, spi: int, dst: int) -> IpsecSaPair | None:
        pair = self._ctx.phase2.by_inbound_spi(spi)
        return pair if pair is not None and pair.local == dst else None
