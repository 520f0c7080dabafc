"""The parser's state while it reads one configuration: the configuration being built, the
current configuration mode (global, or a submode with the object it edits) and bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field

from ikesim.net.config import DeviceConfig

Mode = tuple[str, object]
GLOBAL: Mode = ("global", None)


@dataclass
class ParserState:
    config: DeviceConfig
    file: str | None
    line_offset: int
    mode: Mode = GLOBAL
    acl_seqs: dict[str, list[int]] = field(default_factory=dict)
    lineno: int = 0

    def __post_init__(self) -> None:
        # Existing ACLs (apply_config_lines) get the sequence numbers IOS would show: 10, 20...
        for name, acl in self.config.acls.items():
            self.acl_seqs[name] = [10 * (k + 1) for k in range(len(acl.entries))]

    def ignore(self, text: str) -> None:
        self.config.ignored.append((self.lineno, text))
