"""`ikesim new LAB.yaml --from A.cfg B.cfg`: labs from real configurations (tests/data/real-configs).

Working pairs must bring phase 1 and 2 up and ping `!!!!!` across with ESP on the wire and
nothing in clear between the routers; pairs that are broken as published fail for their real
reason. Every generated lab passes `ikesim validate`.
Labs without a LAN on both sides ping across the tunnel from a router (the far end of its
tunnel, or its IPsec peer when the crypto ACL covers the peers' own addresses).
"""

from __future__ import annotations

import ipaddress
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from crypto_labs import Ran, run_path

from ikesim.cli import main
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import run_scenario

CORPUS = Path(__file__).parent / "data" / "real-configs"


# labs whose VPN must come up and carry the pings in ESP (2 files: the two sites; more: the
# sites and the NAT routers between them)
PAIRS = [
    ("edwin-policy-R1.cfg", "edwin-policy-R2.cfg"),
    ("wasifgull-R1.cfg", "wasifgull-R2.cfg"),
    ("krut0g0lov-R1.cfg", "krut0g0lov-R3.cfg"),          # OSPF on the LAN side
    # GRE with tunnel protection (tunnel and transport mode transform sets)
    ("edwin-route-R1.cfg", "edwin-route-R2.cfg"),
    ("edwin-gre-R1.cfg", "edwin-gre-R2.cfg"),
    # no LAN: the first router pings its peer, whose address the crypto ACL covers (own IKE
    # still in the clear); L2TPv3 ignored
    ("winahyu-R1.cfg", "winahyu-R2.cfg"),
    # no LAN: GRE over a crypto map with OSPF over the tunnel; the tunnel's far end is pinged
    ("marius-R1.cfg", "marius-R4.cfg"),
    # static VTIs with keyrings bound to local addresses; the tunnel's far end is pinged
    ("batfish-vti-r1.cfg", "batfish-vti-r2.cfg"),
    ("batfish-vti-r2.cfg", "batfish-vti-r3.cfg"),
    # VTIs behind static NAT (R2, R4: `ip nat outside` faces the ISP): NAT-T, ESP in UDP 4500
    ("toshi-R1.cfg", "toshi-R2-nat.cfg", "toshi-R4-nat.cfg", "toshi-R5.cfg"),
]
# pair -> (the router that has no route to its peer, the peer's address): the router's IKE
# packets never reach the peer (IOS debug keeps "sending packet" and retransmits; the drop is
# in routing, not in IKE).
BROKEN = {
    ("asamandi-R1.cfg", "asamandi-R2.cfg"): ("R1", "20.0.0.2"),
    ("huguesgy-R1-Siege.cfg", "huguesgy-R2-Filiale.cfg"): ("Filiale", "203.0.113.1"),
}
# r3's keyring13 holds "keyring13password_WITH_TYPO" for r1 (the file says so: "The VPN should
# not be established because the password is mistyped below").
PSK_MISMATCH = ("batfish-vti-r1.cfg", "batfish-vti-r3.cfg")
ALL = [*PAIRS, *BROKEN, PSK_MISMATCH]


def _ids(pairs: object) -> list[str]:
    return ["+".join(n.removesuffix(".cfg") for n in pair) for pair in pairs]  # type: ignore


def _new(tmp_path: Path, pair: tuple[str, str]) -> Path:
    for name in pair:
        shutil.copyfile(CORPUS / name, tmp_path / name)
    lab = tmp_path / "lab.yaml"
    result = CliRunner().invoke(main, ["new", str(lab), "--from", *(str(tmp_path / n)
                                                                     for n in pair)])
    assert result.exit_code == 0, result.output
    return lab


def _blocks(text: str, prompt: str) -> list[str]:
    """The outputs of the commands typed at ``prompt`` (e.g. ``PC1#ping``), each up to the next
    prompt or log line."""
    return [re.split(r"\n(?:\S+#|\d\d:\d\d:\d\d)", b)[0] for b in text.split(prompt)[1:]]


def _pings(lab: Path, text: str) -> list[str]:
    """The output of every ping the generated lab runs, in order."""
    events = yaml.safe_load(lab.read_text())["events"]
    commands = [f"{e['device']}#{e['exec']}" for e in events if e["exec"].startswith("ping")]
    out = []
    for command in dict.fromkeys(commands):
        out += _blocks(text, command)
    return out


def test_at_least_ten_pairs() -> None:
    assert len(PAIRS) >= 10 and len(set(ALL)) == len(PAIRS) + len(BROKEN) + 1
    assert all((CORPUS / name).is_file() for pair in ALL for name in pair)


