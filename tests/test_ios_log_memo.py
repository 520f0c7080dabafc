"""The formatters' shortcuts (issue 14) print what the general path prints: memoised conn-id
prefixes (bounded), dotted quads without ipaddress objects, fields of mappings other than dict
read behind a guard."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ikesim.ike.events import IkeEvent
from ikesim.ios.log import DIALECT_TABLE, format_event
from ikesim.ios.log import dialects as dialects_module
from ikesim.ios.log.render import Ctx, dotted


def test_prefixes_stay_right_and_the_memo_bounded_past_its_size() -> None:
    for d in DIALECT_TABLE.values():
        for conn_id in range(0, 3 * dialects_module._PREFIXES_MAX, 7):
            assert d.prefix(d.sa, conn_id) == d.sa.replace("{c}", str(conn_id))
            assert len(dialects_module._PREFIXES) <= dialects_module._PREFIXES_MAX
    assert format_event("12.2", IkeEvent("duplicate", 1, 4097, {}))[0][1] == (
        "ISAKMP (0:4097): phase 1 packet is a duplicate of a previous packet.")


@given(st.integers(min_value=0, max_value=0xFFFFFFFF))
def test_dotted_int_is_ipaddress_text(value: int) -> None:
    assert dotted(value) == str(ipaddress.IPv4Address(value))


class _Hostile(Mapping[str, Any]):
    """A mapping whose every read fails."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no")

    def get(self, key: str, default: Any = None) -> Any:
        raise RuntimeError("no")

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_fields_of_a_failing_mapping_read_as_missing() -> None:
    x = Ctx(DIALECT_TABLE["15"], IkeEvent("tx", 1, 1001, _Hostile()), None)   # type: ignore
    assert (x.text("state"), x.num("sport"), x.ip(), x.flag("new_sa")) == ("", 0, "0.0.0.0",
                                                                          False)
    assert format_event("15", IkeEvent("tx", 1, 1001, _Hostile()))[0] == (  # type: ignore
        True, "ISAKMP:(1001): sending packet to 0.0.0.0 my_port 0 peer_port 0 (I) ")
