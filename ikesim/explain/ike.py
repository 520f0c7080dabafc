"""Causes found in the IKE events: a proposal refused (which attribute, offered against
configured), a missing or different pre-shared key, a refused ESP proposal, PFS or proxy
identities — and two anomalies of working tunnels: a lower-priority policy chosen, and a
lifetime shortened by the initiator's offer. Offered values come from the events (what crossed
the wire); configured values from the routers' configurations."""

from __future__ import annotations

import ipaddress
from typing import Any

from ikesim.explain.model import Cause, Evidence
from ikesim.explain.pairs import Pair, ike_event, ip
from ikesim.ike.policy import CryptoMapEntry, IsakmpPolicy
from ikesim.net.config import DeviceConfig
from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario

ATTRIBUTE_WORDS = {"encryption": "encryption algorithm", "hash": "hash algorithm",
                   "group": "Diffie-Hellman group", "auth": "authentication method",
                   "lifetime": "lifetime", "key_length": "key length"}


def policy_value(policy: IsakmpPolicy, attribute: str) -> str:
    """A policy attribute as IOS configures it (``encr aes 256`` -> "aes 256")."""
    if attribute in ("encryption", "key_length"):
        enc = policy.encryption
        return ("aes" if enc == "aes128" else f"aes {enc[3:]}") if enc.startswith("aes") \
            else enc
    return str({"hash": policy.hash, "group": policy.group, "auth": policy.authentication,
                "lifetime": policy.lifetime}.get(attribute, "?"))


def offered_value(attributes: list[Any], attribute: str) -> str:
    """An offered attribute (a ``check_transform`` event's [name, value] list) in IOS words."""
    values = {str(k): v for k, v in attributes}
    if attribute in ("encryption", "key_length"):
        cipher = str(values.get("encryption", "?"))
        if cipher.startswith("AES"):
            bits = int(values.get("key_length", 128))
            return "aes" if bits == 128 else f"aes {bits}"
        return {"3DES-CBC": "3des", "DES-CBC": "des"}.get(cipher, cipher.lower())
    if attribute == "lifetime":
        return str(life_duration(values))
    key = {"auth": "auth"}.get(attribute, attribute)
    value = values.get(key, "?")
    return str(value).lower() if attribute == "hash" else str(value)


def life_duration(values: dict[str, Any]) -> int:
    raw = values.get("life_duration", 86400)
    return int.from_bytes(raw, "big") if isinstance(raw, bytes | bytearray) else int(raw)


def config(scenario: Scenario, device: str) -> DeviceConfig | None:
    spec = scenario.devices.get(device)
    return spec.config if spec is not None else None


def map_entry(scenario: Scenario, pair: Pair, device: str) -> CryptoMapEntry | None:
    """The crypto map entry of ``device`` in the pair; for a protected tunnel its IPsec
    profile seen as an entry (crypto map ``Tunnel0-head-0``), for an entry naming a dynamic
    map that map's first entry."""
    ref, cfg = pair.entry(device), config(scenario, device)
    if ref is None or cfg is None:
        return None
    iface = cfg.interfaces.get(ref.interface)
    tunnel = iface.tunnel if iface is not None else None
    if ref.acl is None and tunnel is not None and ref.map_name == f"{ref.interface}-head-0":
        profile = cfg.crypto.ipsec_profiles.get(tunnel.protection or "")
        if profile is None:
            return None
        return CryptoMapEntry(ref.map_name, ref.sequence, [ipaddress.IPv4Address(ref.peer)],
                              list(profile.transform_sets), None, profile.pfs_group,
                              profile.lifetime_seconds, profile.lifetime_kilobytes,
                              isakmp_profile=profile.isakmp_profile)
    entry = next((e for e in cfg.crypto.map_entries(ref.map_name)
                  if e.sequence == ref.sequence), None)
    if entry is not None and entry.dynamic_map:
        dynamic = cfg.crypto.dynamic_maps.get(entry.dynamic_map) or []
        return min(dynamic, key=lambda d: d.sequence) if dynamic else None
    return entry


