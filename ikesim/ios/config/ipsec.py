"""``crypto ipsec ...``: ``transform-set NAME TRANSFORMS...`` (and ``mode tunnel|transport``),
``profile NAME`` (and its ``set`` lines), and the global ``security-association lifetime``,
``security-association replay window-size``, ``df-bit`` and ``nat-transparency`` lines. The
``set transform-set|pfs|security-association|isakmp-profile`` lines shared by crypto map entries
and IPsec profiles are :func:`set_common`.

Cisco IOS Security Command Reference: `crypto ipsec security-association lifetime` defaults to
3600 seconds and 4608000 kilobytes; `replay window-size` takes 64, 128, 256, 512 or 1024
(default 64); `crypto ipsec df-bit` defaults to copy; transform sets default to tunnel mode.
"""

from __future__ import annotations

from typing import Any

from ikesim.ike.policy import IpsecProfile, TransformSet
from ikesim.ios.config.accepted import catalogue_line
from ikesim.ios.config.catalogue import Accept, Unmodelled
from ikesim.ios.config.cursor import INCOMPLETE, Cursor, ParseError
from ikesim.ios.config.state import Mode, ParserState
from ikesim.ios.config.tables import (
    AH_AUTH,
    ESP_AUTH,
    ESP_ENCRYPTION,
    PFS_GROUPS,
    PFS_UNSUPPORTED,
    TRANSFORMS_UNSUPPORTED,
)

IPSEC_OPTIONS = Accept("IPsec options not modelled")


def transform_set(st: ParserState, cur: Cursor) -> TransformSet:
    name = cur.word()
    transforms: list[str] = []
    roles: dict[str, str] = {}
    every = ESP_ENCRYPTION + ESP_AUTH + AH_AUTH
    while not cur.done():
        t = cur.kw(every, TRANSFORMS_UNSUPPORTED, reason="% Unknown transform '{word}'")
        role = ("ESP encryption" if t in ESP_ENCRYPTION else
                "ESP authentication" if t in ESP_AUTH else "AH authentication")
        if role in roles:
            raise ParseError(f"% Transform set can hold one {role} transform "
                             f"({roles[role]} and {t})", cur.i - 1)
        roles[role] = t
        if t == "esp-aes" and cur.peek_number():
            bits = cur.word()
            if bits not in ("128", "192", "256"):
                raise ParseError(f"% Invalid AES key size {bits} (128, 192, 256)", cur.i - 1)
            if bits != "128":
                t = f"esp-aes {bits}"
        transforms.append(t)
    if not transforms:
        raise cur.fail(INCOMPLETE)
    existing = st.config.crypto.transform_sets.get(name)
    if existing is not None:
        existing.transforms = transforms
        return existing
    tset = TransformSet(name=name, transforms=transforms, line=st.lineno)
    st.config.crypto.transform_sets[name] = tset
    return tset

def tset_line(st: ParserState, cur: Cursor) -> None:
    tset = st.mode[1]
    assert isinstance(tset, TransformSet)
    negate = cur.opt_kw(("no", "default")) is not None
    cur.kw(("mode",))
    if negate:
        cur.skip_rest()
        tset.mode = "tunnel"
        return
    mode = cur.kw(("tunnel", "transport"))
    cur.opt_kw(("require",))
    cur.end()
    tset.mode = mode


def crypto_ipsec(st: ParserState, cur: Cursor) -> Mode | None:
    """``crypto ipsec ...`` (after ``crypto ipsec``)."""
    crypto = st.config.crypto
    sub = cur.kw(("transform-set", "profile", "security-association", "df-bit",
                  "nat-transparency", "fragmentation", "client", "optional", "ipv4-fragmentation"))
    if sub == "transform-set":
        return ("tset", transform_set(st, cur))
    if sub == "profile":
        name = cur.word()
        cur.end()
        profile = crypto.ipsec_profiles.get(name)
        if profile is None:
            profile = IpsecProfile(name=name, line=st.lineno)
            crypto.ipsec_profiles[name] = profile
        return ("ipsec-profile", profile)
    if sub == "security-association":
        what = cur.kw(("lifetime", "replay", "idle-time", "dummy", "multi-sn"))
        if what == "lifetime":
            unit = cur.kw(("seconds", "kilobytes"), ("days",))
            value = _lifetime(cur, unit)
            cur.opt_kw(("disable",))
            cur.end()
            if unit == "seconds":
                crypto.ipsec_lifetime_seconds = value
            else:
                crypto.ipsec_lifetime_kilobytes = value
            return None
        if what == "replay" and cur.opt_kw(("window-size",)) is not None:
            size = cur.integer(64, 1024, "replay window size")
            if size not in (64, 128, 256, 512, 1024):
                raise ParseError(f"% Invalid replay window size {size} (64, 128, 256, 512, "
                                 "1024)", cur.i - 1)
            cur.end()
            crypto.replay_window = size
            return None
    elif sub == "df-bit":
        crypto.df_bit = cur.kw(("clear", "set", "copy"))
        cur.end()
        return None
    elif sub == "nat-transparency":        # the IOS default; `no ...` turns NAT-T off
        cur.kw(("udp-encapsulation",))
        cur.end()
        crypto.nat_transparency = True
        return None
    elif sub == "client":
        return catalogue_line(st, cur, Unmodelled("ezvpn", ("connect", "group", "peer",
                                                            "mode", "xauth", "no")))
    catalogue_line(st, cur, IPSEC_OPTIONS)
    return None


