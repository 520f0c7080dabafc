"""charon's quick-mode and kernel lines (strongSwan 5.9.8 quick_mode.c, child_cfg.c,
proposal.c, kernel_netlink_ipsec.c; run A: the SAD failure of a kernel without ESP)."""

from __future__ import annotations

from collections.abc import Callable

from ikesim.linux import names
from ikesim.linux.log.charon_base import line
from ikesim.linux.log.common import Ctx

_ESP_FROM_WIRE = {"ESP_3DES": "esp-3des", "ESP_DES": "esp-des", "ESP_AES": "esp-aes"}
_AUTH_FROM_DISPLAY = {"HMAC-SHA": "esp-sha-hmac", "HMAC-MD5": "esp-md5-hmac",
                      "HMAC-SHA256": "esp-sha256-hmac"}


def _configured(x: Ctx) -> str:
    child = _child(x)
    if child is None:
        return "ESP:?"
    return ", ".join(names.charon_esp(e.transform.cipher.keyword, e.transform.auth.keyword,
                                      e.pfs_group) for e in child.esp)


def _child(x: Ctx):  # type: ignore[no-untyped-def]
    key = (x.serial, x.num("message_id"))
    local, remote = x.state.qm_proxy.get(key, (None, None))
    return x.view.child_for(x.get("peer"), local, remote) or _any_child(x)


def _any_child(x: Ctx):  # type: ignore[no-untyped-def]
    conn = x.view.conn_for(x.get("peer"))
    return conn.children[0] if conn is not None and conn.children else None


def _remember(x: Ctx) -> tuple[object, object]:
    local, remote = x.net("local"), x.net("remote")
    x.state.qm_proxy[(x.serial, x.num("message_id"))] = (local, remote)
    return local, remote


def spi_allocated(x: Ctx) -> list[str]:
    local, remote = _remember(x)
    x.state.spis[(x.serial, x.num("message_id"))] = x.num("spi")
    got = line(x, "KNL", f"got SPI {x.num('spi'):08x}")
    if x.text("role") == "R":
        x.state.larval.setdefault(x.serial, []).append(x.num("spi"))
        return [got]
    return [line(x, "IKE", "activating new tasks"),
            line(x, "IKE", "  activating QUICK_MODE task"),
            line(x, "CFG", f"configured proposals: {_configured(x)}"), got,
            line(x, "CFG", f"configured proposals: {_configured(x)}"),
            line(x, "CFG", "proposing traffic selectors for us:"), line(x, "CFG", f" {local}"),
            line(x, "CFG", "proposing traffic selectors for other:"),
            line(x, "CFG", f" {remote}")]


def qm_request(x: Ctx) -> list[str]:
    local, remote = _remember(x)
    child = _child(x)
    out = [line(x, "CFG", f"looking for a child config for {local} === {remote}"),
           line(x, "CFG", "proposing traffic selectors for us:"), line(x, "CFG", f" {local}"),
           line(x, "CFG", "proposing traffic selectors for other:"),
           line(x, "CFG", f" {remote}")]
    if child is None:
        return out + [line(x, "IKE", "no matching CHILD_SA config found for "
                                     f"{local} === {remote}")]
    mine, theirs = child.local_ts[0], child.remote_ts[0]
    return out + [
        line(x, "CFG", f"  candidate \"{child.name}\" with prio 5+5"),
        line(x, "CFG", f"found matching child config \"{child.name}\" with prio 10"),
        line(x, "CFG", "selecting traffic selectors for other:"),
        line(x, "CFG", f" config: {theirs}, received: {remote} => match: {remote}"),
        line(x, "CFG", "selecting traffic selectors for us:"),
        line(x, "CFG", f" config: {mine}, received: {local} => match: {local}")]


def _offered(x: Ctx) -> str:
    cipher = _ESP_FROM_WIRE.get(x.text("transform_name"), x.text("transform_name"))
    auth, group = "?", None
    for pair in x.get("attributes") if isinstance(x.get("attributes"), list) else []:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        if pair[0] == "authenticator":
            auth = _AUTH_FROM_DISPLAY.get(str(pair[1]), str(pair[1]))
        elif pair[0] == "key_length" and cipher == "esp-aes" and pair[1] in (192, 256):
            cipher = f"esp-aes {pair[1]}"
        elif pair[0] == "group" and isinstance(pair[1], int):
            group = pair[1]
    return names.charon_esp(cipher, auth, group)


