from __future__ import annotations

import pytest

from ikesim.ios.exec_parse import ExecError, parse_exec


@pytest.mark.parametrize(("text", "handler", "args"), [
    ("show ip route", "show_ip_route", []),
    ("sh ip ro", "show_ip_route", []),
    ("sh ip int br", "show_ip_interface_brief", []),
    ("sh run", "show_running_config", []),
    ("sh crypto isakmp sa", "show_crypto_isakmp_sa", []),
    ("sh cry isa sa", "show_crypto_isakmp_sa", []),
    ("deb cry isa", "debug_crypto_isakmp", []),
    ("u all", "undebug_all", []),
    ("no debug all", "undebug_all", []),
    ("ping 172.16.2.2 rep 50", "ping", ["172.16.2.2", "rep", "50"]),
    ("clear crypto isakmp 2", "clear_crypto_isakmp", ["2"]),
])
def test_ios_abbreviations(text: str, handler: str, args: list[str]) -> None:
    cmd = parse_exec(text)
    assert cmd.handler == handler and cmd.args == args


@pytest.mark.parametrize(("text", "message"), [
    ("", "% Incomplete command."),
    ("show ip", "% Incomplete command."),
    ("s ip route", "% Ambiguous command"),
    ("sh cry i sa", "% Ambiguous command"),        # isakmp or ipsec
    ("frobnicate", "% Invalid input detected"),
    ("show version", "not supported by ikesim"),
])
def test_rejected_like_ios(text: str, message: str) -> None:
    with pytest.raises(ExecError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_exec(text)
