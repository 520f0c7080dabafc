"""IOS message texts the formatters pick from (one place, each with its source)."""

from __future__ import annotations

# IOS logs mismatches per attribute while walking the offered transform against a policy.
MISMATCH_TEXT = {
    # trace 07 (15.x, real): the per-policy encryption mismatch.
    "encryption": "Encryption algorithm offered does not match policy!",
    # The next four: message set per ios-facts §5 (GitHub notes, sendthepayload.com) [M].
    "hash": "Hash algorithm offered does not match policy!",
    "group": "Diffie-Hellman group offered does not match policy!",
    # trace 12 (IOS-XE, transcribed): AES with another key length.
    "key_length": "Proposed key length does not match policy",
    "preshared": "Preshared authentication offered but does not match policy!",
    # guess: wording by analogy with the lines above; no capture shows an auth-method mismatch.
    "auth": "Authentication method offered does not match policy!",
    # guess: IOS 12.2 rejects a longer offered lifetime (Cisco's 12.2 IKE configuration guide,
    # quoted in exam prose, ios-facts §4 [L]); no capture shows the line, the wording is ours.
    "lifetime": "Life duration offered does not match policy!",
    # guess: an ISAKMP transform whose id is not KEY_IKE (RFC 2409 App. A); no capture.
    "transform_id": "Transform ID offered does not match policy!",
}
UNKNOWN_MISMATCH = "atts are not acceptable"

# IOS's own names for notify types where they differ from RFC 2408 §3.14.1 (trace 07:
# "processing NOTIFY PROPOSAL_NOT_CHOSEN protocol 3" for NO-PROPOSAL-CHOSEN, type 14).
NOTIFY_NAMES = {14: "PROPOSAL_NOT_CHOSEN", 24576: "RESPONDER_LIFETIME", 24578: "INITIAL_CONTACT"}

# Vendor IDs as IOS names them in "vendor ID is …" (traces 04, 05, 07).
VENDOR_NAMES = {
    "nat-t-rfc3947": "NAT-T RFC 3947", "nat-t-07": "NAT-T v7", "nat-t-03": "NAT-T v3",
    "nat-t-02": "NAT-T v2", "unity": "Unity", "dpd": "DPD", "xauth": "XAUTH",
}
# "constructed NAT-T vendor-rfc3947 ID" (04: the initiator's four, 05: the responder's one).
VENDOR_CONSTRUCTED = {"nat-t-rfc3947": "rfc3947", "nat-t-07": "07", "nat-t-03": "03",
                      "nat-t-02": "02"}

# 15.x FSM inputs for transitions the engine may report without a complete ``input`` field.
INPUT_FROM_PEER = "IKE_MESG_FROM_PEER, IKE_MM_EXCH"
INPUT_INTERNAL = "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"
# trace 07: "Input = IKE_MESG_INTERNAL, IKE_PHASE1_DEL" before "New State = IKE_DEST_SA".
INPUT_DEST = "IKE_MESG_INTERNAL, IKE_PHASE1_DEL"
INPUT_COMPLETION = {
    "IKE_MESG_FROM_PEER": INPUT_FROM_PEER,
    "IKE_MESG_FROM_IPSEC": "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM",
    "IKE_MESG_FROM_TIMER": "IKE_MESG_FROM_TIMER, IKE_TIMER_EXPIRED",
}
DEFAULT_INPUTS = {
    ("IKE_READY", "IKE_I_MM1"): "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM",
    ("IKE_READY", "IKE_R_MM1"): INPUT_FROM_PEER,
    ("IKE_I_MM1", "IKE_I_MM2"): INPUT_FROM_PEER,
    ("IKE_I_MM3", "IKE_I_MM4"): INPUT_FROM_PEER,
    ("IKE_I_MM5", "IKE_I_MM6"): INPUT_FROM_PEER,
    ("IKE_R_MM2", "IKE_R_MM3"): INPUT_FROM_PEER,
    ("IKE_R_MM4", "IKE_R_MM5"): INPUT_FROM_PEER,
    ("IKE_I_MM6", "IKE_P1_COMPLETE"): "IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE",
    ("IKE_R_MM5", "IKE_P1_COMPLETE"): INPUT_INTERNAL,
}

BAD_MESSAGE = ("%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {peer} failed its sanity check "
               "or is malformed")
NO_SA = ("%CRYPTO-4-IKMP_NO_SA: IKE message from {peer} has no SA and is not an initialization "
         "offer")
