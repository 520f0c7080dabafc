"""Teaching pages generated from the fault catalogue (``python3 -m ikesim.teach docs/``)."""

from ikesim.teach.pages import build, write

__all__ = ["build", "write"]
