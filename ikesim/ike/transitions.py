"""THE transition tables of the IKEv1 engine, in the spirit of libreswan's ``ikev1_states.c``:
state × role × received message → payloads required/optional → action → next state.

One table per exchange, all rows of one shape:

- ``state`` is the state of the machine the message is for when it arrives: the ISAKMP SA's
  `show crypto isakmp sa` state for main mode and informational exchanges ("NEW" = no SA yet),
  the quick-mode exchange's own state for quick mode ("NEW" = no exchange with that M-ID yet);
  ``phase1`` is the ISAKMP SA state a quick-mode row needs (QM_IDLE).
- ``required`` payloads must each appear exactly as often as listed; ``optional`` ones at most
  as often as listed; ``repeatable`` ones any number of times. Anything else is refused by the
  generic check (``payload_problem``) BEFORE the action runs: a missing or duplicated KE, ID,
  HASH … is a typed reject (``bad_message`` with ``peer``), never an exception.
- ``encrypted``: the message must arrive encrypted (RFC 2409 App. B) or must not.
- ``tx_state`` is the state printed on the reply's "sending packet" line (None = no reply);
  ``next_state`` the state afterwards; ``internal`` is the 15.x (state after receiving, state
  after processing) pair, ``prev_internal`` the 15.x state it leaves.

The engine dispatches on these tables only. A message with no row is answered by nothing and
reported as ``bad_message`` "unexpected <message> in <state>" (IOS: %CRYPTO-4-IKMP_BAD_MESSAGE).
Aggressive mode (AG_*) has its own table of the same shape; DPD (R-U-THERE / R-U-THERE-ACK)
joins these tables as new rows.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from ikesim.ike.quick import QM_COMPLETE, QM_I_QM1, QM_R_QM2
from ikesim.ike.sa import AG_AUTH, AG_INIT_EXCH, MM_KEY_EXCH, MM_NO_STATE, MM_SA_SETUP, QM_IDLE

NEW = "NEW"
ANY = "*"
DELETED = "DELETED"
MAIN, QUICK, INFO, AGGR = "main", "quick", "info", "aggressive"


# eq=False: a row is one entry of the tables (no two are alike, tested), so it is hashed and
# compared by identity, in C: ``Context.taken`` counts rows on every message.
@dataclass(frozen=True, slots=True, eq=False)
class Transition:
    exchange: str                    # MAIN | QUICK | INFO | AGGR
    state: str
    role: str                        # "I" | "R" | ANY
    message: str                     # "MM1".."MM6", "AM1".."AM3", "QM1".."QM3", "INFO_NOTIFY",
                                     # "INFO_DELETE", "INFO_DELETE_IPSEC"
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    repeatable: tuple[str, ...] = ()
    action: str = ""
    next_state: str = ANY
    tx_state: str | None = None
    prev_internal: str | None = None
    internal: tuple[str, str] | None = None
    encrypted: bool = False
    phase1: str = ANY
    # How many of each payload the row admits (a repeatable one: any number), from the three
    # tuples above, computed once per row instead of once per message.
    limits: dict[str, int] = field(init=False, repr=False)
    # ``payload_problem``'s answer per payload-name sequence already seen: a row meets the
    # same few sequences over and over. Bounded (emptied when full) against a hostile peer.
    verdicts: dict[tuple[str, ...], str | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        limits = {name: self.required.count(name) + self.optional.count(name)
                  for name in (*self.required, *self.optional)}
        limits.update(dict.fromkeys(self.repeatable, sys.maxsize))
        object.__setattr__(self, "limits", limits)
        object.__setattr__(self, "verdicts", {})


# Main mode (RFC 2409 §5, identity protection). Vendor IDs may ride on any message (RFC 2408
# §3.16); IOS 15 puts INITIAL-CONTACT (a status notify) in MM5. With signatures (§5.1) MM3/MM4
# may carry CERT_REQ and MM5/MM6 carry [CERT,] SIG instead of HASH: HASH and SIG are both
# optional here and the negotiated method's task refuses the wrong one (a typed reject).
_VID = ("VENDOR",)
# NAT-D (RFC 3947 §3.2) rides on MM3/MM4, one per address, with CERT_REQ when signatures are
# used (RFC 2409 §5.1).
_KEX = ("VENDOR", "NAT-D", "CERT_REQ")
_AUTH, _AUTH_EXTRA = ("HASH", "SIG"), ("NOTIFY", "VENDOR", "CERT")
MAIN_MODE: tuple[Transition, ...] = (
    # Responder.
    Transition(MAIN, NEW, "R", "MM1", ("SA",), (), _VID, "respond_mm2", MM_SA_SETUP,
               MM_SA_SETUP, "IKE_READY", ("IKE_R_MM1", "IKE_R_MM2")),
    Transition(MAIN, MM_SA_SETUP, "R", "MM3", ("KE", "NONCE"), (), _KEX, "respond_mm4",
               MM_KEY_EXCH, MM_KEY_EXCH, "IKE_R_MM2", ("IKE_R_MM3", "IKE_R_MM4")),
    Transition(MAIN, MM_KEY_EXCH, "R", "MM5", ("ID",), _AUTH, _AUTH_EXTRA,
               "respond_mm6", QM_IDLE, MM_KEY_EXCH, "IKE_R_MM4", ("IKE_R_MM5", "IKE_P1_COMPLETE"),
               encrypted=True),
    # Initiator (MM1 is sent by initiate()).
    Transition(MAIN, MM_NO_STATE, "I", "MM2", ("SA",), (), _VID, "send_mm3", MM_SA_SETUP,
               MM_SA_SETUP, "IKE_I_MM1", ("IKE_I_MM2", "IKE_I_MM3")),
    Transition(MAIN, MM_SA_SETUP, "I", "MM4", ("KE", "NONCE"), (), _KEX, "send_mm5",
               MM_KEY_EXCH, MM_KEY_EXCH, "IKE_I_MM3", ("IKE_I_MM4", "IKE_I_MM5")),
    Transition(MAIN, MM_KEY_EXCH, "I", "MM6", ("ID",), _AUTH, _AUTH_EXTRA,
               "complete", QM_IDLE, None, "IKE_I_MM5", ("IKE_I_MM6", "IKE_P1_COMPLETE"),
               encrypted=True),
)

# Aggressive mode (RFC 2409 §5.4 pre-shared keys, §5.1 signatures):
#   AM1  HDR, SA, KE, Ni, IDii [, CERT_REQ]     AM2  HDR, SA, KE, Nr, IDir, HASH_R | [CERT,] SIG_R
#   AM3  HDR*, HASH_I | [CERT,] SIG_I
# HASH and SIG are both optional here: the negotiated method decides which one must be there
# (the auth task refuses the other, a typed reject like the table's own). States: the
# initiator waits in AG_INIT_EXCH (an unanswered IOS initiator is listed AG_INIT_EXCH: Zscaler's
# Cisco 881 guide, `show crypto isakmp sa`), the responder answers AM1 from NEW into
# AG_INIT_EXCH; both reach QM_IDLE (AG_AUTH is passed through). The initiator's AM3 is sent
# encrypted (libreswan, which interoperates with IOS aggressive mode, has always required an
# encrypted AM3: libreswan PR #230); RFC 2409 §5.4 lets it come in the clear, so a plain AM3
# is accepted too.
_AM_AUTH = ("HASH", "SIG")
AGGRESSIVE_MODE: tuple[Transition, ...] = (
    Transition(AGGR, NEW, "R", "AM1", ("SA", "KE", "NONCE", "ID"), (), ("VENDOR", "CERT_REQ"),
               "respond_am2", AG_INIT_EXCH, AG_INIT_EXCH, "IKE_READY", ("IKE_R_AM1", "IKE_R_AM2")),
    Transition(AGGR, AG_INIT_EXCH, "I", "AM2", ("SA", "KE", "NONCE", "ID"), _AM_AUTH,
               ("VENDOR", "CERT", "CERT_REQ"), "send_am3", QM_IDLE, AG_AUTH, "IKE_I_AM1",
               ("IKE_I_AM2", "IKE_P1_COMPLETE")),
    Transition(AGGR, AG_INIT_EXCH, "R", "AM3", (), _AM_AUTH, ("NOTIFY", "VENDOR", "CERT"),
               "finish_am", QM_IDLE, None, "IKE_R_AM2", ("IKE_P1_COMPLETE", ""),
               encrypted=True),
    Transition(AGGR, AG_INIT_EXCH, "R", "AM3", (), _AM_AUTH, ("NOTIFY", "VENDOR", "CERT"),
               "finish_am", QM_IDLE, None, "IKE_R_AM2", ("IKE_P1_COMPLETE", "")),
)

# Quick mode (RFC 2409 §5.5): HASH(1), SA, Ni [, KE] [, IDci, IDcr]. Both IDs or none (the
# action checks the pair); the KE only with PFS.
_QM_OFFER = ("HASH", "SA", "NONCE")
_QM_EXTRA = ("KE", "ID", "ID")
QUICK_MODE: tuple[Transition, ...] = (
    Transition(QUICK, NEW, "R", "QM1", _QM_OFFER, _QM_EXTRA, (), "respond_qm2", QM_R_QM2,
               encrypted=True, phase1=QM_IDLE),
    Transition(QUICK, QM_I_QM1, "I", "QM2", _QM_OFFER, _QM_EXTRA, (), "send_qm3", QM_COMPLETE,
               encrypted=True, phase1=QM_IDLE),
    Transition(QUICK, QM_R_QM2, "R", "QM3", ("HASH",), (), (), "finish_qm", QM_COMPLETE,
               encrypted=True, phase1=QM_IDLE),
)

# Informational exchange (RFC 2408 §4.8, RFC 2409 §5.7). An unprotected notify is logged but
# changes nothing (IOS: "Notify has no hash. Rejected." — the initiator keeps resending); a
# protected one (HASH(1) verified) may end our quick mode; only a protected DELETE of this very
# ISAKMP SA deletes it. An unprotected DELETE has no row.
INFORMATIONAL: tuple[Transition, ...] = (
    Transition(INFO, ANY, ANY, "INFO_NOTIFY", ("NOTIFY",), (), ("NOTIFY",), "log_notify"),
    Transition(INFO, QM_IDLE, ANY, "INFO_NOTIFY", ("HASH", "NOTIFY"), (), ("NOTIFY",),
               "protected_notify", encrypted=True),
    Transition(INFO, QM_IDLE, ANY, "INFO_DELETE", ("HASH", "DELETE"), (), ("DELETE",),
               "peer_delete", DELETED, encrypted=True),
    # Dead peer detection (RFC 3706, ikesim.ike.dpd): a lone protected R-U-THERE is answered,
    # a protected R-U-THERE-ACK closes our question; unprotected ones are refused (§5.3).
    Transition(INFO, QM_IDLE, ANY, "INFO_R_U_THERE", ("HASH", "NOTIFY"), (), (), "dpd_answer",
               encrypted=True),
    Transition(INFO, QM_IDLE, ANY, "INFO_R_U_THERE_ACK", ("HASH", "NOTIFY"), (), (),
               "dpd_acknowledged", encrypted=True),
    Transition(INFO, ANY, ANY, "INFO_R_U_THERE", ("NOTIFY",), (), (), "dpd_unprotected"),
    Transition(INFO, ANY, ANY, "INFO_R_U_THERE_ACK", ("NOTIFY",), (), (), "dpd_unprotected"),
    # A protected DELETE of IPsec SAs (protocol ESP): those pairs go, the ISAKMP SA stays.
    Transition(INFO, QM_IDLE, ANY, "INFO_DELETE_IPSEC", ("HASH", "DELETE"), (), ("DELETE",),
               "ipsec_delete", QM_IDLE, encrypted=True),
)

TRANSITIONS: tuple[Transition, ...] = MAIN_MODE + AGGRESSIVE_MODE + QUICK_MODE + INFORMATIONAL


def _matches(pattern: str, value: str) -> bool:
    return pattern == ANY or pattern == value


@cache   # the tables are immutable: each key always finds the same row
def lookup(state: str, role: str, message: str, encrypted: bool | None = None,
           phase1: str = ANY) -> Transition | None:
    """The row for ``message`` received in ``state`` by ``role`` (``encrypted`` None: either;
    ``phase1``: the ISAKMP SA's state, for quick-mode rows)."""
    for t in TRANSITIONS:
        if (t.message == message and _matches(t.state, state) and _matches(t.role, role)
                and (encrypted is None or t.encrypted == encrypted)
                and _matches(t.phase1, phase1)):
            return t
    return None


@cache
def has_encrypted_row(exchange: str, state: str, role: str) -> bool:
    """Whether any encrypted message of ``exchange`` is expected in ``state`` (an informational
    message is decrypted only then: before phase 1 completes there is no key to try)."""
    return any(t.exchange == exchange and t.encrypted and _matches(t.state, state)
               and _matches(t.role, role) for t in TRANSITIONS)


_VERDICTS_MAX = 256
_UNSEEN = ""      # never a verdict: a problem is a non-empty text or None


def payload_problem(t: Transition, names: Sequence[str]) -> str | None:
    """Why the payloads ``names`` (in message order) do not fit row ``t``; None when they do."""
    key = tuple(names)
    verdicts = t.verdicts
    problem = verdicts.get(key, _UNSEEN)
    if problem is _UNSEEN:
        if len(verdicts) >= _VERDICTS_MAX:
            verdicts.clear()
        problem = verdicts[key] = _problem(t, key)
    return problem


def _problem(t: Transition, names: tuple[str, ...]) -> str | None:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    for name in t.required:
        if name not in counts:
            return f"missing {name} payload"
    limits = t.limits
    for name, n in counts.items():
        allowed = limits.get(name, 0)
        if allowed == 0:
            return f"unexpected {name} payload"
        if n > allowed:
            return f"duplicate {name} payload"
    return None
