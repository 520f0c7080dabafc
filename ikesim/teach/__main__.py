"""``python3 -m ikesim.teach OUT_DIR [--catalogue DIR]``: run every catalogue scenario and write
``OUT_DIR/faults/<name>.md`` and ``OUT_DIR/index.md`` (what ``make docs`` does)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ikesim.errors import IkesimError
from ikesim.teach.pages import write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m ikesim.teach", description=__doc__)
    parser.add_argument("out", type=Path, help="output folder (docs/)")
    parser.add_argument("--catalogue", type=Path, default=Path("scenarios/catalogue"),
                        help="folder of catalogue scenarios (default: scenarios/catalogue)")
    args = parser.parse_args(argv)
    if not args.catalogue.is_dir():
        print(f"ikesim.teach: error: {args.catalogue}: no such folder", file=sys.stderr)
        return 2
    try:
        written = write(args.out, args.catalogue, src_root=Path.cwd())
    except IkesimError as exc:
        print(f"ikesim.teach: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} pages under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
