"""The terminal front end of ``ikesim lab`` (prompt_toolkit): the device's IOS prompt, history,
Tab completion and ``?`` help from the session's grammar, Ctrl-Z to leave configuration mode,
Ctrl-C to stop a long ``run``, Ctrl-D to leave; the real-time clock ticks in the background
while you type and its output is printed above the prompt.

Without a terminal (input from a pipe or a file) the same session reads one command per line and
echoes each behind its prompt, so a scripted session reads like a console log.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from ikesim.console.grammar import help_lines
from ikesim.console.session import LabSession
from ikesim.scenario.runner import Injection

TICK = 0.05          # seconds between two beats of the real-time clock


@contextmanager
def ctrl_c_stops(session: LabSession) -> Iterator[None]:
    """While simulated time runs synchronously, Ctrl-C asks it to stop between two slices."""
    def handler(_signum: int, _frame: Any) -> None:
        session.interrupted = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:               # not the main thread (embedded use): no Ctrl-C handling
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        session.interrupted = False


def banner(session: LabSession) -> list[str]:
    sc = session.scenario
    return [f"[lab] {sc.name}: {', '.join(sc.devices)}; {session.clock.describe(session.now, sc.duration)}.",
            "[lab] 'help' lists the lab commands (run, step, continue, connect, save); "
            "'?' shows what can come next."]


# -- without a terminal -------------------------------------------------------------------------
def run_plain(session: LabSession, lines: TextIO, write: Callable[[str], None]) -> None:
    for line in banner(session):
        write(line)
    for raw in lines:
        text = raw.rstrip("\r\n")
        write(f"{session.prompt}{text}")
        with ctrl_c_stops(session):
            process = session.handle(text)
            if session.clock.running:        # no real-time clock without a terminal
                session.clock.stop()
                write("[lab] the real-time clock needs a terminal; use run (e.g. run 10s)")
            if process is not None:
                session.run_until_done(process)
        if session.closed:
            return
    session.close()


# -- on a terminal --------------------------------------------------------------------------------
class TerminalOutput:
    """Where the session's lines go on a terminal: straight to stdout while no prompt is shown
    (a command runs, so output streams as simulated time passes), above the prompt while one is
    (the real-time clock ticking as you type)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.prompt_shown = False
        self.pending: list[str] = []

    def write(self, line: str) -> None:
        if self.prompt_shown:
            self.pending.append(line)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def write_pending(self) -> None:
        lines, self.pending = self.pending, []
        self._print(lines)

    async def flush_above_prompt(self) -> None:
        if not self.pending:
            return
        from prompt_toolkit.application import run_in_terminal

        lines, self.pending = self.pending, []
        await run_in_terminal(lambda: self._print(lines))

    def _print(self, lines: list[str]) -> None:
        self.stream.write("".join(line + "\n" for line in lines))
        self.stream.flush()


def run_terminal(session: LabSession, output: TerminalOutput) -> None:
    asyncio.run(_interactive(session, output))


async def _interactive(session: LabSession, output: TerminalOutput) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import InMemoryHistory

    prompt_session: PromptSession[str] = PromptSession(
        history=InMemoryHistory(), completer=_completer(session), complete_while_typing=False,
        key_bindings=_key_bindings(session))
    for line in banner(session):
        output.write(line)
    clock = asyncio.create_task(_clock(session, output))
    try:
        while not session.closed:
            output.prompt_shown = True
            try:
                text = await prompt_session.prompt_async(lambda: session.prompt)
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            finally:
                output.prompt_shown = False
                output.write_pending()
            with ctrl_c_stops(session):
                process = session.handle(text)
            if process is not None:
                await _wait(session, process)
    finally:
        clock.cancel()
        session.close()


async def _clock(session: LabSession, output: TerminalOutput) -> None:
    while True:
        await asyncio.sleep(TICK)
        if session.clock.running:
            with ctrl_c_stops(session):
                session.tick(time.monotonic())
        if output.prompt_shown:
            await output.flush_above_prompt()


async def _wait(session: LabSession, injection: Injection) -> None:
    """A typed command on the running clock: the console is busy until it finishes."""
    while not injection.done:
        if not session.clock.running:        # paused meanwhile (end of the scenario)
            with ctrl_c_stops(session):
                session.run_until_done(injection)
            return
        await asyncio.sleep(TICK)


def _completer(session: LabSession) -> Any:
    from prompt_toolkit.completion import Completer, Completion

    class LabCompleter(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
            try:
                found = session.completion(document.text_before_cursor)
            except Exception:  # noqa: BLE001 - completion must never break the prompt
                return
            for choice in found.matching():
                yield Completion(choice.word + " ", start_position=-len(found.partial),
                                 display=choice.word, display_meta=choice.help)

    return LabCompleter()


def _key_bindings(session: LabSession) -> Any:
    from prompt_toolkit.application import run_in_terminal
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("?")
    def _help(event: Any) -> None:
        buffer = event.app.current_buffer
        try:
            lines = help_lines(session.completion(buffer.document.text_before_cursor,
                                                  for_help=True))
        except Exception:  # noqa: BLE001 - help must never break the prompt
            lines = ["% Unrecognized command"]
        echo = f"{session.prompt}{buffer.text}?"
        run_in_terminal(lambda: print("\n".join([echo, *lines]), file=sys.stdout, flush=True))

    @bindings.add("c-z")
    def _end(event: Any) -> None:
        if session.config is not None:
            event.app.current_buffer.text = "end"
            event.app.current_buffer.validate_and_handle()

    return bindings
