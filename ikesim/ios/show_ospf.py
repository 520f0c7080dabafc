"""``show ip ospf neighbor`` in the IOS layout (real captures, e.g.

    Neighbor ID     Pri   State           Dead Time   Address         Interface
    3.3.3.3           0   FULL/  -        00:00:38    172.16.13.2     Tunnel0
    1.1.1.1           1   FULL/DROTHER    00:00:35    192.168.80.1    FastEthernet0/0

a blank line before the header; point-to-point neighbours show priority 0 and no role; on
broadcast networks the role is the neighbour's: DR, BDR or DROTHER). The dead time is what is
left of the neighbour's inactivity timer.
"""

from __future__ import annotations

from typing import Any

from ikesim.ios.uptime import uptime_stamp
from ikesim.net.addr import int_to_ip

HEADER = "Neighbor ID     Pri   State           Dead Time   Address         Interface"


def show_ip_ospf_neighbor(node: Any) -> list[str]:
    ospf = getattr(node, "ospf", None)
    if ospf is None or not ospf.processes:
        return []
    lines = ["", HEADER]
    for process in ospf.processes.values():
        for name in node.interfaces:
            oi = process.interfaces.get(name)
            if oi is None:
                continue
            for neighbor in sorted(oi.neighbors.values(), key=lambda n: n.router_id):
                if oi.type == "BROADCAST":
                    role = ("DR" if neighbor.address == oi.dr else
                            "BDR" if neighbor.address == oi.bdr else "DROTHER")
                    priority = neighbor.priority
                else:
                    role, priority = "  -", 0
                dead = uptime_stamp(max(0.0, neighbor.inactivity.remaining() - 1e-9))
                state = f"{neighbor.state_name}/{role}"
                lines.append(f"{int_to_ip(neighbor.router_id):<15}{priority:>4}   {state:<16}"
                             f"{dead:<12}{int_to_ip(neighbor.address):<16}{name}")
    return lines
