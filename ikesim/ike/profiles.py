"""Vendor behaviour as data: retransmission schedule, purge delay, conn-id numbering, dialect,
and every protocol behaviour in which IOS releases differ.

The IOS 12.2 numbers come from the seed lab (resend every 10 s, 5 resends, death 60 s after the
first send, purge 60 s after deletion, responder resends ~1 s after a duplicate). Platforms:
``ios12`` (12.2/12.3), ``ios124`` (12.4T), ``ios15`` (15.x), ``iosxe`` (IOS-XE 16/17).
"""

from __future__ import annotations

from dataclasses import dataclass

DIALECT_NAMES = ("12.2", "12.4", "15", "xe")
LIFETIME_RULES = ("reject-longer", "responder-lifetime", "accept-offered")


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
    #   secs" (trace 07, 15.x) [M];
    # "accept-offered": take the initiator's lifetime whatever it is (strongSwan main_mode.c
    #   process_r(): "this->lifetime = sa_payload->get_lifetime(...)", no check).
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
    # --- Linux IKE daemons (strongSwan's charon, libreswan's pluto; ../shared/fidelity/linux) --
    # Resends before the backoff starts: pluto waits 0.5, 0.5, 1, 2 … s (retransmit.c
    # double_delay() doubles only from the second retransmit on; runs D and E).
    retransmit_backoff_from: int = 0
    # Give up once the waits add up to this many seconds (pluto's retransmit-timeout, 60 s:
    # "60 second timeout exceeded after 7 retransmits", run E); 0 = only retransmit_limit
    # counts. A delay never doubles to this value or beyond (retransmit.c double_delay()).
    retransmit_timeout: float = 0.0
    # A responder resends its last message on its own timer (IOS: the seed's RT2 resends MM2);
    # charon and pluto only answer a duplicate of the request (runs B and E).
    responder_retransmits: bool = True
    # A responder SA not established after this long is deleted (charon half_open_timeout
    # 30 s "deleting half open IKE_SA … after timeout", run B; pluto "deleting incomplete
    # state after 60 seconds", run E); 0 = never.
    half_open_timeout: float = 0.0
    nonce_length: int = 20                # octets of our nonces (IOS 20; charon, pluto 32)
    # Attribute order of the transforms we build: "ios" (encryption, key length, hash, group,
    # auth, life) or "pluto" (life type and duration first, ikev1_spdb_struct.c), and the
    # number of the first transform (pluto counts from 0).
    ike_attribute_order: str = "ios"
    esp_attribute_order: str = "ios"      # "ios" | "charon" | "pluto" (ike/wire_styles.py)
    first_transform_number: int = 1
    # CBC padding of encrypted messages: False pads to the block size with no padding when
    # aligned; True always adds 1..block size octets (charon: MM5 of 64 octets travels as 72,
    # run A's 100-byte MM5).
    pad_full_block: bool = False
    # What the daemon does when the kernel refuses the IPsec SAs quick mode negotiated
    # (Linux without ESP support, runs A and D): "notify" (charon: INFORMATIONAL
    # NO_PROPOSAL_CHOSEN instead of QM3) or "silent" (pluto: "state transition function …
    # had internal error", no answer; the failed state lives until its larval SA expires).
    install_failure: str = "notify"
    failed_install_lifetime: float = 30.0  # pluto's xfrmlifetime (run D: "hard EXPIRE" at 30 s)
    # Events name the payloads of every message built and parsed ("tx" gains payloads and
    # size, "parsed" is emitted): the daemons' logs list them ("generating ID_PROT request 0
    # [ SA V V V V V ]"). Off for IOS, whose event stream stays as it was.
    payload_events: bool = False
    # Protocol and port of our phase-1 ID payload (IOS: UDP/500, RFC 2407 §4.6.2; charon
    # id_payload_create_from_identification() and pluto build_v1_id_payload() leave both 0).
    id_protocol: int = 17
    id_port: int = 500
    # When the peer's identity is not the configured one: the notify a responder answers
    # with (charon main_mode.c: AUTHENTICATION_FAILED; pluto: INVALID_ID_INFORMATION), and
    # whether an initiator sends a DELETE (charon send_delete()) rather than that notify.
    id_mismatch_notify: str = "AUTHENTICATION_FAILED"
    id_mismatch_initiator_deletes: bool = False
    # An error notify (type < 16384) received while phase 1 is being set up ends it (charon
    # informational.c: "only critical during main mode"); IOS and pluto keep retransmitting.
    error_notify_deletes: bool = False
    # A message for an ISAKMP SA we do not know is answered with INVALID-COOKIE (IOS); charon
    # drops it without a word (5.9.8 process_message_job.c: no IKE_SA checked out, only the
    # ALERT_INVALID_IKE_SPI bus alert of ike_sa_manager.c).
    unknown_sa_notify: bool = True
    # A RESPONDER-LIFETIME notify (RFC 2407 §4.6.3.1) shortens our ISAKMP SA (IOS, trace 07:
    # "restart ike sa timer"); charon and pluto ignore it (5.9.8 informational.c: "received %N
    # notify" and nothing else; libreswan 4.10 ikev1.c informational(): "received and ignored
    # notification payload").
    responder_lifetime_honoured: bool = True
    # A protected NO_PROPOSAL_CHOSEN / INVALID_ID notify carrying our QM1's SPI ends that quick
    # mode (IOS deletes the node; charon informational.c cancel_quick_mode()); pluto ignores
    # it and keeps resending QM1 (libreswan 4.10 ikev1.c informational(): "received and
    # ignored notification payload").
    qm_refusal_ends_exchange: bool = True
    # Message ID of an unprotected notify: random (IOS, charon) or 0 (pluto: libreswan 4.10
    # ikev1_main.c send_v1_notification_from_state(), v1_MAINMODE_MSGID before the keys exist).
    plain_notify_zero_msgid: bool = False

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
        if self.ike_attribute_order not in ("ios", "pluto"):
            raise ValueError(f"unknown ike_attribute_order {self.ike_attribute_order!r}")
        if self.esp_attribute_order not in ("ios", "charon", "pluto"):
            raise ValueError(f"unknown esp_attribute_order {self.esp_attribute_order!r}")
        if self.install_failure not in ("notify", "silent"):
            raise ValueError(f"unknown install_failure {self.install_failure!r}")

    @property
    def fsm_events(self) -> bool:
        """Whether the platform's debug prints IOS's FSM ("Old State = …") lines: 12.4T on."""
        return self.dialect != "12.2"

    def retransmit_delay(self, resends_so_far: int) -> float:
        """Delay before the next resend, given how many resends already happened."""
        steps = max(0, resends_so_far - self.retransmit_backoff_from)
        delay = self.retransmit_interval * self.retransmit_backoff ** steps
        if self.retransmit_timeout and delay >= self.retransmit_timeout:
            # pluto doubles only while the result stays below the timeout
            while delay >= self.retransmit_timeout and steps > 0:
                steps -= 1
                delay = self.retransmit_interval * self.retransmit_backoff ** steps
        return delay

    def retransmit_exhausted(self, resends_so_far: int) -> bool:
        """Whether the timer after ``resends_so_far`` resends gives up: the limit is reached,
        or the waits so far add up to ``retransmit_timeout`` (pluto)."""
        if resends_so_far >= self.retransmit_limit:
            return True
        if not self.retransmit_timeout:
            return False
        waited = sum(self.retransmit_delay(i) for i in range(resends_so_far + 1))
        return waited >= self.retransmit_timeout - 1e-9


