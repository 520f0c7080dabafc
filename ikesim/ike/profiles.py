"""Vendor behaviour as data: retransmission schedule, purge delay, conn-id numbering, dialect.

The IOS 12.2 numbers come from the seed lab (resend every 10 s, 5 resends, death 60 s after the
first send, purge 60 s after deletion, responder resends ~1 s after a duplicate).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    dialect: str = "12.2"                 # "12.2" | "15" (selects the ios/ log dialect)
    retransmit_interval: float = 10.0     # first resend delay
    retransmit_backoff: float = 1.0       # delay of resend n = interval * backoff**n
    retransmit_limit: int = 5             # resends before "death by retransmission P1"
    dup_resend_delay: float = 1.0         # resend this long after a duplicate arrives
    purge_delay: float = 60.0             # a deleted SA stays listed this long
    default_lifetime: int = 86400         # phase-1 lifetime when none is offered
    conn_id_scheme: str = "serial"        # "serial" (1, 2, 3 …) | "1001" (0 until SKEYID)
    processing_delay: float = 0.001       # responder timers run this much late (tie-break)

    def __post_init__(self) -> None:
        if self.dialect not in ("12.2", "15"):
            raise ValueError(f"unknown dialect {self.dialect!r}")
        if self.conn_id_scheme not in ("serial", "1001"):
            raise ValueError(f"unknown conn-id scheme {self.conn_id_scheme!r}")
        if self.retransmit_interval <= 0 or self.retransmit_limit < 0:
            raise ValueError("retransmission schedule must be positive")

    def retransmit_delay(self, resends_so_far: int) -> float:
        """Delay before the next resend, given how many resends already happened."""
        return self.retransmit_interval * self.retransmit_backoff ** resends_so_far


PROFILES: dict[str, Profile] = {
    "ios12": Profile(name="ios12", dialect="12.2", conn_id_scheme="serial"),
    "ios15": Profile(name="ios15", dialect="15", conn_id_scheme="1001"),
    # strongSwan-like schedule (behaviour digest: 4 s × 1.8^n, 5 tries, gives up at 165.06 s);
    # logged with the 15.x dialect until a strongSwan formatter exists.
    "strongswan": Profile(name="strongswan", dialect="15", retransmit_interval=4.0,
                          retransmit_backoff=1.8, conn_id_scheme="1001"),
}
