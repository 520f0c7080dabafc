"""Reading one configuration line as IOS does: a cursor over its words, keyword matching by
unambiguous prefix, IOS numbers and dotted quads, and the parse error that carries the position
of the word IOS would mark with ``^``."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

INVALID = "% Invalid input detected at '^' marker."      # IOS's own texts
INCOMPLETE = "% Incomplete command."
AMBIGUOUS = "% Ambiguous command"
INCONSISTENT = "%Inconsistent address and mask"   # IOS prints it without the space

SEMANTIC = 1000   # position of errors found after the whole line was read (no caret)

# IOS reads numbers in ASCII digits only: `crypto isakmp policy ²` or Arabic-Indic digits are
# `% Invalid input` at that word (str.isdigit() would accept them, int() would even convert
# some), so every number goes through this pattern.
_ASCII_NUMBER = re.compile(r"[0-9]+")


def is_number(word: str | None) -> bool:
    """True for a word of ASCII digits only (what IOS accepts where it expects a number)."""
    return word is not None and _ASCII_NUMBER.fullmatch(word) is not None


class ParseError(Exception):
    """A parse failure at word index ``pos`` (the furthest-parsed error wins, as on IOS)."""

    def __init__(self, reason: str, pos: int, *, weak: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pos = pos
        self.weak = weak     # "known IOS keyword we do not model": loses ties

    def rank(self) -> tuple[int, int, int]:
        """A line that parsed but is not modelled wins (IOS would have accepted it in that
        mode); else further wins; at the same word a specific reason beats a weak one ("not
        supported by ikesim"), which beats a generic one."""
        generic = self.reason in (INVALID, INCOMPLETE)
        return (hasattr(self, "feature"), self.pos, 0 if generic else 1 if self.weak else 2)


@dataclass
class Cursor:
    """A cursor over one line's whitespace-separated words."""

    raw: str
    words: list[str]
    starts: list[int]
    i: int = 0

    @classmethod
    def of(cls, raw: str) -> Cursor:
        ms = list(re.finditer(r"\S+", raw))
        return cls(raw, [m.group(0) for m in ms], [m.start() for m in ms])

    def done(self) -> bool:
        return self.i >= len(self.words)

    def peek(self) -> str | None:
        return None if self.done() else self.words[self.i]

    def peek_number(self) -> bool:
        return is_number(self.peek())

    def fail(self, reason: str = INVALID, back: int = 0) -> ParseError:
        return ParseError(reason, self.i - back)

    def word(self) -> str:
        if self.done():
            raise ParseError(INCOMPLETE, self.i)
        self.i += 1
        return self.words[self.i - 1]

    def kw(self, choices: Iterable[str], unsupported: Iterable[str] = (),
           reason: str | None = None) -> str:
        """Match the next word against IOS keywords (unambiguous prefixes allowed)."""
        word = self.word()
        supported = tuple(choices)
        found = match_keyword(word, supported + tuple(unsupported))
        if found is None:
            raise ParseError(reason.format(word=word) if reason else INVALID, self.i - 1)
        if found == "":
            raise ParseError(AMBIGUOUS, self.i - 1)
        if found not in supported:
            raise ParseError(f"% '{found}' is not supported by ikesim", self.i - 1, weak=True)
        return found

    def opt_kw(self, choices: Iterable[str]) -> str | None:
        """The next word as one of ``choices`` (consumed), or None (not consumed)."""
        word = self.peek()
        if word is None:
            return None
        found = match_keyword(word, tuple(choices))
        if not found:
            return None
        self.i += 1
        return found

    def integer(self, lo: int, hi: int, what: str) -> int:
        word = self.word()
        if not is_number(word):
            raise ParseError(INVALID, self.i - 1)
        value = int(word)
        if not lo <= value <= hi:
            raise ParseError(f"% Invalid {what} {value} (valid range {lo}-{hi})", self.i - 1)
        return value

    def ip(self) -> ipaddress.IPv4Address:
        word = self.word()
        addr = parse_ipv4(word)
        if addr is None:
            raise ParseError(f"% Invalid IP address '{word}'", self.i - 1)
        return addr

    def rest(self) -> str:
        """The raw remainder of the line (original spacing kept)."""
        if self.done():
            raise ParseError(INCOMPLETE, self.i)
        text = self.raw[self.starts[self.i]:].rstrip()
        self.i = len(self.words)
        return text

    def skip_rest(self) -> None:
        self.i = len(self.words)

    def end(self) -> None:
        if not self.done():
            raise ParseError(INVALID, self.i)


def match_keyword(word: str, choices: tuple[str, ...]) -> str | None:
    """IOS keyword matching: exact match, else the unique keyword ``word`` is a prefix of.

    Returns None when nothing matches and ``""`` when the prefix is ambiguous.
    """
    low = word.lower()
    if low in choices:
        return low
    hits = [c for c in choices if c.startswith(low)]
    if not hits:
        return None
    return hits[0] if len(hits) == 1 else ""


_DOTTED = re.compile(r"^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$")


def parse_ipv4(word: str) -> ipaddress.IPv4Address | None:
    """Dotted-quad as IOS reads it (leading zeros allowed, ASCII digits only), or None."""
    if not _DOTTED.match(word):
        return None
    octets = [int(o) for o in word.split(".")]
    if any(o > 255 for o in octets):
        return None
    return ipaddress.IPv4Address(".".join(map(str, octets)))


def mask_length(mask: ipaddress.IPv4Address) -> int | None:
    """Prefix length of a contiguous netmask, None for a non-contiguous one (255.0.255.0)."""
    value = int(mask)
    inverted = ~value & 0xFFFFFFFF
    if inverted & (inverted + 1):
        return None
    return 32 - inverted.bit_length()


def starts_with_digit(word: str | None) -> bool:
    """True when ``word`` begins with an ASCII digit (an address or a number follows)."""
    return bool(word) and word[0] in "0123456789"   # type: ignore[index]
