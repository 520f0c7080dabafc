"""Teaching pages for any topology and device names (issue 12, item 3): a teacher's hub with
two spokes whose routers are not called RT1/RT2 gets per-pair outcomes and no phantom
lifelines, in Markdown and in HTML (checked in headless Chromium), plus a worksheet without
the answer; the catalogue's HTML pages in docs/ are up to date."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ikesim.teach.html import build_html
from ikesim.teach.run import run_catalogue
from tests.browser import browser, visit

ROOT = Path(__file__).resolve().parent.parent
TEACH = ROOT / "scenarios" / "teach"
CATALOGUE = ROOT / "scenarios" / "catalogue"
DOCS = ROOT / "docs"
ROUTERS = {"HQ", "BRANCH-A", "BRANCH-B"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("teach")
    proc = subprocess.run([sys.executable, "-m", "ikesim.teach", str(out), "--catalogue",
                           str(TEACH)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def test_markdown_page_uses_the_labs_own_names(pages: Path) -> None:
    page = (pages / "faults" / "hub-two-spokes.md").read_text()
    assert "RT1" not in page and "RT2" not in page
    participants = re.findall(r"^    participant (\S+) as", page, re.MULTILINE)
    assert set(participants) == {"HQ", "BRANCH_A", "BRANCH_B"}
    assert "| phase 1 between BRANCH-A and HQ | **established** |" in page
    assert "| phase 1 between BRANCH-B and HQ | **failed (bad-message)** |" in page
    for router in ROUTERS:
        assert f"`debug crypto isakmp` on {router} (from the start of the exchange):" in page
        assert f"{router}#show crypto isakmp sa" in page
    assert "## What is broken" in page and "## The fix" in page     # a fault, not a reference
    assert "(LAPTOP-A at 5.000s)" in page and "(LAPTOP-B at 6.000s)" in page


def test_html_page_in_chromium_has_no_phantom_lifelines(pages: Path, chromium: Any) -> None:
    page_file = pages / "faults" / "hub-two-spokes.html"
    seen = visit(chromium, page_file)
    assert seen.errors == [] and seen.requests == [page_file.resolve().as_uri()]
    page = seen.page
    lifelines = {page.locator("#ladder .lifeline text").nth(i).text_content()
                 for i in range(page.locator("#ladder .lifeline").count())}
    assert lifelines == ROUTERS
    devices = {page.locator("#topology .device").nth(i).get_attribute("data-device")
               for i in range(page.locator("#topology .device").count())}
    assert devices == ROUTERS | {"INET", "SERVER", "LAPTOP-A", "LAPTOP-B"}
    text = page.locator("main").inner_text()
    assert "RT1" not in text and "RT2" not in text
    assert "phase 1 between BRANCH-B and HQ" in text and "failed (bad-message)" in text
    arrows = page.locator("#ladder .msg")
    assert arrows.count() == 21           # BRANCH-A: 9; BRANCH-B: MM1-MM4, then MM4/MM5 resent
    assert page.locator("#ladder .msg.delivered").count() == 21
    assert "branchb" in text


def test_worksheet_hides_the_answer(pages: Path, chromium: Any) -> None:
    page_file = pages / "faults" / "hub-two-spokes.worksheet.html"
    seen = visit(chromium, page_file)
    assert seen.errors == []
    text = seen.page.locator("main").inner_text()
    assert "Worksheet: Hub and two spokes, one with the wrong key" in text
    assert "Your answers" in text and "Write the configuration commands" in text
    for answer in ("branchb", "The fix", "What is broken", "How it works", "Why it happens",
                   "Checked expectations"):
        assert answer not in text, answer
    assert seen.page.locator("#ladder .msg").count() == 21       # the symptoms stay


def test_catalogue_html_pages_are_up_to_date() -> None:
    """`make docs` writes the HTML pages and worksheets next to the Markdown ones."""
    pages = build_html(run_catalogue(CATALOGUE), ROOT)
    committed = {f"faults/{p.name}" for p in (DOCS / "faults").glob("*.html")} | {"index.html"}
    assert set(pages) == committed
    for rel, text in pages.items():
        assert (DOCS / rel).read_text(encoding="utf-8") == text, f"docs/{rel} is stale"
    assert "faults/missing-return-route.worksheet.html" in pages
    assert "faults/healthy-tunnel.worksheet.html" not in pages       # nothing to find there
    assert 'href="faults/missing-return-route.html"' in pages["index.html"]
