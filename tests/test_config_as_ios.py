"""A configuration read as IOS reads it: pasted console sessions, show-run captures, accepted
lines listed once per router, features ikesim does not model as errors (or ignored on request),
every error of a scenario at once with IOS's caret, IOS hostname rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ikesim.cli import main
from ikesim.errors import InputError
from ikesim.ios.config import ConfigErrors, config_warnings, parse_config
from ikesim.scenario.loader import parse_scenario

PASTE = """\
R1>enable
Password:
R1#configure terminal
Enter configuration commands, one per line.  End with CNTL/Z.
R1(config)#hostname R1
R1(config)#interface FastEthernet0/0
R1(config-if)#ip address 10.0.0.1 255.255.255.0
R1(config-if)#no shutdown
R1(config-if)#exit
R1(config)#do show ip interface brief
R1(config)#ip route 0.0.0.0 0.0.0.0 10.0.0.2
R1(config)#end
R1#write memory
Building configuration...
[OK]
R1#show running-config
Building configuration...

Current configuration : 812 bytes
!
version 15.1
!
end
"""


def test_pasted_console_session_is_understood() -> None:
    cfg = parse_config(PASTE)
    assert cfg.hostname == "R1"
    assert cfg.interfaces["FastEthernet0/0"].address is not None
    assert str(cfg.static_routes[0].next_hop) == "10.0.0.2"
    # `Password:`, `Enter configuration commands...` and `[OK]` are the console's own output;
    # only `version` is a configuration line ikesim does not model.
    assert [text for _n, text in cfg.ignored] == ["version 15.1"]


def test_cli_script_with_enable_conf_t_exit_end_write() -> None:
    cfg = parse_config("enable\nconf t\nhostname B\ninterface gi0/0\n ip add 10.1.1.1 "
                       "255.255.255.0\n no shut\nexit\nend\nwr\ncopy run start\n")
    assert cfg.hostname == "B" and cfg.ignored == []


def test_accepted_lines_are_one_warning_per_router_with_line_numbers() -> None:
    cfg = parse_config("hostname W\nservice password-encryption\nno ip domain lookup\n"
                       "interface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n negotiation auto\n"
                       " no mop enabled\nline vty 0 4\n login\n transport input ssh\n",
                       file="w.cfg")
    (warning,) = config_warnings("W", cfg)
    assert str(warning) == (
        "w.cfg:2: W: 7 line(s) accepted but not modelled by ikesim: management plane (lines 2, "
        "8-10); router services (DHCP server, HTTP, DNS, ...) (lines 3); interface hardware "
        "(lines 6-7)")


def test_unmodelled_feature_is_one_error_naming_it_and_its_lines() -> None:
    text = "hostname E\nrouter eigrp 10\n network 10.0.0.0\n no auto-summary\ninterface Gi0/0\n" \
           " ip address 10.0.0.1 255.255.255.0\n standby 1 ip 10.0.0.254\n standby 1 priority 110\n"
    with pytest.raises(ConfigErrors) as info:
        parse_config(text, file="e.cfg")
    errors = info.value.errors
    assert [(e.line, e.reason.split(" (")[0]) for e in errors] == [
        (2, "% not modelled by ikesim: EIGRP"),
        (7, "% not modelled by ikesim: HSRP, also lines 8")]
    assert "add 'ignore: [eigrp]' to this router" in errors[0].reason
    cfg = parse_config(text, ignore=["eigrp", "hsrp"])
    assert cfg.unmodelled == [(2, "eigrp"), (3, "eigrp"), (4, "eigrp"), (7, "hsrp"), (8, "hsrp")]
    eigrp, hsrp = config_warnings("E", cfg)
    assert "EIGRP ignored as the scenario asks (lines 2-4)" in str(eigrp)
    assert "its network statements: 10.0.0.0" in str(eigrp)
    assert "HSRP ignored" in str(hsrp) and "virtual gateway" in str(hsrp)


def test_a_routing_process_without_a_body_is_inert() -> None:
    cfg = parse_config("hostname P\nrouter rip\nip classless\n")
    assert cfg.ignored_category[2].startswith("routing processes without a network")


def test_pasted_unindented_routing_body_is_one_error() -> None:
    with pytest.raises(ConfigErrors) as info:
        parse_config("router bgp 65000\nneighbor 1.1.1.1 remote-as 1\nnetwork 10.0.0.0\n"
                     "hostname Z\n")
    assert [e.line for e in info.value.errors] == [1]


def test_every_error_at_once_sorted_with_carets() -> None:
    text = ("hostname R\ninterface Gi0/0\n ip adress 10.0.0.1 255.255.255.0\n"
            " tunnel source Gi0/0\ncrypto isakmp policy 10\n encr 4des\nip rout 1.0.0.0\n")
    with pytest.raises(ConfigErrors) as info:
        parse_config(text, file="r.cfg")
    out = str(info.value).splitlines()
    assert out == [
        "r.cfg:3: % Invalid input detected at '^' marker.: 'ip adress 10.0.0.1 255.255.255.0'",
        "    ip adress 10.0.0.1 255.255.255.0",
        "       ^",
        "r.cfg:4: % Invalid input detected ('tunnel' lines belong to interface Tunnel): "
        "'tunnel source Gi0/0'",
        "    tunnel source Gi0/0",
        "    ^",
        "r.cfg:6: % Invalid encryption '4des' (des, 3des, aes): 'encr 4des'",
        "    encr 4des",
        "         ^",
        "r.cfg:7: % Ambiguous command: 'ip rout 1.0.0.0'",
        "    ip rout 1.0.0.0",
        "       ^"]


def test_not_supported_is_reported_inside_submodes() -> None:
    """Not a bare "% Invalid input" after an interface block (issue 9, item 2)."""
    with pytest.raises(ConfigErrors) as info:
        parse_config("interface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n"
                     " ip address 10.0.0.9 255.255.255.0 secondary\n")
    assert info.value.reason == "% 'secondary' is not supported by ikesim"


def test_abbreviated_accepted_keyword_never_hides_a_global_command() -> None:
    cfg = parse_config("interface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n spe 100\n"
                       "ip route 0.0.0.0 0.0.0.0 10.0.0.2\n")
    assert len(cfg.static_routes) == 1            # not swallowed as `ip route-cache`
    assert cfg.ignored == [(3, "spe 100")]        # `speed 100`, abbreviated


@pytest.mark.parametrize("name", ["R1_HQ", "SIEGE(R1)", "a" * 63, "Edge-01.lab"])
def test_ios_hostnames(name: str) -> None:
    assert parse_config(f"hostname {name}\n").hostname == name


@pytest.mark.parametrize("name", ["1RT", "a" * 64, "bad#name", "R?"])
def test_illegal_hostnames(name: str) -> None:
    with pytest.raises(InputError, match="Hostname contains one or more illegal characters"):
        parse_config(f"hostname {name}\n")


SCENARIO = """\
name: two
routers:
  HQ:
    config_hostname: R1
    config: |
      hostname R1
      interface Gi0/0
       ip address 10.0.0.1 255.255.255.0
  BRANCH:
    config_hostname: R1
    config: |
      hostname R1
      interface Gi0/0
       ip address 10.0.0.2 255.255.255.0
