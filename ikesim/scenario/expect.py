"""Expectations of a scenario (its ``expect:`` section): validated when the file is loaded, checked
during the run (SA table snapshots) and after it (outcomes, logs, counts, pings, drops).

The format is documented in docs/expectations.md. Use::

    exp = validate_expectations(raw, file="lab.yaml", devices={"RT1": "router", ...})
    rt = Runtime(scenario); prepare(exp, rt); result = rt.run()
    failures = evaluate(exp, result, rt)       # [] when every expectation holds

Every :class:`Failure` renders like a test-failure diff: where (file:line of the expectation,
device, simulated time), what was expected and what happened.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ikesim.errors import InputError
from ikesim.export.events_json import comparable
from ikesim.ike.events import EVENT_KINDS
from ikesim.ike.sa import STATES
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.scenario.yamlsrc import BlockText, LocatedDict, LocatedList

KINDS = ("phase1", "sa", "log", "count", "ping", "drop")
OUTCOMES = ("established", "failed")
# Root causes of a failed phase 1, most specific first (derived from the IKE events, see
# ikesim/ike/events.py): the first one found on either router is "the" reason.
REASONS = ("no-psk", "no-proposal-chosen", "auth-failed", "bad-message",
           "death-by-retransmission", "not-attempted", "incomplete")


IKE_EVENTS = EVENT_KINDS   # the engine's documented catalogue (ikesim/ike/events.py)
# Drop reasons emitted by ikesim.net.device, ikesim.net.link and ikesim.ios.crypto.
DROP_REASONS = ("link-down", "interface-down", "acl-in", "acl-out", "not-for-us", "ttl",
                "no-route", "port-unreachable", "protocol-unreachable", "arp", "loss",
                "crypto-no-ipsec-sa",
                # ESP the receiving router drops (ikesim/ios/crypto.py: "esp-" + EspError reason)
                "esp-invalid-spi", "esp-short", "esp-replay", "esp-icv", "esp-padding",
                "esp-next_header", "esp-inner-malformed")
PROTOCOLS = {"icmp": 1, "tcp": 6, "udp": 17, "esp": 50, "ahp": 51}
ROW_KEYS = ("dst", "src", "state", "conn_id", "deleted", "role", "peer")
PING_MARKS = re.compile(r"^[!.UQMA?&]+$")
_SUCCESS = re.compile(r"^Success rate is (\d+) percent \((\d+)/(\d+)\)")
_SENDING = re.compile(r"^Sending (\d+), \d+-byte ICMP Echos to (\S+),")


# -- the model --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Bounds:
    """How many: ``equals`` or ``min``/``max`` (inclusive)."""

    equals: int | None = None
    min: int | None = None
    max: int | None = None

    def ok(self, n: int) -> bool:
        if self.equals is not None:
            return n == self.equals
        return (self.min is None or n >= self.min) and (self.max is None or n <= self.max)

    def describe(self) -> str:
        if self.equals is not None:
            return f"exactly {self.equals}"
        if self.min is not None and self.max is not None:
            return f"between {self.min} and {self.max}"
        return f"at least {self.min}" if self.min is not None else f"at most {self.max}"


@dataclass(frozen=True, slots=True)
class Window:
    start: float
    end: float

    def __contains__(self, t: float) -> bool:
        return self.start - 1e-9 <= t <= self.end + 1e-9

    def describe(self) -> str:
        return f"within [{fmt_time(self.start)}, {fmt_time(self.end)}]"


@dataclass(frozen=True, slots=True)
class Phase1Expect:
    line: int
    between: tuple[str, str]
    outcome: str
    reason: str | None = None
    by: float | None = None
    kind: str = "phase1"


@dataclass(frozen=True, slots=True)
class SaExpect:
    line: int
    device: str
    at: float
    rows: tuple[tuple[tuple[str, Any], ...], ...]   # each row: (field, value) pairs
    exact: bool                                     # rows (exact table) or contains (subset)
    kind: str = "sa"


@dataclass(frozen=True, slots=True)
class LogExpect:
    line: int
    device: str
    match: str
    bounds: Bounds
    window: Window | None = None
    absent: bool = False
    kind: str = "log"


@dataclass(frozen=True, slots=True)
class CountExpect:
    line: int
    device: str | None
    event: str
    bounds: Bounds
    where: tuple[tuple[str, str], ...] = ()
    window: Window | None = None
    kind: str = "count"


@dataclass(frozen=True, slots=True)
class PingExpect:
    line: int
    device: str
    to: str | None = None
    at: float | None = None
    success: int | None = None
    of: int | None = None
    rate: int | None = None
    marks: str | None = None
    marks_match: str | None = None
    kind: str = "ping"


@dataclass(frozen=True, slots=True)
class DropExpect:
    line: int
    device: str | None
    bounds: Bounds
    reason: str | None = None
    interface: str | None = None
    protocol: int | None = None
    src: str | None = None
    dst: str | None = None
    window: Window | None = None
    kind: str = "drop"


Expectation = Phase1Expect | SaExpect | LogExpect | CountExpect | PingExpect | DropExpect


@dataclass(frozen=True, slots=True)
class Expectations:
    file: str
    items: tuple[Expectation, ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)


@dataclass(frozen=True, slots=True)
class Failure:
    """One expectation that did not hold: where, what was expected, what happened."""

    file: str
    line: int
    kind: str
    title: str                         # e.g. "sa RT2 at 10s (exact table)"
    expected: tuple[str, ...]
    actual: tuple[str, ...]
    device: str | None = None
    time: float | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def headline(self) -> str:
        """One line: place, expectation and the first line of what happened."""
        first = self.actual[0].strip() if self.actual else ""
        return f"{self.where}: {self.title}: {first}"

    def render(self) -> str:
        at = []
        if self.device:
            at.append(f"device {self.device}")
        if self.time is not None:
            at.append(f"t={fmt_time(self.time)}")
        head = f"{self.where}: expectation failed: {self.title}"
        if at:
            head += f" ({', '.join(at)})"
        out = [head, "  expected:"]
        out += [f"    {s}" for s in self.expected]
        out.append("  actual:")
        out += [f"    {s}" for s in self.actual]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


def fmt_time(t: float) -> str:
    text = f"{t:.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


# -- validation -------------------------------------------------------------------------------
class _Ctx:
    """Error factory bound to the scenario file (duck-types the loader's context)."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, reason: str, line: int | None, text: str | None = None) -> InputError:
        return InputError(reason, file=self.file, line=line, text=text)


def validate_expectations(raw: Any, *, file: str,
                          devices: Mapping[str, str] | None = None) -> Expectations:
    """Check the raw ``expect:`` value (LocatedList from the loader) and build the model.

    ``devices`` maps device names to "router" | "host"; when given, names are checked too.
    Raises :class:`InputError` naming the file and line of the mistake.
    """
    ctx = _Ctx(file)
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

    def __init__(self, ctx: _Ctx, body: LocatedDict, kind: str,
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
        from ikesim.scenario.loader import parse_time  # lazy: the loader imports this module

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
        from ikesim.scenario.loader import parse_time

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
            where.append((str(key), _scalar(value)))
    return CountExpect(v.line, device, event, v.bounds(AT_LEAST_ONE),  # type: ignore[arg-type]
                       tuple(where), v.window())


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


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


# -- during the run: SA table snapshots -----------------------------------------------------
@dataclass(slots=True)
class _Snapshot:
    time: float
    rows: list[dict[str, Any]] | None     # None: the device has no ISAKMP engine


_SNAPSHOTS: weakref.WeakKeyDictionary[Any, dict[int, _Snapshot]] = weakref.WeakKeyDictionary()
_AFTER_EVERYTHING = 2   # simpy priority below NORMAL (1): runs after all else at the same time


def prepare(expectations: Expectations, runtime: Any) -> None:
    """Schedule the in-run checks (SA table snapshots) on ``runtime`` before ``runtime.run()``.

    A snapshot at time T is taken after everything else that happens at T (a simpy event of
    lower priority), so ``at: 10s`` sees the table as ``show crypto isakmp sa`` would at 10 s.
    """
    snaps: dict[int, _Snapshot] = {}
    _SNAPSHOTS[runtime] = snaps
    env = runtime.lab.env
    for index, item in enumerate(expectations.items):
        if not isinstance(item, SaExpect):
            continue
        event = env.event()
        event.callbacks.append(lambda _ev, i=index, it=item: snaps.__setitem__(
            i, _Snapshot(env.now, _sa_table(runtime, it.device))))
        # An already-triggered event queued by hand: Event.succeed() would use NORMAL priority.
        event._ok, event._value = True, None
        env.schedule(event, priority=_AFTER_EVERYTHING, delay=max(0.0, item.at - env.now))


def _sa_table(runtime: Any, device: str) -> list[dict[str, Any]] | None:
    dev = runtime.devices.get(device)
    crypto = getattr(dev, "crypto", None)
    if crypto is None:
        return None
    return [{"dst": _ip(r.dst), "src": _ip(r.src), "state": r.state, "conn_id": r.conn_id,
             "deleted": r.deleted, "role": r.role, "peer": _ip(r.peer)}
            for r in crypto.engine.sa_rows()]


def _ip(value: int | str) -> str:
    return str(ipaddress.IPv4Address(value)) if isinstance(value, int) else str(value)


# -- after the run ---------------------------------------------------------------------------
def evaluate(expectations: Expectations, run_result: Any, runtime: Any) -> list[Failure]:
    """Check every expectation against the finished run; the failures in file order."""
    snaps = _SNAPSHOTS.get(runtime, {})
    ctx = _Eval(expectations.file, run_result, runtime)
    failures: list[Failure] = []
    for index, item in enumerate(expectations.items):
        if isinstance(item, SaExpect):
            failure = ctx.sa(item, snaps.get(index))
        else:
            failure = getattr(ctx, item.kind)(item)
        if failure is not None:
            failures.append(failure)
    return failures


class _Eval:
    def __init__(self, file: str, result: Any, runtime: Any) -> None:
        self.file, self.result, self.runtime = file, result, runtime
        self.events = result.events.events
        self.end = float(result.end_time)

    def fail(self, item: Expectation, title: str, expected: Iterable[str],
             actual: Iterable[str], device: str | None = None,
             time: float | None = None) -> Failure:
        return Failure(self.file, item.line, item.kind, title, tuple(expected), tuple(actual),
                       device, time)

    # phase 1 outcome ------------------------------------------------------------------------
    def addresses(self, device: str) -> set[str]:
        out: set[str] = set()
        spec = self.result.scenario.devices.get(device)
        dev = self.runtime.devices.get(device)
        for config in (getattr(spec, "config", None), getattr(dev, "config", None)):
            for iface in getattr(config, "interfaces", {}).values():
                if iface.address is not None:
                    out.add(str(iface.address.ip))
        return out

    def ike(self, device: str, peer_of: str, until: float | None) -> list[Any]:
        peers = self.addresses(peer_of)
        return [e for e in self.events
                if e.kind == "ike" and e.device == device
                and (until is None or e.time <= until + 1e-9)
                and ("peer" not in e.fields or str(e.fields["peer"]) in peers)]

    def phase1(self, item: Phase1Expect) -> Failure | None:
        a, b = item.between
        missing = [n for n in (a, b) if n not in self.runtime.devices]
        title = f"phase1 between {a} and {b}: {item.outcome}" + \
            (f" ({item.reason})" if item.reason else "") + \
            (f" by {fmt_time(item.by)}" if item.by is not None else "")
        if missing:
            return self.fail(item, title, [title], [f"no device named {missing[0]}"])
        sides = {a: self.ike(a, b, item.by), b: self.ike(b, a, item.by)}
        done = {n: next((e for e in evs if e.fields.get("event") == "phase1_complete"), None)
                for n, evs in sides.items()}
        reason, evidence = _failure_reason(sides)
        outcome = "established" if all(done.values()) else "failed"
        if outcome == item.outcome and (item.reason is None or outcome == "established"
                                        or reason == item.reason):
            return None
        actual = [f"outcome: {outcome}" + (f" ({reason})" if outcome == "failed" else "")]
        for name, ev in done.items():
            other = b if name == a else a
            if ev is not None:
                actual.append(f"{name}: phase 1 with {other} complete at {fmt_time(ev.time)} "
                              f"(role {ev.fields.get('role')}, conn-id {ev.fields.get('conn_id')})")
            else:
                last = _last_state(sides[name])
                actual.append(f"{name}: no completed phase 1 with {other}" +
                              (f" (last state {last})" if last else " (no SA at all)"))
        actual += evidence
        time = done[a].time if done[a] else None
        return self.fail(item, title, [title.removeprefix("phase1 ")], actual, time=time)

    # SA tables ---------------------------------------------------------------------------------
    def sa(self, item: SaExpect, snap: _Snapshot | None) -> Failure | None:
        mode = "exact table" if item.exact else "contains"
        title = f"sa {item.device} at {fmt_time(item.at)} ({mode})"
        expected = [_ROW_HEAD] + [_row_text(dict(r)) for r in item.rows]
        if item.exact and not item.rows:
            expected = ["(empty table)"]
        if snap is None and abs(item.at - self.end) < 1e-9:
            # simpy stops before the events at the end time: the table at the end is this one
            snap = _Snapshot(self.end, _sa_table(self.runtime, item.device))
        if snap is None:
            why = (f"the run ended at {fmt_time(self.end)}, before the snapshot time"
                   if item.at > self.end else "no snapshot was taken (prepare() not called)")
            return self.fail(item, title, expected, [why], item.device)
        if snap.rows is None:
            return self.fail(item, title, expected, [f"{item.device} has no ISAKMP service"],
                             item.device, snap.time)
        problem = _compare_rows(item, snap.rows)
        if problem is None:
            return None
        actual = [problem, f"table of {item.device} at {fmt_time(snap.time)}:", _ROW_HEAD]
        actual += [_row_text(r) for r in snap.rows] or ["(empty table)"]
        return self.fail(item, title, expected, actual, item.device, snap.time)

    # console lines -------------------------------------------------------------------------
    def console(self, device: str) -> list[tuple[float, str]]:
        out: list[tuple[float, str]] = []
        for e in self.events:
            if e.kind != "console" or e.device != device:
                continue
            if "command" in e.fields:
                out.append((e.time, f"{device}#{e.fields['command']}"))
                out += [(e.time, s) for s in e.fields.get("output", [])]
            else:
                out += [(e.time, s) for s in e.fields.get("lines", [])]
        return out

    def log(self, item: LogExpect) -> Failure | None:
        pattern = re.compile(item.match)
        lines = self.console(item.device)
        hits = [(t, s) for t, s in lines if pattern.search(s)]
        inside = [(t, s) for t, s in hits if item.window is None or t in item.window]
        if item.bounds.ok(len(inside)):
            return None
        where = f" {item.window.describe()}" if item.window else ""
        want = "no line" if item.absent else f"{item.bounds.describe()} line(s)"
        title = f"log {item.device} /{item.match}/" + (" absent" if item.absent else "")
        expected = [f"{want} matching /{item.match}/ on {item.device}'s console{where}"]
        actual = [f"{len(inside)} matching line(s){where}"]
        actual += [f"{fmt_time(t)} {s}" for t, s in inside[:5]]
        if len(inside) > 5:
            actual.append(f"... {len(inside) - 5} more")
        outside = [h for h in hits if h not in inside]
        if outside:
            actual.append(f"{len(outside)} matching line(s) outside the window, first at "
                          f"{fmt_time(outside[0][0])}: {outside[0][1]}")
        elif not hits:
            seen = [(t, s) for t, s in lines if item.window is None or t in item.window]
            actual.append(f"{item.device} printed {len(seen)} line(s){where}" +
                          (", the first ones:" if seen else ""))
            actual += [f"{fmt_time(t)} {s}" for t, s in seen[:5]]
        time = inside[0][0] if inside else None
        return self.fail(item, title, expected, actual, item.device, time)

    # counts ----------------------------------------------------------------------------------
    def count(self, item: CountExpect) -> Failure | None:
        hits = [e for e in self.events
                if e.kind == "ike" and e.fields.get("event") == item.event
                and (item.device is None or e.device == item.device)
                and (item.window is None or e.time in item.window)
                and all(comparable(k, e.fields.get(k)) == comparable(k, v)
                        for k, v in item.where)]
        if item.bounds.ok(len(hits)):
            return None
        who = item.device or "all routers"
        cond = "".join(f", {k}={v!r}" for k, v in item.where)
        where = f" {item.window.describe()}" if item.window else ""
        title = f"count {item.event} on {who}"
        actual = [f"{len(hits)} '{item.event}' event(s){cond}{where}"]
        actual += [f"{fmt_time(e.time)} {e.device} conn-id {e.fields.get('conn_id')} "
                   f"{_fields_text(e.fields)}" for e in hits[:5]]
        if len(hits) > 5:
            actual.append(f"... {len(hits) - 5} more")
        return self.fail(item, title, [f"{item.bounds.describe()} '{item.event}' event(s)"
                                       f" on {who}{cond}{where}"], actual, item.device)

    # drops -------------------------------------------------------------------------------------
    def drop(self, item: DropExpect) -> Failure | None:
        drops = [e for e in self.events if e.kind == "drop"
                 and (item.device is None or e.device == item.device)
                 and (item.window is None or e.time in item.window)]
        hits = [e for e in drops
                if (item.reason is None or e.fields.get("reason") == item.reason)
                and (item.interface is None or e.fields.get("interface") == item.interface)
                and (item.protocol is None or e.fields.get("protocol") == item.protocol)
                and (item.src is None or e.fields.get("src") == item.src)
                and (item.dst is None or e.fields.get("dst") == item.dst)]
        if item.bounds.ok(len(hits)):
            return None
        proto = {n: p for p, n in PROTOCOLS.items()}.get(item.protocol, item.protocol)
        what = ", ".join(f"{k} {v}" for k, v in (
            ("reason", item.reason), ("interface", item.interface), ("protocol", proto),
            ("src", item.src), ("dst", item.dst)) if v is not None) or "any"
        who = item.device or "any device"
        where = f" {item.window.describe()}" if item.window else ""
        actual = [f"{len(hits)} matching drop(s) on {who}{where}"]
        actual += [_drop_text(e) for e in hits[:5]]
        if len(hits) > 5:
            actual.append(f"... {len(hits) - 5} more")
        by_reason = Counter((e.device, e.fields.get("reason")) for e in drops)
        if by_reason:
            actual.append("all drops there: " + ", ".join(
                f"{d} {r} x{n}" for (d, r), n in sorted(by_reason.items(), key=str)))
        return self.fail(item, f"drop on {who} ({what})",
                         [f"{item.bounds.describe()} drop(s) on {who}: {what}{where}"], actual,
                         item.device, hits[0].time if hits else None)

    # pings ---------------------------------------------------------------------------------
    def ping(self, item: PingExpect) -> Failure | None:
        pings = [p for p in _pings(self.events, item.device)
                 if (item.to is None or p.target == item.to)
                 and (item.at is None or abs(p.started - item.at) < 1e-6)]
        title = f"ping from {item.device}" + (f" to {item.to}" if item.to else "") + \
            (f" started at {fmt_time(item.at)}" if item.at is not None else "")
        expected = [_ping_want(item)]
        if not pings:
            return self.fail(item, title, expected, ["no such ping in the run"], item.device)
        for p in pings:
            problem = _ping_problem(item, p)
            if problem:
                actual = [problem, f"ping started at {fmt_time(p.started)}:"] + p.lines
                return self.fail(item, title, expected, actual, item.device, p.started)
        return None


_ROW_HEAD = f"{'dst':<15} {'src':<15} {'state':<15} {'conn-id':>7} {'deleted':<7} {'role':<4} peer"


def _row_text(row: Mapping[str, Any]) -> str:
    def get(key: str) -> str:
        if key not in row:
            return "*"
        value = row[key]
        return ("yes" if value else "no") if key == "deleted" else str(value)
    return (f"{get('dst'):<15} {get('src'):<15} {get('state'):<15} {get('conn_id'):>7} "
            f"{get('deleted'):<7} {get('role'):<4} {get('peer')}")


def _row_matches(want: tuple[tuple[str, Any], ...], row: Mapping[str, Any]) -> str | None:
    for key, value in want:
        if row.get(key) != value:
            return f"{key}: expected {value}, got {row.get(key)}"
    return None


def _compare_rows(item: SaExpect, rows: list[dict[str, Any]]) -> str | None:
    if item.exact:
        for i, (want, row) in enumerate(zip(item.rows, rows, strict=False), start=1):
            if (diff := _row_matches(want, row)) is not None:
                return f"row {i} differs: {diff}"
        if len(rows) != len(item.rows):
            return f"expected {len(item.rows)} row(s), the table has {len(rows)}"
        return None
    free = list(rows)
    for i, want in enumerate(item.rows, start=1):
        found = next((r for r in free if _row_matches(want, r) is None), None)
        if found is None:
            return f"no row matches expected row {i}: {_row_text(dict(want)).strip()}"
        free.remove(found)
    return None


def _failure_reason(sides: Mapping[str, list[Any]]) -> tuple[str, list[str]]:
    """The root cause of a failed phase 1 (see REASONS) and the events that show it."""
    tests = (
        ("no-psk", lambda e: e.fields.get("event") == "no_psk"),
        ("no-proposal-chosen", lambda e: e.fields.get("event") == "policy_not_acceptable"
         or (e.fields.get("event") in ("notify_tx", "notify_rx")
             and e.fields.get("notify_type") == "NO_PROPOSAL_CHOSEN")),
        ("auth-failed", lambda e: e.fields.get("event") == "auth_failed"),
        ("bad-message", lambda e: e.fields.get("event") in ("bad_message", "malformed")),
        ("death-by-retransmission", lambda e: e.fields.get("event") == "delete"
         and "retransmission" in str(e.fields.get("reason", ""))),
    )
    for reason, test in tests:
        found = [(n, e) for n, evs in sides.items() for e in evs if test(e)]
        if found:
            found.sort(key=lambda ne: (ne[1].time, ne[1].seq))
            return reason, [f"evidence: {fmt_time(e.time)} {n} {e.fields.get('event')} "
                            f"{_fields_text(e.fields)}".rstrip() for n, e in found[:3]]
    if not any(e.fields.get("event") == "sa_created" for evs in sides.values() for e in evs):
        return "not-attempted", ["evidence: no ISAKMP SA was created on either router"]
    return "incomplete", ["evidence: main mode was still in progress or was cleared"]


def _drop_text(e: Any) -> str:
    f = e.fields
    names = {n: p for p, n in PROTOCOLS.items()}
    what = f.get("summary") or (f"{names.get(f.get('protocol'), f.get('protocol'))!s}".upper()
                                + f" {f.get('src')} > {f.get('dst')}")
    where = f" on {f['interface']}" if f.get("interface") else ""
    return f"{fmt_time(e.time)} {e.device} {f.get('reason')}{where}: {what}"


def _last_state(events: list[Any]) -> str | None:
    for e in reversed(events):
        if "state" in e.fields and e.fields.get("event") in ("tx", "rx", "delete",
                                                               "retransmit"):
            return str(e.fields["state"])
    return None


def _fields_text(fields: Mapping[str, Any]) -> str:
    skip = {"event", "conn_id", "sa", "icookie", "rcookie"}
    return " ".join(f"{k}={v}" for k, v in fields.items()
                    if k not in skip and not isinstance(v, bytes | list | dict))


@dataclass(slots=True)
class _Ping:
    started: float
    target: str
    sent: int
    received: int
    percent: int
    marks: str
    lines: list[str] = field(default_factory=list)


def _pings(events: Iterable[Any], device: str) -> list[_Ping]:
    """Ping results from the console output of ``device`` (IOS's own summary lines)."""
    out = []
    for e in events:
        if e.kind != "console" or e.device != device or "output" not in e.fields:
            continue
        lines = list(e.fields["output"])
        summary = next((m for s in lines if (m := _SUCCESS.match(s))), None)
        sending = next((m for s in lines if (m := _SENDING.match(s))), None)
        if summary is None or sending is None:
            continue
        marks = "".join(s for s in lines if PING_MARKS.match(s))
        out.append(_Ping(float(e.fields.get("started", e.time)), sending.group(2),
                         int(summary.group(3)), int(summary.group(2)), int(summary.group(1)),
                         marks, [f"{device}#{e.fields.get('command', 'ping')}"] + lines))
    return out


def _ping_want(item: PingExpect) -> str:
    parts = []
    if item.success is not None:
        parts.append(f"{item.success} replies" + (f" of {item.of}" if item.of else ""))
    elif item.of is not None:
        parts.append(f"{item.of} echoes sent")
    if item.rate is not None:
        parts.append(f"success rate {item.rate} percent")
    if item.marks is not None:
        parts.append(f"marks {item.marks}")
    if item.marks_match is not None:
        parts.append(f"marks matching /{item.marks_match}/")
    return ", ".join(parts)


def _ping_problem(item: PingExpect, p: _Ping) -> str | None:
    if item.of is not None and p.sent != item.of:
        return f"{p.sent} echoes sent, not {item.of}"
    if item.success is not None and p.received != item.success:
        return f"{p.received} replies of {p.sent}, not {item.success}"
    if item.rate is not None and p.percent != item.rate:
        return f"success rate {p.percent} percent, not {item.rate}"
    if item.marks is not None and p.marks != item.marks:
        return f"marks {p.marks}, not {item.marks}"
    if item.marks_match is not None and not re.fullmatch(item.marks_match, p.marks):
        return f"marks {p.marks} do not match /{item.marks_match}/"
    return None


# -- convenience -----------------------------------------------------------------------------
def expectations_of(scenario: Any) -> Expectations:
    """The scenario's validated expectations (validating the raw section if needed)."""
    if isinstance(scenario.expect, Expectations):
        return scenario.expect
    devices = {name: spec.kind for name, spec in scenario.devices.items()}
    return validate_expectations(scenario.expect, file=scenario.file, devices=devices)


def check_scenario(scenario: Any, expectations: Expectations | None = None,
                   ) -> tuple[Any, list[Failure]]:
    """Run ``scenario`` with its expectations; (RunResult, failures)."""
    from ikesim.scenario.runner import Runtime

    exp = expectations if expectations is not None else expectations_of(scenario)
    runtime = Runtime(scenario)
    prepare(exp, runtime)
    result = runtime.run()
    return result, evaluate(exp, result, runtime)
