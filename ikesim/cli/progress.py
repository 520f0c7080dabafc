"""What ``ikesim run`` shows while it runs: the transcript streamed to stdout as the simulation
produces it (a 24-hour run prints from its first second, not all at the end) and, on a terminal,
a progress bar on stderr (rich)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

from ikesim.cli.streams import StdoutClosed

# A run shorter than this (wall-clock seconds) never shows a bar in "auto" mode.
AUTO_DELAY = 0.5


class RunProgress:
    def __init__(self, mode: str, duration: float, *, stdout_is_data: bool = False) -> None:
        self.mode = mode
        self.duration = duration
        self.enabled = mode == "always" or (mode == "auto" and sys.stderr.isatty())
        # With stdout and stderr on the same terminal, transcript lines are printed above the
        # bar by rich so the two do not overwrite each other; redirected stdout gets raw bytes.
        self._above_bar = sys.stdout.isatty() and sys.stderr.isatty() and not stdout_is_data
        self._began = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> RunProgress:
        if self.enabled and self.mode == "always":
            self._start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        sys.stdout.flush()

    def stop(self) -> None:
        """Take the bar away (the run is over); nothing more is shown."""
        self.enabled = False
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("simulating"), BarColumn(),
            TextColumn("{task.completed:,.0f} of {task.total:,.0f} s"), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True, redirect_stdout=False,
            redirect_stderr=False)
        self._bar.start()
        self._task = self._bar.add_task("run", total=self.duration)

    def update(self, now: float) -> None:
        """Called by the runner as simulated time passes (about 100 times per run)."""
        if self._bar is None and self.enabled and time.monotonic() - self._began > AUTO_DELAY:
            self._start()
        if self._bar is not None:
            self._bar.update(self._task, completed=now)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            raise StdoutClosed from None

    def print_block(self, lines: list[str]) -> None:
        """The transcript's sink: a block of lines as it is produced."""
        text = "".join(line + "\n" for line in lines)
        try:
            if self._bar is not None and self._above_bar:
                self._bar.console.out(text, end="", highlight=False)
            else:
                sys.stdout.write(text)
        except BrokenPipeError:
            raise StdoutClosed from None
