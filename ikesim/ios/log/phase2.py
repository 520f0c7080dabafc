"""Quick-mode events → ``debug crypto isakmp`` lines, and the ``debug crypto ipsec`` lines.

Sources: IOS 12.2/12.3 quick mode from Cisco's troubleshooting appendix (docstore.mik.ua
"aswan15 … Sample Problem Scenarios"); 15.x from trace 07; IOS-XE from traces 04 (initiator)
and 05 (responder). Uncertain details say ``guess:``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ikesim.ios.log.phase1 import Handler, is_vpi, life_duration
from ikesim.ios.log.render import Ctx, Line, as_int, dotted_or_zero, safe_text

# "encaps is 1 (Tunnel)" (04), "encaps is 3 (Tunnel-UDP)" (05, RFC 3947 §5.1).
# guess: the names of transport (2, 4) and of the draft values 61443/61444 (libreswan
# nat_traversal.h) follow the pattern; no capture shows them.
ENCAPS_NAMES = {1: "Tunnel", 2: "Transport", 3: "Tunnel-UDP", 4: "Transport-UDP",
                61443: "Tunnel-UDP", 61444: "Transport-UDP"}

_QM_ATTR: dict[str, Callable[[Any, bool], str]] = {
    "encaps": lambda v, v15: f"encaps is {safe_text(v)}" + (
        f" ({ENCAPS_NAMES[v]})" if v15 and isinstance(v, int) and v in ENCAPS_NAMES else ""),
    "life_type": lambda v, v15: f"SA life type in {safe_text(v)}",
    "life_duration": lambda v, v15: "SA " + life_duration(v),
    "authenticator": lambda v, v15: f"authenticator is {safe_text(v)}",
    "key_length": lambda v, v15: f"key length is {safe_text(v)}",
    "group": lambda v, v15: f"group is {safe_text(v)}",
}


def _ipsec_check(x: Ctx) -> list[Line]:
    name = x.text("transform_name")
    lines = [x.sa(f"Checking IPSec proposal {x.num('proposal', 8)}")]
    if x.d.name == "xe":     # trace 04 ("transform 1, ESP_AES " ends with a blank), 05
        tail = " " if name == "ESP_AES" else ""
        lines += [x.sa(f"transform {x.num('transform', 8)}, {name}{tail}"),
                  x.sa("   attributes in transform:")]
        attr = x.d.prefix(x.d.attr, x.cid)
    else:
        lines += [(True, f"ISAKMP: transform {x.num('transform', 8)}, {name}"),
                  (True, "ISAKMP:   attributes in transform:")]
        attr = "ISAKMP:      "
    for key, value in x.pairs("attributes"):
        shown = _QM_ATTR.get(key)
        text = shown(value, x.d.fsm) if shown else f"{key} is {safe_text(value)}"
        if key == "life_duration" and is_vpi(value):
            lines.append((True, x.d.prefix(x.d.vpi_attr, x.cid) + text + x.d.vpi_tail))
        else:
            lines.append((True, attr + text))
    return lines


def _qm_begin(x: Ctx) -> list[Line]:
    lines = [x.sa(f"beginning Quick Mode exchange, M-ID of {x.mid()}", space=not x.d.fsm)]
    return lines + ([x.sa("QM Initiator gets spi")] if x.d.fsm else [])


def _qm_state(x: Ctx) -> list[Line]:
    if not x.d.fsm:
        return []
    # traces 04, 05, 07: no trailing blank and no empty line after a quick-mode transition.
    return [x.sa(f"Node {x.mid()}, Input = {x.text('input')}"),
            x.sa(f"Old State = {x.text('old')}  New State = {x.text('new')}")]


def _sa_created(x: Ctx) -> list[Line]:
    if x.d.name == "xe":
        return []            # IOS-XE reports the install instead (04, 05)
    inbound = x.text("direction") == "inbound"
    local, remote = x.ip("local_net"), x.ip("remote_net")
    proxy = f"(proxy {remote} to {local})" if inbound else f"(proxy {local} to {remote})"
    head = f"        {x.text('direction')} SA from {x.ip('src')} to {x.ip('dst')}"
    spi = x.num("spi")
    # IOS 12.2 prints the inbound SPI in hex and the outbound one in decimal (as captured).
    shown = f"0x{spi:X}" if inbound or x.d.fsm else str(spi)
    flags = "4" if inbound else "C"
    life = [x.raw(f"        lifetime of {x.num('lifetime_seconds')} seconds"),
            x.raw(f"        lifetime of {x.num('lifetime_kb')} kilobytes")]
    if x.d.fsm:
        return [x.raw(f"{head} (f/i)  0/ 0"), x.raw(f"        {proxy}"),
                x.raw(f"        has spi {shown} and conn_id 0"), *life]
    return [x.raw(f"{head} {proxy}"),
            x.raw(f"        has spi {shown} and conn_id {x.num('sa_conn_id')} and flags {flags}"),
            *life]


def _qm_retransmit(x: Ctx) -> list[Line]:
    return [x.sa(f"retransmitting phase 2 {x.state()}       {x.mid()} ...", space=True),
            x.sa("incrementing error counter on node: retransmit phase 2"),
            x.sa(f"retransmitting phase 2 {x.mid()} {x.state()}", space=True)]


def _qm_delete(x: Ctx) -> list[Line]:
    reason = x.text("reason")
    error = x.get("error")
    if not isinstance(error, bool):
        error = reason.startswith("death")
    return [x.sa(f'deleting node {x.mid()} error {"TRUE" if error else "FALSE"} reason '
                 f'"{reason}"')]


def _qm_installed(x: Ctx) -> list[Line]:
    if x.d.name != "xe":
        return []
    # traces 04, 05: an IOS-XE internal complaint, then the install callback.
    return [(True, x.d.prefix(x.d.error, 0) + "Failed to find peer index node to update "
             "peer_info_list"),
            x.sa("Received IPSec Install callback... proceeding with the negotiation"),
            x.sa(f"Successfully installed IPSEC SA (SPI:0x{x.num('spi'):X}) on "
                 f"{x.text('interface')}")]


def _sa_not_acceptable(x: Ctx) -> list[Line]:
    return [x.sa("SA not acceptable!"),
            (True, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Quick mode failed with peer "
                   f"at {x.ip()}")]


def _const(text: str, *, space: bool = False) -> Handler:
    return lambda x: [x.sa(text, space=space)]


def _nothing(x: Ctx) -> list[Line]:
    return []


HANDLERS: dict[str, Handler] = {
    "qm_begin": _qm_begin,
    "qm_state_change": _qm_state,
    "qm_spi": lambda x: [x.sa("QM Responder gets spi")] if x.d.fsm else [],
    "ipsec_proposal_check": _ipsec_check,
    "ipsec_atts_acceptable": _const("atts are acceptable."),
    "ipsec_atts_not_acceptable": _const("atts are not acceptable."),
    "proxy_mismatch": _const("IPSec policy invalidated proposal"),
    "qm_sa_not_acceptable": _sa_not_acceptable,
    "ipsec_sas_creating": lambda x: [] if x.d.name == "xe" else [x.sa("Creating IPSec SAs")],
    "ipsec_sa_created": _sa_created,
    "ipsec_installed": _qm_installed,
    "qm_complete": _nothing,
    "ipsec_sa_request": _nothing,     # debug crypto ipsec only (ipsec_lines)
    "ipsec_sa_expired": _nothing,     # debug crypto ipsec only (ipsec_lines)
    # guess: no debug line of its own; IOS's rekey shows as the IPSEC(sa_request) that follows.
    "ipsec_rekey": _nothing,
    "qm_retransmit": _qm_retransmit,
    # guess: wording of the duplicate-QM1 line.
    "qm_duplicate": _const("phase 2 packet is a duplicate of a previous packet.", space=True),
    "qm_delete": _qm_delete,
}


# ------------------------------------------------------------------------ debug crypto ipsec
def _proxy_text(x: Ctx, side: str) -> str:
    mask = x.num(f"{side}_mask")
    kind = 1 if mask == 0xFFFFFFFF else 4
    return (f"{dotted_or_zero(x.num(f'{side}_net'))}/{dotted_or_zero(mask)}/"
            f"{x.num('protocol', 8)}/0 (type={kind})")


def ipsec_lines(x: Ctx) -> list[Line]:
    """`debug crypto ipsec` lines for an engine event (``[]`` for most kinds)."""
    kind = getattr(x.ev, "kind", "")
    if kind == "ipsec_sa_request":
        return [(True, "IPSEC(sa_request): ,"),
                x.raw(f"  (key eng. msg.) OUTBOUND local= {x.ip('local')}, "
                      f"remote= {x.ip('peer')},"),
                x.raw(f"    local_proxy= {_proxy_text(x, 'local')},"),
                x.raw(f"    remote_proxy= {_proxy_text(x, 'remote')},"),
                x.raw(f"    protocol= ESP, transform= {x.text('transform')} ,"),
                x.raw(f"    lifedur= {x.num('lifetime_seconds')}s and "
                      f"{x.num('lifetime_kb')}kb,"),
                x.raw("    spi= 0x0(0), conn_id= 0, keysize= 0, flags= 0x400C")]
    if kind == "proxy_mismatch":
        return [(True, "IPSEC(validate_transform_proposal): proxy identities not supported")]
    if kind == "ipsec_atts_not_acceptable":
        if x.get("reason") == "pfs":
            # guess: IOS reports a PFS group mismatch through the generic validation path.
            offered = x.num("offered_group", 16)
            groups = x.get("local_groups")
            wanted = ", ".join(f"group{as_int(g, 16)}" for g in
                               (groups if isinstance(groups, list) else [])[:8] if g)
            return [(True, "IPSEC(validate_proposal_request): "
                           + (f"PFS group{offered} offered" if offered else "no PFS offered")
                           + f", policy requires {wanted or 'no PFS'}")]
        return [(True, f"IPSEC(validate_proposal): transform proposal (prot 3, trans "
                       f"{x.num('transform_id', 16)}, hmac_alg {x.num('auth_id', 16)}) not "
                       "supported")]
    if kind == "ipsec_sa_expired":
        lines: list[Line] = []
        for dst, spi in ((x.ip("local"), x.num("inbound_spi")),
                         (x.ip("peer"), x.num("outbound_spi"))):
            lines += [(True, "IPSEC(delete_sa): deleting SA,"),
                      x.raw(f"  (sa) sa_dest= {dst}, sa_prot= 50,"),
                      x.raw(f"    sa_spi= 0x{spi:X}({spi}),"),
                      x.raw(f"    sa_trans= {x.text('transform')} , reason= {x.text('reason')}")]
        return lines
    if kind == "ipsec_sa_created":
        spi = x.num("spi")
        return [(True, "IPSEC(create_sa): sa created,"),
                x.raw(f"  (sa) sa_dest= {x.ip('dst')}, sa_prot= 50,"),
                x.raw(f"    sa_spi= 0x{spi:X}({spi}),"),
                x.raw(f"    sa_trans= {x.text('transform')} , sa_conn_id= "
                      f"{x.num('sa_conn_id')}")]
    return []

