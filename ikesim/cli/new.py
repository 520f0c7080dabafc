"""``ikesim new LAB.yaml --from R1.cfg R2.cfg ...``: write a lab that uses real configurations
verbatim (links, an ISP router and PCs inferred from their addresses; see ikesim.labgen)."""

from __future__ import annotations

from pathlib import Path

import click

from ikesim.cli.common import guarded
from ikesim.errors import InputError


@click.command()
@click.argument("lab", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "configs", multiple=True, required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="A router configuration (show running-config or CLI script); give one "
                   "--from per file or several files after it.")
@click.argument("more", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, default=False, help="Overwrite LAB if it exists.")
@guarded
def new(lab: Path, configs: tuple[Path, ...], more: tuple[Path, ...], force: bool) -> None:
    """Write LAB.yaml, a lab built from the configurations given with --from."""
    from ikesim.labgen import build_lab

    paths = list(configs) + list(more)
    if lab.suffix not in (".yaml", ".yml"):
        raise InputError("the lab file must end in .yaml or .yml", file=str(lab))
    if lab.exists() and not force:
        raise InputError("the lab file exists (use --force to overwrite it)", file=str(lab))
    if any(p.resolve() == lab.resolve() for p in paths):
        raise InputError("the lab file is also one of the configurations", file=str(lab))
    folder = lab.parent.resolve()
    for path in paths:     # config_file is confined to the scenario's folder tree (loader)
        if not path.resolve().is_relative_to(folder):
            raise InputError(f"{path} is outside the lab's folder {folder}: config_file paths "
                             "must stay inside it (write the lab in a folder that contains "
                             "the configurations)", file=str(lab))
    text = build_lab(lab, paths)
    tmp = lab.with_name(f".{lab.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(lab)                  # never a half-written lab
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the lab: {exc.strerror}", file=str(lab)) from None
    click.echo(f"{lab}: lab with {len(paths)} routers written; run `ikesim validate {lab}`")
