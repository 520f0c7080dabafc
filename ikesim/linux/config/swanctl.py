"""``swanctl.conf`` (strongSwan 5.9, swanctl.conf(5)): connections, children and IKE secrets →
:class:`~ikesim.linux.config.model.Connection` / :class:`Secret`.

Keys ikesim models are read; keys swanctl knows that a lab does not model are an error saying
so (never silently ignored), any other key is "unknown" with the list of keys expected there.
"""

from __future__ import annotations

import ipaddress
import re

from ikesim.errors import InputError
from ikesim.linux.config.algorithms import AlgorithmError, esp_proposals, ike_proposals
from ikesim.linux.config.model import (
    ID_FQDN,
    ID_IPV4_ADDR,
    ID_USER_FQDN,
    CharonTimers,
    Child,
    Connection,
    Identity,
    Secret,
)
from ikesim.linux.config.settings import Section, parse_settings

CONN_KEYS = ("version", "local_addrs", "remote_addrs", "proposals", "aggressive", "encap",
             "dpd_delay", "dpd_timeout", "keyingtries", "rekey_time", "over_time",
             "reauth_time", "rand_time", "unique", "fragmentation", "mobike", "send_certreq",
             "send_cert", "local_port", "remote_port")
CONN_UNMODELLED = ("vips", "pull", "dscp", "childless", "ppk_id", "ppk_required", "pools",
                   "if_id_in", "if_id_out", "mediation", "mediated_by", "mediation_peer")
AUTH_KEYS = ("auth", "id", "round")
AUTH_UNMODELLED = ("certs", "pubkeys", "eap_id", "aaa_id", "xauth_id", "groups",
                   "cert_policy", "cacerts", "ca_id", "revocation")
CHILD_KEYS = ("local_ts", "remote_ts", "esp_proposals", "mode", "start_action", "rekey_time",
              "life_time", "rand_time", "dpd_action", "close_action", "updown", "policies",
              "rekey_bytes", "life_bytes", "rand_bytes", "rekey_packets", "life_packets",
              "rand_packets", "hostaccess", "replay_window", "copy_df", "copy_ecn", "copy_dscp")
CHILD_UNMODELLED = ("ah_proposals", "sha256_96", "policies_fwd_out", "ipcomp", "inactivity",
                    "reqid", "priority", "interface", "mark_in", "mark_in_sa", "mark_out",
                    "set_mark_in", "set_mark_out", "tfc_padding", "hw_offload", "label",
                    "label_mode")
TOP_SECTIONS = ("connections", "secrets")
_TIME = re.compile(r"^(\d{1,9})\s*([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_YES, _NO = ("yes", "true", "enabled", "1"), ("no", "false", "disabled", "0")


def parse_swanctl(text: str, *, file: str, line_offset: int = 0
                  ) -> tuple[list[Connection], list[Secret]]:
    root = parse_settings(text, file=file, line_offset=line_offset)
    reader = _Reader(file)
    for key, (_value, line) in root.values.items():
        raise reader.error(f"unknown key '{key}' at the top level (expected sections: "
                           f"{', '.join(TOP_SECTIONS)})", line)
    for name in root.order:
        if name not in TOP_SECTIONS:
            known = name in ("pools", "authorities")
            raise reader.error(f"section '{name}' is not supported by ikesim" if known else
                               f"unknown section '{name}' (expected: "
                               f"{', '.join(TOP_SECTIONS)})", root.sections[name].line)
    conns = root.sections.get("connections")
    secrets = root.sections.get("secrets")
    connections = [reader.connection(conns.sections[n]) for n in conns.order] if conns else []
    if conns is not None:
        for key, (_v, line) in conns.values.items():
            raise reader.error(f"unknown key '{key}' in connections (a connection is a "
                               "section: NAME { … })", line)
    found = [reader.secret(secrets.sections[n]) for n in secrets.order] if secrets else []
    if secrets is not None:
        for key, (_v, line) in secrets.values.items():
            raise reader.error(f"unknown key '{key}' in secrets (a secret is a section: "
                               "ike-NAME { … })", line)
    return connections, found


def identity(text: str) -> Identity:
    """strongSwan identity syntax: an address, ``@fqdn``/a dotted name, or ``user@domain``."""
    text = text.strip()
    try:
        return Identity(ID_IPV4_ADDR, str(ipaddress.IPv4Address(text)))
    except ValueError:
        pass
    if text.startswith("@"):
        text = text.lstrip("@")
        if text.startswith("#") or not text:
            raise ValueError("binary or empty identities are not supported")
        return Identity(ID_FQDN, text)
    if "@" in text:
        return Identity(ID_USER_FQDN, text)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-]*", text):
        raise ValueError(f"identity {text!r} is not an address, FQDN or e-mail address")
    return Identity(ID_FQDN, text)


