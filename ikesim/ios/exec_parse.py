"""Parsing IOS exec commands (the ``RT2#`` prompt) with IOS's keyword abbreviations.

Each command is a keyword path (``show ip route``); a typed token matches a keyword when it is a
unique prefix among the keywords allowed at that point, as on IOS (``sh ip ro``, ``sh cry isa sa``,
``deb cry isa``, ``u all``). Arguments after the path are kept for the handler. Errors use IOS's
own wording: ``% Invalid input detected``, ``% Ambiguous command``, ``% Incomplete command``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

from ikesim.ios.net_commands import NET_COMMANDS
from ikesim.ios.pki_commands import PKI_COMMANDS

# Keyword paths of the supported commands -> handler name. Keywords at one level are matched by
# unique prefix against *all* keywords IOS offers there, listed in ``_SIBLINGS`` so that a short
# prefix stays ambiguous where IOS says it is (``s`` is ambiguous: show, set, ...).
COMMANDS: dict[tuple[str, ...], str] = {
    ("ping",): "ping",
    ("show", "ip", "route"): "show_ip_route",
    ("show", "ip", "interface", "brief"): "show_ip_interface_brief",
    ("show", "running-config"): "show_running_config",
    ("show", "crypto", "isakmp", "sa"): "show_crypto_isakmp_sa",
    ("show", "crypto", "isakmp", "policy"): "show_crypto_isakmp_policy",
    ("show", "access-lists"): "show_access_lists",
    ("debug", "crypto", "isakmp"): "debug_crypto_isakmp",
    ("debug", "crypto", "ipsec"): "debug_crypto_ipsec",
    ("show", "crypto", "ipsec", "sa"): "show_crypto_ipsec_sa",
    ("show", "crypto", "session"): "show_crypto_session",
    ("undebug", "all"): "undebug_all",
    ("no", "debug", "all"): "undebug_all",
    ("clear", "crypto", "isakmp"): "clear_crypto_isakmp",
    ("clear", "crypto", "sa"): "clear_crypto_sa",
    ("clear", "crypto", "session"): "clear_crypto_session",
    ("show", "crypto", "map"): "show_crypto_map",
}
COMMANDS.update(NET_COMMANDS)  # OSPF, NAT, interfaces (ikesim.ios.net_commands)
COMMANDS.update(PKI_COMMANDS)  # certificates, clock set (ikesim.ios.pki_commands)
# Other keywords IOS accepts at the same levels (not implemented here, but they make
# abbreviations ambiguous exactly where they are on a router).
_SIBLINGS: dict[tuple[str, ...], tuple[str, ...]] = {
    (): ("send", "setup", "ssh", "systat", "start-chat", "telnet", "traceroute", "terminal",
         "connect", "configure", "copy", "disable", "enable", "exit", "dir"),
    ("show",): ("interfaces", "ipv6", "version", "clock", "cdp", "arp", "startup-config"),
    ("show", "ip"): ("access-lists", "arp", "bgp", "protocols", "ospf", "nat"),
    ("show", "crypto"): ("engine", "key", "ca", "pki", "dynamic-map", "route"),
    ("show", "crypto", "ipsec"): ("transform-set", "profile", "client"),
    ("show", "crypto", "isakmp"): ("key", "peers", "profile"),
    ("debug",): ("ip", "all"),
    ("debug", "crypto"): ("engine", "pki"),
    ("clear",): ("counters", "arp-cache", "ip"),
    ("clear", "crypto"): ("ikev2", "pki", "call"),
}


@dataclass(frozen=True, slots=True)
class ExecCommand:
    handler: str
    words: tuple[str, ...]           # the full keyword path
    args: list[str] = field(default_factory=list)
    text: str = ""                    # as typed
    filter: tuple[str, str] | None = None   # `| include REGEX` ... (ios.exec_filters)


class ExecError(ValueError):
    """An exec line IOS would reject; ``str()`` is IOS's message."""


@cache
def _keywords_at(prefix: tuple[str, ...]) -> tuple[str, ...]:
    # COMMANDS and _SIBLINGS are complete once this module is imported: one scan per prefix
    words = {path[len(prefix)] for path in COMMANDS if len(path) > len(prefix)
             and path[:len(prefix)] == prefix}
    return tuple(sorted(words | set(_SIBLINGS.get(prefix, ()))))


@cache
def _supported_prefixes() -> frozenset[tuple[str, ...]]:
    """Every non-empty prefix of a supported command's keyword path."""
    return frozenset(path[:i] for path in COMMANDS for i in range(1, len(path) + 1))


@lru_cache(maxsize=4096)   # bounded: the words are whatever a console types
def _matches(prefix: tuple[str, ...], word: str) -> tuple[str, ...]:
    """The keywords after ``prefix`` that the lower-case ``word`` abbreviates (only the exact
    keyword when there is one): one scan per prefix and typed word."""
    hits = tuple(w for w in _keywords_at(prefix) if w.startswith(word))
    return (word,) if word in hits else hits


def keywords_at(prefix: tuple[str, ...]) -> list[str]:
    """Every keyword IOS accepts after ``prefix``, supported or not: a typed word abbreviates
    one of these (public for the lab console's help, completion and caret errors)."""
    return list(_keywords_at(prefix))


@lru_cache(maxsize=1024)   # bounded: the text is whatever a console types
def parse_exec(text: str) -> ExecCommand:
    """Parse one exec line; raise :class:`ExecError` with IOS's message when IOS would.
    ``show ... | include|exclude|begin|section REGEX`` filters the output of a show command.

    Memoised per text (a scenario types the same few commands again and again): the command
    is shared, so its ``args`` must not be changed by whoever runs it (no handler does).
    Errors are not memoised (each call raises again)."""
    command, bar, spec = text.partition("|")
    cmd = _parse_command(command if bar else text)
    if not bar:
        return cmd
    if cmd.words[0] != "show":
        raise ExecError("% Invalid input detected at '^' marker: '|'")
    from ikesim.ios.exec_filters import FilterError, parse_filter

    try:
        kind, expression = parse_filter(spec)
    except FilterError as exc:
        raise ExecError(str(exc)) from None
    return ExecCommand(cmd.handler, cmd.words, cmd.args, text.strip(), (kind, expression))


def _parse_command(text: str) -> ExecCommand:
    tokens = text.split()
    if not tokens:
        raise ExecError("% Incomplete command.")
    path: tuple[str, ...] = ()
    for i, token in enumerate(tokens):
        if path in COMMANDS:
            return ExecCommand(COMMANDS[path], path, tokens[i:], text.strip())
        hits = _matches(path, token.lower())
        if not hits:
            raise ExecError(f"% Invalid input detected at '^' marker: {token!r}")
        if len(hits) > 1:
            raise ExecError(f"% Ambiguous command:  \"{text.strip()}\"")
        word = hits[0]
        if path + (word,) not in _supported_prefixes():
            raise ExecError(f"% '{' '.join(path + (word,))}' is not supported by ikesim")
        path = path + (word,)
    if path in COMMANDS:
        return ExecCommand(COMMANDS[path], path, [], text.strip())
    raise ExecError("% Incomplete command.")
