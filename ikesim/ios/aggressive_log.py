"""`debug crypto isakmp` lines for aggressive mode, identities and certificates
(``ikesim.ike.aggressive``, ``ikesim.ike.auth_rsa``), registered into ``isakmp_log``.

Sources: trace 14 in ../shared/fidelity (15.x responder to an aggressive-mode FQDN identity: the
ID payload dump with "FQDN name : srx110c2821", ":: peer matches j2c-1 profile", "no pre-shared
key based on hostname srx110c2821!", "ISAKMP : Looking for xauth in profile j2c-1"); the Cisco
IOS Security Command Reference for `crypto isakmp aggressive-mode disable` ("Unable to initiate
or respond to Aggressive Mode while disabled"); the main-mode lines these mirror ("beginning
Main Mode exchange", seed and trace 01).

guess: no capture available here shows IOS's own aggressive-mode initiator or its certificate
processing; "beginning Aggressive Mode exchange" mirrors "beginning Main Mode exchange", the
syslog mnemonic IKMP_AG_MODE_DISABLED is not documented, and the certificate lines follow the
wording of IOS's certificate debugs as commonly quoted ("peer wants a CT_X509_SIGNATURE cert",
"processing a CT_X509_SIGNATURE cert", "%CRYPTO-5-IKMP_INVAL_CERT: Certificate received from X
is bad", "%PKI-3-CERTIFICATE_INVALID_EXPIRED" / "_NOT_YET_VALID"), not from a capture.

Handlers receive ``isakmp_log``'s per-call helper (``sa``, ``sa_old``, ``ip``, ``f``, ``ev``,
``v15``); they never raise on the fields the engine emits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

Line = tuple[bool, str]
Handler = Callable[[Any], list[Line]]

AG_DISABLED = ("%CRYPTO-6-IKMP_AG_MODE_DISABLED: Unable to initiate or respond to Aggressive "
               "Mode while disabled")
CERT_TYPES = {4: "CT_X509_SIGNATURE", 1: "CT_PKCS7", 2: "CT_PGP"}


def _get(x: Any, name: str, default: Any = "") -> Any:
    return x.ev.fields.get(name, default)


def ios_date(iso: Any) -> str:
    """"00:00:00 UTC Apr 24 2012" from an ISO date (the raw text when it does not parse)."""
    try:
        when = dt.datetime.fromisoformat(str(iso)).astimezone(dt.UTC)
    except (ValueError, TypeError):
        return str(iso)
    return f"{when:%H:%M:%S} UTC {when:%b} {when.day} {when.year}"


def _identity(x: Any) -> list[Line]:
    """The ID payload dump (15.x; trace 14): a name identity prints "FQDN name : X" where an
    address prints "address : A". guess: a user FQDN prints "user FQDN : U"."""
    if not x.v15:
        return []
    label = {2: "FQDN name", 3: "user FQDN"}.get(_get(x, "id_type", 1), "address")
    lines: list[Line] = [x.sa_old("ID payload "),
                         (False, f"\tnext-payload : {_get(x, 'next_payload', 0)}"),
                         (False, f"\ttype         : {_get(x, 'id_type', 0)} "),
                         (False, f"\t{label:<12} : {_get(x, 'identity')} "),
                         (False, f"\tprotocol     : {_get(x, 'protocol', 0)} "),
                         (False, f"\tport         : {_get(x, 'port', 0)} "),
                         (False, f"\tlength       : {_get(x, 'length', 0)}")]
    if _get(x, "sent", False) is True:
        lines.append(x.sa(f"Total payload length: {_get(x, 'length', 0)}"))
    return lines


def _profile_match(x: Any) -> list[Line]:
    # trace 14: "ISAKMP:(0):: peer matches j2c-1 profile" (a doubled colon, conn-id 0)
    if not x.v15:
        return []
    profile = _get(x, "profile") or ""
    text = f"peer matches {profile} profile" if profile else \
        "peer matches *none* of the profiles"
    return [(True, f"ISAKMP:(0):: {text}")]


def _xauth_lookup(x: Any) -> list[Line]:
    if not x.v15:
        return []
    profile = _get(x, "profile") or ""
    # trace 14: "ISAKMP : Looking for xauth in profile j2c-1" (a blank before the colon)
    return [(True, f"ISAKMP : Looking for xauth in profile {profile}" if profile else
             "ISAKMP : Scanning profiles for xauth ...")]


def _cert_invalid(x: Any) -> list[Line]:
    reason, peer = str(_get(x, "reason")), x.ip()
    serial = _get(x, "serial", 0)
    serial = serial if isinstance(serial, int) and not isinstance(serial, bool) else 0
    if reason == "certificate expired":
        return [(True, f"%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has "
                       f"failed. The certificate (SN: {serial:X}) has expired. Validity period "
                       f"ended on {ios_date(_get(x, 'not_after'))}")]
    if reason == "certificate not yet valid":
        return [(True, f"%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation "
                       f"has failed. The certificate (SN: {serial:X}) is not yet valid. "
                       f"Validity period starts on {ios_date(_get(x, 'not_before'))}")]
    if reason == "identity does not match the certificate":
        return [x.sa(f"ID {_get(x, 'identity')} does not match the certificate of {peer}"),
                (True, f"%CRYPTO-5-IKMP_INVAL_CERT: Certificate received from {peer} is bad: "
                       "certificate invalid")]
    shown = {"issuer not trusted": "CA request failed!",
             "certificate does not parse": "certificate invalid",
             "certificate signature invalid": "certificate invalid"}.get(reason, reason)
    return [(True, f"%CRYPTO-5-IKMP_INVAL_CERT: Certificate received from {peer} is bad: "
                   f"{shown}")]


HANDLERS: dict[str, Handler] = {
    "aggressive_mode_begin": lambda x: [x.sa("beginning Aggressive Mode exchange", space=True)],
    "aggressive_disabled": lambda x: [(True, AG_DISABLED)],
    "peer_identity": _identity,
    "profile_match": _profile_match,
    "psk_hostname_missing": lambda x: [
        (True, f"ISAKMP: no pre-shared key based on hostname {_get(x, 'identity')}!")],
    "xauth_lookup": _xauth_lookup,
    "cert_request_rx": lambda x: [
        x.sa(f"peer wants a {CERT_TYPES.get(_get(x, 'cert_type', 0), 'CT_UNKNOWN')} cert",
             space=True),
        x.sa(f"peer wants cert issued by {_get(x, 'authority')}", space=True)],
    "cert_request_tx": lambda x: [
        x.sa(f"constructing CERT_REQ for issuer {_get(x, 'authority')}", space=True)],
    "cert_tx": lambda x: [
        x.sa(f"Choosing trustpoint {_get(x, 'trustpoint')} as issuer", space=True),
        x.sa_old(f"constructing CERT payload for {_get(x, 'subject')}")],
    "cert_rx": lambda x: [x.sa("processing a CT_X509_SIGNATURE cert", space=True)],
    "cert_invalid": _cert_invalid,
    "cert_missing": lambda x: [x.sa(f"no certificate from {x.ip()}: its SIG cannot be "
                                    "checked")],
    "no_certificate": lambda x: [x.sa("Unable to get router cert or routerdoes not have a "
                                      "cert: needed to find DN!")],
}
