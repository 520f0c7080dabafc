"""Real public IOS configurations (tests/data/real-configs, origins in SOURCES.md): every one
loads verbatim with `ikesim validate` (warnings allowed), features ikesim does not model are
errors until the scenario ignores them, and `ikesim new --from` builds labs from the pairs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ikesim.cli import main
from ikesim.ios.config import parse_config

CORPUS = Path(__file__).parent / "data" / "real-configs"
FILES = sorted(p.name for p in CORPUS.glob("*.cfg"))

# The features each file needs to ignore (everything else it contains is modelled or accepted).
IGNORE = {
    "batfish-as1border1.cfg": ["bgp"], "batfish-as2dept1.cfg": ["bgp"],
    "batfish-aws-cisco_host.cfg": ["bgp"], "edwin-ikev2-R1.cfg": ["ikev2"],
    "iclexi-dmvpn-R1-HUB.cfg": ["dmvpn", "eigrp", "ikev2"],
    "iclexi-l2tp-R1.cfg": ["virtual-template", "vpdn"], "keithgrennier-HQ.cfg": ["vrf"],
    "napalm-csr1-show-run.cfg": ["vrf"], "tjeewantha-Router1.cfg": ["dhcp-client"],
    "winahyu-R1.cfg": ["l2tpv3"], "winahyu-R2.cfg": ["l2tpv3"],
}


def test_corpus_is_large_and_every_file_has_a_source() -> None:
    sources = (CORPUS / "SOURCES.md").read_text()
    listed = set(re.findall(r"^\| (\S+\.cfg) \| https://github\.com/", sources, re.M))
    assert len(FILES) >= 30
    assert listed == set(FILES)
    for line in sources.splitlines():
        if line.startswith("| ") and ".cfg |" in line and "https://" in line:
            commit = line.split("|")[4].strip()
            assert re.fullmatch(r"[0-9a-f]{40}", commit), line


def _scenario(tmp_path: Path, name: str, ignore: list[str]) -> Path:
    shutil.copyfile(CORPUS / name, tmp_path / name)         # verbatim, next to the lab
    text = (CORPUS / name).read_text()
    hostname = re.search(r"^hostname (\S+)", text, re.M)
    spec = [f"config_file: {name}"]
    if hostname:
        spec.append(f'config_hostname: "{hostname.group(1)}"')
    if ignore:
        spec.append(f"ignore: [{', '.join(ignore)}]")
    lab = tmp_path / "lab.yaml"
    lab.write_text(f"name: corpus\nrouters:\n  R:\n    {{{', '.join(spec)}}}\n")
    return lab


@pytest.mark.parametrize("name", FILES)
def test_every_real_config_loads_verbatim(tmp_path: Path, name: str) -> None:
    lab = _scenario(tmp_path, name, IGNORE.get(name, []))
    result = CliRunner().invoke(main, ["validate", str(lab)])
    assert result.exit_code == 0, result.output
    assert "lab.yaml: ok (1 routers" in result.output
    if IGNORE.get(name):
        assert "ignored as the scenario asks" in result.output


@pytest.mark.parametrize("name", sorted(IGNORE))
def test_unmodelled_features_are_errors_until_ignored(tmp_path: Path, name: str) -> None:
    lab = _scenario(tmp_path, name, [])
    result = CliRunner().invoke(main, ["validate", str(lab)])
    assert result.exit_code == 2
    for feature in IGNORE[name]:
        assert f"ignore: [{feature}]" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", FILES)
def test_running_config_of_a_real_config_parses_to_the_same_model(name: str) -> None:
    from ikesim.ios.running_config import render_running_config
    from tests.test_ios_config import strip_lines

    first = parse_config((CORPUS / name).read_text(), hostname="R",
                         ignore=IGNORE.get(name, []))
    again = parse_config("\n".join(render_running_config(first)), hostname="R",
                         ignore=IGNORE.get(name, []))
    for cfg in (first, again):      # what show running-config does not print
        cfg.unmodelled, cfg.unmodelled_text = [], {}
        cfg.crypto.trustpoints = {k: v for k, v in cfg.crypto.trustpoints.items() if v.used}
    assert strip_lines(again) == strip_lines(first)


def test_strict_turns_the_warnings_into_errors(tmp_path: Path) -> None:
    lab = _scenario(tmp_path, "krut0g0lov-R1.cfg", [])
    result = CliRunner().invoke(main, ["validate", "--strict", str(lab)])
    assert result.exit_code == 2
    assert "error (--strict): R: 83 line(s) accepted but not modelled" in result.output
    assert "certificates no policy uses (lines 65-67, 70-98)" in result.output
