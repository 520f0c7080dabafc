"""Teaching pages generated from a catalogue of labs (``python3 -m ikesim.teach docs/``):
Markdown, HTML and worksheets."""

from ikesim.teach.pages import build, write

__all__ = ["build", "write"]
