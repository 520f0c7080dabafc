"""The explanation as text: the outcome block ``ikesim run`` prints after the transcript and
``ikesim explain`` prints in full (with every repair it tried)."""

from __future__ import annotations

from ikesim.explain.model import Attempt, ConfigChange, Explanation, PairReport, Repair

# IOS configuration submodes, as the prompt shows them after the line that enters them.
SUBMODES = (("interface ", "config-if"), ("crypto isakmp policy ", "config-isakmp"),
            ("crypto map ", "config-crypto-map"), ("ip access-list extended ", "config-ext-nacl"),
            ("ip access-list standard ", "config-std-nacl"))


def typed_lines(change: ConfigChange) -> list[str]:
    """The lines with the prompts IOS would show: ``RT2(config)#``, ``RT2(config-if)#``."""
    out, mode = [], "config"
    for line in change.lines:
        if not line.startswith(" "):
            mode = "config"
        out.append(f"{change.device}({mode})# {line.strip()}")
        if not line.startswith(" "):
            mode = next((sub for prefix, sub in SUBMODES if line.startswith(prefix)), "config")
    return out


def repair_lines(repair: Repair) -> list[str]:
    out = []
    for change in repair.changes:
        out += typed_lines(change) if isinstance(change, ConfigChange) else change.describe()
    return out


def _verdict(attempt: Attempt) -> str:
    v = attempt.verdict
    if v.note:
        return v.note
    parts = [f"phase 1 {v.phase1}", f"phase 2 {v.phase2}"]
    if v.pings:
        parts.append("pings " + ", ".join(p.split(": ", 1)[-1] for p in v.pings))
    text = ", ".join(parts)
    if v.cause is not None and not v.proven:
        text += f"; then: {v.cause.summary}"
    return text


def pair_block(report: PairReport, *, full: bool = False) -> list[str]:
    ends = f" ({report.a_address} <-> {report.b_address})" if report.a_address else ""
    out = [f"{report.name}{ends}: {report.status.upper()}"]
    mm, qm = report.main_mode, report.quick_mode
    out.append(f"  main mode:  {mm.outcome}" + (f", got as far as {mm.reached}"
                                                 if mm.reached and mm.outcome != "established"
                                                 else ""))
    out += [f"    {line}" for line in (mm.lines if full or mm.outcome != "established" else [])]
    if mm.states and mm.outcome != "established":
        out.append("    last states: " + ", ".join(f"{d} {s}" for d, s in mm.states.items()))
    out.append(f"  quick mode: {qm.outcome}" + (f", got as far as {qm.reached}"
                                                 if qm.reached and qm.outcome != "established"
                                                 else ""))
    out += [f"    {line}" for line in (qm.lines if full or qm.outcome != "established" else [])]
    if report.pings:
        out.append("  pings:      " + "; ".join(report.pings))
    cause = report.cause
    if cause is None:
        if report.status == "idle":
            out.append("  nothing asked for this tunnel (no interesting traffic, no initiate "
                       "event)")
        return out
    label = "anomaly" if cause.anomaly else "first cause"
    out.append(f"  {label}: {cause.summary}")
    for e in cause.evidence[: None if full else 4]:
        out.append(f"    {e.time:.3f}s  {e.text}")
    if report.fix is not None:
        v = report.fix.verdict
        pings = f", pings {', '.join(p.split(': ', 1)[-1] for p in v.pings)}" if v.pings else ""
        out.append(f"  fix, proven by a re-run (phase 1 {v.phase1}, phase 2 {v.phase2}"
                   f"{pings}):")
        out += [f"    {line}" for line in repair_lines(report.fix.repair)]
    elif report.searched:
        out.append(f"  no repair proven ({len(report.tried)} tried)" if report.tried else
                   "  no repair to try for this cause")
    else:
        out.append("  (ikesim explain SCENARIO searches and proves the smallest fix)")
    if full and report.tried:
        out.append("  tried, smallest first:")
        for attempt in report.tried:
            mark = "proven" if attempt.verdict.proven else "not enough"
            out.append(f"    - {' / '.join(repair_lines(attempt.repair))}")
            out.append(f"      {mark}: {_verdict(attempt)}")
    return out


def outcome_block(explanation: Explanation, *, full: bool = False) -> str:
    lines = [f"=== ikesim: outcome of {explanation.scenario} ==="]
    for note in explanation.notes:
        lines.append(note)
    for report in explanation.pairs:
        lines += pair_block(report, full=full)
    return "\n".join(lines) + "\n"
