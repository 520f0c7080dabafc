"""Issue 13 acceptance: ≥ 10,000 mutated and re-encrypted ISAKMP datagrams injected into the
running routers of the seed lab. The lab finishes, the consoles show IOS's syslog lines for
malformed packets, and RT2's own timeline is still the seed's (38/38, no extra event, same
tables).

IOS lines (../shared/fidelity/ios-facts.md §5): "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from X
failed its sanity check or is malformed" (PSK-mismatch captures, 08) and "%CRYPTO-4-IKMP_NO_SA:
IKE message from X has no SA and is not an initialization offer" (real syslog, 03/04).

What is injected, and why it cannot legitimately move the seed's SAs: datagrams claiming the
live SA's cookies are either of a kind with no row in that SA's state (any body), or of the kind
the state waits for but invalid by construction (a valid MM2 or MM3 from anyone holding the
cookies WOULD advance IKEv1 main mode, which has no authentication before MM5); datagrams with
other cookies have a non-zero responder cookie (no SA: IKMP_NO_SA) or are initial offers the
engine refuses before creating an SA (a 61 KB multi-proposal offer, extra payloads, truncation).
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from collections.abc import Generator
from pathlib import Path
from typing import Any

from hostile_ike import REFERENCE_NAMES, Reference, hostile, references, run_reference
from test_ike_hostile import hostile_mm1

from ikesim.ike.sa import MM_NO_STATE, MM_SA_SETUP
from ikesim.isakmp import (
    HEADER_LEN,
    Attribute,
    Header,
    IdPayload,
    KePayload,
    Message,
    NoncePayload,
    NotificationPayload,
    Proposal,
    SaPayload,
    Transform,
    encode_message,
)
from ikesim.net.addr import ip_to_int
from ikesim.net.packet import udp_packet
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "seed"
SEED = DATA / "000_3867bc4c10a91e5a.txt"
INJECTIONS = 10_500
START, END = 1.0, 258.0
RT1, RT2 = ip_to_int("10.10.10.2"), ip_to_int("11.11.11.2")
ATTACKER = ip_to_int("11.11.11.66")          # on the ISP-RT2 segment

REFS = references()
ENCRYPTED = [r for r in REFS if r.plaintext is not None]
BYTE_OPS = ("flip", "cut", "grow", "len")
PAYLOAD_OPS = ("drop", "dup", "swap", "insert", "resize")


def _ops(rng: random.Random, names: tuple[str, ...]) -> list[tuple[str, int, int]]:
    return [(rng.choice(names), rng.randrange(2_000), rng.randrange(256))
            for _ in range(rng.randint(1, 3))]


def _restamp(data: bytes, icookie: bytes, rcookie: bytes, like: bytes | None = None) -> bytes:
    """Put cookies on ``data``; ``like`` (a header) restores the octets that decide the kind of
    message (next payload, version, exchange, flags, message ID) after a body mutation."""
    buf = bytearray(data.ljust(HEADER_LEN, b"\0"))
    buf[0:16] = icookie + rcookie
    if like is not None:
        buf[16:24] = like[16:24]
    return bytes(buf)


def _sa(transforms: list[Transform], proposals: int = 1) -> SaPayload:
    return SaPayload([Proposal(p + 1, 1, b"", transforms) for p in range(proposals)])


def _ike_transform(number: int, encryption: int = 5) -> Transform:
    """RT1's offer (3DES/SHA/group 2/pre-share) with a changed encryption attribute."""
    return Transform(number, 1, [Attribute(1, encryption, tv=True), Attribute(2, 2, tv=True),
                                 Attribute(4, 2, tv=True), Attribute(3, 1, tv=True),
                                 Attribute(11, 1, tv=True), Attribute(12, 86400)])


def _plain(icky: bytes, rcky: bytes, payloads: list) -> bytes:
    return encode_message(Message(Header(icky, rcky, 0, 2), payloads))


