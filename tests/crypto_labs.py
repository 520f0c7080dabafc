"""Small two-router labs for the crypto feature tests: PC1 - RT1 - ISP - RT2 - PC2 with
configurable router configurations (the topology of the catalogue's labs)."""

from __future__ import annotations

from pathlib import Path
from textwrap import indent

from scapy.layers.inet import IP

from ikesim.net.capture import Recorder
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import RunResult, Runtime

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "scenarios" / "catalogue"

ISAKMP = """crypto isakmp policy 10
 encr aes 256
 hash sha256
 authentication pre-share
 group 14
"""


def router(n: int, body: str, *, outside: str = "", after: str = "",
           default: bool = True) -> str:
    """A router's config: ``body`` (crypto, tunnels), its LAN 172.16.n.0/24 on Fa0/0, the
    outside interface Fa1/0 (RT1 10.10.10.2, RT2 11.11.11.2) with the ``outside`` lines (e.g.
    a crypto map), a default route to the ISP, then ``after`` (routes, ACLs)."""
    address = "10.10.10.2" if n == 1 else "11.11.11.2"
    gateway = address.rsplit(".", 1)[0] + ".1"
    route = f"ip route 0.0.0.0 0.0.0.0 {gateway}\n" if default else ""
    extra = "".join(f" {line.strip()}\n" for line in outside.strip().splitlines())
    return (f"hostname RT{n}\n{body.strip()}\ninterface FastEthernet0/0\n ip address 172.16.{n}.1 "
            f"255.255.255.0\ninterface FastEthernet1/0\n ip address {address} 255.255.255.0\n"
            + extra + route + (after.strip() + "\n" if after.strip() else ""))


def lab_text(rt1: str, rt2: str, events: list[str], *, duration: int = 40,
             platform: str = "ios15") -> str:
    def block(name: str, config: str) -> str:
        return f"  {name}:\n    platform: {platform}\n    config: |\n" + indent(config, "      ")
    return ("name: lab\nseed: 1\nduration: " f"{duration}s\nrouters:\n" + block("RT1", rt1)
            + block("RT2", rt2) + "  ISP:\n    config: |\n      hostname ISP\n"
            "      interface FastEthernet0/0\n       ip address 10.10.10.1 255.255.255.0\n"
            "      interface FastEthernet1/0\n       ip address 11.11.11.1 255.255.255.0\n"
            "hosts:\n  PC1: {address: 172.16.1.2/24, gateway: 172.16.1.1}\n"
            "  PC2: {address: 172.16.2.2/24, gateway: 172.16.2.1}\nlinks:\n"
            "  - {a: PC1 Fa0/0, b: RT1 Fa0/0, delay: 1ms}\n"
            "  - {a: RT1 Fa1/0, b: ISP Fa0/0, delay: 2ms}\n"
            "  - {a: ISP Fa1/0, b: RT2 Fa1/0, delay: 2ms}\n"
            "  - {a: RT2 Fa0/0, b: PC2 Fa0/0, delay: 1ms}\nevents:\n"
            + "".join(f"  - {e}\n" for e in events))


class Ran:
    """A finished run with its frames on the ISP's links."""

    def __init__(self, runtime: Runtime, recorder: Recorder, result: RunResult) -> None:
        self.runtime, self.recorder, self.result = runtime, recorder, result
        self.text = result.transcript_text()

    def events(self, kind: str, **where: object) -> list[dict]:
        return [e.fields | {"device": e.device, "time": e.time}
                for e in self.result.events.of_kind(kind)
                if all(e.fields.get(k) == v or (k == "device" and e.device == v)
                       for k, v in where.items())]

    def ike(self, event: str, device: str | None = None) -> list[dict]:
        return [e for e in self.events("ike", event=event)
                if device is None or e["device"] == device]

    def isp_protocols(self) -> set[int]:
        """IP protocols of every frame that crossed a link of the ISP."""
        return {IP(f.data).proto for f in self.recorder.frames if f.link is not None
                and "ISP" in (f.sender.device, f.receiver.device)}

    def service(self, name: str):  # type: ignore[no-untyped-def]
        return self.runtime.devices[name].crypto

    def node(self, name: str):  # type: ignore[no-untyped-def]
        return self.runtime.devices[name].node


def run_text(tmp_path: Path, text: str) -> Ran:
    path = tmp_path / "lab.yaml"
    path.write_text(text)
    return run_path(path)


def run_path(path: Path, capture: bool = False) -> Ran:
    runtime = Runtime(load_scenario(path))
    recorder = Recorder(runtime.lab)
    return Ran(runtime, recorder, runtime.run())


def blocks(text: str, prompt: str) -> list[str]:
    """The outputs of the commands typed at ``prompt`` (``RT1#show crypto ipsec sa``)."""
    import re
    return [re.split(r"\n(?:\S+#|\d\d:\d\d:\d\d)", b)[0] for b in text.split(prompt)[1:]]
