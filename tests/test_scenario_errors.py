"""Malformed scenarios: each gives one specific message naming the file and the line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ikesim.errors import InputError
from ikesim.scenario.loader import load_scenario, parse_scenario

GOOD = """\
name: lab
seed: 3
duration: 30s
routers:
  RT1:
    config: |
      hostname RT1
      interface FastEthernet0/0
       ip address 10.0.0.1 255.255.255.0
      interface FastEthernet0/1
       ip address 10.0.1.1 255.255.255.0
hosts:
  PC1: {address: 10.0.0.2/24, gateway: 10.0.0.1}
  PC2: {address: 10.0.1.2/24, gateway: 10.0.1.1}
links:
  - {a: PC1 Fa0/0, b: RT1 Fa0/0}
  - {a: RT1 Fa0/1, b: PC2 Fa0/0, delay: 2ms}
events:
  - {at: 1s, device: PC1, exec: ping 10.0.1.2}
"""


def test_good_scenario_loads() -> None:
    sc = parse_scenario(GOOD, file="lab.yaml")
    assert sc.name == "lab" and sc.seed == 3 and sc.duration == 30.0
    assert [d.name for d in sc.routers] == ["RT1"] and len(sc.hosts) == 2
    assert sc.links[1].delay == pytest.approx(0.002)
    assert sc.links[0].a == ("PC1", "FastEthernet0/0")
    assert sc.events[0].command == "ping 10.0.1.2"


def _replace(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (scenario text, expected line, a fragment of the expected message)
CASES = [
    ("name: [unclosed\n", 2, "while parsing a flow sequence started on line 1"),
    ("", 1, "empty"),
    ("- just\n- a list\n", 1, "must be a mapping"),
    (_replace("seed: 3", "seed: 3\ncolour: blue"), 3, "unknown key 'colour'"),
    (_replace("name: lab\n", ""), 1, "missing required key 'name'"),
    (_replace("seed: 3", "seed: three"), 2, "seed must be an integer"),
    (_replace("duration: 30s", "duration: 30 parsecs"), 3, "must be a time"),
    (_replace("       ip address 10.0.0.1 255.255.255.0", "       ip adress 10.0.0.1 255.255.255.0"),
     9, "Invalid input"),
    (_replace("       ip address 10.0.1.1 255.255.255.0", "       ip address 10.0.1.1 255.0.255.0"),
     11, "mask"),
    (_replace("      hostname RT1", "      hostname RT9"), 5, "names must agree"),
    (_replace("{address: 10.0.0.2/24,", "{address: 10.0.0.300/24,"), 13, "address must look like"),
    (_replace("gateway: 10.0.0.1}", "gateway: 10.9.9.1}"), 13, "not in the host's subnet"),
    (_replace("b: RT1 Fa0/0}", "b: RT7 Fa0/0}"), 16, "unknown device 'RT7'"),
    (_replace("b: RT1 Fa0/0}", "b: RT1 Fa0/5}"), 16, "has no interface FastEthernet0/5"),
    (_replace("b: RT1 Fa0/0}", "b: RT1 Qq0/0}"), 16, "Invalid interface type"),
    (_replace("{a: RT1 Fa0/1, b: PC2 Fa0/0, delay: 2ms}", "{a: RT1 Fa0/0, b: PC2 Fa0/0}"), 17,
     "already connected"),
    (_replace("delay: 2ms}", "delay: 2ms, loss: 1.5}"), 17, "loss must be a probability"),
    (_replace("exec: ping 10.0.1.2}", "exec: pong 10.0.1.2}"), 19, "Invalid input"),
    (_replace("exec: ping 10.0.1.2}", "exec: show ip route}"), 19, "not available on a host"),
    (_replace("device: PC1,", "device: PC9,"), 19, "unknown device 'PC9'"),
    (_replace("{at: 1s, device", "{device"), 19, "event needs 'at'"),
    (_replace("exec: ping 10.0.1.2}", "exec: ping 10.0.1.2, link: RT1-PC2}"), 19,
     "exactly one of"),
    (GOOD + "  - {at: 2s, link: nowhere, state: down}\n", 20, "unknown link 'nowhere'"),
    (GOOD + "  - {at: 2s, link: RT1-PC2, state: sideways}\n", 20, "state: up"),
    (GOOD + "  - at: 2s\n    device: RT1\n    configure: |\n      ip route 1.1.1.0 255.255.255.0\n",
     23, "Incomplete"),
    (GOOD + "  - {at: 2s, device: RT1, exec: sh ip ro, every: 0s}\n", 20, "every must be positive"),
    (_replace("seed: 3", "seed: 3\nseed: 4"), 3, "duplicate key 'seed'"),
    (_replace("duration: 30s", "duration: .nan"), 3, "must be a finite time"),
    (_replace("device: PC1,", "device: [PC1],"), 19, "device must be a name"),
    (_replace("delay: 2ms}", "delay: 2ms, name: PC1-RT1}") .replace(
        "{a: PC1 Fa0/0, b: RT1 Fa0/0}", "{a: PC1 Fa0/0, b: RT1 Fa0/0, name: PC1-RT1}"), 17,
     "link name 'PC1-RT1' is used twice"),
    (GOOD + "  - {at: 9s, every: 1s, until: 5s, device: RT1, exec: sh ip ro}\n", 20,
     "'until' is earlier than 'at'"),
    (GOOD + "  - {at: 2s, link: [RT1-PC2], state: down}\n", 20, "link must be a name"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), CASES,
                         ids=[f"{i:02d}-{c[2][:24]}" for i, c in enumerate(CASES)])
def test_malformed_scenario(text: str, line: int, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_scenario(text, file="lab.yaml")
    err = info.value
    assert err.file == "lab.yaml"
    assert err.line == line, str(err)
    assert fragment in str(err)
    assert str(err).startswith(f"lab.yaml:{line}: ")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read scenario"):
        load_scenario(tmp_path / "nope.yaml")


def test_config_file_errors_name_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "rt1.cfg").write_text("hostname RT1\ninterface Fa0/0\n ip adress 1.1.1.1 255.0.0.0\n")
    (tmp_path / "lab.yaml").write_text(textwrap.dedent("""\
        name: lab
        routers:
          RT1: {config_file: rt1.cfg}
        """))
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "lab.yaml")
    assert info.value.file == str(tmp_path / "rt1.cfg") and info.value.line == 3


def test_configure_events_are_checked_in_time_order_against_the_running_config() -> None:
    later_removal = GOOD + (
        "  - at: 20s\n    device: RT1\n    configure: |\n"
        "      no ip route 9.9.9.0 255.255.255.0 10.0.0.2\n"
        "  - at: 10s\n    device: RT1\n    configure: |\n"
        "      ip route 9.9.9.0 255.255.255.0 10.0.0.2\n")
    sc = parse_scenario(later_removal, file="lab.yaml")      # added at 10 s, removed at 20 s
    assert [e.at for e in sc.events if e.action == "configure"] == [10.0, 20.0]
    removal_first = later_removal.replace("at: 20s", "at: 5s")
    with pytest.raises(InputError, match="No matching route to delete") as info:
        parse_scenario(removal_first, file="lab.yaml")
    assert info.value.line == 23


def test_repeated_events_expand_in_order() -> None:
    sc = parse_scenario(GOOD + "  - {at: 5s, every: 10s, until: 25s, device: RT1, "
                        "exec: sh ip route}\n", file="lab.yaml")
    times = [e.at for e in sc.events if e.command == "sh ip route"]
    assert times == [5.0, 15.0, 25.0]
