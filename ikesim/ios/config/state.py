"""The parser's state while it reads one configuration: the configuration being built, the
current configuration mode (global, or a submode with the object it edits), the errors found so
far and bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field

from ikesim.net.config import DeviceConfig

Mode = tuple[str, object]
GLOBAL: Mode = ("global", None)


@dataclass(frozen=True, slots=True)
class Swallow:
    """A block whose lines are consumed without being parsed: an accepted-and-ignored block
    (``line vty``), a block of a feature the scenario ignores (``router bgp``), or the body of a
    block whose first line was an error. ``words`` are the keywords an unindented line may start
    with and still belong to the block."""

    kind: str                   # "accept" | "unmodelled" | "error"
    label: str                  # category (accept) or feature key (unmodelled)
    words: tuple[str, ...] = ()
    indent: int = 0             # indentation of the block's first line
    parent: Mode = ("global", None)   # the mode the block returns to
    header: tuple[int, str] | None = None  # kind "pending": the line that is an error if the
                                           # block has a body, and inert if it has none


@dataclass
class ParserState:
    config: DeviceConfig
    file: str | None
    line_offset: int
    ignore_features: frozenset[str] = frozenset()
    mode: Mode = GLOBAL
    acl_seqs: dict[str, list[int]] = field(default_factory=dict)
    lineno: int = 0
    indent: int = 0                        # indentation of the current line
    strict_catalogue: bool = False         # submode pass: abbreviated catalogue words fail
    # The mode a failing line still opens (its indented body is skipped without more errors).
    pending_mode: Mode | None = None
    # Errors found on an earlier line once later lines are read: (line, reason, text, feature).
    late_errors: list[tuple[int, str, str, str]] = field(default_factory=list)
    # Lines of crypto pki trustpoints/certificate chains by trustpoint: warned unless used.
    pki_lines: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Existing ACLs (apply_config_lines) get the sequence numbers IOS would show: 10, 20...
        for name, acl in self.config.acls.items():
            self.acl_seqs[name] = [10 * (k + 1) for k in range(len(acl.entries))]

    def ignore(self, text: str, category: str = "management plane") -> None:
        """Record an accepted line that ikesim does not model (listed in the warning).
        Comments (descriptions, remarks) change nothing and are not listed."""
        if category == "comments":
            return
        self.config.ignored.append((self.lineno, text))
        self.config.ignored_category[self.lineno] = category

    def unmodelled(self, feature: str, text: str) -> None:
        self.config.unmodelled.append((self.lineno, feature))
        self.config.unmodelled_text[self.lineno] = text
