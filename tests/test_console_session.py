"""The lab console driven line by line (no terminal): what it shows, time control, configuration
mode, errors, and `save` → `ikesim run` replaying the session byte for byte."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ikesim.console.session import LabSession, open_session
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import run_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SEED = SCENARIOS / "missing-return-route.yaml"
ROUTE = "ip route 0.0.0.0 0.0.0.0 11.11.11.1"


class Console:
    """A session plus what its screen shows (prompts and typed lines included)."""

    def __init__(self, path: Path = SEED, device: str = "RT2") -> None:
        self.screen: list[str] = []
        self.session: LabSession = open_session(path, write=self.screen.append, device=device)

    def type(self, *lines: str) -> list[str]:
        """Type ``lines``; the screen lines they produced (without the echoed prompts)."""
        shown: list[str] = []
        for line in lines:
            self.screen.append(f"{self.session.prompt}{line}")
            start = len(self.screen)
            self.session.handle(line)
            shown += self.screen[start:]
        return shown

    def transcript(self) -> str:
        return self.session.runtime.transcript.text()


def replay(path: Path) -> str:
    return run_scenario(load_scenario(path)).transcript_text()


# -- the acceptance story, in process ------------------------------------------------------------
def test_fixing_the_seed_lab_live_and_replaying_the_saved_session(tmp_path: Path) -> None:
    con = Console()
    assert con.type("run 70s")[-1] == "[lab] 70 s"
    table = con.type("show crypto isakmp sa")
    assert table[1].split()[:3] == ["11.11.11.2", "10.10.10.2", "MM_SA_SETUP"]
    assert con.type("configure terminal") == [
        "Enter configuration commands, one per line.  End with CNTL/Z."]
    assert con.session.prompt == "RT2(config)#"
    assert con.type(ROUTE, "end") == []
    assert con.session.prompt == "RT2#"
    reached = con.type("run until QM_IDLE")
    assert re.fullmatch(r"\[lab\] QM_IDLE at 7\d\.\d+ s", reached[-1])
    assert "QM_IDLE" in con.type("sh cry isa sa")[1]
    con.type("connect PC1")
    ping = con.type("ping 172.16.2.2")
    assert "!!!!!" in ping and ping[-1].startswith("Success rate is 100 percent (5/5)")
    con.type("run until end")
    saved = tmp_path / "fixed.yaml"
    assert con.type(f"save {saved}")[-1].startswith(f"[lab] saved {saved}: 4 event(s)")
    assert replay(saved) == con.transcript()        # byte for byte


def test_the_screen_shows_the_transcript_without_the_typed_echo() -> None:
    con = Console()
    shown = con.type("run 56s", "sh crypto isakmp sa")
    transcript = con.transcript().splitlines()
    # the scenario's own commands appear as in the transcript, with their echo ...
    assert shown[:3] == transcript[:3] == ["RT2#debug crypto isakmp",
                                           "Crypto ISAKMP debugging is on", "RT2#"]
    # ... the typed one without it (the prompt and the typed line are already on screen)
    assert shown[-3:] == ["[lab] 56 s",
                          "dst             src             state           conn-id    slot", ""]
    assert transcript[-4:] == ["RT2#sh crypto isakmp sa",
                               "dst             src             state           conn-id    slot",
                               "", "RT2#"]


def test_saved_file_keeps_the_original_and_appends_timed_events(tmp_path: Path) -> None:
    con = Console()
    con.type("run 66s", "sh ip route", "conf t", "int fa1/0", "description uplink", "exit",
             ROUTE, "end")
    saved = tmp_path / "s.yaml"
    con.type(f"save {saved}")
    text = saved.read_text()
    original = SEED.read_text()
    assert text.startswith("# Saved by `ikesim lab` from ")
    assert original.rstrip("\n") in text            # comments and layout kept
    assert text.endswith("  - {at: 66.0, device: RT2, exec: \"sh ip route\"}\n"
                         "  - at: 66.000001\n    device: RT2\n    configure: |\n"
                         "      int fa1/0\n       description uplink\n       exit\n"
                         f"      {ROUTE}\n")
    assert yaml.safe_load(text)["duration"] == "260s"
    assert replay(saved) == _finish(con)
    lines = con.transcript().splitlines()
    assert "RT2(config-if)#description uplink" in lines and f"RT2(config)#{ROUTE}" in lines


def _finish(con: Console) -> str:
    con.type("run until end")
    return con.transcript()


def test_commands_typed_at_the_instant_of_a_scenario_event_replay_after_it(
        tmp_path: Path) -> None:
    con = Console()
    con.type("run until 76s")                 # 76 s: the scenario's own `sh crypto isakmp sa`
    con.type("conf t", ROUTE, "end", "sh crypto isakmp sa", "clear crypto isakmp")
    con.type("run until end", f"save {tmp_path / 'x.yaml'}")
    assert replay(tmp_path / "x.yaml") == con.transcript()


def test_configuration_typed_while_time_passes_is_split_with_its_submode(tmp_path: Path) -> None:
    con = Console()
    con.type("conf t", "crypto isakmp policy 5", "encr aes", "run 1s", "hash sha", "end")
    events = con.session.runtime.injected
    assert [e.lines for e in events] == [["crypto isakmp policy 5", " encr aes"],
                                         ["crypto isakmp policy 5", " hash sha"]]
    assert [e.at for e in events] == [0.000001, 1.000001]     # 0 s has happened already
    assert "crypto isakmp policy 5" in con.type("show running-config")
    con.type("run until end", f"save {tmp_path / 'p.yaml'}")
    assert replay(tmp_path / "p.yaml") == con.transcript()


def test_a_session_past_the_scenarios_end_extends_it_and_pins_repeats(tmp_path: Path) -> None:
    con = Console()
    con.type("run 300s", "sh crypto isakmp sa", f"save {tmp_path / 'late.yaml'}")
    saved = yaml.safe_load((tmp_path / "late.yaml").read_text())
    assert saved["duration"] == "301.0s"
    replayed = replay(tmp_path / "late.yaml")
    assert replayed.startswith(con.transcript())
    assert replayed.count("RT2#sh crypto isakmp sa") == con.transcript().count(
        "RT2#sh crypto isakmp sa")


def test_repeats_without_until_are_pinned_when_the_duration_grows(tmp_path: Path) -> None:
    lab = tmp_path / "every.yaml"
    lab.write_text(SEED.read_text().replace("until: 246s, ", "").replace(
        "  - {at: 250s, device: RT2, exec: sh ip route}\n",
        "  - at: 100s\n    every: 50s\n    device: RT1\n    exec: sh ip route\n"))
    con = Console(lab)
    con.type("run 280s", "sh crypto isakmp sa", f"save {tmp_path / 'out.yaml'}")
    text = (tmp_path / "out.yaml").read_text()
    assert "{until: 260.0s, at: 66s, every: 10s," in text
    assert "  - at: 100s\n    until: 260.0s\n    every: 50s" in text
    assert replay(tmp_path / "out.yaml").startswith(con.transcript())


# -- time control ---------------------------------------------------------------------------------
def test_step_runs_to_the_next_packet_and_names_it() -> None:
    con = Console()
    con.type("run until 60s")
    shown = con.type("step")
    assert shown[-1] == ("[lab] 61 s  PC1 FastEthernet0/0 -> RT1  ICMP echo request "
                         "172.16.1.2 > 172.16.2.2 id 1 seq 0")
    assert con.session.now == 61.0
    shown = con.type("step 3")
    assert len([s for s in shown if s.startswith("[lab] 61.001 s  RT1 ")]) >= 1


def test_run_until_a_state_that_never_comes_stops_at_the_end() -> None:
    con = Console()
    assert con.type("run until QM_IDLE")[-1] == "[lab] no QM_IDLE by 260 s"
    assert con.session.now == 260.0


def test_real_time_clock_follows_the_wall_clock_at_its_speed() -> None:
    con = Console()
    assert con.type("continue 10")[-1] == ("[lab] 0 s, running in real time at 10x "
                                          "(the scenario ends at 260 s)")
    con.session.tick(1000.0)                 # the first beat anchors the clock
    con.session.tick(1002.5)
    assert con.session.now == 25.0
    con.type("pause")
    con.session.tick(2000.0)
    assert con.session.now == 25.0
    con.type("speed 100", "continue")
    con.session.tick(0.0)
    con.session.tick(3.0)                    # would be 325 s: pauses at the scenario's end
    assert con.session.now == 260.0 and not con.session.clock.running
    assert con.screen[-1].startswith("[lab] the scenario's end (260 s): paused")


# -- help and completion --------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "words"), [
    ("sh cry isa ", ["policy", "sa"]),
    ("sh ip int", ["interface"]),
    ("sh ip interface ", ["brief"]),
    ("deb", ["debug"]),
    ("connect ", ["RT1", "ISP", "RT2", "PC1", "PC2"]),
    ("run until Q", ["QM_IDLE"]),
])
def test_exec_completion(typed: str, words: list[str]) -> None:
    con = Console()
    assert [c.word for c in con.session.completion(typed).matching()] == words


def test_exec_completion_follows_the_command_table() -> None:
    from ikesim.ios.exec_parse import COMMANDS

    con = Console()
    offered = [c.word for c in con.session.completion("sh ip ").matching()]
    assert offered == sorted({p[2] for p in COMMANDS if p[:2] == ("show", "ip")})
    assert {"interface", "route"} <= set(offered)


def test_config_help_comes_from_the_configuration_grammar() -> None:
    con = Console()
    con.type("conf t")
    assert [c.word for c in con.session.completion("ip route ").choices] == ["A.B.C.D"]
    assert "route" in [c.word for c in con.session.completion("ip ").matching()]
    con.type("interface FastEthernet1/0")
    assert con.session.prompt == "RT2(config-if)#"
    help_words = [c.word for c in con.session.completion("", for_help=True).choices]
    assert "shutdown" in help_words and "hostname" not in help_words
    assert "hostname" in [c.word for c in con.session.completion("").choices]   # Tab: both


# -- unhappy paths ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("line", "expected"), [
    ("shw ip route", ["    ^", "% Invalid input detected at '^' marker.", ""]),
    ("sh ip rout xyz", ["               ^", "% Invalid input detected at '^' marker.", ""]),
    ("s", ['% Ambiguous command:  "s"']),
    ("show ip", ["% Incomplete command.", ""]),
    ("ping 172.16.2.2 repeat 0", [" " * len("RT2#ping 172.16.2.2 repeat ") + "^",
                                  "% Invalid input detected at '^' marker.", ""]),
    ("connect RT9", ["% unknown device 'RT9' (devices: RT1, ISP, RT2, PC1, PC2)"]),
    ("run soon", ["% invalid time 'soon': use e.g. 10s, 500ms, 2m or 1h"]),
    ("run until 0s", ["[lab] 0 s"]),
    ("run", ["% run needs a time: run 10s, run until QM_IDLE, run until 120s, run until end"]),
    ("speed 0", ["% invalid speed '0': a number of simulated seconds per second, above 0 and "
                 "at most 1e+06"]),
    ("step 0", ["% invalid count '0': step takes 1 to 10000 packets"]),
    ("save", ["% save needs a file name, e.g. save fixed.yaml"]),
    ("save /proc/no/such/dir.yaml", ["% cannot write /proc/no/such/dir.yaml: No such file or "
                                     "directory"]),
    ("save /tmp", ["% cannot write /tmp: it is a directory"]),
    ("configure network", ["              ^", "% Invalid input detected at '^' marker.", ""]),
])
def test_errors_are_ios_like_and_change_nothing(line: str, expected: list[str]) -> None:
    con = Console()
    before = con.session.now
    assert con.type(line) == expected
    assert con.session.now == before and con.session.runtime.injected == []


def test_config_errors_show_the_caret_under_the_word() -> None:
    con = Console()
    con.type("conf t")
    assert con.type("ip route 0.0.0.0 0.0.0.0 11.11.11.1 bogus") == [
        " " * len("RT2(config)#ip route 0.0.0.0 0.0.0.0 11.11.11.1 ") + "^",
        "% Invalid input detected at '^' marker.", ""]
    assert con.type("ip rout 0.0.0.0 0.0.0.0 11.11.11.1") == [
        '% Ambiguous command:  "ip rout 0.0.0.0 0.0.0.0 11.11.11.1"']
    con.type("end")
    assert con.session.runtime.injected == []


def test_past_times_and_hosts_are_refused() -> None:
    con = Console(device="PC1")
    con.type("run 10s")
    assert con.type("run until 5s") == ["% 5 s has passed (it is 10 s)"]
    assert con.type("conf t") == ["% PC1 is a host: it has no configuration mode"]
    assert con.type("sh crypto isakmp sa") == [
        "% 'show crypto isakmp sa' is not available on a host (PC)"]


def test_exit_closes_and_flushes_pending_configuration() -> None:
    con = Console()
    con.type("conf t", ROUTE)
    con.session.close()
    assert con.session.closed
    assert [e.lines for e in con.session.runtime.injected] == [[ROUTE]]
