"""strongSwan's settings syntax (swanctl.conf, strongswan.conf) → a tree of sections with line
numbers, every error an :class:`~ikesim.errors.InputError` naming the file and the line.

The grammar (strongSwan's settings_parser.y, "strongswan.conf" man page): ``name { … }`` opens a
section, ``name = value`` sets a key (the value runs to the end of the line, a ``#`` or a
``}``; a double-quoted value may hold anything, with ``\\"``, ``\\\\`` and ``\\n`` escapes),
``#`` starts a comment. ``include`` and section references (``name : other``) are not
supported in a lab (errors say so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ikesim.errors import InputError

_NAME = re.compile(r"[A-Za-z0-9_.\-%*]+")
MAX_DEPTH = 16
MAX_VALUE = 4096


@dataclass(slots=True)
class Section:
    name: str
    line: int
    values: dict[str, tuple[str, int]] = field(default_factory=dict)   # key -> (value, line)
    sections: dict[str, Section] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)                    # sections in order


def parse_settings(text: str, *, file: str, line_offset: int = 0) -> Section:
    """The tree of ``text``; ``line_offset`` is added to line numbers (inline text in a
    scenario file)."""
    return _Parser(text, file, line_offset).parse()


class _Parser:
    def __init__(self, text: str, file: str, offset: int) -> None:
        self.text, self.file, self.offset = text, file, offset
        self.pos, self.line = 0, 1

    def error(self, reason: str, line: int | None = None, text: str | None = None
              ) -> InputError:
        return InputError(reason, file=self.file, line=(line or self.line) + self.offset,
                          text=text)

    # -- lexing ------------------------------------------------------------------------------
    def _skip_blanks(self, newlines: bool = True) -> None:
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c == "#":
                while self.pos < len(text) and text[self.pos] != "\n":
                    self.pos += 1
            elif c == "\n" and newlines:
                self.line += 1
                self.pos += 1
            elif c in " \t\r" or (c == "\n" and newlines):
                self.pos += 1
            else:
                return

    def _name(self) -> str:
        m = _NAME.match(self.text, self.pos)
        if not m:
            char = self.text[self.pos]
            raise self.error(f"unexpected character {char!r}", text=self._rest_of_line())
        self.pos = m.end()
        return m.group(0)

    def _rest_of_line(self) -> str:
        end = self.text.find("\n", self.pos)
        return self.text[self.pos:end if end >= 0 else len(self.text)].strip()

    def _value(self) -> str:
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t\r":
            self.pos += 1
        if self.pos < len(text) and text[self.pos] == '"':
            return self._quoted()
        start = self.pos
        while self.pos < len(text) and text[self.pos] not in "\n#}":
            self.pos += 1
        value = text[start:self.pos].strip()
        if len(value) > MAX_VALUE:
            raise self.error(f"value longer than {MAX_VALUE} characters")
        return value

    def _quoted(self) -> str:
        text, start_line = self.text, self.line
        self.pos += 1
        out: list[str] = []
        while self.pos < len(text):
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                return "".join(out)
            if c == "\\" and self.pos + 1 < len(text):
                nxt = text[self.pos + 1]
                out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                self.pos += 2
                continue
            if c == "\n":
                self.line += 1
            out.append(c)
            self.pos += 1
            if len(out) > MAX_VALUE:
                raise self.error(f"value longer than {MAX_VALUE} characters", start_line)
        raise self.error("unterminated quoted value", start_line)

    # -- grammar -----------------------------------------------------------------------------
    def parse(self) -> Section:
        root = Section("", 1)
        self._body(root, 0)
        self._skip_blanks()
        if self.pos < len(self.text):
            raise self.error("'}' without a section to close")
        return root

    def _body(self, section: Section, depth: int) -> None:
        while True:
            self._skip_blanks()
            if self.pos >= len(self.text) or self.text[self.pos] == "}":
                return
            line = self.line
            name = self._name()
            if name == "include":
                raise self.error("'include' is not supported in a lab: put the settings in "
                                 "this file", line)
            self._skip_blanks(newlines=False)
            char = self.text[self.pos] if self.pos < len(self.text) else "\n"
            if char == "=":
                self.pos += 1
                if name in section.values:
                    raise self.error(f"'{name}' is set twice (first on line "
                                     f"{section.values[name][1] + self.offset})", line)
                section.values[name] = (self._value(), line + self.offset)
            elif char == "{":
                self.pos += 1
                if depth + 1 > MAX_DEPTH:
                    raise self.error(f"sections nested more than {MAX_DEPTH} deep", line)
                if name in section.sections:
                    raise self.error(f"section '{name}' is defined twice", line)
                child = Section(name, line + self.offset)
                self._body(child, depth + 1)
                self._skip_blanks()
                if self.pos >= len(self.text):
                    raise self.error(f"section '{name}' is not closed (missing '}}')", line)
                self.pos += 1
                section.sections[name] = child
                section.order.append(name)
            elif char == ":":
                raise self.error("section references ('name : other') are not supported",
                                 line)
            else:
                raise self.error(f"expected '=' or '{{' after '{name}'", line,
                                 self._rest_of_line() or None)
