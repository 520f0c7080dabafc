"""Exec commands of lab write-ups: output filters on every show command, `show crypto isakmp sa
detail`, `show crypto session detail`, `show crypto map`, `clear crypto sa [peer A]`,
`clear crypto session [remote A]`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ikesim.ios.commands import validate_exec_args
from ikesim.ios.exec_filters import FilterError, apply_filter, ios_regex, parse_filter
from ikesim.ios.exec_parse import ExecError, parse_exec
from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import run_scenario

ROOT = Path(__file__).resolve().parent.parent
RUN = ["Building configuration...", "!", "hostname R1", "interface Gi0/0",
       " ip address 10.0.0.1 255.255.255.0", " crypto map CM", "!", "interface Gi0/1",
       " ip address 10.0.1.1 255.255.255.0", "!", "crypto map CM 10 ipsec-isakmp ",
       " set peer 1.2.3.4", "end"]


@pytest.mark.parametrize(("spec", "expected"), [
    ("include address", [" ip address 10.0.0.1 255.255.255.0",
                         " ip address 10.0.1.1 255.255.255.0"]),
    ("i ^interface", ["interface Gi0/0", "interface Gi0/1"]),
    ("exclude ^ |!", ["Building configuration...", "hostname R1", "interface Gi0/0",
                      "interface Gi0/1", "crypto map CM 10 ipsec-isakmp ", "end"]),
    ("begin crypto map CM 10", ["crypto map CM 10 ipsec-isakmp ", " set peer 1.2.3.4", "end"]),
    ("section ^interface Gi0/1", ["interface Gi0/1", " ip address 10.0.1.1 255.255.255.0"]),
    ("sec crypto map", ["crypto map CM 10 ipsec-isakmp ", " set peer 1.2.3.4"]),
    ("include _CM_", [" crypto map CM", "crypto map CM 10 ipsec-isakmp "]),   # IOS `_`
    ("include 10\\.0\\.1\\.", [" ip address 10.0.1.1 255.255.255.0"]),
])
def test_filters(spec: str, expected: list[str]) -> None:
    kind, expression = parse_filter(spec)
    assert apply_filter(RUN, kind, expression) == expected


@pytest.mark.parametrize(("spec", "message"), [
    ("", "% Incomplete command."), ("include", "% Incomplete command."),
    ("frob x", "% Invalid input detected"), ("te x", "'| tee' is not supported by ikesim"),
    ("count x", "'| count' is not supported by ikesim"),
    ("include (unclosed", "% Invalid regular expression"),
])
def test_bad_filters(spec: str, message: str) -> None:
    with pytest.raises(FilterError, match=re.escape(message)):
        parse_filter(spec)


def test_filters_attach_to_show_commands_only() -> None:
    cmd = parse_exec("sh run | inc crypto|peer")
    assert (cmd.handler, cmd.args, cmd.filter) == ("show_running_config", [],
                                                   ("include", "crypto|peer"))
    with pytest.raises(ExecError, match="Invalid input"):
        parse_exec("ping 10.0.0.1 | include !")


@pytest.mark.parametrize(("text", "ok"), [
    ("show crypto isakmp sa detail", True), ("sh cry isa sa det", True),
    ("show crypto isakmp sa details", False), ("show crypto session detail", True),
    ("show crypto map", True), ("show crypto map foo", False),
    ("clear crypto sa", True), ("clear crypto sa peer 10.0.0.2", True),
    ("clear crypto sa peer", False), ("clear crypto sa peer 10.0.0.256", False),
    ("clear crypto sa peer ١٠.0.0.2", False),            # Arabic-Indic digits
    ("clear crypto session", True), ("clear crypto session remote 10.0.0.2", True),
    ("clear crypto session peer 10.0.0.2", False),
])
def test_argument_checks(text: str, ok: bool) -> None:
    cmd = parse_exec(text)
    if ok:
        validate_exec_args(cmd, "router")
    else:
        with pytest.raises(ExecError):
            validate_exec_args(cmd, "router")


@given(st.text(max_size=40))
def test_ios_regex_raises_only_filter_error(expression: str) -> None:
    try:
        pattern = ios_regex(expression)
    except FilterError:
        return
    apply_filter(RUN, "section", expression)
    assert pattern.pattern is not None


def _lab(events: str) -> str:
    base = (ROOT / "scenarios" / "missing-return-route-fixed.yaml").read_text()
    text = base.split("\nevents:")[0] + "\nevents:\n" + events
    text = re.sub(r"^duration:.*$", "duration: 60s", text, flags=re.M)
    return run_scenario(parse_scenario(text, file=str(ROOT / "scenarios" / "x.yaml"))
                        ).transcript_text()


def test_show_and_clear_commands_in_a_lab() -> None:
    text = _lab("""\
  - {at: 10s, device: PC1, exec: ping 172.16.2.2}
  - {at: 20s, device: PC1, exec: ping 172.16.2.2}
  - {at: 30s, device: RT1, exec: show crypto isakmp sa detail}
  - {at: 30s, device: RT1, exec: show crypto session detail}
  - {at: 30s, device: RT1, exec: show crypto map}
  - {at: 30s, device: RT1, exec: show running-config | section crypto map}
  - {at: 31s, device: RT1, exec: clear crypto sa peer 11.11.11.2}
  - {at: 32s, device: RT1, exec: show crypto session | include Session status|Active SAs}
  - {at: 33s, device: RT1, exec: clear crypto session}
  - {at: 34s, device: RT1, exec: show crypto isakmp sa}
  - {at: 40s, device: PC1, exec: ping 172.16.2.2}
  - {at: 50s, device: RT1, exec: show crypto session | include status}
