"""The report's packet inspector without a browser: every encrypted ISAKMP message opens with
its sender's keys (RFC 2409 Appendix B IVs), ESP opens with the SA's keys, and with different
pre-shared keys MM5 still opens with the sender's own key."""

from __future__ import annotations

from pathlib import Path

from ikesim.report.collect import ReportCollector
from ikesim.report.inspect import Node
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent


def _packets(path: Path) -> list:
    runtime = Runtime(load_scenario(path))
    collector = ReportCollector.attach(runtime)
    result = runtime.run()
    return collector.packets(result.scenario, result.events.events)


def _names(nodes: list[Node]) -> list[str]:
    return [n.name for n in nodes]


def test_every_message_of_a_working_tunnel_opens() -> None:
    packets = _packets(ROOT / "scenarios" / "missing-return-route-fixed.yaml")
    isakmp = [p for p in packets if p.kind == "ISAKMP"]
    assert [p.label for p in isakmp] == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6", "QM1",
                                         "QM2", "QM3"]
    payloads = {p.label: _names(p.payloads) for p in isakmp}
    assert payloads["MM1"] == ["SA"] and payloads["MM3"] == ["KE", "NONCE"]
    assert payloads["MM5"] == ["ID", "HASH"] and payloads["MM6"] == ["ID", "HASH"]
    assert payloads["QM1"] == ["HASH", "SA", "NONCE", "ID", "ID"]
    assert payloads["QM3"] == ["HASH"]
    for p in isakmp[4:]:
        assert p.decrypted == "decrypted with the sender's 3des key", p.label
    for p in isakmp[:4]:
        assert p.decrypted == ""                      # plaintext
    esp = [p for p in packets if p.kind == "ESP"]
    assert len(esp) == 18
    assert all(p.decrypted.endswith("ICV checked") for p in esp)
    assert esp[0].payloads[0].value.startswith("ICMP echo request 172.16.1.2 > 172.16.2.2")
    assert esp[1].payloads[0].value.startswith("ICMP echo reply 172.16.2.2 > 172.16.1.2")


def test_with_different_keys_each_mm5_opens_with_its_senders_key() -> None:
    packets = _packets(ROOT / "scenarios" / "catalogue" / "psk-mismatch.yaml")
    mm5 = [p for p in packets if p.label.startswith("MM5")]
    assert mm5 and all(_names(p.payloads) == ["ID", "HASH"] for p in mm5)
    assert all(p.fate.startswith("received by RT2") for p in mm5)
    # the payloads in clear: RT1's identity
    ident = mm5[0].payloads[0]
    assert any(c.name == "data" and c.value == "0a0a0a02" for c in ident.children)
