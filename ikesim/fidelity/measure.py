"""Running a capture's lab and scoring the device's console against the real lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ikesim.fidelity.captures import CAPTURES, Capture
from ikesim.fidelity.compare import Score, capture_blocks, debug_lines, normalise, score
from ikesim.net.events import SimEvent
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "scenarios" / "fidelity" / "traces"


@dataclass(frozen=True, slots=True)
class Console:
    """What one device's console showed in a run: asynchronous lines and commands."""

    debug: tuple[str, ...]                                   # debug/syslog lines, in order
    commands: tuple[tuple[float, str, tuple[str, ...]], ...]  # (start, command, output)


def run_consoles(scenario: Path) -> dict[str, Console]:
    """Run a scenario and keep every device's console (collected live, event by event)."""
    runtime = Runtime(load_scenario(scenario))
    debug: dict[str, list[str]] = {}
    commands: dict[str, list[tuple[float, str, tuple[str, ...]]]] = {}

    def collect(event: SimEvent) -> None:
        if event.kind != "console":
            return
        fields: dict[str, Any] = event.fields
        if "lines" in fields:
            debug.setdefault(event.device, []).extend(fields["lines"])
        elif "command" in fields:
            commands.setdefault(event.device, []).append(
                (float(fields.get("started", event.time)), fields["command"],
                 tuple(fields.get("output", ()))))

    runtime.events.subscribe(collect)
    runtime.run()
    names = set(debug) | set(commands)
    return {name: Console(tuple(debug.get(name, [])), tuple(commands.get(name, [])))
            for name in names}


def real_lines(capture: Capture, traces: Path = TRACES) -> list[str]:
    """The capture's lines that count, normalised."""
    blocks = capture_blocks(traces / capture.trace)
    lines = blocks[capture.block]
    if capture.kind == "debug":
        lines = debug_lines(lines)
    else:
        lines = _show_body(lines)
    if capture.select:
        lines = [line for line in lines if re.search(capture.select, line)]
    return [text for text in (normalise(line, table=capture.kind == "show",
                                        transcribed=capture.transcribed) for line in lines)
            if text.strip()]


def _show_body(lines: list[str]) -> list[str]:
    """A show command's output: the lines after the command line, up to the next prompt (a
    block without a prompt is all output)."""
    if not any(re.match(r"^\S+#", line) for line in lines):
        return list(lines)
    out: list[str] = []
    started = False
    for line in lines:
        if re.match(r"^\S+# ?\S", line):
            if started:
                break
            started = True
            # a whitespace-collapsed copy put the whole output on the command's line
            rest = re.sub(r"^\S+# ?show crypto isakmp sa ?", "", line)
            if rest and rest != line:
                out.append(rest)
            continue
        if started and not re.match(r"^\S+#$", line):
            out.append(line)
    return out


def our_lines(capture: Capture, consoles: dict[str, Console]) -> list[str]:
    console = consoles.get(capture.device, Console((), ()))
    if capture.kind == "debug":
        lines = debug_lines(list(console.debug))
    else:
        outputs = [out for start, cmd, out in console.commands
                   if cmd == capture.command and abs(start - capture.at) < 1e-6]
        lines = list(outputs[0]) if outputs else []
    return [text for text in (normalise(line, table=capture.kind == "show",
                                        transcribed=capture.transcribed) for line in lines)
            if text.strip()]


@dataclass(frozen=True, slots=True)
class Measured:
    capture: Capture
    score: Score | None          # None when the capture is not covered yet


def measure(captures: tuple[Capture, ...] = CAPTURES, *, root: Path = ROOT,
            traces: Path = TRACES) -> list[Measured]:
    runs: dict[str, dict[str, Console]] = {}
    out: list[Measured] = []
    for capture in captures:
        if capture.covered:
            out.append(Measured(capture, None))
            continue
        if capture.scenario not in runs:
            runs[capture.scenario] = run_consoles(root / capture.scenario)
        real = real_lines(capture, traces)
        ours = our_lines(capture, runs[capture.scenario])
        if capture.collapsed:      # compare word by word: the copy lost the line breaks
            real = [w for line in real for w in line.split()]
            ours = [w for line in ours for w in line.split()]
        out.append(Measured(capture, score(real, ours, truncated=capture.truncated)))
    return out
