"""User-facing input errors: every one names the file, the line and the reason."""

from __future__ import annotations


class IkesimError(Exception):
    """Base class of every error ikesim reports to a user (never shown as a traceback)."""


class InputError(IkesimError):
    """Bad input (scenario file, configuration line, exec command) at a known place.

    ``str(err)`` is the one-line message the CLI prints, e.g.
    ``scenarios/lab.yaml:14: RT2 config line 7: % Invalid input detected: 'ip rout 0.0.0.0'``.
    """

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None,
                 text: str | None = None) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.text = text
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        tail = f": {self.text!r}" if self.text is not None else ""
        return f"{where}{self.reason}{tail}"
