"""The network model: simpy + networkx devices, interfaces, links, routing, tunnels, NAT, OSPF.

Modules: ``lab`` (the lab, links, taps), ``device`` (receive/output path), ``configure``
(applying a DeviceConfig), ``interface`` (interface kinds, line protocol, counters), ``nodes``
(Router, Host), ``routing`` (incremental routing table, longest-prefix lookup), ``icmp``,
``tunnel`` + ``gre`` (GRE/VTI tunnels, the tunnel-protection hook), ``nat`` + ``nat_entries`` +
``nat_icmp``, ``ospf/`` (OSPFv2), ``capture`` (what crossed each link, drop records),
``timers``, ``packet``/``packet_decode`` (IPv4/UDP/TCP/ICMP bytes), ``acl``, ``addr``.

Structured events emitted here (``EventLog.emit``; JSON keys next to time/seq/device/kind):

  interface  interface, status, protocol           (state change once the lab runs)
  link       name, up, a, b
  drop       reason, interface, src, dst, protocol, summary, [details]  reasons: link-down,
             interface-down, acl-in, acl-out (acl), no-route, ttl, not-for-us, arp (gateway),
             port-unreachable, protocol-unreachable, loss, loopback, null0,
             tunnel-no-ipsec-sa, tunnel-not-ipsec (tunnel), tunnel-recursive,
             gre-malformed (error), gre-no-tunnel (key), nat-port-exhausted,
             nat-pool-exhausted, nat-no-address, ospf-malformed (error)
  tunnel     interface, event "recursive-routing", hold     (%TUN-5-RECURDOWN)
  ospf       process, event: "neighbor-state" (neighbor, interface, old, new, reason),
             "mismatch" (interface, source, what "area"|"hello"|"dead"|"mask"|"mtu", value,
             area), "router-id" (router_id), "no-router-id", "spf" (routes)
  nat        event "static-conflict", line, message

Multicast (224.0.0.0/4) is delivered to ``Device.multicast_handlers`` by protocol and never
forwarded; a device without a handler ignores it silently (``ignored_multicast`` counts it).
"""
