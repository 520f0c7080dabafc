"""``show crypto isakmp sa`` tables in the IOS 12.2, 12.4T and 15.x/IOS-XE layouts (trace 16).

Rows are any objects with attributes ``dst``, ``src`` (int, dotted string or IPv4Address; the
SA's responder and initiator, not local/remote), ``state``, ``conn_id`` and ``deleted``; optional
``slot`` (12.2, default 0) and ``status`` (15.x, default "ACTIVE"). Rows print in the order given:
the caller chooses it (the seed lists the newest SA first).

A deleted SA is listed as ``MM_NO_STATE … (deleted)`` whatever state it died in (seed: conn-id 1
was deleted in MM_SA_SETUP and is listed as MM_NO_STATE).
"""

from __future__ import annotations

from typing import Any

from ikesim.ios.log import DIALECT_TABLE, DIALECTS, dotted

# 12.2, character for character from the seed:
# "dst             src             state           conn-id    slot"
# "11.11.11.2      10.10.10.2      MM_SA_SETUP           1       0   (deleted)"
_HEADER_122 = "dst             src             state           conn-id    slot"

# 15.x (best knowledge of 12.4T/15.x output; not in the seed). 12.4T still had a "slot" column
# ("conn-id slot status"); 15.x dropped it. The IPv6 section is printed even when empty.
#   IPv4 Crypto ISAKMP SA
#   dst             src             state          conn-id status
#   10.1.1.2        10.1.1.1        QM_IDLE           1001 ACTIVE
#   <blank>
#   IPv6 Crypto ISAKMP SA
#   <blank>
_HEADER_15 = "dst             src             state          conn-id status"
# 12.4T (trace 16 B, EXACT as published): the IPv4 heading, and a slot column before status:
#   "dst             src             state          conn-id slot status"
#   "192.168.1.2     10.1.1.2        QM_IDLE           1075    0 ACTIVE"
_HEADER_124 = "dst             src             state          conn-id slot status"


def _state(row: Any) -> str:
    state = str(row.state)
    if row.deleted:
        return "AG_NO_STATE" if state.startswith("AG_") else "MM_NO_STATE"
    return state


def _row_122(row: Any) -> str:
    slot = getattr(row, "slot", 0)
    line = f"{dotted(row.dst):<15} {dotted(row.src):<15} {_state(row):<15} {row.conn_id:>7} {slot:>7}"
    return line + ("   (deleted)" if row.deleted else "")


def _row_15(row: Any) -> str:
    status = getattr(row, "status", "ACTIVE")
    if row.deleted:
        status += " (deleted)"
    return f"{dotted(row.dst):<15} {dotted(row.src):<15} {_state(row):<14} {row.conn_id:>7} {status}"


def _row_124(row: Any) -> str:
    status = getattr(row, "status", "ACTIVE") + (" (deleted)" if row.deleted else "")
    return (f"{dotted(row.dst):<15} {dotted(row.src):<15} {_state(row):<14} {row.conn_id:>7} "
            f"{getattr(row, 'slot', 0):>4} {status}")


def show_crypto_isakmp_sa(dialect: str, rows: list[Any]) -> list[str]:
    """Output lines of ``show crypto isakmp sa`` (without the prompt), ending with a blank line.
    ``dialect`` names a debug dialect of ``ikesim.ios.log`` (its ``table`` field picks the
    layout) or a layout directly ("12.2", "12.4", "15")."""
    layout = DIALECT_TABLE[dialect].table if dialect in DIALECT_TABLE else dialect
    if layout == "12.2":
        return [_HEADER_122, *(_row_122(r) for r in rows), ""]
    if layout == "12.4":
        return ["IPv4 Crypto ISAKMP SA", _HEADER_124, *(_row_124(r) for r in rows), "",
                "IPv6 Crypto ISAKMP SA", ""]
    if layout == "15":
        return ["IPv4 Crypto ISAKMP SA", _HEADER_15, *(_row_15(r) for r in rows), "",
                "IPv6 Crypto ISAKMP SA", ""]
    raise ValueError(f"unknown IOS dialect {dialect!r}; expected one of {DIALECTS}")
