"""Global ``crypto ...`` lines and their ``no`` forms, dispatched to the feature modules:
``isakmp`` (:mod:`isakmp`), ``ipsec`` (:mod:`ipsec`), ``map``/``dynamic-map`` (:mod:`cryptomap`),
``keyring`` (:mod:`keyring`), ``pki``/``ca`` (:mod:`pki`), ``call admission``; IKEv2, GDOI and
the rest through the catalogue."""

from __future__ import annotations

from ikesim.ios.config import catalogue
from ikesim.ios.config.accepted import catalogue_line, keywords
from ikesim.ios.config.cryptomap import crypto_map, no_crypto_map
from ikesim.ios.config.cursor import Cursor
from ikesim.ios.config.ipsec import crypto_ipsec, no_crypto_ipsec
from ikesim.ios.config.isakmp import crypto_isakmp, no_crypto_isakmp
from ikesim.ios.config.keyring import crypto_keyring
from ikesim.ios.config.pki import crypto_pki
from ikesim.ios.config.state import Mode, ParserState

_MODELLED = ("isakmp", "ipsec", "map", "dynamic-map", "keyring", "pki", "call")
_CATALOGUE = catalogue.GLOBAL["crypto"]
_WORDS = tuple(dict.fromkeys(_MODELLED + keywords(_CATALOGUE)))   # type: ignore[arg-type]


def global_crypto(st: ParserState, cur: Cursor) -> Mode | None:
    sub = cur.kw(_WORDS)
    if sub == "isakmp":
        return crypto_isakmp(st, cur)
    if sub == "ipsec":
        return crypto_ipsec(st, cur)
    if sub in ("map", "dynamic-map"):
        return crypto_map(st, cur, dynamic=sub == "dynamic-map")
    if sub == "keyring":
        return crypto_keyring(st, cur)
    if sub in ("pki", "ca"):
        return crypto_pki(st, cur)
    if sub == "call":
        # Cisco "Call Admission Control for IKE" (IOS 15.2M&T configuration guide): `crypto
        # call admission limit ike in-negotiation-sa number` caps the IKE SAs being negotiated
        # (no cap by default). guess: the range 10-99999 (from memory of the command help).
        cur.kw(("admission",))
        cur.kw(("limit",))
        cur.kw(("ike",))
        cur.kw(("in-negotiation-sa",), ("sa",))
        st.config.crypto.in_negotiation_limit = cur.integer(10, 99999, "IKE in-negotiation "
                                                            "SA limit")
        cur.end()
        return None
    return catalogue_line(st, cur, _CATALOGUE[sub])               # type: ignore[index]


def global_no_crypto(st: ParserState, cur: Cursor) -> None:
    crypto = st.config.crypto
    sub = cur.kw(_WORDS)
    if sub == "isakmp":
        no_crypto_isakmp(st, cur)
    elif sub == "ipsec":
        no_crypto_ipsec(st, cur)
    elif sub in ("map", "dynamic-map"):
        no_crypto_map(st, cur, dynamic=sub == "dynamic-map")
    elif sub == "keyring":
        crypto.keyrings.pop(cur.word(), None)
        cur.skip_rest()
    elif sub == "call":
        cur.skip_rest()
        crypto.in_negotiation_limit = None
    elif sub in ("pki", "ca"):
        what = cur.kw(("trustpoint", "certificate", "server", "trustpool", "profile", "token"))
        if what == "trustpoint":
            crypto.trustpoints.pop(cur.word(), None)
        cur.skip_rest()
    else:
        catalogue_line(st, cur, _CATALOGUE[sub], negated=True)     # type: ignore[index]