_NEW_IOS = dict(conn_id_scheme="1001", lifetime_rule="responder-lifetime", vendor_ids="15",
                auth_announce="id", initial_contact=True, delete_echo=True)

PROFILES: dict[str, Profile] = {
    "ios12": Profile(name="ios12", dialect="12.2", conn_id_scheme="serial"),
    "ios124": Profile(name="ios124", dialect="12.4", **{**_NEW_IOS, "vendor_ids": "12.4"}),
    "ios15": Profile(name="ios15", dialect="15", **_NEW_IOS),
    "iosxe": Profile(name="iosxe", dialect="xe", **_NEW_IOS),
}

# The Linux daemons (ikesim.linux formats their logs; the IOS bookkeeping events are off: the
# "12.2" dialect value only means "no IOS detail" here). Sources: ../shared/fidelity/linux runs
# A, B (strongSwan 5.9.8) and D, E (libreswan 4.10), and the daemons' sources cited per field.
_DAEMON = dict(dialect="12.2", conn_id_scheme="serial", purge_delay=0.0, id_protocol=0, id_port=0,
               lifetime_rule="accept-offered", responder_retransmits=False, nonce_length=32,
               qm_refusal_deletes_phase1=False, payload_events=True,
               responder_lifetime_honoured=False)
PROFILES["strongswan"] = Profile(
    # task_manager_v1.c: retransmit_timeout 4 s × retransmit_base 1.8^n, retransmit_tries 5,
    # "giving up after 5 retransmits" at 165.06 s (run B); half_open_timeout 30 s
    name="strongswan", retransmit_interval=4.0, retransmit_backoff=1.8, retransmit_limit=5,
    half_open_timeout=30.0, vendor_ids="strongswan", initial_contact=True,
    id_mismatch_initiator_deletes=True, error_notify_deletes=True, unknown_sa_notify=False,
    esp_attribute_order="charon", pad_full_block=True, install_failure="notify", **_DAEMON)
PROFILES["libreswan"] = Profile(
    # retransmit-interval 500 ms, doubling from the second retransmit, retransmit-timeout
    # 60 s ("60 second timeout exceeded after 7 retransmits" at 64 s, runs D, E); at most
    # MAXIMUM_RETRANSMITS_PER_EXCHANGE 12 (pluto_constants.h); responder states go after 60 s
    name="libreswan", retransmit_interval=0.5, retransmit_backoff=2.0,
    retransmit_backoff_from=1, retransmit_timeout=60.0, retransmit_limit=12,
    half_open_timeout=60.0, vendor_ids="libreswan", initial_contact=False,
    id_mismatch_notify="INVALID_ID_INFORMATION",
    # a DELETE from the peer: "received Delete SA payload: self-deleting ISAKMP State #1",
    # "deleting state (STATE_MAIN_R3) … and sending notification" (run D rt2)
    delete_echo=True,
    ike_attribute_order="pluto", esp_attribute_order="pluto", first_transform_number=0,
    install_failure="silent", qm_refusal_ends_exchange=False, plain_notify_zero_msgid=True,
    **_DAEMON)

# The platforms a scenario may name (`platform:`): the IOS releases above.
IOS_PLATFORMS: tuple[str, ...] = ("ios12", "ios124", "ios15", "iosxe")
# Linux VPN gateways (ikesim.linux): strongSwan's charon and libreswan's pluto.
LINUX_PLATFORMS: tuple[str, ...] = ("strongswan", "libreswan")
