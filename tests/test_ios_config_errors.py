"""Malformed IOS configuration: each one raises InputError at the right line with an IOS reason."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.errors import InputError
from ikesim.ios.config import apply_config_lines, parse_config
from ikesim.ios.config.cursor import INCOMPLETE, INVALID

# A valid preamble so error line numbers are not trivially 1.
PRE = "hostname RT1\n!\ninterface FastEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n!\n"
PRE_LINES = PRE.count("\n")

# (config text after PRE, 1-based line of the error within that text, exact reason)
CASES = [
    ("ip roote 0.0.0.0 0.0.0.0 1.1.1.1", 1, INVALID),
    ("ip rout 0.0.0.0 0.0.0.0 1.1.1.1", 1, "% Ambiguous command"),      # route / routing
    ("ip route 0.0.0.0 0.0.0.0", 1, INCOMPLETE),
    ("interface fa0/1\n ip address 300.1.1.1 255.255.255.0", 2,
     "% Invalid IP address '300.1.1.1'"),
    ("ip route 10.1.1.1 255.255.255.0 10.0.0.2", 1, "%Inconsistent address and mask"),
    ("ip route 10.1.0.0 255.0.255.0 10.0.0.2", 1, "%Inconsistent address and mask"),
    ("interface fa0/1\n ip address 10.1.1.1 255.0.255.0", 2,
     "% Bad mask 255.0.255.0 for address 10.1.1.1"),
    ("interface fa0/1\n ip address 10.1.1.0 255.255.255.0", 2,
     "% Bad mask /24 for address 10.1.1.0"),
    ("interface fa0/1\n ip address 10.0.0.1 255.255.255.0", 2,
     "% 10.0.0.0 overlaps with FastEthernet0/0"),
    ("interface lo0\n ip address 10.0.0.77 255.255.255.255", 2,
     "% 10.0.0.77 overlaps with FastEthernet0/0"),
    ("interface fa0/0\n ip access-group 101 inbound", 2,
     "% Invalid access-group direction 'inbound' (in|out)"),
    ("interface fa0/0\n ip address 10.0.0.1 255.255.255.0 secondary", 2,
     "% 'secondary' is not supported by ikesim"),
    ("interface foo0/0", 1, "% Invalid interface type and number"),
    ("interface Loopback0/1", 1, "% Invalid interface type and number"),
    ("crypto isakmp policy 1\n encr 3des\n frobnicate 3", 3,
     "% Unknown ISAKMP policy attribute 'frobnicate'"),
    ("crypto isakmp policy 1\n authentication psk", 2,
     "% Invalid authentication 'psk' (pre-share, rsa-sig, rsa-encr)"),
    ("crypto isakmp policy 1\n group 3", 2,
     "% Unsupported Diffie-Hellman group '3' (1, 2, 5, 14)"),
    ("crypto isakmp policy 1\n encryption aes 512", 2,
     "% Invalid AES key size 512 (128, 192, 256)"),
    ("crypto isakmp policy 1\n lifetime 59", 2,
     "% Invalid ISAKMP SA lifetime 59 (valid range 60-86400)"),
    ("crypto isakmp policy 1\n lifetime 86401", 2,
     "% Invalid ISAKMP SA lifetime 86401 (valid range 60-86400)"),
    ("crypto isakmp policy 1\n hash sha1", 2,
     "% Invalid hash 'sha1' (md5, sha, sha256, sha384, sha512)"),
    ("crypto isakmp policy 0", 1,
     "% Invalid ISAKMP policy priority 0 (valid range 1-10000)"),
    ("crypto ipsec transform-set TS esp-foo esp-sha-hmac", 1, "% Unknown transform 'esp-foo'"),
    ("crypto ipsec transform-set TS esp-des esp-3des", 1,
     "% Transform set can hold one ESP encryption transform (esp-des and esp-3des)"),
    ("crypto ipsec transform-set TS", 1, INCOMPLETE),
    ("set peer 11.11.11.2", 1,
     "% Invalid input detected ('set' is only valid under a crypto map or a route-map)"),
    ("crypto map M 10 ipsec-isakmp\n set transform-set NOPE", 2,
     'ERROR: transform set with tag "NOPE" does not exist.'),
    ("crypto map M 10 ipsec-isakmp\n set pfs group3", 2,
     "% Invalid PFS group 'group3' (group1, group2, group5, group14)"),
    ("crypto map M 10 ipsec-isakmp\n set peer peer.example.com", 2,
     "% Invalid peer address 'peer.example.com' (peer hostnames are not supported)"),
    ("crypto map M 10 ipsec-isakmp\n set security-association lifetime seconds 10", 2,
     "% Invalid IPsec SA lifetime in seconds 10 (valid range 120-86400)"),
    ("crypto map M 65536 ipsec-isakmp", 1,
     "% Invalid crypto map sequence number 65536 (valid range 1-65535)"),
    ("crypto map M 10 ipsec-manual", 1, "% 'ipsec-manual' is not supported by ikesim"),
    ("crypto isakmp key 6 abc address 1.1.1.1", 1,
     "% Encrypted (type 6) keys are not supported by ikesim; give the key in clear"),
    ("crypto isakmp key abc address 1.1.1", 1, "% Invalid IP address '1.1.1'"),
    ("crypto isakmp key abc", 1, INCOMPLETE),
    ("crypto isakmp keepalive 5", 1, "% Invalid keepalive interval 5 (valid range 10-3600)"),
    ("access-list 300 permit any", 1, "% Invalid access list number 300"),
    ("access-list 101 permit ip any", 1, INCOMPLETE),
    ("access-list 101 permit tcp any any eq foo", 1, "% Unknown port name 'foo'"),
    ("access-list 101 permit ip any any eq 80", 1, INVALID),
    ("access-list 101 permit tcp any any range 80 20", 1, "% Invalid port range 80 20"),
    ("access-list 101 permit tcp any any established", 1,
     "% 'established' is not supported by ikesim"),
    ("access-list 1 permit 10.0.0.0 0.0.0.255 any", 1, INVALID),
    ("ip access-list extended X\n permit ip any any\nip access-list standard X", 3,
     "% Access-list type conflicts with prior definition"),
    ("ip access-list extended X\n 10 permit ip any any\n 10 deny ip any any", 3,
     "% Duplicate sequence number 10"),
    ("hostname 1RT", 1, "% Hostname contains one or more illegal characters"),
    ("confx t", 1, INVALID),
    ("interface fa0/0\n s", 2, "% Ambiguous command"),          # shutdown / speed
    ("banner motd ^C no closing delimiter", 1,
     "% Banner not terminated: the delimiter never comes"),
    ("ip route 10.9.0.0 255.255.0.0 10.0.0.2 256", 1,
     "% Invalid administrative distance 256 (valid range 1-255)"),
    ("ip route 10.9.0.0 255.255.0.0 10.0.0.1", 1,
     "%Invalid next hop address (it's this router)"),
    ("interface fa0/0\n ip route 1.0.0.0 255.0.0.0 300.0.0.1", 2,
     "% Invalid IP address '300.0.0.1'"),
    ("ip default-gateway", 1, INCOMPLETE),
]


def _ids() -> list[str]:
    return [f"{k}-{text.splitlines()[line - 1].strip()[:40]}"
            for k, (text, line, _r) in enumerate(CASES)]


def test_at_least_twenty_distinct_cases() -> None:
    assert len({reason for _t, _l, reason in CASES}) >= 20


@pytest.mark.parametrize(("text", "line", "reason"), CASES, ids=_ids())
def test_malformed_line_is_reported(text: str, line: int, reason: str) -> None:
    with pytest.raises(InputError) as info:
        parse_config(PRE + text, file="lab.yaml", line_offset=100)
    err = info.value
    assert err.reason == reason
    assert err.line == 100 + PRE_LINES + line
    assert err.file == "lab.yaml"
    bad = text.splitlines()[line - 1].strip()
    assert err.text == bad
    head, *caret = str(err).splitlines()
    assert head == f"lab.yaml:{100 + PRE_LINES + line}: {reason}: {bad!r}"
    if caret:       # IOS's marker under the word where parsing stopped
        assert caret[0] == f"    {bad}" and caret[1].strip() == "^"
        assert len(caret[1]) - 4 - 1 in [i for i, c in enumerate(bad) if i == 0 or bad[i - 1] == " "]


def test_error_without_file_names_the_line() -> None:
    with pytest.raises(InputError) as info:
        parse_config("hostname R\nip rout 0.0.0.0 0.0.0.0 1.1.1.1\n")
    assert str(info.value).splitlines()[0] == (
        "line 2: % Ambiguous command: 'ip rout 0.0.0.0 0.0.0.0 1.1.1.1'")


def test_errors_in_apply_config_lines_use_the_offset_and_leave_config_untouched() -> None:
    base = parse_config(PRE)
    with pytest.raises(InputError) as info:
        apply_config_lines(base, ["interface fa0/0", "no shutdown", "shutdown now"],
                           file="run.txt", line_offset=40)
    assert (info.value.line, info.value.reason, info.value.file) == (43, INVALID, "run.txt")
    assert base.interfaces["FastEthernet0/0"].shutdown is False


@pytest.mark.parametrize("lines, reason", [
    (["no ip route 9.9.9.0 255.255.255.0 10.0.0.2"], "%No matching route to delete"),
    (["no interface FastEthernet0/0"], "% Physical interfaces cannot be removed"),
    (["no crypto isakmp key nope address 1.2.3.4"], "% No such pre-shared key"),
])
def test_no_forms_that_find_nothing(lines: list[str], reason: str) -> None:
    with pytest.raises(InputError) as info:
        apply_config_lines(parse_config(PRE), lines)
    assert info.value.reason == reason
    assert info.value.line == 1


_WORDS = ["ip", "route", "address", "interface", "fa0/0", "crypto", "isakmp", "policy", "key",
          "map", "set", "peer", "transform-set", "access-list", "101", "permit", "deny", "tcp",
          "udp", "icmp", "any", "host", "eq", "range", "no", "shutdown", "group", "hash", "encr",
          "aes", "256", "10.0.0.1", "255.255.255.0", "0.0.0.255", "300.1.1.1", "esp-aes",
          "lifetime", "banner", "^C", "line", "vty", "0", "4", "description", "ipsec-isakmp",
          "match", "pfs", "standard", "extended", "in", "out", "access-group", "!", "end"]


@settings(max_examples=300, deadline=None)
@given(st.lists(
    st.lists(st.one_of(st.sampled_from(_WORDS), st.text(min_size=1, max_size=6)),
             min_size=0, max_size=7).map(" ".join)
    | st.text(max_size=30),
    max_size=8))
def test_random_lines_raise_only_input_error(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        config = parse_config(text)
    except InputError as err:
        assert err.line is not None and 1 <= err.line <= max(1, len(text.splitlines()))
        return
    # Whatever parsed must also survive being re-applied line by line.
    try:
        apply_config_lines(config, text.splitlines())
    except InputError:
        pass