def _lifetimes(x: Ctx) -> tuple[int, int]:
    """The SA's life in seconds and bytes as charon reads them (5.9.8 proposal_substructure.c:
    no seconds attribute means 28800 s, "default to 8 hours, RFC 2407"; bytes = 1000 × the
    kilobytes attribute)."""
    kind, seconds, kilobytes = "seconds", 28800, 0
    for pair in x.get("attributes") if isinstance(x.get("attributes"), list) else []:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        if pair[0] == "life_type":
            kind = str(pair[1])
        elif pair[0] == "life_duration":
            value = pair[1]
            number = int.from_bytes(value, "big") if isinstance(value, bytes) else value
            if isinstance(number, int) and not isinstance(number, bool):
                if kind == "seconds":
                    seconds = number
                else:
                    kilobytes = number
    return seconds, 1000 * kilobytes


def ipsec_proposal_check(x: Ctx) -> list[str]:
    seen = x.state.received.setdefault(-x.serial, [])
    offered = _offered(x)
    if offered not in seen:
        seen.append(offered)
    x.state.lifetimes[x.serial] = _lifetimes(x)
    return [line(x, "CFG", "selecting proposal:")]


def ipsec_atts_acceptable(x: Ctx) -> list[str]:
    seen = x.state.received.pop(-x.serial, [])
    out = [line(x, "CFG", "  proposal matches"),
           line(x, "CFG", f"received proposals: {', '.join(seen)}"),
           line(x, "CFG", f"configured proposals: {_configured(x)}"),
           line(x, "CFG", f"selected proposal: {seen[-1] if seen else '?'}")]
    # quick_mode.c apply_lifetimes(): the peer's values are logged and echoed; the kernel SAs
    # keep the child's own (child_sa.c install(): config->get_lifetime())
    seconds, lifebytes = x.state.lifetimes.pop(x.serial, (0, 0))
    child = _any_child(x)
    if child is not None and seconds and seconds != child.life_time:
        out.append(line(x, "IKE", f"received {seconds}s lifetime, configured "
                                  f"{child.life_time}s"))
    if child is not None and lifebytes and lifebytes != child.life_bytes:
        out.append(line(x, "IKE", f"received {lifebytes} lifebytes, configured "
                                  f"{child.life_bytes}"))
    return out


def ipsec_atts_not_acceptable(x: Ctx) -> list[str]:
    reason = x.text("reason")
    kind = "KEY_EXCHANGE_METHOD" if reason == "pfs" else "ENCRYPTION_ALGORITHM"
    return [line(x, "CFG", f"  no acceptable {kind} found")]


def qm_sa_not_acceptable(x: Ctx) -> list[str]:
    seen = x.state.received.pop(-x.serial, [])
    notify = x.text("notify_type")
    return [line(x, "CFG", f"received proposals: {', '.join(seen)}"),
            line(x, "CFG", f"configured proposals: {_configured(x)}"),
            line(x, "IKE", f"no matching proposal found, sending {notify}")]


def _sad(x: Ctx, spi: int, transform: str, inbound: bool, reqid: int) -> list[str]:
    parts = transform.split(" esp-")
    cipher = parts[0] if parts else ""
    auth = "esp-" + parts[1] if len(parts) > 1 else ""
    enc_name, enc_bits = names.esp_key_bits(_cipher_keyword(cipher))
    integ_name, integ_bits = names.esp_integ_bits(auth)
    return [line(x, "KNL", f"adding SAD entry with SPI {spi:08x} and reqid {{{reqid}}}"),
            line(x, "KNL", f"  using encryption algorithm {enc_name} with key size {enc_bits}"),
            line(x, "KNL", f"  using integrity algorithm {integ_name} with key size "
                           f"{integ_bits}"),
            line(x, "KNL", f"  using replay window of {32 if inbound else 0} packets"),
            line(x, "KNL", "  HW offload: no")]


def _cipher_keyword(shown: str) -> str:
    """IOS's shown transform name ("esp-256-aes") back to the keyword ("esp-aes 256")."""
    if shown.startswith("esp-") and shown.endswith("-aes"):
        return f"esp-aes {shown[4:-4]}"
    return shown


