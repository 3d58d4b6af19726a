"""Records of one simulated run, quantized and spaced as a watch writes them.

The run is generated second by second over the elapsed time (auto-pause off);
a record is kept every 1-5 s (``record_interval_s``, uniform; Garmin's "smart
recording" spacing, which keeps the sample export a few MB; ``(1, 1)`` gives
every second), always with the last second. Columns are the canonical
samples columns (``analysis.schema.SAMPLES_DTYPES``), generated from the
run-level values of :mod:`analysis.simulate.activities` with a generator seeded
by (seed, run number), so a run's records do not depend on which other runs
are drawn.

* speed: the run's mean speed with a 90 s warm-up ramp, AR(1) noise
  (phi 0.95, sd ~0.1 m/s), a faster middle 40 % on tempo runs, then scaled so
  that the moving seconds cover the run's distance exactly; 0 during stops.
* heart rate: first-order response (tau 40 s) to 62 + 30 x speed + the run's
  offset, + 0.04 bpm/min drift, noise sd 1.5; falls towards 110 at stops.
* cadence, steps/min: (166 + 9 x (speed - 3)) x the class factor + the run's
  offset, 3 spm lower in the first 5 minutes, AR noise sd ~1.5; written as
  strides/min in half strides (cadence + fractional_cadence 0 or 0.5).
* step length = speed / cadence; stance time (ms) = (255 - 32 x (speed - 3))
  x the class's stance factor; vertical oscillation (mm) = (88 + 4 x
  (speed - 3)) x the class's factor; vertical ratio = oscillation / step
  length x 100. None of these during stops.
* altitude: the loop's hill, hill/2 x (1 - cos(2 pi d / loop)) above a base.

Quantized to device resolution: speed 1 mm/s, distance 1 cm, HR 1 bpm,
stance time 1 ms, step length 1 mm, oscillation 0.1 mm, vertical ratio 0.01 %,
altitude 0.2 m. GPX runs (a phone app) carry no running dynamics.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from analysis.schema import coerce_samples, empty_samples
from analysis.simulate.activities import CADENCE_BASE_SPM, CADENCE_PER_MPS
from analysis.simulate.params import SimParams


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation ``sd``."""
    eps = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    eps[0] = rng.normal(0.0, sd)
    return lfilter([1.0], [1.0, -phi], eps)


