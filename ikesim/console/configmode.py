"""Configuration mode (``RT2(config)#``, ``RT2(config-if)#``) on the lab console.

The verdict on a line is ``apply_config_lines`` — exactly what the saved ``configure:`` event
will get on replay. ``?`` help, Tab completion and the caret position come from running the
configuration parser of ``ikesim.ios.config`` itself on the line with a cursor that records
what the grammar asks for at each word (the keywords it offers, ``A.B.C.D`` where it reads an
address, ``<lo-hi>`` where it reads a number, ``<cr>`` where the line may end): help is
generated from the grammar that parses configurations, never from a second copy of it.

The parser's pieces used here: its ``Cursor`` (subclassed to record), ``ParserState`` with its
``mode``, the driver's ``SUBMODES`` handlers, ``global_line`` and ``feed``, and ``ParseError``
with the word position IOS marks with ``^``.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterable

from ikesim.console.grammar import Choice, Completion, LineError, placeholder, split_words
from ikesim.console.helptext import help_for
from ikesim.errors import InputError
from ikesim.export.transcript import submode_of
from ikesim.ios.config import apply_config_lines
from ikesim.ios.config.cursor import AMBIGUOUS, INCOMPLETE, INVALID, SEMANTIC, Cursor, ParseError
from ikesim.ios.config.dispatcher import SUBMODES, feed, global_line
from ikesim.ios.config.state import GLOBAL, ParserState
from ikesim.net.config import DeviceConfig

# Handled by the parser's driver (feed) or by the console, before the grammar sees a line.
_DRIVER_WORDS = (Choice("end", "Exit from configure mode"),
                 Choice("exit", "Exit from the current mode"),
                 Choice("do", "To run exec commands in config mode"))


class _Recorder(Cursor):
    """The parser's cursor, noting what is expected at word ``target``."""

    target = -1
    expected: list[Choice]
    _inner = False

    def _note(self, *choices: Choice) -> None:
        if self.i == self.target:
            self.expected.extend(choices)

    def kw(self, choices: Iterable[str], unsupported: Iterable[str] = (),
           reason: str | None = None) -> str:
        supported = tuple(choices)
        self._note(*(Choice(c) for c in supported))
        self._inner = True
        try:
            return str(super().kw(supported, unsupported, reason))
        finally:
            self._inner = False

    def opt_kw(self, choices: Iterable[str]) -> str | None:
        supported = tuple(choices)
        self._note(*(Choice(c) for c in supported))
        found: str | None = super().opt_kw(supported)
        return found

    def integer(self, lo: int, hi: int, what: str) -> int:
        self._note(placeholder(f"<{lo}-{hi}>", what))
        self._inner = True
        try:
            return int(super().integer(lo, hi, what))
        finally:
            self._inner = False

    def ip(self) -> ipaddress.IPv4Address:
        self._note(placeholder("A.B.C.D", "IP address or mask"))
        self._inner = True
        try:
            return super().ip()
        finally:
            self._inner = False

    def word(self) -> str:
        if not self._inner:
            self._note(placeholder("WORD"))
        return str(super().word())

    def rest(self) -> str:
        self._note(placeholder("LINE"))
        return str(super().rest())

    def end(self) -> None:
        self._note(placeholder("<cr>"))
        super().end()


def _recorder(text: str, target: int) -> _Recorder:
    cur = _Recorder.of(text)
    cur.target, cur.expected = target, []
    return cur


def _probe(parser: ParserState, text: str,
           target: int) -> tuple[list[Choice], list[Choice], ParseError | None, str]:
    """Run ``text`` through a copy of ``parser`` as its driver would (the current submode's
    handler, then global commands): (submode choices, global choices, error, accepted by)."""
    kind = parser.mode[0]
    sub_expected: list[Choice] = []
    sub_error = None
    if kind != "global":
        trial = copy.deepcopy(parser)
        cur = _recorder(text, target)
        try:
            SUBMODES[kind](trial, cur)
            return cur.expected, [], None, "submode"
        except ParseError as err:
            sub_expected, sub_error = cur.expected, err
    trial = copy.deepcopy(parser)
    cur = _recorder(text, target)
    try:
        global_line(trial, cur)
        return sub_expected, cur.expected, None, "global"
    except ParseError as err:
        error = err if sub_error is None or err.rank() > sub_error.rank() else sub_error
        return sub_expected, cur.expected, error, ""