def key_for(scenario: Scenario, device: str, peer: str) -> str | None:
    cfg = config(scenario, device)
    if cfg is None or not peer:
        return None
    addr = ipaddress.IPv4Address(peer)
    for entry in cfg.crypto.peers:     # aggressive mode: `set aggressive-mode password` is the key
        if entry.address == addr and entry.aggressive_password:
            return entry.aggressive_password
    key = cfg.crypto.key_for(addr)
    return key.key if key is not None else None


def _same_instant(events: list[SimEvent], at: SimEvent, kind: str) -> list[SimEvent]:
    return [e for e in events if e.device == at.device and ike_event(e) == kind
            and abs(e.time - at.time) < 1e-9]


def ike_causes(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> list[Cause]:
    out: list[Cause] = []
    seen: set[tuple[str, str]] = set()
    for e in events:
        kind = ike_event(e)
        if (e.device, kind) in seen:
            continue
        cause = None
        if kind == "no_psk":
            cause = _no_psk(scenario, pair, e)
        elif kind == "policy_not_acceptable":
            cause = _policy(scenario, pair, events, e)
        elif kind in ("bad_message", "auth_failed"):
            cause = _psk_mismatch(scenario, pair, e)
        elif kind == "ipsec_atts_not_acceptable":
            cause = _proposal(scenario, pair, e)
        elif kind == "proxy_mismatch":
            cause = _proxy(scenario, pair, e)
        if cause is not None:
            seen.add((e.device, kind))
            out.append(cause)
    return out


def _no_psk(scenario: Scenario, pair: Pair, e: SimEvent) -> Cause:
    device, peer = e.device, ip(e.fields.get("peer"))
    partner = pair.other(device)
    mine = pair.entry(device)
    local = mine.local if mine is not None else ""
    partner_key = key_for(scenario, partner, local) if local else None
    evidence = [Evidence(e.time, device, f"{device}: No pre-shared key with {peer}!")]
    if partner_key is not None:
        evidence.append(Evidence(e.time, partner, f"{partner} has key '{partner_key}' for "
                                 f"{local}"))
    return Cause("no-psk", device, f"{device} has no pre-shared key for {peer}", e.time,
                 evidence, {"device": device, "peer": peer, "partner": partner,
                            "partner_key": partner_key, "local": local})


def _policy(scenario: Scenario, pair: Pair, events: list[SimEvent],
            at: SimEvent) -> Cause | None:
    responder = at.device
    cfg = config(scenario, responder)
    checks = {int(c.fields.get("transform", 0)): c.fields.get("attributes", [])
              for c in _same_instant(events, at, "check_transform")}
    mismatches = []
    evidence = []
    for m in _same_instant(events, at, "attr_mismatch"):
        attribute = str(m.fields.get("attribute"))
        if attribute == "preshared":
            return None          # no key: the no_psk cause says it
        transform, priority = int(m.fields.get("transform", 0)), int(m.fields.get("priority", 0))
        policy = cfg.crypto.policies.get(priority) if cfg is not None else None
        offered = offered_value(checks.get(transform, []), attribute)
        configured = policy_value(policy, attribute) if policy is not None else "?"
        mismatches.append({"transform": transform, "priority": priority,
                           "attribute": attribute, "offered": offered,
                           "configured": configured})
        evidence.append(Evidence(m.time, responder, f"{responder} checked transform "
                                 f"{transform} against its policy {priority}: "
                                 f"{ATTRIBUTE_WORDS.get(attribute, attribute)} offered "
                                 f"{offered}, policy {priority} has {configured}"))
    evidence.append(Evidence(at.time, responder, f"{responder}: phase 1 SA policy not "
                             f"acceptable! (NO_PROPOSAL_CHOSEN to {ip(at.fields.get('peer'))})"))
    differ = sorted({ATTRIBUTE_WORDS.get(m["attribute"], m["attribute"]) for m in mismatches})
    words = f"the {differ[0]} differs" if len(differ) == 1 else \
        f"{', '.join(differ) or 'attributes'} differ"
    return Cause("isakmp-policy", responder, f"{responder} accepts none of the ISAKMP "
                 f"policies offered by {pair.other(responder)}: {words}", at.time,
                 evidence, {"responder": responder, "initiator": pair.other(responder),
                            "mismatches": mismatches})


def _psk_mismatch(scenario: Scenario, pair: Pair, e: SimEvent) -> Cause | None:
    device = e.device
    partner = pair.other(device)
    mine, theirs = pair.entry(device), pair.entry(partner)
    if mine is None or theirs is None:
        return None
    my_key = key_for(scenario, device, theirs.local)
    their_key = key_for(scenario, partner, mine.local)
    what = "cannot decrypt" if ike_event(e) == "bad_message" else "cannot verify the HASH of"
    evidence = [Evidence(e.time, device, f"{device} {what} {ip(e.fields.get('peer'))}'s "
                         f"encrypted message ({e.fields.get('reason', 'IKMP_BAD_MESSAGE')})")]
    if my_key == their_key or my_key is None or their_key is None:
        return Cause("bad-message", device, f"{device} rejects {partner}'s encrypted "
                     f"messages", e.time, evidence, {"device": device, "partner": partner})
    evidence.append(Evidence(e.time, device, f"keys: {device} has '{my_key}' for "
                             f"{theirs.local}, {partner} has '{their_key}' for {mine.local}"))
    return Cause("psk-mismatch", device, f"the pre-shared keys differ: {device} has "
                 f"'{my_key}', {partner} has '{their_key}'", e.time, evidence,
                 {"device": device, "partner": partner, "key": my_key,
                  "partner_key": their_key, "device_address": mine.local,
                  "partner_address": theirs.local})


def _proposal(scenario: Scenario, pair: Pair, e: SimEvent) -> Cause:
    responder, initiator = e.device, pair.other(e.device)
    reason = str(e.fields.get("reason"))
    r_entry, i_entry = map_entry(scenario, pair, responder), map_entry(scenario, pair, initiator)
    r_cfg, i_cfg = config(scenario, responder), config(scenario, initiator)
    refs = {side: pair.entry(side) for side in (responder, initiator)}
    base = {"responder": responder, "initiator": initiator,
            **{f"{role}_map": [r.map_name, r.sequence] if (r := refs[side]) else None
               for role, side in (("responder", responder), ("initiator", initiator))}}
    if reason == "pfs":
        offered = e.fields.get("offered_group")
        wanted = r_entry.pfs_group if r_entry is not None else None
        text = (f"{responder}'s crypto map requires PFS group {wanted}; {initiator} offers "
                f"{'group ' + str(offered) if offered else 'no PFS'}")
        return Cause("pfs", responder, text, e.time, [Evidence(e.time, responder, text)],
                     {**base, "offered_group": offered, "required_group": wanted,
                      "initiator_group": i_entry.pfs_group if i_entry else None})
    if reason == "transform":
        def sets(cfg: DeviceConfig | None, entry: CryptoMapEntry | None) -> dict[str, str]:
            if cfg is None or entry is None:
                return {}
            return {n: " ".join(cfg.crypto.transform_sets[n].transforms)
                    for n in entry.transform_sets if n in cfg.crypto.transform_sets}
        offered, local = sets(i_cfg, i_entry), sets(r_cfg, r_entry)
        text = (f"{initiator} offers {'; '.join(offered.values()) or '?'}; {responder}'s "
                f"transform sets are {'; '.join(f'{n}: {t}' for n, t in local.items()) or '?'}")
        return Cause("transform-set", responder, f"{responder} accepts none of the ESP "
                     f"transforms {initiator} offers", e.time,
                     [Evidence(e.time, responder, text)],
                     {**base, "offered": offered, "local": local})
    return Cause("no-map", responder, f"{responder} has no crypto map entry for "
                 f"{initiator}", e.time, [Evidence(e.time, responder, "no crypto map entry")],
                 base)


def _proxy(scenario: Scenario, pair: Pair, e: SimEvent) -> Cause:
    responder, initiator = e.device, pair.other(e.device)
    f = e.fields

    def net(addr: Any, mask: Any) -> str:
        return str(ipaddress.IPv4Network(f"{ip(addr)}/{ip(mask)}", strict=False))
    local, remote = net(f.get("local_net"), f.get("local_mask")), \
        net(f.get("remote_net"), f.get("remote_mask"))
    entry = map_entry(scenario, pair, responder)
    cfg = config(scenario, responder)
    acl_name = entry.match_acl if entry is not None else None
    acl = cfg.acls.get(acl_name or "") if cfg is not None else None
    lines = [x.text.strip() for x in acl.entries] if acl is not None else []
    text = (f"{initiator} proposes traffic {remote} <-> {local}; {responder}'s crypto ACL "
            f"{acl_name} has {lines}")
    return Cause("proxy-ids", responder, f"{responder}'s crypto ACL {acl_name} does not mirror "
                 f"{initiator}'s: proxy identities {remote} <-> {local} refused", e.time,
                 [Evidence(e.time, responder, text)],
                 {"responder": responder, "initiator": initiator, "acl": acl_name,
                  "local": local, "remote": remote, "acl_kind": acl.kind if acl else None})


# -- anomalies of working tunnels ------------------------------------------------------------
def anomalies(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> list[Cause]:
    out: list[Cause] = []
    for e in events:
        if ike_event(e) != "atts_acceptable":
            continue
        checks = [c for c in _same_instant(events, e, "check_transform")]
        if not checks:
            continue
        accepted = checks[-1]
        responder, initiator = e.device, pair.other(e.device)
        transform = int(accepted.fields.get("transform", 1))
        priority = int(accepted.fields.get("priority", 0))
        r_cfg, i_cfg = config(scenario, responder), config(scenario, initiator)
        if r_cfg is None or i_cfg is None:
            continue
        i_policies = i_cfg.crypto.policies_in_order()
        if transform > 1 and i_policies:
            preferred = i_policies[0]
            text = (f"{responder} refused {initiator}'s transform 1 (policy "
                    f"{preferred.priority}: {_policy_words(preferred)}) and accepted transform "
                    f"{transform}")
            out.append(Cause("weaker-policy", responder, f"the tunnel uses {initiator}'s "
                             f"priority-{transform} policy, not its preferred one: {responder} "
                             f"has no policy matching {_policy_words(preferred)}", e.time,
                             [Evidence(e.time, responder, text)],
                             {"responder": responder, "initiator": initiator,
                              "preferred_priority": preferred.priority,
                              "accepted_transform": transform}, anomaly=True))
        values = {str(k): v for k, v in accepted.fields.get("attributes", [])}
        offered = life_duration(values)
        r_policy = r_cfg.crypto.policies.get(priority)
        i_policy = i_policies[transform - 1] if len(i_policies) >= transform else None
        if r_policy is not None and i_policy is not None and offered != r_policy.lifetime:
            text = (f"{initiator} offers lifetime {offered} s (policy {i_policy.priority}), "
                    f"{responder}'s policy {priority} has {r_policy.lifetime} s: the ISAKMP SA "
                    f"lives {min(offered, r_policy.lifetime)} s")
            evidence = [Evidence(e.time, responder, text)]
            evidence += [Evidence(x.time, x.device, f"{x.device} deletes the ISAKMP SA: "
                                  f"lifetime expired") for x in events
                         if ike_event(x) == "delete" and x.fields.get("reason") ==
                         "lifetime expired"][:2]
            out.append(Cause("lifetime", initiator, f"the ISAKMP SA lifetimes differ: "
                             f"{initiator} {offered} s, {responder} {r_policy.lifetime} s",
                             e.time, evidence,
                             {"responder": responder, "initiator": initiator,
                              "initiator_priority": i_policy.priority,
                              "responder_priority": priority, "offered": offered,
                              "configured": r_policy.lifetime}, anomaly=True))
    return out


def _policy_words(policy: IsakmpPolicy) -> str:
    return (f"{policy_value(policy, 'encryption')}/{policy.hash}/group {policy.group}/"
            f"{policy.authentication}")
