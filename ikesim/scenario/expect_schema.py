"""Validation of a scenario's ``expect:`` section: the raw YAML (with line numbers) becomes
:class:`~ikesim.scenario.expect_model.Expectations`; every mistake is an :class:`InputError`
naming the file and line."""

from __future__ import annotations

import ipaddress
import re
import re._parser as _sre  # CPython's regex parser (the `re` module's own, 3.11+)
from collections.abc import Iterable, Mapping
from typing import Any

from ikesim.errors import InputError
from ikesim.ike.sa import STATES
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.scenario.expect_model import (
    DROP_REASONS,
    IKE_EVENTS,
    KINDS,
    OUTCOMES,
    PING_MARKS,
    PROTOCOLS,
    REASONS,
    ROW_KEYS,
    Bounds,
    CountExpect,
    DropExpect,
    Expectation,
    Expectations,
    LogExpect,
    Phase1Expect,
    PingExpect,
    SaExpect,
    Window,
    scalar_text,
)
from ikesim.scenario.values import Ctx, parse_time
from ikesim.scenario.yamlsrc import BlockText, LocatedDict, LocatedList

# -- regular expressions that cannot blow up ------------------------------------------------
MAX_PATTERN = 1000          # characters of a `match:` / `marks_match:` pattern
_OPEN_ENDED = 10            # a repeat allowing more than this many times counts as unbounded


def regex_cost_problem(pattern: str) -> str | None:
    """Why ``pattern`` could take exponential time on a console line, or None.

    Patterns are matched against every line a console prints; an unbounded repetition of
    something that itself repeats without bound (``(a+)+``, ``(\\w+\\s?)*``, ``(.*x){20}``)
    can backtrack exponentially ("ReDoS"), so it is refused where it is written.
    ``(\\d+\\.){3}`` (a bounded outer repeat) is fine."""
    if len(pattern) > MAX_PATTERN:
        return f"the pattern is longer than {MAX_PATTERN} characters"
    try:
        parsed = _sre.parse(pattern)
    except (re.error, RecursionError):        # re.compile accepted it: be lenient
        return None
    if _nested_repeat(list(parsed), inside_unbounded=False):
        return ("a repetition of something that itself repeats, such as (a+)+, can take "
                "exponential time; write it without the nested repeat")
    return None


def _nested_repeat(items: list[Any], inside_unbounded: bool) -> bool:
    for op, arg in items:
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, high, body = arg
            unbounded = high == _sre.MAXREPEAT or high > _OPEN_ENDED
            if inside_unbounded and high == _sre.MAXREPEAT:
                return True
            if _nested_repeat(list(body), inside_unbounded or unbounded):
                return True
        elif op == _sre.SUBPATTERN:
            if _nested_repeat(list(arg[-1]), inside_unbounded):
                return True
        elif op == _sre.BRANCH:
            if any(_nested_repeat(list(b), inside_unbounded) for b in arg[1]):
                return True
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            if _nested_repeat(list(arg[1]), inside_unbounded):
                return True
    return False


# -- validation -------------------------------------------------------------------------------
def validate_expectations(raw: Any, *, file: str,
                          devices: Mapping[str, str] | None = None) -> Expectations:
    """Check the raw ``expect:`` value (LocatedList from the loader) and build the model.

    ``devices`` maps device names to "router" | "host"; when given, names are checked too.
    Raises :class:`InputError` naming the file and line of the mistake.
    """
    ctx = Ctx(file)
    if raw is None:
        return Expectations(file)
    if not isinstance(raw, LocatedList):
        line = getattr(raw, "line", None)
        raise ctx.error("expect must be a list of expectations (e.g. '- phase1: {between: "
                        "[RT1, RT2], outcome: established}')", line)
    items: list[Expectation] = []
    for item, line in zip(raw, raw.item_lines, strict=True):
        if not isinstance(item, LocatedDict) or len(item) != 1:
            raise ctx.error(f"each expectation is one of {', '.join(KINDS)} with its settings "
                            "(e.g. '- log: {device: RT2, match: QM_IDLE}')", line)
        kind, body = next(iter(item.items()))
        if kind not in KINDS:
            raise ctx.error(f"unknown expectation '{kind}' (expected one of: "
                            f"{', '.join(KINDS)})", item.key_line(kind))
        if not isinstance(body, LocatedDict):
            raise ctx.error(f"'{kind}' needs a mapping of settings", item.value_line(kind))
        v = _Validator(ctx, body, kind, devices, line)
        items.append(_BUILDERS[kind](v))
        v.done()
    return Expectations(file, tuple(items))


