"""The pieces of a teaching page, as Markdown lines: the message ladder (Mermaid), drop tables,
`show` outputs, debug excerpts, the configuration difference to the fixed variant, the outcome
table, the topology picture. Every device name comes from the scenario (``Run.peers``)."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import Any

import yaml

from ikesim.scenario.model import Scenario
from ikesim.teach import facts
from ikesim.teach.facts import Message
from ikesim.teach.run import Run, t

MAX_ARROWS = 14          # ladder length before the rest is summarised
DEBUG_LINES = 24         # debug lines per router in the transcript excerpt
QM_DEBUG_LINES = 32      # … for a phase-2 lab (quick mode is wordier)
QM_START = re.compile(r"Quick Mode|received packet .*QM_IDLE")   # first quick-mode debug line


def _participant(name: str) -> str:
    return re.sub(r"[^\w]", "_", name)


def _span(run: Run, people: list[str]) -> str:
    """Mermaid ``Note over`` target spanning the IPsec peers (or everyone on the ladder)."""
    ends = [p for p in people if p in run.peers] or people
    if not ends:
        return "lab"
    return ",".join(dict.fromkeys((_participant(ends[0]), _participant(ends[-1]))))


def mermaid_ladder(run: Run, exchanges: tuple[int, ...] | None = None) -> list[str]:
    """A Mermaid ``sequenceDiagram``: ISAKMP messages (``--x`` when lost, with where and why),
    what the receiver made of them, link changes and SA deletions."""
    messages = facts.ladder(run.scenario, run.events,
                            run.exchanges if exchanges is None else exchanges)
    notes = facts.happenings(run.events)
    owners = facts.addresses(run.scenario)
    shown = messages[:MAX_ARROWS]
    cutoff = shown[-1].time if len(messages) > MAX_ARROWS else float("inf")
    peers = run.peers
    people: list[str] = []
    for m in shown:
        for who in (m.sender, m.receiver):
            if who not in people:
                people.append(who)
    for name in peers:
        if name not in people:
            people.append(name)
    by_device = {dev: ip for ip, dev in sorted(owners.items()) if dev in peers}
    lines = ["```mermaid", "sequenceDiagram"]
    ordered = sorted(people, key=lambda p: (p not in peers, peers.index(p) if p in peers else 0,
                                            p))
    for who in ordered:
        alias = f"{who} ({_wan(run, who) or by_device.get(who, '')})" if who in peers else \
            f"{who} (nobody)"
        lines.append(f"    participant {_participant(who)} as {alias}")
    span = _span(run, ordered)
    items: list[tuple[float, int, Any]] = [(m.time, 0, m) for m in shown]
    items += [(h.time, 1, h) for h in notes if h.time <= cutoff]
    for _, _, item in sorted(items, key=lambda x: (x[0], x[1])):
        if isinstance(item, Message):
            lines += _arrow(item)
        else:
            where = _participant(item.device) if item.device else span
            lines.append(f"    Note over {where}: {t(item.time)} {_clean(item.text)}")
    if len(messages) > MAX_ARROWS:
        rest = messages[MAX_ARROWS:]
        lost = sum(m.fate == "dropped" for m in rest)
        lines.append(f"    Note over {span}: ... {len(rest)} more messages until "
                     f"{t(rest[-1].time)} ({lost} of them lost)")
        for h in (h for h in notes if h.time > cutoff):
            where = _participant(h.device) if h.device else span.split(",")[0]
            lines.append(f"    Note over {where}: {t(h.time)} {_clean(h.text)}")
    lines.append("```")
    return lines


def _wan(run: Run, device: str) -> str:
    """The router's address towards the peer: its interface carrying a crypto map."""
    spec = run.scenario.devices.get(device)
    if spec is None:
        return ""
    for iface in spec.config.interfaces.values():
        if iface.crypto_map and iface.address is not None:
            return str(iface.address.ip)
    return ""


def _clean(text: str) -> str:
    # Mermaid treats ';' and '#' specially in messages.
    return text.replace(";", ",").replace("#", "")


def _arrow(m: Message) -> list[str]:
    a, b = _participant(m.sender), _participant(m.receiver)
    label = m.label + (" (resent)" if m.retransmission else "")
    if m.fate == "dropped":
        out = [f"    {a}--x{b}: {t(m.time)} {label} lost at {m.drop_device}: {m.drop_reason}"]
    elif m.fate == "delivered":
        out = [f"    {a}->>{b}: {t(m.time)} {label}"]
    else:
        out = [f"    {a}-){b}: {t(m.time)} {label} (no answer by the end of the run)"]
    if m.notes and m.fate == "delivered":
        out.append(f"    Note right of {b}: {_clean(', '.join(m.notes))}")
    return out


