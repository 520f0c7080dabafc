"""Reading the configurations a lab is built from: each file is parsed as ``ikesim validate``
would; features ikesim does not model are collected (the generated scenario ignores them, with a
comment saying so) and any other error stops the generation with every bad line listed."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

from ikesim.errors import InputError
from ikesim.ios.config import FEATURES, ConfigErrors, parse_config
from ikesim.net.config import DeviceConfig

_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.()-]*")
# Interfaces that never face a link in a lab.
_VIRTUAL = ("Loopback", "Tunnel", "Null", "Virtual-", "NVI", "Dialer", "BVI")


@dataclass
class Router:
    """One configuration file, parsed, with the name it gets in the lab."""

    path: Path
    name: str
    config: DeviceConfig
    config_hostname: str | None = None       # set when the lab renames the router
    ignore: list[str] = field(default_factory=list)
    ignored_lines: dict[str, list[int]] = field(default_factory=dict)   # feature -> lines
    has_hostname: bool = True                # the file has a `hostname` line

    def physical(self) -> list[tuple[str, ipaddress.IPv4Interface]]:
        """Interfaces that can face a link: addressed, up, not virtual."""
        return [(name, iface.address) for name, iface in self.config.interfaces.items()
                if iface.address is not None and not iface.shutdown
                and not name.startswith(_VIRTUAL)]

    def peers(self) -> set[ipaddress.IPv4Address]:
        """Crypto map peers and tunnel destinations: where its IKE has to reach."""
        crypto = self.config.crypto
        found = {p for entries in crypto.maps.values() for e in entries for p in e.peers}
        found |= {iface.tunnel.destination for iface in self.config.interfaces.values()
                  if iface.tunnel is not None and iface.tunnel.destination is not None}
        return found

    def has_crypto(self) -> bool:
        crypto = self.config.crypto
        return bool(crypto.maps or crypto.ipsec_profiles or crypto.policies)

    def gateways(self) -> list[ipaddress.IPv4Address]:
        """Next hops of its static routes, default route first."""
        routes = sorted(self.config.static_routes, key=lambda r: r.prefix.prefixlen)
        return [r.next_hop for r in routes if r.next_hop is not None]


_NO_HOSTNAME = "\x00"        # parse default: tells a missing `hostname` line apart


def _parse(path: Path, text: str, ignore: list[str]) -> DeviceConfig:
    return parse_config(text, file=str(path), hostname=_NO_HOSTNAME, ignore=ignore)


def _stem_name(path: Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]", "-", path.stem).strip("-") or "R"
    return stem if stem[0].isalpha() else f"R-{stem}"


def read_router(path: Path) -> Router:
    """Parse one file; features ikesim does not model are ignored (and remembered)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read configuration: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("configuration is not UTF-8 text", file=str(path)) from None
    ignore: list[str] = []
    lines: dict[str, list[int]] = {}
    for _attempt in range(len(FEATURES) + 1):
        try:
            config = _parse(path, text, ignore)
            break
        except ConfigErrors as exc:
            features = [getattr(e, "feature", None) for e in exc.errors]
            if not all(features):         # a real error: the lab cannot be built from it
                raise ConfigErrors([e for e, f in zip(exc.errors, features, strict=True)
                                    if f is None]) from None
            ignore += sorted({f for f in features if f is not None and f not in ignore})
    else:                                              # pragma: no cover - FEATURES is finite
        raise InputError("too many features not modelled", file=str(path))
    for line, feature in config.unmodelled:
        lines.setdefault(feature, []).append(line)
    return Router(path=path, name=config.hostname, config=config, ignore=ignore,
                  ignored_lines=lines)


def read_routers(paths: list[Path]) -> list[Router]:
    """All the files, with unique lab names (a repeated hostname gets ``-2``, ``-3`` ...)."""
    routers: list[Router] = []
    used: set[str] = set()
    for path in paths:
        router = read_router(path)
        declared = router.config.hostname
        if declared == _NO_HOSTNAME:          # no `hostname` line: the lab names it
            declared = router.config.hostname = _stem_name(path)
            router.has_hostname = False
        name = declared if _SAFE_NAME.fullmatch(declared) else _stem_name(path)
        base, n = name, 2
        while name.lower() in used or name.upper() == "ISP":
            name, n = f"{base}-{n}", n + 1
        if name != declared and router.has_hostname:
            router.config_hostname = declared
        router.name = name
        used.add(name.lower())
        routers.append(router)
    return routers


__all__ = ["Router", "read_router", "read_routers"]
