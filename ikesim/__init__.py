"""ikesim — a discrete-event lab of routers carrying real IKEv1 main-mode messages."""

__version__ = "0.1.0"
