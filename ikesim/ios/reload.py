"""A router that reloads (scenario event ``reload``): it forgets everything it learnt at run
time — ISAKMP and IPsec SAs, NAT translations, debug switches — keeps its configuration, is off
the network for the boot delay (its cables carry nothing: every neighbour sees its interface go
down, and up again), then comes back with a fresh uptime.

Console: the reload request before, the restart after (guess: the two IOS syslog lines are
written as remembered — ``%SYS-5-RELOAD: Reload requested by console. Reload Reason: Reload
Command.`` and ``%SYS-5-RESTART: System restarted --`` — not from a capture in
../shared/fidelity; the boot banner, ROMMON and the configuration parse are not printed). While
it is off the router prints nothing; the interfaces print their up lines once it is back
(``%LINK-3-UPDOWN``, ``%LINEPROTO-5-UPDOWN``, as for any link coming up).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ikesim.ios.device import IosDevice

RELOAD_TEXT = "%SYS-5-RELOAD: Reload requested by console. Reload Reason: Reload Command."
RESTART_TEXT = "%SYS-5-RESTART: System restarted --"


def reload(device: IosDevice, boot_delay: float) -> Generator[Any, Any, None]:
    """Power the router down, wait ``boot_delay`` seconds, bring it back (a simpy process)."""
    env, lab, name = device.env, device.lab, device.name
    if device.powered_off:
        return                                  # already reloading: one reload at a time
    device.print_async([(True, RELOAD_TEXT)])
    cables = [link for link in lab.links
              if name in (link.a.device.name, link.b.device.name) and link.up]
    device.powered_off = True
    device.debug.clear()                        # debugging is off after a reload
    lab.events.emit(env.now, name, "reload", state="down", boot_delay=boot_delay)
    for link in cables:
        link.set_up(False)
    if device.crypto is not None:
        device.crypto.reset()
    nat = getattr(device.node, "nat", None)
    if nat is not None:
        nat.clear()
    yield env.timeout(boot_delay)
    device.node.boot_offset = -env.now          # uptime counts from the restart
    device.powered_off = False
    lab.events.emit(env.now, name, "reload", state="up", boot_delay=boot_delay)
    device.print_async([(True, RESTART_TEXT)])
    for link in cables:
        link.set_up(True)
