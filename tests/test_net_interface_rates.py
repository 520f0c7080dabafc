"""`show interfaces` rates (ikesim/net/interface.py): samples closed by traffic are folded into
the rates only when read, with exactly the figures folding each at once gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.net.interface import MAX_CLOSED, SAMPLE, Interface, _fold


class _Eager:
    """The rates folded as each packet closes a sample (the reference)."""

    def __init__(self) -> None:
        self.rates = [[0.0, 0.0, 0, 0, 0], [0.0, 0.0, 0, 0, 0]]
        self.totals = [[0, 0], [0, 0]]
        self.roll = [SAMPLE, SAMPLE]

    def count(self, direction: int, size: int, now: float) -> None:
        if now >= self.roll[direction]:
            r = self.rates[direction]
            _fold(r, int(now / SAMPLE), *self.totals[direction])
            self.roll[direction] = (r[2] + 1) * SAMPLE
        self.totals[direction][0] += size
        self.totals[direction][1] += 1

    def rate(self, direction: int, now: float) -> tuple[int, int]:
        r = list(self.rates[direction])
        _fold(r, int(now / SAMPLE), *self.totals[direction])
        return int(r[0]), int(r[1])


_steps = st.lists(st.tuples(st.floats(0, 40, allow_nan=False), st.integers(0, 1),
                            st.integers(28, 1500), st.booleans()),
                  min_size=1, max_size=300)


@settings(max_examples=150, deadline=None)
@given(_steps)
def test_rates_read_late_equal_rates_folded_at_once(steps: list) -> None:
    iface = Interface(None, "FastEthernet0/0")  # type: ignore[arg-type]
    eager = _Eager()
    now = 0.0
    for gap, direction, size, read in steps:
        now += gap
        (iface.count_in if direction == 0 else iface.count_out)(size, now)
        eager.count(direction, size, now)
        if read:
            for d, name in ((0, "in"), (1, "out")):
                assert iface.rate(name, now) == eager.rate(d, now)
    for d, name in ((0, "in"), (1, "out")):
        assert iface.rate(name, now + 17.0) == eager.rate(d, now + 17.0)
        assert iface.rates[d] == eager.rates[d]


def test_closed_samples_waiting_to_be_folded_are_bounded() -> None:
    iface = Interface(None, "FastEthernet0/0")  # type: ignore[arg-type]
    for n in range(10 * MAX_CLOSED):            # one packet per sample, never read
        iface.count_in(100, n * SAMPLE + 1.0)
    assert len(iface._closed[0]) <= MAX_CLOSED
    bits, packets = iface.rate("in", 10 * MAX_CLOSED * SAMPLE)
    assert bits > 0 and packets == 0            # 1 packet / 5 s rounds down to 0 pps
