"""Vendor behaviour as data: retransmission schedule, purge delay, conn-id numbering, dialect,
and every protocol behaviour in which IOS releases differ.

The IOS 12.2 numbers come from the seed lab (resend every 10 s, 5 resends, death 60 s after the
first send, purge 60 s after deletion, responder resends ~1 s after a duplicate). Platforms:
``ios12`` (12.2/12.3), ``ios124`` (12.4T), ``ios15`` (15.x), ``iosxe`` (IOS-XE 16/17).
"""

from __future__ import annotations

from dataclasses import dataclass

DIALECT_NAMES = ("12.2", "12.4", "15", "xe")
LIFETIME_RULES = ("reject-longer", "responder-lifetime")


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    dialect: str = "12.2"                 # ikesim.ios.log dialect: "12.2" | "12.4" | "15" | "xe"
    retransmit_interval: float = 10.0     # first resend delay
    retransmit_backoff: float = 1.0       # delay of resend n = interval * backoff**n
    retransmit_limit: int = 5             # resends before "death by retransmission P1"
    dup_resend_delay: float = 1.0         # resend this long after a duplicate arrives
    purge_delay: float = 60.0             # a deleted SA stays listed this long
    default_lifetime: int = 86400         # phase-1 lifetime when none is offered
    conn_id_scheme: str = "serial"        # "serial" (1, 2, 3 …) | "1001" (0 until SKEYID)
    processing_delay: float = 0.001       # responder timers run this much late (tie-break)
    # A responder whose policy has a shorter lifetime than the one offered:
    # "reject-longer": the policy does not match (Cisco IOS 12.2 IKE configuration guide: "the
    #   remote peer's policy specifies a lifetime that is less than or equal to the lifetime in
    #   the policy being compared", quoted in exam prose; ios-facts §4 [L]);
    # "responder-lifetime": accept, keep the shorter lifetime and tell the initiator with a
    #   RESPONDER-LIFETIME notify (RFC 2407 §4.6.3.1), which logs "restart ike sa timer to 3600
    #   secs" (trace 07, 15.x) [M].
    lifetime_rule: str = "reject-longer"
    # Vendor-ID payloads (NAT-T drafts/RFC 3947, Unity, DPD, XAUTH, "another IOS box") and
    # INITIAL-CONTACT in MM5: sent by 12.4T and later (traces 04, 05, 07). The seed's 12.2 MM1
    # carries none (its responder prints no "processing vendor id payload").
    vendor_ids: str = ""                  # VID set of ikesim.ike.vendor.SENT ("" = none)
    # Where "SA is doing pre-shared key authentication" is reported: "policy" when the policy
    # is accepted (12.2: trace 01, the seed) or "id" when the ID payload is built (15.x/IOS-XE:
    # traces 04, 05, 07).
    auth_announce: str = "policy"
    # INITIAL-CONTACT (RFC 2407 §4.6.3.3) in MM5 when no other SA with the peer exists ("Send
    # initial contact", traces 04 and 07); the responder brings down older SAs with that peer
    # ("Process initial contact, bring down existing phase 1 and 2 SA's", trace 05).
    initial_contact: bool = False
    # A DELETE from the peer is answered with our own DELETE before the SA goes (trace 07:
    # "set new node N", "sending packet … (I) QM_IDLE", "purging node N").
    delete_echo: bool = False
    # After refusing a quick mode the responder deletes the ISAKMP SA (DELETE after the
    # PROPOSAL_NOT_CHOSEN notify, trace 07); the initiator then starts main mode again.
    # guess: the only capture is of 15.x; 12.2 is taken to behave the same.
    qm_refusal_deletes_phase1: bool = True

    def __post_init__(self) -> None:
        if self.dialect not in DIALECT_NAMES:
            raise ValueError(f"unknown dialect {self.dialect!r}")
        if self.conn_id_scheme not in ("serial", "1001"):
            raise ValueError(f"unknown conn-id scheme {self.conn_id_scheme!r}")
        if self.lifetime_rule not in LIFETIME_RULES:
            raise ValueError(f"unknown lifetime rule {self.lifetime_rule!r}")
        if self.auth_announce not in ("policy", "id"):
            raise ValueError(f"unknown auth_announce {self.auth_announce!r}")
        if self.retransmit_interval <= 0 or self.retransmit_limit < 0:
            raise ValueError("retransmission schedule must be positive")

    @property
    def fsm_events(self) -> bool:
        """Whether the platform's debug prints IOS's FSM ("Old State = …") lines: 12.4T on."""
        return self.dialect != "12.2"

    def retransmit_delay(self, resends_so_far: int) -> float:
        """Delay before the next resend, given how many resends already happened."""
        return self.retransmit_interval * self.retransmit_backoff ** resends_so_far


_NEW_IOS = dict(conn_id_scheme="1001", lifetime_rule="responder-lifetime", vendor_ids="15",
                auth_announce="id", initial_contact=True, delete_echo=True)

PROFILES: dict[str, Profile] = {
    "ios12": Profile(name="ios12", dialect="12.2", conn_id_scheme="serial"),
    "ios124": Profile(name="ios124", dialect="12.4", **{**_NEW_IOS, "vendor_ids": "12.4"}),
    "ios15": Profile(name="ios15", dialect="15", **_NEW_IOS),
    "iosxe": Profile(name="iosxe", dialect="xe", **_NEW_IOS),
    # strongSwan-like schedule (behaviour digest: 4 s × 1.8^n, 5 tries, gives up at 165.06 s);
    # logged with the 15.x dialect until a strongSwan formatter exists.
    "strongswan": Profile(name="strongswan", dialect="15", retransmit_interval=4.0,
                          retransmit_backoff=1.8, conn_id_scheme="1001"),
}

# The platforms a scenario may name (`platform:`): the IOS releases above.
IOS_PLATFORMS: tuple[str, ...] = ("ios12", "ios124", "ios15", "iosxe")
