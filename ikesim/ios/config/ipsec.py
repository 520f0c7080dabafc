"""``crypto ipsec transform-set NAME TRANSFORMS...`` and its ``mode tunnel|transport`` line."""

from __future__ import annotations

from ikesim.ike.policy import TransformSet
from ikesim.ios.config.cursor import INCOMPLETE, Cursor, ParseError
from ikesim.ios.config.state import ParserState
from ikesim.ios.config.tables import AH_AUTH, ESP_AUTH, ESP_ENCRYPTION, TRANSFORMS_UNSUPPORTED


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
        cur.i = len(cur.words)
        tset.mode = "tunnel"
        return
    mode = cur.kw(("tunnel", "transport"))
    cur.end()
    tset.mode = mode

