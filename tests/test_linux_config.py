"""Linux gateway configurations in the daemons' own syntax: what they mean, FILE:LINE errors for
bad input, and (hypothesis) never anything but the typed input error."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ikesim.errors import InputError
from ikesim.linux.config import device_config, load_linux, phase2_policies
from ikesim.linux.config.algorithms import AlgorithmError, esp_proposals, ike_proposals
from ikesim.linux.config.ip_commands import parse_ip_commands
from ikesim.linux.config.ipsec_conf import parse_ipsec_conf, parse_ipsec_secrets
from ikesim.linux.config.model import ID_FQDN, ID_IPV4_ADDR, LinuxConfig
from ikesim.linux.config.swanctl import parse_swanctl

ROOT = Path(__file__).resolve().parent.parent
IP = ("ip addr add 10.10.10.2/24 dev eth0\nip addr add 172.16.1.1/24 dev eth1\n"
      "ip route add default via 10.10.10.1\n", "gw.ip", 0)
SWANCTL = """connections {
    vpn {
        version = 1
        local_addrs = 10.10.10.2
        remote_addrs = 11.11.11.2
        proposals = aes256-sha256-modp2048,3des-sha1-modp1024
        rekey_time = 8h
        local {
            auth = psk
        }
        remote {
            auth = psk
            id = @rt2.example.com
        }
        children {
            net {
                local_ts = 172.16.1.0/24
                remote_ts = 172.16.2.0/24
                esp_proposals = aes128-sha1-modp1024
                start_action = trap
            }
        }
    }
}
secrets {
    ike-1 {
        id = rt2.example.com
        secret = "cisco 123"
    }
}
"""
IPSEC_CONF = """config setup
    ikev1-policy=accept

conn vpn
    ikev2=no
    authby=secret
    left=10.10.10.2
    leftsubnet=172.16.1.0/24
    right=11.11.11.2
    rightsubnet=172.16.2.0/24
    ike=aes256-sha2_256;modp2048
    phase2alg=aes128-sha1
    auto=start
