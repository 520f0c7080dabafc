"""YAML loading that keeps line numbers, so every scenario error can name its line — and that
is safe on hostile files.

The parser (libyaml's C parser, ``yaml.CSafeLoader``, when PyYAML was built with it; PyYAML's
pure-Python one otherwise) yields a flat stream of events with marks. We compose plain Python
values from that stream ourselves, without recursion, wrapping mappings and sequences in
:class:`Located` containers that remember where each key or item was. Composing ourselves is
what keeps the work bounded:

- nesting deeper than :data:`MAX_DEPTH` is an error at the line where it goes too deep (no
  ``RecursionError``, at any depth);
- aliases are shared, not copied, but what they expand to is counted: more than
  :data:`MAX_VALUES` values or :data:`MAX_CHARS` characters of scalars in total ("billion
  laughs") is an error at the alias that went over;
- a scenario is one document, its keys are plain words, and only the standard scalar tags
  (str, int, float, bool, null) are understood;
- text must be printable YAML characters: a NUL byte or another control character is an error
  naming its line and column, as is a file that is not UTF-8 (:func:`decode_source`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

from ikesim.errors import InputError

MAX_DEPTH = 64                  # nesting of mappings and sequences (scenarios use about 6)
MAX_VALUES = 1_000_000          # values after alias expansion
MAX_CHARS = 16 * 1024 * 1024    # characters of scalars after alias expansion

# libyaml when PyYAML has it (about 10x faster to parse); the same events either way.
PARSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STANDARD_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
# What YAML 1.1 accepts in a stream (the spec's c-printable): tab, newlines and printable text.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd"
                            "\U00010000-\U0010ffff]")


class LocatedDict(dict):
    """A mapping from the YAML source with ``line`` (1-based) and ``key_line(key)``."""

    line: int
    key_lines: dict[str, int]
    value_lines: dict[str, int]

    def key_line(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: str) -> int:
        return self.value_lines.get(key, self.key_line(key))


class LocatedList(list):
    """A sequence from the YAML source with ``line`` and ``item_lines``."""

    line: int
    item_lines: list[int]
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class BlockText:
    """A string scalar with the file line of its first content line (for embedded configs)."""

    text: str
    first_line: int


def decode_source(data: bytes, file: str, what: str = "scenario") -> str:
    """UTF-8 text of ``data`` (a leading byte-order mark is dropped); a byte that is not UTF-8
    is an :class:`InputError` naming its line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise InputError(f"{what} is not UTF-8 text: byte 0x{data[exc.start]:02X} at column "
                         f"{column} cannot be decoded", file=file, line=line) from None


def _position(data: bytes | str, index: int) -> tuple[int, int]:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline, 0, index) + 1       # type: ignore[arg-type]
    column = index - (data.rfind(newline, 0, index) + 1) + 1     # type: ignore[arg-type]
    return line, column


def check_printable(text: str, file: str, what: str = "scenario") -> None:
    """Reject characters YAML does not allow (NUL and other control characters)."""
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, column = _position(text, bad.start())
        char = bad.group()
        name = "a NUL character" if char == "\0" else f"control character U+{ord(char):04X}"
        raise InputError(f"{what} contains {name} at column {column} (only printable text, "
                         "tabs and newlines are allowed)", file=file, line=line)


@dataclass(slots=True)
class _Frame:
    """A mapping or sequence being composed, with what it expands to so far."""

    value: LocatedDict | LocatedList
    anchor: str | None
    values: int = 1
    chars: int = 0
    key: str | None = None          # a mapping waiting for the value of this key
    key_line: int = 0


