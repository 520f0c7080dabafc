"""Live peers: real IKE daemons negotiating with simulated routers through loopback sockets
(``ikesim run --live``, the scenario's ``live:`` section, ``make interop``)."""

from ikesim.live.bridge import LiveBridge

__all__ = ["LiveBridge"]
