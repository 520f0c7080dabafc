"""``ikesim new LAB.yaml --from R1.cfg R2.cfg ...``: a lab (scenario) from real configurations.

:mod:`analyse` reads the files (features ikesim does not model are ignored, with comments),
:mod:`plan` infers links, an ISP router and PCs, :mod:`render` writes the scenario.
"""

from __future__ import annotations

from pathlib import Path

from ikesim.labgen.analyse import read_routers
from ikesim.labgen.plan import make_plan
from ikesim.labgen.render import render


def build_lab(lab_path: Path, config_paths: list[Path]) -> str:
    """The scenario text for ``lab_path`` built from ``config_paths`` (raises InputError)."""
    plan = make_plan(read_routers(config_paths))
    return render(plan, lab_path, [str(p) for p in config_paths])


__all__ = ["build_lab"]
