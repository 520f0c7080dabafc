"""`ikesim lab` through a real pseudo-terminal (pexpect): the acceptance story of issue 12 — fix
the seed lab live, save, replay — plus the unhappy paths and the real-time clock."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "missing-return-route.yaml"
IKESIM = str(Path(sys.executable).with_name("ikesim"))
ROUTE = "ip route 0.0.0.0 0.0.0.0 11.11.11.1"
# Terminal control sequences (colours, cursor moves, modes) around what the screen shows.
CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x07")
PROMPT_READY = "\x1b[?2004h"        # prompt_toolkit switches bracketed paste on at each prompt


class Lab:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm-256color", COLUMNS="200")
        self.log = tmp_path / "pty.log"
        self.child = pexpect.spawn(IKESIM, ["lab", str(SEED), *args], cwd=str(tmp_path), env=env,
                                   encoding="utf-8", timeout=120, dimensions=(50, 200))
        self.child.logfile_read = self.log.open("w", encoding="utf-8")

    def type(self, line: str, *expect: str) -> None:
        """Wait for the prompt, type ``line`` + Enter, wait for each pattern in turn."""
        self.child.expect_exact(PROMPT_READY)
        self.child.sendline(line)
        for pattern in expect:
            self.child.expect(pattern)

    def close(self) -> int:
        self.child.expect_exact(PROMPT_READY)
        self.child.sendeof()                      # Ctrl-D
        self.child.expect(pexpect.EOF)
        self.child.close()
        self.child.logfile_read.close()
        assert self.child.signalstatus is None
        return int(self.child.exitstatus)

    def screen(self) -> str:
        return CONTROL.sub("", self.log.read_text(encoding="utf-8")).replace("\r", "")


def test_fix_the_seed_lab_live_save_and_replay(tmp_path: Path) -> None:
    lab = Lab(tmp_path, "--device", "RT2")
    lab.type("run 70s", r"\[lab\] 70 s")
    lab.type("show crypto isakmp sa", r"11\.11\.11\.2 +10\.10\.10\.2 +MM_SA_SETUP")
    lab.type("configure terminal", "End with CNTL/Z")
    lab.type(ROUTE)
    lab.type("end")
    lab.type("run until QM_IDLE", r"\[lab\] QM_IDLE at 7\d\.\d+ s")
    lab.type("show crypto isakmp sa", r"10\.10\.10\.2 +QM_IDLE")
    lab.type("connect PC1")
    lab.type("ping 172.16.2.2", "!!!!!", r"Success rate is 100 percent \(5/5\)")
    lab.type("run until end", r"\[lab\] 260 s")
    lab.type("save fixed.yaml", r"\[lab\] saved fixed\.yaml: 4 event\(s\) at 260 s")
    assert lab.close() == 0
    screen = lab.screen()
    assert "Traceback" not in screen

    replay = subprocess.run([IKESIM, "run", "fixed.yaml"], cwd=tmp_path, capture_output=True,
                            text=True, check=True).stdout
    assert "RT2(config)#" + ROUTE in replay and "!!!!!" in replay
    # Every replayed line was on the screen, in the same order, except that a command you type
    # shows where you typed it while the transcript prints it with its output, when it is done
    # (PC1's ping waited for the scenario's 50-echo ping to finish).
    typed = {"RT2#show crypto isakmp sa", "PC1#ping 172.16.2.2"}
    assert typed <= set(replay.splitlines()) and all(line in screen for line in typed)
    position = 0
    for line in replay.splitlines():
        if line in typed:
            continue
        found = screen.find(line, position)
        assert found >= 0, f"not on the session's screen after offset {position}: {line!r}"
        position = found + len(line)


def test_unhappy_paths_never_show_a_traceback(tmp_path: Path) -> None:
    lab = Lab(tmp_path, "--device", "RT2")
    lab.type("shw ip route", r"% Invalid input detected at '\^' marker\.")
    lab.type("sh ip rout xyz", r"% Invalid input detected")
    lab.type("connect RT9", r"% unknown device 'RT9' \(devices: RT1, ISP, RT2, PC1, PC2\)")
    lab.type("run soon", r"% invalid time 'soon'")
    lab.type("run until 5 minutes", r"% run needs a time")
    lab.type("save /proc/forbidden/lab.yaml", r"% cannot write /proc/forbidden/lab\.yaml")
    lab.type("conf t", "End with CNTL/Z")
    lab.type("ip route 0.0.0.0 0.0.0.0 11.11.11.1 bogus", r"% Invalid input detected")
    lab.type("end")
    lab.child.expect_exact(PROMPT_READY)
    lab.child.sendintr()                          # Ctrl-C at the prompt: a fresh prompt
    lab.child.sendline("time")
    lab.child.expect(r"\[lab\] 0 s, paused")
    assert lab.close() == 0
    screen = lab.screen()
    assert "Traceback" not in screen and "internal error" not in screen
    # the caret under the first character IOS rejected, counting the prompt
    assert "\n    ^\n% Invalid input detected at '^' marker.\n" in screen
    assert "\n" + " " * len("RT2#sh ip rout ") + "^\n% Invalid input" in screen
    assert "\n" + " " * len("RT2(config)#ip route 0.0.0.0 0.0.0.0 11.11.11.1 ") + "^\n" in screen


def test_help_completion_and_history(tmp_path: Path) -> None:
    lab = Lab(tmp_path, "--device", "RT2")
    lab.child.expect_exact(PROMPT_READY)
    lab.child.send("show crypto isakmp ?")
    lab.child.expect(r"  policy +Show ISAKMP protection suite policy\r?\n"
                     r"  sa +Show ISAKMP Security Associations")
    lab.child.send("\x15")                        # Ctrl-U: clear the line
    lab.child.send("sh cry is\t")                 # Tab completes `isakmp `
    lab.child.send("sa\r")
    lab.child.expect(r"dst +src +state +conn-id +slot")
    lab.type("conf t", "End with CNTL/Z")
    lab.child.expect_exact(PROMPT_READY)
    lab.child.send("ip route ?")
    lab.child.expect(r"  A\.B\.C\.D +IP address or mask")
    lab.child.send("\x15")
    lab.child.send("\x1a")                        # Ctrl-Z leaves configuration mode
    lab.child.expect_exact(PROMPT_READY)
    lab.child.send("\x1b[A\x1b[A\r")              # history: up twice = `conf t`
    lab.child.expect("End with CNTL/Z")
    lab.type("end")
    assert lab.close() == 0


def test_real_time_clock_streams_debug_output_while_the_prompt_waits(tmp_path: Path) -> None:
    lab = Lab(tmp_path, "--device", "RT2")
    lab.type("run 59s", r"\[lab\] 59 s")
    lab.type("continue 20", r"running in real time at 20x")
    # nothing typed: the clock brings the ping at 61 s and RT2's debug output
    lab.child.expect(r"ISAKMP \(0:0\): received packet from 10\.10\.10\.2 \(N\) NEW SA")
    lab.type("pause", r"\[lab\] (\d+(\.\d+)?) s, paused")
    paused_at = float(lab.child.match.group(1))
    assert paused_at > 61
    lab.type("time", rf"\[lab\] {re.escape(lab.child.match.group(1))} s, paused")
    assert lab.close() == 0


def test_without_a_terminal_commands_come_from_stdin(tmp_path: Path) -> None:
    commands = ("run 70s\nsh crypto isakmp sa\nconf t\n" + ROUTE + "\nend\nrun until QM_IDLE\n"
                "continue\n")
    proc = subprocess.run([IKESIM, "lab", str(SEED), "--device", "RT2"], input=commands,
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert "RT2#sh crypto isakmp sa" in lines and f"RT2(config)#{ROUTE}" in lines
    assert re.search(r"^\[lab\] QM_IDLE at 7\d\.\d+ s$", proc.stdout, re.M)
    assert lines[-1] == "[lab] the real-time clock needs a terminal; use run (e.g. run 10s)"


@pytest.mark.parametrize(("args", "message"), [
    (["no-such.yaml"], "cannot read scenario"),
    ([str(SEED), "--device", "RT9"], "unknown device 'RT9'"),
])
def test_bad_arguments_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    proc = subprocess.run([IKESIM, "lab", *args], capture_output=True, text=True, check=False,
                          cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
