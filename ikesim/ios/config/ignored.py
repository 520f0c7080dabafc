"""Lines ikesim accepts without modelling them: banners, ``line con|aux|vty`` blocks,
``control-plane``; :data:`IGNORED_LINES_DOC` lists them all."""

from __future__ import annotations

from ikesim.ios.config.cursor import SEMANTIC, Cursor, ParseError
from ikesim.ios.config.state import ParserState

IGNORED_LINES_DOC = """\
Configuration lines ikesim accepts but does not model (recorded in DeviceConfig.ignored):

  !  (and any line starting with !), blank lines
  Building configuration..., Current configuration : N bytes   (pasted show running-config)
  version X
  service ...                      / no service ...
  enable secret ... / enable password ...
  boot-start-marker, boot-end-marker
  ip cef, no ip cef, ip classless, ip subnet-zero, ip routing, no ip routing
  ip domain lookup, no ip domain lookup, no ip domain-lookup, ip domain-name X, ip domain name X
  ip http server, no ip http server, no ip http secure-server
  control-plane
  banner motd|login|exec|incoming DtextD   (one-line banners only)
  line con 0 / line aux 0 / line vty 0 4 blocks and, under them:
      logging synchronous, login, no login, exec-timeout M [S], password X,
      transport input|output ..., privilege level N
  crypto isakmp identity address, crypto isakmp enable
  under interface: duplex auto|half|full, speed auto|10|100|1000, clock rate N
  under crypto map: description TEXT
  access-list N remark TEXT, remark TEXT (named access lists)
  end, exit
Kept rather than ignored: interface `description TEXT` (InterfaceConfig.description).
`no ip address` is understood: it clears the interface address.
"""


def banner(st: ParserState, cur: Cursor) -> None:
    cur.opt_kw(("motd", "login", "exec", "incoming"))
    body = cur.rest()
    delim = "^C" if body.startswith("^C") else body[0]
    if body.find(delim, len(delim)) < 0:
        raise ParseError("% Multi-line banners are not supported by ikesim (close the banner "
                         f"with {delim} on the same line)", SEMANTIC)



def vty_line(st: ParserState, cur: Cursor) -> None:
    cmd = cur.kw(("logging", "login", "no", "exec-timeout", "password", "transport",
                  "privilege"))
    if cmd == "no":
        cur.kw(("login",))
    elif cmd == "logging":
        cur.kw(("synchronous",))
    elif cmd == "exec-timeout":
        cur.integer(0, 35791, "exec-timeout minutes")
        if not cur.done():
            cur.integer(0, 2147483, "exec-timeout seconds")
    elif cmd in ("password", "transport"):
        cur.rest()
    elif cmd == "privilege":
        cur.kw(("level",))
        cur.integer(0, 15, "privilege level")
    cur.end()
    st.ignore(cur.raw.strip())


def control_plane_line(st: ParserState, cur: Cursor) -> None:
    raise cur.fail()       # nothing is configured under control-plane here


