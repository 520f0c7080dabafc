"""``python -m ikesim.fidelity [--page docs/fidelity.md] [--min SHARE]``: run every covered
capture's lab, print the fidelity table, optionally write the page; exit 1 when a covered
capture is below its target (or ``--min``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ikesim.fidelity.measure import measure
from ikesim.fidelity.report import page, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ikesim.fidelity")
    parser.add_argument("--page", type=Path, help="write the fidelity page (Markdown) here")
    args = parser.parse_args(argv)
    results = measure()
    print(table(results))
    if args.page is not None:
        args.page.write_text(page(results), encoding="utf-8")
        print(f"wrote {args.page}")
    low = [m.capture.key for m in results
           if m.score is not None and m.score.share < m.capture.target]
    if low:
        print(f"below target: {', '.join(low)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
