"""ISAKMP SA records, engine I/O value types and the rows of `show crypto isakmp sa`."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from ikesim.ike.events import IkeEvent

# `show crypto isakmp sa` states (IOS names).
MM_NO_STATE = "MM_NO_STATE"
MM_SA_SETUP = "MM_SA_SETUP"
MM_KEY_EXCH = "MM_KEY_EXCH"
MM_KEY_AUTH = "MM_KEY_AUTH"
QM_IDLE = "QM_IDLE"
# Aggressive mode (ios-facts §2: created / first exchange done, unauthenticated /
# authenticated; then QM_IDLE).
AG_NO_STATE = "AG_NO_STATE"
AG_INIT_EXCH = "AG_INIT_EXCH"
AG_AUTH = "AG_AUTH"
STATES = (MM_NO_STATE, MM_SA_SETUP, MM_KEY_EXCH, MM_KEY_AUTH, QM_IDLE, AG_NO_STATE,
          AG_INIT_EXCH, AG_AUTH)
MAIN_MODE, AGGRESSIVE_MODE = "main", "aggressive"

ZERO_COOKIE = bytes(8)
IKE_PORT = 500


@dataclass(slots=True)
class Datagram:
    src: int
    sport: int
    dst: int
    dport: int
    data: bytes


@dataclass(slots=True, init=False)
class Output:
    sends: list[Datagram]
    timers: dict[Hashable, float]           # key -> absolute time
    cancels: set[Hashable]
    events: list[IkeEvent]

    def __init__(self) -> None:
        # One per engine input (every ESP packet's ipsec_traffic included): plain stores, not
        # the generated default-factory checks.
        self.sends, self.timers, self.cancels, self.events = [], {}, set(), []

    def arm(self, key: Hashable, when: float) -> None:
        self.cancels.discard(key)
        self.timers[key] = when

    def cancel(self, key: Hashable) -> None:
        self.timers.pop(key, None)
        self.cancels.add(key)


@dataclass(frozen=True, slots=True)
class Negotiated:
    """The phase-1 transform both sides agreed on (IOS policy keywords)."""

    encryption: str        # "des" | "3des" | "aes128" | "aes192" | "aes256"
    hash: str              # "md5" | "sha" | "sha256" | "sha384" | "sha512"
    group: int
    authentication: str    # "pre-share" | "rsa-sig" | "rsa-encr"
    lifetime: int          # seconds
    priority: int          # local policy that matched
    # ikesim.crypto hash name (IOS "sha" is SHA-1), read by every prf of the SA: set once
    hash_name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hash_name", "sha1" if self.hash == "sha" else self.hash)


@dataclass(eq=False, slots=True)
class IsakmpSa:
    """One phase-1 SA as this device sees it (keys included, for phase 2 and key export).

    Compact (``__slots__``; a hub holds thousands): what only one main-mode step needs is
    dropped after it — the SA payload offered (MM1, checked against MM2) and the one chosen
    (sent in MM2), and the DH object once g^xy exists."""

    serial: int
    role: str                      # "I" | "R"
    local: int
    peer: int
    local_port: int
    peer_port: int
    icookie: bytes
    rcookie: bytes = ZERO_COOKIE
    state: str = MM_NO_STATE
    internal: str = "IKE_READY"    # 15.x internal state (12.2 never prints it: not kept)
    deleted: bool = False
    conn_id_1001: int = 0
    created_at: float = 0.0
    deleted_at: float | None = None
    established_at: float | None = None
    handle: int = 0                # IOS-like SA pointer printed by "purging SA., sa=…"
    negotiated: Negotiated | None = None
    sai_b: bytes = b""             # initiator's MM1 SA payload body (both hashes use it)
    offered: Any = None            # initiator: the SaPayload it sent (until MM2 is checked)
    chosen: Any = None             # responder: the SaPayload it answers MM1 with (until sent)
    psk: bytes | None = None
    dh: Any = None                 # our DiffieHellman, until g^xy is computed
    gxi: bytes = b""
    gxr: bytes = b""
    ni: bytes = b""
    nr: bytes = b""
    gxy: bytes = b""
    skeyid: bytes = b""
    skeyid_d: bytes = b""
    skeyid_a: bytes = b""
    skeyid_e: bytes = b""
    cipher_key: bytes = b""
    iv: bytes = b""                # phase-1 IV state (last ciphertext block)
    last_sent: bytes | None = None
    last_received: bytes | None = None
    awaiting_reply: bool = False   # our last message expects an answer (retransmit until it comes)
    resends: int = 0
    deadlines: dict[Hashable, float] = field(default_factory=dict)
    # Which phase-1 exchange made this SA, and the identities it carried (aggressive mode and
    # signatures check them; main mode with pre-shared keys sends ID_IPV4_ADDR).
    mode: str = MAIN_MODE
    local_id: Any = None           # the IdPayload we send (its body enters our HASH/SIG)
    peer_id: Any = None            # the IdPayload the peer sent
    auth: Any = None               # signature authentication material (ike.auth_rsa)
    natt: Any = None               # ikesim.ike.natt.NatTraversal once NAT-T is negotiated
    dpd: Any = None                # ikesim.ike.dpd.DeadPeerDetection once phase 1 is up
    # IOS bookkeeping (ikesim.ike.ios_detail): vendor IDs the peer sent, whether its MM5 carried
    # INITIAL-CONTACT, the lifetime to tell the initiator (RESPONDER-LIFETIME), and the message
    # IDs of the nodes IOS keeps on this SA until it is deleted ("deleting node … IKE deleted").
    vendors: set[str] = field(default_factory=set)
    initial_contact: bool = False
    notify_lifetime: int = 0
    nodes: list[int] = field(default_factory=list)
    # quick-mode requests the peer refused on this SA, started again on a new SA when the peer
    # deletes this one (trace 07); ``restart`` marks such a new SA (one restart per request)
    requeue: list[Any] = field(default_factory=list)
    restart: bool = False
    pad_full_block: bool = False   # the profile's CBC padding rule (ikesim.ike.protect)
    profile: str | None = None     # the ISAKMP profile the peer matched (or that we used)

    @property
    def cipher_name(self) -> str:
        assert self.negotiated is not None
        return self.negotiated.encryption

    @property
    def hash_name(self) -> str:
        assert self.negotiated is not None
        return self.negotiated.hash_name

    @property
    def initiator(self) -> int:
        return self.local if self.role == "I" else self.peer

    @property
    def responder(self) -> int:
        return self.peer if self.role == "I" else self.local

    @property
    def shown_state(self) -> str:
        # guess: a deleted aggressive-mode SA is listed as AG_NO_STATE, as a deleted main-mode
        # SA is listed as MM_NO_STATE (ios-facts §2); no capture shows one.
        if self.deleted:
            return AG_NO_STATE if self.mode == AGGRESSIVE_MODE else MM_NO_STATE
        return self.state


@dataclass(frozen=True, slots=True)
class SaRow:
    """One line of `show crypto isakmp sa`: dst = responder, src = initiator (not local/remote)."""

    dst: int
    src: int
    state: str
    conn_id: int
    deleted: bool
    role: str
    peer: int
    sa_serial: int
    local: int
    icookie: bytes
    rcookie: bytes
    slot: int = 0
