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
  fuzz_rekey_margin()); no margin when the lifetime is not longer than it.
- An ISAKMP SA is replaced by a new Main Mode whichever side began it (ipsec_doi.c
  ipsecdoi_replace() → main_outI1()), unless a newer ISAKMP SA with the peer exists (timer.c
  "not replacing stale IKE SA"). The old SA expires ``margin`` later (EVENT_SA_EXPIRE).

IPsec SAs are rekeyed by the engine's own schedule (ike/ipsec_sas.py); their replacement time is
computed here for ``ipsec status`` only.
"""
# guess: the negotiated IPsec lifetime is taken to be pluto's own (the engine keeps each side's
# configured IPsec lifetime; what IOS answers in QM2 to a longer offer is in no capture here).

from __future__ import annotations

import ipaddress
import random
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ikesim.ike.events import IkeEvent
from ikesim.ios.crypto import stable_seed

if TYPE_CHECKING:
    from ikesim.linux.daemon import IkeDaemon

REKEY_FUZZ_PERCENT = 100          # pluto_constants.h SA_REPLACEMENT_FUZZ_DEFAULT


def replace_margin(role: str, margin: float, rng: random.Random) -> float:
    """fuzz_rekey_margin(): the initiator's margin grows by 0..fuzz %, the responder's halves."""
    if role == "I":
        return margin * (100 + rng.randint(0, REKEY_FUZZ_PERCENT)) / 100
    return margin / 2


def replace_delay(own: float, negotiated: float | None, margin: float) -> float:
    """Seconds from establishment to EVENT_SA_REPLACE."""
    agreed = min(own, negotiated) if negotiated else own
    return agreed - margin if agreed > margin else agreed


class Replacer:
    """The replacement times of one pluto's SAs, and the ISAKMP replacements themselves."""

    def __init__(self, daemon: IkeDaemon, seed: int) -> None:
        self.daemon = daemon
        self.rng = random.Random(stable_seed(seed, daemon.device.name, "rekey"))
        self.ike_at: dict[int, float] = {}       # ISAKMP SA serial -> replacement time
        self.ipsec_at: dict[int, float] = {}     # outbound SPI -> replacement time
        self._qm_role: dict[int, str] = {}       # ISAKMP SA serial -> role in its last QM

    def on_event(self, event: IkeEvent, now: float) -> None:
        kind, fields = event.kind, event.fields
        if kind == "qm_begin":
            self._qm_role[event.sa_serial] = "I"
        elif kind == "qm_request":
            self._qm_role[event.sa_serial] = "R"
        elif kind == "phase1_complete":
            self._phase1(event, now)
        elif kind == "ipsec_sa_created" and fields.get("direction") == "outbound":
            conn = self._conn(fields.get("dst"))
            life = fields.get("lifetime_seconds")
            if conn is None or not conn.children or not isinstance(life, int):
                return
            margin = replace_margin(self._qm_role.get(event.sa_serial, "I"),
                                    conn.rekey_margin, self.rng)
            spi = fields.get("spi")
            if isinstance(spi, int):
                self.ipsec_at[spi] = now + replace_delay(conn.children[0].life_time, life,
                                                         margin)

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
        negotiated = sa.negotiated.lifetime if sa.negotiated is not None else None
        margin = replace_margin(sa.role, conn.rekey_margin, self.rng)
        delay = replace_delay(conn.ike_lifetime, negotiated, margin)
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
