"""IPsec data plane: ESP transforms, IPsec SA records, ESP (RFC 4303) tunnel-mode
encapsulation/decapsulation with anti-replay. It works on bytes: the inner packet is encoded
and decoded by the network model (ikesim.net.packet, ikesim.net.packet_decode), so this package,
like the IKE engine that uses its SA records, imports nothing from the network model."""
