"""Crypto maps as real configurations use them (issue 9): own IKE never through a crypto map,
`crypto map M local-address IF`, dynamic maps (responder only), reverse route injection,
lifetimes (per entry and global), the replay window, transport mode, ISAKMP profiles matched on
the peer's identity with keyrings bound to a local address, and `clear crypto sa` telling the
peer with an IPsec DELETE."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crypto_labs import CATALOGUE, ISAKMP, Ran, blocks, lab_text, router, run_path, run_text
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.ios.config import parse_config

ACL1 = "access-list 101 permit ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255"
ACL2 = "access-list 101 permit ip 172.16.2.0 0.0.0.255 172.16.1.0 0.0.0.255"
PING = ["{at: 5s, device: PC1, exec: ping 172.16.2.2}",
        "{at: 20s, device: PC1, exec: ping 172.16.2.2}"]


def _ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _map(peer: str, *, extra: str = "", tset: str = "esp-aes esp-sha-hmac",
         transport: bool = False, key: bool = True) -> str:
    return (ISAKMP + (f"crypto isakmp key cisco123 address {peer}\n" if key else "")
            + f"crypto ipsec transform-set TS {tset}\n" + (" mode transport\n" if transport else "")
            + f"crypto map CMAP 10 ipsec-isakmp\n set peer {peer}\n set transform-set TS\n"
              f" match address 101\n{extra}")


def _pair(rt1: str = "", rt2: str = "", *, after1: str = ACL1, after2: str = ACL2,
          outside1: str = "crypto map CMAP", outside2: str = "crypto map CMAP",
          body1: str | None = None, body2: str | None = None) -> tuple[str, str]:
    return (router(1, body1 if body1 is not None else _map("11.11.11.2", extra=rt1),
                   outside=outside1, after=after1),
            router(2, body2 if body2 is not None else _map("10.10.10.2", extra=rt2),
                   outside=outside2, after=after2))


def test_own_ike_is_never_encrypted_by_a_crypto_acl_covering_the_peers(tmp_path: Path) -> None:
    """`permit ip any any` on both routers covers the routers' own UDP 500: IOS still sends its
    IKE in the clear, debug says "sending packet", and then everything else is ESP."""
    rt1, rt2 = _pair(after1="access-list 101 permit ip any any",
                     after2="access-list 101 permit ip any any")
    ran = run_text(tmp_path, lab_text(rt1, rt2, ["{at: 0s, device: RT1, exec: debug crypto "
                                                 "isakmp}", *PING]))
    assert ".!!!!" in ran.text and "!!!!!" in ran.text
    assert not ran.events("drop", protocol=17)
    assert ran.isp_protocols() == {17, 50}
    assert "sending packet to 11.11.11.2 my_port 500 peer_port 500 (I) MM_NO_STATE" in ran.text
    udp = [f for f in ran.recorder.frames if f.link is not None and f.data[9] == 17]
    assert udp and all(int.from_bytes(f.data[22:24], "big") == 500 for f in udp)


def test_crypto_map_local_address_sources_ike_and_esp(tmp_path: Path) -> None:
    lo1 = "interface Loopback0\n ip address 1.1.1.1 255.255.255.255\n"
    lo2 = "interface Loopback0\n ip address 2.2.2.2 255.255.255.255\n"
    rt1 = router(1, lo1 + _map("2.2.2.2") + "crypto map CMAP local-address Loopback0\n",
                 outside="crypto map CMAP", after=ACL1 + "\nip route 2.2.2.2 255.255.255.255 "
                 "10.10.10.1")
    rt2 = router(2, lo2 + _map("1.1.1.1") + "crypto map CMAP local-address Loopback0\n",
                 outside="crypto map CMAP", after=ACL2 + "\nip route 1.1.1.1 255.255.255.255 "
                 "11.11.11.1")
    isp_routes = ("      ip route 1.1.1.1 255.255.255.255 10.10.10.2\n"
                  "      ip route 2.2.2.2 255.255.255.255 11.11.11.2\n")
    text = lab_text(rt1, rt2, [*PING, "{at: 30s, device: RT1, exec: show crypto ipsec sa}"])
    text = text.replace("       ip address 11.11.11.1 255.255.255.0\n",
                        "       ip address 11.11.11.1 255.255.255.0\n" + isp_routes)
    ran = run_text(tmp_path, text)
    assert "!!!!!" in ran.text
    sent = ran.ike("tx", "RT1")
    assert sent and {(e["local"] if "local" in e else None, e["peer"]) for e in sent} >= set() \
        and all(e["peer"] == "2.2.2.2" for e in sent)
    created = ran.ike("sa_created", "RT1")
    assert created and created[0]["local"] == "1.1.1.1"
    esp = [f for f in ran.recorder.frames if f.link is not None and f.data[9] == 50]
    assert esp and {(f.data[12:16], f.data[16:20]) for f in esp} == {
        (bytes([1, 1, 1, 1]), bytes([2, 2, 2, 2])), (bytes([2, 2, 2, 2]), bytes([1, 1, 1, 1]))}
    ipsec = blocks(ran.text, "RT1#show crypto ipsec sa")[0]
    assert "local addr 1.1.1.1" in ipsec and "ip mtu idb Loopback0" in ipsec


def test_dynamic_map_hub_answers_never_initiates_and_injects_routes() -> None:
    ran = run_path(CATALOGUE / "dynamic-map-wildcard-key-fixed.yaml")
    assert not [e for e in ran.ike("sa_created", "HUB") if e["role"] == "I"]
    assert not ran.ike("ipsec_sa_request", "HUB")
    routes = {(r.prefix, r.length, r.next_hop) for r in ran.service("HUB").rri.routes()}
    assert routes == {(_ip("172.16.1.0"), 24, _ip("11.11.11.2")),
                      (_ip("172.16.2.0"), 24, _ip("12.12.12.2"))}
    # traffic from the hub's LAN rides the SA the spoke made (the temporary entry)
    assert "!!!!!" in blocks(ran.text, "PC0#ping 172.16.1.2")[0]


def _hub(tmp_path: Path, dynamic_extra: str, events: list[str], acl: str = "") -> Ran:
    hub = (ISAKMP + "crypto isakmp key cisco123 address 0.0.0.0\n"
           "crypto ipsec transform-set TS esp-aes esp-sha-hmac\n"
           f"crypto dynamic-map DYN 10\n{dynamic_extra}"
           "crypto map CMAP 65535 ipsec-isakmp dynamic DYN\n")
    rt1 = router(1, _map("11.11.11.2"), outside="crypto map CMAP", after=ACL1)
    rt2 = router(2, hub, outside="crypto map CMAP",
                 after="access-list 120 permit ip 172.16.2.0 0.0.0.255 172.16.1.0 0.0.0.255\n"
                 + acl)
    return run_text(tmp_path, lab_text(rt1, rt2, events))


def test_dynamic_entry_acl_drops_hub_traffic_without_sa_and_bounds_proxies(
        tmp_path: Path) -> None:
    ran = _hub(tmp_path, " set transform-set TS\n match address 120\n reverse-route\n",
               ["{at: 2s, device: PC2, exec: ping 172.16.1.2}",
                "{at: 15s, device: PC1, exec: ping 172.16.2.2}",
                "{at: 30s, device: RT2, exec: show ip route}"])
    first = blocks(ran.text, "PC2#ping")[0]          # the hub cannot initiate: dropped
    assert "Success rate is 0 percent" in first
    drops = ran.events("drop", reason="crypto-no-ipsec-sa", device="RT2")
    assert len(drops) >= 5 and drops[0]["peer"] == "dynamic"
    assert ".!!!!" in blocks(ran.text, "PC1#ping")[0]
    assert "S       172.16.1.0 [1/0] via 10.10.10.2" in blocks(ran.text, "RT2#show ip route")[0]
    # an offer outside the dynamic entry's ACL is refused
    narrow = _hub(tmp_path, " set transform-set TS\n match address 121\n", PING[:1],
                  "access-list 121 permit ip 172.16.9.0 0.0.0.255 172.16.1.0 0.0.0.255")
    assert narrow.ike("proxy_mismatch", "RT2")
    assert "Success rate is 0 percent" in blocks(narrow.text, "PC1#ping")[0]


def test_dynamic_entry_without_transform_set_is_ignored(tmp_path: Path) -> None:
    ran = _hub(tmp_path, " match address 120\n", PING[:1])
    refused = ran.ike("ipsec_atts_not_acceptable", "RT2")
    assert refused and refused[0]["reason"] == "no_map"
    assert "Success rate is 0 percent" in blocks(ran.text, "PC1#ping")[0]


def test_reverse_route_follows_the_sa(tmp_path: Path) -> None:
    rt1, rt2 = _pair(rt2=" reverse-route\n")
    events = [*PING[:1], "{at: 15s, device: RT2, exec: show ip route}",
              "{at: 16s, device: RT2, exec: clear crypto sa}",
              "{at: 17s, device: RT2, exec: show ip route}"]
    ran = run_text(tmp_path, lab_text(rt1, rt2, events))
    before, after = blocks(ran.text, "RT2#show ip route")
    assert "S       172.16.1.0 [1/0] via 10.10.10.2" in before
    assert "172.16.1.0" not in after


def test_lifetimes_per_entry_and_global(tmp_path: Path) -> None:
    glob = "crypto ipsec security-association lifetime seconds 900\n" \
           "crypto ipsec security-association lifetime kilobytes 10000\n"
    rt1 = router(1, glob + _map("11.11.11.2"), outside="crypto map CMAP", after=ACL1)
    rt2 = router(2, _map("10.10.10.2", extra=" set security-association lifetime seconds 600\n"),
                 outside="crypto map CMAP", after=ACL2)
    ran = run_text(tmp_path, lab_text(rt1, rt2, PING[:1]))
    request = ran.ike("ipsec_sa_request", "RT1")[0]
    assert (request["lifetime_seconds"], request["lifetime_kb"]) == (900, 10000)
    made = {(e["device"], e["lifetime_seconds"]) for e in ran.ike("ipsec_sa_created")}
    assert made == {("RT1", 900), ("RT2", 600)}


def test_replay_window_size_is_the_global_setting(tmp_path: Path) -> None:
    rt1 = router(1, "crypto ipsec security-association replay window-size 1024\n"
                 + _map("11.11.11.2"), outside="crypto map CMAP", after=ACL1)
    rt2 = router(2, _map("10.10.10.2"), outside="crypto map CMAP", after=ACL2)
    ran = run_text(tmp_path, lab_text(rt1, rt2, PING[:1]))
    (pair,) = ran.service("RT1").engine.ipsec_pairs()
    (other,) = ran.service("RT2").engine.ipsec_pairs()
    assert pair.inbound.replay_window == 1024 and other.inbound.replay_window == 64


def test_transport_mode_only_between_the_peers_themselves(tmp_path: Path) -> None:
    acl1 = ACL1 + "\naccess-list 101 permit ip host 10.10.10.2 host 11.11.11.2"
    acl2 = ACL2 + "\naccess-list 101 permit ip host 11.11.11.2 host 10.10.10.2"
    body1, body2 = _map("11.11.11.2", transport=True), _map("10.10.10.2", transport=True)
    rt1, rt2 = _pair(after1=acl1, after2=acl2, body1=body1, body2=body2)
    events = [*PING[:1], "{at: 15s, device: RT1, exec: ping 11.11.11.2}"]
    ran = run_text(tmp_path, lab_text(rt1, rt2, events))
    modes = {(p.proxy.local_mask, p.outbound.transform.mode)
             for p in ran.service("RT1").engine.ipsec_pairs()}
    assert modes == {(0xFFFFFF00, "tunnel"), (0xFFFFFFFF, "transport")}
    assert ".!!!!" in blocks(ran.text, "RT1#ping 11.11.11.2")[0]
    transport = [f for f in ran.recorder.frames if f.link is not None and f.data[9] == 50
                 and f.data[12:16] == bytes([10, 10, 10, 2])]
    assert transport                                   # ESP between the peers' own addresses


def test_profiles_match_the_peer_identity_and_keyrings_their_local_address(
        tmp_path: Path) -> None:
    ran = run_path(CATALOGUE / "keyring-missing-peer-key-fixed.yaml")
    matched = {(e["device"], e["profile"]) for e in ran.ike("profile_match")}
    assert matched == {("RT1", "HQ"), ("RT2", "BRANCHES")}
    # an entry bound to another profile does not serve the SA
    rt1, rt2 = _pair(rt2=" set isakmp-profile OTHER\n",
                     body2=None)
    rt2 = rt2.replace("crypto map CMAP 10", "crypto keyring K\n pre-shared-key address "
                      "10.10.10.2 key cisco123\ncrypto isakmp profile OTHER\n keyring K\n"
                      " match identity address 12.12.12.2 255.255.255.255\n"
                      "crypto map CMAP 10", 1)
    ran = run_text(tmp_path, lab_text(rt1, rt2, PING[:1]))
    assert {e["profile"] for e in ran.ike("profile_match", "RT2")} == {""}
    refused = ran.ike("ipsec_atts_not_acceptable", "RT2")
    assert refused and refused[0]["reason"] == "no_map"


def test_keyring_local_address_restricts_the_key(tmp_path: Path) -> None:
    ring = ("crypto keyring K\n local-address FastEthernet0/0\n"
            " pre-shared-key address 10.10.10.2 key cisco123\n")
    rt1, rt2 = _pair(body2=ring + _map("10.10.10.2", key=False))
    ran = run_text(tmp_path, lab_text(rt1, rt2, PING[:1]))
    assert ran.ike("no_psk", "RT2")                    # IKE arrives on Fa1/0, not Fa0/0
    rt1, rt2 = _pair(body2=ring.replace("FastEthernet0/0", "FastEthernet1/0")
                     + _map("10.10.10.2", key=False))
    ran = run_text(tmp_path, lab_text(rt1, rt2, PING[:1]))
    assert not ran.ike("no_psk") and ran.ike("qm_complete", "RT2")


def test_clear_crypto_sa_sends_an_ipsec_delete_and_the_peer_deletes(tmp_path: Path) -> None:
    rt1, rt2 = _pair()
    events = [*PING[:1], "{at: 15s, device: RT1, exec: debug crypto isakmp}",
              "{at: 16s, device: RT1, exec: clear crypto sa peer 11.11.11.2}",
              "{at: 20s, device: RT2, exec: show crypto ipsec sa}",
              "{at: 25s, device: RT1, exec: clear crypto isakmp}",
              "{at: 26s, device: PC1, exec: ping 172.16.2.2}",
              "{at: 40s, device: RT1, exec: clear crypto isakmp}",
              "{at: 41s, device: RT1, exec: clear crypto sa}"]
    ran = run_text(tmp_path, lab_text(rt1, rt2, events, duration=50))
    gone = [e for e in ran.ike("ipsec_sa_expired", "RT2") if e["reason"] == "peer delete"]
    assert len(gone) == 1 and gone[0]["time"] < 16.1
    assert "#pkts encaps: 0" in blocks(ran.text, "RT2#show crypto ipsec sa")[0]
    assert "processing DELETE payload" not in ran.text.split("RT1#clear crypto sa")[0]
    # renegotiated for the next ping; then, with no ISAKMP SA left, nothing can be sent
    assert ".!!!!" in blocks(ran.text, "PC1#ping")[1]
    ignored = ran.ike("delete_notify_ignored", "RT1")
    assert len(ignored) == 2 and ignored[0]["time"] == 41.0
    assert "ignoring request to send delete notify (no ISAKMP sa) src 10.10.10.2 dst " \
           "11.11.11.2 for SPI 0x" in ran.text


def test_bad_crypto_combinations_are_file_line_errors_or_ignored_as_on_ios(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ikesim.cli import main

    bad = ("hostname R\ncrypto ipsec transform-set TS esp-aes esp-sha-hmac\n"
           "crypto ipsec profile P\n set transform-set NOPE\n"
           "interface Tunnel0\n ip address 192.168.0.1 255.255.255.252\n"
           " tunnel protection ipsec profile MISSING\n"
           "crypto dynamic-map D 10\n match address 150\n"
           "crypto map M 10 ipsec-isakmp dynamic NODYN\n"
           "crypto map M 20 ipsec-isakmp dynamic D\n")
    (tmp_path / "r.cfg").write_text(bad)
    (tmp_path / "lab.yaml").write_text("name: bad\nrouters:\n  R: {config_file: r.cfg}\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "lab.yaml")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert 'r.cfg:4: ERROR: transform set with tag "NOPE" does not exist.' in result.output
    assert "r.cfg:7: % IPsec profile MISSING does not exist" in result.output
    assert "r.cfg:8" not in result.output and "r.cfg:10" not in result.output
    # the incomplete dynamic entries load and are ignored at run time (the hub refuses)
    good = bad.replace(" set transform-set NOPE\n", "").replace("MISSING", "P")
    (tmp_path / "r.cfg").write_text(good + "interface FastEthernet0/0\n ip address 10.0.0.1 "
                                    "255.255.255.0\n crypto map M\n")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "lab.yaml")])
    assert result.exit_code == 0, result.output


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 65535), min_size=1, max_size=30))
def test_crypto_map_entries_sorted_by_sequence_in_any_typed_order(seqs: list[int]) -> None:
    """Entries are kept in sequence order whatever order they are typed in; an entry typed again
    is the same entry (its first line and set peer kept), never a duplicate."""
    lines = []
    for k, seq in enumerate(seqs):
        lines += [f"crypto map M {seq} ipsec-isakmp", f" set peer 10.0.{k // 250}.{k % 250 + 1}"]
    entries = parse_config("\n".join(lines)).crypto.maps["M"]
    assert [e.sequence for e in entries] == sorted(set(seqs))
    first_line = {seq: 2 * seqs.index(seq) + 1 for seq in seqs}
    assert [e.line for e in entries] == [first_line[e.sequence] for e in entries]
    assert all(len(e.peers) == seqs.count(e.sequence) for e in entries)
