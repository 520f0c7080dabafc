"""Handlers for IOS's bookkeeping around an exchange (``ikesim.ike.ios_detail``): peer
structures, SA insertion, nodes, ID payload dumps, vendor IDs, profile lookups, lifetimes.
The 12.2 dialect prints none of them (traces 01 and the seed show none)."""

from __future__ import annotations

from collections.abc import Callable

from ikesim.ios.log import texts
from ikesim.ios.log.render import Ctx, Line

Handler = Callable[[Ctx], list[Line]]


def auth_status(x: Ctx) -> list[Line]:
    if x.d.auth_status == "inline":          # trace 07
        return [x.sa("SA authentication status:\tauthenticated")]
    if x.d.auth_status == "split":           # traces 04, 05
        return [x.sa("SA authentication status:"), x.raw("\tauthenticated")]
    return []


def _id_value(x: Ctx) -> tuple[str, str]:
    """The identity line's label and value: a name identity prints "FQDN name : X" where an
    address prints "address : A" (trace 14)."""
    # guess: a user FQDN prints "user FQDN : U" (no capture shows one)
    kind = x.num("id_type", 8)
    if kind in (2, 3):
        text = "".join(c if c.isprintable() else "." for c in x.text("identity"))
        return ("FQDN name" if kind == 2 else "user FQDN"), text
    return "address", x.ip("address")


def _id_payload(x: Ctx) -> list[Line]:
    """The ID payload dump of 15.x (07, 14) and IOS-XE (04): tab-indented continuation lines."""
    if not x.d.id_dump:
        return []
    lines: list[Line] = []
    label, value = _id_value(x)
    if x.d.name == "xe":
        lines += [x.sa("ID payload "), x.raw(f"\tnext-payload : {x.num('next_payload', 8)}"),
                  x.raw(f"\ttype         : {x.num('id_type', 8)}"),
                  x.sa(f"   {label:<12} : {value}"),
                  x.sa(f"   protocol     : {x.num('protocol', 8)} ")]
    else:
        lines += [x.old("ID payload "), x.raw(f"\tnext-payload : {x.num('next_payload', 8)}"),
                  x.raw(f"\ttype         : {x.num('id_type', 8)} "),
                  x.raw(f"\t{label:<12} : {value} "),
                  x.raw(f"\tprotocol     : {x.num('protocol', 8)} ")]
    lines += [x.raw(f"\tport         : {x.num('port', 16)} "),
              x.raw(f"\tlength       : {x.num('length', 16)}")]
    if x.flag("sent"):
        lines.append(x.sa(f"Total payload length: {x.num('length', 16)}"))
    return lines


def _vendor_id(x: Ctx) -> list[Line]:
    """What IOS says about one vendor ID payload (traces 04, 05, 07): it reads byte 14 of the
    payload as a Unity/DPD major version before naming the VID."""
    if not x.d.fsm:
        return []
    vendor, major = x.text("vendor"), x.num("major", 8)
    if vendor == "cisco-ios":
        return [x.sa("speaking to another IOS box!", space=True)]
    name = texts.VENDOR_NAMES.get(vendor)
    if major != 1:
        lines = [x.sa(f"vendor ID seems Unity/DPD but major {major} mismatch", space=True)]
        return lines + ([x.sa(f"vendor ID is {name}", space=True)] if name else [])
    if name is not None:
        return [x.sa(f"vendor ID is {name}", space=True)]
    return [x.sa("vendor ID seems Unity/DPD but hash mismatch")]


def _vendor_id_sent(x: Ctx) -> list[Line]:
    tag = texts.VENDOR_CONSTRUCTED.get(x.text("vendor"))
    return [x.sa(f"constructed NAT-T vendor-{tag} ID")] if tag and x.d.fsm else []


def _lifetime_set(x: Ctx) -> list[Line]:
    """IOS-XE's lifetime bookkeeping after "atts are acceptable" (04 initiator, 05 responder)."""
    if not x.d.lifetime_detail:
        return []
    life = x.num("lifetime")
    lines = [x.sa(f"Acceptable atts:actual life: {x.num('actual_life')}"),
             x.sa("Acceptable atts:life: 0")]
    if x.flag("vpi"):
        lines += [x.sa(f"Fill atts in sa vpi_length:{x.num('vpi_length', 8, default=4)}"),
                  x.sa(f"Fill atts in sa life_in_seconds:{life}")]
    else:
        lines.append(x.sa(f"Basic life_in_seconds:{life}"))
    return lines + [x.sa(f"Returning Actual lifetime: {life}"),
                    x.sa(f"Started lifetime timer: {life}."), x.raw("")]


def _peer_struct(x: Ctx) -> list[Line]:
    if not x.d.peer_struct:
        return []
    peer, handle = x.ip(), x.num("handle")
    pointer = f"0x{handle:X}" if x.d.name != "xe" else f"0x{0x7EFF00000000 | handle:X}"
    return [x.bare(f"Created a peer struct for {peer}, peer port {x.num('port', 16)}", cid=0),
            x.bare(f"New peer created peer = {pointer} peer_handle = "
                   f"0x{0x80000000 | x.num('index', 16):X}", cid=0),
            x.bare(f"Locking peer struct {pointer}, refcount 1 for {x.text('caller')}", cid=0)]


