"""IPsec data plane: ESP transforms, IPsec SA records, ESP (RFC 4303) tunnel-mode
encapsulation/decapsulation with anti-replay, and an IPv4 decoder for the inner packet."""
