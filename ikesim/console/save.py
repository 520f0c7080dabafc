"""A lab console session written back as a scenario: the original file, text and comments kept,
with the commands and configuration changes typed in the console appended to ``events:`` at the
simulated times they happened. ``ikesim run`` on the result replays the session byte for byte
(the runner plays events at one instant in file order, each after the previous has settled,
which is how the console injected them).

The duration stays the scenario's unless the session went past it; then it becomes the first
whole second after the session's last instant, and repeated events (``every:``) that relied on
the old duration for their ``until`` get it written out, so they repeat exactly as they did.
"""

from __future__ import annotations

import json
import math
import os
import re
from decimal import Decimal
from pathlib import Path

from ikesim.console.timectl import seconds_text
from ikesim.errors import InputError
from ikesim.scenario.model import EventSpec, Scenario
from ikesim.scenario.yamlsrc import LocatedDict, LocatedList, load_yaml


def time_value(seconds: float) -> str:
    """A YAML number that reads back as exactly ``seconds``."""
    text = repr(float(seconds))          # the shortest decimal that reads back exactly ...
    if "e" in text:                      # ... written without an exponent (YAML 1.1, 10s, …)
        text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"


def render_event(event: EventSpec, indent: str) -> list[str]:
    """One ``events:`` item in the scenario format (docs/scenario-format.md)."""
    at = time_value(event.at)
    if event.action == "exec":
        return [f"{indent}- {{at: {at}, device: {event.device}, exec: "
                f"{json.dumps(event.command)}}}"]
    if event.action == "configure":
        body = [f"{indent}    {line.rstrip()}" for line in event.lines]
        return [f"{indent}- at: {at}", f"{indent}  device: {event.device}",
                f"{indent}  configure: |"] + body
    raise ValueError(f"the console does not record {event.action} events")


def saved_duration(scenario: Scenario, now: float, events: list[EventSpec]) -> float:
    last = max([now] + [e.at for e in events])
    return scenario.duration if last < scenario.duration else float(math.floor(last) + 1)


def session_text(source: str, scenario: Scenario, events: list[EventSpec], *, now: float,
                 origin: Path, target: Path) -> str:
    """The text of the saved scenario (``source`` is the original file's text)."""
    lines = source.splitlines()
    root = load_yaml(source, str(origin))
    duration = saved_duration(scenario, now, events)
    edits: list[tuple[int, list[str], int]] = []      # (0-based line, new lines, lines replaced)
    raw_events = root.get("events")
    if duration != scenario.duration:
        edits += _pin_repeats(lines, raw_events, scenario.duration)
        edits.append(_set_duration(lines, root, duration))
    edits += _move_config_files(lines, root, origin, target)
    edits.append(_append_events(lines, root, raw_events, events))
    for index, new, replaced in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[index:index + replaced] = new
    header = (f"# Saved by `ikesim lab` from {origin} at {seconds_text(now)} of simulated time: the last "
              f"{len(events)} event(s) below were typed in the console.")
    return "\n".join([header] + lines) + "\n"


def _top_level_lines(root: LocatedDict) -> list[int]:
    return sorted(root.key_lines.values())


def _append_events(lines: list[str], root: LocatedDict, raw: object,
                   events: list[EventSpec]) -> tuple[int, list[str], int]:
    if raw is None:
        return len(lines), ["", "events:"] + [x for e in events for x in render_event(e, "  ")], 0
    if not isinstance(raw, LocatedList) or (raw and raw.item_lines[0] <= root.key_lines["events"]):
        raise InputError("save: this scenario writes its events as a one-line (flow) list; "
                         "write them one per line ('- {at: …}') and open it again")
    items = [x for e in events for x in render_event(e, _indent(lines[raw.item_lines[0] - 1])
                                                   if raw else "  ")]
    if not raw:                                        # `events: []`
        return root.key_lines["events"] - 1, ["events:"] + items, 1
    first = raw.item_lines[0] - 1
    later = [n for n in _top_level_lines(root) if n > root.key_lines["events"]]
    end = (later[0] - 1) if later else len(lines)      # first line after the events block
    while end > first and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1                                       # comments before the next key stay there
    return end, items, 0


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _set_duration(lines: list[str], root: LocatedDict,
                  duration: float) -> tuple[int, list[str], int]:
    value = f"{time_value(duration)}s"
    if "duration" not in root:
        return root.key_lines["name"], [f"duration: {value}"], 0
    index = root.key_lines["duration"] - 1
    new = re.sub(r"^(\s*duration\s*:\s*)([^#]*?)(\s*(#.*)?)$", rf"\g<1>{value}\g<3>",
                 lines[index])
    return index, [new], 1


def _pin_repeats(lines: list[str], raw: object, old_duration: float) -> list[
        tuple[int, list[str], int]]:
    """``until: <old duration>`` on repeated events that ended at the duration."""
    edits: list[tuple[int, list[str], int]] = []
    if not isinstance(raw, LocatedList):
        return edits
    until = f"{time_value(old_duration)}s"
    for item in raw:
        if not isinstance(item, LocatedDict) or "every" not in item or "until" in item:
            continue
        index = item.line - 1
        text = lines[index]
        brace = text.find("{")
        dash = re.match(r"(\s*-\s+)", text)
        if brace >= 0:
            edits.append((index, [f"{text[:brace + 1]}until: {until}, {text[brace + 1:]}"], 1))
        elif dash:
            edits.append((index + 1, [" " * len(dash.group(1)) + f"until: {until}"], 0))
        else:
            raise InputError("save: cannot extend the duration of this scenario (a repeated "
                             f"event on line {item.line} has an unusual layout)")
    return edits


def _move_config_files(lines: list[str], root: LocatedDict, origin: Path,
                       target: Path) -> list[tuple[int, list[str], int]]:
    """Keep ``config_file:`` paths pointing at the same files from the new location."""
    edits: list[tuple[int, list[str], int]] = []
    routers = root.get("routers")
    if origin.resolve().parent == target.resolve().parent or not isinstance(routers, LocatedDict):
        return edits
    for spec in routers.values():
        if isinstance(spec, LocatedDict) and isinstance(spec.get("config_file"), str):
            old = spec["config_file"]
            new = os.path.relpath((origin.parent / old).resolve(), target.resolve().parent)
            index = spec.value_line("config_file") - 1
            edits.append((index, [lines[index].replace(old, new, 1)], 1))
    return edits


def write_session(target: Path, text: str) -> None:
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    except ValueError as exc:        # e.g. a NUL byte in the name
        raise InputError(f"cannot write {target}: {exc}") from None
