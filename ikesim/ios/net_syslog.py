"""IOS syslog lines for the network model's events (kinds "ospf" and "tunnel"), as the
console prints them. Real logs (public lab captures):

    %OSPF-5-ADJCHG: Process 50, Nbr 10.50.1.2 on Tunnel1 from LOADING to FULL, Loading Done
    %OSPF-5-ADJCHG: Process 1, Nbr 192.168.80.3 on FastEthernet0/0 from FULL to DOWN, Neighbor Down: Dead timer expired
    %OSPF-5-ADJCHG: Process 50, Nbr 10.50.1.2 on Tunnel1 from FULL to DOWN, Neighbor Down: Interface down or detached
    %TUN-5-RECURDOWN: Tunnel1 temporarily disabled due to recursive routing
    %OSPF-4-ERRRCV: Received invalid packet: mismatch area ID, from backbone area must be virtual-link but not found from 10.2.60.2, Serial0/0      (12.x)
    %OSPF-4-ERRRCV: Received invalid packet: mismatched area ID from backbone area from 172.16.0.1, Ethernet0/1       (15.x)

IOS logs adjacency changes only into FULL and into DOWN (``log-adjacency-changes`` without
``detail``, the default). Hello and dead-interval mismatches are silent without debugging.
"""

from __future__ import annotations

from typing import Any

_FULL_REASONS = {"Loading Done", "Exchange Done"}


def net_syslog(event: Any, dialect: str) -> list[tuple[bool, str]]:
    """(stamped, text) lines for one SimEvent; empty when IOS prints nothing for it."""
    fields = event.fields
    if event.kind == "tunnel" and fields.get("event") == "recursive-routing":
        return [(True, f"%TUN-5-RECURDOWN: {fields['interface']} temporarily disabled due to "
                       f"recursive routing")]
    if event.kind != "ospf":
        return []
    kind = fields.get("event")
    if kind == "neighbor-state" and fields["new"] in ("FULL", "DOWN"):
        reason = fields["reason"]
        if fields["new"] == "DOWN":
            reason = f"Neighbor Down: {reason}"
        elif reason not in _FULL_REASONS:
            return []
        return [(True, f"%OSPF-5-ADJCHG: Process {fields['process']}, Nbr {fields['neighbor']} "
                       f"on {fields['interface']} from {fields['old']} to {fields['new']}, "
                       f"{reason}")]
    if kind == "mismatch" and fields["what"] == "area" and fields["value"] == 0:
        if dialect.startswith("12"):
            text = (f"mismatch area ID, from backbone area must be virtual-link but not found "
                    f"from {fields['source']}, {fields['interface']}")
        else:
            text = (f"mismatched area ID from backbone area from {fields['source']}, "
                    f"{fields['interface']}")
        return [(True, f"%OSPF-4-ERRRCV: Received invalid packet: {text}")]
    return []
