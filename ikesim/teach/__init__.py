"""Teaching pages generated from a catalogue of labs (``python3 -m ikesim.teach docs/``):
Markdown, HTML and worksheets.

``build`` and ``write`` are imported on first use: :mod:`ikesim.teach.facts` (the run facts
behind the pages) is also what ``ikesim.explain`` reads, and must import without the pages."""

from __future__ import annotations

from typing import Any

__all__ = ["build", "write"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ikesim.teach import pages

        return getattr(pages, name)
    raise AttributeError(name)
