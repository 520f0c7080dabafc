"""Features of real configurations that would change forwarding or IPsec but that ikesim does not
model. A line of one is an error naming the feature ("not modelled by ikesim: EIGRP"), never a
silent false success, unless the scenario lists the feature under the router's ``ignore:`` key;
then the lines are accepted, kept in ``DeviceConfig.unmodelled`` and the validation warning says
what the lab will lack (docs/config-support.md lists every feature)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Feature:
    key: str            # the word a scenario writes under `ignore:`
    name: str           # how the error and the warning name it
    lacks: str          # what the lab will lack when the feature is ignored


FEATURES: dict[str, Feature] = {f.key: f for f in (
    Feature("eigrp", "EIGRP", "the routes EIGRP would learn and advertise"),
    Feature("bgp", "BGP", "the routes BGP would learn and advertise"),
    Feature("rip", "RIP", "the routes RIP would learn and advertise"),
    Feature("isis", "IS-IS", "the routes IS-IS would learn and advertise"),
    Feature("odr", "on-demand routing", "the routes ODR would learn"),
    Feature("vrf", "VRF", "separate routing tables: every interface is in the global table"),
    Feature("ikev2", "IKEv2", "every IKEv2 proposal, keyring and profile (only IKEv1 runs)"),
    Feature("ezvpn", "Easy VPN / remote-access client groups",
            "remote-access clients (mode configuration, XAUTH)"),
    Feature("gdoi", "GDOI group encryption", "GDOI group members and key servers"),
    Feature("dmvpn", "DMVPN (NHRP, multipoint GRE)",
            "NHRP registration and multipoint GRE tunnels"),
    Feature("l2tpv3", "L2TPv3 pseudowires", "the layer-2 circuits carried by xconnect"),
    Feature("vpdn", "VPDN / L2TP remote access", "L2TP/PPP dial-in sessions"),
    Feature("pppoe", "PPPoE and dialer interfaces",
            "PPPoE sessions and the addresses they would negotiate"),
    Feature("dhcp-client", "DHCP-assigned interface addresses",
            "the addresses DHCP would assign (the interfaces stay without one)"),
    Feature("hsrp", "HSRP", "the virtual gateway address and its failover"),
    Feature("vrrp", "VRRP", "the virtual gateway address and its failover"),
    Feature("glbp", "GLBP", "the virtual gateway address and its load balancing"),
    Feature("pbr", "policy-based routing", "next hops chosen by route maps (plain routing "
            "decides)"),
    Feature("cbac", "CBAC inspection (ip inspect)", "stateful filtering of the inspected "
            "interfaces"),
    Feature("zbf", "zone-based firewall", "the zone policies between interfaces (everything "
            "passes)"),
    Feature("qos", "QoS service policies", "policing, shaping and queueing"),
    Feature("urpf", "unicast RPF checks", "reverse-path filtering"),
    Feature("switching", "switchports, VLAN trunks and EtherChannel",
            "layer-2 switching: switchports are not forwarded"),
    Feature("tracking", "object tracking and IP SLA", "routes and priorities that follow "
            "tracked objects"),
    Feature("wccp", "WCCP redirection", "traffic redirected to caches"),
    Feature("multicast", "IP multicast routing", "multicast forwarding"),
    Feature("mpls", "MPLS", "label switching"),
    Feature("nat-nvi", "NAT virtual interface (ip nat enable)", "the translations NVI would "
            "apply"),
    Feature("virtual-template", "virtual templates and virtual access interfaces",
            "interfaces cloned from templates (dynamic VTIs, PPP)"),
)}


def feature(key: str) -> Feature:
    return FEATURES[key]


__all__ = ["FEATURES", "Feature", "feature"]
