"""Exec commands for the network features (OSPF, NAT, interfaces): their keyword paths and
handlers, registered into ``exec_parse.COMMANDS`` and ``commands._HANDLERS``. Handlers take the
IOS device and the parsed command and return the output lines; the show modules are imported
only when a command runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ikesim.ios.device import IosDevice
    from ikesim.ios.exec_parse import ExecCommand

NET_COMMANDS: dict[tuple[str, ...], str] = {
    ("show", "ip", "ospf", "neighbor"): "show_ip_ospf_neighbor",
    ("show", "ip", "nat", "translations"): "show_ip_nat_translations",
    ("clear", "ip", "nat", "translation"): "clear_ip_nat_translation",
    ("show", "interfaces"): "show_interfaces",
}
NET_NO_ARGS = {"show_ip_ospf_neighbor", "show_ip_nat_translations"}
NET_ROUTER_ONLY = {"show_ip_ospf_neighbor", "show_ip_nat_translations",
                   "clear_ip_nat_translation"}


def _show_ip_ospf_neighbor(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_ospf import show_ip_ospf_neighbor

    return show_ip_ospf_neighbor(device.node)


def _show_ip_nat_translations(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_nat import show_ip_nat_translations

    return show_ip_nat_translations(device.node)


def _clear_ip_nat_translation(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_nat import clear_ip_nat_translation

    return clear_ip_nat_translation(device.node, cmd.args)


def _show_interfaces(device: IosDevice, cmd: ExecCommand) -> list[str]:
    from ikesim.ios.show_interfaces import show_interfaces

    return show_interfaces(device.node, cmd.args)


NET_HANDLERS = {
    "show_ip_ospf_neighbor": _show_ip_ospf_neighbor,
    "show_ip_nat_translations": _show_ip_nat_translations,
    "clear_ip_nat_translation": _clear_ip_nat_translation,
    "show_interfaces": _show_interfaces,
}
