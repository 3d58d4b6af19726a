"""Whether an activity is a run when its file does not say so in the reader's own terms.

Shared by the readers of formats whose activity type is missing or too vague
to decide (GPX without ``<type>``, TCX ``Sport="Other"``): one rule and one
constant, so every reader decides alike.
"""

from __future__ import annotations

import math

#: A recording of no (or no specific) activity type averaging faster than this (m/s) is not
#: taken for a run: 7 m/s is 2:23 min/km, faster than any road race pace.
MAX_RUN_SPEED_MPS = 7.0


def untyped_sport(distance_m: float, moving_time_s: float, elapsed_time_s: float,
                  why: str = "no activity type in file") -> tuple[str | None, str]:
    """Sport of a recording whose file names no (specific) activity type: by its average speed.

    Parameters
    ----------
    distance_m : float
        Distance of the recording (m); NaN when unknown.
    moving_time_s, elapsed_time_s : float
        Moving time and elapsed time (s). The speed is the distance over the moving time,
        else (zero or unknown) over the elapsed time.
    why : str, optional
        What the file says (or does not say) about its sport, for the log reason.

    Returns
    -------
    sport : str or None
        ``"running"``, or None when the average speed exceeds :data:`MAX_RUN_SPEED_MPS`.
    note : str
        The log reason: ``"<why>; assumed a run"`` or why the speed rules it out. With no
        distance or no time the speed is unknown and the recording is assumed a run.
    """
    duration_s = next((t for t in (moving_time_s, elapsed_time_s) if _positive(t)), math.nan)
    speed = distance_m / duration_s if _positive(duration_s) and not _missing(distance_m) else math.nan
    if speed > MAX_RUN_SPEED_MPS:
        return None, f"{why}; average speed {speed:.1f} m/s is too fast for a run"
    return "running", f"{why}; assumed a run"


def _missing(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _positive(value) -> bool:
    return not _missing(value) and float(value) > 0
