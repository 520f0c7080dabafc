"""`show crypto session [detail]` after NAT-T: the IKE SA's ports are 4500 and the peer's
floated port, not 500 (a CSR1000's output in Microsoft Learn, ExpressRoute: site-to-site VPN
over Microsoft peering: "Peer: ... port 4500", "local .../4500 remote .../4500",
"Capabilities:DN" with N for NAT-traversal). The lab of trace 05: HQ answers SITE-A behind a
PAT that shows UDP 4500 as 4501; without a NAT the ports stay 500 (the live run with charon
showed "port 500" after floating to its port 14500 before this fix)."""

from __future__ import annotations

import re
from pathlib import Path

from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import run_scenario

ROOT = Path(__file__).resolve().parent.parent
TRACE05 = ROOT / "scenarios" / "fidelity" / "05-iosxe-natt-responder.yaml"


def _with_events(path: Path, events: str) -> str:
    text = path.read_text()
    text = re.sub(r"^events:\n", "events:\n" + events, text, count=1, flags=re.M)
    text = re.sub(r"^expect:\n(?:  .*\n?)*", "", text, flags=re.M)
    return run_scenario(parse_scenario(text, file=str(path))).transcript_text()


def _block(text: str, prompt: str) -> str:
    return text.split(prompt + "\n", 1)[1].split("#", 1)[0]


def test_session_shows_the_floated_ports_after_nat_t() -> None:
    text = _with_events(TRACE05, """\
  - {at: 18s, device: HQ, exec: show crypto session}
  - {at: 18s, device: HQ, exec: show crypto session detail}
  - {at: 18s, device: SITE-A, exec: show crypto session}
""")
    hq = _block(text, "HQ#show crypto session")
    assert "Session status: UP-ACTIVE\nPeer: 103.1.1.1 port 4501\n" in hq, hq
    assert "  IKE SA: local 61.128.1.1/4500 remote 103.1.1.1/4501 Active\n" in hq, hq
    detail = _block(text, "HQ#show crypto session detail")
    assert "Peer: 103.1.1.1 port 4501 fvrf: (none) ivrf: (none)\n" in detail, detail
    assert "  IKEv1 SA: local 61.128.1.1/4500 remote 103.1.1.1/4501 Active \n" in detail
    assert re.search(r"\n          Capabilities:N connid:\d+ lifetime:", detail), detail
    site = _block(text, "SITE-A#show crypto session")
    assert "Peer: 61.128.1.1 port 4500\n" in site, site
    assert "  IKE SA: local 100.64.1.2/4500 remote 61.128.1.1/4500 Active\n" in site, site


def test_session_without_nat_keeps_port_500() -> None:
    text = _with_events(ROOT / "scenarios" / "catalogue" / "healthy-tunnel.yaml", """\
  - {at: 35s, device: RT2, exec: show crypto session detail}
""")
    plain = _block(text, "RT2#show crypto session")
    assert "Peer: 10.10.10.2 port 500\n" in plain, plain
    assert "  IKE SA: local 11.11.11.2/500 remote 10.10.10.2/500 Active\n" in plain, plain
    detail = _block(text, "RT2#show crypto session detail")
    assert "Peer: 10.10.10.2 port 500 fvrf: (none) ivrf: (none)\n" in detail, detail
    assert "  IKEv1 SA: local 11.11.11.2/500 remote 10.10.10.2/500 Active \n" in detail, detail
    assert re.search(r"\n          Capabilities:\(none\) connid:\d+ lifetime:", detail), detail
