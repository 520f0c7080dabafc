"""YAML loading that keeps line numbers, so every scenario error can name its line.

PyYAML's composer gives nodes with marks; we construct plain Python values from them but wrap
mappings and sequences in :class:`Located` containers that remember where each key or item was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ikesim.errors import InputError


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


@dataclass(frozen=True, slots=True)
class BlockText:
    """A string scalar with the file line of its first content line (for embedded configs)."""

    text: str
    first_line: int


def _construct(node: yaml.Node, file: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LocatedDict()
        out.line = node.start_mark.line + 1
        out.key_lines, out.value_lines = {}, {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError("mapping keys must be plain words", file=file,
                                 line=key_node.start_mark.line + 1)
            key = key_node.value
            if key in out:
                raise InputError(f"duplicate key '{key}'", file=file,
                                 line=key_node.start_mark.line + 1)
            out[key] = _construct(value_node, file)
            out.key_lines[key] = key_node.start_mark.line + 1
            out.value_lines[key] = value_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LocatedList(_construct(item, file) for item in node.value)
        seq.line = node.start_mark.line + 1
        seq.item_lines = [item.start_mark.line + 1 for item in node.value]
        return seq
    assert isinstance(node, yaml.ScalarNode)
    if node.style in ("|", ">"):
        # A block scalar's mark points at the indicator; its content starts on the next line.
        return BlockText(node.value, node.start_mark.line + 2)
    return yaml.SafeLoader.construct_object(_SCALAR_LOADER, node)  # type: ignore[arg-type]


_SCALAR_LOADER = yaml.SafeLoader("")


def load_yaml(text: str, file: str) -> Any:
    """Parse ``text``; syntax errors become :class:`InputError` with the file and line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.context_mark is not None and exc.problem_mark is not None \
                and exc.context_mark.line != exc.problem_mark.line:
            reason += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        raise InputError(reason, file=file, line=line) from None
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        raise InputError(f"YAML error: {exc}", file=file) from None
    if node is None:
        raise InputError("the scenario file is empty", file=file, line=1)
    try:
        return _construct(node, file)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise InputError(f"YAML value error: {exc.problem}", file=file,
                         line=mark.line + 1 if mark else None) from None
