"""THE main-mode transition table (RFC 2409 §5, PSK authentication), in the spirit of
libreswan's ``ikev1_states.c``: SA state × role × received message → checks → action → states.

``state`` is the SA's `show crypto isakmp sa` state when the message arrives ("NEW" = no SA yet);
``tx_state`` is the state printed on the reply's "sending packet" line (None = no reply);
``next_state`` is the state afterwards; ``internal`` is the 15.x (state after receiving, state
after processing) pair, ``prev_internal`` the 15.x state it leaves. The engine dispatches on this
table only: a message with no row is answered by nothing (``bad_message`` "unexpected").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ikesim.ike.sa import MM_KEY_EXCH, MM_NO_STATE, MM_SA_SETUP, QM_IDLE

NEW = "NEW"
ANY = "*"
DELETED = "DELETED"


@dataclass(frozen=True, slots=True)
class Transition:
    state: str
    role: str
    message: str                     # "MM1".."MM6", "INFO_NOTIFY", "INFO_DELETE"
    checks: tuple[str, ...]
    action: str                      # IsakmpEngine method "_act_<action>"
    next_state: str
    tx_state: str | None = None
    prev_internal: str | None = None
    internal: tuple[str, str] | None = None


TRANSITIONS: tuple[Transition, ...] = (
    # Responder.
    Transition(NEW, "R", "MM1", ("sa_payload", "policy_match"), "respond_mm2", MM_SA_SETUP,
               MM_SA_SETUP, "IKE_READY", ("IKE_R_MM1", "IKE_R_MM2")),
    Transition(MM_SA_SETUP, "R", "MM3", ("ke_payload", "nonce_payload", "psk"), "respond_mm4",
               MM_KEY_EXCH, MM_KEY_EXCH, "IKE_R_MM2", ("IKE_R_MM3", "IKE_R_MM4")),
    Transition(MM_KEY_EXCH, "R", "MM5", ("decrypt", "id_payload", "hash_i"), "respond_mm6",
               QM_IDLE, MM_KEY_EXCH, "IKE_R_MM4", ("IKE_R_MM5", "IKE_P1_COMPLETE")),
    # Initiator (MM1 is sent by initiate()).
    Transition(MM_NO_STATE, "I", "MM2", ("sa_payload", "transform_offered"), "send_mm3",
               MM_SA_SETUP, MM_SA_SETUP, "IKE_I_MM1", ("IKE_I_MM2", "IKE_I_MM3")),
    Transition(MM_SA_SETUP, "I", "MM4", ("ke_payload", "nonce_payload"), "send_mm5",
               MM_KEY_EXCH, MM_KEY_EXCH, "IKE_I_MM3", ("IKE_I_MM4", "IKE_I_MM5")),
    Transition(MM_KEY_EXCH, "I", "MM6", ("decrypt", "id_payload", "hash_r"), "complete",
               QM_IDLE, None, "IKE_I_MM5", ("IKE_I_MM6", "IKE_P1_COMPLETE")),
    # Informational exchange (RFC 2408 §4.8, RFC 2409 §5.7). An unprotected notify is logged
    # but changes nothing (IOS: "Notify has no hash. Rejected." — the initiator keeps resending).
    Transition(ANY, ANY, "INFO_NOTIFY", (), "log_notify", ANY),
    Transition(QM_IDLE, ANY, "INFO_DELETE", ("decrypt", "hash_1"), "peer_delete", DELETED),
)


@cache   # TRANSITIONS is immutable: each (state, role, message) always finds the same row
def lookup(state: str, role: str, message: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.message == message and t.state in (state, ANY) and t.role in (role, ANY):
            return t
    return None
