"""``?`` help, Tab completion and caret errors for the exec prompt (``RT2#``), generated from the
exec grammar itself: the keyword paths of ``ikesim.ios.exec_parse.COMMANDS``, the keywords IOS
accepts at each level (``keywords_at``, which decides abbreviations), the argument rules of
``ikesim.ios.commands`` and ping's options. The verdict on a line is always ``parse_exec`` +
``validate_exec_args`` (what a scenario's ``exec:`` event gets); this module only explains it.

IOS's own layouts (Cisco IOS Configuration Fundamentals, "Using the Cisco IOS Command-Line
Interface": context-sensitive help and the "% Invalid input detected at '^' marker." check):
- ``show ?`` lists each keyword with its description, two spaces in;
- ``sh?`` lists the keywords that complete the word, on one line;
- an invalid line is echoed, then a line with ``^`` under the first character IOS rejected.
guess: the width of the keyword column in ``?`` lists and the ``<1-32766>`` range offered for
``clear crypto isakmp``'s connection id are not from a capture in ../shared/fidelity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ikesim.console.helptext import help_for
from ikesim.errors import InputError
from ikesim.ike.sa import STATES
from ikesim.ios.commands import NO_ARGS, ROUTER_ONLY, validate_exec_args
from ikesim.ios.exec_parse import COMMANDS, ExecError, keywords_at, parse_exec
from ikesim.ios.ping import MAX_REPEAT, MAX_SIZE, MAX_TIMEOUT, MIN_SIZE, PING_OPTIONS

INVALID = "% Invalid input detected at '^' marker."
CR = "<cr>"

# The lab console's own commands (matched by their full name only, so that IOS abbreviations
# keep their meaning: `s` stays ambiguous, `sh` is still `show`).
LAB_COMMANDS: dict[str, str] = {
    "connect": "Switch to another device's console (connect RT1)",
    "run": "Let simulated time pass (run 10s, run until QM_IDLE, run until 120s, run until end)",
    "step": "Run to the next packet put on a link (step, step 5)",
    "continue": "Let time pass in real time (continue, continue 10 = ten times faster)",
    "pause": "Stop the real-time clock",
    "speed": "Real-time speed: simulated seconds per second (speed 0.5)",
    "time": "Show the simulated time and the clock's state",
    "devices": "List the lab's devices",
    "save": "Save the session as a scenario file that ikesim run replays (save FILE)",
    "help": "Lab console commands",
    "exit": "Leave the lab console (also quit, Ctrl-D)",
    "quit": "Leave the lab console",
}
STOP_WORDS = ("end",) + STATES


@dataclass(frozen=True, slots=True)
class Choice:
    """Something the grammar accepts next: a keyword (``literal``) or a placeholder such as
    ``A.B.C.D``, ``<1-100>``, ``WORD`` or ``<cr>``."""

    word: str
    help: str = ""
    literal: bool = True


@dataclass(frozen=True, slots=True)
class Completion:
    partial: str                 # the word being typed ("" right after a space)
    choices: tuple[Choice, ...]  # all the grammar accepts at that word

    def matching(self) -> list[Choice]:
        low = self.partial.lower()
        return [c for c in self.choices if c.literal and c.word.lower().startswith(low)]


@dataclass(frozen=True, slots=True)
class LineError:
    """A rejected line: IOS's message and the column of the caret (None: no caret)."""

    message: str
    column: int | None = None


def placeholder(word: str, text: str = "") -> Choice:
    return Choice(word, text, literal=False)


def split_words(text: str) -> tuple[list[str], str]:
    """The complete words before the cursor and the word being typed."""
    words = text.split()
    if not text or text[-1].isspace():
        return words, ""
    return words[:-1], words[-1]


