"""pluto's replacement schedule for IKEv1 SAs (libreswan 4.10), the timing a user sees in
``ipsec status`` ("REPLACE in Ns") and in the log ("initiating IKEv1 Main Mode connection to
replace #1").

- The lifetime pluto keeps is the shorter of its own (``ikelifetime=`` / ``salifetime=``) and
  the negotiated one (ikev1.c complete_v1_state_transition(), EVENT_SA_REPLACE: "event_delay =
  c->sa_ike_life_seconds" unless the negotiated st_oakley.life_seconds is shorter; IPsec: the
  minimum over the SA's transforms). A RESPONDER-LIFETIME notify does not change it
  (informational(): "received and ignored notification payload").
- The replacement starts a margin before that lifetime ends: ``rekeymargin`` (9 min) scaled by
  100 + [0..rekeyfuzz (100)] % for the SA's initiator, halved for its responder (rekeyfuzz.c
  fuzz_rekey_margin()). When the lifetime is not longer than that margin, or with ``rekey=no``
  (POLICY_DONT_REKEY), nothing is replaced: the SA expires (ikev1.c: EVENT_SA_EXPIRE).
- An ISAKMP SA is replaced by a new Main Mode whichever side began it (ipsec_doi.c
  ipsecdoi_replace() → main_outI1()), unless a newer ISAKMP SA with the peer exists (timer.c
  "not replacing stale IKE SA"). The old SA expires ``margin`` later (EVENT_SA_EXPIRE).
"""
# guess: IPsec SAs are rekeyed by the engine's own rule (ike/ipsec_sas.py, IOS's soft lifetime),
# not by pluto's margin above; `ipsec status` shows that engine timer, i.e. what the lab will do.

from __future__ import annotations

import ipaddress
import random
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ikesim.ike.events import IkeEvent
from ikesim.ios.crypto import stable_seed

if TYPE_CHECKING:
    from ikesim.linux.daemon import IkeDaemon


def replace_margin(role: str, margin: float, rng: random.Random, fuzz: int = 100) -> float:
    """fuzz_rekey_margin(): the initiator's margin grows by 0..``fuzz`` % (rekeyfuzz=, default
    100: pluto_constants.h SA_REPLACEMENT_FUZZ_DEFAULT), the responder's halves."""
    if role == "I":
        return margin * (100 + rng.randint(0, fuzz)) / 100
    return margin / 2


def replace_delay(own: float, negotiated: float | None, margin: float) -> float | None:
    """Seconds from establishment to EVENT_SA_REPLACE; None when the agreed lifetime is not
    longer than the margin (ikev1.c: the SA only expires, EVENT_SA_EXPIRE)."""
    agreed = min(own, negotiated) if negotiated else own
    return agreed - margin if agreed > margin else None


class Replacer:
    """The replacement times of one pluto's SAs, and the ISAKMP replacements themselves."""

    def __init__(self, daemon: IkeDaemon, seed: int) -> None:
        self.daemon = daemon
        self.rng = random.Random(stable_seed(seed, daemon.device.name, "rekey"))
        self.ike_at: dict[int, float] = {}       # ISAKMP SA serial -> replacement time

    def on_event(self, event: IkeEvent, now: float) -> None:
        if event.kind == "phase1_complete":
            self._phase1(event, now)
        elif event.kind == "purge":
            self.ike_at.pop(event.sa_serial, None)

    def _conn(self, peer: Any) -> Any:
        try:
            address = str(ipaddress.IPv4Address(peer))
        except (ValueError, TypeError):
            return None
        return self.daemon.view.conn_for(address)

    def _phase1(self, event: IkeEvent, now: float) -> None:
        sa = self.daemon.engine.sa(event.sa_serial)
        conn = self._conn(event.fields.get("peer"))
        if sa is None or conn is None:
            return
        if not conn.rekey:
            return                      # rekey=no: POLICY_DONT_REKEY, the SA just expires
        negotiated = sa.negotiated.lifetime if sa.negotiated is not None else None
        margin = replace_margin(sa.role, conn.rekey_margin, self.rng, conn.rekey_fuzz)
        delay = replace_delay(conn.ike_lifetime, negotiated, margin)
        if delay is None:
            return
        self.ike_at[sa.serial] = now + delay
        self.daemon.env.process(self._replace(sa.serial, delay))

    def _replace(self, serial: int, delay: float) -> Generator[Any, Any, None]:
        yield self.daemon.env.timeout(delay)
        daemon = self.daemon
        sa = daemon.engine.sa(serial)
        if daemon.stopped or sa is None or sa.deleted:
            return
        newest = daemon.engine.established_sa(sa.peer)
        if newest is not None and newest.serial > serial:
            return                      # timer.c: "not replacing stale IKE SA; #N will do"
        daemon.log_state.replacing[sa.peer] = serial
        daemon.initiate_replacement(sa.local, sa.peer)
