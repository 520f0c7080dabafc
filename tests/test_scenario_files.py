"""Reading scenario files safely: the C YAML parser with the same values and lines as the
Python one, bounded nesting/aliases/size, encodings, and config_file confined to the scenario's
folder (tests/hostile has the full corpus; these are the unit-level checks)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import ikesim.scenario.yamlsrc as yamlsrc
from ikesim.errors import InputError
from ikesim.scenario.files import MAX_CONFIG_BYTES, MAX_SCENARIO_BYTES
from ikesim.scenario.loader import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "scenarios").rglob("*.yaml"))
LAB = """\
name: x
duration: 5s
routers:
  RT1: {config_file: rt1.cfg}
"""
CFG = "hostname RT1\ninterface FastEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n"


def _shape(value: object) -> object:
    """A loaded value with its line numbers, to compare two parsers."""
    if isinstance(value, yamlsrc.LocatedDict):
        return ("map", value.line, sorted(value.key_lines.items()),
                sorted(value.value_lines.items()), {k: _shape(v) for k, v in value.items()})
    if isinstance(value, yamlsrc.LocatedList):
        return ("seq", value.line, value.item_lines, [_shape(v) for v in value])
    return value


def test_the_c_parser_is_used_and_agrees_with_the_python_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert yamlsrc.PARSER is yaml.CSafeLoader
    texts = [p.read_text() for p in FILES]
    fast = [_shape(yamlsrc.load_yaml(t, "f")) for t in texts]
    monkeypatch.setattr(yamlsrc, "PARSER", yaml.SafeLoader)
    assert fast == [_shape(yamlsrc.load_yaml(t, "f")) for t in texts]


def test_values_match_pyyaml_safe_load() -> None:
    def plain(value: object) -> object:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.text if isinstance(value, yamlsrc.BlockText) else value

    for path in FILES:
        text = path.read_text()
        assert plain(yamlsrc.load_yaml(text, "f")) == yaml.safe_load(text), path


def test_aliases_are_shared_within_the_budget() -> None:
    value = yamlsrc.load_yaml("a: &x [1, {b: 2}]\nc: *x\nd: [*x, *x]\n", "f")
    assert value["c"] == [1, {"b": 2}] and value["d"][1] is value["a"]


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("a:\n" + "".join("  " * i + " -\n" for i in range(1, 80)), 65, "nested more than 64"),
    ("a: " + "[" * 70 + "]" * 70, 1, "nested more than 64"),
    ("a: x\0y\n", 1, "NUL character at column 5"),
    ("a: ok\nb: \x1b[1m\n", 2, "control character U+001B at column 4"),
    ("a: \"\\x07\"\n", 1, "control character U+0007 (written as an escape)"),
    ("a: 1\n--- \nb: 2\n", 2, "one YAML document"),
    ("a: !!python/tuple [1]\n", 1, "not supported"),
])
def test_yaml_limits_name_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        yamlsrc.load_yaml(text, "f.yaml")
    assert info.value.line == line and fragment in str(info.value)


def test_not_utf8_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "lab.yaml").write_bytes(b"name: x\nrouters:\n  R\xe9: x\n")
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "lab.yaml")
    assert info.value.line == 3 and "byte 0xE9 at column 4" in str(info.value)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "lab.yaml").write_bytes(b"\xef\xbb\xbf" + (ROOT / "tests" / "data" / "expect" /
                                                         "plain.yaml").read_bytes())
    assert load_scenario(tmp_path / "lab.yaml").name == "plain"


def test_sizes_are_capped(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"name: x\n" + b"# padding\n" * (MAX_SCENARIO_BYTES // 10 + 1))
    with pytest.raises(InputError, match="larger than 8 MiB"):
        load_scenario(big)
    (tmp_path / "lab.yaml").write_text(LAB)
    (tmp_path / "rt1.cfg").write_text(CFG + "!\n" * (MAX_CONFIG_BYTES // 2))
    with pytest.raises(InputError, match="config_file is larger than 1 MiB") as info:
        load_scenario(tmp_path / "lab.yaml")
    assert info.value.line == 4


def test_pipes_and_devices_are_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "rt1.cfg")                 # opening it for reading would block
    (tmp_path / "lab.yaml").write_text(LAB)
    with pytest.raises(InputError, match="a pipe, not a regular file"):
        load_scenario(tmp_path / "lab.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(InputError, match="a pipe, not a regular file"):
        load_scenario(tmp_path / "fifo.yaml")
    with pytest.raises(InputError, match="a character device"):
        load_scenario(Path("/dev/zero"))


def test_config_file_stays_inside_the_scenario_folder(tmp_path: Path) -> None:
    lab = tmp_path / "lab" / "lab.yaml"
    (tmp_path / "lab" / "configs").mkdir(parents=True)
    (tmp_path / "lab" / "configs" / "rt1.cfg").write_text(CFG)
    (tmp_path / "secret.cfg").write_text("hostname TOPSECRET\n")
    (tmp_path / "lab" / "configs" / "link.cfg").symlink_to(tmp_path / "lab" / "configs" /
                                                           "rt1.cfg")
    (tmp_path / "lab" / "escape.cfg").symlink_to(tmp_path / "secret.cfg")
    for name, ok in (("configs/rt1.cfg", True), ("configs/link.cfg", True),
                     ("./configs/../configs/rt1.cfg", True), ("../secret.cfg", False),
                     ("escape.cfg", False), (str(tmp_path / "secret.cfg"), False),
                     (str(tmp_path / "lab" / "configs" / "rt1.cfg"), True)):
        lab.write_text(LAB.replace("rt1.cfg", name))
        if ok:
            assert load_scenario(lab).routers[0].config_file == str(lab.parent / name)
            continue
        with pytest.raises(InputError) as info:
            load_scenario(lab)
        assert info.value.line == 4 and "inside the scenario's folder" in str(info.value)
        assert "TOPSECRET" not in str(info.value)


def test_an_offending_value_is_quoted_by_its_first_line_only() -> None:
    long = "x" * 500
    with pytest.raises(InputError) as info:
        parse_scenario(f"name: x\nseed: {long}\nrouters: {{}}\n", file="f")
    assert len(str(info.value)) < 200 and str(info.value).endswith("...'")


def test_scenarios_without_links_or_events_load() -> None:
    sc = parse_scenario("name: x\nrouters:\n  RT1: |\n    hostname RT1\n", file="f")
    assert sc.links == [] and sc.events == [] and sc.sources == ["f"]
