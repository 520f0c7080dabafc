"""The comparison behind the fidelity suite: normalisation and the in-order share (LCS)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ikesim.fidelity.compare import debug_lines, lcs_length, normalise, score


def test_normalise_what_legitimately_differs() -> None:
    a = normalise("*Oct 25 18:53:16.485: ISAKMP-PAK: (1001):sending packet to 203.0.113.1 "
                  "my_port 500 peer_port 500 (I) MM_KEY_EXCH")
    b = normalise("00:01:01: ISAKMP-PAK: (9577):sending packet to 77.77.77.77 my_port 500 "
                  "peer_port 500 (I) MM_KEY_EXCH   ")
    assert a == b == ("ISAKMP-PAK: (C):sending packet to <ip> my_port 500 peer_port 500 (I) "
                      "MM_KEY_EXCH")
    # conn-id 0 is a behaviour (no keys yet): kept
    assert normalise("ISAKMP:(0):found peer") != normalise("ISAKMP:(1001):found peer")
    assert normalise("ISAKMP (0:9577): received") == normalise("ISAKMP (0:1): received")
    assert normalise("M-ID of -889293300") == normalise("M-ID of 1327257875") == "M-ID of <mid>"
    assert normalise("message ID = 0") == "message ID = 0"
    assert normalise("sa = 8000730939974E40") == normalise("sa = 66825864") == "sa = <hex>"
    assert normalise("\tnext-payload : 8") == normalise("        next-payload : 8")
    assert normalise("SA authentication status:\tauthenticated") == \
        "SA authentication status: authenticated"
    # a human transcription is compared more loosely
    assert normalise("ISAKMP-ERROR: (0): attrs are not acceptable. Next payload is 0",
                     transcribed=True) == "ISAKMP-ERROR: (0):atts are not acceptable. Next payload is 0"
    # an address the write-up masked is an address
    assert normalise("Created a peer struct for 86.183.x.y, peer port 500") == \
        normalise("Created a peer struct for 86.183.1.2, peer port 500")
    # the old-form prefix with and without "0:" (12.4T and 15.x) are different lines
    assert normalise("ISAKMP (0:0): ID payload") != normalise("ISAKMP (0): ID payload")
    assert normalise("ISAKMP (0:1001): ID payload") == "ISAKMP (0:C): ID payload"
    row = normalise("100.0.10.2      100.12.82.2     MM_NO_STATE      29188 ACTIVE (deleted)",
                    table=True)
    assert row == "<ip> <ip> MM_NO_STATE <conn> ACTIVE (deleted)"


def test_debug_lines_keep_continuations_and_drop_commands() -> None:
    lines = ["spoke1#ping 1.2.3.4", "Type escape sequence to abort.",
             "*Oct 25 18:53:16.531: ISAKMP: (1001):ID payload ", "        next-payload : 8",
             "", "spoke1#show crypto isakmp sa", "IPv4 Crypto ISAKMP SA",
             "ins.ert sa successfully sa = 66825864"]
    assert debug_lines(lines) == [lines[2], lines[3], lines[7]]


def test_score_in_order_and_truncated_last_line() -> None:
    s = score(["a", "b", "c"], ["a", "x", "c", "b"])
    assert (s.real, s.reproduced) == (3, 2) and len(s.missing) == 1
    cut = score(["a", "ISAKMP (0:1): retr"], ["a", "ISAKMP (0:1): retransmitting due to x"],
                truncated=True)
    assert cut.share == 1.0


def _lcs_reference(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a)):
        for j in range(len(b)):
            table[i + 1][j + 1] = (table[i][j] + 1 if a[i] == b[j]
                                   else max(table[i][j + 1], table[i + 1][j]))
    return table[-1][-1]


lines = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=12)


@given(lines, lines)
def test_lcs_is_the_longest_common_subsequence(a: list[str], b: list[str]) -> None:
    length, used = lcs_length(a, b)
    assert length == _lcs_reference(a, b) == len(used)
    # the lines it says it used really are a subsequence of b, in order
    it = iter(b)
    assert all(any(a[i] == y for y in it) for i in used)
