"""Tests for ikesim.ios.show_crypto: ``show crypto isakmp sa`` in the 12.2 and 15.x layouts."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

import pytest

from ikesim.ios.show_crypto import show_crypto_isakmp_sa

RT1 = int(IPv4Address("10.10.10.2"))
RT2 = int(IPv4Address("11.11.11.2"))

# Literal rows from the seed (/work/shared/seeds/000_3867bc4c10a91e5a.txt), RT2.
SEED_HEADER = "dst             src             state           conn-id    slot"
SEED_SETUP_1 = "11.11.11.2      10.10.10.2      MM_SA_SETUP           1       0"
SEED_SETUP_2 = "11.11.11.2      10.10.10.2      MM_SA_SETUP           2       0"
SEED_DELETED_1 = "11.11.11.2      10.10.10.2      MM_NO_STATE           1       0   (deleted)"
SEED_DELETED_2 = "11.11.11.2      10.10.10.2      MM_NO_STATE           2       0   (deleted)"


@dataclass
class Row:
    dst: int | str
    src: int | str
    state: str
    conn_id: int
    deleted: bool = False
    role: str = "R"


@dataclass
class SlotRow(Row):
    slot: int = 0
    status: str = "ACTIVE"


def test_12_2_empty_table_is_header_and_blank():
    assert show_crypto_isakmp_sa("12.2", []) == [SEED_HEADER, ""]


def test_12_2_seed_tables():
    assert show_crypto_isakmp_sa("12.2", [Row(RT2, RT1, "MM_SA_SETUP", 1)]) == [
        SEED_HEADER, SEED_SETUP_1, ""]
    both = [Row(RT2, RT1, "MM_SA_SETUP", 2), Row(RT2, RT1, "MM_SA_SETUP", 1, deleted=True)]
    assert show_crypto_isakmp_sa("12.2", both) == [SEED_HEADER, SEED_SETUP_2, SEED_DELETED_1, ""]
    last = [Row("11.11.11.2", "10.10.10.2", "MM_NO_STATE", 2, deleted=True)]
    assert show_crypto_isakmp_sa("12.2", last) == [SEED_HEADER, SEED_DELETED_2, ""]


def test_12_2_deleted_row_always_shows_no_state():
    rows = [Row(RT2, RT1, "QM_IDLE", 7, deleted=True), Row(RT2, RT1, "AG_INIT_EXCH", 8, True)]
    assert show_crypto_isakmp_sa("12.2", rows)[1:3] == [
        "11.11.11.2      10.10.10.2      MM_NO_STATE           7       0   (deleted)",
        "11.11.11.2      10.10.10.2      AG_NO_STATE           8       0   (deleted)",
    ]


def test_12_2_columns_align_with_header_for_wide_values():
    rows = [SlotRow(IPv4Address("192.168.100.200"), "172.16.255.254", "QM_IDLE", 12345, slot=3)]
    line = show_crypto_isakmp_sa("12.2", rows)[1]
    assert line == "192.168.100.200 172.16.255.254  QM_IDLE           12345       3"
    header = SEED_HEADER
    # conn-id and slot values are right-aligned under the end of their headings
    assert line.index("12345") + 5 == header.index("conn-id") + len("conn-id")
    assert len(line) == header.index("slot") + len("slot")


def test_15_layout():
    rows = [Row(RT1, RT2, "QM_IDLE", 1001), Row(RT1, RT2, "MM_NO_STATE", 1002, deleted=True),
            SlotRow(RT1, RT2, "MM_KEY_EXCH", 0, status="STDBY")]
    assert show_crypto_isakmp_sa("15", rows) == [
        "IPv4 Crypto ISAKMP SA",
        "dst             src             state          conn-id status",
        "10.10.10.2      11.11.11.2      QM_IDLE           1001 ACTIVE",
        "10.10.10.2      11.11.11.2      MM_NO_STATE       1002 ACTIVE (deleted)",
        "10.10.10.2      11.11.11.2      MM_KEY_EXCH          0 STDBY",
        "",
        "IPv6 Crypto ISAKMP SA",
        "",
    ]


def test_15_empty():
    assert show_crypto_isakmp_sa("15", []) == [
        "IPv4 Crypto ISAKMP SA",
        "dst             src             state          conn-id status",
        "",
        "IPv6 Crypto ISAKMP SA",
        "",
    ]


def test_rows_keep_caller_order():
    rows = [Row(RT2, RT1, "MM_SA_SETUP", n) for n in (3, 1, 2)]
    lines = show_crypto_isakmp_sa("12.2", rows)[1:-1]
    assert [int(line.split()[3]) for line in lines] == [3, 1, 2]


def test_12_4_layout_has_slot_and_status_columns():
    # trace 16 B (12.4T, EXACT as published): "QM_IDLE           1075    0 ACTIVE"
    rows = [Row(IPv4Address("192.168.1.2"), IPv4Address("10.1.1.2"), "QM_IDLE", 1075),
            Row(RT1, RT2, "MM_SA_SETUP", 1076, deleted=True)]
    assert show_crypto_isakmp_sa("12.4", rows) == [
        "IPv4 Crypto ISAKMP SA",
        "dst             src             state          conn-id slot status",
        "192.168.1.2     10.1.1.2        QM_IDLE           1075    0 ACTIVE",
        "10.10.10.2      11.11.11.2      MM_NO_STATE       1076    0 ACTIVE (deleted)",
        "",
        "IPv6 Crypto ISAKMP SA",
        "",
    ]


def test_xe_uses_the_15_layout():
    rows = [Row(RT1, RT2, "QM_IDLE", 1001)]
    assert show_crypto_isakmp_sa("xe", rows) == show_crypto_isakmp_sa("15", rows)


def test_unknown_dialect_rejected():
    with pytest.raises(ValueError, match="dialect"):
        show_crypto_isakmp_sa("12.3", [])


@pytest.mark.parametrize("bad", [-1, 2**32, "300.1.1.1", None, True])
def test_bad_address_rejected(bad):
    with pytest.raises(ValueError):
        show_crypto_isakmp_sa("12.2", [Row(bad, RT1, "MM_SA_SETUP", 1)])
    with pytest.raises(ValueError):
        show_crypto_isakmp_sa("15", [Row(RT2, bad, "MM_SA_SETUP", 1)])