"""
SECRETS = '10.10.10.2 11.11.11.2 : PSK "cisco123"\n'


def strongswan(text: str = SWANCTL, ip=IP) -> LinuxConfig:
    return load_linux("gw", "strongswan", ip=ip, swanctl=(text, "swanctl.conf", 0))


def libreswan(conf: str = IPSEC_CONF, secrets: str = SECRETS) -> LinuxConfig:
    return load_linux("gw", "libreswan", ip=IP, ipsec_conf=(conf, "ipsec.conf", 0),
                      ipsec_secrets=(secrets, "ipsec.secrets", 0))


def error_of(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as err:
        fn(*args, **kwargs)
    return err.value


# ----------------------------------------------------------------- meaning
def test_swanctl_connection_children_secrets() -> None:
    cfg = strongswan()
    conn = cfg.connections[0]
    assert [(p.encryption, p.hash, p.group) for p in conn.proposals] == [
        ("aes256", "sha256", 14), ("3des", "sha", 2)]
    assert conn.ike_lifetime == 8 * 3600 + 8 * 360        # rekey_time + 10 % over_time
    assert conn.remote_id is not None and conn.remote_id.kind == ID_FQDN
    assert conn.remote_id.value == "rt2.example.com" and conn.local_id is None
    child = conn.children[0]
    assert child.start_action == "trap" and child.life_time == 3960
    assert child.esp[0].pfs_group == 2 and child.esp[0].transform.cipher.keyword == "esp-aes"
    dev = device_config(cfg)
    assert [k.key for k in dev.crypto.keys] == ["cisco 123"]
    ident = dev.crypto.identities[int(ipaddress.IPv4Address("11.11.11.2"))]
    assert (ident.local_type, ident.local_data) == (ID_IPV4_ADDR, bytes([10, 10, 10, 2]))
    assert (ident.remote_type, ident.remote_data) == (ID_FQDN, b"rt2.example.com")
    assert [r.next_hop for r in dev.static_routes] == [ipaddress.IPv4Address("10.10.10.1")]
    (policy,) = phase2_policies(cfg)
    assert policy.pfs_group == 2 and policy.lifetime_seconds == 3960 and policy.lifetime_kb == 0


def test_swanctl_life_bytes() -> None:
    """swanctl load_conns.c parse_bytes(): K, M, G are powers of 1024; 0 by default."""
    conf = SWANCTL.replace("start_action = trap", "start_action = trap\n"
                           "                life_bytes = 4G")
    assert strongswan(conf).connections[0].children[0].life_bytes == 4 * 1024 ** 3
    assert strongswan(SWANCTL).connections[0].children[0].life_bytes == 0


def test_ipsec_conf_rekey_settings() -> None:
    """rekey=, rekeyfuzz=, keyingtries=%forever (ipsec.conf(5)); a rekeymargin not shorter than
    salifetime is halved (libreswan connections.c)."""
    conn = libreswan(IPSEC_CONF.replace(
        "auto=start", "auto=start\n    rekey=no\n    rekeyfuzz=0%\n    keyingtries=%forever\n"
        "    salifetime=10m\n    rekeymargin=15m")).connections[0]
    assert (conn.rekey, conn.rekey_fuzz, conn.keyingtries, conn.rekey_margin) == \
        (False, 0, 0, 300)


def test_ipsec_conf_defaults_as_libreswan() -> None:
    cfg = libreswan()
    conn = cfg.connections[0]
    assert conn.ike_lifetime == 28800                # ikelifetime default 8h
    assert conn.remote_id is not None and conn.remote_id.value == "11.11.11.2"
    child = conn.children[0]
    assert child.start_action == "start"             # auto=start
    assert child.esp[0].pfs_group == 14              # pfs=yes: the phase-1 group
    assert [k.key for k in device_config(cfg).crypto.keys] == ["cisco123"]


def test_shared_runs_configs_load() -> None:
    base = Path("/work/shared/fidelity/linux")
    for scenario in sorted((ROOT / "scenarios" / "linux").glob("fidelity-*.yaml")):
        text = scenario.read_text()
        assert "platform:" in text
    if (base / "A_strongswan_success").exists():   # the recorded configuration, verbatim
        text = (base / "A_strongswan_success" / "rt1" / "swanctl.conf").read_text()
        conns, secrets = parse_swanctl(text, file="A/rt1/swanctl.conf")
        assert conns[0].name == "vpn" and secrets[0].secret == "cisco123"


def test_proposal_strings() -> None:
    assert ike_proposals("3des-sha1-modp1024", daemon="strongswan")[0].group == 2
    assert ike_proposals("aes128-sha1;modp1536", daemon="libreswan")[0].group == 5
    assert esp_proposals("3des-md5")[0].pfs_group is None
    with pytest.raises(AlgorithmError, match="'modp1024' is not supported"):
        ike_proposals("3des-sha1-modp1024", daemon="libreswan")       # Debian's pluto
    with pytest.raises(AlgorithmError, match="not implemented by ikesim"):
        ike_proposals("aes256gcm16-prfsha256-ecp256", daemon="strongswan")
    with pytest.raises(AlgorithmError, match="not recognized"):
        esp_proposals("3des-sha9")
    with pytest.raises(AlgorithmError, match="no DH group"):
        ike_proposals("aes128-sha1", daemon="strongswan")


# ----------------------------------------------------------------- FILE:LINE errors
@pytest.mark.parametrize("edit, line, reason", [
    (("version = 1", "version = 2"), 3, "IKEv1 only"),
    (("rekey_time = 8h", "rekey_tyme = 8h"), 7, "unknown key 'rekey_tyme'"),
    (("rekey_time = 8h", "pools = p"), 7, "not supported by ikesim"),
    (("proposals = aes256", "proposals = aes999"), 6, "aes999"),
    (("esp_proposals = aes128-sha1-modp1024", "esp_proposals = aes128-sha1-ecp256"), 19,
     "not implemented"),
    (("auth = psk\n        }\n        remote", "auth = pubkey\n        }\n        remote"), 9,
     "auth = pubkey"),
    (("start_action = trap", "start_action = later"), 20, "start_action"),
    # charon's IKE_SA timers (swanctl.conf(5)): a value that is not a time names its line
    (("rekey_time = 8h", "rekey_time = 8h\n        rand_time = whenever"), 8, "'whenever'"),
    (("rekey_time = 8h", "reauth_time = soon"), 7, "'soon' is not a time"),
    (("start_action = trap", "start_action = trap\n            life_bytes = lots"), 21,
     "life_bytes: 'lots' is not a size"),
    (("local_ts = 172.16.1.0/24", "local_ts = 172.16.1.1/24"), 17, "not an IPv4 subnet"),
])
def test_swanctl_errors_name_the_line(edit, line, reason) -> None:
    err = error_of(strongswan, SWANCTL.replace(*edit))
    assert err.file == "swanctl.conf" and err.line == line and reason in str(err)


def test_swanctl_structure_errors() -> None:
    assert error_of(strongswan, SWANCTL + "}\n").reason.startswith("'}' without")
    assert "not closed" in error_of(strongswan, SWANCTL.rsplit("}", 1)[0]).reason
    assert error_of(strongswan, "include /etc/swanctl/conf.d/*.conf\n").line == 1
    err = error_of(strongswan, SWANCTL.replace('secret = "cisco 123"', 'secret = "cisco'))
    assert "unterminated" in err.reason


def test_missing_secret_is_an_error_at_the_connection() -> None:
    cfg = strongswan(SWANCTL.replace("id = rt2.example.com", "id = 9.9.9.9"))
    err = error_of(device_config, cfg)
    assert err.line == 2 and "no pre-shared key" in err.reason


def test_ipsec_conf_errors() -> None:
    err = error_of(libreswan, IPSEC_CONF.replace("ikev1-policy=accept", "uniqueids=yes"))
    assert "ikev1-policy does not allow IKEv1" in err.reason and err.line == 4
    err = error_of(libreswan, IPSEC_CONF.replace("auto=start", "autostart=yes"))
    assert err.line == 13 and "unknown key 'autostart'" in err.reason
    err = error_of(libreswan, IPSEC_CONF.replace("    ikev2=no", "ikev2=no"))
    assert err.line == 5
    # times (ipsec.conf(5) rekeymargin, ikelifetime, retransmit-*) are named at their line
    err = error_of(libreswan, IPSEC_CONF.replace("auto=start", "auto=start\n    rekeymargin=soon"))
    assert "rekeymargin: 'soon' is not a time" in err.reason and err.line == 14
    err = error_of(libreswan, IPSEC_CONF.replace("auto=start", "ikelifetime=1x"))
    assert "ikelifetime: '1x' is not a time" in err.reason and err.line == 13
    err = error_of(libreswan, IPSEC_CONF.replace("auto=start", "retransmit-interval=0"))
    assert "retransmit-interval" in err.reason and err.line == 13
    err = error_of(libreswan, IPSEC_CONF.replace("auto=start", "keyingtries=many"))
    assert "keyingtries: 'many' is not a number" in err.reason and err.line == 13
    err = error_of(libreswan, IPSEC_CONF.replace("auto=start", "keyingtries=²"))  # not int()
    assert "keyingtries" in err.reason and err.line == 13
    err = error_of(libreswan, IPSEC_CONF.replace("auto=start", "rekeyfuzz=abc"))
    assert "rekeyfuzz: 'abc' is not a percentage" in err.reason and err.line == 13
    err = error_of(libreswan, IPSEC_CONF.replace("auto=start", "rekey=maybe"))
    assert "rekey: 'maybe' is not yes or no" in err.reason and err.line == 13
    err = error_of(libreswan, IPSEC_CONF.replace("modp2048", "modp1024"))
    assert "not supported" in err.reason and err.line == 11
    assert error_of(libreswan, IPSEC_CONF, SECRETS.replace(": PSK", ": RSA")).file == \
        "ipsec.secrets"
    assert error_of(device_config, libreswan(IPSEC_CONF, "")).reason.startswith(
        "no pre-shared key")


def test_ip_command_errors() -> None:
    cfg = LinuxConfig("gw", "strongswan")
    for bad, reason in [("ip addr add 10.0.0.1 dev eth0", "prefix length"),
                        ("ip route add 10.0.0.0/33 via 1.1.1.1", "inet prefix"),
                        ("ip rute add default via 1.1.1.1", "unknown"),
                        ("ip route add default", "needs 'via"),
                        ("iptables -F", "expected an 'ip")]:
        with pytest.raises(InputError, match=reason) as err:
            parse_ip_commands(f"# setup\n{bad}\n", cfg, file="gw.ip", line_offset=10)
        assert err.value.line == 12
    parse_ip_commands("sysctl -w net.ipv4.ip_forward=1", cfg, file="gw.ip")
    assert cfg.forwarding


def test_local_address_must_be_configured() -> None:
    err = error_of(strongswan, ip=("ip addr add 10.9.9.9/24 dev eth0\n", "gw.ip", 0))
    assert "not an address of this host" in err.reason


# ----------------------------------------------------------------- property tests
_CHARS = st.characters(blacklist_categories=("Cs",), min_codepoint=9, max_codepoint=0x2FF)
_LINES = st.lists(st.sampled_from([
    "connections {", "}", "vpn {", "version = 1", "local_addrs = 10.10.10.2",
    "remote_addrs = 11.11.11.2", "proposals = 3des-sha1-modp1024", "children {",
    "net {", "local_ts = 172.16.1.0/24", "remote_ts = 172.16.2.0/24",
    "esp_proposals = 3des-sha1", "secrets {", "ike-1 {", "secret = x", "local {",
    "auth = psk", "id = @a.b", "=", "{", '"', "#", "conn x", "config setup",
    "  left=1.2.3.4", "ip addr add 1.2.3.4/8 dev e0", "ip route add default via 1.2.3.4",
]) | st.text(_CHARS, max_size=40), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(_CHARS, max_size=400), _LINES.map("\n".join)))
def test_parsers_raise_only_input_errors(text: str) -> None:
    for parse in (lambda t: parse_swanctl(t, file="f"),
                  lambda t: parse_ipsec_conf(t, file="f"),
                  lambda t: parse_ipsec_secrets(t, file="f"),
                  lambda t: parse_ip_commands(t, LinuxConfig("g", "strongswan"), file="f"),
                  lambda t: load_linux("g", "strongswan", ip=(t, "f", 0),
                                       swanctl=(t, "f", 0)),
                  lambda t: load_linux("g", "libreswan", ip=(t, "f", 0),
                                       ipsec_conf=(t, "f", 0), ipsec_secrets=(t, "f", 0))):
        try:
            cfg = parse(text)
        except InputError as exc:
            assert exc.file == "f" and (exc.line is None or exc.line >= 1)
            continue
        if isinstance(cfg, LinuxConfig):
            try:
                device_config(cfg)
                phase2_policies(cfg)
            except InputError:
                pass


@settings(max_examples=200, deadline=None)
@given(st.text(_CHARS, max_size=60))
def test_proposal_parser_raises_only_algorithm_errors(text: str) -> None:
    for parse in (lambda t: ike_proposals(t, daemon="strongswan"),
                  lambda t: ike_proposals(t, daemon="libreswan"), esp_proposals):
        try:
            parse(text)
        except AlgorithmError:
            pass
