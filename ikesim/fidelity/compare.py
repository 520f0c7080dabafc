"""Comparing a device's console with a real capture: read the capture, keep the lines that
count, normalise what legitimately differs, and measure the share of real lines reproduced in
order (longest common subsequence).

What is normalised, and why (both sides alike):
- timestamps ("00:01:01: ", "*Oct 25 18:53:16.485: ", "Mar 13 15:29:24.294 UTC: "): the lab's
  clock is not the author's;
- IPv4 addresses (debug lines): the lab may use other addresses than the write-up (also those
  the write-up masked, "86.183.x.y");
- conn-ids other than 0 ("(1001)", "(0:9577)"): a busy router numbers differently; 0 is kept
  because IOS prints 0 until the keys exist, which is a behaviour;
- message IDs, node numbers, SPIs, cookies, pointers and handles: random or memory values;
- indentation of continuation lines (tabs or 8 blanks: web pages turn tabs into blanks),
  internal tabs and trailing blanks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_BEGIN = re.compile(r"^---- BEGIN ")
_END = re.compile(r"^---- END")
_STAMP = re.compile(
    r"^(\*?[A-Z][a-z]{2} +\d{1,2} (\d{4} )?\d\d:\d\d:\d\d(\.\d+)?( [A-Z]{3,4})?: "
    r"|\d\d:\d\d:\d\d(\.\d+)?: |\d+[dwy]\d+[hdw]: )")
_DEBUG_START = re.compile(r"^(ISAKMP|IPSEC|%CRYPTO|ins\.?ert )")
_CONTINUATION = re.compile(r"^([\t ]+\S|bring down )")
_IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.(\d{1,3}|[a-z])\.(\d{1,3}|[a-z])\b")
_CONN = re.compile(r"\((0:)?([1-9]\d*)\)")
_MID = re.compile(r"(message ID = |M-ID of |[Nn]ode |set new node )-?[1-9]\d*")
_HEX = re.compile(r"0x[0-9A-Fa-f]{5,}|\b(?=[0-9A-Fa-f]*\d)[0-9A-Fa-f]{8,16}\b")
_TABLE_CONN = re.compile(r"\b((?:MM|QM|AG)_[A-Z_]+) \d+\b")


def capture_blocks(path: Path) -> list[list[str]]:
    """The verbatim blocks of a trace file (between its BEGIN and END markers)."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if _BEGIN.match(line):
            current = []
        elif _END.match(line):
            if current is not None:
                blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def debug_lines(lines: list[str]) -> list[str]:
    """Debug/syslog lines of a console (with their continuation lines), blanks dropped."""
    out: list[str] = []
    in_debug = False
    for line in lines:
        body = _STAMP.sub("", line, count=1)
        if _DEBUG_START.match(body):
            out.append(line)
            in_debug = True
        elif in_debug and line.strip() and _CONTINUATION.match(line):
            out.append(line)
        else:
            in_debug = False
    return out


def normalise(line: str, *, table: bool = False, transcribed: bool = False) -> str:
    """One line, with what legitimately differs between a lab and a write-up made equal."""
    text = _STAMP.sub("", line, count=1).rstrip()
    text = re.sub(r"^[\t ]+", "\t", text)          # indentation of a continuation line
    text = text.replace("\t", " ") if not text.startswith("\t") else \
        "\t" + text[1:].replace("\t", " ")
    text = _IPV4.sub("<ip>", text)
    text = _CONN.sub(lambda m: f"({m.group(1) or ''}C)", text)
    text = _MID.sub(lambda m: f"{m.group(1)}<mid>", text)
    text = _HEX.sub("<hex>", text)
    if table:
        text = " ".join(text.split())
        text = _TABLE_CONN.sub(r"\1 <conn>", text)
    if transcribed:
        # A human transcription of a video (trace 12): spacing after the prefix and the
        # transcriber's "attrs"/"match" for IOS's "atts"/"matching" are not evidence.
        text = re.sub(r"\): *", "):", text).replace("attrs are", "atts are")
        text = text.replace("key match ", "key matching ")
    return text


def lcs_length(a: list[str], b: list[str]) -> tuple[int, list[int]]:
    """Length of the longest common subsequence of ``a`` and ``b``, and the indexes of ``a``
    it uses. Row by row over ``a`` (the capture, short); ``b`` (the run) may be long."""
    positions: dict[str, list[int]] = {}
    for j, item in enumerate(b):
        positions.setdefault(item, []).append(j)
    rows = [[0] * (len(b) + 1)]
    for item in a:
        prev = rows[-1]
        cur = prev[:]
        for j in positions.get(item, ()):
            cur[j + 1] = max(cur[j + 1], prev[j] + 1)
        for j in range(1, len(b) + 1):
            if cur[j] < cur[j - 1]:
                cur[j] = cur[j - 1]
        rows.append(cur)
    used: list[int] = []
    i, j = len(a), len(b)
    while i > 0 and j > 0:
        if a[i - 1] == b[j - 1] and rows[i][j] == rows[i - 1][j - 1] + 1:
            used.append(i - 1)
            i, j = i - 1, j - 1
        elif rows[i - 1][j] >= rows[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return rows[-1][-1], sorted(used)


@dataclass(frozen=True, slots=True)
class Score:
    real: int                     # real lines that count
    reproduced: int               # of them, reproduced in order
    missing: tuple[str, ...]      # the real lines (normalised) not reproduced

    @property
    def share(self) -> float:
        return self.reproduced / self.real if self.real else 0.0


def score(real: list[str], ours: list[str], *, truncated: bool = False) -> Score:
    """Share of ``real`` (normalised lines) found in order in ``ours``. With ``truncated`` the
    last real line was cut by the publication: it counts when it is a prefix of one of ours."""
    real = list(real)
    if truncated and real:
        cut = real[-1]
        match = next((line for line in ours if line.startswith(cut)), None)
        if match is not None:
            real[-1] = match
    length, used = lcs_length(real, ours)
    missing = tuple(line for i, line in enumerate(real) if i not in set(used))
    return Score(len(real), length, missing)
