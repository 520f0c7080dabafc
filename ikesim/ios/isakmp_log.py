"""Moved: the IOS debug formatters live in :mod:`ikesim.ios.log` (one module per concern and a
dialect table). This name stays importable for code written against it."""

from __future__ import annotations

from ikesim.ios.log import (
    DIALECTS,
    EVENT_KINDS,
    Line,
    attribute_line,
    dotted,
    format_event,
    format_ipsec_event,
)

__all__ = ["DIALECTS", "EVENT_KINDS", "Line", "attribute_line", "dotted", "format_event",
           "format_ipsec_event"]
