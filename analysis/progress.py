"""Progress on the terminal for the steps of a command that take more than a second.

Two helpers over tqdm, used by the loader (files imported), the command line
(the analysis) and the report (pages drawn):

* :func:`bar` counts something (files, pages);
* :func:`stage` is for a step with nothing to count: one line naming the step
  and the time it has taken so far.

Both go to stderr, appear only once the step has run for ``delay`` seconds
(1 s), vanish when it ends, and are silent when stderr is not a terminal
(logs, pipes, notebooks, tests) unless ``progress=True`` asks for them.
``progress=False`` (``--no-progress``) silences them everywhere.

The ticking line of :func:`stage` is redrawn by a small thread because tqdm
only redraws when it is updated; that thread is the one hand-written part.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any

#: seconds a step runs before its progress appears
DELAY_S = 1.0


def wanted(progress: bool | None = None, stream: IO | None = None) -> bool:
    """Whether to show progress: as asked, or (``None``) when the stream (stderr) is a terminal."""
    if progress is not None:
        return bool(progress)
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def bar(iterable=None, *, desc: str, total: float | None = None, unit: str = "it",
        progress: bool | None = None, delay: float = DELAY_S, **kwargs: Any):
    """A tqdm progress bar on stderr (a disabled one, which counts silently, when not :func:`wanted`).

    Parameters
    ----------
    iterable : iterable, optional
        What to wrap, as ``tqdm(iterable)``; or update the bar by hand.
    desc, total, unit :
        As tqdm's (e.g. ``desc="importing", unit="file"``).
    progress : bool, optional
        True/False to force; None: only on a terminal.
    delay : float
        Seconds before the bar first appears (tqdm's ``delay``).
    **kwargs :
        Passed on to tqdm (``initial``, ``bar_format``...).
    """
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False, delay=delay,
                disable=not wanted(progress), dynamic_ncols=True, **kwargs)


@contextlib.contextmanager
def stage(desc: str, *, progress: bool | None = None, delay: float = DELAY_S) -> Iterator[None]:
    """Show ``desc: 00:03`` (the time so far) while the ``with`` block runs, once it has run ``delay`` s."""
    if not wanted(progress):
        yield
        return
    line = bar(desc=desc, progress=True, delay=delay, bar_format="{desc}: {elapsed}")
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.5):
            line.update(0)  # redraws the time (once ``delay`` has passed) and lets close() clear the line

    ticker = threading.Thread(target=tick, name="runlog-progress", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        line.close()


__all__ = ["DELAY_S", "bar", "stage", "wanted"]
