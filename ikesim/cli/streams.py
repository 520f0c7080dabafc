"""A run's consumers fed as the simulation goes, so memory does not grow with simulated time:
the console transcript goes to stdout block by block, the events to the ``--json`` file line by
line (nothing is kept until the end); the captures are written at the end through
:class:`~ikesim.cli.outputs.Outputs`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import IO, Any

from ikesim.cli.common import json_default
from ikesim.cli.outputs import Outputs
from ikesim.export.events_json import event_record


class StdoutClosed(Exception):
    """Standard output went away (``ikesim run … | head``): not an output file's error; the
    command turns it back into BrokenPipeError once the output files are cleaned up."""


def print_block(lines: list[str]) -> None:
    sys.stdout.write("\n".join(lines) + "\n")


def streaming_runtime(scenario: Any, seed: int | None,
                      sink: Callable[[list[str]], None] = print_block,
                      realtime: bool = False) -> Any:
    """A :class:`~ikesim.scenario.runner.Runtime` that keeps neither its events nor its
    transcript: the transcript goes to ``sink`` (by default printed on stdout) as it happens.
    ``realtime``: on simpy's real-time environment (live peers)."""
    from ikesim.export.transcript import Transcript
    from ikesim.net.events import EventLog
    from ikesim.scenario.runner import Runtime

    return Runtime(scenario, seed=seed, events=EventLog(keep=False),
                   transcript=Transcript(sink=sink), realtime=realtime)


class JsonLines:
    """``--json``: every event as one JSON line, written as it is emitted.

    A write error (a full disk) stops the writing and is reported by :meth:`finish` — not
    raised inside the simulation, where it would be taken for a fault of the lab."""

    def __init__(self, outputs: Outputs, option: str, stream: IO[str] | None = None) -> None:
        self.outputs, self.option = outputs, option
        self.handle = stream if stream is not None else (
            outputs.file(option) if option in outputs.planned else None)
        self.streaming = stream is not None      # stdout: its errors end the run at once
        self.error: OSError | None = None

    @classmethod
    def attach(cls, runtime: Any, outputs: Outputs, option: str,
               stream: IO[str] | None = None) -> JsonLines:
        """``stream``: write there (stdout for ``--json -``) instead of the planned file."""
        writer = cls(outputs, option, stream)
        if writer.handle is not None:
            runtime.events.subscribe(writer)
        return writer

    def __call__(self, event: Any) -> None:
        if self.handle is None or self.error is not None:
            return
        try:
            self.handle.write(json.dumps(event_record(event), sort_keys=True,
                                         default=json_default) + "\n")
        except BrokenPipeError:
            if self.streaming:
                raise StdoutClosed from None
            self.error = BrokenPipeError()
        except OSError as exc:
            if self.streaming:
                raise
            self.error = exc

    def finish(self) -> None:
        if self.error is not None:
            raise self.outputs.failed(self.option, self.error)


def write_capture(capture: Any, outputs: Outputs) -> None:
    """``--keys``, ``--esp-keys`` from a finished run's capture (``--pcap`` is the wire
    capture's, :class:`ikesim.export.wire.WireCapture`)."""
    if "--keys" in outputs.planned:
        outputs.file("--keys").write("".join(f"{line}\n" for line in capture.key_table_lines()))
    if "--esp-keys" in outputs.planned:
        outputs.file("--esp-keys").write("".join(f"{line}\n"
                                                 for line in capture.esp_sa_lines()))
    if "--psk-crack" in outputs.planned:
        from ikesim.export.pskcrack import lines

        outputs.file("--psk-crack").write("".join(
            f"{line}\n" for line in lines(d.data for d in capture.datagrams
                                          if d.protocol == 17)))