def _unique(choices: list[Choice]) -> tuple[Choice, ...]:
    seen: dict[str, Choice] = {}
    for choice in choices:
        seen.setdefault(choice.word, choice)
    return tuple(seen.values())


class ConfigMode:
    """One ``configure terminal`` session: the lines accepted since the device last applied a
    configuration (the next ``configure:`` event) and the mode the parser is in."""

    def __init__(self, config: DeviceConfig) -> None:
        self.lines: list[str] = []          # submode lines indented by one space, as in a config
        self.header: str | None = None      # the global line that opened the current submode
        self.rebase(config)

    def rebase(self, config: DeviceConfig) -> None:
        """Start the next event from ``config`` (after the pending lines were applied)."""
        self._base = config
        self.lines = []
        self._parser = ParserState(copy.deepcopy(config), None, 0)
        if self.header is not None:
            feed(self._parser, 1, self.header)

    @property
    def prompt_mode(self) -> str:
        """``config`` or the submode's prompt name, as the transcript will print it."""
        return submode_of(self.header) if self.header is not None else "config"

    def _event_lines(self, line: str, accepted_by: str) -> list[str]:
        if accepted_by == "submode":
            head = [self.header] if not self.lines and self.header is not None else []
            return head + [" " + line.strip()]
        return [line.strip()]

    def check(self, line: str) -> LineError | None:
        """IOS's complaint about ``line`` in the current mode, or None."""
        words = line.split()
        _, _, error, accepted_by = _probe(self._parser, line, -1)
        try:
            apply_config_lines(self._base, self.lines + self._event_lines(line, accepted_by
                                                                          or "global"))
        except InputError as exc:
            return _line_error(exc.reason, line, words, error)
        return None

    def accept(self, line: str) -> None:
        """Record a line that :meth:`check` accepted and follow the mode it leads to."""
        stripped = line.strip()
        if stripped.lower() == "exit":          # leaves the submode (the caller handles global)
            if self.header is not None:
                self.lines += [self.header] if not self.lines else []
                self.lines.append(" exit")
            self.header = None
            self._parser.mode = GLOBAL
            return
        _, _, _, accepted_by = _probe(self._parser, line, -1)
        self.lines += self._event_lines(line, accepted_by)
        feed(self._parser, len(self.lines), stripped)
        if self._parser.mode[0] == "global":
            self.header = None
        elif accepted_by == "global":
            self.header = stripped

    def completion(self, text: str, *, for_help: bool = False) -> Completion:
        words, partial = split_words(text)
        index = len(words)
        line = " ".join(words + ([partial] if partial else []))
        sub, glob, error, _ = _probe(self._parser, line, index)
        choices = sub if (for_help and sub) else sub + glob
        if index == 0:
            choices = choices + list(_DRIVER_WORDS)
        elif error is None and not partial:       # a complete command: it may end here
            choices = choices + [placeholder("<cr>")]
        path = tuple(w.lower() for w in words)
        choices = [Choice(c.word, c.help or help_for(path, c.word), c.literal) for c in choices]
        return Completion(partial, _unique(choices))


def _line_error(reason: str, line: str, words: list[str],
                error: ParseError | None) -> LineError:
    """IOS's wording and caret for a configuration line the parser refused."""
    if reason.startswith(AMBIGUOUS):
        return LineError(f'% Ambiguous command:  "{line.strip()}"')
    if reason.startswith(INCOMPLETE):
        return LineError("% Incomplete command.")
    column = None
    if error is not None and error.pos < min(len(words), SEMANTIC):
        column = [i for i, ch in enumerate(line) if not ch.isspace() and (
            i == 0 or line[i - 1].isspace())][error.pos]
    if reason == INVALID:
        return LineError("% Invalid input detected at '^' marker.", column)
    return LineError(reason, column)