def _reqid(x: Ctx) -> int:
    child = _child(x)
    name = child.name if child is not None else "?"
    return x.state.reqids.setdefault(name, len(x.state.reqids) + 1)


def ipsec_sa_created(x: Ctx) -> list[str]:
    inbound = x.text("direction") == "inbound"
    if inbound and x.num("spi") in x.state.larval.get(x.serial, []):
        x.state.larval[x.serial].remove(x.num("spi"))
    out = _sad(x, x.num("spi"), x.text("transform"), inbound, _reqid(x))
    if inbound:
        x.state.spis[(x.serial, -1)] = x.num("spi")
        return out
    child = _child(x)
    x.state.child_ids += 1
    local, remote = x.net("local"), x.net("remote")
    spi_in = x.state.spis.pop((x.serial, -1), 0)
    name = child.name if child is not None else "?"
    return out + [line(x, "IKE", f"CHILD_SA {name}{{{x.state.child_ids}}} established with "
                                 f"SPIs {spi_in:08x}_i {x.num('spi'):08x}_o and TS "
                                 f"{local} === {remote}")]


def ipsec_install_failed(x: Ctx) -> list[str]:
    spi_in, spi_out = x.num("inbound_spi"), x.num("outbound_spi")
    reqid = _reqid(x)
    out: list[str] = []
    for spi, inbound in ((spi_in, True), (spi_out, False)):
        out += _sad(x, spi, x.text("transform"), inbound, reqid)
        out += [line(x, "KNL", "received netlink error: Function not implemented (38)"),
                line(x, "KNL", f"unable to add SAD entry with SPI {spi:08x} (FAILED)")]
    local, remote = x.state.qm_proxy.get((x.serial, x.num("message_id")), (None, None))
    out += [line(x, "IKE", "unable to install inbound and outbound IPsec SA (SAD) in kernel"),
            line(x, "IKE", "queueing INFORMATIONAL task")]
    for direction in ("in", "fwd"):
        out += [line(x, "KNL", f"deleting policy {remote} === {local} {direction}"),
                line(x, "KNL", f"deleting policy {remote} === {local} {direction} failed, "
                               "not found")]
    out += [line(x, "KNL", f"deleting SAD entry with SPI {spi_in:08x}"),
            line(x, "KNL", f"deleted SAD entry with SPI {spi_in:08x}"),
            line(x, "KNL", f"deleting SAD entry with SPI {spi_out:08x}"),
            line(x, "IKE", "activating new tasks"),
            line(x, "IKE", "  activating INFORMATIONAL task")]
    return out


def notify_tx(x: Ctx) -> list[str]:
    if x.text("notify_type") == "NO_PROPOSAL_CHOSEN" and x.num("protocol") == 3:
        return [line(x, "IKE", "activating new tasks"), line(x, "IKE", "nothing to initiate")]
    return []


def qm_delete(x: Ctx) -> list[str]:
    if x.text("reason").startswith("death by retransmission"):
        return [line(x, "IKE", "giving up after 5 retransmits")]
    return []


def ipsec_sa_expired(x: Ctx) -> list[str]:
    """The kernel SAs of a CHILD_SA destroyed with its IKE_SA (run A rt2: "deleting SAD entry
    with SPI …", "deleted SAD entry with SPI …")."""
    if x.text("reason") not in ("clear", "ike sa deleted"):
        return []
    out = []
    for spi in (x.num("inbound_spi"), x.num("outbound_spi")):
        out += [line(x, "KNL", f"deleting SAD entry with SPI {spi:08x}"),
                line(x, "KNL", f"deleted SAD entry with SPI {spi:08x}")]
    return out


CHILD_HANDLERS: dict[str, Callable[[Ctx], list[str]]] = {
    "spi_allocated": spi_allocated, "qm_request": qm_request,
    "ipsec_proposal_check": ipsec_proposal_check,
    "ipsec_atts_acceptable": ipsec_atts_acceptable,
    "ipsec_atts_not_acceptable": ipsec_atts_not_acceptable,
    "qm_sa_not_acceptable": qm_sa_not_acceptable, "ipsec_sa_created": ipsec_sa_created,
    "ipsec_install_failed": ipsec_install_failed, "notify_tx": notify_tx,
    "qm_delete": qm_delete, "ipsec_sa_expired": ipsec_sa_expired,
}