def _between_routers(ran: Ran, hosts: set[str]) -> list[tuple[int, int | None]]:
    """(IP protocol, UDP destination port) of every frame that crossed a link between two
    routers (the ISP's links, or a direct link between the sites); ESP inside UDP 4500 (RFC
    3948: no non-ESP marker, a non-zero SPI) counts as protocol 50."""
    out: list[tuple[int, int | None]] = []
    for frame in ran.recorder.frames:
        if frame.link is None or frame.sender is None or frame.receiver is None:
            continue
        if {frame.sender.device, frame.receiver.device} & hosts:
            continue
        proto = frame.data[9]
        header = (frame.data[0] & 15) * 4
        dport = int.from_bytes(frame.data[header + 2:header + 4], "big") if proto == 17 else None
        if dport == 4500 and frame.data[header + 8:header + 12] != bytes(4):
            proto, dport = 50, None
        out.append((proto, dport))
    return out


@pytest.mark.parametrize("pair", PAIRS, ids=_ids(PAIRS))
def test_pair_brings_the_tunnel_up_and_pings_across(tmp_path: Path, pair: tuple[str, ...]) -> None:
    lab = _new(tmp_path, pair)
    ran = run_path(lab)
    sc, text = ran.runtime.scenario, ran.text
    pings = _pings(lab, text)
    assert len(pings) == 2 and "!!!!!" in pings[1], pings
    sites = [r for r in sc.routers if r.config.crypto.policies]
    assert len(sites) == 2
    for router in sites:
        isakmp = _blocks(text, f"{router.name}#show crypto isakmp sa")[0]
        assert "QM_IDLE" in isakmp
        ipsec = _blocks(text, f"{router.name}#show crypto ipsec sa")[0]
        encaps = [int(n) for n in re.findall(r"#pkts encaps: (\d+)", ipsec)]
        assert encaps and max(encaps) >= 9        # ESP on the wire, not traffic in clear
    # between the routers: ESP frames, and nothing the pings carried in clear (no ICMP, no
    # GRE); UDP only for IKE (500, or 4500 after NAT-T); OSPF only where a published config
    # runs it on its outside interface
    crossing = _between_routers(ran, {h.name for h in sc.hosts})
    assert sum(1 for proto, _port in crossing if proto == 50) >= 18, crossing
    assert {proto for proto, _port in crossing} <= {17, 50, 89}, crossing
    assert {port for proto, port in crossing if proto == 17} <= {500, 4500}, crossing
    esp_inner = [e.fields["inner"] for e in ran.result.events.of_kind("esp")
                 if e.fields["direction"] == "out"]
    assert any("ICMP echo" in i or i.startswith("IP proto 47") for i in esp_inner)


def test_psk_mismatch_pair_fails_in_main_mode(tmp_path: Path) -> None:
    """r1 and r3 hold different keys for each other: main mode stops at MM_KEY_EXCH (each side
    cannot decrypt the other's MM5, IOS's %CRYPTO-4-IKMP_BAD_MESSAGE), the VTI stays down and
    the ping across it fails."""
    lab = _new(tmp_path, PSK_MISMATCH)
    sc = load_scenario(lab)
    text = run_scenario(sc).transcript_text()
    pings = _pings(lab, text)
    assert len(pings) == 2 and all("Success rate is 0 percent" in p for p in pings), pings
    assert "QM_IDLE" not in text
    assert "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 10.13.0.3" in text
    assert "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 10.13.0.1" in text
    assert "MM_KEY_EXCH" in _blocks(text, "r1#show crypto isakmp sa")[0]
    keys = {name: [k.key for ring in sc.devices[name].config.crypto.keyrings.values()
                   for k in ring.keys if str(k.address).startswith("10.13.")]
            for name in ("r1", "r3")}
    assert keys == {"r1": ["keyring13password"], "r3": ["keyring13password_WITH_TYPO"]}


@pytest.mark.parametrize("pair", list(BROKEN), ids=_ids(BROKEN))
def test_broken_pair_fails_for_its_real_reason(tmp_path: Path, pair: tuple[str, str]) -> None:
    device, peer = BROKEN[pair]
    sc = load_scenario(_new(tmp_path, pair))
    text = run_scenario(sc).transcript_text()
    pings = _blocks(text, "PC1#ping")
    assert len(pings) == 2 and all("Success rate is 0 percent" in p for p in pings)
    # phase 1 never completes ("set new node 0 to QM_IDLE" is 15.x bookkeeping at MM1, trace 07)
    assert not [line for line in text.splitlines() if "QM_IDLE" in line and "new node" not in line]
    for router in sc.routers:        # and no SA in any table
        if router.name != "ISP":
            assert "QM_IDLE" not in _blocks(text, f"{router.name}#show crypto isakmp sa")[0]
    unrouted = sc.devices[device].config
    assert not any(r.prefix.supernet_of(ipaddress.ip_network(peer)) for r in
                   unrouted.static_routes)           # the published config has no such route
    mine = next(i.address.ip for i in unrouted.interfaces.values() if i.crypto_map)
    assert f"received packet from {mine}" not in text   # the peer never hears from it


