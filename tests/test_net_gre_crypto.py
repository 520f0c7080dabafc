"""GRE over a crypto map, with no special case: the GRE packet a tunnel sends leaves through
the routing table, meets the physical interface's crypto map (ACL `permit gre host A host
B`), triggers IKE, and once the SAs exist crosses the ISP as ESP only."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from scapy.layers.inet import IP

from ikesim.ios.config import apply_config_lines
from ikesim.net.builders import static_route
from ikesim.net.capture import Recorder
from ikesim.net.config import InterfaceConfig, TunnelConfig
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent


def test_gre_over_a_crypto_map_is_encrypted_by_the_map() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "missing-return-route-fixed.yaml")
    for name, local, peer, tunnel_ip, remote_lan in (
            ("RT1", "10.10.10.2", "11.11.11.2", "10.0.0.1/30", "172.16.2.0/24"),
            ("RT2", "11.11.11.2", "10.10.10.2", "10.0.0.2/30", "172.16.1.0/24")):
        spec = scenario.devices[name]
        config = apply_config_lines(spec.config, [
            "no access-list 101", f"access-list 101 permit gre host {local} host {peer}"])
        config.interfaces["Tunnel0"] = InterfaceConfig(
            "Tunnel0", ipaddress.IPv4Interface(tunnel_ip),
            tunnel=TunnelConfig(source="FastEthernet1/0",
                                destination=ipaddress.IPv4Address(peer)))
        config.static_routes.append(static_route(f"{remote_lan} Tunnel0"))
        spec.config = config
    runtime = Runtime(scenario)
    recorder = Recorder(runtime.lab)
    result = runtime.run()
    text = result.transcript_text()
    assert ".!!!!" in text and "!!!!!" in text
    # The first GRE packet met the crypto map without an SA: dropped, and IKE started.
    first = [e.fields for e in result.events.of_kind("drop")
             if e.fields["reason"] == "crypto-no-ipsec-sa"]
    assert first and first[0]["protocol"] == 47
    isp_side = [f for f in recorder.frames if f.link is not None
                and "ISP" in (f.sender.device, f.receiver.device)]
    protocols = {IP(f.data).proto for f in isp_side}
    assert protocols == {17, 50}  # IKE and ESP; never GRE in clear
    esp_out = [e.fields for e in result.events.of_kind("esp") if e.fields["direction"] == "out"]
    assert esp_out and all(e["inner"].startswith("IP proto 47") for e in esp_out)