def _sa_inserted(x: Ctx) -> list[Line]:
    if not x.d.peer_struct:
        return []
    handle = x.num("sa_handle") | (0x7EFF00000000 if x.d.name == "xe" else 0)
    return [x.sa(f"insert sa successfully sa = {handle:X}")]


def _peer_inserted(x: Ctx) -> list[Line]:
    if not x.d.peer_struct:
        return []
    handle = x.num("handle")
    where = f"{x.ip('local')}/{x.ip()}/{x.num('port', 16)}/"
    if x.d.name == "xe":      # trace 04: two lines, both with conn-id 0
        return [x.sa(f"Trying to insert a peer {where}, ", cid=0),
                x.sa(f" and inserted successfully {0x7EFF00000000 | handle:X}.", cid=0)]
    return [x.bare(f"Trying to insert a peer {where},  and inserted successfully {handle:X}.")]


def _peer_reap(x: Ctx) -> list[Line]:
    if not x.d.peer_struct:
        return []
    handle = x.num("handle")
    shown = f"{handle:X}" if x.d.name != "xe" else f"{0x7EFF00000000 | handle:X}"
    lines = [] if x.d.name == "xe" else [
        x.bare(f"Unlocking peer struct 0x{shown} for isadb_mark_sa_deleted(), count 0")]
    return lines + [x.bare(f"Deleting peer node by peer_reap for {x.ip()}: {shown}", cid=0)]


def _profile_match(x: Ctx) -> list[Line]:
    if not x.d.fsm:
        return []
    profile = x.text("profile") or "*none* of the"
    text = f"peer matches {profile} profiles" if profile.startswith("*none*") \
        else f"peer matches {profile} profile"
    # 07 prints it with a doubled colon ("ISAKMP:(0):: peer matches"), 04 without; both
    # with conn-id 0.
    return [x.sa((": " if x.d.name != "xe" else "") + text, cid=0)]


def _keyring_key(x: Ctx) -> list[Line]:
    # trace 05 (IOS-XE): "ISAKMP: (1003):Found ADDRESS key in keyring RA", under the SA's
    # conn-id right after "peer matches VPN profile".
    if not x.d.fsm:
        return []
    return [x.sa(f"Found {x.text('key_type', 'ADDRESS')} key in keyring {x.text('keyring')}")]


def _sa_created(x: Ctx) -> list[Line]:
    if x.d.name == "xe" and x.text("role") == "I":
        return [x.sa("SA request profile is (NULL)")]      # trace 04
    return []


def _node_new(x: Ctx) -> list[Line]:
    if not x.d.fsm:
        return []
    return [x.bare(f"set new node {x.mid()} to {x.state('state') or 'QM_IDLE      '}")]


def _node_delete(x: Ctx) -> list[Line]:
    error = "TRUE" if x.flag("error") else "FALSE"
    return [x.sa(f'deleting node {x.mid()} error {error} reason "{x.text("reason")}"')]


def _responder_lifetime(x: Ctx) -> list[Line]:
    # trace 07 (initiator): the lifetime the responder notified replaces ours.
    if not x.d.fsm:
        return []
    return [*auth_status(x), x.sa("processing responder lifetime", space=True),
            x.sa("start processing isakmp responder lifetime", space=True),
            x.sa(f"restart ike sa timer to {x.num('lifetime')} secs", space=True)]


def _initial_contact_processed(x: Ctx) -> list[Line]:
    if not x.d.fsm:
        return []
    # trace 05: an embedded newline splits the line.
    return [*auth_status(x), x.sa("Process initial contact,"),
            x.raw(f"bring down existing phase 1 and 2 SA's with local {x.ip('local')} remote "
                  f"{x.ip()} remote port {x.num('port', 16)}")]


def _delete_notify_ignored(x: Ctx) -> list[Line]:
    # trace 05 (IOS-XE): "ISAKMP-ERROR: (0):ignoring request to send delete notify (no ISAKMP sa)
    # src 61.128.1.1 dst 103.1.1.1 for SPI 0x3EA71AED"; other dialects through their SA prefix.
    return [x.err(f"ignoring request to send delete notify (no ISAKMP sa) src {x.ip('local')} "
                  f"dst {x.ip()} for SPI 0x{x.num('spi'):X}")]


BOOKKEEPING: dict[str, Handler] = {
    "delete_notify_ignored": _delete_notify_ignored,
    "keyring_key": _keyring_key,
    "sa_created": _sa_created,
    "peer_struct": _peer_struct,
    "sa_inserted": _sa_inserted,
    "lifetime_set": _lifetime_set,
    "vendor_id": _vendor_id,
    "vendor_id_sent": _vendor_id_sent,
    "id_payload": _id_payload,
    "profile_match": _profile_match,
    "peer_inserted": _peer_inserted,
    "responder_lifetime": _responder_lifetime,
    "initial_contact_processed": _initial_contact_processed,
    "peer_reap": _peer_reap,
    "node_new": _node_new,
    "node_delete": _node_delete,
}
