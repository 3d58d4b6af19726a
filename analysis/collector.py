"""Python's cyclic garbage collector paused around work that makes many objects that all stay alive.

One helper for every layer (the readers, the pipeline, the report), so that each pause restores
the collector as it found it, nested or not.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """No cyclic garbage collection while the block runs (restored after, as it was).

    For blocks that make many objects that all stay alive: loading a library
    (scipy, statsmodels, matplotlib), drawing the report's pages, reading a
    Strava activities.csv (a list per record, a dict per run and log entry).
    Every pass of the collector walks the objects of the generations it
    collects, the loaded libraries' included once they are old, and finds
    nothing to free there. Reference counting still frees whatever is not in a
    cycle. Nested, or two threads at once: the collector is enabled again when
    the block that found it enabled is done.

    ``freeze``: then move every object alive to the collector's permanent
    generation (:func:`gc.freeze`), so that no later pass walks them again:
    for a library just loaded, whose objects live as long as the process.
    Cycles among those objects that later become garbage are not collected.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
