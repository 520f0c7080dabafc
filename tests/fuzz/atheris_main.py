"""libFuzzer entry point: ``python tests/fuzz/atheris_main.py TARGET [libFuzzer options]``."""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["ikesim"]):
    import targets  # noqa: E402


def main() -> None:
    target = targets.TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