def drop_table(run: Run) -> list[str]:
    drops = facts.udp500_drops(run.events)
    if not drops:
        return ["No ISAKMP datagram was dropped in the network."]
    rows = ["| time | dropped at | reason | datagram |", "|---|---|---|---|"]
    for e in drops[:8]:
        rows.append(f"| {t(e.time)} | {e.device} | {e.fields.get('reason')} | "
                    f"`{e.fields.get('summary')}` |")
    if len(drops) > 8:
        rows.append(f"| … | | | {len(drops) - 8} more, the same way |")
    return rows


def data_drop_table(run: Run) -> list[str]:
    """Drops of the tunnel's traffic, grouped by where, why and what."""
    groups: Counter[tuple[str, str, str, str]] = Counter()
    first: dict[tuple[str, str, str, str], float] = {}
    for e in facts.data_drops(run.events):
        proto = {1: "ICMP", 50: "ESP"}.get(int(e.fields.get("protocol", 0)),
                                          str(e.fields.get("protocol")))
        key = (e.device, str(e.fields.get("reason")), proto,
               f"{e.fields.get('src')} > {e.fields.get('dst')}")
        groups[key] += 1
        first.setdefault(key, e.time)
    if not groups:
        return ["No packet of the tunnel's traffic was dropped."]
    rows = ["| first at | dropped at | reason | packets | count |", "|---|---|---|---|---|"]
    for key in sorted(groups, key=lambda k: first[k]):
        device, reason, proto, flow = key
        rows.append(f"| {t(first[key])} | {device} | {reason} | {proto} {flow} | "
                    f"{groups[key]} |")
    return rows


def sa_tables(run: Run, command_word: str = "isakmp sa",
              devices: tuple[str, ...] | None = None) -> list[str]:
    """The outputs of a show command (default ``show crypto isakmp sa``) the run printed,
    device by device (default: the IPsec peers)."""
    out: list[str] = []
    for device in run.peers if devices is None else devices:
        blocks = facts.show_blocks(run.events, device, command_word)
        if not blocks:
            continue
        out += [f"{device}:", "", "```"]
        for index, (time, lines) in enumerate(blocks):
            if index:
                out.append("")
            out.append(f"! at {t(time)}")
            out += lines
        out += ["```", ""]
    return out


def debug_excerpt(run: Run, device: str) -> list[str]:
    """The first debug/syslog lines of ``device`` once ISAKMP starts (once quick mode starts,
    for a phase-2 lab), and its last SA deletion."""
    lines = [(tm, s) for tm, s in facts.console_lines(run.events, device)
             if s.startswith(("00:", "%", "*")) or s.startswith("state (")]
    limit = DEBUG_LINES
    if run.phase2_lab:
        start = next((i for i, (_, s) in enumerate(lines) if QM_START.search(s)), len(lines))
        lines, limit = lines[start:], QM_DEBUG_LINES
    if not lines:
        return [f"{device} prints no ISAKMP debug output at all."]
    shown = lines[:limit]
    tail = [s for _, s in lines[limit:] if "deleting SA" in s or "BAD_MESSAGE" in s]
    body = [s for _, s in shown]
    if len(lines) > limit:
        body.append(f"... ({len(lines) - limit} more lines)")
        body += tail[-2:]
    return ["```", *body, "```"]


def config_diff(fault: Run, fixed: Run) -> list[str]:
    """What the fixed variant changes: router configurations, links and link/configure events
    (debug/show/ping commands are left out), as unified-diff lines per section."""
    out: list[str] = []
    for section, a, b in _sections(fault.raw, fixed.raw):
        if a == b:
            continue
        out.append(f"@@ {section} @@")
        for line in difflib.ndiff(a, b):
            if line.startswith(("- ", "+ ")):
                out.append(line[0] + line[2:])
    return out


