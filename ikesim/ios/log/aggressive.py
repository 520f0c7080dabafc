"""Handlers for aggressive mode, identity-keyed pre-shared keys and certificates
(``ikesim.ike.aggressive``, ``ikesim.ike.auth_rsa``). The ID payload dump and the profile
lookup are ``bookkeeping``'s (main mode prints them too).

Sources: trace 14 in ../shared/fidelity (15.x responder to an aggressive-mode FQDN identity: "no
pre-shared key based on hostname srx110c2821!", "ISAKMP : Looking for xauth in profile j2c-1");
the Cisco IOS Security Command Reference for `crypto isakmp aggressive-mode disable` ("Unable to
initiate or respond to Aggressive Mode while disabled"); the main-mode line this mirrors
("beginning Main Mode exchange", seed and trace 01). No capture shows IOS's own
aggressive-mode initiator or its certificate processing (see the guesses below).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ikesim.ios.log.render import Ctx, Line

Handler = Callable[[Ctx], list[Line]]

AG_DISABLED = ("%CRYPTO-6-IKMP_AG_MODE_DISABLED: Unable to initiate or respond to Aggressive "
               "Mode while disabled")
CERT_TYPES = {4: "CT_X509_SIGNATURE", 1: "CT_PKCS7", 2: "CT_PGP"}


def printable(text: str) -> str:
    """Peer-supplied text (an FQDN, a DN) with control characters shown as dots: a hostile
    identity cannot add console lines."""
    return "".join(c if c.isprintable() else "." for c in text)


def ios_date(iso: str) -> str:
    """"00:00:00 UTC Apr 24 2012" from an ISO date (the raw text when it does not parse)."""
    try:
        when = dt.datetime.fromisoformat(iso).astimezone(dt.UTC)
    except (ValueError, TypeError, OverflowError):
        return printable(iso)
    return f"{when:%H:%M:%S} UTC {when:%b} {when.day} {when.year}"


def _psk_hostname_missing(x: Ctx) -> list[Line]:
    # trace 14: "ISAKMP: no pre-shared key based on hostname srx110c2821!"
    return [x.bare(f"no pre-shared key based on hostname {printable(x.text('identity'))}!")]


def _xauth_lookup(x: Ctx) -> list[Line]:
    if not x.d.fsm:
        return []
    text = f"Looking for xauth in profile {printable(x.text('profile'))}"
    # trace 14: "ISAKMP : Looking for xauth in profile j2c-1" (a blank before the colon, as
    # "ISAKMP : Scanning profiles for xauth ..." of main mode)
    return [(True, f"ISAKMP : {text}") if x.d.name != "xe" else x.sa(text)]


def _cert_request_rx(x: Ctx) -> list[Line]:
    kind = CERT_TYPES.get(x.num("cert_type", 8), "CT_UNKNOWN")
    return [x.sa(f"peer wants a {kind} cert", space=True),
            x.sa(f"peer wants cert issued by {printable(x.text('authority'))}", space=True)]


def _cert_tx(x: Ctx) -> list[Line]:
    return [x.sa(f"Choosing trustpoint {printable(x.text('trustpoint'))} as issuer", space=True),
            x.old(f"constructing CERT payload for {printable(x.text('subject'))}")]


def _cert_invalid(x: Ctx) -> list[Line]:
    reason, peer, serial = x.text("reason"), x.ip(), x.num("serial", 64)
    if reason == "certificate expired":
        return [(True, f"%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has "
                       f"failed. The certificate (SN: {serial:X}) has expired. Validity period "
                       f"ended on {ios_date(x.text('not_after'))}")]
    if reason == "certificate not yet valid":
        return [(True, f"%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation "
                       f"has failed. The certificate (SN: {serial:X}) is not yet valid. "
                       f"Validity period starts on {ios_date(x.text('not_before'))}")]
    bad = f"%CRYPTO-5-IKMP_INVAL_CERT: Certificate received from {peer} is bad: "
    if reason == "identity does not match the certificate":
        return [x.sa(f"ID {printable(x.text('identity'))} does not match the certificate of "
                     f"{peer}"), (True, bad + "certificate invalid")]
    shown = {"issuer not trusted": "CA request failed!",
             "certificate does not parse": "certificate invalid",
             "certificate signature invalid": "certificate invalid"}.get(reason, printable(reason))
    return [(True, bad + shown)]


# guess: "beginning Aggressive Mode exchange" mirrors "beginning Main Mode exchange"; the syslog
# mnemonic IKMP_AG_MODE_DISABLED is not documented; the certificate lines follow the wording of
# IOS's certificate debugs as commonly quoted ("peer wants a CT_X509_SIGNATURE cert", "processing
# a CT_X509_SIGNATURE cert", "%CRYPTO-5-IKMP_INVAL_CERT: Certificate received from X is bad",
# "%PKI-3-CERTIFICATE_INVALID_EXPIRED" / "_NOT_YET_VALID"), not a capture.
HANDLERS: dict[str, Handler] = {
    "aggressive_mode_begin": lambda x: [x.sa("beginning Aggressive Mode exchange", space=True)],
    "aggressive_disabled": lambda x: [(True, AG_DISABLED)],
    "psk_hostname_missing": _psk_hostname_missing,
    "xauth_lookup": _xauth_lookup,
    "cert_request_rx": _cert_request_rx,
    "cert_request_tx": lambda x: [
        x.sa(f"constructing CERT_REQ for issuer {printable(x.text('authority'))}", space=True)],
    "cert_tx": _cert_tx,
    "cert_rx": lambda x: [x.sa("processing a CT_X509_SIGNATURE cert", space=True)],
    "cert_invalid": _cert_invalid,
    "cert_missing": lambda x: [x.sa(f"no certificate from {x.ip()}: its SIG cannot be checked")],
    "no_certificate": lambda x: [x.sa("Unable to get router cert or routerdoes not have a "
                                      "cert: needed to find DN!")],
}
