"""Phase-1 identities (RFC 2409 §5, RFC 2407 §4.6.2): the ID payload we send in MM5/MM6 and
the check of the peer's against the configured one (``CryptoConfig.identities``).

Without a configured identity a device sends ID_IPV4_ADDR of its address and accepts any
identity (IOS `crypto isakmp identity address`, the seed). A Linux gateway sends its
``leftid``/``local { id }`` and refuses a peer whose ID is not its ``rightid``/``remote { id }``
— the ID-type interop fault (an IP address where an FQDN is expected): strongSwan's responder
finds "no peer config" and answers AUTHENTICATION_FAILED, its initiator logs "IDir '…' does
not match to '…'" and deletes (strongSwan 5.9.8 main_mode.c process_r()/process_i(), phase1.c
select_config()); libreswan answers INVALID_ID_INFORMATION.
"""

from __future__ import annotations

import ipaddress

from ikesim.ike import lifecycle, natt, protect
from ikesim.ike.context import Context, Reject
from ikesim.ike.messages import ID_IPV4_ADDR, IKE_PORT, PROTO_ISAKMP
from ikesim.ike.policy import ConnectionIdentities
from ikesim.ike.protect import EXCHANGE_INFO
from ikesim.ike.sa import IsakmpSa
from ikesim.isakmp import (
    DeletePayload,
    HashPayload,
    IdPayload,
    NotificationPayload,
    NotifyType,
)

REASON_ID_MISMATCH = "peer identity mismatch"


def configured(ctx: Context, sa: IsakmpSa) -> ConnectionIdentities | None:
    ids = ctx.crypto.identities
    return ids.get(sa.peer) or ids.get(0) if ids else None


def local_id(ctx: Context, sa: IsakmpSa) -> IdPayload:
    """Our ID payload for MM5/MM6."""
    mine = configured(ctx, sa)
    proto, port = ctx.profile.id_protocol, ctx.profile.id_port
    if port == IKE_PORT:          # IOS: port 0 once IKE floated to 4500 (natt.id_port)
        port = natt.id_port(sa)
    if mine is None:
        return IdPayload(ID_IPV4_ADDR, proto, port, sa.local.to_bytes(4, "big"))
    return IdPayload(mine.local_type, proto, port, mine.local_data)


def shown(id_type: int, data: bytes) -> str:
    """An identity as the daemons print it (an address dotted, a name as text)."""
    if id_type == ID_IPV4_ADDR and len(data) == 4:
        return str(ipaddress.IPv4Address(data))
    return data.decode("ascii", "replace")


def check_peer(ctx: Context, now: float, sa: IsakmpSa, ident: IdPayload) -> None:
    """Refuse (Reject, already reported) a peer identity other than the configured one."""
    mine = configured(ctx, sa)
    if mine is None or mine.remote_type is None:
        return
    got_type, got = int(ident.id_type), bytes(ident.data)
    if got_type == mine.remote_type and got == mine.remote_data:
        return
    ctx.emit(sa, "id_mismatch", peer=sa.peer, role=sa.role, received_type=got_type,
             received=shown(got_type, got), expected_type=mine.remote_type,
             expected=shown(mine.remote_type, mine.remote_data))
    mid = ctx.message_id()
    if sa.role == "I" and ctx.profile.id_mismatch_initiator_deletes:
        payload: DeletePayload | NotificationPayload = DeletePayload(
            PROTO_ISAKMP, 16, [sa.icookie + sa.rcookie])
    else:
        code = NotifyType[ctx.profile.id_mismatch_notify]
        payload = NotificationPayload(code, PROTO_ISAKMP, sa.icookie + sa.rcookie)
    ctx.built([HashPayload(b""), payload])
    ctx.send(sa, protect.protected_informational(sa, mid, [payload]), EXCHANGE_INFO, mid)
    if isinstance(payload, NotificationPayload):
        ctx.emit(sa, "notify_tx", peer=sa.peer, notify_type=ctx.profile.id_mismatch_notify,
                 notify_code=int(payload.notify_type), protocol=PROTO_ISAKMP)
    lifecycle.delete(ctx, now, sa, REASON_ID_MISMATCH, notify_peer=False)
    raise Reject(None)