def _sections(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    def config(raw: dict[str, Any], name: str) -> list[str]:
        node = (raw.get("routers") or {}).get(name) or {}
        text = node.get("config", "") if isinstance(node, dict) else str(node)
        return [ln.rstrip() for ln in text.splitlines()
                if ln.strip() and not ln.strip().startswith("!")]

    def flow(items: list[Any]) -> list[str]:
        return [yaml.safe_dump(i, default_flow_style=True, width=1000).strip() for i in items]

    def events(raw: dict[str, Any]) -> list[Any]:
        return [e for e in raw.get("events") or [] if "exec" not in e]

    routers = sorted(set(a.get("routers") or {}) | set(b.get("routers") or {}))
    out = [(f"router {r}", config(a, r), config(b, r)) for r in routers]
    out.append(("links", flow(a.get("links") or []), flow(b.get("links") or [])))
    out.append(("events", flow(events(a)), flow(events(b))))
    return out


def expectation_lines(run: Run) -> list[str]:
    text = run.path.read_text(encoding="utf-8").splitlines()
    start = next((i for i, ln in enumerate(text) if ln.startswith("expect:")), None)
    if start is None:
        return []
    body = [text[start]]
    for ln in text[start + 1:]:
        if ln and not ln.startswith((" ", "#")):
            break
        body.append(ln)
    while body and not body[-1].strip():
        body.pop()
    return ["```yaml", *body, "```"]


def ping_marks(run: Run) -> list[str]:
    """What each PC's pings printed (hosts are the devices of kind host, whatever their
    names)."""
    hosts = {d.name for d in run.scenario.hosts}
    out = []
    for e in run.events:
        if e.kind == "console" and e.device in hosts and "command" in e.fields:
            marks = "".join(s for s in e.fields.get("output", [])
                            if s and set(s) <= set(".!UQM?&"))
            if marks:
                out.append(f"`{marks}` ({e.device} at {t(float(e.fields['started']))})")
    return out


def outcome_text(p: facts.Phase1 | facts.Phase2) -> str:
    return p.outcome + (f" ({p.reason})" if p.reason else "")


def outcome_lines(run: Run) -> list[str]:
    rows = ["| | |", "|---|---|"]
    if not run.pairs:
        rows.append("| IPsec peers | none: no crypto map entry points at a device of the lab |")
    for pair, p1 in run.phase1s:
        rows.append(f"| phase 1 between {pair.a} and {pair.b} | **{outcome_text(p1)}** |")
        for device in (pair.a, pair.b):
            if device in p1.completed:
                rows.append(f"| {device} | QM_IDLE at {t(p1.completed[device])} |")
    if run.phase2_lab:
        for pair, p2 in run.phase2s:
            rows.append(f"| phase 2 (quick mode) between {pair.a} and {pair.b} | "
                        f"**{outcome_text(p2)}** |")
            for device in (pair.a, pair.b):
                if device in p2.completed:
                    rows.append(f"| {device} | IPsec SAs at {t(p2.completed[device])} |")
            for a, b in ((pair.a, pair.b), (pair.b, pair.a)):
                rows.append(f"| ESP {a} to {b} | {p2.esp_sent[a]} sent, {p2.esp_received[b]} "
                            f"received |")
    pings = ping_marks(run)
    if pings:
        rows.append(f"| pings | {', '.join(pings)} |")
    lost = sum(m.fate == "dropped" for m in facts.ladder(run.scenario, run.events))
    rows.append(f"| ISAKMP messages lost | {lost} |")
    return rows


def topology_lines(scenario: Scenario) -> list[str]:
    """The lab as a Mermaid graph: devices with their addresses, links with both interfaces
    (and delay/loss when they are not the defaults), built from the scenario itself."""
    from ikesim.ios.ifnames import short_interface_name

    def node_id(name: str) -> str:
        return re.sub(r"\W", "_", name)

    out = ["```mermaid", "graph LR"]
    for name, dev in scenario.devices.items():
        shape = ("([", "])") if dev.kind == "host" else ("[", "]")
        if dev.kind == "host":
            (iface,) = dev.config.interfaces.values()
            label = f"{name}<br/>{iface.address}"
        else:
            label = name
        out.append(f'    {node_id(name)}{shape[0]}"{label}"{shape[1]}')
    for link in scenario.links:
        (da, ia), (db, ib) = link.a, link.b
        addr = {}
        for dev, iface in ((da, ia), (db, ib)):
            cfg = scenario.devices[dev].config.interfaces[iface]
            shown = short_interface_name(iface)
            if cfg.address is not None and scenario.devices[dev].kind == "router":
                shown += f" .{str(cfg.address.ip).rsplit('.', 1)[1]}"
            addr[dev] = shown
        extra = []
        if link.loss:
            extra.append(f"{link.loss:.0%} loss")
        if not link.up:
            extra.append("down at start")
        net = scenario.devices[da].config.interfaces[ia].address
        subnet = f"{net.network}" if net is not None else ""
        text = " — ".join([addr[da], subnet, addr[db]] if subnet else [addr[da], addr[db]])
        if extra:
            text += f" ({', '.join(extra)})"
        out.append(f'    {node_id(da)} ---|"{text}"| {node_id(db)}')
    out.append("```")
    return out