# Messages of the kind a state waits for, invalid by construction.
def _bad_mm2s(icky: bytes, rcky: bytes) -> list[bytes]:       # to RT1, MM_NO_STATE (I)
    return [_plain(icky, rcky, p) for p in (
        [_sa([_ike_transform(1), _ike_transform(2)])],         # more than the one chosen
        [_sa([_ike_transform(9)])],                            # a number never offered
        [_sa([_ike_transform(1, encryption=1)])],              # DES instead of 3DES
        [_sa([_ike_transform(1)], proposals=2)],               # two proposals
        [_sa([_ike_transform(1)]), _sa([_ike_transform(1)])],  # two SA payloads
        [_sa([_ike_transform(1)]), KePayload(bytes(128))],     # a KE in MM2
    )]


def _bad_mm3s(icky: bytes, rcky: bytes, n: int) -> list[bytes]:   # to RT2, MM_SA_SETUP (R)
    ke, nonce = KePayload((n | 2).to_bytes(128, "big")), NoncePayload(bytes(20))
    return [_plain(icky, rcky, p) for p in (
        [nonce],                                               # no KE
        [ke, ke, nonce],                                       # two KEs
        [ke],                                                  # no nonce
        [ke, NoncePayload(bytes(n % 8))],                      # nonce shorter than 8
        [ke, NoncePayload(bytes(257 + n % 50))],               # nonce longer than 256
        [KePayload(bytes(64 + n % 64)), nonce],                # KE not the prime's length
        [KePayload(bytes(128)), nonce],                        # g^x = 0
        [KePayload(b"\xff" * 128), nonce],                     # g^x >= p - 1
        [ke, nonce, IdPayload(1, 17, 500, bytes(4))],          # an ID in MM3
    )]


def _refused_offers(icky: bytes, n: int) -> list[bytes]:      # new cookies, rejected before
    offer = _sa([_ike_transform(1)])                           # any SA exists
    whole = _plain(icky, bytes(8), [offer])
    return [hostile_mm1() if n % 7 == 0 else hostile_mm1(2 + n % 9, 1 + n % 255),
            _plain(icky, bytes(8), [offer, offer]),
            _plain(icky, bytes(8), [offer, KePayload(bytes(128))]),
            _plain(icky, bytes(8), [offer, NotificationPayload(24)]),
            whole[:HEADER_LEN + 10] + b"\0" * 6]


