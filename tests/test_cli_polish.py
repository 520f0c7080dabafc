"""CLI polish (issue 12 item 5): dotted addresses in JSON events and ``where:``, ``-`` for
stdout, the transcript streamed while the run goes on, the progress bar, ``--version`` and the
Makefile's Python check."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner

from ikesim.cli import main
from ikesim.export.events_json import ADDRESS_FIELDS, comparable, event_record
from ikesim.scenario.expect import check_scenario, expectations_of
from ikesim.scenario.loader import load_scenario, parse_scenario
from ikesim.scenario.runner import Runtime, run_scenario

ROOT = Path(__file__).resolve().parent.parent
SEED_LAB = ROOT / "scenarios" / "missing-return-route.yaml"
FIXED_LAB = ROOT / "scenarios" / "missing-return-route-fixed.yaml"
IKESIM = str(Path(sys.executable).with_name("ikesim"))


# -- dotted addresses -------------------------------------------------------------------------
@pytest.mark.parametrize("lab", [SEED_LAB, FIXED_LAB], ids=["seed", "fixed"])
def test_no_address_field_is_an_integer_in_json(lab: Path) -> None:
    records = [event_record(e) for e in run_scenario(load_scenario(lab)).events.events]
    checked = 0
    for record in records:
        for key in ADDRESS_FIELDS.intersection(record):
            value = record[key]
            assert isinstance(value, str) and value.count(".") == 3, (key, record)
            checked += 1
    assert checked > 50


def test_quick_mode_and_esp_fields_are_dotted_on_the_command_line(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["run", str(FIXED_LAB), "--json", "-"])
    assert out.exit_code == 0, out.output
    records = [json.loads(line) for line in out.stdout.splitlines()]   # only JSON on stdout
    created = [r for r in records if r.get("event") == "ipsec_sa_created" and r["device"] == "RT1"]
    assert {(r["local_net"], r["local_mask"], r["remote_net"]) for r in created} == {
        ("172.16.1.0", "255.255.255.0", "172.16.2.0")}
    assert {(r["direction"], r["src"], r["dst"]) for r in created} >= {
        ("inbound", "11.11.11.2", "10.10.10.2"), ("outbound", "10.10.10.2", "11.11.11.2")}
    drops = [r for r in records if r["kind"] == "drop"]
    assert drops and all(r["src"].count(".") == 3 for r in drops)


def test_comparable_accepts_dotted_and_integer_forms() -> None:
    assert comparable("local_net", 2886729984) == comparable("local_net", "172.16.1.0")
    assert comparable("local_net", "2886729984") == "172.16.1.0"
    assert comparable("spi", 2886729984) == "2886729984"          # not an address field
    assert comparable("deleted", True) == "true"


def _fixed_with(expect: list[dict[str, object]]) -> tuple[list[str], int]:
    """The fixed lab with ``expect`` instead of its own expectations: (failures, count)."""
    text = FIXED_LAB.read_text()
    head, rest = text.split("\nexpect:\n", 1)
    events = rest[rest.index("\nevents:"):]
    items = "".join(f"  - {json.dumps(item)}\n" for item in expect)
    scenario = parse_scenario(f"{head}\nexpect:\n{items}{events}", file="inline.yaml")
    exp = expectations_of(scenario)
    _, failures = check_scenario(scenario, exp)
    return [f.render() for f in failures], len(exp.items)


def test_where_matches_dotted_quick_mode_fields() -> None:
    failures, n = _fixed_with([
        {"count": {"device": "RT1", "event": "ipsec_sa_created",
                   "where": {"local_net": "172.16.1.0", "src": "11.11.11.2"}, "equals": 1}},
        {"count": {"device": "RT1", "event": "ipsec_sa_created",
                   "where": {"remote_mask": "255.255.255.0"}, "equals": 2}},
        {"count": {"device": "RT1", "event": "ipsec_sa_created",
                   "where": {"local_net": "10.0.0.0"}, "equals": 0}}])
    assert n == 3 and failures == []


def test_where_with_a_wrong_address_fails_with_the_count() -> None:
    failures, _ = _fixed_with([
        {"count": {"device": "RT1", "event": "ipsec_sa_created",
                   "where": {"src": "10.0.0.2"}, "min": 1}}])
    assert len(failures) == 1 and "0 'ipsec_sa_created' event(s), src='10.0.0.2'" in failures[0]


# -- '-' is stdout ------------------------------------------------------------------------------
def test_keys_to_stdout_replace_the_transcript(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["run", str(FIXED_LAB), "--keys", "-"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines and all(line.count(",") == 1 for line in lines)      # cookie,key
    assert not (ROOT / "-").exists() and not Path("-").exists()


def test_json_dash_creates_no_file_named_dash(tmp_path: Path) -> None:
    proc = subprocess.run([IKESIM, "run", str(SEED_LAB), "--json", "-"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and not (tmp_path / "-").exists()
    assert all(json.loads(line)["time"] >= 0 for line in proc.stdout.splitlines())


def test_two_outputs_on_stdout_are_refused() -> None:
    out = CliRunner().invoke(main, ["run", str(SEED_LAB), "--json", "-", "--keys", "-"])
    assert out.exit_code == 2
    assert "only one output can be '-'" in out.output and "Traceback" not in out.output


def test_a_closed_pipe_ends_the_run_quietly() -> None:
    proc = subprocess.run(f"'{IKESIM}' run '{SEED_LAB}' | head -1", shell=True,
                          capture_output=True, text=True, check=False)
    assert proc.stdout == "RT2#debug crypto isakmp\n"
    assert proc.stderr == ""


# -- streaming -----------------------------------------------------------------------------------
class _TimedStdout(io.StringIO):
    """Records the simulated time at which each write reaches stdout."""

    def __init__(self, runtimes: list[Runtime]) -> None:
        super().__init__()
        self.runtimes = runtimes
        self.times: list[float] = []

    def write(self, text: str) -> int:
        self.times.append(self.runtimes[-1].now if self.runtimes else -1.0)
        return super().write(text)


def test_transcript_is_written_while_the_run_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    runtimes: list[Runtime] = []
    original = Runtime.__init__

    def spy(self: Runtime, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        runtimes.append(self)

    monkeypatch.setattr(Runtime, "__init__", spy)
    stdout = _TimedStdout(runtimes)
    monkeypatch.setattr(sys, "stdout", stdout)
    with pytest.raises(SystemExit) as done:
        main(["run", str(SEED_LAB)])
    assert done.value.code == 0
    assert stdout.getvalue() == (ROOT / "scenarios" / "missing-return-route.transcript.txt"
                                 ).read_text()
    assert stdout.times[0] == 50.0                 # `debug crypto isakmp`, printed at 50 s
    assert stdout.times[-1] < 260.0                # nothing held back until the end
    assert len(stdout.times) > 20


# -- progress bar -------------------------------------------------------------------------------
def test_progress_bar_on_a_terminal_leaves_stdout_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    child = pexpect.spawn("bash", ["-c", f"'{IKESIM}' run '{SEED_LAB}' --progress always > "
                                         f"'{out}'"], encoding="utf-8", timeout=120,
                          dimensions=(24, 100))
    child.expect(r"simulating.*of 260 s")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert out.read_text() == (ROOT / "scenarios" / "missing-return-route.transcript.txt"
                               ).read_text()


def test_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    proc = subprocess.run([IKESIM, "run", str(SEED_LAB), "--no-outcome"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and proc.stderr == ""


# -- version --------------------------------------------------------------------------------------
def test_version() -> None:
    from importlib.metadata import version

    proc = subprocess.run([IKESIM, "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout == f"ikesim {version('ikesim')}\n"


# -- Makefile: Python version check -------------------------------------------------------------
OLD_PYTHON = """#!/bin/sh
# stands in for Python 3.10: `-c` checks fail, `-m venv DIR` makes a venv of itself
case "$1" in
  --version) echo "Python 3.10.12" ;;
  -c) exit 1 ;;
  -m) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;
