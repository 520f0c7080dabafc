"""The Linux daemons against their real runs (../shared/fidelity/linux, copied verbatim under
``scenarios/linux/runs/``): the share of each daemon's IKE log lines a lab reproduces in order,
and each retransmission and give-up against the real schedule.

What counts as an IKE log line: what the daemon logged about a negotiation — charon lines in
the context of an IKE SA (``<conn|id>`` or ``<id>``, filelog ``ike_name = yes``), pluto lines
of a state or a connection's revival (``"conn" #N: …``, ``ERROR: "conn" #N: …``,
``"conn": initiating connection …``). Daemon start-up, configuration (re)loading, vici and the
status dumps the recording scripts asked for are not. Normalised on both sides: timestamps,
thread ids, addresses, cookies/SPIs/message IDs, durations ("in 13058s", "aged 64.03736s")
and pluto's connection serial ("$2": the recording re-added the connection).

The schedule: times of the real log's retransmission and give-up lines relative to the first
message of the exchange, against the lab's (run B: charon's MM1 resends, run D: pluto's QM1
resends, run E: pluto's MM1 resends over three attempts and the revivals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ikesim.fidelity.compare import Score, score
from ikesim.fidelity.measure import ROOT, Console, run_consoles

RUNS = ROOT / "scenarios" / "linux" / "runs"
TOLERANCE = 0.1           # seconds: each retransmission and give-up within this of the real


@dataclass(frozen=True, slots=True)
class LinuxRun:
    key: str                 # "A-rt1"
    daemon: str              # "charon" | "pluto"
    situation: str
    scenario: str            # repository-relative lab
    device: str
    log: str                 # under scenarios/linux/runs/
    start: str = ""          # regex of the line the schedule counts from ("" = no schedule)
    marks: str = ""          # regex of the retransmission / give-up / revival lines
    target: float = 0.90
    differs: str = ""


_CHARON_MARKS = r"sending retransmit \d|giving up after"
_PLUTO_MARKS = r"retransmission; will wait|timeout exceeded|initiating IKEv1 Main Mode"
LINUX_RUNS: tuple[LinuxRun, ...] = (
    LinuxRun("A-rt1", "charon", "strongSwan initiator: main mode, quick mode, kernel refuses "
             "the SAs", "scenarios/linux/fidelity-A-strongswan-success.yaml", "rt1",
             "A/rt1-charon.log"),
    LinuxRun("A-rt2", "charon", "strongSwan responder of run A",
             "scenarios/linux/fidelity-A-strongswan-success.yaml", "rt2", "A/rt2-charon.log"),
    LinuxRun("B-rt1", "charon", "strongSwan initiator, responder without a route back: "
             "retransmissions and give-up", "scenarios/linux/fidelity-B-strongswan-noroute.yaml",
             "rt1", "B/rt1-charon.log", start=r"initiating Main Mode IKE_SA",
             marks=_CHARON_MARKS),
    LinuxRun("B-rt2", "charon", "strongSwan responder without a route back: answers to "
             "duplicates, half-open timeouts", "scenarios/linux/fidelity-B-strongswan-noroute.yaml",
             "rt2", "B/rt2-charon.log"),
    LinuxRun("D-rt1", "pluto", "libreswan initiator: phase 1, quick mode unanswered",
             "scenarios/linux/fidelity-D-libreswan-success.yaml", "rt1", "D/rt1-pluto.log",
             start=r"sent Quick Mode request", marks=_PLUTO_MARKS),
    LinuxRun("D-rt2", "pluto", "libreswan responder: kernel refuses the SAs, states expire",
             "scenarios/linux/fidelity-D-libreswan-success.yaml", "rt2", "D/rt2-pluto.log"),
    LinuxRun("E-rt1", "pluto", "libreswan initiator, responder without a route back: "
             "retransmissions, give-up, revival", "scenarios/linux/fidelity-E-libreswan-noroute.yaml",
             "rt1", "E/rt1-pluto.log", start=r"#1: initiating IKEv1 Main Mode",
             marks=_PLUTO_MARKS),
    LinuxRun("E-rt2", "pluto", "libreswan responder without a route back: failed sends, "
             "incomplete states deleted after 60 s",
             "scenarios/linux/fidelity-E-libreswan-noroute.yaml", "rt2", "E/rt2-pluto.log"),
)

_STAMPS = (
    (re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) "), "%Y-%m-%d %H:%M:%S.%f"),
    (re.compile(r"^([A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d\.\d+): "), "%b %d %H:%M:%S.%f"),
)
_KEEP = {"charon": re.compile(r"^\[\w+\] <[^>]+> "),
         "pluto": re.compile(r'^(ERROR: )?"[^"]+"( #\d+: |: initiating connection)')}


def split_stamp(line: str) -> tuple[float | None, str]:
    """(seconds of the line's timestamp, the line without it)."""
    for pattern, fmt in _STAMPS:
        m = pattern.match(line)
        if m:
            when = datetime.strptime(" ".join(m.group(1).split()), fmt)
            if when.year == 1900:          # pluto's stamps have no year
                when = when.replace(year=2001)
            return when.timestamp(), line[m.end():]
    return None, line


def normalise(line: str) -> str:
    _, text = split_stamp(line.rstrip())
    text = re.sub(r"^\d\d\[", "[", text)
    text = re.sub(r"\b\d{1,3}(\.\d{1,3}){3}\b", "<ip>", text)
    text = re.sub(r"\b[0-9a-f]{8,16}\b", "<hex>", text)
    text = re.sub(r"\b(request|response) [1-9]\d*\b", r"\1 <mid>", text)
    text = re.sub(r"\b\d+(\.\d+)?s\b", "<t>s", text)
    return re.sub(r"\$\d+", "$N", text).rstrip()


def ike_lines(lines: list[str], daemon: str) -> list[str]:
    keep = _KEEP[daemon]
    return [n for n in (normalise(line) for line in lines) if keep.match(n)]


def schedule(lines: list[str], run: LinuxRun) -> list[tuple[str, float]]:
    """(normalised line, seconds after the start line) of the run's schedule lines."""
    start, out = None, []
    for line in lines:
        when, text = split_stamp(line.rstrip())
        if when is None:
            continue
        if start is None:
            if re.search(run.start, text):
                start = when
            continue
        if re.search(run.marks, text):
            out.append((normalise(line), round(when - start, 6)))
    return out


@dataclass(frozen=True, slots=True)
class LinuxMeasured:
    run: LinuxRun
    score: Score
    timing: tuple[tuple[str, float, float | None], ...]    # (line, real t, lab t)

    @property
    def worst(self) -> float | None:
        """The largest difference between a real and the lab's time (None: no schedule)."""
        if not self.timing:
            return None
        return max(abs(r - o) if o is not None else float("inf") for _, r, o in self.timing)


def measure_linux(runs: tuple[LinuxRun, ...] = LINUX_RUNS) -> list[LinuxMeasured]:
    consoles: dict[str, dict[str, Console]] = {}
    out = []
    for run in runs:
        if run.scenario not in consoles:
            consoles[run.scenario] = run_consoles(ROOT / run.scenario)
        ours = list(consoles[run.scenario].get(run.device, Console((), ())).debug)
        real = (RUNS / run.log).read_text(encoding="utf-8").splitlines()
        result = score(ike_lines(real, run.daemon), ike_lines(ours, run.daemon))
        timing: list[tuple[str, float, float | None]] = []
        if run.start:
            lab = schedule(ours, run)
            for i, (text, at) in enumerate(schedule(real, run)):
                timing.append((text, at, lab[i][1] if i < len(lab) else None))
        out.append(LinuxMeasured(run, result, tuple(timing)))
    return out


def linux_table(results: list[LinuxMeasured]) -> str:
    rows = [("run", "share reproduced", "schedule", "situation")]
    for m in results:
        worst = m.worst
        sched = "-" if worst is None else f"max {worst:.3f} s off ({len(m.timing)} times)"
        rows.append((m.run.key, f"{100 * m.score.share:.1f} % ({m.score.reproduced}/"
                     f"{m.score.real})", sched, m.run.situation[:60]))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}"
                     for r in rows)


