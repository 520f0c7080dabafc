"""The IOS console transcript: every device's prompt, commands, output and debug lines, in
simulated-time order, laid out the way a console shows them (as in the seed write-up).

Layout rules (they reproduce ``../shared/seeds``):
- a command prints ``HOST#command``, its output, then the bare prompt ``HOST#`` (the console
  waiting for the next command);
- asynchronous lines (``debug`` output, ``%`` messages) print as they happen; when they come
  from a device other than the one the transcript last showed, its bare prompt ``HOST#`` is
  printed first so the reader knows whose console it is;
- before the next command on a console that printed asynchronous lines since its last prompt,
  a bare prompt is printed again (the user pressed Enter), as in the seed.

Lines are final once added: the ``sink`` (``ikesim run`` streaming to stdout) and listeners (the
lab console) get each block as it is produced; every line followed by a newline is ``text()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple


class Block(NamedTuple):
    """Lines added to the transcript at once: ``kind`` is "command", "async" or "config"."""

    kind: str
    device: str
    lines: list[str]


@dataclass(slots=True)
class _Console:
    prompt: str
    async_since_prompt: bool = False


@dataclass
class Transcript:
    lines: list[str] = field(default_factory=list)
    _consoles: dict[str, _Console] = field(default_factory=dict)
    _current: str | None = None
    # Streaming (long runs): each block goes to ``sink`` as it happens instead of ``lines``.
    sink: Callable[[list[str]], None] | None = None
    _listeners: list[Callable[[Block], None]] = field(default_factory=list)

    def add_listener(self, listener: Callable[[Block], None]) -> None:
        """Also call ``listener`` with every block from now on, as it is added (the lab
        console, which needs to know whose block it is)."""
        self._listeners.append(listener)

    def _add(self, kind: str, device: str, block: list[str]) -> list[str]:
        if self.sink is None:
            self.lines.extend(block)
        elif block:
            self.sink(block)
        for listener in self._listeners:
            listener(Block(kind, device, block))
        return block

    def _console(self, device: str) -> _Console:
        console = self._consoles.get(device)
        if console is None:
            console = self._consoles[device] = _Console(prompt=f"{device}#")
        return console

    def set_prompt(self, device: str, prompt: str) -> None:
        """A console whose prompt is not ``HOST#`` (a Linux shell: ``root@gw1:~# ``)."""
        self._console(device).prompt = prompt

    def command(self, device: str, command: str, output: list[str]) -> list[str]:
        """Record a command and its output; returns the lines added."""
        console = self._console(device)
        block: list[str] = []
        if console.async_since_prompt:
            block.append(console.prompt)
        block.append(f"{console.prompt}{command}")
        block.extend(output)
        block.append(console.prompt)
        console.async_since_prompt = False
        self._current = device
        return self._add("command", device, block)

    def asynchronous(self, device: str, lines: list[str]) -> list[str]:
        """Record lines a device prints on its own (debug, syslog)."""
        console = self._consoles.get(device) or self._console(device)   # (made once)
        block: list[str] = []
        if self._current != device:
            block.append(console.prompt)
        block.extend(lines)
        console.async_since_prompt = True
        self._current = device
        return self._add("async", device, block)

    def configure(self, device: str, lines: list[str]) -> list[str]:
        """Record a ``configure terminal`` session with IOS's mode prompts."""
        console = self._console(device)
        host = console.prompt[:-1]
        block: list[str] = [console.prompt] if console.async_since_prompt else []
        block += [f"{console.prompt}configure terminal",
                  "Enter configuration commands, one per line.  End with CNTL/Z."]
        mode = "config"
        for line in lines:
            if not line.strip() or line.strip() == "!":
                continue
            stripped = line.strip()
            top_level = line[:1] not in (" ", "\t")
            if top_level:
                mode = "config"
            block.append(f"{host}({mode})#{stripped}")
            if top_level:
                mode = submode_of(stripped)
        block += [f"{host}({mode})#end", console.prompt]
        console.async_since_prompt = False
        self._current = device
        return self._add("config", device, block)

    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")


# Configuration modes IOS enters after a global command, and their prompt names (Cisco IOS
# command references: interface, crypto isakmp policy/profile, crypto keyring, crypto ipsec
# profile/transform-set, crypto map, named access lists, router, line, control-plane).
_SUBMODES = (("interface", "config-if"), ("crypto isakmp policy", "config-isakmp"),
             ("crypto isakmp profile", "conf-isa-prof"), ("crypto keyring", "conf-keyring"),
             ("crypto ipsec profile", "ipsec-profile"),
             ("crypto map", "config-crypto-map"), ("crypto ipsec transform-set", "cfg-crypto-trans"),
             ("ip access-list extended", "config-ext-nacl"),
             ("ip access-list standard", "config-std-nacl"), ("router", "config-router"),
             ("line", "config-line"), ("control-plane", "config-cp"))


def submode_of(line: str) -> str:
    """The configuration mode IOS enters after the global command ``line`` (for the prompt);
    typed words may abbreviate the keywords (``int fa1/0``, ``cry isa pol 1``)."""
    words = line.lower().split()
    for prefix, mode in _SUBMODES:
        keywords = prefix.split()
        if len(words) >= len(keywords) and all(
                k.startswith(w) for w, k in zip(words, keywords, strict=False)):
            return mode
    return "config"