""")
    detail = text.split("RT1#show crypto isakmp sa detail\n")[1].split("RT1#")[0]
    assert ("C-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime "
            "Cap.") in detail
    assert re.search(r"\n1     10\.10\.10\.2      11\.11\.11\.2             ACTIVE 3des sha    "
                     r"psk  2  23:59:\d\d", detail)
    session = text.split("RT1#show crypto session detail\n")[1].split("RT1#")[0]
    assert "  IKEv1 SA: local 10.10.10.2/500 remote 11.11.11.2/500 Active " in session
    assert re.search(r"Outbound: #pkts enc'ed 9 drop 0 life \(KB/Sec\) \d+/35\d\d", session)
    cmap = text.split("RT1#show crypto map\n")[1].split("RT1#")[0]
    assert cmap.startswith('Crypto Map IPv4 "CMAP" 10 ipsec-isakmp\n\tPeer = 11.11.11.2\n'
                           "\tExtended IP access list 101\n")
    assert "\tInterfaces using crypto map CMAP:\n\t\tFastEthernet1/0\n" in cmap
    section = text.split("| section crypto map\n")[1].split("RT1#")[0]
    assert section.startswith("crypto map CMAP 10 ipsec-isakmp \n set peer 11.11.11.2\n")
    after_clear = text.split("| include Session status|Active SAs\n")[1]
    assert after_clear.startswith("Session status: UP-IDLE\n        Active SAs: 0, origin: "
                                  "crypto map\n")
    table = text.split("RT1#show crypto isakmp sa\n")[1].split("RT1#")[0]
    assert "MM_NO_STATE" in table and "(deleted)" in table
    assert "Success rate is 80 percent (4/5)" in text.split("PC1#ping")[3]   # new SAs
    assert text.split("| include status\n")[-1].startswith(
        "Crypto session current status\nSession status: UP-ACTIVE")


def test_parse_exec_is_memoised_per_text_bounded_and_errors_are_not_kept() -> None:
    parse_exec.cache_clear()
    first = parse_exec("sh cry isa sa")
    assert parse_exec("sh cry isa sa") is first and parse_exec.cache_info().hits == 1
    for bad in ("s crypto isakmp sa", "s crypto isakmp sa"):      # raises every time
        with pytest.raises(ExecError, match="Ambiguous"):
            parse_exec(bad)
    for n in range(parse_exec.cache_info().maxsize + 10):         # hostile console input
        parse_exec(f"ping 10.0.{n // 256}.{n % 256}")
    assert parse_exec.cache_info().currsize == parse_exec.cache_info().maxsize
