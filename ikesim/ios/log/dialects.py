"""The IOS debug dialects as data: every difference between 12.2, 12.4T, 15.x and IOS-XE output
that the formatters need is a field here, so that a handler is written once for all dialects.

Sources (``../shared/fidelity``): 12.2 = the seed and trace 01; 12.4T/15.x = traces 07 and 14;
IOS-XE = traces 04, 05 and 12; the ``show crypto isakmp sa`` layouts = trace 16. ``{c}`` in a
prefix is the SA's conn-id as the dialect shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    sa: str                 # per-SA lines: "ISAKMP (0:{c}): " | "ISAKMP:({c}):" | "ISAKMP: ({c}):"
    spaced: bool            # 15.x keeps a leading blank before some messages (" processing …")
    rx: str                 # "received packet" lines
    old: str                # lines in IOS's old "ISAKMP (…): " form (ID payload dump, error
                            # counter, NAT-D verdict): "(0:N)" on 12.2/12.4T, "(N)" on 15.x
    tx: str                 # "sending packet" lines
    error: str              # error lines (IOS-XE: "ISAKMP-ERROR: ({c}):")
    bare: str               # lines IOS prints without an SA number ("ISAKMP: local port …")
    attr: str               # SA attribute lines under "Checking ISAKMP transform"
    vpi_attr: str           # attribute lines carrying a variable-length (VPI) value
    vpi_tail: str           # 15.x/IOS-XE end a VPI value line with a blank (07, 04)
    ports: bool             # "my_port 500 peer_port 500" / "dport 500 sport 500 Global"
    ipv4_line: bool         # "Sending an IKE IPv4 Packet." after each sent packet (04, 05)
    fsm: bool               # "Input = …" / "Old State = …  New State = …" lines
    fsm_tail: str           # main-mode "New State = X " ends with a blank (04, 07)
    signed_mids: bool       # message IDs printed as signed 32-bit numbers (seed, 07)
    pad_states: bool        # "QM_IDLE      " is a 13-character field (04, 05, 07)
    split_sa_doing: bool    # IOS-XE splits "SA is doing " / "pre-shared key …" (04, 05)
    auth_status: str        # "" | "inline" (15.x, 07) | "split" (IOS-XE, 04, 05)
    lifetime_detail: bool   # IOS-XE "Acceptable atts:actual life …" block (04, 05)
    peer_struct: bool       # "Created a peer struct …" family (04, 05, 07, 14)
    id_dump: bool           # "ID payload" dump with next-payload/type/address … (04, 05, 07)
    error_lines: bool       # mismatch lines through the error prefix (IOS-XE, 12)
    table: str              # `show crypto isakmp sa` layout: "12.2" | "12.4" | "15"
    ipsec_table: str        # `show crypto ipsec sa` layout: "12.2" | "15"
    stamp: str              # timestamps without `service timestamps debug`: "uptime" |
                            # "datetime msec" (IOS-XE ships with it: 04, 05)

    def prefix(self, template: str, conn_id: int) -> str:
        """``template`` with the conn-id in place of ``{c}``; memoised (a lab prints many
        lines under few conn-ids, and every line starts with one of these)."""
        key = (template, conn_id)
        text = _PREFIXES.get(key)
        if text is None:
            if len(_PREFIXES) >= _PREFIXES_MAX:
                _PREFIXES.clear()
            text = _PREFIXES[key] = template.replace("{c}", str(conn_id))
        return text


# Dialect.prefix's memo, bounded: conn-ids are 32-bit, a hostile peer could make many.
_PREFIXES: dict[tuple[str, int], str] = {}
_PREFIXES_MAX = 4096


_IOS12 = Dialect(
    name="12.2", sa="ISAKMP (0:{c}): ", spaced=False, rx="ISAKMP (0:{c}): ",
    old="ISAKMP (0:{c}): ",
    tx="ISAKMP (0:{c}): ", error="ISAKMP (0:{c}): ", bare="ISAKMP: ", attr="ISAKMP:      ",
    vpi_attr="ISAKMP:      ", vpi_tail="", ports=False, ipv4_line=False, fsm=False,
    fsm_tail="", signed_mids=True, pad_states=False, split_sa_doing=False, auth_status="",
    lifetime_detail=False, peer_struct=False, id_dump=False, error_lines=False, table="12.2",
    ipsec_table="12.2", stamp="uptime")

# guess: 15.x prints "Sending an IKE IPv4 Packet." after each packet as IOS-XE does (04, 05);
# trace 07, from an older release, does not show it.
_IOS15 = Dialect(
    name="15", sa="ISAKMP:({c}):", spaced=True, rx="ISAKMP ({c}): ", old="ISAKMP ({c}): ",
    tx="ISAKMP:({c}):",
    error="ISAKMP:({c}):", bare="ISAKMP: ", attr="ISAKMP:      ", vpi_attr="ISAKMP:      ",
    vpi_tail=" ", ports=True, ipv4_line=True, fsm=True, fsm_tail=" ", signed_mids=True,
    pad_states=True, split_sa_doing=False, auth_status="inline", lifetime_detail=False,
    peer_struct=True, id_dump=True, error_lines=False, table="15", ipsec_table="15",
    stamp="uptime")

DIALECT_TABLE: dict[str, Dialect] = {
    "12.2": _IOS12,
    # 12.4T: the 15.x debug text (ios-facts §1 "IOS 12.4T / 15.x") with the 12.4 table that
    # still has a slot column (trace 16 B, "IPv4 Crypto ISAKMP SA … conn-id slot status").
    # The old-form lines ("received packet", "ID payload", error counter) print "(0:N)" in
    # trace 07 and in pastebin.com/f10e82144 (a 2009 paste, before 15.0: "ISAKMP (0:2064):
    # received packet" among "ISAKMP:(2064):" lines), "(N)" in trace 14 (pastebin.com/RUAaXDyE,
    # with 15.x's peer_handle lines) and in Cisco TAC's "General IPsec Troubleshooting" deck
    # ("ISAKMP (0): received packet from 1.1.1.102 dport 500 sport 500 Global (I) MM_NO_STATE").
    # guess: the "0:" went with 15.0 (no source names the release): 12.4T keeps it, 15.x not.
    "12.4": replace(_IOS15, name="12.4", table="12.4", rx="ISAKMP (0:{c}): ",
                    old="ISAKMP (0:{c}): "),
    "15": _IOS15,
    "xe": Dialect(
        name="xe", sa="ISAKMP: ({c}):", spaced=False, rx="ISAKMP-PAK: ({c}):",
        old="ISAKMP: ({c}):",
        tx="ISAKMP-PAK: ({c}):", error="ISAKMP-ERROR: ({c}):", bare="ISAKMP: ({c}):",
        attr="ISAKMP: ({c}):      ", vpi_attr="ISAKMP:      ", vpi_tail=" ", ports=True,
        ipv4_line=True, fsm=True, fsm_tail=" ",
        # guess: IOS-XE message IDs print like 15.x (signed); both XE captures (04, 05) only
        # show IDs below 2^31, which read the same either way.
        signed_mids=True, pad_states=True, split_sa_doing=True, auth_status="split",
        lifetime_detail=True, peer_struct=True, id_dump=True, error_lines=True, table="15",
        ipsec_table="15", stamp="datetime msec"),
}

DIALECTS: tuple[str, ...] = tuple(DIALECT_TABLE)


def dialect(name: str) -> Dialect:
    try:
        return DIALECT_TABLE[name]
    except KeyError:
        raise ValueError(f"unknown IOS dialect {name!r}; expected one of {DIALECTS}") from None
