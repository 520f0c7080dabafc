"""The real captures ikesim is held against, one entry each (adding a capture = one entry here,
its trace under ``scenarios/fidelity/traces/`` and the scenario recreating its lab).

Traces come from ``../shared/fidelity/traces`` (real device output from public write-ups, each
with its source header); ``ios-facts.md`` there explains them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Capture:
    key: str                     # "01", "16-A" …: the trace number and block
    trace: str                   # file under scenarios/fidelity/traces/
    situation: str               # what the capture shows
    scenario: str = ""           # the lab recreating it (repository-relative path)
    device: str = ""             # whose console the capture is
    block: int = 0               # which BEGIN … END block of the trace file
    kind: str = "debug"          # "debug" (debug/syslog lines) | "show" (a command's output)
    command: str = ""            # kind "show": the command whose output is compared …
    at: float = 0.0              # … at this time in the scenario
    select: str = ""             # only real lines matching this regex count
    transcribed: bool = False    # a human transcription (spacing and typos not evidence)
    truncated: bool = False      # the public copy ends mid-line
    collapsed: bool = False      # the public copy collapsed the whitespace of the block
    covered: str = ""            # empty = ikesim has the features; else what is missing
    target: float = 0.90
    differs: str = ""            # what still differs, and why (the fidelity page)


CAPTURES: tuple[Capture, ...] = (
    Capture(
        "01", "01_no-return-route_responder_ios12-old.txt",
        "IOS 12.2 responder with no route back to the initiator: NEW SA, MM2 lost, duplicates "
        "of MM1 answered by retransmissions",
        "scenarios/missing-return-route.yaml", "RT2", truncated=True,
        differs="The public copy ends in the middle of a line (\"retr\"); that line counts when "
                "it begins one of ikesim's."),
    Capture(
        "04", "04_success-main-mode_initiator_iosxe-new.txt",
        "IOS-XE initiator, AES-256/SHA/group 14/PSK: complete main mode and quick mode",
        "scenarios/fidelity/04-iosxe-success-initiator.yaml", "spoke1",
        differs="The last line carries the ping's "
                "\".....\", printed on the same console line."),
    Capture(
        "05", "05_nat-t-success_responder_iosxe-new.txt",
        "IOS-XE responder, initiator behind PAT: NAT-T main mode and quick mode",
        "scenarios/fidelity/05-iosxe-natt-responder.yaml", "HQ",
        differs="The capture begins with the aftermath of the author's `clear crypto sa` (peer "
                "reaping, \"ignoring request to send delete notify\", an invalid-SPI syslog "
                "line, the echo of the author's typing cut into one of them), which the lab does "
                "not stage: what was torn down before is not in the write-up. The peer's XAUTH "
                "VID \"major\" octet lies past the 8-octet VID, in the first NAT-D hash: ikesim "
                "reads the same octet, of a hash over other cookies. This IOS-XE "
                "release prints the ID dump's address and protocol lines with one blank after "
                "the prefix where trace 04's prints three; ikesim keeps 04's (one release's "
                "spacing per platform)."),
    Capture(
        "07", "07_policy-mismatch-one-policy-then-match_plus_phase2-pfs-mismatch_initiator_"
        "ios-new.txt",
        "IOS 12.4T/15.x initiator: first policy rejected, second accepted, RESPONDER-LIFETIME, then "
        "quick mode refused for PFS, phase 1 deleted and main mode started again",
        "scenarios/fidelity/07-ios124-pfs-refusal-initiator.yaml", "R1",
        differs="The write-up's peer sends, besides what ikesim's model of it sends, a fourth "
                "vendor ID IOS does not identify (\"hash mismatch\") and NAT-D payloads in MM4 "
                "and an unknown payload type 17 in MM6; it also sends its ID with port 0. The "
                "\"major 181\" of its XAUTH VID is an octet IOS reads past the 8-octet VID; "
                "ikesim reads the next payload's octet (a guess). The real initiator processed "
                "the RESPONDER-LIFETIME notify before it had finished with MM6 (its packet line "
                "still says MM_KEY_EXCH, then \"IKE_I_MM6 -> IKE_I_MM6\"); ikesim completes MM6 "
                "first. \"ins.ert\" and \".IKE_I_MM2\" are copy artefacts of the published "
                "capture. Two alignments of equal length exist, so the lines listed may vary."),
    Capture(
        "12", "12_policy-mismatch-keylength_responder_iosxe-TRANSCRIBED-lowfidelity.txt",
        "IOS-XE responder, AES key length 192 offered against 256: the key-length lines",
        "scenarios/fidelity/12-iosxe-keylength-responder.yaml", "R2",
        select=r"key length|offers accepted|policy not acceptable|are not acceptable",
        transcribed=True,
        differs="A human transcription of a video: only its four key-length lines count, and "
                "the spacing after the prefix and the transcriber's \"attrs\" are not "
                "evidence."),
    Capture(
        "14", "14_aggressive-mode-fqdn-identity-keylookup_responder_ios-new.txt",
        "IOS 15.x responder to a Juniper SRX in aggressive mode with an FQDN identity",
        "scenarios/fidelity/14-ios15-aggressive-fqdn-responder.yaml", "J2C",
        differs="The peer is a Juniper SRX; an IOS router stands in for it. The SRX's second "
                "vendor ID, which IOS reads as \"Unity/DPD but major 201\", is not one IOS "
                "sends (the stand-in's VIDs are DPD, \"another IOS box\" and XAUTH). The "
                "public copy lost the indentation of the ID payload dump, so its six "
                "continuation lines do not count; of them ikesim prints next-payload 13, type "
                "2 and the FQDN name alike, while the SRX sent its identity with protocol 0, "
                "port 0 (IOS sends 17, 500) and a length of 29 for an 11-character name "
                "(ikesim: 19). The address was masked in the public copy (86.183.x.y)."),
    Capture(
        "16-A", "16_show-crypto-isakmp-sa-layouts_ios-old-new-xe_and_asa.txt",
        "show crypto isakmp sa, IOS 12.2 (dst src state conn-id slot)",
        "scenarios/missing-return-route.yaml", "RT2", block=0, kind="show",
        command="sh crypto isakmp sa", at=66),
    Capture(
        "16-B1", "16_show-crypto-isakmp-sa-layouts_ios-old-new-xe_and_asa.txt",
        "show crypto isakmp sa, IOS 12.3/12.4 with slot and status (Deal, Ex. 16-26)",
        "scenarios/fidelity/16-ios124-tables.yaml", "R1", block=1, kind="show",
        command="show crypto isakmp sa", at=30, collapsed=True,
        differs="The public copy collapsed the table's whitespace: compared word by word. "
                "12.3/12.4 mainline printed no \"IPv4 Crypto ISAKMP SA\" heading; ikesim's "
                "12.4T layout does (extra lines do not count against the share)."),
    Capture(
        "16-B2", "16_show-crypto-isakmp-sa-layouts_ios-old-new-xe_and_asa.txt",
        "show crypto isakmp sa, IOS 12.4 (conn-id slot status)",
        "scenarios/fidelity/16-ios124-tables.yaml", "R1", block=2, kind="show",
        command="show crypto isakmp sa", at=30),
    Capture(
        "16-B3", "16_show-crypto-isakmp-sa-layouts_ios-old-new-xe_and_asa.txt",
        "show crypto isakmp sa, IOS 12.4T (IPv4 heading, conn-id slot status)",
        "scenarios/fidelity/16-ios124-tables.yaml", "R1", block=3, kind="show",
        command="show crypto isakmp sa", at=30),
    Capture(
        "16-C", "16_show-crypto-isakmp-sa-layouts_ios-old-new-xe_and_asa.txt",
        "show crypto isakmp sa, IOS 15.x/IOS-XE hub: two spokes up, one failed attempt",
        "scenarios/fidelity/16-iosxe-hub-table.yaml", "HUB", block=4, kind="show",
        command="show crypto isakmp sa", at=40,
        select=r"^(?!100\.\d+\.\d+::)",
        differs="The IPv6 rows are not compared: ikesim has no IPv6."),
    Capture(
        "16-D", "16_show-crypto-isakmp-sa-layouts_ios-old-new-xe_and_asa.txt",
        "show crypto isakmp sa, ASA 8.x/9.x per-peer blocks", block=5, kind="show",
        covered="an ASA personality"),
)


def by_key(key: str) -> Capture:
    for capture in CAPTURES:
        if capture.key == key:
            return capture
    raise KeyError(key)
