"""`tunnel protection ipsec profile`: GRE over IPsec and static VTIs (issue 9, route-based
VPNs). What crosses the ISP is IKE and ESP only, tshark decrypts the ESP to the GRE or inner
packets, IOS's proxy identities (host-to-host protocol 47 for GRE, any/any for a VTI), a VTI's
line protocol following its IPsec SA, `show crypto ipsec sa` per tunnel interface, and what
happens without a usable profile: nothing leaves in the clear."""

from __future__ import annotations

import ipaddress
import re
import subprocess
from pathlib import Path

import pytest
from crypto_labs import CATALOGUE, ISAKMP, blocks, lab_text, router, run_path, run_text
from tshark import tshark_path

from ikesim.export.pcap import Capture
from ikesim.ios.config import ConfigErrors, parse_config
from ikesim.ios.tunnel_protection import show_tunnel_maps
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

GRE_LAB = CATALOGUE / "tunnel-destination-unroutable-fixed.yaml"   # GRE, transport mode
VTI_LAB = CATALOGUE / "vti-transform-mismatch-fixed.yaml"


def _tunnel(n: int, *, mode: str = "", profile: str = "PROT", tset: str =
            "esp-aes 256 esp-sha256-hmac", transport: bool = False) -> str:
    peer = "11.11.11.2" if n == 1 else "10.10.10.2"
    return (ISAKMP + f"crypto isakmp key cisco123 address {peer}\n"
            f"crypto ipsec transform-set TS {tset}\n" + (" mode transport\n" if transport else "")
            + f"crypto ipsec profile {profile}\n set transform-set TS\n"
            f"interface Tunnel0\n ip address 192.168.12.{n} 255.255.255.252\n"
            f" tunnel source FastEthernet1/0\n{mode} tunnel destination {peer}\n"
            f" tunnel protection ipsec profile {profile}\n")


def _ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _route(n: int) -> str:
    return f"ip route 172.16.{3 - n}.0 255.255.255.0 Tunnel0"


def test_gre_tunnel_protection_carries_only_ike_and_esp(tmp_path: Path) -> None:
    ran = run_path(GRE_LAB)
    assert "!!!!!" in ran.text
    assert ran.isp_protocols() == {17, 50}               # never GRE or ICMP in the clear
    requests = ran.ike("ipsec_sa_request", "RT1")
    assert requests and all(
        (r["local_net"], r["local_mask"], r["remote_net"], r["remote_mask"], r["protocol"])
        == (_ip("10.10.10.2"), 0xFFFFFFFF, _ip("11.11.11.2"), 0xFFFFFFFF, 47) for r in requests)
    # transport mode: the ESP packets keep the GRE packet's addresses, no inner IP header
    out = [e for e in ran.events("esp", direction="out") if e["device"] == "RT1"]
    assert out and all(e["inner"].startswith("IP proto 47 10.10.10.2 > 11.11.11.2")
                       for e in out)
    ipsec = blocks(ran.text, "RT1#show crypto ipsec sa")[0]
    assert "interface: Tunnel0" in ipsec
    assert "Crypto map tag: Tunnel0-head-0, local addr 10.10.10.2" in ipsec
    assert "ip mtu idb FastEthernet1/0" in ipsec
    assert "in use settings ={Transport, }" in ipsec
    assert not re.search(r"#pkts encaps: 0,", ipsec)


