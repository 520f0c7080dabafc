"""The IOS side of the lab PKI: `show crypto pki certificates`, `clock set`, and the router's
credentials built from its trustpoints."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.policy import Trustpoint
from ikesim.ike.profiles import PROFILES
from ikesim.ios.exec_parse import ExecError, parse_exec
from ikesim.ios.pki_commands import parse_clock_set
from ikesim.ios.pki_lab import RouterPkiState, router_pki
from ikesim.ios.show_pki import show_crypto_pki_certificates
from ikesim.net.config import DeviceConfig
from ikesim.pki import LAB_EPOCH


def _config(*trustpoints: Trustpoint, hostname: str = "R1") -> DeviceConfig:
    config = DeviceConfig(hostname=hostname)
    config.crypto.trustpoints = {tp.name: tp for tp in trustpoints}
    return config


def test_only_enrolled_trustpoints_give_certificates() -> None:
    config = _config(Trustpoint("LAB", enrollment="url http://10.0.0.100"),
                     Trustpoint("SLA-TrustPoint"))
    pki = router_pki("R1", config, 7)
    assert pki is not None and [c.trustpoint for c in pki.credentials] == ["LAB"]
    assert router_pki("R1", _config(Trustpoint("X")), 7) is None
    assert pki.calendar(3600.0) == LAB_EPOCH + dt.timedelta(hours=1)


def test_show_crypto_pki_certificates_layout() -> None:
    pki = router_pki("R1", _config(Trustpoint("LAB", enrollment="url http://10.0.0.100")), 7)
    lines = show_crypto_pki_certificates(pki)
    serial = pki.credentials[0].certificate.serial_number
    assert lines[:16] == [
        "Certificate",
        "  Status: Available",
        f"  Certificate Serial Number (hex): {serial:02X}",
        "  Certificate Usage: General Purpose",
        "  Issuer:",
        "    cn=LAB",
        "  Subject:",
        "    Name: R1",
        "    hostname=R1",
        "  Validity Date:",
        "    start date: 00:00:00 UTC Apr 25 2011",
        "    end   date: 00:00:00 UTC Apr 24 2012",
        "  Associated Trustpoints: LAB",
        f"  Storage: nvram:LAB#{serial % 0x10000:X}.cer",
        "",
        "CA Certificate",
    ]
    assert lines[16:27] == [
        "  Status: Available",
        "  Certificate Serial Number (hex): 01",
        "  Certificate Usage: Signature",
        "  Issuer:", "    cn=LAB",
        "  Subject:", "    cn=LAB",
        "  Validity Date:",
        "    start date: 00:00:00 UTC Mar 27 2011",
        "    end   date: 00:00:00 UTC Mar 26 2014",
        "  Associated Trustpoints: LAB",
    ]
    assert show_crypto_pki_certificates(pki, "OTHER") == []
    assert show_crypto_pki_certificates(None) == []


@pytest.mark.parametrize("args,want", [
    (["10:00:00", "1", "June", "2024"], dt.datetime(2024, 6, 1, 10, tzinfo=dt.UTC)),
    (["00:00:00", "mar", "1", "1993"], dt.datetime(1993, 3, 1, tzinfo=dt.UTC)),
])
def test_clock_set_forms(args, want) -> None:
    assert parse_clock_set(args) == want


@pytest.mark.parametrize("args", [[], ["10:00", "1", "June", "2024"],
                                  ["10:00:00", "31", "feb", "2024"],
                                  ["10:00:00", "1", "ju", "2024"],
                                  ["10:00:00", "1", "June", "1980"],
                                  ["10:00:00", "1", "June", "2024", "x"]])
def test_clock_set_refuses_what_ios_refuses(args) -> None:
    with pytest.raises(ValueError, match="^%"):
        parse_clock_set(args)


def test_exec_paths() -> None:
    assert parse_exec("sh cry pki cert").handler == "show_crypto_pki_certificates"
    assert parse_exec("show crypto ca certificates").handler == "show_crypto_pki_certificates"
    assert parse_exec("clock set 10:00:00 1 June 2024").args == ["10:00:00", "1", "June",
                                                                 "2024"]
    with pytest.raises(ExecError):
        parse_exec("show crypto pki")


class _Device:
    name = "R1"

    def __init__(self, config: DeviceConfig) -> None:
        self.config = config
        self.clock_at_zero = dt.datetime(1993, 3, 1, tzinfo=dt.UTC)
        self.enrolled = None


def test_clock_set_moves_the_engines_clock() -> None:
    config = _config(Trustpoint("LAB", enrollment="terminal"))
    engine = IsakmpEngine(crypto=config.crypto, profile=PROFILES["ios15"], rng=random.Random(1))
    state = RouterPkiState(_Device(config), engine, 7)
    assert config.crypto.local_fqdn == "R1"
    assert state.pki is not None and state.pki.calendar(0).year == 1993
    before = state.set_clock(30.0, dt.datetime(2011, 4, 26, 9, tzinfo=dt.UTC))
    assert before == dt.datetime(1993, 3, 1, 0, 0, 30, tzinfo=dt.UTC)
    assert engine._ctx.pki.calendar(30.0) == dt.datetime(2011, 4, 26, 9, tzinfo=dt.UTC)


def _lab_yaml(tmp_path, router_extra: str):
    from ikesim.scenario.loader import load_scenario

    path = tmp_path / "lab.yaml"
    path.write_text(f"""name: x
duration: 1s
routers:
  R1:
{router_extra}
    config: |
      hostname R1
""")
    return load_scenario(path)


def test_scenario_clock_and_enrolled(tmp_path) -> None:
    from ikesim.errors import InputError

    sc = _lab_yaml(tmp_path, "    clock: 1993-03-01 00:00:00\n    enrolled: 2009-03-01")
    spec = sc.devices["R1"]
    assert spec.clock == dt.datetime(1993, 3, 1, tzinfo=dt.UTC)
    assert spec.enrolled == dt.datetime(2009, 3, 1, tzinfo=dt.UTC)
    assert _lab_yaml(tmp_path, "").devices["R1"].clock is None
    with pytest.raises(InputError, match=r"lab.yaml:5: 'clock' must be a date"):
        _lab_yaml(tmp_path, "    clock: yesterday")
    with pytest.raises(InputError, match="between 1993 and 2035"):
        _lab_yaml(tmp_path, "    enrolled: 1980-01-01")
