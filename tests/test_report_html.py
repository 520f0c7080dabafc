"""``ikesim run --html`` in a real headless Chromium (issue 12, item 3): the page loads with no
console error and fetches nothing, the ladder has one arrow per ISAKMP message the routers sent,
clicking one shows its decoded (and decrypted) payloads, the time cursor follows."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ikesim.cli import main
from ikesim.export.pcap import Capture
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime
from tests.browser import browser, visit

ROOT = Path(__file__).resolve().parent.parent
FIXED = ROOT / "scenarios" / "missing-return-route-fixed.yaml"
SEED = ROOT / "scenarios" / "missing-return-route.yaml"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


def _report(tmp: Path, scenario: Path) -> Path:
    out = tmp / f"{scenario.stem}.html"
    result = CliRunner().invoke(main, ["run", str(scenario), "--html", str(out), "--no-outcome"])
    assert result.exit_code == 0, result.output
    return out


def _isakmp_sent(scenario: Path) -> int:
    """What the routers sent, counted by the senders' log (independent of the report)."""
    runtime = Runtime(copy.deepcopy(load_scenario(scenario)))
    capture = Capture.attach(runtime)
    runtime.run()
    return sum(1 for d in capture.datagrams if d.protocol == 17)


def test_report_loads_clean_and_self_contained(chromium: Any, tmp_path: Path) -> None:
    page_file = _report(tmp_path, FIXED)
    seen = visit(chromium, page_file)
    assert seen.errors == []
    assert seen.requests == [page_file.resolve().as_uri()]
    page = seen.page
    for section in ("#outcome", "#topology", "#ladder", "#inspector", "#timeline", "#console"):
        assert page.locator(section).count() == 1, section
    assert page.locator("#topology .device").count() == 5
    assert "healthy" in page.locator("#outcome").inner_text()


def test_ladder_has_one_arrow_per_message_and_click_shows_payloads(chromium: Any,
                                                                   tmp_path: Path) -> None:
    seen = visit(chromium, _report(tmp_path, FIXED))
    page = seen.page
    arrows = page.locator("#ladder .msg")
    assert arrows.count() == _isakmp_sent(FIXED) == 9
    labels = [(arrows.nth(i).locator("text").text_content() or "").split()[0] for i in range(9)]
    assert labels == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6", "QM1", "QM2", "QM3"]
    assert page.locator(".pkt.shown").count() == 0
    arrows.nth(4).click()                                   # MM5: encrypted, opened with keys
    shown = page.locator(".pkt.shown")
    assert shown.count() == 1
    text = shown.inner_text()
    assert "MM5" in text and "decrypted with the sender's 3des key" in text
    assert "ID" in shown.locator(".payloads").inner_text()
    assert "HASH" in shown.locator(".payloads").inner_text()
    assert "IPV4_ADDR" in text                              # the identity, in clear
    assert "selected" in (arrows.nth(4).get_attribute("class") or "")
    # the cursor moved to MM5's time: later console blocks are dimmed, earlier ones are not
    time = float(arrows.nth(4).get_attribute("data-time") or "0")
    assert float(page.locator("#cursor").input_value()) == pytest.approx(time)
    blocks = page.locator("#console .block")
    states = [(float(blocks.nth(i).get_attribute("data-time") or 0),
               "future" in (blocks.nth(i).get_attribute("class") or ""))
              for i in range(blocks.count())]
    assert states and all(future == (t > time + 1e-9) for t, future in states)
    arrows.nth(6).click()                                   # QM1
    qm1 = page.locator(".pkt.shown").inner_text()
    assert "QUICK_MODE" in qm1 and "NONCE" in qm1 and "IPV4_ADDR_SUBNET" in qm1
    assert seen.errors == []


def test_esp_packets_are_decrypted_in_the_inspector(chromium: Any, tmp_path: Path) -> None:
    page = visit(chromium, _report(tmp_path, FIXED)).page
    esp = page.locator("#packet-list li", has_text="ESP").first
    esp.click()
    text = page.locator(".pkt.shown").inner_text()
    assert "ICV checked" in text and "ICMP echo request 172.16.1.2 > 172.16.2.2" in text


def test_seed_report_shows_the_discarded_mm2s(chromium: Any, tmp_path: Path) -> None:
    seen = visit(chromium, _report(tmp_path, SEED))
    page = seen.page
    assert seen.errors == []
    assert page.locator("#ladder .msg").count() == _isakmp_sent(SEED) == 24
    dropped = page.locator("#ladder .msg.dropped")
    assert dropped.count() == 12
    dropped.first.click()
    text = page.locator(".pkt.shown").inner_text()
    assert "MM2" in text and "discarded at RT2: no-route" in text
    explain = page.locator("#explain").inner_text()
    assert "RT2(config)# ip route 0.0.0.0 0.0.0.0 11.11.11.1" in explain