class _Validator:
    """Reads the settings of one expectation, remembering which keys were used."""

    def __init__(self, ctx: Ctx, body: LocatedDict, kind: str,
                 devices: Mapping[str, str] | None, line: int) -> None:
        self.ctx, self.body, self.kind, self.devices = ctx, body, kind, devices
        self.used: set[str] = set()
        self.line = line            # the expectation's list item ("- sa:")

    def has(self, key: str) -> bool:
        return key in self.body

    def err(self, reason: str, key: str | None = None, text: str | None = None) -> InputError:
        line = self.body.value_line(key) if key is not None else self.line
        return self.ctx.error(f"{self.kind}: {reason}", line, text)

    def raw(self, key: str, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.body:
            if required:
                raise self.err(f"missing '{key}'")
            return None
        value = self.body[key]
        return value.text if isinstance(value, BlockText) else value

    def done(self) -> None:
        for key in self.body:
            if key not in self.used:
                raise self.ctx.error(f"{self.kind}: unknown setting '{key}' (expected one of: "
                                     f"{', '.join(sorted(self.used))})", self.body.key_line(key))

    # typed readers -------------------------------------------------------------------------
    def device(self, key: str = "device", required: bool = True, kind: str | None = None,
               ) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        name = str(value)
        if self.devices is not None:
            if name not in self.devices:
                raise self.err(f"unknown device '{name}' (devices: "
                               f"{', '.join(sorted(self.devices))})", key)
            if kind is not None and self.devices[name] != kind:
                raise self.err(f"'{name}' is a {self.devices[name]}, not a {kind}", key)
        return name

    def time(self, key: str, required: bool = False) -> float | None:
        value = self.raw(key, required)
        if value is None:
            return None
        return parse_time(value, self.ctx, self.body.value_line(key), f"{self.kind} {key}")

    def integer(self, key: str, low: int = 0, high: int | None = None) -> int | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low or \
                (high is not None and value > high):
            span = f"{low}..{high}" if high is not None else f">= {low}"
            raise self.err(f"'{key}' must be an integer {span}", key, str(value))
        return value

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if isinstance(value, LocatedDict | LocatedList):
            raise self.err(f"'{key}' must be text", key)
        return str(value)

    def choice(self, key: str, choices: Iterable[str], required: bool = False) -> str | None:
        value = self.text(key, required)
        if value is not None and value not in choices:
            raise self.err(f"'{key}' must be one of: {', '.join(choices)}", key, value)
        return value

    def regex(self, key: str, required: bool = False) -> str | None:
        value = self.text(key, required)
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise self.err(f"'{key}' is not a valid regular expression ({exc})", key,
                               value) from None
            problem = regex_cost_problem(value)
            if problem is not None:
                raise self.err(f"'{key}': {problem}", key, value)
        return value

    def address(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return str(ipaddress.IPv4Address(value.strip()))
        except ValueError:
            raise self.err(f"'{key}' must be an IPv4 address", key, value) from None

    def boolean(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is not None and not isinstance(value, bool):
            raise self.err(f"'{key}' must be true or false", key, str(value))
        return value

    def window(self) -> Window | None:
        value = self.raw("within")
        if value is None:
            return None
        if not isinstance(value, LocatedList) or len(value) != 2:
            raise self.err("'within' must be [START, END], e.g. within: [60s, 70s]", "within")
        line = self.body.value_line("within")
        start, end = (parse_time(v, self.ctx, line, f"{self.kind} within") for v in value)
        if end < start:
            raise self.err("'within' ends before it starts", "within")
        return Window(start, end)

    def bounds(self, default: Bounds) -> Bounds:
        equals, low, high = self.integer("equals"), self.integer("min"), self.integer("max")
        if equals is not None and (low is not None or high is not None):
            raise self.err("use either 'equals' or 'min'/'max', not both", "equals")
        if low is not None and high is not None and low > high:
            raise self.err(f"'min' ({low}) is greater than 'max' ({high})", "min")
        if equals is None and low is None and high is None:
            return default
        return Bounds(equals, low, high)


AT_LEAST_ONE = Bounds(min=1)


def _phase1(v: _Validator) -> Phase1Expect:
    between = v.raw("between", required=True)
    if not isinstance(between, LocatedList) or len(between) != 2 or between[0] == between[1]:
        raise v.err("'between' must name two routers, e.g. between: [RT1, RT2]", "between")
    names = tuple(str(n) for n in between)
    if v.devices is not None:
        for n in names:
            if v.devices.get(n) != "router":
                raise v.err(f"'{n}' is not a router of this scenario", "between", n)
    outcome = v.choice("outcome", OUTCOMES, required=True)
    reason = v.choice("reason", REASONS)
    if reason is not None and outcome != "failed":
        raise v.err("'reason' goes with 'outcome: failed'", "reason")
    return Phase1Expect(v.line, names, outcome, reason, v.time("by"))  # type: ignore[arg-type]


def _sa(v: _Validator) -> SaExpect:
    device = v.device(kind="router")
    at = v.time("at", required=True)
    if v.has("rows") == v.has("contains"):
        raise v.err("needs exactly one of 'rows' (the exact table, newest first; [] = empty) "
                    "or 'contains' (rows that must be present)")
    key = "rows" if v.has("rows") else "contains"
    raw = v.raw(key)
    if not isinstance(raw, LocatedList):
        raise v.err(f"'{key}' must be a list of rows like {{state: QM_IDLE, conn_id: 1}}", key)
    if key == "contains" and not raw:
        raise v.err("'contains' needs at least one row", key)
    rows = []
    for row, line in zip(raw, raw.item_lines, strict=True):
        rows.append(_sa_row(v, row, line))
    return SaExpect(v.line, device, at, tuple(rows), key == "rows")  # type: ignore[arg-type]


def _sa_row(v: _Validator, row: Any, line: int) -> tuple[tuple[str, Any], ...]:
    if not isinstance(row, LocatedDict) or not row:
        raise v.ctx.error(f"sa: a row is a mapping of {', '.join(ROW_KEYS)}", line)
    out: list[tuple[str, Any]] = []
    for key, value in row.items():
        vline = row.value_line(key)
        if key not in ROW_KEYS:
            raise v.ctx.error(f"sa: unknown row field '{key}' (expected one of: "
                              f"{', '.join(ROW_KEYS)})", row.key_line(key))
        if key in ("dst", "src", "peer"):
            try:
                value = str(ipaddress.IPv4Address(str(value).strip()))
            except ValueError:
                raise v.ctx.error(f"sa: '{key}' must be an IPv4 address", vline,
                                  str(value)) from None
        elif key == "state" and value not in STATES:
            raise v.ctx.error(f"sa: 'state' must be one of: {', '.join(STATES)}", vline,
                              str(value))
        elif key == "conn_id" and (isinstance(value, bool) or not isinstance(value, int)):
            raise v.ctx.error("sa: 'conn_id' must be an integer", vline, str(value))
        elif key == "deleted" and not isinstance(value, bool):
            raise v.ctx.error("sa: 'deleted' must be true or false", vline, str(value))
        elif key == "role" and value not in ("I", "R"):
            raise v.ctx.error("sa: 'role' must be I (initiator) or R (responder)", vline,
                              str(value))
        out.append((key, value))
    return tuple(sorted(out, key=lambda kv: ROW_KEYS.index(kv[0])))


def _log(v: _Validator) -> LogExpect:
    device = v.device()
    match = v.regex("match", required=True)
    window = v.window()
    absent = bool(v.boolean("absent"))
    bounds = v.bounds(AT_LEAST_ONE)
    if absent and bounds != AT_LEAST_ONE:
        raise v.err("'absent: true' already means 'equals: 0'", "absent")
    if absent:
        bounds = Bounds(equals=0)
    return LogExpect(v.line, device, match, bounds, window, absent)  # type: ignore[arg-type]


def _count(v: _Validator) -> CountExpect:
    device = v.device(required=False, kind="router")
    event = v.text("event", required=True)
    if event not in IKE_EVENTS:
        import difflib  # only to suggest a name for a misspelt one

        close = difflib.get_close_matches(str(event), IKE_EVENTS, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else \
            "the kinds are listed in ikesim/ike/events.py"
        raise v.err(f"unknown IKE event '{event}' ({hint})", "event")
    where_raw = v.raw("where")
    where: list[tuple[str, str]] = []
    if where_raw is not None:
        if not isinstance(where_raw, LocatedDict) or not where_raw:
            raise v.err("'where' must map event fields to values, e.g. where: {reason: "
                        "death by retransmission P1}", "where")
        for key, value in where_raw.items():
            if isinstance(value, LocatedDict | LocatedList):
                raise v.ctx.error(f"count: 'where' value of '{key}' must be a single value",
                                  where_raw.value_line(key))
            where.append((str(key), scalar_text(value)))
    return CountExpect(v.line, device, event, v.bounds(AT_LEAST_ONE),  # type: ignore[arg-type]
                       tuple(where), v.window())


def _ping(v: _Validator) -> PingExpect:
    device = v.device()
    to, at = v.address("to"), v.time("at")
    success, of, rate = v.integer("success"), v.integer("of", low=1), v.integer("rate", 0, 100)
    marks, marks_match = v.text("marks"), v.regex("marks_match")
    if marks is not None and not PING_MARKS.match(marks):
        raise v.err("'marks' is a string of ping marks such as '.!!!!' (use marks_match for "
                    "a regular expression)", "marks", marks)
    if success is None and rate is None and marks is None and marks_match is None:
        raise v.err("say what to check: success (with of), rate, marks or marks_match")
    if success is not None and of is not None and success > of:
        raise v.err(f"'success' ({success}) is greater than 'of' ({of})", "success")
    return PingExpect(v.line, device, to, at, success, of, rate,  # type: ignore[arg-type]
                      marks, marks_match)


def _drop(v: _Validator) -> DropExpect:
    device = v.device(required=False)
    reason = v.choice("reason", DROP_REASONS)
    iface = v.text("interface")
    if iface is not None:
        try:
            iface = canonical_interface_name(iface)
        except ValueError:
            raise v.err("'interface' is not an interface name", "interface", iface) from None
    proto_raw = v.raw("protocol")
    protocol = None
    if proto_raw is not None:
        if isinstance(proto_raw, int) and not isinstance(proto_raw, bool) and \
                0 <= proto_raw <= 255:
            protocol = proto_raw
        elif str(proto_raw).lower() in PROTOCOLS:
            protocol = PROTOCOLS[str(proto_raw).lower()]
        else:
            raise v.err(f"'protocol' must be {'/'.join(PROTOCOLS)} or a number 0..255",
                        "protocol", str(proto_raw))
    return DropExpect(v.line, device, v.bounds(AT_LEAST_ONE), reason,  # type: ignore[arg-type]
                      iface, protocol, v.address("src"), v.address("dst"), v.window())


_BUILDERS = {"phase1": _phase1, "sa": _sa, "log": _log, "count": _count, "ping": _ping,
             "drop": _drop}