def run_samples(run: Mapping, p: SimParams, seed: int, index: int) -> dict[str, np.ndarray]:
    """Per-second records of one run.

    Parameters
    ----------
    run : mapping
        One row of the dressed runs frame (:func:`analysis.simulate.activities.dress_runs`).
    p : SimParams
        Parameters (class factors for cadence, stance time, oscillation).
    seed, index : int
        The runner's seed and the run's position; together they seed the draws.

    Returns
    -------
    dict of ndarray
        ``elapsed_s``, ``distance_m``, ``speed_mps``, ``heart_rate_bpm``,
        ``cadence_spm``, ``stance_time_ms``, ``vertical_oscillation_mm``,
        ``step_length_mm``, ``vertical_ratio_pct``, ``altitude_m`` (NaN = not recorded).
    """
    rng = np.random.default_rng([seed, 7, index])
    moving = int(run["moving_time_s"])
    v_mean = float(run["avg_speed_mps"])
    t = np.arange(moving, dtype=float)
    shape = np.ones(moving)
    shape[:90] = 0.8 + 0.2 * t[:90] / 90
    if run["kind"] == "tempo":
        mid = slice(int(0.3 * moving), int(0.7 * moving))
        shape[mid] *= 1.12
    speed = np.clip(shape * v_mean + _ar1(rng, moving, 0.95, 0.10), 1.2, None)
    speed *= float(run["distance_m"]) / speed.sum()

    klass = run["shoe_class"]
    cad = (CADENCE_BASE_SPM + CADENCE_PER_MPS * (speed - 3.0)) * p.cadence_factor.get(klass, 1.0)
    cad += float(run["cadence_offset_spm"]) - 3.0 * np.exp(-t / 300.0) + _ar1(rng, moving, 0.7, 1.5)
    stance = (255.0 - 32.0 * (speed - 3.0)) * p.stance_factor.get(klass, 1.0) + rng.normal(0, 4.0, moving)
    vo = (88.0 + 4.0 * (speed - 3.0)) * p.oscillation_factor.get(klass, 1.0) + rng.normal(0, 1.5, moving)

    # insert stops (speed 0, no dynamics)
    stops = list(run["stops"])
    moving_mask = np.ones(moving, dtype=bool)
    for at, length in reversed(stops):
        speed = np.insert(speed, at, np.zeros(length))
        cad = np.insert(cad, at, np.zeros(length))
        stance = np.insert(stance, at, np.full(length, np.nan))
        vo = np.insert(vo, at, np.full(length, np.nan))
        moving_mask = np.insert(moving_mask, at, np.zeros(length, dtype=bool))
    n = len(speed)
    elapsed = np.arange(n, dtype=float)

    target = 62.0 + 30.0 * speed + float(run["hr_offset_bpm"]) + 0.04 * elapsed / 60.0
    target[~moving_mask] = 110.0
    lam = 1.0 / 40.0
    hr = lfilter([lam], [1.0, -(1 - lam)], target - 95.0) + 95.0
    hr = np.round(hr + rng.normal(0, 1.5, n))

    distance = np.round(np.cumsum(speed), 2)
    distance[-1] = float(run["distance_m"])
    speed = np.round(speed, 3)
    cad = np.round(cad)  # whole steps/min = half strides/min
    cad[~moving_mask] = 0.0
    step = np.where(moving_mask, np.round(speed / np.where(cad > 0, cad, np.nan) * 60_000.0), np.nan)
    stance = np.round(stance)
    vo = np.round(vo, 1)
    ratio = np.round(vo / step * 100.0, 2)
    alt = float(run["altitude_base_m"]) + float(run["hill_m"]) / 2 * (
        1 - np.cos(2 * np.pi * distance / float(run["loop_m"])))
    alt = np.round(alt * 5) / 5
    out = {
        "elapsed_s": elapsed,
        "distance_m": distance,
        "speed_mps": speed,
        "heart_rate_bpm": hr,
        "cadence_spm": cad,
        "stance_time_ms": stance,
        "vertical_oscillation_mm": vo,
        "step_length_mm": step,
        "vertical_ratio_pct": ratio,
        "altitude_m": alt,
    }
    if run["file_kind"] == "gpx":
        for col in ("stance_time_ms", "vertical_oscillation_mm", "step_length_mm", "vertical_ratio_pct"):
            out[col] = np.full(n, np.nan)
    lo, hi = p.record_interval_s
    gaps = rng.integers(lo, hi + 1, size=n)
    keep = np.cumsum(np.concatenate([[0], gaps]))
    keep = keep[keep < n - 1]
    keep = np.append(keep, n - 1)
    return {k: v[keep] for k, v in out.items()}


def samples_frame(runs: pd.DataFrame, p: SimParams, seed: int) -> pd.DataFrame:
    """Canonical samples of every run that has a file (FIT or GPX), long.

    ``activity_id`` is ``strava:<Activity ID>``; ``time`` is UTC.
    """
    parts = []
    for i, run in enumerate(runs.to_dict("records")):
        if not run["file_kind"]:
            continue
        rec = run_samples(run, p, seed, i)
        frame = pd.DataFrame(rec)
        frame.insert(0, "activity_id", f"strava:{run['strava_id']}")
        frame.insert(1, "time", run["start_time"] + pd.to_timedelta(rec["elapsed_s"], unit="s"))
        parts.append(frame)
    if not parts:
        return empty_samples()
    return coerce_samples(pd.concat(parts, ignore_index=True))
