"""Garbage collection during a run: the lab built before it is frozen (issue 14, linearity).

CPython's full collections traverse every tracked object. A lab of N spokes keeps its devices,
interfaces, routes and SAs alive for the whole run, so each full collection during the run cost
more as N grew: ~4-5 % of a 3,000-spoke storm's CPU time against 0.4 % at 100 spokes (measured
with ``gc.callbacks``, docs/scaling.md). ``gc.freeze()`` moves the objects that exist when the
run starts to the permanent generation, which collections skip; ``gc.unfreeze()`` hands them
back when the run ends. Both are constant-time list moves. Nothing is collected first (that
would cost milliseconds on the seed lab's 5 ms budget); cycles made during the build are simply
collected after the run.

Only the outermost run freezes, and only when nothing else in the process has frozen objects
(an embedding program, a nested run in ``ikesim explain``): its freeze is left alone.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def heap_frozen() -> Iterator[bool]:
    """Freeze the objects alive now for the enclosed run; yields whether this call froze them."""
    if gc.get_freeze_count():
        yield False
        return
    gc.freeze()
    try:
        yield True
    finally:
        gc.unfreeze()