class Injector:
    """A simpy process sending hostile datagrams into RT1 and RT2 as if they came off the
    wire (their UDP stack delivers them to the ISAKMP service)."""

    def __init__(self, runtime: Runtime, seed: int = 13) -> None:
        self.rt = runtime
        self.rng = random.Random(seed)
        self.sent: Counter[str] = Counter()

    def _live(self, router: str) -> Any:
        crypto = self.rt.devices[router].crypto
        assert crypto is not None
        live = [sa for sa in crypto.engine.sas() if not sa.deleted]
        return live[-1] if live else None

    def _deliver(self, router: str, src: int, data: bytes) -> None:
        node = self.rt.devices[router].node
        dst = RT1 if router == "RT1" else RT2
        node.receive(udp_packet(src, dst, 500, 500, data), node.interfaces["FastEthernet1/0"])

    def _mutated(self, ref: Reference, *, structural: bool) -> bytes:
        # re-encrypted under the keys and IV of a reference engine waiting for ``ref``
        engine = self.engines_at[ref.index].engines[ref.datagram.dst]
        ops = _ops(self.rng, PAYLOAD_OPS if structural else BYTE_OPS)
        return hostile(ref, engine, ops, structural=structural, reencrypt=True,
                       with_hash=self.rng.random() < 0.5)

    def one(self) -> None:
        rng = self.rng
        router = rng.choice(("RT1", "RT2"))
        peer = RT2 if router == "RT1" else RT1
        sa = self._live(router)
        roll = rng.random()
        if sa is not None and roll < 0.5:
            self._live_cookies(router, peer, sa)
            return
        if roll < 0.62:
            kind = "refused offer"
            data = rng.choice(_refused_offers(rng.randbytes(8), rng.randrange(1_000)))
        elif roll < 0.70:
            kind = "garbage"
            data = rng.randbytes(rng.randrange(0, 120))
        else:
            kind = "unknown cookies, re-encrypted" if roll < 0.85 else "unknown cookies"
            ref = rng.choice(ENCRYPTED if roll < 0.85 else REFS)
            data = self._mutated(ref, structural=rng.random() < 0.5)
            data = _restamp(data, rng.randbytes(8), rng.randbytes(7) + b"\x01")
        self.sent[kind] += 1
        self._deliver(router, rng.choice((peer, ATTACKER)), data)

    def _live_cookies(self, router: str, peer: int, sa: Any) -> None:
        """Datagrams claiming the live SA's cookies, from its peer's address."""
        rng = self.rng
        icky, rcky = sa.icookie, sa.rcookie
        waits_for = "MM2" if (sa.role, sa.state) == ("I", MM_NO_STATE) else \
            "MM3" if (sa.role, sa.state) == ("R", MM_SA_SETUP) else None
        assert waits_for is not None, (sa.role, sa.state)     # the seed's only live states
        pick = rng.random()
        if pick < 0.3:
            kind = f"invalid {waits_for}"
            if waits_for == "MM2":
                data = rng.choice(_bad_mm2s(icky, rng.randbytes(7) + b"\x01"))
            else:
                data = rng.choice(_bad_mm3s(icky, rcky, rng.randrange(1_000)))
        else:
            # a kind with no row in this state (any body): encrypted main mode, quick mode and
            # informational messages re-encrypted with mutated plaintext, or the MM1 (to the
            # responder) / MM4 (to the initiator) with a mutated body
            kind = "no row, re-encrypted" if pick < 0.75 else "no row, mutated body"
            if pick < 0.75:
                ref = rng.choice(ENCRYPTED)
            else:
                ref = REFS[REFERENCE_NAMES.index("MM1" if waits_for == "MM3" else "MM4")]
            data = self._mutated(ref, structural=rng.random() < 0.5)
            data = _restamp(data, icky, rcky if waits_for == "MM3" else rng.randbytes(8),
                            like=ref.datagram.data)
        if data == sa.last_received:
            data += b"\0"                                   # never a duplicate of the real one
        self.sent[kind] += 1
        self._deliver(router, peer, data)

    def process(self) -> Generator[Any, Any, None]:
        env = self.rt.lab.env
        self.engines_at = [run_reference(drop_after=k) for k in range(len(REFERENCE_NAMES))]
        yield env.timeout(START)
        step = (END - START) / INJECTIONS
        for _ in range(INJECTIONS):
            self.one()
            yield env.timeout(step)


def run_injected() -> tuple[Runtime, Injector, str]:
    runtime = Runtime(load_scenario(ROOT / "scenarios" / "missing-return-route.yaml"))
    injector = Injector(runtime)
    runtime.lab.env.process(injector.process())
    result = runtime.run()
    return runtime, injector, result.transcript_text()


def test_seed_lab_survives_ten_thousand_hostile_datagrams(tmp_path: Path) -> None:
    runtime, injector, text = run_injected()
    assert sum(injector.sent.values()) == INJECTIONS >= 10_000
    assert min(injector.sent.values()) >= 200, injector.sent
    assert set(injector.sent) == {"refused offer", "garbage", "unknown cookies",
                                  "unknown cookies, re-encrypted", "invalid MM2",
                                  "invalid MM3", "no row, re-encrypted", "no row, mutated body"}
    lines = text.splitlines()
    bad = Counter(ln.split("IKE message from ")[1].split()[0] for ln in lines
                  if "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from " in ln)
    no_sa = [ln for ln in lines if "%CRYPTO-4-IKMP_NO_SA: IKE message from " in ln
             and ln.endswith("has no SA and is not an initialization offer")]
    assert bad["10.10.10.2"] > 1_000 and bad["11.11.11.2"] > 1_000, bad
    assert len(no_sa) > 1_000
    # RT2's own timeline: every seed event within ±1 s, nothing extra, the same tables
    transcript = tmp_path / "transcript.txt"
    transcript.write_text(text)
    proc = subprocess.run([sys.executable, str(DATA / "seed_timeline_check.py"), str(SEED),
                           str(transcript)], capture_output=True, text=True, check=False)
    assert "seed events matched 38/38, extra 0, tables match" in proc.stdout, proc.stdout
    assert proc.returncode == 0
    # and nothing of it created an SA: the routers hold exactly the seed's SAs
    for router in ("RT1", "RT2"):
        crypto = runtime.devices[router].crypto
        assert crypto is not None and crypto.engine.admission.accepted <= 2

