"""``crypto pki trustpoint NAME`` (``crypto ca trustpoint`` in 12.x) and ``crypto pki certificate
chain NAME`` with the hex blocks a ``show running-config`` prints::

    crypto pki certificate chain SLA-TrustPoint
     certificate ca 01
      30820321 30820209 A0030201 ...
      D697DF7F 28
            quit

A trustpoint no ISAKMP profile (``ca trust-point``) and no ``rsa-sig`` policy uses cannot change
what the lab does (IOS-XE ships licensing trustpoints such as ``SLA-TrustPoint``): its lines are
listed in the router's warning. Other ``crypto pki`` blocks (server, trustpool, profile,
certificate map) are accepted the same way.
"""

from __future__ import annotations

import re

from ikesim.ike.policy import Trustpoint
from ikesim.ios.config.accepted import catalogue_line
from ikesim.ios.config.catalogue import Accept
from ikesim.ios.config.cursor import Cursor
from ikesim.ios.config.state import Mode, ParserState

UNUSED = "certificates no policy uses"
_HEX = re.compile(r"[0-9A-Fa-f]+")
_TRUSTPOINT_WORDS = ("enrollment", "subject-name", "revocation-check", "rsakeypair",
                     "serial-number", "ip-address", "fqdn", "auto-enroll", "usage", "source",
                     "vrf", "hash", "storage", "password", "subject-alt-name", "crl",
                     "ocsp", "match", "eku", "chain-validation", "keypair", "fingerprint",
                     "email", "regenerate", "description", "trustpool", "trustpoint",
                     "authorization", "disable-ocsp-nonce", "default", "grant", "rsa-keypair")


def crypto_pki(st: ParserState, cur: Cursor) -> Mode | None:
    """``crypto pki|ca ...`` (after ``crypto pki`` or ``crypto ca``)."""
    what = cur.kw(("trustpoint", "certificate", "server", "trustpool", "profile", "token",
                   "crl", "import", "export", "authenticate", "enroll"))
    if what == "trustpoint":
        name = cur.word()
        cur.skip_rest()
        tp = st.config.crypto.trustpoints.get(name)
        if tp is None:
            tp = Trustpoint(name=name, line=st.lineno)
            st.config.crypto.trustpoints[name] = tp
        _record(st, name, cur)
        return ("trustpoint", tp)
    if what == "certificate" and cur.opt_kw(("chain",)) is not None:
        name = cur.word()
        cur.end()
        _record(st, name, cur)
        return ("cert-chain", name)
    return catalogue_line(st, cur, Accept(UNUSED, _TRUSTPOINT_WORDS + ("certificate", "quit",
                                                                       "database", "issuer-name",
                                                                       "no")))


def _record(st: ParserState, name: str, cur: Cursor) -> None:
    st.pki_lines.setdefault(name, []).append((st.lineno, cur.raw.strip()))


def trustpoint_line(st: ParserState, cur: Cursor) -> None:
    tp = st.mode[1]
    assert isinstance(tp, Trustpoint)
    negate = cur.opt_kw(("no",)) is not None
    what = cur.kw(_TRUSTPOINT_WORDS)
    value = None if negate or cur.done() else cur.rest()
    cur.skip_rest()
    if what == "enrollment":
        tp.enrollment = value
    elif what == "subject-name":
        tp.subject_name = value
    elif what == "revocation-check":
        tp.revocation_check = value
    elif what == "auto-enroll":
        tp.auto_enroll = not negate          # the lab renews the certificate (ios.pki_lab)
    _record(st, tp.name, cur)


def chain_line(st: ParserState, cur: Cursor) -> None:
    name = st.mode[1]
    assert isinstance(name, str)
    cur.opt_kw(("no",))
    cur.kw(("certificate",))
    cur.opt_kw(("ca", "self-signed", "rollover"))
    cur.word()                       # the serial number
    cur.end()
    _record(st, name, cur)
    st.mode = ("cert-hex", name)


def hex_line(st: ParserState, line: str) -> bool:
    """Inside a certificate: hex words, then ``quit``. True when the line was consumed."""
    name = st.mode[1]
    assert isinstance(name, str)
    words = line.split()
    if words == ["quit"]:
        st.pki_lines[name].append((st.lineno, "quit"))
        st.mode = ("cert-chain", name)
        return True
    if words and all(_HEX.fullmatch(w) for w in words):
        st.pki_lines[name].append((st.lineno, line.strip()))
        return True
    st.mode = ("cert-chain", name)
    return False


def warn_unused(st: ParserState) -> None:
    """Mark the trustpoints a profile or an rsa-sig policy uses; list the others' lines."""
    crypto = st.config.crypto
    rsa = any(p.authentication == "rsa-sig" for p in crypto.policies.values())
    named = {t for prof in crypto.isakmp_profiles.values() for t in prof.trustpoints}
    for name, lines in st.pki_lines.items():
        tp = crypto.trustpoints.get(name)
        used = name in named or (rsa and tp is not None)
        if tp is not None:
            tp.used = used
        if not used:
            for lineno, text in lines:
                st.config.ignored.append((lineno, text))
                st.config.ignored_category[lineno] = UNUSED
    st.pki_lines.clear()


__all__ = ["chain_line", "crypto_pki", "hex_line", "trustpoint_line", "warn_unused"]
