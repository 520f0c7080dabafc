"""Causes and repairs for aggressive mode and certificate authentication: aggressive mode
blocked (`crypto isakmp aggressive-mode disable`), a certificate refused (untrusted issuer,
expired, not yet valid, identity not matching), no certificate to send — and one anomaly of a
working tunnel: aggressive mode with a pre-shared key (RFC 2409 §5.4: HASH_R travels in the
clear, so the key can be tested offline; ``ikesim run --psk-crack``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from ikesim.explain.ike import config
from ikesim.explain.model import Cause, ConfigChange, Evidence, Repair
from ikesim.explain.pairs import Pair, ike_event, ip
from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario

FAILURES = ("aggressive-disabled", "certificate", "no-certificate")
ANOMALIES = ("aggressive-psk",)


def _change(device: str, *lines: str) -> ConfigChange:
    return ConfigChange(device, tuple(lines))


def causes(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> list[Cause]:
    out: list[Cause] = []
    seen: set[tuple[str, str]] = set()
    for e in events:
        kind = ike_event(e)
        if (e.device, kind) in seen:
            continue
        cause = None
        if kind == "aggressive_disabled" and e.fields.get("role") == "R":
            peer = ip(e.fields.get("peer"))
            cause = Cause("aggressive-disabled", e.device, f"{e.device} refuses aggressive mode "
                          f"(crypto isakmp aggressive-mode disable); {peer} starts it", e.time,
                          [Evidence(e.time, e.device, f"{e.device}: aggressive mode from {peer} "
                                                       "blocked")], {"device": e.device})
        elif kind == "cert_invalid":
            cause = _certificate(scenario, pair, e)
        elif kind == "no_certificate":
            cause = Cause("no-certificate", e.device, f"{e.device} negotiated RSA signatures "
                          "but holds no certificate", e.time,
                          [Evidence(e.time, e.device, f"{e.device}: no certificate to send")],
                          {"device": e.device})
        if cause is not None:
            seen.add((e.device, kind))
            out.append(cause)
    return out


def _certificate(scenario: Scenario, pair: Pair, e: SimEvent) -> Cause:
    checker, holder = e.device, pair.other(e.device)
    reason = str(e.fields.get("reason", ""))
    subject = str(e.fields.get("subject", ""))
    text = f"{checker} refuses {holder}'s certificate ({subject}): {reason}"
    if reason in ("certificate not yet valid", "certificate expired"):
        text += f" on {checker}'s clock ({e.fields.get('at')}; valid " \
                f"{e.fields.get('not_before')} to {e.fields.get('not_after')})"
    where = holder if reason != "certificate not yet valid" else checker
    return Cause("certificate", where, text, e.time, [Evidence(e.time, checker, text)],
                 {"checker": checker, "holder": holder, "reason": reason})


def weak(key: str) -> bool:
    """A key a dictionary or brute-force run finds quickly: under 12 characters, or made of one
    character class (ike-scan's psk-crack tries a 395,000-word dictionary and lowercase/digit
    brute force by default). A heuristic: a long random key is what the fix asks for."""
    classes = sum(any(test(c) for c in key) for test in (str.islower, str.isupper, str.isdigit,
                                                        lambda c: not c.isalnum()))
    return len(key) < 12 or classes < 2


def anomalies(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> list[Cause]:
    """A working tunnel that authenticates in aggressive mode with a weak pre-shared key."""
    begun = {e.device for e in events if ike_event(e) == "aggressive_mode_begin"}
    for e in events:
        if ike_event(e) == "auth_method" and e.device in begun \
                and e.fields.get("method") == "pre-shared key":
            initiator = e.device
            responder = pair.other(initiator)
            cfg = config(scenario, initiator)
            peer = _address_of(pair, responder)
            key = next((p.aggressive_password for p in cfg.crypto.peers
                        if str(p.address) == peer and p.aggressive_password), None) \
                if cfg is not None else None
            if key is None or not weak(key):
                return []
            text = (f"{initiator} authenticates to {responder} in aggressive mode with a weak "
                    f"pre-shared key ({len(key)} characters): AM2's HASH_R can be checked "
                    "offline against guessed keys")
            return [Cause("aggressive-psk", initiator, text, e.time,
                          [Evidence(e.time, initiator, text)],
                          {"initiator": initiator, "responder": responder, "peer": peer,
                           "key": key}, anomaly=True)]
    return []


def _address_of(pair: Pair, device: str) -> str:
    """``device``'s address as its partner's crypto map names it (`set peer`)."""
    entry = pair.entry(pair.other(device))
    return entry.peer if entry is not None else ""


# ---------------------------------------------------------------------- repairs
def _enable_aggressive(scenario: Scenario, cause: Cause) -> list[Repair]:
    return [Repair((_change(cause.device, "no crypto isakmp aggressive-mode disable"),),
                   f"{cause.device} accepts aggressive mode again")]


def _certificate_repairs(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    checker, holder, reason = f["checker"], f["holder"], f["reason"]
    if reason == "identity does not match the certificate":
        return [Repair((_change(holder, "crypto isakmp identity hostname"),),
                       f"{holder} sends the name its certificate carries")]
    if reason == "certificate expired":
        points = _trustpoints(scenario, holder)
        return [Repair((_change(holder, f"crypto pki trustpoint {tp}", " auto-enroll"),),
                       f"{holder} renews its certificate (auto-enroll)") for tp in points[:1]]
    if reason == "issuer not trusted":
        out = []
        for tp in _trustpoints(scenario, checker)[:1]:
            out.append(Repair((_change(holder, f"crypto pki trustpoint {tp}",
                                       " enrollment url http://ca.lab"),),
                              f"{holder} enrolls with {checker}'s CA ({tp})"))
        for tp in _trustpoints(scenario, holder)[:1]:
            out.append(Repair((_change(checker, f"crypto pki trustpoint {tp}",
                                       " enrollment url http://ca.lab"),),
                              f"{checker} trusts {holder}'s CA ({tp})"))
        return out
    return []


def _trustpoints(scenario: Scenario, device: str) -> list[str]:
    cfg = config(scenario, device)
    return [n for n, tp in cfg.crypto.trustpoints.items() if tp.enrollment] \
        if cfg is not None else []


def _main_mode_instead(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    peer = f.get("peer")
    if not peer or not f.get("key"):
        return []
    try:
        ipaddress.IPv4Address(peer)
    except ValueError:
        return []
    return [Repair((_change(f["initiator"], f"crypto isakmp peer address {peer}",
                            " no set aggressive-mode password",
                            " no set aggressive-mode client-endpoint",
                            f"crypto isakmp key {f['key']} address {peer}"),),
                   f"{f['initiator']} uses main mode (the identity and HASH encrypted)")]


GENERATORS: dict[str, Callable[[Scenario, Cause], list[Repair]]] = {
    "aggressive-disabled": _enable_aggressive, "certificate": _certificate_repairs,
    "aggressive-psk": _main_mode_instead,
}
