"""The configuration parser's driver: one line at a time, in the current mode, as IOS reads a
``show running-config`` or lines pasted at a console.

* Paste artefacts are understood, not errors: prompts (``R1#``, ``R1(config-if)#``), exec lines
  at an exec prompt, ``enable``, ``configure terminal``, ``end``, ``exit``, ``write``, ``do ...``,
  ``Building configuration...``, ``Current configuration : N bytes``.
* A line that is not valid in the current submode but is a valid global command leaves the
  submode (pasted CLI has no indentation); when neither parses, the error that got further into
  the line is reported (ties go to the submode), which mirrors where IOS puts its ``^`` marker.
  An indented line belongs to the block above it (``show running-config`` layout).
* Every bad line is recorded and parsing goes on, so a file's errors are reported together
  (:class:`ikesim.ios.config.report.ConfigErrors`); the indented body of a block whose first line
  failed is skipped rather than reported line by line.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable

from ikesim.errors import InputError
from ikesim.ios.config import (
    acl,
    cryptomap,
    ignored,
    interface,
    ipsec,
    isakmp,
    keyring,
    natroute,
    ospf,
    pki,
)
from ikesim.ios.config.accepted import Abbreviated, end_block, not_modelled_reason, swallow_line
from ikesim.ios.config.cursor import INCOMPLETE, SEMANTIC, Cursor, ParseError
from ikesim.ios.config.global_mode import global_line
from ikesim.ios.config.report import ConfigErrors, ConfigLineError, compact_lines
from ikesim.ios.config.state import GLOBAL, ParserState, Swallow
from ikesim.net.config import DeviceConfig

# What the console itself prints in a pasted session: the `show running-config` header, the
# password prompt, the `configure terminal` banner, `[OK]` after `write`, the `copy` questions
# and syslog lines such as "*Mar  1 00:01:02.123: %SYS-5-CONFIG_I: Configured from console".
_CONSOLE_OUTPUT = re.compile(
    r"Building configuration\.\.\.|Current configuration ?: ?\d+ bytes|Password:\s*"
    r"|Enter configuration commands, one per line\..*|\[OK\]|Destination filename \[.*"
    r"|\*?\w{3} +\d+ [\d:.]+( \w+)?: %[A-Z0-9_]+-\d-[A-Z0-9_]+: .*")
# A console prompt at the start of a pasted line: `R1#`, `R1>`, `R1(config-if)#`.
_PROMPT = re.compile(r"^(?P<host>[A-Za-z][^\s#>]*?)(?P<cfg>\(config[^)\s]*\))?[#>](?P<rest>.*)$")
# Exec commands found in pastes (`write memory` after `end`, `do show run` in config mode).
_EXEC_WORDS = {"show", "write", "wr", "copy", "reload", "ping", "traceroute", "clear", "debug",
               "undebug", "terminal", "disable", "do"}

SubmodeHandler = Callable[[ParserState, Cursor], None]
SUBMODES: dict[str, SubmodeHandler] = {
    "interface": interface.interface_line,
    "isakmp": isakmp.isakmp_line,
    "isakmp-peer": isakmp.peer_line,
    "tset": ipsec.tset_line,
    "ipsec-profile": ipsec.profile_line,
    "cmap": cryptomap.cmap_line,
    "acl": acl.acl_line,
    "keyring": keyring.keyring_line,
    "isakmp-profile": keyring.profile_line,
    "router-ospf": ospf.ospf_line,
    "route-map": natroute.route_map_line,
    "trustpoint": pki.trustpoint_line,
    "cert-chain": pki.chain_line,
}


def _is_paste_artefact(words: list[str]) -> bool:
    first = words[0].lower()
    if first in ("end", "exit") and len(words) == 1:
        return True
    if first == "enable" and len(words) == 1:
        return True
    if len(first) >= 4 and "configure".startswith(first):          # conf t, configure terminal
        return len(words) == 1 or (len(words) == 2 and "terminal".startswith(words[1].lower()))
    return first in _EXEC_WORDS


def feed(st: ParserState, lineno: int, raw: str) -> list[ConfigLineError]:
    """Parse one line; returns the errors it gave (none or one)."""
    st.lineno = lineno
    line = raw.rstrip("\r\n")
    if st.mode[0] == "banner":
        ignored.banner_body(st, line)
        return []
    if st.mode[0] == "cert-hex":
        if pki.hex_line(st, line):
            return []
    text = line.strip()
    if not text or text.startswith("!") or _CONSOLE_OUTPUT.fullmatch(text):
        return []
    st.indent = len(line) - len(line.lstrip())
    prompt = _PROMPT.match(text)
    if prompt is not None:
        if prompt.group("cfg") is None:
            return []              # an exec command at an exec prompt: not configuration
        text, st.indent = prompt.group("rest").strip(), 0
        if not text:
            return []
    words = text.split()
    if _is_paste_artefact(words):
        if words[0].lower() in ("end", "exit") and st.mode[0] != "global":
            st.mode = GLOBAL
        return []
    try:
        _dispatch(st, text)
    except ParseError as err:
        if getattr(err, "level", "global") == "global":
            # The failed line's indented body is skipped (no error per line of it).
            st.mode = st.pending_mode or ("swallow", Swallow("error", "", (), st.indent))
        elif st.pending_mode is not None:
            st.mode = st.pending_mode
        st.pending_mode = None
        return [_line_error(st, err, text)]
    st.pending_mode = None
    return []


def _line_error(st: ParserState, err: ParseError, text: str) -> ConfigLineError:
    cur = Cursor.of(text)
    column: int | None = None
    if err.pos < min(len(cur.words), SEMANTIC) and err.reason != INCOMPLETE:
        column = cur.starts[err.pos]
    out = ConfigLineError(err.reason, file=st.file, line=st.line_offset + st.lineno, text=text,
                          column=column)
    out.feature = getattr(err, "feature", None)        # type: ignore[attr-defined]
    return out


def _one_per_feature(errors: list[ConfigLineError]) -> list[ConfigLineError]:
    """A feature ikesim does not model is reported once, at its first line, naming the others."""
    by_feature: dict[str, list[ConfigLineError]] = {}
    out: list[ConfigLineError] = []
    for err in errors:
        feature = getattr(err, "feature", None)
        if feature is None:
            out.append(err)
        else:
            by_feature.setdefault(feature, []).append(err)
    for feature, errs in by_feature.items():
        first = min(errs, key=lambda e: e.line or 0)
        if len(errs) > 1:
            others = compact_lines([e.line or 0 for e in errs if e is not first])
            first = ConfigLineError(not_modelled_reason(feature, f", also lines {others}"),
                                    file=first.file, line=first.line, text=first.text,
                                    column=first.column)
            first.feature = feature                     # type: ignore[attr-defined]
        out.append(first)
    return out


def _dispatch(st: ParserState, text: str) -> None:
    while st.mode[0] == "swallow":
        if swallow_line(st, Cursor.of(text)):
            return
    kind = st.mode[0]
    if kind == "global":
        st.mode = global_line(st, Cursor.of(text)) or GLOBAL
        return
    # IOS ignores indentation: a line invalid in the submode but valid globally leaves it.
    handler = SUBMODES[kind]
    try:
        st.strict_catalogue = True
        handler(st, Cursor.of(text))
        return
    except Abbreviated as abbreviated:
        sub_err, abbrev = None, abbreviated
    except ParseError as err:
        sub_err = err
        sub_err.level = "sub"                  # type: ignore[attr-defined]
    finally:
        st.strict_catalogue = False
    mode_before = st.mode
    accepted_before = (len(st.config.ignored), len(st.config.unmodelled))
    try:
        new_mode = global_line(st, Cursor.of(text))
        if sub_err is not None and sub_err.rank()[2] == 2 and sub_err.pos >= 2 \
                and accepted_before != (
                len(st.config.ignored), len(st.config.unmodelled)):
            # The submode read far enough to object specifically (` ip ospf cost 0`); an
            # unchecked catalogue line of global mode is not a better reading of it.
            _undo_catalogue(st, accepted_before)
            st.mode = mode_before
            raise sub_err
    except ParseError as glob_err:
        if glob_err is sub_err:
            raise
        if sub_err is None and glob_err.rank() <= abbrev.rank():
            # Only an abbreviation fits, and the global reading got no further: the
            # submode's line after all (` spe 100` is `speed 100`).
            st.pending_mode = None
            st.mode = mode_before
            try:
                handler(st, Cursor.of(text))
                return
            except ParseError as err:
                sub_err = err
                sub_err.level = "sub"          # type: ignore[attr-defined]
        if sub_err is None or glob_err.rank() > sub_err.rank():
            glob_err.level = "global"          # type: ignore[attr-defined]
            raise glob_err from None
        st.pending_mode = None
        raise sub_err from None
    st.mode = new_mode or GLOBAL


def _undo_catalogue(st: ParserState, lengths: tuple[int, int]) -> None:
    config = st.config
    del config.ignored[lengths[0]:], config.unmodelled[lengths[1]:]
    config.ignored_category.pop(st.lineno, None)
    config.unmodelled_text.pop(st.lineno, None)


def _finish(st: ParserState, lines: list[str], errors: list[ConfigLineError],
            before: set[int]) -> DeviceConfig:
    """Checks that need the whole text, then raise every error at once."""
    config = st.config
    if st.mode[0] == "swallow":
        end_block(st)
    for line, reason, text, feature in st.late_errors:
        late = ConfigLineError(reason, file=st.file, line=st.line_offset + line, text=text,
                               column=0)
        late.feature = feature                        # type: ignore[attr-defined]
        errors.append(late)
    if st.mode[0] == "banner":
        _delim, start = st.mode[1]        # type: ignore[misc]
        errors.append(ConfigLineError("% Banner not terminated: the delimiter never comes",
                                      file=st.file, line=st.line_offset + start,
                                      text=lines[start - 1].strip(), column=None))
    # IOS only accepts an exit interface that exists; interfaces may be configured after the
    # route in a hand-written text, so this is checked once the whole text is read.
    for route in list(config.static_routes):
        missing = route.interface and route.interface not in config.interfaces \
            and not route.interface.startswith("Null")      # Null0 always exists
        feature = interface.type_feature(route.interface or "")
        if id(route) not in before and missing and feature is not None:
            if feature in st.ignore_features:      # a route over an ignored Dialer/template
                config.static_routes.remove(route)
                config.unmodelled.append((route.line, feature))
                config.unmodelled_text[route.line] = lines[route.line - 1].strip()
                continue
            error = ConfigLineError(not_modelled_reason(feature), file=st.file,
                                    line=st.line_offset + route.line,
                                    text=lines[route.line - 1].strip(), column=None)
            error.feature = feature                   # type: ignore[attr-defined]
            errors.append(error)
        elif id(route) not in before and missing:
            errors.append(ConfigLineError(
                f"% Invalid input detected: no interface {route.interface} on "
                f"{config.hostname}",
                file=st.file, line=st.line_offset + route.line,
                text=lines[route.line - 1].strip(), column=None))
    pki.warn_unused(st)
    config.crypto.interface_addresses = {name: iface.address.ip for name, iface in
                                         config.interfaces.items() if iface.address is not None}
    if errors:
        raise ConfigErrors(_one_per_feature(errors))
    return config


def _run(st: ParserState, lines: Iterable[str]) -> DeviceConfig:
    lines = list(lines)
    before = {id(r) for r in st.config.static_routes}
    errors: list[ConfigLineError] = []
    for n, raw in enumerate(lines, start=1):
        errors += feed(st, n, raw)
    return _finish(st, lines, errors, before)


def parse_config(text: str, *, file: str | None = None, line_offset: int = 0,
                 hostname: str | None = None,
                 ignore: Iterable[str] = ()) -> DeviceConfig:
    """Parse a whole IOS configuration (``show running-config`` or a pasted CLI script).

    Error line numbers are ``line_offset`` + the 1-based line in ``text``; ``file`` is put in
    the errors. ``hostname`` is used when the text has no ``hostname`` line (IOS: "Router").
    ``ignore``: keys of :data:`ikesim.ios.config.features.FEATURES` whose lines are accepted.
    Raises :class:`ConfigErrors` listing every bad line.
    """
    config = DeviceConfig(hostname=hostname or "Router", source=file, source_offset=line_offset,
                          ignore_features=tuple(sorted(set(ignore))))
    return _run(ParserState(config, file, line_offset, frozenset(ignore)), text.splitlines())


def apply_config_lines(config: DeviceConfig, lines: list[str], *, file: str | None = None,
                       line_offset: int = 0) -> DeviceConfig:
    """``configure terminal`` semantics: ``lines`` applied to a deep copy of ``config``.

    Same grammar as :func:`parse_config` plus the ``no`` forms; the input is left untouched.
    The features the device ignores (``config.ignore_features``) are ignored here too.
    """
    new = copy.deepcopy(config)
    return _run(ParserState(new, file, line_offset, frozenset(config.ignore_features)), lines)


__all__ = ["InputError", "apply_config_lines", "feed", "parse_config"]
