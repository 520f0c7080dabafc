"""Tests for ikesim.ios.log: IKE events -> IOS debug crypto isakmp lines (12.2 and 15.x).

The main test rebuilds, by hand, the event sequence the IKE engine produces on the seed's
responder RT2 (conn-ids 1 and 2, no route back to the initiator) and checks the formatted
console equals the seed's RT2 block character for character, show tables included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from ikesim.ike.events import IkeEvent
from ikesim.ios.log import DIALECTS, EVENT_KINDS, attribute_line, format_event
from ikesim.ios.show_crypto import show_crypto_isakmp_sa
from ikesim.ios.uptime import uptime_stamp

# The seed's RT2 console from "debug crypto isakmp" to the last prompt, verbatim
# (tests/data/seed is a copy of ../shared/seeds/000_3867bc4c10a91e5a.txt).
_SEED_TEXT = (Path(__file__).parent / "data" / "seed" / "000_3867bc4c10a91e5a.txt").read_text()
SEED_RT2 = _SEED_TEXT[_SEED_TEXT.index("RT2#debug crypto isakmp"):
                      _SEED_TEXT.index("\n\nRoot Cause:") + 1]

RT1 = int(IPv4Address("10.10.10.2"))   # initiator (peer of RT2)
RT2 = int(IPv4Address("11.11.11.2"))   # responder, the device being printed
LIFE_86400 = bytes([0x00, 0x01, 0x51, 0x80])
SEED_ATTRS = [["encryption", "3DES-CBC"], ["hash", "SHA"], ["group", 2], ["auth", "pre-share"],
              ["life_type", "seconds"], ["life_duration", LIFE_86400]]
HANDLES = {1: 0x623CF540, 2: 0x61FEBB84}
STAMP = re.compile(r"^\d\d:\d\d:\d\d: ")


def ev(kind: str, sa: int, conn_id: int | None = None, **fields) -> IkeEvent:
    return IkeEvent(kind, sa, sa if conn_id is None else conn_id, fields)


def pkt(kind: str, sa: int, state: str, **extra) -> IkeEvent:
    return ev(kind, sa, peer=RT1, state=state, role="R", exchange=2, message_id=0,
              sport=500, dport=500, **extra)


@dataclass
class Row:
    dst: int | str
    src: int | str
    state: str
    conn_id: int
    deleted: bool = False


def responder_new_sa(t: float, sa: int) -> list[tuple[float, IkeEvent]]:
    """RT2 receives MM1, creates SA ``sa`` and answers MM2 (which is lost: no route back)."""
    evs = [
        pkt("rx", 0, "MM_NO_STATE", new_sa=True),
        ev("sa_created", sa, role="R", peer=RT1, local=RT2),
        ev("local_port", sa, local_port=500, remote_port=500),
        ev("process_payload", sa, payload="SA", message_id=0),
        ev("psk_found", sa, peer=RT1),
        ev("check_transform", sa, transform=1, priority=1, attributes=SEED_ATTRS),
        ev("atts_acceptable", sa, next_payload=0),
        ev("state_change", sa, old="IKE_R_MM1", new="IKE_R_MM1", input="IKE_MESG_INTERNAL"),
        ev("auth_method", sa, method="pre-shared key", id_type="ID_IPV4_ADDR"),
        pkt("tx", sa, "MM_SA_SETUP", retransmission=False),
        ev("state_change", sa, old="IKE_R_MM1", new="IKE_R_MM2", input="IKE_MESG_INTERNAL"),
    ]
    return [(t, e) for e in evs]


def duplicate_cycle(t: float, sa: int) -> list[tuple[float, IkeEvent]]:
    """MM1 resent by RT1 arrives at t; RT2 resends its MM2 a second later."""
    return [
        (t, pkt("rx", sa, "MM_SA_SETUP", new_sa=False)),
        (t, ev("duplicate", sa, peer=RT1, state="MM_SA_SETUP", role="R")),
        (t, ev("retransmit_due_to_dup", sa)),
        (t, ev("retransmit_tick", sa, state="MM_SA_SETUP", role="R")),
        (t + 1, ev("retransmit_tick", sa, state="MM_SA_SETUP", role="R")),
        (t + 1, ev("error_counter", sa, reason="retransmit phase 1")),
        (t + 1, ev("retransmit", sa, state="MM_SA_SETUP", role="R")),
        (t + 1, pkt("tx", sa, "MM_SA_SETUP", retransmission=True)),
    ]


def death(t: float, sa: int) -> list[tuple[float, IkeEvent]]:
    return [
        (t, ev("retransmit_tick", sa, state="MM_SA_SETUP", role="R")),
        (t, ev("no_keepalives", sa)),
        (t, ev("delete", sa, reason="death by retransmission P1", state="MM_SA_SETUP", role="R",
               peer=RT1)),
        (t, ev("state_change", sa, old="IKE_R_MM2", new="IKE_DEST_SA")),
    ]


def purge(t: float, sa: int) -> list[tuple[float, IkeEvent]]:
    return [(t, ev("purge", sa, sa_handle=HANDLES[sa]))]


def seed_script() -> list[tuple[str, object]]:
    """The RT2 session: ("show", rows) commands interleaved with ("debug", timed events)."""
    setup = lambda sa: Row(RT2, RT1, "MM_SA_SETUP", sa)  # noqa: E731
    gone = lambda sa: Row(RT2, RT1, "MM_SA_SETUP", sa, deleted=True)  # noqa: E731
    script: list[tuple[str, object]] = [("show", [])]
    script.append(("debug", responder_new_sa(61, 1)))
    script.append(("show", [setup(1)]))
    for t in (71, 81, 91, 101, 111):
        script += [("debug", duplicate_cycle(t, 1)), ("show", [setup(1)])]
    script.append(("debug", responder_new_sa(121, 2) + death(122, 1)))
    script.append(("show", [setup(2), gone(1)]))
    for t in (131, 141, 151, 161, 171):
        script += [("debug", duplicate_cycle(t, 2)), ("show", [setup(2), gone(1)])]
    script.append(("debug", purge(182, 1) + death(182, 2)))
    script.append(("show", [gone(2)]))
    script += [("debug", purge(242, 2)), ("show", [])]
    return script


def render_console(dialect: str, script: list[tuple[str, object]]) -> list[str]:
    out = ["RT2#debug crypto isakmp", "Crypto ISAKMP debugging is on"]
    for what, data in script:
        if what == "show":
            out += ["RT2#", "RT2#sh crypto isakmp sa", *show_crypto_isakmp_sa(dialect, data),
                    "RT2#"]
            continue
        for t, event in data:
            for stamped, text in format_event(dialect, event, local="11.11.11.2"):
                out.append(f"{uptime_stamp(t)}: {text}" if stamped else text)
    return out


def test_seed_rt2_console_reproduced_exactly():
    got = render_console("12.2", seed_script())
    want = SEED_RT2.splitlines()
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"line {i + 1}"
    assert len(got) == len(want) == 216


def test_seed_debug_text_after_timestamp_in_order():
    """Debug lines only (text after "hh:mm:ss: "), plus the raw blank/continuation lines."""
    seed = SEED_RT2.splitlines()
    want = [STAMP.sub("", line) for i, line in enumerate(seed)
            if STAMP.match(line) or line.startswith("state (R)")
            or (line == "" and seed[i - 1].endswith("paranoid keepalives."))]
    got = [text for what, data in seed_script() if what == "debug"
           for _, event in data for _, text in format_event("12.2", event)]
    assert got == want
    assert len(got) == 120


# --- 12.2 single events -------------------------------------------------------------------

def test_new_sa_rx_uses_conn_id_zero_and_N_role():
    lines = format_event("12.2", pkt("rx", 0, "MM_NO_STATE", new_sa=True))
    assert lines == [(True, "ISAKMP (0:0): received packet from 10.10.10.2 (N) NEW SA")]


def test_delete_continuation_and_keepalive_blank_are_unstamped():
    keep = format_event("12.2", ev("no_keepalives", 1))
    assert keep == [(True, "ISAKMP (0:1): peer does not do paranoid keepalives."), (False, "")]
    dele = format_event("12.2", ev("delete", 3, reason="No reason", state="QM_IDLE", role="I",
                                   peer=RT2))
    assert dele == [(True, 'ISAKMP (0:3): deleting SA reason "No reason"'),
                    (False, "state (I) QM_IDLE (peer 11.11.11.2) input queue 0")]


def test_purge_handle_is_eight_upper_hex_digits():
    assert format_event("12.2", ev("purge", 4, sa_handle=0x00AB12)) == [
        (True, "ISAKMP (0:4): purging SA., sa=0000AB12, delme=0000AB12")]
    # a handle that is not a 32-bit number prints as IOS keeps it: cut to 32 bits, or 0
    assert format_event("12.2", ev("purge", 4, sa_handle=-1))[0][1].endswith(
        "sa=FFFFFFFF, delme=FFFFFFFF")
    assert format_event("12.2", ev("purge", 4, sa_handle="623CF540"))[0][1].endswith(
        "sa=00000000, delme=00000000")


def test_policy_mismatch_sequence_12_2():
    attrs = [["encryption", "AES-CBC"], ["key_length", 128], ["hash", "MD5"], ["group", 5],
             ["auth", "pre-share"], ["life_type", "seconds"], ["life_duration", 28800]]
    evs = [
        ev("check_transform", 1, transform=1, priority=10, attributes=attrs),
        ev("attr_mismatch", 1, attribute="encryption", transform=1, priority=10),
        ev("attr_mismatch", 1, attribute="hash", transform=1, priority=10),
        ev("attr_mismatch", 1, attribute="group", transform=1, priority=10),
        ev("attr_mismatch", 1, attribute="auth", transform=1, priority=10),
        ev("atts_not_acceptable", 1, next_payload=0),
        ev("policy_not_acceptable", 1, peer=RT1),
        ev("notify_tx", 1, peer=RT1, notify_type="NO_PROPOSAL_CHOSEN", notify_code=14),
    ]
    got = [text for e in evs for _, text in format_event("12.2", e, local="11.11.11.2")]
    assert got == [
        "ISAKMP (0:1): Checking ISAKMP transform 1 against priority 10 policy",
        "ISAKMP:      encryption AES-CBC",
        "ISAKMP:      keylength of 128",
        "ISAKMP:      hash MD5",
        "ISAKMP:      default group 5",
        "ISAKMP:      auth pre-share",
        "ISAKMP:      life type in seconds",
        "ISAKMP:      life duration (basic) of 28800",
        "ISAKMP (0:1): Encryption algorithm offered does not match policy!",
        "ISAKMP (0:1): Hash algorithm offered does not match policy!",
        "ISAKMP (0:1): Diffie-Hellman group offered does not match policy!",
        "ISAKMP (0:1): Authentication method offered does not match policy!",
        "ISAKMP (0:1): atts are not acceptable. Next payload is 0",
        "ISAKMP (0:1): no offers accepted!",
        "ISAKMP (0:1): phase 1 SA policy not acceptable! (local 11.11.11.2 remote 10.10.10.2)",
        "ISAKMP (0:1): sending NOTIFY PROPOSAL_NOT_CHOSEN protocol 1",
    ]


def test_policy_not_acceptable_prefers_event_local_and_omits_unknown_local():
    e = ev("policy_not_acceptable", 2, peer=RT1, local=RT2)
    assert format_event("12.2", e)[-1][1].endswith("(local 11.11.11.2 remote 10.10.10.2)")
    bare = format_event("12.2", ev("policy_not_acceptable", 2, peer=RT1))
    assert bare == [(True, "ISAKMP (0:2): no offers accepted!"),
                    (True, "ISAKMP (0:2): phase 1 SA policy not acceptable!")]


def test_initiator_and_success_lines_12_2():
    evs = [
        ev("main_mode_begin", 1),
        ev("skeyid_generated", 1),
        ev("authenticated", 1, peer=RT2),
        ev("phase1_complete", 1, peer=RT2, role="I"),
        ev("no_psk", 1, peer=RT2),
        ev("bad_message", 1, peer=RT1, reason="hash mismatch"),
        ev("unknown_sa", 0, peer=RT1, reason="INVALID_COOKIE"),
        ev("process_payload", 1, payload="KE", message_id=0),
        ev("process_payload", 1, payload="VENDOR", message_id=0),
        ev("notify_rx", 1, peer=RT2, notify_type="INITIAL_CONTACT", notify_code=24578),
        ev("lifetime_expired", 1, peer=RT2),
        ev("sa_created", 1, role="I", peer=RT2, local=RT1),
    ]
    got = [text for e in evs for _, text in format_event("12.2", e)]
    assert got == [
        "ISAKMP (0:1): beginning Main Mode exchange",
        "ISAKMP (0:1): SKEYID state generated",
        "ISAKMP (0:1): SA has been authenticated with 11.11.11.2",
        "ISAKMP (0:1): No pre-shared key with 11.11.11.2!",
        "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 10.10.10.2 failed its sanity check or is "
        "malformed",
        "%CRYPTO-4-IKMP_NO_SA: IKE message from 10.10.10.2 has no SA and is not an "
        "initialization offer",
        "ISAKMP (0:1): processing KE payload. message ID = 0",
        "ISAKMP (0:1): processing vendor id payload",
        "ISAKMP (0:1): processing NOTIFY INITIAL_CONTACT protocol 1",
    ]


def test_state_change_silent_in_12_2():
    e = ev("state_change", 1, old="IKE_I_MM5", new="IKE_I_MM6", input="IKE_MESG_FROM_PEER")
    assert format_event("12.2", e) == []


def test_addresses_accept_dotted_strings():
    assert format_event("12.2", ev("psk_found", 1, peer="192.0.2.1")) == [
        (True, "ISAKMP (0:1): found peer pre-shared key matching 192.0.2.1")]


# --- attribute lines ------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [
    (LIFE_86400, "life duration (VPI) of  0x0 0x1 0x51 0x80"),
    ([0, 0, 0x0E, 0x10], "life duration (VPI) of  0x0 0x0 0xE 0x10"),
    (86400, "life duration (VPI) of  0x0 0x1 0x51 0x80"),
    (3600, "life duration (basic) of 3600"),
    (65535, "life duration (basic) of 65535"),
    (65536, "life duration (VPI) of  0x0 0x1 0x0 0x0"),
])
def test_life_duration_forms(value, text):
    assert attribute_line("life_duration", value) == "ISAKMP:      " + text


def test_attribute_line_is_total_over_unknown_and_bad_values():
    # RFC 2409 class 13 (unassigned) arrives from the engine as "attr_13"
    assert attribute_line("attr_13", 5) == "ISAKMP:      attribute 13 value 5"
    assert attribute_line("life_duration", -5) == "ISAKMP:      life duration (basic) of 0"
    assert attribute_line("life_duration", "86400") == "ISAKMP:      life duration (basic) of 0"
    assert attribute_line("encryption", 10**5000) == "ISAKMP:      encryption " + str(
        10**5000 & 0xFFFFFFFF)


# --- 15.x dialect ------------------------------------------------------------------------------

def test_15_packet_lines_carry_ports_and_global():
    tx = ev("tx", 1, 1001, peer=RT2, state="MM_KEY_EXCH", role="I", exchange=2, message_id=0,
            sport=500, dport=500, retransmission=False)
    assert format_event("15", tx) == [
        (True, "ISAKMP:(1001): sending packet to 11.11.11.2 my_port 500 peer_port 500 (I) "
               "MM_KEY_EXCH"),
        (True, "ISAKMP:(1001):Sending an IKE IPv4 Packet."),
    ]
    rx = ev("rx", 1, 1001, peer=RT2, state="MM_KEY_EXCH", role="I", new_sa=False, exchange=2,
            message_id=0, sport=4500, dport=500)
    assert format_event("15", rx) == [
        (True, "ISAKMP (1001): received packet from 11.11.11.2 dport 500 sport 4500 Global "
               "(I) MM_KEY_EXCH")]
    # 12.4T kept the "0:" of the old form (trace 07, pastebin f10e82144); 15.x dropped it (14)
    assert format_event("12.4", rx) == [
        (True, "ISAKMP (0:1001): received packet from 11.11.11.2 dport 500 sport 4500 Global "
               "(I) MM_KEY_EXCH")]
    new = ev("rx", 0, 0, peer=RT1, state="MM_NO_STATE", role="R", new_sa=True, exchange=2,
             message_id=0, sport=500, dport=500)
    assert format_event("15", new)[0][1].endswith("Global (N) NEW SA")


def test_15_state_change_lines():
    e = ev("state_change", 1, 1001, old="IKE_I_MM5", new="IKE_I_MM6",
           input="IKE_MESG_FROM_PEER, IKE_MM_EXCH")
    # trace 07: two blanks before "New State", one after it, then an empty line
    assert format_event("15", e) == [
        (True, "ISAKMP:(1001):Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH"),
        (True, "ISAKMP:(1001):Old State = IKE_I_MM5  New State = IKE_I_MM6 "),
        (False, ""),
    ]
    derived = format_event("15", ev("state_change", 1, 0, old="IKE_READY", new="IKE_I_MM1"))
    assert derived[0] == (True, "ISAKMP:(0):Input = IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM")
    dest = format_event("15", ev("state_change", 1, 0, old="IKE_I_MM1", new="IKE_DEST_SA"))
    assert dest == [(True, "ISAKMP:(0):Input = IKE_MESG_INTERNAL, IKE_PHASE1_DEL"),
                    (True, "ISAKMP:(0):Old State = IKE_I_MM1  New State = IKE_DEST_SA "),
                    (False, "")]
    unknown = format_event("15", ev("state_change", 1, 0, old="IKE_I_MM1", new="IKE_R_MM3"))
    assert unknown == [(True, "ISAKMP:(0):Old State = IKE_I_MM1  New State = IKE_R_MM3 "),
                       (False, "")]


@pytest.mark.parametrize(("old", "new", "given", "shown"), [
    ("IKE_I_MM1", "IKE_I_MM2", "IKE_MESG_FROM_PEER", "IKE_MESG_FROM_PEER, IKE_MM_EXCH"),
    ("IKE_I_MM2", "IKE_I_MM2", "IKE_MESG_INTERNAL", "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"),
    ("IKE_I_MM6", "IKE_P1_COMPLETE", "IKE_MESG_INTERNAL",
     "IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE"),
    ("IKE_R_MM2", "IKE_DEST_SA", "IKE_MESG_INTERNAL", "IKE_MESG_INTERNAL, IKE_PHASE1_DEL"),
    ("IKE_READY", "IKE_I_MM1", "IKE_MESG_FROM_IPSEC", "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM"),
    ("IKE_I_MM1", "IKE_I_MM1", "IKE_CUSTOM", "IKE_CUSTOM"),
])
def test_15_bare_input_class_completed(old, new, given, shown):
    lines = format_event("15", ev("state_change", 1, 0, old=old, new=new, input=given))
    assert lines[0] == (True, f"ISAKMP:(0):Input = {shown}")


def test_15_initiator_death_by_retransmission():
    evs = [
        ev("main_mode_begin", 1, 0),
        ev("retransmit_tick", 1, 0, state="MM_NO_STATE", role="I"),
        ev("error_counter", 1, 0, reason="retransmit phase 1", attempt=1, max_attempts=5),
        ev("error_counter", 1, 0, reason="retransmit phase 1"),
        ev("retransmit", 1, 0, state="MM_NO_STATE", role="I"),
        ev("no_keepalives", 1, 0),
        ev("delete", 1, 0, reason="death by retransmission P1", state="MM_NO_STATE", role="I",
           peer=RT2),
        ev("purge", 1, 0, sa_handle=0x65A5E6E4),
    ]
    got = [line for e in evs for line in format_event("15", e)]
    assert got == [
        (True, "ISAKMP:(0): beginning Main Mode exchange"),
        (True, "ISAKMP:(0): retransmitting phase 1 MM_NO_STATE..."),
        (True, "ISAKMP (0): incrementing error counter on sa, attempt 1 of 5: retransmit "
               "phase 1"),
        (True, "ISAKMP (0): incrementing error counter on sa: retransmit phase 1"),
        (True, "ISAKMP:(0): retransmitting phase 1 MM_NO_STATE"),
        (True, "ISAKMP:(0):peer does not do paranoid keepalives."),
        (False, ""),
        (True, 'ISAKMP:(0):deleting SA reason "Death by retransmission P1" state (I) '
               "MM_NO_STATE (peer 11.11.11.2)"),
        (True, "ISAKMP:(0):purging SA., sa=65A5E6E4, delme=65A5E6E4"),
    ]


def test_15_responder_proposal_lines():
    evs = [
        ev("local_port", 1, 0, local_port=500, remote_port=500),
        ev("process_payload", 1, 0, payload="SA", message_id=0),
        ev("psk_found", 1, 0, peer=RT1),
        ev("check_transform", 1, 0, transform=1, priority=1, attributes=SEED_ATTRS[:2]),
        ev("atts_acceptable", 1, 0, next_payload=0),
        ev("attr_mismatch", 1, 0, attribute="group", transform=2, priority=1),
        ev("policy_not_acceptable", 1, 0, peer=RT1),
        ev("duplicate", 1, 0, peer=RT1, state="MM_SA_SETUP", role="R"),
        ev("retransmit_due_to_dup", 1, 0),
        ev("auth_method", 1, 1001, method="pre-shared key", id_type="ID_IPV4_ADDR"),
        ev("authenticated", 1, 1001, peer=RT1),
    ]
    got = [text for e in evs for _, text in format_event("15", e, local="11.11.11.2")]
    assert got == [
        "ISAKMP: local port 500, remote port 500",
        "ISAKMP:(0): processing SA payload. message ID = 0",
        "ISAKMP:(0):found peer pre-shared key matching 10.10.10.2",
        "ISAKMP:(0):Checking ISAKMP transform 1 against priority 1 policy",
        "ISAKMP:      encryption 3DES-CBC",
        "ISAKMP:      hash SHA",
        "ISAKMP:(0):atts are acceptable. Next payload is 0",
        "ISAKMP:(0):Diffie-Hellman group offered does not match policy!",
        "ISAKMP:(0):no offers accepted!",
        "ISAKMP:(0):phase 1 SA policy not acceptable! (local 11.11.11.2 remote 10.10.10.2)",
        "ISAKMP:(0): phase 1 packet is a duplicate of a previous packet.",
        "ISAKMP:(0): retransmitting due to retransmit phase 1",
        "ISAKMP:(1001):SA is doing pre-shared key authentication using id type ID_IPV4_ADDR",
        "ISAKMP:(1001):SA authentication status:\tauthenticated",
        "ISAKMP:(1001):SA has been authenticated with 10.10.10.2",
    ]


def test_15_syslog_lines_match_12_2():
    for kind in ("bad_message", "malformed", "unknown_sa", "auth_failed"):
        e = ev(kind, 1, 1001, peer=RT1, reason="x", offset=0)
        assert format_event("15", e) == format_event("12.2", e)
        assert format_event("15", e)[0][1].startswith("%CRYPTO-")


# --- unhappy paths: formatters are total --------------------------------------------------------

def test_unknown_dialect_rejected_unknown_kind_prints_nothing():
    with pytest.raises(ValueError, match="dialect"):
        format_event("12.3", ev("no_keepalives", 1))
    assert format_event("12.2", ev("teleport", 1)) == []


def test_missing_fields_print_as_empty_ios_fields():
    assert format_event("12.2", ev("psk_found", 1)) == [
        (True, "ISAKMP (0:1): found peer pre-shared key matching 0.0.0.0")]
    assert format_event("15", ev("tx", 1, peer=RT1, state="MM_NO_STATE", role="I",
                                 dport=500))[0] == (
        True, "ISAKMP:(1): sending packet to 10.10.10.2 my_port 0 peer_port 500 (I) MM_NO_STATE")


def test_bad_addresses_print_as_zero():
    for bad in (-1, 2**32, "10.0.0.256", None, True):
        assert format_event("12.2", ev("psk_found", 1, peer=bad)) == [
            (True, "ISAKMP (0:1): found peer pre-shared key matching 0.0.0.0")]


def test_unknown_mismatch_attribute_prints_nothing():
    assert format_event("12.2", ev("attr_mismatch", 1, attribute="colour", transform=1,
                                   priority=1)) == []


def test_every_catalogue_kind_is_handled_in_every_dialect():
    from ikesim.ike.events import EVENT_KINDS as catalogue

    assert set(catalogue) == EVENT_KINDS and len(catalogue) > 60
    assert DIALECTS == ("12.2", "12.4", "15", "xe")


# --- IOS-XE and 12.4T dialects -----------------------------------------------------------------

def test_xe_prefixes_from_trace_04():
    tx = ev("tx", 1, 0, peer="203.0.113.1", state="MM_NO_STATE", role="I", exchange=2,
            message_id=0, sport=500, dport=500, retransmission=False)
    assert [t for _, t in format_event("xe", tx)] == [
        "ISAKMP-PAK: (0):sending packet to 203.0.113.1 my_port 500 peer_port 500 (I) "
        "MM_NO_STATE",
        "ISAKMP: (0):Sending an IKE IPv4 Packet."]
    rx = ev("rx", 1, 1001, peer="203.0.113.1", state="QM_IDLE", role="I", new_sa=False,
            exchange=32, message_id=5, sport=500, dport=500)
    assert format_event("xe", rx) == [(True, "ISAKMP-PAK: (1001):received packet from "
                                             "203.0.113.1 dport 500 sport 500 Global (I) "
                                             "QM_IDLE      ")]
    attrs = ev("check_transform", 1, 0, transform=1, priority=10,
               attributes=[["encryption", "AES-CBC"], ["key_length", 256],
                           ["life_duration", LIFE_86400]])
    assert [t for _, t in format_event("xe", attrs)] == [
        "ISAKMP: (0):Checking ISAKMP transform 1 against priority 10 policy",
        "ISAKMP: (0):      encryption AES-CBC",
        "ISAKMP: (0):      keylength of 256",
        "ISAKMP:      life duration (VPI) of  0x0 0x1 0x51 0x80 "]
    doing = ev("auth_method", 1, 1001, method="pre-shared key", id_type="ID_IPV4_ADDR")
    assert [t for _, t in format_event("xe", doing)] == [
        "ISAKMP: (1001):SA is doing ",
        "ISAKMP: (1001):pre-shared key authentication using id type ID_IPV4_ADDR"]
    auth = format_event("xe", ev("authenticated", 1, 1001, peer="203.0.113.1"))
    assert auth == [(True, "ISAKMP: (1001):SA authentication status:"),
                    (False, "\tauthenticated"),
                    (True, "ISAKMP: (1001):SA has been authenticated with 203.0.113.1")]
    assert format_event("xe", ev("no_psk", 0, 0, peer="203.0.113.1")) == [
        (True, "ISAKMP-ERROR: (0):No pre-shared key with 203.0.113.1!")]
    assert format_event("xe", ev("local_port", 0, 0, local_port=500, remote_port=500)) == [
        (True, "ISAKMP: (0):local port 500, remote port 500")]


def test_15_and_12_4_print_the_same_debug_and_signed_message_ids():
    qm = ev("qm_begin", 1, 9577, message_id=(1 << 32) - 889293300, peer=RT1)
    assert format_event("15", qm) == format_event("12.4", qm) == [
        (True, "ISAKMP:(9577):beginning Quick Mode exchange, M-ID of -889293300"),
        (True, "ISAKMP:(9577):QM Initiator gets spi")]


def test_vendor_id_lines_from_traces_04_05_07():
    def text(vendor: str, major: int) -> list[str]:
        return [t for _, t in format_event("15", ev("vendor_id", 1, 0, vendor=vendor,
                                                    major=major))]
    assert text("nat-t-rfc3947", 69) == [
        "ISAKMP:(0): vendor ID seems Unity/DPD but major 69 mismatch",
        "ISAKMP:(0): vendor ID is NAT-T RFC 3947"]
    assert text("unity", 1) == ["ISAKMP:(0): vendor ID is Unity"]
    assert text("cisco-ios", 54) == ["ISAKMP:(0): speaking to another IOS box!"]
    assert text("", 1) == ["ISAKMP:(0):vendor ID seems Unity/DPD but hash mismatch"]
    assert text("", 194) == ["ISAKMP:(0): vendor ID seems Unity/DPD but major 194 mismatch"]
    assert format_event("12.2", ev("vendor_id", 1, vendor="dpd", major=1)) == []
