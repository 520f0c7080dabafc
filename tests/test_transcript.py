"""The console layout rules reproduce the seed's prompt/command/debug interleaving."""

from __future__ import annotations

from ikesim.export.transcript import Transcript


def test_seed_console_layout() -> None:
    t = Transcript()
    t.command("RT2", "debug crypto isakmp", ["Crypto ISAKMP debugging is on"])
    t.command("RT2", "sh crypto isakmp sa",
              ["dst             src             state           conn-id    slot", ""])
    t.asynchronous("RT2", ["00:01:01: ISAKMP (0:0): received packet from 10.10.10.2 (N) NEW SA"])
    t.command("RT2", "sh crypto isakmp sa", ["table", ""])
    assert t.text().splitlines() == [
        "RT2#debug crypto isakmp",
        "Crypto ISAKMP debugging is on",
        "RT2#",
        "RT2#sh crypto isakmp sa",
        "dst             src             state           conn-id    slot",
        "",
        "RT2#",
        "00:01:01: ISAKMP (0:0): received packet from 10.10.10.2 (N) NEW SA",
        "RT2#",
        "RT2#sh crypto isakmp sa",
        "table",
        "",
        "RT2#",
    ]


def test_async_lines_from_another_device_start_with_its_prompt() -> None:
    t = Transcript()
    t.command("RT2", "debug crypto isakmp", ["Crypto ISAKMP debugging is on"])
    t.asynchronous("RT1", ["00:00:10: ISAKMP (0:1): beginning Main Mode exchange"])
    t.asynchronous("RT1", ["00:00:10: ISAKMP (0:1): sending packet to 11.11.11.2 (I) MM_NO_STATE"])
    t.asynchronous("RT2", ["00:00:10: ISAKMP (0:0): received packet from 10.10.10.2 (N) NEW SA"])
    assert t.lines[3:] == [
        "RT1#",
        "00:00:10: ISAKMP (0:1): beginning Main Mode exchange",
        "00:00:10: ISAKMP (0:1): sending packet to 11.11.11.2 (I) MM_NO_STATE",
        "RT2#",
        "00:00:10: ISAKMP (0:0): received packet from 10.10.10.2 (N) NEW SA",
    ]


def test_configure_session_shows_mode_prompts() -> None:
    t = Transcript()
    block = t.configure("RT2", ["ip route 0.0.0.0 0.0.0.0 11.11.11.1", "interface Fa1/0",
                                " shutdown"])
    assert block == [
        "RT2#configure terminal",
        "Enter configuration commands, one per line.  End with CNTL/Z.",
        "RT2(config)#ip route 0.0.0.0 0.0.0.0 11.11.11.1",
        "RT2(config)#interface Fa1/0",
        "RT2(config-if)#shutdown",
        "RT2(config-if)#end",
        "RT2#",
    ]
