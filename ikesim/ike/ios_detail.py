"""IOS's bookkeeping around an exchange, as events (the 12.4T-and-later dialects print them;
``Context.detail`` skips them on 12.2): peer structures, SA insertion, nodes, ID payload dumps,
profile matching, and the announcement of received main-mode payloads in IOS's order.

Sources: traces 04 (IOS-XE initiator), 05 (IOS-XE responder), 07 (15.x initiator), 14 (15.x
responder) in ../shared/fidelity.
"""

from __future__ import annotations

from ikesim.ike import identity
from ikesim.ike.context import Context
from ikesim.ike.identity import PeerIdentity
from ikesim.ike.messages import PAYLOAD_NAMES, notify_name
from ikesim.ike.sa import IsakmpSa
from ikesim.isakmp import IdPayload, NotificationPayload, Payload, payload_body

QM_IDLE_NODE = "QM_IDLE"


def peer_handle(sa: IsakmpSa) -> int:
    """A deterministic, IOS-like peer-struct pointer (another one than the SA's)."""
    return 0x60000000 | ((sa.handle ^ (sa.local * 2654435761)) & 0x03FFFFF8)


def preamble(ctx: Context, sa: IsakmpSa, *, initiator: bool) -> None:
    """Peer structure, local port, node 0 and SA insertion (04 initiator, 05/14 responder)."""
    detailed = ctx.detailed                  # 12.2: only the local port (Context.detail)
    if detailed:
        ctx.detail(sa, "peer_struct", peer=sa.peer, port=sa.peer_port, handle=peer_handle(sa),
                   index=sa.serial, caller="isakmp_initiator" if initiator
                   else "crypto_isakmp_process_block")
    ctx.emit(sa, "local_port", local_port=sa.local_port, remote_port=sa.peer_port)
    if not detailed:
        return
    if initiator:
        ctx.detail(sa, "node_new", message_id=0, state=QM_IDLE_NODE)
    ctx.detail(sa, "sa_inserted", sa_handle=sa.handle)


def id_payload(ctx: Context, sa: IsakmpSa, ident: IdPayload, *, sent: bool,
               next_payload: int = 8) -> None:
    """The ID payload dump (15.x/IOS-XE): next payload is HASH (8) in main mode; a name
    identity (aggressive mode, trace 14) prints its FQDN where an address prints the address."""
    if not ctx.detailed:                     # 12.2 prints none: nothing to compute
        return
    data = bytes(ident.data)
    address = int.from_bytes(data[:4], "big") if len(data) >= 4 else 0
    ctx.detail(sa, "id_payload", sent=sent, next_payload=next_payload,
               id_type=int(ident.id_type), address=address,
               identity=PeerIdentity.of(ident).text, protocol=int(ident.protocol),
               port=int(ident.port), length=4 + len(payload_body(ident)))


def announce(ctx: Context, sa: IsakmpSa, payloads: list[Payload], message_id: int = 0, *,
             skip_vendor: bool = True) -> None:
    """The "processing … payload" lines of a received main-mode message, each followed by what
    IOS prints about that payload (an ID dump and the profile lookup; a notify by name). VIDs
    are announced by ``vendor.VendorIdTask`` at the point IOS reads them, NAT-D payloads by
    ``natt.NatTraversalTask``."""
    for p in payloads:
        name = PAYLOAD_NAMES[type(p)]          # payload_name(p), one call less per payload
        if (name == "VENDOR" and skip_vendor) or name == "NAT-D":
            continue        # NAT-D: "received payload type 20" (``natt.NatTraversalTask``)
        if isinstance(p, NotificationPayload):
            code = int(p.notify_type)
            ctx.emit(sa, "notify_rx", peer=sa.peer, notify_type=notify_name(code),
                     notify_code=code, protocol=int(p.protocol), sa_handle=sa.handle,
                     message_id=message_id)
            continue
        ctx.emit(sa, "process_payload", payload=name, message_id=message_id)
        if isinstance(p, IdPayload) and ctx.detailed:     # the ID dump and profile lookup
            id_payload(ctx, sa, p, sent=False)
            profile = matching_profile(ctx, p)
            ctx.detail(sa, "profile_match", profile=profile or "")
            keyring_key(ctx, sa, profile)


def matching_profile(ctx: Context, ident: Payload | None) -> str | None:
    """The ISAKMP profile whose `match identity` the peer's ID payload matches (None: none)."""
    if not isinstance(ident, IdPayload) or not ctx.crypto.isakmp_profiles:
        return None
    profile = identity.matching_profile(ctx.crypto, PeerIdentity.of(ident))
    return profile.name if profile is not None else None


def adopt_profile(ctx: Context, sa: IsakmpSa, ident: Payload | None) -> None:
    """The ISAKMP profile the peer's identity matches (`match identity`): the responder's SA
    uses it from now on (crypto map entries and IPsec profiles with `set isakmp-profile` serve
    only SAs of that profile); an initiator keeps the profile it started with. (IOS's line for
    the lookup is printed where the ID payload is processed, ``announce``.)"""
    if not isinstance(ident, IdPayload):
        return
    if sa.role == "R" or sa.profile is None:
        sa.profile = matching_profile(ctx, ident)


def keyring_key(ctx: Context, sa: IsakmpSa, profile: str | None) -> None:
    """Once the ID matched a profile that names keyrings, IOS looks the peer's key up in them
    and names the keyring it came from ("Found ADDRESS key in keyring RA": trace 05, HQ after
    MM5's ID and SITE-A after MM6's, each with its own keyring). Only address keys: main mode
    keys by address (RFC 2409 §5.4)."""
    ring_names = ctx.crypto.isakmp_profiles[profile].keyrings if profile else []
    key = ctx.psk_for(sa.peer, sa.local, profile) if ring_names else None
    if key is None:
        return
    for name in ring_names:
        ring = ctx.crypto.keyrings.get(name)
        if ring is not None and any(k is key for k in ring.keys):
            ctx.detail(sa, "keyring_key", keyring=name, key_type="ADDRESS")
            return


def authenticated(ctx: Context, sa: IsakmpSa) -> None:
    """After HASH_I/HASH_R verified: IOS records the peer (04, 05, 07)."""
    if ctx.detailed:
        ctx.detail(sa, "peer_inserted", local=sa.local, peer=sa.peer, port=sa.peer_port,
                   handle=peer_handle(sa))


def node_new(ctx: Context, sa: IsakmpSa, message_id: int, *, keep: bool = True) -> None:
    """IOS creates a node per exchange on the SA ("set new node N to QM_IDLE"); nodes stay
    until the SA goes ("deleting node N error FALSE reason "IKE deleted"", trace 07)."""
    ctx.detail(sa, "node_new", message_id=message_id, state=QM_IDLE_NODE)
    if keep and message_id and message_id not in sa.nodes:
        sa.nodes.append(message_id)


def node_delete(ctx: Context, sa: IsakmpSa, message_id: int, reason: str) -> None:
    ctx.detail(sa, "node_delete", message_id=message_id, reason=reason, error=False)


def sa_gone(ctx: Context, sa: IsakmpSa) -> None:
    """The SA was deleted: its peer structure and nodes go (trace 07)."""
    ctx.detail(sa, "peer_reap", peer=sa.peer, handle=peer_handle(sa))
    for mid in sa.nodes:
        node_delete(ctx, sa, mid, "IKE deleted")
