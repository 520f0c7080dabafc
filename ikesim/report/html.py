"""``ikesim run --html FILE``: one self-contained HTML file (styles, script and pictures inline,
nothing fetched) rendered with Jinja2 templates shipped in ``ikesim/report/templates``."""

from __future__ import annotations

import json
from functools import cache

import jinja2

from ikesim.explain.model import Explanation
from ikesim.explain.render import outcome_block
from ikesim.net.events import SimEvent
from ikesim.report.collect import ReportCollector
from ikesim.report.layout import layout, spine_order
from ikesim.report.view import ladder, ticks, timeline
from ikesim.scenario.runner import RunResult


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("ikesim.report", "templates"),
                              autoescape=jinja2.select_autoescape(("html", "j2")),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)


def render_report(result: RunResult, collector: ReportCollector, explanation: Explanation,
                  events: list[SimEvent]) -> str:
    """The page for a finished run (``events``: its whole record, kept by the caller)."""
    scenario = result.scenario
    packets = collector.packets(scenario, events)
    devices, cables, width, height = layout(scenario)
    data = {"end": result.end_time,
            "packets": [{"index": p.index, "time": round(p.time, 6), "kind": p.kind}
                        for p in packets]}
    template = environment().get_template("report.html.j2")
    return template.render(
        scenario=scenario, end=result.end_time, devices=devices, cables=cables,
        topo_width=width, topo_height=height, ladder=ladder(packets, spine_order(scenario)),
        packets=packets, lanes=timeline(events, result.end_time),
        ticks=ticks(result.end_time), console=collector.console,
        explanation=explanation, explain_text=outcome_block(explanation, full=True),
        data_json=json.dumps(data, sort_keys=True).replace("</", "<\\/"))
