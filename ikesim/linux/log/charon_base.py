"""The pieces of charon's log lines both formatter modules use: the ``NN[GRP] <conn|id>``
prefix, SA names, local addresses and the configured proposals."""

from __future__ import annotations

from ikesim.linux import names
from ikesim.linux.config.model import CharonTimers, Connection
from ikesim.linux.log.common import Ctx


def line(x: Ctx, group: str, text: str, *, context: bool = True) -> str:
    st = x.state
    st.thread = st.thread % 16 + 1
    if not context:
        return f"{st.thread:02d}[{group}] {text}"
    name = st.names.get(x.serial, "")
    where = f"<{name}|{x.serial}>" if name else f"<{x.serial}>"
    return f"{st.thread:02d}[{group}] {where} {text}"


def sa_name(x: Ctx) -> str:
    name = x.state.names.get(x.serial, "")
    return f"{name}[{x.serial}]" if name else f"(unnamed)[{x.serial}]"


def ike_proposals(x: Ctx) -> str:
    conn = x.view.conn_for(x.get("peer"))
    if conn is None:
        return "IKE:?"
    return ", ".join(names.charon_ike(p.encryption, p.hash, p.group) for p in conn.proposals)


def mm_kind(x: Ctx) -> str:
    role = x.state.roles.get(x.serial, "I")
    return "request" if role == "I" else "response"


def exchange(x: Ctx) -> str:
    return names.EXCHANGES.get(x.num("exchange"), str(x.num("exchange")))



def local(x: Ctx) -> str:
    conn = x.view.conn_for(x.get("peer"))
    return str(conn.local_addrs[0]) if conn is not None and conn.local_addrs else "0.0.0.0"


def ike_timers(conn: Connection | None, serial: int) -> tuple[int, int, int]:
    """charon's IKE_SA schedule from its configuration, as ike_sa.c set_state() logs it:
    (rekey in, reauthentication in, maximum lifetime), 0 = none. peer_cfg.c get_rekey_time()
    and get_reauth_time() subtract a random share of rand_time: here a fixed per-SA draw."""
    t = conn.timers if conn is not None else CharonTimers()
    jitter = (serial * 2654435761) % (t.rand + 1) if t.rand else 0
    rekey = max(0, t.rekey - jitter) if t.rekey else 0
    reauth = max(0, t.reauth - jitter) if t.reauth else 0
    first = min(x for x in (rekey, reauth) if x) if rekey or reauth else 0
    return rekey, reauth, first + t.over if first else 0
