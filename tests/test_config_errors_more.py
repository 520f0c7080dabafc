"""Malformed lines of the newer configuration features (tunnels, keyrings, profiles, OSPF, NAT,
dynamic maps, PKI), Unicode digits where IOS wants numbers, and the parser's totality: each bad
file lists all its errors with FILE:LINE, `ikesim validate` exits 2 without a traceback, and
arbitrary text raises nothing but InputError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.errors import InputError
from ikesim.ios.config import ConfigErrors, apply_config_lines, parse_config
from ikesim.ios.config.cursor import INCOMPLETE, INVALID

PRE = "hostname RT1\ninterface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n"
PRE_LINES = PRE.count("\n")

# (text after PRE, line of the error in that text, reason)
CASES = [
    ("interface Tunnel0\n tunnel source", 2, INCOMPLETE),
    ("interface Tunnel0\n tunnel destination vpn.example.com", 2,
     "% Invalid tunnel destination 'vpn.example.com' (destination hostnames are not supported "
     "by ikesim)"),
    ("interface Tunnel0\n tunnel mode ipip", 2, "% 'ipip' is not supported by ikesim"),
    ("interface Tunnel0\n tunnel key 4294967296", 2,
     "% Invalid tunnel key 4294967296 (valid range 0-4294967295)"),
    ("interface Tunnel0\n tunnel protection ipsec VTI", 2, INVALID),
    ("interface Tunnel0\n tunnel source Foo0/0", 2, "% Invalid interface type and number"),
    ("crypto keyring K\n pre-shared-key address 1.1.1.1 key", 2, INCOMPLETE),
    ("crypto keyring K\n pre-shared-key address 1.1.1.1 255.0.255.0 key x", 2,
     "% Bad mask 255.0.255.0"),
    ("crypto keyring K\n pre-shared-key address 1.1.1.1 key 6 abcdef", 2,
     "% Encrypted (type 6) keys are not supported by ikesim; give the key in clear"),
    ("crypto keyring K\n local-address 300.1.1.1", 2, "% Invalid IP address '300.1.1.1'"),
    ("crypto isakmp profile P\n match identity address 1.1.1.1 255.255.255.255 vrf X", 2,
     "% 'vrf' is not supported by ikesim"),
    ("crypto isakmp profile P\n keepalive 5 retry 2", 2,
     "% Invalid keepalive interval 5 (valid range 10-3600)"),
    ("crypto isakmp profile P\n initiate mode main", 2, INVALID),
    ("crypto isakmp profile P\n self-identity hostname", 2, INVALID),
    ("router ospf 0", 1, "% Invalid OSPF process ID 0 (valid range 1-65535)"),
    ("router ospf 1\n network 10.0.0.0 0.0.0.255", 2, INCOMPLETE),
    ("router ospf 1\n network 10.0.0.0 0.0.0.255 area 4294967296", 2,
     "% Invalid OSPF area ID 4294967296 (valid range 0-4294967295)"),
    ("router ospf 1\n router-id 1.1.1", 2, "% Invalid IP address '1.1.1'"),
    ("router ospf 1\n passive-interface Bogus9", 2, "% Invalid interface type and number"),
    ("interface GigabitEthernet0/0\n ip ospf cost 0", 2,
     "% Invalid OSPF cost 0 (valid range 1-65535)"),
    ("interface GigabitEthernet0/0\n ip nat middle", 2, INVALID),
    ("ip nat pool P 10.0.0.20 10.0.0.10 netmask 255.255.255.0", 1,
     "%Start address 10.0.0.20 is greater than end address 10.0.0.10"),
    ("ip nat inside source list 1 pool", 1, INCOMPLETE),
    ("ip nat inside source static tcp 10.0.0.5 70000 1.1.1.1 80", 1,
     "% Invalid port 70000 (valid range 1-65535)"),
    ("crypto map M 10 ipsec-isakmp dynamic", 1, INCOMPLETE),
    ("crypto ipsec profile V\n set pfs group19", 2, "% 'group19' is not supported by ikesim"),
    ("crypto ipsec security-association replay window-size 100", 1,
     "% Invalid replay window size 100 (64, 128, 256, 512, 1024)"),
    ("crypto ipsec df-bit sometimes", 1, INVALID),
    ("crypto call admission limit ike in-negotiation-sa 5", 1,
     "% Invalid IKE in-negotiation SA limit 5 (valid range 10-99999)"),
    ("crypto isakmp nat keepalive 4", 1,
     "% Invalid NAT keepalive interval 4 (valid range 5-3600)"),
    ("crypto pki certificate chain TP\n certificate", 2, INCOMPLETE),
    ("route-map RM permit 70000", 1,
     "% Invalid route-map sequence number 70000 (valid range 0-65535)"),
    # Unicode digits are not numbers to IOS: the word is invalid input, never read as a number.
    ("crypto isakmp policy ²", 1, INVALID),
    ("crypto isakmp policy ١٠", 1, INVALID),                    # Arabic-Indic 10
    ("access-list ١٠١ permit ip any any", 1, INVALID),
    ("ip route 10.0.0.0 255.0.0.0 10.0.0.2 ٥", 1, INVALID),   # a distance
    ("crypto map M ١٠ ipsec-isakmp", 1, INVALID),
    ("crypto isakmp keepalive ١٠", 1, INVALID),
    ("interface GigabitEthernet0/0\n ip address 10.0.0.١ 255.255.255.0", 2,
     "% Invalid IP address '10.0.0.١'"),
    ("crypto isakmp policy 1\n group ٢", 2,
     "% Unsupported Diffie-Hellman group '٢' (1, 2, 5, 14)"),
    ("crypto ipsec transform-set T esp-aes ٢٥٦", 1, "% Unknown transform '٢٥٦'"),
    ("router ospf ١", 1, INVALID),
    ("interface Tunnel٣", 1, "% Invalid interface type and number"),
]


def test_at_least_twenty_new_cases() -> None:
    assert len(CASES) >= 20 and sum("١" in t or "²" in t for t, _l, _r in CASES) >= 5


@pytest.mark.parametrize(("text", "line", "reason"), CASES,
                         ids=[f"{i:02d}" for i in range(len(CASES))])
def test_bad_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(ConfigErrors) as info:
        parse_config(PRE + text, file="lab.yaml", line_offset=10)
    errors = info.value.errors
    assert (errors[0].reason, errors[0].line) == (reason, 10 + PRE_LINES + line), str(
        info.value)
    assert str(info.value).startswith(f"lab.yaml:{10 + PRE_LINES + line}: {reason}: ")


def test_all_the_cases_in_one_file_are_listed_together_by_validate(tmp_path: Path) -> None:
    body = PRE + "".join(text + "\n!\n" for text, _l, _r in CASES)
    (tmp_path / "r.cfg").write_text(body)
    (tmp_path / "lab.yaml").write_text("name: bad\nrouters:\n  RT1: {config_file: r.cfg}\n")
    proc = subprocess.run([sys.executable, "-m", "ikesim", "validate",
                           str(tmp_path / "lab.yaml")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    heads = [ln for ln in proc.stderr.splitlines() if ln.startswith(str(tmp_path / "r.cfg"))]
    assert len(heads) == len(CASES)
    numbers = [int(h.split(":")[1]) for h in heads]
    assert numbers == sorted(numbers)


_WORDS = ["crypto", "keyring", "isakmp", "profile", "ipsec", "map", "dynamic-map", "dynamic",
          "pre-shared-key", "address", "hostname", "key", "match", "identity", "host", "set",
          "interface", "Tunnel0", "tunnel", "source", "destination", "mode", "gre", "ip",
          "protection", "router", "ospf", "network", "area", "passive-interface", "default",
          "nat", "inside", "outside", "pool", "static", "list", "overload", "route-map",
          "permit", "deny", "no", "banner", "motd", "^C", "pki", "trustpoint", "certificate",
          "chain", "quit", "0.0.0.0", "255.255.255.0", "10.0.0.1", "1", "65535", "²", "١٠",
          "R1#", "R1(config)#", "end", "exit", "conf", "t", "!", " ", "\t", "eigrp", "bgp"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=8)),
                         max_size=8).map(" ".join) | st.text(max_size=40), max_size=12),
       st.lists(st.sampled_from(["eigrp", "bgp", "vrf", "hsrp", "ikev2", "dmvpn"]),
                max_size=3))
def test_arbitrary_text_raises_only_input_error(lines: list[str], ignore: list[str]) -> None:
    text = "\n".join(lines)
    try:
        config = parse_config(text, ignore=ignore)
    except InputError as err:
        assert err.line is not None and 1 <= err.line <= max(1, len(text.splitlines()))
        return
    try:
        apply_config_lines(config, text.splitlines())
    except InputError:
        pass
