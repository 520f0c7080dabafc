"""IOS output filters: ``show ... | include|exclude|begin|section REGEX``.

Cisco IOS Configuration Fundamentals Configuration Guide, "Using the Cisco IOS Command-Line
Interface" / "Filtering the Output of show and more Commands": ``include`` keeps the lines that
match, ``exclude`` drops them, ``begin`` prints from the first matching line on, ``section``
prints each matching line with the indented lines under it. The expression is everything after
the filter keyword and is case-sensitive. IOS regular expressions are Python's for ``. * + ? ^ $
[] | ()``, plus ``_``, which matches a comma, a brace, a parenthesis, a space, or the start or end
of the line (Cisco "Regular Expressions", Terminal Services Configuration Guide).
"""

from __future__ import annotations

import re

FILTERS = ("include", "exclude", "begin", "section")
_OTHER = ("count", "format", "append", "redirect", "tee")
_UNDERSCORE = r"(?:[,{}()\s]|^|$)"


class FilterError(ValueError):
    """A filter IOS would reject; ``str()`` is IOS's message."""


def ios_regex(expression: str) -> re.Pattern[str]:
    """Compile an IOS regular expression (``_`` as IOS defines it; ``\\_`` is a literal)."""
    out, i = [], 0
    while i < len(expression):
        ch = expression[i]
        if ch == "\\" and i + 1 < len(expression):
            out.append(re.escape(expression[i + 1]))
            i += 2
            continue
        out.append(_UNDERSCORE if ch == "_" else ch)
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        raise FilterError("% Invalid regular expression") from None


def parse_filter(spec: str) -> tuple[str, str]:
    """``"inc crypto map"`` -> ``("include", "crypto map")`` (abbreviations as on IOS)."""
    words = spec.split(None, 1)
    if not words:
        raise FilterError("% Incomplete command.")
    typed = words[0].lower()
    hits = [w for w in FILTERS + _OTHER if w.startswith(typed)]
    if typed in FILTERS:
        hits = [typed]
    if not hits:
        raise FilterError(f"% Invalid input detected at '^' marker: {words[0]!r}")
    if len(hits) > 1:
        raise FilterError(f"% Ambiguous command:  \"| {spec.strip()}\"")
    if hits[0] not in FILTERS:
        raise FilterError(f"% '| {hits[0]}' is not supported by ikesim")
    if len(words) < 2 or not words[1].strip():
        raise FilterError("% Incomplete command.")
    expression = words[1].strip()
    ios_regex(expression)                      # reject a bad expression when it is typed
    return hits[0], expression


def apply_filter(lines: list[str], kind: str, expression: str) -> list[str]:
    pattern = ios_regex(expression)
    if kind == "include":
        return [line for line in lines if pattern.search(line)]
    if kind == "exclude":
        return [line for line in lines if not pattern.search(line)]
    if kind == "begin":
        for i, line in enumerate(lines):
            if pattern.search(line):
                return lines[i:]
        return []
    # section: each unindented line that matches, with the indented lines under it. guess: a
    # match on an indented line alone does not select its section (the guides show parent
    # matches only).
    out: list[str] = []
    keep = False
    for line in lines:
        if line[:1] not in (" ", "\t"):
            keep = bool(pattern.search(line))
        if keep:
            out.append(line)
    return out


__all__ = ["FILTERS", "FilterError", "apply_filter", "ios_regex", "parse_filter"]
