"""Sweep parameters: ``NAME=SPEC`` on the command line, the grid they span, and how each one
changes a scenario.

SPEC is a range ``LOW..HIGH:STEP`` (both ends included, decimal arithmetic so 0.05 steps stay
0.05, 0.1, 0.15 …), a comma list ``ios12,ios15`` or a single value. Names:

- ``link.loss`` / ``link.delay`` — every link; ``link.NAME.loss`` / ``link.NAME.delay`` — one
  link (its ``name:`` in the scenario, or ``DEV:IFACE--DEV:IFACE``). Delays in seconds.
- ``platform`` — every router; ``platform.DEVICE`` — one router (``ios12`` | ``ios15``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ikesim.errors import InputError
from ikesim.ike.profiles import PROFILES
from ikesim.scenario.model import Scenario

MAX_VALUES = 10_000          # per parameter: a typo such as 0..1:0.00001 is refused early


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    values: tuple[Any, ...]


def _number(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(f"--param {name}: {text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise InputError(f"--param {name}: {text.strip()!r} is not a finite number")
    return value


def _range(name: str, spec: str) -> tuple[float, ...]:
    bounds, _, step_text = spec.partition(":")
    low_text, _, high_text = bounds.partition("..")
    low, high = _number(low_text, name), _number(high_text, name)
    step = _number(step_text, name) if step_text else Decimal(1)
    if step <= 0:
        raise InputError(f"--param {name}: the step must be positive, not {step}")
    if high < low:
        raise InputError(f"--param {name}: the range {low}..{high} is empty")
    count = int((high - low) / step) + 1
    if count > MAX_VALUES:
        raise InputError(f"--param {name}: {count} values (at most {MAX_VALUES})")
    return tuple(float(low + i * step) for i in range(count))


def _scalar(text: str) -> Any:
    try:
        return float(Decimal(text)) if any(c in text for c in ".eE") else int(text)
    except (InvalidOperation, ValueError):
        return text


def parse_param(text: str) -> Param:
    """``link.loss=0..0.5:0.05`` → Param("link.loss", (0.0, 0.05, …, 0.5))."""
    name, eq, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not eq or not name or not spec:
        raise InputError(f"--param {text!r}: expected NAME=VALUES (e.g. link.loss=0..0.5:0.05)")
    _check_name(name)
    if ".." in spec:
        values: tuple[Any, ...] = _range(name, spec)
    else:
        values = tuple(_scalar(v.strip()) for v in spec.split(",") if v.strip())
        if not values:
            raise InputError(f"--param {name}: no values")
    for value in values:
        _check_value(name, value)
    return Param(name, values)


def _check_name(name: str) -> None:
    parts = name.split(".")
    if parts[0] == "platform" and len(parts) in (1, 2):
        return
    if parts[0] == "link" and len(parts) >= 2 and parts[-1] in ("loss", "delay"):
        return
    raise InputError(f"--param {name}: unknown parameter (link.loss, link.delay, "
                     "link.NAME.loss, link.NAME.delay, platform, platform.DEVICE)")


def _check_value(name: str, value: Any) -> None:
    attribute = name.split(".")[-1]
    if name.startswith("platform"):
        if value not in PROFILES:
            raise InputError(f"--param {name}: unknown platform {value!r} "
                             f"(one of {', '.join(sorted(PROFILES))})")
    elif not isinstance(value, int | float):
        raise InputError(f"--param {name}: {value!r} is not a number")
    elif attribute == "loss" and not 0 <= value <= 1:
        raise InputError(f"--param {name}: loss {value} is outside 0..1")
    elif attribute == "delay" and value < 0:
        raise InputError(f"--param {name}: a delay cannot be negative ({value})")


def grid(params: list[Param]) -> list[dict[str, Any]]:
    """Every combination of the parameters' values, in a stable order (first parameter
    slowest); one empty combination when there are no parameters."""
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise InputError("--param: a parameter is given twice")
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(p.values for p in params))]


def apply(scenario: Scenario, values: dict[str, Any]) -> None:
    """Change ``scenario`` in place (give it a copy) to the parameter values."""
    for name, value in values.items():
        parts = name.split(".")
        if parts[0] == "platform":
            targets = [d for d in scenario.routers if len(parts) == 1 or d.name == parts[1]]
            if not targets:
                raise InputError(f"--param {name}: no router {parts[1]!r} in the scenario")
            for device in targets:
                device.platform = value
            continue
        link_name = ".".join(parts[1:-1])
        links = [link for link in scenario.links if not link_name or link.name == link_name]
        if not links:
            raise InputError(f"--param {name}: no link {link_name!r} in the scenario")
        for link in links:
            setattr(link, parts[-1], float(value))
