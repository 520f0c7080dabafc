"""The pieces of charon's log lines both formatter modules use: the ``NN[GRP] <conn|id>``
prefix, SA names, local addresses and the configured proposals."""

from __future__ import annotations

from ikesim.linux import names
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


def ends(x: Ctx) -> str:
    """``local[my id]...peer[peer id]`` as charon names an IKE_SA's two ends (ike_sa.c "%H[%Y]
    ...%H[%Y]"): the configured identities, else the addresses."""
    conn = x.view.conn_for(x.get("peer"))
    mine = str(conn.local_id) if conn is not None and conn.local_id else local(x)
    theirs = str(conn.remote_id) if conn is not None and conn.remote_id else x.ip("peer")
    return f"{local(x)}[{mine}]...{x.ip('peer')}[{theirs}]"
