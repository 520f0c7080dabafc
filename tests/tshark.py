"""Locating Wireshark's tshark for the oracle tests: a missing tshark fails them, never skips."""

from __future__ import annotations

import shutil

import pytest


def tshark_path() -> str:
    path = shutil.which("tshark")
    if path is None:
        pytest.fail("tshark is not on PATH: the Wireshark oracle tests cannot run. Install the "
                    "Debian package tshark (`make system-deps`) and run the tests again.")
    return path
