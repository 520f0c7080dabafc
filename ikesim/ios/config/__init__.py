"""IOS configuration text -> :class:`ikesim.net.config.DeviceConfig`.

A configuration is read like a ``show running-config`` or like lines pasted at a console. Every
line is understood (and lands in the data model with its 1-based line number), or is a paste
artefact (prompts, ``configure terminal``, ``end``...), or is accepted without being modelled
(management plane, interface hardware: ``DeviceConfig.ignored``, listed in one warning per
router), or belongs to a feature ikesim does not model (an error naming the feature, unless the
scenario ignores it: ``DeviceConfig.unmodelled``), or is an error. All errors of a text are
raised together as :class:`ConfigErrors`, each with its line and IOS's ``^`` marker.

Parsing follows the IOS CLI: keywords are case-insensitive and may be abbreviated to any
unambiguous prefix (``int fa0/0``, ``no shut``, ``ip add``, ``encr 3des``); an ambiguous prefix
is ``% Ambiguous command``; numbers are ASCII digits only.

Modules: :mod:`cursor` (words, keywords, numbers), :mod:`dispatcher` (modes, paste artefacts,
error collection), :mod:`global_mode`, one module per feature (:mod:`interface`,
:mod:`tunnel`, :mod:`acl`, :mod:`routing`, :mod:`ospf`, :mod:`natroute`, :mod:`isakmp`,
:mod:`keyring`, :mod:`ipsec`, :mod:`cryptomap`, :mod:`pki`), :mod:`catalogue` /
:mod:`accepted` (lines accepted or not modelled), :mod:`features`, :mod:`report`.
"""

from __future__ import annotations

from ikesim.ios.config.cursor import mask_length, match_keyword, parse_ipv4
from ikesim.ios.config.dispatcher import apply_config_lines, parse_config
from ikesim.ios.config.features import FEATURES
from ikesim.ios.config.ignored import IGNORED_LINES_DOC
from ikesim.ios.config.report import ConfigErrors, ConfigLineError, config_warnings
from ikesim.ios.config.tables import ACL_PROTOCOLS, ICMP_TYPES, TCP_PORTS, UDP_PORTS

__all__ = ["ACL_PROTOCOLS", "FEATURES", "ICMP_TYPES", "IGNORED_LINES_DOC", "TCP_PORTS",
           "UDP_PORTS", "ConfigErrors", "ConfigLineError", "apply_config_lines",
           "config_warnings", "mask_length", "match_keyword", "parse_config", "parse_ipv4"]
