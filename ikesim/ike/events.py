"""Structured events the IKE engine emits (the engine never formats text; ``ikesim.ios`` does).

Every event carries the SA's conn-id as the *dialect-neutral* SA number (``sa_serial``: 1, 2, 3 …
in creation order on this device) and the conn-id the device would show (``conn_id``: 12.2 shows
the serial; 15.x shows 0 until keys exist, then 1001, 1002 …). ``fields`` hold only data.

The catalogue below is the contract between ``ikesim.ike`` (producer) and ``ikesim.ios``
(formatter, JSON log, expectations). Kinds and their fields:

  sa_created      role ("I"|"R"), peer, local
  main_mode_begin                                   (initiator: "beginning Main Mode exchange")
  no_psk          peer                              ("No pre-shared key with X!")
  rx              peer, state, role, new_sa (bool), exchange, message_id, sport, dport
  local_port      local_port, remote_port           (first packet of a new SA)
  process_payload payload ("SA","KE","NONCE","ID","HASH","NOTIFY","DELETE","VENDOR"), message_id
  psk_found       peer
  check_transform transform (number offered), priority (local policy),
                  attributes: list of [name, value] in wire order, names from
                  ("encryption","hash","group","auth","life_type","life_duration","key_length"),
                  values IOS-ready data: encryption "3DES-CBC"|"DES-CBC"|"AES-CBC", hash "SHA"|"MD5"|
                  "SHA256"…, group int, auth "pre-share"…, life_type "seconds"|"kilobytes",
                  life_duration bytes (as sent, to print "(VPI) of  0x0 0x1 0x51 0x80") or int,
                  key_length int
  attr_mismatch   attribute ("encryption","hash","group","auth","lifetime","key_length",
                  "preshared" = a pre-share policy but no key for the peer), transform, priority
  atts_acceptable next_payload (int)
  atts_not_acceptable next_payload (int)
  policy_not_acceptable peer                        ("phase 1 SA policy not acceptable!")
  auth_method     method ("pre-shared key"), id_type ("ID_IPV4_ADDR")
  skeyid_generated
  tx              peer, state, role, exchange, message_id, sport, dport, retransmission (bool)
  duplicate       peer, state, role
  retransmit_due_to_dup                             ("retransmitting due to retransmit phase 1")
  retransmit_tick state, role                       ("retransmitting phase 1 MM_SA_SETUP...")
  error_counter   reason ("retransmit phase 1")
  retransmit      state, role                       ("retransmitting phase 1 MM_SA_SETUP")
  no_keepalives                                     ("peer does not do paranoid keepalives.")
  bad_message     peer, reason                      (%CRYPTO-4-IKMP_BAD_MESSAGE: decrypt/HASH failed)
  malformed       peer, offset, reason              (codec error on receive)
  authenticated   peer                              ("SA has been authenticated with X")
  auth_failed     peer
  state_change    old, new (15.x internal states: IKE_READY, IKE_I_MM1..IKE_I_MM6,
                  IKE_R_MM1..IKE_R_MM5, IKE_P1_COMPLETE, IKE_DEST_SA), input (e.g. "IKE_MESG_INTERNAL")
  phase1_complete peer, role                        (SA now QM_IDLE)
  notify_tx       peer, notify_type (name), notify_code (int)
  notify_rx       peer, notify_type (name), notify_code (int)
  delete          reason (e.g. "death by retransmission P1", "No reason", "lifetime expired"),
                  state, role, peer, by_peer (bool: the peer's DELETE removed it)
  purge           sa_handle (int, an IOS-like hex pointer value, deterministic)
  lifetime_expired peer
  unknown_sa      peer, reason                      (packet for no SA: INVALID_COOKIE etc.)

Phase 2 (quick mode, ``ikesim.ike.quick``; message_id is the unsigned 32-bit M-ID; proxy fields
local_net, local_mask, remote_net, remote_mask, protocol are ints from this router's view):

  ipsec_sa_request  local, peer, proxy fields, transform ("esp-3des esp-sha-hmac"),
                    lifetime_seconds, lifetime_kb       (debug crypto ipsec "IPSEC(sa_request)")
  qm_begin          message_id, peer                    ("beginning Quick Mode exchange, M-ID of")
  qm_state_change   old, new, input, message_id         (15.x IKE_QM_READY … PHASE2_COMPLETE)
  ipsec_proposal_check proposal, transform, transform_name ("ESP_3DES"), attributes: list of
                    [name, value], names "encaps","life_type","life_duration","authenticator",
                    "key_length","group"
  ipsec_atts_acceptable proposal
  ipsec_atts_not_acceptable proposal, reason ("transform"|"pfs"|"no_map"), offered_group,
                    local_groups, transform_id, auth_id
  proxy_mismatch    peer, proxy fields                  ("proxy identities not supported")
  qm_sa_not_acceptable peer, notify_type                ("SA not acceptable!", IKMP_MODE_FAILURE)
  ipsec_sas_creating peer                               ("Creating IPSec SAs")
  ipsec_sa_created  direction ("inbound"|"outbound"), src, dst, spi, sa_conn_id, transform,
                    lifetime_seconds, lifetime_kb, proxy fields
  qm_complete       message_id, peer, role
  ipsec_sa_expired  peer, local, inbound_spi, outbound_spi, transform, reason ("lifetime
                    seconds" | "lifetime kilobytes" | "clear": `clear crypto sa` / `clear crypto
                    session` | "peer delete": the peer's IPsec DELETE | "ike sa deleted":
                    gone with the ISAKMP SA the peer deleted, no DELETE sent); the pair is
                    gone, new traffic renegotiates
  ipsec_rekey       peer, local, inbound_spi, outbound_spi, reason ("soft lifetime seconds" |
                    "soft lifetime kilobytes"), proxy fields: the pair reached its soft lifetime
                    and its successor is requested (an ipsec_sa_request follows); the pair
                    stays until its hard expiry (ipsec_sa_expired)
  delete_notify_ignored local, peer, spi             (`clear crypto sa` with no ISAKMP SA to
                    tell the peer: "ignoring request to send delete notify (no ISAKMP sa)")
  qm_retransmit     message_id, state, role
  qm_duplicate      message_id, peer
  qm_delete         message_id, reason ("death by retransmission P2" | "Informational (in)
                    state 1" = refused by a protected notification), peer
  (notify_tx / notify_rx gain ``protocol``: 1 ISAKMP, 3 ESP)

IOS bookkeeping the 15.x/IOS-XE dialects print (traces 04, 05, 07 in ../shared/fidelity; the
12.2 dialect prints none of these, so the engine may emit them on every platform):

  peer_struct     peer, port, handle (int), index (int), caller ("isakmp_initiator" |
                  "crypto_isakmp_process_block")     ("Created a peer struct for X, peer port N")
  sa_inserted     sa_handle                          ("insert sa successfully sa = …")
  aggressive_skipped                                 ("Can not start Aggressive mode, trying Main mode.")
  psk_local                                          ("local preshared key found")
  profile_scan    profiles (list of str: the configured ISAKMP profiles, configuration
                  order; may be absent = none)   ("Scanning profiles for xauth ... VPN")
  lifetime_set    lifetime (s), actual_life (int), vpi (bool: sent as a variable-length value),
                  vpi_length                         (IOS-XE "Started lifetime timer: N.")
  vendor_id       vendor ("nat-t-rfc3947","nat-t-07","nat-t-03","nat-t-02","unity","dpd",
                  "xauth","cisco-ios" or "" when unknown), major (octet 14 of the VID as IOS
                  reads it: past the end of a short VID it is the next payload's octet)
  vendor_id_sent  vendor                             ("constructed NAT-T vendor-rfc3947 ID")
  initial_contact_sent                               ("Send initial contact", MM5)
  id_payload      sent (bool), next_payload, id_type, address, protocol, port, length,
                  identity (text: the FQDN / user FQDN of a name identity, trace 14)
  profile_match   profile (str: the ISAKMP profile the ID matched; "" = none)
                                                    ("peer matches *none* of the profiles")
  keyring_key     keyring, key_type ("ADDRESS")      (after a profile match: the peer's key
                  found in one of the profile's keyrings, "Found ADDRESS key in keyring RA")
  peer_inserted   local, peer, port, handle          ("Trying to insert a peer …")
  responder_lifetime lifetime (s)                    (RESPONDER-LIFETIME notify processed)
  initial_contact_processed local, peer, port        ("Process initial contact, bring down …")
  peer_reap       peer, handle                       ("Deleting peer node by peer_reap for X")
  delete_scheduled reason, state, role, peer         (a peer's DELETE read; "deleting SA reason …")
  node_new        message_id, state                  ("set new node N to QM_IDLE")
  node_delete     message_id, reason, error (bool)   ("deleting node N error FALSE reason …")
  node_purge      message_id                         ("purging node N")
  qm_spi          role                               ("QM Responder gets spi")
  ipsec_installed spi (inbound), interface           (IOS-XE "Successfully installed IPSEC SA")
  (policy_not_acceptable gains ``local``; qm_delete gains ``error`` (bool); rejections carry
  ``peer``)

The Linux daemons (profiles with ``payload_events``, ``ikesim.linux`` formats them):

  parsed          exchange, message_id, message ("MM1".."MM6", "QM1".."QM3", "INFO_NOTIFY" …:
                  the transition row), payloads (list: "SA", "KE", "NONCE", "ID", "HASH",
                  "DELETE", "VENDOR:<hex>", "NOTIFY:<type>" …, in order), size (octets)
                  (a received message accepted by its row: "parsed ID_PROT response 0 [ SA V ]")
  half_open_timeout peer, timeout (s)                ("deleting half open IKE_SA … after timeout")
  ipsec_install_failed peer, message_id, role, inbound_spi, outbound_spi, transform
                  (the kernel refused the IPsec SAs: "unable to install … IPsec SA (SAD)")
  id_mismatch     peer, role, received_type, received (text), expected_type, expected
                  (the peer's phase-1 identity is not the configured one)
  qm_request      message_id, peer, proxy fields       (a QM1 read: the proposed selectors)
  spi_allocated   message_id, role, spi, proxy fields  (our inbound SPI: charon "got SPI")
  (with ``payload_events`` "rx" gains ``size``, "tx" ``size`` and ``payloads`` (as in "parsed"; empty for
   a retransmission); a "tx" for an unprotected notify may have no SA; qm_delete gains
   ``inbound_spi`` when a failed installation expires)

NAT traversal (RFC 3947/3948, ``ikesim.ike.natt``) and dead peer detection (RFC 3706,
``ikesim.ike.dpd``):

  nat_detect      payload_type (20 | 130), result ("both_inside" | "my_no_match" |
                  "his_no_match" | "no_nat": what the NAT-D payloads so far say, one event per
                  NAT-D)                            ("received payload type 20", "His hash no
                                                    match - this node outside NAT" …)
  port_floated    port (the peer's port MM5 came from)  ("Detected port floating to port = N")
  udp_enc_peer    handle, sa_handle                 (initiator, MM6: "Setting UDP ENC peer struct")
  peer_lookup     local, peer, port                 ("Trying to find existing peer L/P/port/")
  nat_keepalive   peer, sport, dport                (a NAT-keepalive sent, RFC 3948 §2.3)
  dpd_tx          peer, notify_type ("R_U_THERE" | "R_U_THERE_ACK"), sequence, message_id,
                  sa_handle                         ("Sending NOTIFY DPD/R_U_THERE protocol 1")
  dpd_rx          peer, notify_type, sequence       ("DPD/R_U_THERE received from peer X")
  dpd_retry       peer, attempt, limit              (an unanswered R-U-THERE repeated)
  dpd_dead        peer, repeats                     (no answer: the peer's SAs are deleted)
  dpd_bad_sequence peer, notify_type, sequence, expected (int | None): an ACK for no open
                  R-U-THERE, or a replayed R-U-THERE; refused (RFC 3706 §5.5)
  (notify_rx gains ``sa_handle`` and ``message_id`` for DPD notifies, as for INITIAL-CONTACT)
Aggressive mode, identities and signatures (``ikesim.ike.aggressive``, ``ikesim.ike.auth_rsa``):

  aggressive_mode_begin                             ("beginning Aggressive Mode exchange")
  aggressive_disabled peer, role ("I": our request blocked, main mode used instead; "R": an
                  AM1 blocked before any SA exists, unanswered)
  psk_hostname_missing identity                     ("no pre-shared key based on hostname X!")
  xauth_lookup    profile                           ("Looking for xauth in profile P"; without
                                                    a profile: profile_scan)
  cert_request_rx cert_type (4 = X.509 signature), authority (the CA's DN as text, or its hex)
  cert_request_tx authority                         (a CERT_REQ we send, one per trusted CA)
  cert_tx         subject, trustpoint               (our certificate sent)
  cert_rx         subject, issuer, serial, encoding (the peer's certificate read)
  cert_invalid    peer, reason (ikesim.pki.verify: "issuer not trusted", "certificate not yet
                  valid", "certificate expired", "identity does not match the certificate",
                  "certificate does not parse", "certificate signature invalid", "no trusted
                  CA"), subject, serial, at (this router's clock, ISO), not_before, not_after
                  (ISO), identity (the ID the peer sent)
  cert_missing    peer                              (a SIG without a certificate)
  no_certificate  peer                              (rsa-sig negotiated, we hold none)
  (auth_method's method may be "RSA signature", its id_type ID_FQDN, ID_USER_FQDN …;
  auth_failed gains ``reason`` and ``method_id`` (3 for RSA signatures))
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

# The kinds documented above, in catalogue order: the docstring is the single list.
EVENT_KINDS: tuple[str, ...] = tuple(dict.fromkeys(
    re.findall(r"^  ([a-z][a-z0-9_]+)\b", __doc__ or "", re.MULTILINE)))


class IkeEvent(NamedTuple):
    """One event (immutable; a named tuple because a main mode emits ~40 of them and the
    engine's cost is benchmarked against the bare crypto)."""

    kind: str
    sa_serial: int            # 0 when no SA exists yet (e.g. a NEW SA's first "rx" line)
    conn_id: int              # what the device's dialect shows
    fields: dict[str, Any] = {}     # never mutated: the engine always passes its own dict