def linux_section(results: list[LinuxMeasured]) -> str:
    """The Linux part of docs/fidelity.md."""
    out = ["## Linux daemons: strongSwan 5.9.8 and libreswan 4.10", "",
           "The real runs of `../shared/fidelity/linux` (logs copied under "
           "`scenarios/linux/runs/`) against their labs (`scenarios/linux/fidelity-*.yaml`), "
           "by `ikesim/fidelity/linux_runs.py`: the share of the daemon's IKE log lines "
           "reproduced in order, and each retransmission and give-up against the real "
           f"schedule (target: within {TOLERANCE} s).", "",
           "| run | situation | share reproduced | schedule |", "|---|---|---|---|"]
    for m in results:
        worst = m.worst
        sched = "-" if worst is None else f"{len(m.timing)} times, at most {worst:.3f} s off"
        out.append(f"| {m.run.key} | {m.run.situation} | {100 * m.score.share:.1f} % "
                   f"({m.score.reproduced}/{m.score.real}) | {sched} |")
    out.append("")
    for m in results:
        if not m.score.missing and not m.run.differs:
            continue
        out += [f"### {m.run.key}", ""]
        if m.run.differs:
            out += [m.run.differs, ""]
        if m.score.missing:
            out += ["Real lines not reproduced (normalised):", "", "```",
                    *m.score.missing[:12], "```", ""]
    return "\n".join(out)