def seconds(value: str) -> int:
    m = _TIME.match(value.strip().lower())
    if not m:
        raise ValueError(f"'{value}' is not a time such as 3600, 60m, 4h or 1d")
    return int(m.group(1)) * _UNIT[m.group(2)]


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, reason: str, line: int, text: str | None = None) -> InputError:
        return InputError(reason, file=self.file, line=line, text=text)

    def _keys(self, sec: Section, where: str, known: tuple[str, ...],
              unmodelled: tuple[str, ...]) -> None:
        for key, (_value, line) in sec.values.items():
            if key in known:
                continue
            if key in unmodelled:
                raise self.error(f"'{key}' in {where} is not supported by ikesim", line)
            raise self.error(f"unknown key '{key}' in {where} (expected one of: "
                             f"{', '.join(known)})", line)

    def _bool(self, sec: Section, key: str, default: bool) -> bool:
        if key not in sec.values:
            return default
        value, line = sec.values[key]
        if value.lower() in _YES:
            return True
        if value.lower() in _NO:
            return False
        raise self.error(f"{key} must be yes or no", line, value)

    def _time(self, sec: Section, key: str, default: int) -> int:
        if key not in sec.values:
            return default
        value, line = sec.values[key]
        try:
            return seconds(value)
        except ValueError as exc:
            raise self.error(str(exc), line) from None

    def connection(self, sec: Section) -> Connection:
        where = f"connection '{sec.name}'"
        self._keys(sec, where, CONN_KEYS, CONN_UNMODELLED)
        conn = Connection(sec.name, line=sec.line)
        version, line = sec.values.get("version", ("0", sec.line))
        if version != "1":
            raise self.error(f"{where}: ikesim speaks IKEv1 only: set version = 1", line,
                             None if "version" not in sec.values else version)
        if self._bool(sec, "aggressive", False):
            raise self.error(f"{where}: aggressive mode is not supported by ikesim",
                             sec.values["aggressive"][1])
        for key in ("encap",):
            if self._bool(sec, key, False):
                raise self.error(f"{where}: {key} = yes (forced UDP encapsulation) is not "
                                 "supported by ikesim", sec.values[key][1])
        if self._time(sec, "dpd_delay", 0):
            raise self.error(f"{where}: dead peer detection (dpd_delay) is not supported by "
                             "ikesim yet", sec.values["dpd_delay"][1])
        conn.local_addrs = [a.network_address for a in self._addrs(sec, "local_addrs",
                                                                    host_only=True)]
        conn.remote_addrs = self._addrs(sec, "remote_addrs", host_only=False)
        if "proposals" not in sec.values:
            raise self.error(f"{where} needs 'proposals' (strongSwan's default IKE proposals "
                             "start with algorithms ikesim does not implement)", sec.line)
        value, line = sec.values["proposals"]
        try:
            conn.proposals = ike_proposals(value, daemon="strongswan")
        except AlgorithmError as exc:
            raise self.error(f"{where}: {exc}", line, value) from None
        rekey = self._time(sec, "rekey_time", 14400)
        reauth = self._time(sec, "reauth_time", 0)
        # over_time defaults to 10 % of rekey/reauth (swanctl.conf(5)); MM1 offers
        # (reauth or rekey) + over_time (main_mode.c build_i())
        base = reauth or rekey
        over = self._time(sec, "over_time", base // 10)
        conn.ike_lifetime = base + over
        # charon's own IKE_SA timers (ike_sa.c set_state(): "scheduling rekeying in", "maximum
        # IKE_SA lifetime"); rand_time defaults to over_time (swanctl.conf(5))
        conn.timers = CharonTimers(rekey, reauth, over, self._time(sec, "rand_time", over))
        conn.keyingtries = self._time(sec, "keyingtries", 1)
        for side in ("local", "remote"):
            auth_sections = [n for n in sec.order if n == side or n.startswith(side + "-")]
            if len(auth_sections) > 1:
                raise self.error(f"{where}: several {side} rounds are not supported by ikesim",
                                 sec.sections[auth_sections[1]].line)
            if auth_sections:
                self._auth(sec.sections[auth_sections[0]], conn, side, where)
        for name in sec.order:
            if name not in ("children", "local", "remote") \
                    and not name.startswith(("local-", "remote-")):
                raise self.error(f"unknown section '{name}' in {where} (expected local, "
                                 "remote, children)", sec.sections[name].line)
        children = sec.sections.get("children")
        if children is not None:
            for key, (_v, line) in children.values.items():
                raise self.error(f"unknown key '{key}' in {where} children (a child is a "
                                 "section: NAME { … })", line)
            conn.children = [self.child(children.sections[n], where) for n in children.order]
        return conn

    def _addrs(self, sec: Section, key: str, *, host_only: bool) -> list[ipaddress.IPv4Network]:
        if key not in sec.values:
            if host_only:
                raise self.error(f"connection '{sec.name}' needs '{key}' (ikesim does not pick "
                                 "a source address for you)", sec.line)
            return [ipaddress.IPv4Network("0.0.0.0/0")]
        value, line = sec.values[key]
        out = []
        for part in (p.strip() for p in value.split(",")):
            if part in ("%any", "%any4", "0.0.0.0/0") and not host_only:
                out.append(ipaddress.IPv4Network("0.0.0.0/0"))
                continue
            try:
                net = ipaddress.IPv4Network(part, strict=True)
            except ValueError:
                raise self.error(f"{key}: '{part}' is not an IPv4 address"
                                 + ("" if host_only else " or %any"), line) from None
            if host_only and net.prefixlen != 32:
                raise self.error(f"{key}: '{part}' must be one address", line)
            out.append(net)
        return out

    def _auth(self, sec: Section, conn: Connection, side: str, where: str) -> None:
        self._keys(sec, f"{where} {side}", AUTH_KEYS, AUTH_UNMODELLED)
        auth, line = sec.values.get("auth", ("pubkey", sec.line))
        if auth != "psk":
            raise self.error(f"{where} {side}: auth = {auth} is not supported by ikesim "
                             "(only psk)", line)
        if "id" in sec.values:
            value, line = sec.values["id"]
            try:
                ident = identity(value)
            except ValueError as exc:
                raise self.error(f"{where} {side}: {exc}", line) from None
            if side == "local":
                conn.local_id = ident
            else:
                conn.remote_id = ident

    def child(self, sec: Section, where: str) -> Child:
        where = f"{where} child '{sec.name}'"
        self._keys(sec, where, CHILD_KEYS, CHILD_UNMODELLED)
        child = Child(sec.name, line=sec.line)
        for key in ("local_ts", "remote_ts"):
            if key not in sec.values:
                raise self.error(f"{where} needs '{key}' (ikesim does not derive traffic "
                                 "selectors from the addresses)", sec.line)
            value, line = sec.values[key]
            nets = []
            for part in (p.strip() for p in value.split(",")):
                try:
                    nets.append(ipaddress.IPv4Network(part, strict=True))
                except ValueError:
                    raise self.error(f"{key}: '{part}' is not an IPv4 subnet", line) from None
            setattr(child, key, nets)
        if "esp_proposals" not in sec.values:
            raise self.error(f"{where} needs 'esp_proposals' (strongSwan's default ESP "
                             "proposals start with AES-GCM, which ikesim does not implement)",
                             sec.line)
        value, line = sec.values["esp_proposals"]
        try:
            child.esp = esp_proposals(value)
        except AlgorithmError as exc:
            raise self.error(f"{where}: {exc}", line, value) from None
        mode, line = sec.values.get("mode", ("tunnel", sec.line))
        if mode != "tunnel":
            raise self.error(f"{where}: mode = {mode} is not supported by ikesim (tunnel)",
                             line)
        action, line = sec.values.get("start_action", ("none", sec.line))
        if action not in ("none", "trap", "start"):
            raise self.error(f"{where}: start_action must be none, trap or start", line, action)
        child.start_action = action
        child.rekey_time = self._time(sec, "rekey_time", 3600)
        child.life_time = self._time(sec, "life_time", child.rekey_time * 11 // 10)
        if "life_bytes" in sec.values:
            # swanctl load_conns.c parse_bytes(): a number with an optional K, M or G (×1024)
            value, line = sec.values["life_bytes"]
            m = re.fullmatch(r"(\d{1,18})\s*([kKmMgG]?)", value.strip())
            if m is None:
                raise self.error(f"{where}: life_bytes: '{value}' is not a size such as "
                                 "500000 or 1G", line)
            power = " kmg".index(m.group(2).lower() or " ")
            child.life_bytes = int(m.group(1)) * 1024 ** power
        return child

    def secret(self, sec: Section) -> Secret:
        if not sec.name.startswith("ike"):
            kind = sec.name.split("-")[0]
            known = kind in ("eap", "xauth", "ntlm", "private", "rsa", "ecdsa", "pkcs8",
                             "pkcs12", "token")
            raise self.error(f"secret '{sec.name}' is not supported by ikesim (only ike "
                             "secrets)" if known else f"unknown secret type '{sec.name}' "
                             "(expected ike-NAME)", sec.line)
        for name in sec.order:
            raise self.error(f"unknown section '{name}' in secret '{sec.name}'",
                             sec.sections[name].line)
        secret = Secret("", line=sec.line, file=self.file)
        for key, (value, line) in sec.values.items():
            if key == "secret":
                secret.secret = value
            elif key == "id" or key.startswith("id-"):
                try:
                    secret.ids.append(identity(value))
                except ValueError as exc:
                    raise self.error(f"secret '{sec.name}': {exc}", line) from None
            else:
                raise self.error(f"unknown key '{key}' in secret '{sec.name}' (expected id, "
                                 "id-NAME, secret)", line)
        if not secret.secret:
            raise self.error(f"secret '{sec.name}' has no 'secret'", sec.line)
        return secret