def word_starts(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\S+", text)]


def match(word: str, options: list[str] | tuple[str, ...]) -> str | None:
    """IOS matching: the exact keyword, else the unique keyword ``word`` abbreviates."""
    low = word.lower()
    if low in options:
        return low
    hits = [o for o in options if o.startswith(low)]
    return hits[0] if len(hits) == 1 else None


# -- help layouts -------------------------------------------------------------------------------
def help_lines(completion: Completion) -> list[str]:
    """What IOS prints for ``?``: a word list after a partial word, else one line per choice."""
    if completion.partial:
        hits = completion.matching()
        if not hits:
            return ["% Unrecognized command"]
        return ["  ".join(c.word for c in hits) + "  "]
    if not completion.choices:
        return ["% Unrecognized command"]
    width = max(16, max(len(c.word) for c in completion.choices) + 2)
    return [f"  {c.word:<{width}}{c.help}".rstrip() for c in completion.choices]


def caret_lines(prompt: str, error: LineError) -> list[str]:
    """The caret line (aligned under the echoed prompt + line) and the message."""
    lines = [" " * (len(prompt) + error.column) + "^"] if error.column is not None else []
    return lines + [error.message]


# -- exec grammar ---------------------------------------------------------------------------------
def _commands_for(kind: str) -> dict[tuple[str, ...], str]:
    return {path: handler for path, handler in COMMANDS.items()
            if kind == "router" or handler not in ROUTER_ONLY}


def _walk(words: list[str], kind: str) -> tuple[tuple[str, ...], int, int | None]:
    """Follow exec keywords: (path, words used, index of the first word that fits nowhere)."""
    commands = _commands_for(kind)
    path: tuple[str, ...] = ()
    for i, word in enumerate(words):
        if path in commands:
            return path, i, None
        found = match(word, keywords_at(path))
        if found is None or not any(p[:len(path) + 1] == path + (found,) for p in commands):
            return path, i, i
        path += (found,)
    return path, len(words), None


def _ping_choices(args: list[str]) -> list[Choice]:
    words = args[1:] if args and args[0].lower() == "ip" else list(args)
    if not words:
        return [placeholder("WORD", "Ping destination address or hostname")] + (
            [] if args else [Choice("ip", "IP echo")])
    options = words[1:]
    if len(options) % 2:                          # an option waiting for its value
        values = {"repeat": placeholder(f"<1-{MAX_REPEAT}>", "Repeat count"),
                  "size": placeholder(f"<{MIN_SIZE}-{MAX_SIZE}>", "Datagram size"),
                  "timeout": placeholder(f"<0-{MAX_TIMEOUT}>", "Timeout in seconds"),
                  "source": placeholder("A.B.C.D", "Source address")}
        option = match(options[-1], PING_OPTIONS)
        return [values[option]] if option else []
    return [Choice(o, help_for(("ping",), o)) for o in PING_OPTIONS] + [placeholder(CR)]


def _argument_choices(handler: str, args: list[str]) -> list[Choice]:
    if handler in NO_ARGS:
        return [] if args else [placeholder(CR)]
    if handler == "ping":
        return _ping_choices(args)
    if handler == "clear_crypto_isakmp":
        return [] if args else [placeholder("<1-32766>", "connection id of SA"),
                                placeholder(CR)]
    return [placeholder(CR)]


def lab_choices(words: list[str], devices: list[str]) -> list[Choice]:
    command = words[0]
    if command == "connect":
        return [Choice(d) for d in devices] if len(words) == 1 else []
    if command == "run":
        if len(words) == 1:
            return [Choice("until", "until a time, an ISAKMP state or the end"),
                    placeholder("TIME", "how long, e.g. 10s, 500ms, 2m")]
        if len(words) == 2 and words[1] == "until":
            return [Choice(w) for w in STOP_WORDS] + [placeholder("TIME", "a simulated time")]
        return [placeholder(CR)]
    if command in ("step", "continue", "speed", "save") and len(words) == 1:
        arg = {"step": placeholder("<1-10000>", "packets"),
               "continue": placeholder("SPEED", "simulated seconds per second"),
               "speed": placeholder("SPEED", "simulated seconds per second"),
               "save": placeholder("FILE", "scenario file to write")}[command]
        return [arg] + ([] if command in ("speed", "save") else [placeholder(CR)])
    return [placeholder(CR)] if len(words) == 1 else []


def exec_completion(text: str, *, kind: str, devices: list[str]) -> Completion:
    """What may come at the cursor of an exec line on a ``kind`` device ("router"/"host")."""
    words, partial = split_words(text)
    if not words:
        top = sorted({p[0] for p in _commands_for(kind)} | ({"configure"} if kind == "router" else set()))
        choices = [Choice(w, help_for((), w)) for w in top]
        choices += [Choice(w, h) for w, h in LAB_COMMANDS.items()]
        return Completion(partial, tuple(choices))
    if words[0] in LAB_COMMANDS:
        return Completion(partial, tuple(lab_choices(words, devices)))
    if kind == "router" and match(words[0], keywords_at(())) == "configure":
        choices = [Choice("terminal", "Configure from the terminal"), placeholder(CR)]
        return Completion(partial, tuple(choices) if len(words) == 1 else (placeholder(CR),))
    path, used, bad = _walk(words, kind)
    if bad is not None:
        return Completion(partial, ())
    commands = _commands_for(kind)
    if path in commands:
        return Completion(partial, tuple(_argument_choices(commands[path], words[used:])))
    nexts = sorted({p[len(path)] for p in commands if p[:len(path)] == path and len(p) > len(path)})
    return Completion(partial, tuple(Choice(w, help_for(path, w)) for w in nexts))


def exec_error(text: str, kind: str) -> LineError | None:
    """Why IOS would refuse the exec line ``text`` (None: it runs), with the caret column."""
    starts = word_starts(text)
    try:
        command = parse_exec(text)
        validate_exec_args(command, kind)
    except ExecError as exc:
        message = str(exc)
        if not message.startswith("% Invalid input"):
            return LineError(message)
        words = text.split()
        path, used, bad = _walk(words, kind)
        index = bad if bad is not None else used
        if COMMANDS.get(path) == "ping":
            index = _ping_error_word(words, used)
        return LineError(INVALID, starts[index] if index < len(starts) else len(text))
    return None


def _ping_error_word(words: list[str], used: int) -> int:
    from ikesim.ios.ping import parse_ping_command

    try:
        parse_ping_command(words[used:])
    except InputError as exc:
        for i in range(used, len(words)):
            if words[i] == exc.text:
                return i
    return len(words)
