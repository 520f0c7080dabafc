"""The fuzz targets (tests/fuzz, run long by `make fuzz`) replayed on their seeds and on
random bytes (hypothesis), so a parser that starts raising an untyped error fails here too."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "fuzz"))

from seeds import seeds  # noqa: E402
from targets import TARGETS  # noqa: E402

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_pass_through_the_target(name: str) -> None:
    corpus = list(seeds(name))
    assert len(corpus) >= 5
    for data in corpus:
        TARGETS[name](data)


@pytest.mark.parametrize("name", sorted(TARGETS))
@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes(name: str, data: bytes) -> None:
    TARGETS[name](data)


@SETTINGS
@given(prefix=st.sampled_from([b"name: x\nrouters:\n  RT1: |\n    hostname RT1\n",
                               b"routers: {", b"- [", b"name: &a [*a]"]),
       tail=st.text(alphabet=st.sampled_from(list("[]{}:-&*!|>'\"#\n \t,?ab1")), max_size=80))
def test_yaml_shaped_text(prefix: bytes, tail: str) -> None:
    TARGETS["yaml_scenario"](prefix + tail.encode())


def test_the_codec_seeds_are_real_isakmp() -> None:
    from ikesim.isakmp import decode_message

    plain = [d for d in seeds("isakmp_codec") if not d[19] & 1]
    assert plain and all(decode_message(d).payloads for d in plain)
