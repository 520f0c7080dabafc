"""Banners, one-line or multi-line, as IOS reads them: ``banner [motd|login|exec|incoming] D``,
text lines, and the closing delimiter ``D`` (the first character after the banner type, or the
two characters ``^C`` that ``show running-config`` prints for Ctrl-C). The whole banner is
accepted and listed in the router's warning. :data:`IGNORED_LINES_DOC` summarises what is
accepted without being modelled (docs/config-support.md has the full list)."""

from __future__ import annotations

from ikesim.ios.config.cursor import Cursor
from ikesim.ios.config.state import GLOBAL, Mode, ParserState

IGNORED_LINES_DOC = """\
Configuration lines ikesim accepts but does not model (DeviceConfig.ignored; one warning per
router lists them with their line numbers; `--strict` makes them errors):

  management plane: aaa, username, enable secret/password, logging, ntp, snmp-server, clock,
      line con 0 / line aux 0 / line vty 0 4 blocks (login, password, transport, exec-timeout,
      logging synchronous, privilege level, stopbits ...), archive, call-home, control-plane,
      banner motd|login|exec|incoming (one-line or multi-line), service ..., cdp, lldp
  platform, licence and boot: version, boot-start-marker, boot-end-marker, license, platform,
      memory-size, diagnostic, redundancy, mmi, scheduler, subscriber templating
  router services: ip cef, ip classless, ip subnet-zero, (no) ip domain lookup, ip domain name,
      (no) ip http server, ip forward-protocol nd, ip dhcp pool blocks, ip tcp synwait-time
  interface hardware: duplex auto, speed auto, clock rate, negotiation auto, media-type, no mop enabled,
      ip virtual-reassembly, ip tcp adjust-mss, bandwidth, load-interval, keepalive, cdp,
      enable secret / enable password
  IPv6 lines (the lab is IPv4-only), certificates no policy uses (crypto pki trustpoint and
      certificate chain), definitions nothing applies (ip prefix-list, class-map, ...)
Understood paste artefacts (no warning): !, blank lines, Building configuration...,
  Current configuration : N bytes, prompts (R1#, R1(config-if)#), enable, configure terminal,
  end, exit, write memory, copy running-config startup-config, do <exec command>.
Kept rather than ignored: interface `description TEXT`, crypto map `description TEXT`.
`no ip address` is understood: it clears the interface address.
"""

_BANNER_KINDS = ("motd", "login", "exec", "incoming", "slip-ppp", "prompt-timeout", "config-save")


def banner(st: ParserState, cur: Cursor) -> Mode | None:
    cur.opt_kw(_BANNER_KINDS)
    body = cur.rest()
    delim = "^C" if body.startswith("^C") else body[0]
    st.ignore(cur.raw.strip(), "management plane")
    if body.find(delim, len(delim)) >= 0:
        return None
    return ("banner", (delim, st.lineno))


def banner_body(st: ParserState, line: str) -> None:
    """A line inside a multi-line banner; the one holding the delimiter closes it."""
    delim, _start = st.mode[1]                # type: ignore[misc]
    st.ignore(line.strip(), "management plane")
    if delim in line:
        st.mode = GLOBAL


__all__ = ["IGNORED_LINES_DOC", "banner", "banner_body"]