@pytest.mark.parametrize("pair", ALL, ids=_ids(ALL))
def test_every_generated_lab_validates(tmp_path: Path, pair: tuple[str, ...]) -> None:
    lab = _new(tmp_path, pair)
    sc = load_scenario(lab)
    assert {r.name for r in sc.routers} >= {r.config.hostname for r in sc.routers
                                             if r.name != "ISP"}
    assert len(sc.links) >= 1
    result = CliRunner().invoke(main, ["validate", str(lab)])
    assert result.exit_code == 0, result.output


def test_generated_lab_explains_itself_and_uses_the_files_verbatim(tmp_path: Path) -> None:
    lab = _new(tmp_path, ("krut0g0lov-R1.cfg", "krut0g0lov-R3.cfg"))
    text = lab.read_text()
    assert text.startswith("# Generated by `ikesim new lab.yaml --from ")
    data = yaml.safe_load(text)
    assert data["routers"]["R1"]["config_file"] == "krut0g0lov-R1.cfg"
    assert data["routers"]["R1"]["platform"] == "ios15"        # `version 17.3`
    isp = data["routers"]["ISP"]["config"]
    assert "ip address 64.100.0.1 255.255.255.252" in isp     # R1's default route next hop
    assert "ip route" not in isp                                # connected routes only
    assert data["hosts"]["PC1"] == {"address": "10.10.0.2/30", "gateway": "10.10.0.1"}
    assert {"at": "10s", "device": "PC1", "exec": "ping 10.10.4.2"} in data["events"]
    assert "# Topology inferred from them:" in text and "connected routes only" in text


def test_unmodelled_features_are_ignored_with_a_comment_naming_the_lines(
        tmp_path: Path) -> None:
    lab = _new(tmp_path, ("winahyu-R1.cfg", "winahyu-R2.cfg"))
    text = lab.read_text()
    assert "ignore: [l2tpv3]" in text
    assert "#   L2TPv3 pseudowires (lines 74-75, 81-82): the lab lacks" in text
    data = yaml.safe_load(text)
    assert "ISP" not in data["routers"]          # peers on one subnet: linked directly
    assert data["links"] == [{"a": "R1 Fa0/1", "b": "R2 Fa0/1"}]


def test_shared_hostnames_get_scenario_names(tmp_path: Path) -> None:
    lab = _new(tmp_path, ("edwin-policy-R1.cfg", "edwin-route-R1.cfg"))
    data = yaml.safe_load(lab.read_text())
    assert set(data["routers"]) >= {"R1", "R1-2"}
    assert data["routers"]["R1-2"]["config_hostname"] == "R1"
    sc = load_scenario(lab)
    assert sc.devices["R1-2"].config.hostname == "R1-2"     # runs under its scenario name


def test_new_refuses_configs_outside_the_lab_folder_and_bad_configs(tmp_path: Path) -> None:
    inside = tmp_path / "lab"
    inside.mkdir()
    runner = CliRunner()
    out = runner.invoke(main, ["new", str(inside / "x.yaml"), "--from",
                               str(CORPUS / "edwin-policy-R1.cfg")])
    assert out.exit_code == 2 and "outside the lab's folder" in out.output
    bad = inside / "bad.cfg"
    bad.write_text("hostname B\ninterface Fa0/0\n ip adress 1.1.1.1 255.0.0.0\n")
    out = runner.invoke(main, ["new", str(inside / "x.yaml"), "--from", str(bad)])
    assert out.exit_code == 2 and "bad.cfg:3: % Invalid input detected" in out.output
    assert not (inside / "x.yaml").exists()


def test_outcome_pairs_vti_peers_seen_through_static_nat(tmp_path: Path) -> None:
    """R1's tunnel destination 2.0.0.4 is R4's outside address, which R4 translates (static
    UDP 500/4500) to R5's tunnel source: the outcome pairs R1 with R5 (not with the NAT
    router) and reports the tunnel healthy."""
    pair = ("toshi-R1.cfg", "toshi-R2-nat.cfg", "toshi-R4-nat.cfg", "toshi-R5.cfg")
    result = CliRunner().invoke(main, ["run", str(_new(tmp_path, pair))])
    assert result.exit_code == 0, result.output
    outcome = result.output[result.output.index("=== ikesim: outcome"):]
    assert "R1 <-> R5 (192.168.0.1 <-> 192.168.1.5): HEALTHY" in outcome
    assert "R4" not in outcome.split("\n")[1] and "FAILED" not in outcome
