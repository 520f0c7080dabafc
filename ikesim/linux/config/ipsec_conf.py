"""libreswan's ``ipsec.conf`` (``config setup`` and ``conn`` sections, ipsec.conf(5)) and
``ipsec.secrets`` (PSK lines, ipsec.secrets(5)) → connections and secrets.

A section starts at the beginning of a line (``config setup``, ``conn NAME``); its parameters
are indented ``key=value`` lines; ``#`` starts a comment; ``conn %default`` gives defaults to
the conns after it. ``left`` is this gateway (ikesim does not swap left and right by address).
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable

from ikesim.errors import InputError
from ikesim.linux.config.algorithms import AlgorithmError, esp_proposals, ike_proposals
from ikesim.linux.config.model import Child, Connection, Secret
from ikesim.linux.config.swanctl import identity

SETUP_KEYS = ("plutodebug", "logfile", "logtime", "logappend", "logip", "protostack",
              "ikev1-policy", "uniqueids", "virtual-private", "nat_traversal", "listen",
              "plutostderrlog", "dumpdir", "nssdir", "secretsfile", "ipsecdir")
CONN_KEYS = ("left", "right", "leftid", "rightid", "leftsubnet", "rightsubnet", "authby",
             "ike", "phase2", "phase2alg", "esp", "pfs", "pfsgroup", "ikelifetime",
             "salifetime", "keylife", "lifetime", "ikev2", "keyexchange", "aggressive",
             "aggrmode", "encapsulation", "auto", "keyingtries", "type", "retransmit-interval",
             "retransmit-timeout", "leftnexthop", "rightnexthop", "initial-contact",
             "fragmentation", "ike-frag", "rekey", "rekeymargin", "rekeyfuzz", "dpddelay",
             "dpdtimeout", "dpdaction", "leftsourceip", "narrowing", "sha2-truncbug",
             "nat-ikev1-method")
CONN_UNMODELLED = ("also", "leftcert", "rightcert", "leftrsasigkey", "rightrsasigkey",
                   "leftxauthserver", "rightxauthserver", "leftxauthclient",
                   "rightxauthclient", "leftmodecfgserver", "rightmodecfgserver",
                   "leftmodecfgclient", "rightmodecfgclient", "leftaddresspool",
                   "rightaddresspool", "leftprotoport", "rightprotoport", "compress", "mark",
                   "vti-interface", "ipsec-interface", "leftsubnets", "rightsubnets")
_LINE = re.compile(r"^([A-Za-z0-9_\-]+)\s*=\s*(.*)$")
_TIME = re.compile(r"^(\d{1,9})\s*([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_CONNS = 1000


def parse_ipsec_conf(text: str, *, file: str, line_offset: int = 0
                     ) -> tuple[list[Connection], dict[str, str]]:
    """(connections, `config setup` values)."""
    def error(reason: str, line: int, shown: str | None = None) -> InputError:
        return InputError(reason, file=file, line=line + line_offset, text=shown)

    setup: dict[str, str] = {}
    defaults: dict[str, tuple[str, int]] = {}
    conns: list[tuple[str, int, dict[str, tuple[str, int]]]] = []
    section: dict[str, tuple[str, int]] | None = None
    kind = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.split("#", 1)[0].rstrip()
        if not body.strip():
            continue
        if not raw[0].isspace():
            words = body.split()
            if words == ["config", "setup"]:
                kind, section = "setup", {}
            elif len(words) == 2 and words[0] == "conn":
                if words[1] == "%default":
                    kind, section = "default", defaults
                else:
                    if any(c[0] == words[1] for c in conns):
                        raise error(f"conn '{words[1]}' is defined twice", number)
                    if len(conns) >= MAX_CONNS:
                        raise error(f"more than {MAX_CONNS} conns", number)
                    kind, section = "conn", {}
                    conns.append((words[1], number, section))
            elif words[0] == "include":
                raise error("'include' is not supported in a lab: put the conns in this file",
                            number)
            elif words[0] == "version":
                continue             # "version 2" (FreeS/WAN heritage) is accepted
            else:
                raise error("expected 'config setup' or 'conn NAME' at the start of a line "
                            "(parameters are indented)", number, body.strip())
            continue
        if section is None:
            raise error("parameter outside a section (start with 'config setup' or "
                        "'conn NAME')", number, body.strip())
        m = _LINE.match(body.strip())
        if not m:
            raise error("expected key=value", number, body.strip())
        key, value = m.group(1), _unquote(m.group(2).strip())
        allowed, unmodelled = (SETUP_KEYS, ()) if kind == "setup" else (CONN_KEYS,
                                                                        CONN_UNMODELLED)
        if key in unmodelled:
            raise error(f"'{key}' is not supported by ikesim", number)
        if key not in allowed:
            where = "config setup" if kind == "setup" else "a conn"
            raise error(f"unknown key '{key}' in {where} (expected one of: "
                        f"{', '.join(allowed)})", number)
        if key in section and kind != "default":
            raise error(f"'{key}' is set twice (first on line "
                        f"{section[key][1] + line_offset})", number)
        section[key] = (value, number)
        if kind == "setup":
            setup[key] = value
    return [_conn(name, line, {**defaults, **values}, error) for name, line, values in conns], \
        setup


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _seconds(value: str) -> int:
    m = _TIME.match(value.strip().lower())
    if not m:
        raise ValueError(f"'{value}' is not a time such as 3600, 60m, 8h or 1d")
    return int(m.group(1)) * _UNIT[m.group(2)]


def _conn(name: str, line: int, values: dict[str, tuple[str, int]],
          error: Callable[..., InputError]) -> Connection:
    where = f"conn '{name}'"

    def get(key: str, default: str | None = None) -> tuple[str | None, int]:
        value, at = values.get(key, (default, line))
        return value, at

    conn = Connection(name, line=line + 0)
    if get("ikev2", "permit")[0] not in ("no", "never"):
        raise error(f"{where}: ikesim speaks IKEv1 only: set ikev2=no", get("ikev2")[1])
    if get("keyexchange", "ike")[0] not in ("ike", "ikev1"):
        raise error(f"{where}: keyexchange must be ike", get("keyexchange")[1])
    if get("aggressive", "no")[0] not in ("no",) or get("aggrmode", "no")[0] != "no":
        raise error(f"{where}: aggressive mode is not supported by ikesim", line)
    if get("authby", "rsasig")[0] != "secret":
        raise error(f"{where}: authby={get('authby', 'rsasig')[0]} is not supported by "
                    "ikesim (authby=secret)", get("authby")[1])
    if get("type", "tunnel")[0] != "tunnel":
        raise error(f"{where}: type={get('type')[0]} is not supported by ikesim (tunnel)",
                    get("type")[1])
    if get("encapsulation", "auto")[0] == "yes":
        raise error(f"{where}: encapsulation=yes is not supported by ikesim",
                    get("encapsulation")[1])
    for side in ("left", "right"):
        value, at = get(side)
        if value is None:
            raise error(f"{where} needs '{side}='", line)
        try:
            address = ipaddress.IPv4Address(value)
        except ValueError:
            if side == "right" and value in ("%any", "%any4"):
                conn.remote_addrs = [ipaddress.IPv4Network("0.0.0.0/0")]
                continue
            raise error(f"{side}=: '{value}' is not an IPv4 address (ikesim does not resolve "
                        "%defaultroute or names)", at) from None
        if side == "left":
            conn.local_addrs = [address]
        else:
            conn.remote_addrs = [ipaddress.IPv4Network(f"{address}/32")]
    # rightid defaults to the peer's address: pluto checks it (ipsec.conf(5) "leftid=
    # … defaults to the IP address of left")
    if conn.remote_addrs and conn.remote_addrs[0].prefixlen == 32:
        conn.remote_id = identity(str(conn.remote_addrs[0].network_address))
    for side, attr in (("leftid", "local_id"), ("rightid", "remote_id")):
        value, at = get(side)
        if value == "%any":
            setattr(conn, attr, None)
        elif value is not None:
            try:
                setattr(conn, attr, identity(value))
            except ValueError as exc:
                raise error(f"{where}: {side}: {exc}", at) from None
    value, at = get("ike")
    if value is None:
        raise error(f"{where} needs 'ike=' (ikesim does not fill in pluto's default IKE "
                    "algorithms)", line)
    try:
        conn.proposals = ike_proposals(value, daemon="libreswan")
    except AlgorithmError as exc:
        raise error(f"{where}: {exc}", at, value) from None

    def timed(key: str, default: str) -> int:
        """A time value, or an error at the line of its key."""
        value, at = get(key, default)
        try:
            return _seconds(value or default)
        except ValueError as exc:
            raise error(f"{where}: {key}: {exc}", at) from None

    conn.ike_lifetime = timed("ikelifetime", "8h")
    life = timed(next((k for k in ("salifetime", "keylife", "lifetime") if k in values),
                      "salifetime"), "8h")
    # ipsec.conf(5) rekeymargin, default 9m (pluto_constants.h SA_REPLACEMENT_MARGIN_DEFAULT);
    # a margin not shorter than salifetime is halved (connections.c: "rekeymargin (%jds) >=
    # salifetime (%jds); reducing rekeymargin to %jds seconds")
    conn.rekey_margin = timed("rekeymargin", "9m")
    if conn.rekey_margin >= life:
        conn.rekey_margin = life // 2
    fuzz, at_f = get("rekeyfuzz", "100%")
    m = re.fullmatch(r"(\d{1,4})%", (fuzz or "100%").strip())
    if m is None:
        raise error(f"{where}: rekeyfuzz: '{fuzz}' is not a percentage such as 100%", at_f)
    conn.rekey_fuzz = int(m.group(1))
    rekey, at_r = get("rekey", "yes")
    if rekey not in ("yes", "no"):
        raise error(f"{where}: rekey: '{rekey}' is not yes or no", at_r)
    conn.rekey = rekey == "yes"
    # ipsec.conf(5) keyingtries: "a whole number or %forever" (0 = forever)
    tries_text, at_k = get("keyingtries", "0")
    if re.fullmatch(r"[0-9]{1,6}|%forever", (tries_text or "0").strip()) is None:
        raise error(f"{where}: keyingtries: '{tries_text}' is not a number or %forever", at_k)
    tries = 0 if (tries_text or "").strip() == "%forever" else int(tries_text or "0")
    interval, at_i = get("retransmit-interval")
    if interval is not None:
        # ipsec.conf(5): "retransmit-interval=" is in milliseconds unless a unit is given
        m = re.fullmatch(r"(\d{1,7})(ms|s)?", interval.strip())
        if m is None or int(m.group(1)) == 0:
            raise error(f"{where}: retransmit-interval: '{interval}' is not a time such as "
                        "500 (ms) or 1s", at_i)
        conn.retransmit_interval = int(m.group(1)) / (1 if m.group(2) == "s" else 1000)
    if get("retransmit-timeout")[0] is not None:
        conn.retransmit_timeout = float(timed("retransmit-timeout", "60s"))
    conn.keyingtries = tries
    p2, at = get("phase2alg", get("esp")[0])
    if p2 is None:
        raise error(f"{where} needs 'phase2alg=' (ikesim does not fill in pluto's default ESP "
                    "algorithms)", line)
    try:
        esp = esp_proposals(p2)
    except AlgorithmError as exc:
        raise error(f"{where}: {exc}", at, p2) from None
    pfs = get("pfs", "yes")[0] == "yes"
    group = get("pfsgroup")[0]
    if pfs:
        # pfs=yes (the default): the phase-1 group unless phase2alg or pfsgroup name one
        base = conn.proposals[0].group
        if group is not None:
            try:
                base = ike_proposals(f"3des-sha1-{group}", daemon="libreswan")[0].group
            except AlgorithmError as exc:
                raise error(f"{where}: pfsgroup: {exc}", get("pfsgroup")[1]) from None
        esp = [e if e.pfs_group else type(e)(e.transform, base, e.text) for e in esp]
    else:
        esp = [type(e)(e.transform, None, e.text) for e in esp]
    auto = get("auto", "ignore")[0]
    if auto not in ("add", "start", "ondemand", "route", "ignore"):
        raise error(f"{where}: auto must be add, start, ondemand, route or ignore",
                    get("auto")[1], auto)
    subnets = []
    for side in ("leftsubnet", "rightsubnet"):
        value, at = get(side)
        if value is None:
            addr = conn.local_addrs[0] if side == "leftsubnet" else None
            if addr is None:
                raise error(f"{where} needs 'rightsubnet=' (host-to-host conns are not "
                            "supported by ikesim)", line)
            subnets.append(ipaddress.IPv4Network(f"{addr}/32"))
            continue
        try:
            subnets.append(ipaddress.IPv4Network(value, strict=True))
        except ValueError:
            raise error(f"{side}: '{value}' is not an IPv4 subnet", at) from None
    action = {"start": "start", "ondemand": "trap", "route": "trap"}.get(auto or "", "none")
    conn.children = [Child(name, [subnets[0]], [subnets[1]], esp, "tunnel", action,
                           life, life, line)]
    conn.auto = auto or "ignore"
    return conn


def parse_ipsec_secrets(text: str, *, file: str, line_offset: int = 0) -> list[Secret]:
    """``[ID [ID …]] : PSK "secret"`` lines (ipsec.secrets(5)); an indented line continues the
    previous entry."""
    out: list[Secret] = []
    entries: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.split("#", 1)[0].rstrip() if '"' not in raw else raw.rstrip()
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        if raw[0].isspace() and entries:
            entries[-1] = (entries[-1][0], entries[-1][1] + " " + body.strip())
        else:
            entries.append((number, body.strip()))
    for number, body in entries:
        def error(reason: str, n: int = number) -> InputError:
            return InputError(reason, file=file, line=n + line_offset)
        if body.startswith("include"):
            raise error("'include' is not supported in a lab: put the secrets in this file")
        if ":" not in body:
            raise error("expected 'ID ID : PSK \"secret\"'")
        left, _, right = body.partition(":")
        try:
            words = shlex.split(right)
        except ValueError:
            raise error("unterminated quoted secret") from None
        if len(words) != 2 or words[0] != "PSK":
            kind = words[0] if words else ""
            if kind in ("RSA", "XAUTH", "ECDSA", "PIN", "NULL"):
                raise error(f"{kind} secrets are not supported by ikesim (only PSK)")
            raise error("expected ': PSK \"secret\"'")
        secret = Secret(words[1], line=number + line_offset, file=file)
        for word in left.split():
            if word in ("%any", "%any4", "0.0.0.0"):
                continue
            try:
                secret.ids.append(identity(word))
            except ValueError as exc:
                raise error(str(exc)) from None
        if not secret.secret:
            raise error("empty PSK")
        out.append(secret)
    return out