esac
"""


@pytest.fixture
def make_dir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("")
    old = tmp_path / "bin" / "python3"
    old.parent.mkdir()
    old.write_text(OLD_PYTHON)
    old.chmod(0o755)
    return tmp_path


def _make(cwd: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=path or os.environ["PATH"])
    env.pop("PYTHON", None)
    env.pop("MAKEFLAGS", None)
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def test_make_with_an_old_python_fails_early_and_clearly(make_dir: Path) -> None:
    proc = _make(make_dir, f"PYTHON={make_dir / 'bin' / 'python3'}", "demo")
    assert proc.returncode != 0
    assert "ikesim needs Python 3.11 or newer" in proc.stdout
    assert "is Python 3.10.12" in proc.stdout
    assert not (make_dir / ".venv").exists()


def test_make_prefers_a_recent_interpreter_on_path(make_dir: Path) -> None:
    (make_dir / "bin" / "python3.11").symlink_to(shutil.which("python3.11") or sys.executable)
    proc = _make(make_dir, "-n", "demo", path=f"{make_dir / 'bin'}:{os.environ['PATH']}")
    assert proc.returncode == 0, proc.stderr
    assert "python3.11 -m venv .venv" in proc.stdout


def test_a_venv_made_by_an_old_python_is_rebuilt(make_dir: Path) -> None:
    venv_python = make_dir / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    shutil.copy(make_dir / "bin" / "python3", venv_python)
    (make_dir / ".venv" / ".installed-run").touch()
    proc = _make(make_dir, "-n", "demo", f"PYTHON={sys.executable}")
    assert proc.returncode == 0, proc.stderr
    steps = proc.stdout.splitlines()
    assert "rm -rf .venv" in steps
    assert steps.index("rm -rf .venv") < steps.index(f"{sys.executable} -m venv .venv")
    assert ".venv/bin/pip install --quiet -e ." in steps            # reinstalled, not trusted
