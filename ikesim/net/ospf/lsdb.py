"""An OSPF area's link-state database: LSA instances with their age on the simulated clock, and
RFC 2328 §13.1's "which instance is more recent"."""

from __future__ import annotations

from collections.abc import Iterator

from ikesim.net.ospf.packets import MAX_AGE, Lsa, LsaHeader

MAX_AGE_DIFF = 900  # seconds (RFC 2328 Appendix B)
LS_REFRESH_TIME = 1800  # self-originated LSAs are refreshed this often (Appendix B)


def compare(a: LsaHeader, b: LsaHeader) -> int:
    """1 if ``a`` is the more recent instance, -1 if ``b`` is, 0 if the same (§13.1)."""
    if a.sequence != b.sequence:
        return 1 if _seq(a.sequence) > _seq(b.sequence) else -1
    if a.checksum != b.checksum:
        return 1 if a.checksum > b.checksum else -1
    if (a.age >= MAX_AGE) != (b.age >= MAX_AGE):
        return 1 if a.age >= MAX_AGE else -1
    if abs(a.age - b.age) > MAX_AGE_DIFF:
        return 1 if a.age < b.age else -1
    return 0


def _seq(value: int) -> int:
    """LS sequence numbers are signed 32-bit (§12.1.6)."""
    return value - (1 << 32) if value & 0x80000000 else value


class Lsdb:
    """LSAs of one area by (type, link state ID, advertising router)."""

    def __init__(self) -> None:
        self._lsas: dict[tuple[int, int, int], tuple[Lsa, float]] = {}
        self.version = 0  # bumped on every change (SPF runs when it moved)

    def __len__(self) -> int:
        return len(self._lsas)

    def get(self, key: tuple[int, int, int]) -> Lsa | None:
        found = self._lsas.get(key)
        return None if found is None else found[0]

    def aged(self, key: tuple[int, int, int], now: float) -> Lsa | None:
        """The instance with its LS age as of ``now``."""
        found = self._lsas.get(key)
        if found is None:
            return None
        lsa, installed = found
        age = min(MAX_AGE, lsa.header.age + int(now - installed))
        return lsa if age == lsa.header.age else lsa.with_age(age)

    def install(self, lsa: Lsa, now: float) -> None:
        self._lsas[lsa.key] = (lsa, now)
        self.version += 1

    def newer_than_ours(self, header: LsaHeader, now: float) -> bool:
        ours = self.aged(header.key, now)
        return ours is None or compare(header, ours.header) > 0

    def headers(self, now: float) -> list[LsaHeader]:
        return [lsa.header for lsa in self.all(now)]

    def all(self, now: float) -> list[Lsa]:
        """Every instance, aged, in key order (deterministic database descriptions)."""
        out = []
        for key in sorted(self._lsas):
            lsa = self.aged(key, now)
            assert lsa is not None
            out.append(lsa)
        return out

    def live(self, now: float) -> Iterator[Lsa]:
        """Instances SPF may use: not at MaxAge (§16: MaxAge LSAs are ignored)."""
        for lsa in self.all(now):
            if lsa.header.age < MAX_AGE:
                yield lsa
