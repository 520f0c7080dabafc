"""HTML versions of the teaching pages, and worksheets (a fault's page without the explanation
and the fix). The Markdown of :mod:`ikesim.teach.pages` is converted with Python-Markdown; the
pictures are the run report's SVG drawings (topology, message ladder) instead of Mermaid, so a
page opens in any browser with nothing to fetch."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import markdown

from ikesim.report.collect import fate_text
from ikesim.report.inspect import Packet
from ikesim.report.layout import layout, spine_order
from ikesim.report.view import ladder
from ikesim.teach import facts
from ikesim.teach.pages import fault_page, index_page
from ikesim.teach.run import Run

MD_LINK = re.compile(r'href="([^":]+?)\.md"')


class Pictures:
    """Collects SVG drawings while a page is built; the Markdown gets a placeholder."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.svgs: list[str] = []

    def __call__(self, kind: str, run: Run, exchanges: tuple[int, ...] | None) -> list[str]:
        macros = self.env.get_template("svg.j2").module
        if kind == "topology":
            devices, cables, width, height = layout(run.scenario)
            svg = macros.topology(devices, cables, width, height)    # type: ignore[attr-defined]
        else:
            messages = facts.ladder(run.scenario, run.events,
                                    run.exchanges if exchanges is None else exchanges)
            packets = [Packet(i, m.time, m.sender, m.receiver, "", "", "ISAKMP",
                              m.label + (" (resent)" if m.retransmission else ""),
                              fate_text(m)) for i, m in enumerate(messages)]
            svg = macros.message_ladder(ladder(packets, spine_order(run.scenario)),  # type: ignore[attr-defined]
                                        False)
        self.svgs.append(str(svg))
        return [f'<div class="picture" id="picture-{len(self.svgs) - 1}"></div>']

    def fill(self, html: str) -> str:
        for index, svg in enumerate(self.svgs):
            html = html.replace(f'<div class="picture" id="picture-{index}"></div>',
                                f'<div class="picture" id="picture-{index}">{svg}</div>')
        return html


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.PackageLoader("ikesim.teach", "templates"),
                                    jinja2.PackageLoader("ikesim.report", "templates")]),
        autoescape=jinja2.select_autoescape(("html", "j2")), trim_blocks=True,
        lstrip_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def to_html(env: jinja2.Environment, text: str, pictures: Pictures, *,
            worksheet: bool = False) -> str:
    body = markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    body = MD_LINK.sub(lambda m: f'href="{m.group(1)}.html"', pictures.fill(body))
    title = next((line[2:] for line in text.splitlines() if line.startswith("# ")), "ikesim")
    return env.get_template("page.html.j2").render(title=title, body=body, worksheet=worksheet)


def build_html(runs: dict[str, Run], root: Path) -> dict[str, str]:
    """``index.html``, ``faults/<name>.html`` and, for each fault, the worksheet
    ``faults/<name>.worksheet.html``."""
    env = environment()
    pages: dict[str, str] = {}
    pictures = Pictures(env)
    pages["index.html"] = to_html(env, index_page(runs, root, picture=pictures), pictures)
    for name, run in runs.items():
        if not run.teach:
            continue
        pictures = Pictures(env)
        pages[f"faults/{name}.html"] = to_html(
            env, fault_page(run, runs, root, picture=pictures), pictures)
        if run.teach.get("fixed_variant") or run.teach.get("fix"):
            pictures = Pictures(env)
            pages[f"faults/{name}.worksheet.html"] = to_html(
                env, fault_page(run, runs, root, picture=pictures, worksheet=True), pictures,
                worksheet=True)
    return pages
