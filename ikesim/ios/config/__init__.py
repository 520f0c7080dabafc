"""IOS configuration text -> :class:`ikesim.net.config.DeviceConfig`.

Every line is either understood (and lands in the data model with its 1-based line number), or
accepted-and-ignored (see :data:`IGNORED_LINES_DOC`; kept in ``DeviceConfig.ignored``), or it
raises :class:`ikesim.errors.InputError` with the line number, the line and an IOS-like reason.

Parsing follows the IOS CLI: keywords are case-insensitive and may be abbreviated to any
unambiguous prefix (``int fa0/0``, ``no shut``, ``ip add``, ``encr 3des``); an ambiguous prefix
is ``% Ambiguous command``. Submode lines (under ``interface``, ``crypto isakmp policy``, ...)
may be indented or not.

Modules: :mod:`cursor` (words, keywords, numbers), :mod:`dispatcher` (modes, the driver),
one module per feature (:mod:`interface`, :mod:`acl`, :mod:`routing`, :mod:`isakmp`,
:mod:`ipsec`, :mod:`cryptomap`, ...) and :mod:`ignored` (accepted, not modelled).
"""

from __future__ import annotations

from ikesim.ios.config.cursor import mask_length, match_keyword, parse_ipv4
from ikesim.ios.config.dispatcher import apply_config_lines, parse_config
from ikesim.ios.config.ignored import IGNORED_LINES_DOC
from ikesim.ios.config.tables import ACL_PROTOCOLS, ICMP_TYPES, TCP_PORTS, UDP_PORTS

__all__ = ["ACL_PROTOCOLS", "ICMP_TYPES", "IGNORED_LINES_DOC", "TCP_PORTS", "UDP_PORTS",
           "apply_config_lines", "mask_length", "match_keyword", "parse_config", "parse_ipv4"]
