"""A router's PKI in the lab: which trustpoints it is enrolled in, its certificates (issued by
the lab CAs of ``ikesim.pki``), and its clock.

Instead of SCEP (`enrollment url http://…`, `crypto pki authenticate`, `crypto pki enroll`),
every `crypto pki trustpoint NAME` that has an `enrollment` line counts as authenticated and
enrolled when the lab starts: the router trusts the lab CA named NAME and holds a certificate
from it for its fully qualified name (hostname[.domain]; the trustpoint's `subject-name` when
given). A trustpoint without `enrollment` is not enrolled (IOS: no certificate without an
enrollment method). The certificate was issued ``enrolled`` (default: the day before t = 0),
unless the trustpoint has `auto-enroll`: IOS then renews the certificate before it expires
(Cisco IOS PKI Configuration Guide, "auto-enroll [percent]": re-enrollment at that share of
the lifetime), so the lab's router always holds a current one (issued the day before t = 0).

The clock: a router's calendar at t = 0 is the lab's date (2011-04-26 00:00:00 UTC, the epoch of
the captures) unless the scenario sets another (`clock:` on the router) or `clock set` changes
it; IOS checks certificate dates against the router's own clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ikesim.ike.auth_rsa import RouterPki

# ikesim.pki (cryptography.x509) is imported once a router has a trustpoint or a clock is read:
# a lab with pre-shared keys never loads it (start-up, issue 14).


def fqdn(config: Any) -> str:
    """hostname[.domain] (IOS: `ip domain name`; the lab's configurations name no domain,
    so the FQDN is the host name unless a domain was configured)."""
    domain = getattr(config, "domain_name", None) or ""
    return f"{config.hostname}.{domain}" if domain else str(config.hostname)


def enrolled_trustpoints(config: Any) -> list[str]:
    return [name for name, tp in config.crypto.trustpoints.items() if tp.enrollment]


def router_pki(name: str, config: Any, seed: int, *, clock_at_zero: dt.datetime | None = None,
               enrolled: dt.datetime | None = None) -> RouterPki | None:
    """The router's credentials for every enrolled trustpoint (None: it has none); the clock
    reads ``clock_at_zero`` (default: ``ikesim.pki.LAB_EPOCH``) at t = 0."""
    points = enrolled_trustpoints(config)
    if not points:
        return None
    from ikesim.pki import CERT_ISSUED, LAB_EPOCH, enroll

    trustpoints = config.crypto.trustpoints
    creds = tuple(enroll(seed, name, tp, fqdn(config), subject_name=trustpoints[tp].subject_name,
                         issued=CERT_ISSUED if trustpoints[tp].auto_enroll
                         else enrolled or CERT_ISSUED) for tp in points)
    return RouterPki(creds, clock_at_zero or LAB_EPOCH)


class RouterPkiState:
    """The PKI side of a router's ISAKMP service: recomputed when the configuration or the
    clock changes, and handed to the engine."""

    def __init__(self, device: Any, engine: Any, seed: int) -> None:
        self.device, self.engine, self.seed = device, engine, seed
        # the scenario's calendar at t = 0; None: the lab's (ikesim.pki.LAB_EPOCH), read lazily
        self._clock_at_zero: dt.datetime | None = getattr(device, "clock_at_zero", None)
        self.enrolled: dt.datetime | None = getattr(device, "enrolled", None)
        self.pki: RouterPki | None = None
        self.refresh(device.config)

    @property
    def clock_at_zero(self) -> dt.datetime:
        if self._clock_at_zero is None:
            from ikesim.pki import LAB_EPOCH

            self._clock_at_zero = LAB_EPOCH
        return self._clock_at_zero

    def refresh(self, config: Any) -> None:
        config.crypto.local_fqdn = fqdn(config)
        self.pki = router_pki(self.device.name, config, self.seed,
                              clock_at_zero=self._clock_at_zero, enrolled=self.enrolled)
        self.engine.set_pki(self.pki)

    def attach(self, engine: Any) -> None:
        """A reload made a new engine: it gets the same credentials and clock."""
        self.engine = engine
        engine.set_pki(self.pki)

    def now(self, t: float) -> dt.datetime:
        return self.clock_at_zero + dt.timedelta(seconds=t)

    def set_clock(self, t: float, calendar: dt.datetime) -> dt.datetime:
        """`clock set`: the calendar reads ``calendar`` at simulated time ``t``; returns the
        time it read before."""
        before = self.now(t)
        self._clock_at_zero = calendar - dt.timedelta(seconds=t)
        self.refresh(self.device.config)
        return before