links:
  - {a: HQ Gi0/0, b: BRANCH Gi0/0}
"""


def test_two_routers_may_share_a_hostname_when_the_scenario_names_them() -> None:
    sc = parse_scenario(SCENARIO, file="lab.yaml")
    assert [d.config.hostname for d in sc.routers] == ["HQ", "BRANCH"]
    with pytest.raises(InputError, match="config_hostname is 'R9' but its configuration says"):
        parse_scenario(SCENARIO.replace("config_hostname: R1", "config_hostname: R9", 1),
                       file="lab.yaml")


def test_scenario_reports_every_routers_errors_together() -> None:
    text = SCENARIO.replace("ip address 10.0.0.1", "ip adress 10.0.0.1").replace(
        "ip address 10.0.0.2 255.255.255.0", "ip address 10.0.0.2 255.255.255.0\n       shut it")
    with pytest.raises(ConfigErrors) as info:
        parse_scenario(text, file="lab.yaml")
    assert [e.line for e in info.value.errors] == [8, 15]


def test_ignore_key_names_known_features_only() -> None:
    bad = SCENARIO.replace("    config_hostname: R1\n", "    config_hostname: R1\n"
                           "    ignore: [eigrp, ospf6]\n", 1)
    with pytest.raises(InputError, match="ignore: unknown feature 'ospf6'"):
        parse_scenario(bad, file="lab.yaml")


def test_run_strict_refuses_warnings_before_running(tmp_path: Path) -> None:
    lab = tmp_path / "lab.yaml"
    lab.write_text(textwrap.dedent("""\
        name: w
        routers:
          R1: |
            hostname R1
            interface Gi0/0
             ip address 10.0.0.1 255.255.255.0
             duplex full
        """))
    ok = CliRunner().invoke(main, ["run", str(lab)])
    assert ok.exit_code == 0 and "warning: R1: 1 line(s) accepted" in ok.output
    strict = CliRunner().invoke(main, ["run", "--strict", str(lab)])
    assert strict.exit_code == 2 and "error (--strict): R1: 1 line(s)" in strict.output