def load_yaml(text: str, file: str) -> Any:
    """Parse ``text``; every problem becomes an :class:`InputError` with the file and line."""
    check_printable(text, file)
    try:
        return _Composer(file).compose(yaml.parse(text, Loader=PARSER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.context_mark is not None and exc.problem_mark is not None \
                and exc.context_mark.line != exc.problem_mark.line:
            reason += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        raise InputError(reason, file=file, line=line) from None
    except yaml.YAMLError as exc:   # e.g. a reader error the printable check did not foresee
        raise InputError(f"YAML error: {exc}".splitlines()[0], file=file) from None


class _Composer:
    def __init__(self, file: str) -> None:
        self.file = file
        self.constructor = SafeConstructor()
        self.resolver = Resolver()
        # anchor -> (value, values, chars): what an alias to it expands to
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.values = 0
        self.chars = 0

    def error(self, reason: str, mark: Any) -> InputError:
        return InputError(reason, file=self.file, line=mark.line + 1 if mark else None)

    def compose(self, events: Any) -> Any:
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.error("a scenario is one YAML document (found a second '---')",
                                     event.start_mark)
                continue
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise self.error(f"YAML nested more than {MAX_DEPTH} levels deep",
                                     event.start_mark)
                if event.tag not in _COLLECTION_TAGS:
                    raise self.error(f"YAML tag '{event.tag}' is not supported in scenarios",
                                     event.start_mark)
                box: LocatedDict | LocatedList
                if isinstance(event, yaml.MappingStartEvent):
                    box = LocatedDict()
                    box.key_lines, box.value_lines = {}, {}
                else:
                    box = LocatedList()
                    box.item_lines = []
                box.line = event.start_mark.line + 1
                self._count(1, 0, event.start_mark)
                stack.append(_Frame(box, event.anchor))
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.value, frame.values, frame.chars)
                done, values, chars, mark = frame.value, frame.values, frame.chars, None
            elif isinstance(event, yaml.ScalarEvent):
                done, values, chars = self._scalar(event, stack), 1, len(event.value)
                self._count(1, chars, event.start_mark)
                if event.anchor is not None:
                    plain = done.value if isinstance(done, _Key) else done
                    self.anchors[event.anchor] = (plain, 1, chars)
                mark = event.start_mark
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in self.anchors:
                    raise self.error(f"YAML alias '*{event.anchor}' refers to no anchor (or to "
                                     "the collection that contains it)", event.start_mark)
                done, values, chars = self.anchors[event.anchor]
                self._count(values, chars, event.start_mark)
                mark = event.start_mark
            else:                   # stream start/end, document end
                continue
            if not stack:
                root = done
            else:
                self._add(stack[-1], done, values, chars, mark)
        if root is None:
            raise InputError("the scenario file is empty", file=self.file, line=1)
        return root

    def _count(self, values: int, chars: int, mark: Any) -> None:
        self.values += values
        self.chars += chars
        if self.values > MAX_VALUES or self.chars > MAX_CHARS:
            raise self.error(f"YAML expands to more than {MAX_VALUES:,} values or "
                             f"{MAX_CHARS // 2**20} MiB of text (aliases of aliases, "
                             "'billion laughs'?)", mark)

    def _add(self, frame: _Frame, value: Any, values: int, chars: int, mark: Any) -> None:
        frame.values += values
        frame.chars += chars
        box = frame.value
        line = mark.line + 1 if mark is not None else value.line
        if isinstance(box, LocatedList):
            box.append(value)
            box.item_lines.append(line)
            return
        if frame.key is None:           # this value is a key
            if not isinstance(value, _Key):
                raise InputError("mapping keys must be plain words", file=self.file,
                                 line=line)
            if value.text in box:
                raise self.error(f"duplicate key '{value.text}'", value.mark)
            frame.key, frame.key_line = value.text, value.mark.line + 1
            return
        key = frame.key
        box[key] = value
        box.key_lines[key] = frame.key_line
        box.value_lines[key] = line
        frame.key = None

    def _scalar(self, event: Any, stack: list[_Frame]) -> Any:
        node = yaml.ScalarNode(self._tag(event), event.value, event.start_mark,
                               event.end_mark, event.style)
        try:
            value = self._construct(node)
        except ConstructorError as exc:
            raise self.error(f"YAML value error: {exc.problem}", event.start_mark) from None
        if isinstance(value, str) and (bad := _CONTROL.search(value)):
            # written as an escape ("\0", "\x07"): the text would carry it all the same
            raise self.error(f"text contains control character U+{ord(bad.group()):04X} "
                             "(written as an escape)", event.start_mark)
        if event.style in ("|", ">"):
            # A block scalar's mark points at the indicator; its content starts on the next line.
            value = BlockText(value, event.start_mark.line + 2)
        if stack and isinstance(stack[-1].value, LocatedDict) and stack[-1].key is None:
            return _Key(event.value, value, event.start_mark)   # the raw text is the key
        return value

    def _tag(self, event: Any) -> str:
        if event.tag in (None, "!"):
            return self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if event.tag not in _STANDARD_TAGS:
            raise self.error(f"YAML tag '{event.tag}' is not supported in scenarios",
                             event.start_mark)
        return str(event.tag)

    def _construct(self, node: yaml.ScalarNode) -> Any:
        build = self.constructor.yaml_constructors.get(node.tag)
        if build is None:               # e.g. a plain scalar resolved as a timestamp
            return node.value
        return build(self.constructor, node)


@dataclass(frozen=True, slots=True)
class _Key:
    """A scalar in key position: mapping keys are the scalar's text as written."""

    text: str
    value: Any
    mark: Any