@pytest.mark.parametrize("lab", [GRE_LAB, VTI_LAB], ids=["gre-transport", "vti-tunnel"])
def test_tshark_verifies_and_decrypts_every_esp_packet(tmp_path: Path, lab: Path) -> None:
    runtime = Runtime(load_scenario(lab))
    capture = Capture.attach(runtime, None)
    runtime.run()
    pcap, esp_keys = tmp_path / "lab.pcap", tmp_path / "esp_sa"
    capture.write_pcap(pcap)
    capture.write_esp_keys(esp_keys)
    cmd = [tshark_path(), "-n", "-r", str(pcap), "-Y", "esp", "-T", "fields",
           "-e", "esp.spi", "-e", "esp.icv_good", "-e", "esp.protocol", "-e", "gre.proto",
           "-e", "icmp.type", "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE"]
    for line in esp_keys.read_text().splitlines():
        cmd += ["-o", f"uat:esp_sa:{line}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    rows = [r.split("\t") for r in proc.stdout.splitlines()]
    assert len(rows) >= 10
    for _spi, icv_good, next_header, gre_proto, icmp in rows:
        assert icv_good in ("1", "True"), rows                  # every ICV verified
        if lab == GRE_LAB:     # ESP (transport) -> GRE -> IPv4 -> ICMP or OSPF
            assert next_header == "0x2f" and gre_proto == "0x0800", rows
        else:                  # ESP (tunnel) -> IPv4 -> ICMP
            assert next_header == "0x04" and icmp in ("0", "8"), rows


def test_vti_proposes_any_any_and_its_line_protocol_follows_the_sa(tmp_path: Path) -> None:
    events = ["{at: 0s, device: RT1, exec: debug crypto isakmp}",
              "{at: 5s, device: RT1, exec: show interfaces Tunnel0}",
              "{at: 10s, device: RT1, exec: clear crypto sa}",
              "{at: 10s, device: RT2, exec: show interfaces Tunnel0}",
              "{at: 15s, device: PC1, exec: ping 172.16.2.2}",
              "{at: 30s, device: RT1, exec: show crypto ipsec sa}"]
    text = lab_text(router(1, _tunnel(1, mode=" tunnel mode ipsec ipv4\n"), after=_route(1)),
                    router(2, _tunnel(2, mode=" tunnel mode ipsec ipv4\n"), after=_route(2)),
                    events)
    ran = run_text(tmp_path, text)
    requests = ran.ike("ipsec_sa_request")
    assert requests and all(r["local_mask"] == 0 and r["remote_mask"] == 0 and r["protocol"] == 0
                            for r in requests)
    changes = [(round(e["time"], 3), e["protocol"]) for e in ran.events("interface")
               if e["device"] == "RT1" and e["interface"] == "Tunnel0"]
    # up when the first SA exists, down when `clear crypto sa` deletes it, up again at once
    assert [p for _t, p in changes] == ["up", "down", "up"], changes
    assert changes[0][0] < 0.1 and changes[1][0] == 10.0 and changes[2][0] < 10.1
    assert "Tunnel0 is up, line protocol is up" in blocks(ran.text, "RT1#show interfaces")[0]
    assert "!!!!!" in blocks(ran.text, "PC1#ping")[0]
    ipsec = blocks(ran.text, "RT1#show crypto ipsec sa")[0]
    assert "local  ident (addr/mask/prot/port): (0.0.0.0/0.0.0.0/0/0)" in ipsec
    assert "in use settings ={Tunnel, }" in ipsec
    # the peer deleted its side too (IPsec DELETE), and asked again
    assert any(e["reason"] == "peer delete" for e in ran.ike("ipsec_sa_expired", "RT2"))


def test_vti_transform_mismatch_keeps_the_line_protocol_down(tmp_path: Path) -> None:
    ran = run_path(CATALOGUE / "vti-transform-mismatch.yaml")
    assert not [e for e in ran.events("interface") if e["interface"] == "Tunnel0"
                and e["protocol"] == "up"]
    shown = blocks(ran.text, "RT1#show interfaces Tunnel0")[0]
    assert "line protocol is down" in shown and "IPsec SA not up" in shown
    assert ran.isp_protocols() <= {17, 1}   # IKE, and PC1's echoes in clear via the default


def test_a_vti_accepts_only_any_any_proxies(tmp_path: Path) -> None:
    """A crypto map peer offers its ACL's subnets; a VTI accepts only 'IP any any' (IOS 12.4T
    VTI restrictions): proxy identities not supported."""
    cmap = (ISAKMP + "crypto isakmp key cisco123 address 10.10.10.2\n"
            "crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac\n"
            "crypto map CMAP 10 ipsec-isakmp\n set peer 10.10.10.2\n set transform-set TS\n"
            " match address 101\n")
    rt2 = router(2, cmap, outside="crypto map CMAP",
                 after="access-list 101 permit ip 172.16.2.0 0.0.0.255 172.16.1.0 0.0.0.255")
    rt1 = router(1, _tunnel(1, mode=" tunnel mode ipsec ipv4\n"), after=_route(1))
    ran = run_text(tmp_path, lab_text(rt1, rt2, ["{at: 5s, device: PC2, exec: ping 172.16.1.2}"]))
    refused = ran.ike("proxy_mismatch", "RT1")
    assert refused and refused[0]["remote_net"] == _ip("172.16.2.0")
    assert not ran.ike("ipsec_sa_created", "RT2")


def test_clear_gre_for_a_protected_tunnel_is_dropped(tmp_path: Path) -> None:
    rt1 = router(1, _tunnel(1), after=_route(1))
    plain = ("interface Tunnel0\n ip address 192.168.12.2 255.255.255.252\n"
             " tunnel source FastEthernet1/0\n tunnel destination 10.10.10.2\n")
    rt2 = router(2, plain, after=_route(2))
    ran = run_text(tmp_path, lab_text(rt1, rt2, ["{at: 5s, device: PC2, exec: ping 172.16.1.2}",
                                                 "{at: 5s, device: PC1, exec: ping 172.16.2.2}"]))
    assert len(ran.events("drop", reason="tunnel-not-ipsec", device="RT1")) == 5
    assert len(ran.events("drop", reason="tunnel-no-ipsec-sa", device="RT1")) == 5
    assert 47 in ran.isp_protocols()                     # RT2's clear GRE, never RT1's
    assert not [f for f in ran.recorder.frames if f.sender.device == "RT1" and
                f.data[9] == 47]


def test_a_missing_profile_is_an_error_and_a_removed_one_drops_everything(
        tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors) as caught:
        parse_config("hostname R\ninterface Tunnel0\n tunnel protection ipsec profile NOPE\n",
                     hostname="R", file="r.cfg")
    assert "r.cfg:3: % IPsec profile NOPE does not exist" in str(caught.value)
    events = ["{at: 1s, device: RT1, configure: 'no crypto ipsec profile PROT'}",
              "{at: 2s, device: RT1, exec: clear crypto sa}",
              "{at: 5s, device: PC1, exec: ping 172.16.2.2}"]
    ran = run_text(tmp_path, lab_text(router(1, _tunnel(1), after=_route(1)),
                                      router(2, _tunnel(2), after=_route(2)), events))
    assert "Success rate is 0 percent" in blocks(ran.text, "PC1#ping")[0]
    assert len(ran.events("drop", reason="tunnel-no-ipsec-sa", device="RT1")) >= 5
    assert not [f for f in ran.recorder.frames if f.link is not None and
                f.sender.device == "RT1" and f.data[9] in (1, 47)]   # nothing in the clear


def test_show_crypto_map_lists_the_profile_and_its_instance_per_tunnel(tmp_path: Path) -> None:
    events = ["{at: 5s, device: RT1, exec: show crypto map}",
              "{at: 5s, device: RT2, exec: show crypto map}"]
    gre = _tunnel(1).replace(" set transform-set TS\n", " set transform-set TS\n set pfs group14\n")
    vti = _tunnel(2, mode=" tunnel mode ipsec ipv4\n")
    ran = run_text(tmp_path, lab_text(router(1, gre, after=_route(1)),
                                      router(2, vti, after=_route(2)), events))
    shown = blocks(ran.text, "RT1#show crypto map")[0].splitlines()
    profile = shown.index('Crypto Map "Tunnel0-head-0" 65536 ipsec-isakmp')
    instance = shown.index('Crypto Map "Tunnel0-head-0" 65537 ipsec-isakmp')
    assert profile < instance
    assert shown[profile + 1] == "\tProfile name: PROT"
    assert shown[instance + 1:instance + 6] == [
        "\tMAP is a PROFILE INSTANCE.", "\tPeer = 11.11.11.2", "\tExtended IP access list",
        "\t    access-list  permit gre host 10.10.10.2 host 11.11.11.2",
        "\tCurrent peer: 11.11.11.2"]
    assert shown.count("\tPFS (Y/N): Y") == 2 and shown.count("\tDH group:  group14") == 2
    assert shown.count("\t\tTS:    { esp-256-aes esp-sha256-hmac  }, ") == 2
    assert shown[-2:] == ["\tInterfaces using crypto map Tunnel0-head-0:", "\t\tTunnel0"]
    vti_shown = blocks(ran.text, "RT2#show crypto map")[0]
    assert "\t    access-list  permit ip any any" in vti_shown
    assert "\tPFS (Y/N): N" in vti_shown and "DH group" not in vti_shown
    # a protected tunnel without a destination negotiates nothing: no map entries
    config = parse_config(_tunnel(1).replace(" tunnel destination 11.11.11.2\n", ""),
                          hostname="RT1", file="r.cfg")
    assert show_tunnel_maps(config) == []