def no_crypto_ipsec(st: ParserState, cur: Cursor) -> None:
    crypto = st.config.crypto
    sub = cur.kw(("transform-set", "profile", "security-association", "df-bit",
                  "nat-transparency", "fragmentation", "client", "optional"))
    if sub in ("transform-set", "profile"):
        name = cur.word()
        cur.end()
        (crypto.transform_sets if sub == "transform-set" else crypto.ipsec_profiles).pop(
            name, None)
    elif sub == "nat-transparency":
        cur.kw(("udp-encapsulation",))
        cur.end()
        crypto.nat_transparency = False
    elif sub == "df-bit":
        cur.skip_rest()
        crypto.df_bit = "copy"
    else:
        catalogue_line(st, cur, IPSEC_OPTIONS, negated=True)


def _lifetime(cur: Cursor, unit: str) -> int:
    # IOS ranges: 120-86400 seconds, 2560-4294967295 kilobytes.
    if unit == "seconds":
        return cur.integer(120, 86400, "IPsec SA lifetime in seconds")
    return cur.integer(2560, 4294967295, "IPsec SA lifetime in kilobytes")


def set_common(st: ParserState, cur: Cursor, target: Any, what: str, negate: bool) -> None:
    """``set transform-set|pfs|security-association|isakmp-profile ...`` on a crypto map entry
    or an IPsec profile (both have the attributes)."""
    if what == "transform-set":
        if negate:
            cur.skip_rest()
            target.transform_sets = []
            return
        names: list[str] = []
        while not cur.done():
            names.append(cur.word())
            if names[-1] not in st.config.crypto.transform_sets:
                raise ParseError(f'ERROR: transform set with tag "{names[-1]}" does not exist.',
                                 cur.i - 1)
            if len(names) > 6:
                raise cur.fail(back=1)
        if not names:
            raise cur.fail(INCOMPLETE)
        target.transform_sets = names
    elif what == "pfs":
        if negate:
            cur.skip_rest()
            target.pfs_group = None
            return
        group = 1                      # bare `set pfs` is group1 (IOS default)
        if not cur.done():
            group = PFS_GROUPS[cur.kw(tuple(PFS_GROUPS), PFS_UNSUPPORTED,
                                      reason="% Invalid PFS group '{word}' "
                                             "(group1, group2, group5, group14)")]
        cur.end()
        target.pfs_group = group
    elif what == "isakmp-profile":
        target.isakmp_profile = None if negate else cur.word()
        cur.skip_rest() if negate else cur.end()
    else:
        option = cur.kw(("lifetime", "replay", "idle-time"), ("level", "dummy"))
        if option != "lifetime":
            catalogue_line(st, cur, IPSEC_OPTIONS, negated=negate)
            return
        unit = cur.kw(("seconds", "kilobytes"), ("days",))
        value = None if negate else _lifetime(cur, unit)
        cur.skip_rest() if negate else cur.end()
        if unit == "seconds":
            target.lifetime_seconds = value
        else:
            target.lifetime_kilobytes = value


def profile_line(st: ParserState, cur: Cursor) -> None:
    """A line under ``crypto ipsec profile NAME``."""
    profile = st.mode[1]
    assert isinstance(profile, IpsecProfile)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(("set", "description", "responder-only"))
    if cmd != "set":
        catalogue_line(st, cur, Accept("comments") if cmd == "description"
                       else IPSEC_OPTIONS, negated=negate)
        return
    what = cur.kw(("transform-set", "pfs", "security-association", "isakmp-profile",
                   "ikev2-profile"), ("identity", "mixed-mode", "reverse-route"))
    if what == "ikev2-profile":
        catalogue_line(st, cur, Unmodelled("ikev2"), negated=negate)
        return
    set_common(st, cur, profile, what, negate)

