"""A pain diary as a real person writes it, with planted flare-ups (METHODS.md 4, targets).

METHODS.md 4 asks the flare-up detector to be measured "on flare-free diaries
with realistic noise (ordinal, autocorrelated, SD 0.5-1 point, zero-inflated,
10-30 % missing, more missing in pain)" and on diaries with planted flares of
peak 4-8. This module writes such diaries. It imports nothing from
``analysis`` (numpy and pandas only) and shares no functional form with the
detector, so a benchmark built on it is not runlog checked against itself.

The process (all on the runner's local calendar days ``start..end``):

* **Latent pain** per region and side = resting level + flare curve + noise
  (+ an optional ``level_shift``: a planted effect on the pain level).
  Noise is a stationary AR(1) series (coefficient ``ar``, marginal SD
  ``noise_sd``); the two sides of a region share part of it (``side_corr``),
  as a person's mood, sleep and weather touch both legs.
* **Flares** (the rows of ``flares``): the latent level rises linearly over
  ``rise_days`` to ``peak`` (absolute 0-10 pain), then falls linearly back to
  rest by the end of ``duration_days``. Side ``B`` plants it on both sides.
* **Reported values**: integers 0-10 (the latent value rounded and clipped).
  Zero inflation: on a share ``zero_inflation`` of region-days outside a flare
  (flare curve < 1 point) the person writes 0 ("nothing today") whatever the
  latent level.
* **Items**: ``morning`` on every logged day; ``during`` (80 %) and ``after``
  (90 %) on logged run days only (``during_after=False`` drops them). During
  pain is the latent level - 0.5, after pain + 0.5, each with its own extra
  noise (SD 0.5 and 0.7): run-day items are noisier and exist only with
  exposure, the trap METHODS.md 4 describes.
* **Missing days**: a two-state Markov chain of whole days without any entry,
  spells of mean length ``missing_spell_days``, stationary share ``missing``
  on flare-free days; on days in pain (a flare curve >= 2 points in any
  region) the odds of starting a spell are multiplied by ``missing_in_pain``.
  On a logged day a region is left out with probability ``region_skip``.
* **Run days**: given (``run_days``) or drawn with ``runs_per_week`` / 7 a day,
  halved on days in pain.

The truth is the planted flares: their onset (day 0 of the rise) is what a
detector should find. Functional forms here (linear rise and fall, AR(1)
noise, Markov missingness) are hand-written because they *are* the
data-generating process under test; no library provides them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

REGIONS: tuple[str, ...] = ("plantar", "achilles", "patellar", "glute")
SIDES: tuple[str, ...] = ("L", "R")
#: the canonical long pain frame (FORMATS.md "Pain diary"), in this order
PAIN_COLUMNS: tuple[str, ...] = ("date", "time_of_day", "region", "side", "pain", "activity_id", "notes")
FLARE_COLUMNS: tuple[str, ...] = ("region", "side", "onset", "peak", "duration_days")
TRUTH_COLUMNS: tuple[str, ...] = ("region", "side", "onset", "end", "peak", "duration_days", "rise_days")

#: share of logged run days with a ``during`` / ``after`` entry for a region
DURING_RATE = 0.8
AFTER_RATE = 0.9
#: a day is "in pain" (more missing, fewer runs) when a flare curve reaches this (points)
IN_PAIN_POINTS = 2.0


def flare_curve(peak: float, duration_days: int, rest: float, rise_days: int = 2) -> np.ndarray:
    """Latent pain above rest on days 0..duration_days-1 of one flare (points).

    A linear rise to ``peak - rest`` on day ``rise_days - 1``, then a linear
    fall that would reach 0 the day after the last one.
    """
    amp = max(float(peak) - float(rest), 0.0)
    n = int(duration_days)
    rise = int(min(max(rise_days, 1), n))
    k = np.arange(n, dtype=float)
    up = amp * (k + 1) / rise
    down = amp * (n - k) / (n - rise + 1)
    return np.where(k < rise, up, down)


def _ar1(rng: np.random.Generator, n: int, shape: tuple[int, ...], ar: float, sd: float) -> np.ndarray:
    """Stationary AR(1) series along axis 0 with marginal SD ``sd``."""
    out = np.empty((n, *shape))
    if n == 0:
        return out
    innov = rng.normal(0.0, sd * np.sqrt(max(1.0 - ar * ar, 0.0)), size=(n, *shape))
    out[0] = rng.normal(0.0, sd, size=shape)
    for t in range(1, n):
        out[t] = ar * out[t - 1] + innov[t]
    return out


def _rest_levels(baseline: float | Mapping[str, float], regions: Sequence[str]) -> np.ndarray:
    if isinstance(baseline, Mapping):
        return np.array([float(baseline.get(r, 1.0)) for r in regions])
    return np.full(len(regions), float(baseline))


def _check_flares(flares: pd.DataFrame | None, regions: Sequence[str]) -> pd.DataFrame:
    if flares is None or len(flares) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLARE_COLUMNS})
    missing = [c for c in FLARE_COLUMNS if c not in flares.columns]
    if missing:
        raise ValueError(f"flares: column {missing[0]!r} is missing (need {', '.join(FLARE_COLUMNS)})")
    bad_region = set(flares["region"]) - set(regions)
    if bad_region:
        raise ValueError(f"flares: region {sorted(bad_region)[0]!r} is not among regions {tuple(regions)}")
    bad_side = set(flares["side"]) - {"L", "R", "B"}
    if bad_side:
        raise ValueError(f"flares: side {sorted(bad_side)[0]!r} is not L, R or B")
    if ((flares["peak"] < 0) | (flares["peak"] > 10)).any():
        raise ValueError("flares: peak must be on the 0-10 scale")
    if (flares["duration_days"] < 1).any():
        raise ValueError("flares: duration_days must be at least 1")
    return flares


def _run_mask(run_days, dates: pd.DatetimeIndex, in_pain: np.ndarray, runs_per_week: float,
              rng: np.random.Generator) -> np.ndarray:
    n = len(dates)
    if run_days is None:
        p = np.where(in_pain, 0.5, 1.0) * runs_per_week / 7.0
        return rng.random(n) < p
    arr = np.asarray(run_days)
    if arr.dtype == bool:
        if len(arr) != n:
            raise ValueError(f"run_days: a boolean mask needs one value per day ({n}), got {len(arr)}")
        return arr.copy()
    return dates.isin(pd.DatetimeIndex(pd.to_datetime(arr)).normalize())


def _missing_days(rng: np.random.Generator, in_pain: np.ndarray, missing: float, spell_days: float,
                  odds_in_pain: float) -> np.ndarray:
    """Whole days without any entry: a Markov chain of spells (see the module notes)."""
    n = len(in_pain)
    out = np.zeros(n, dtype=bool)
    if n == 0 or missing <= 0:
        return out
    missing = min(missing, 0.95)
    p_exit = 1.0 / max(spell_days, 1.0)
    p_enter = missing * p_exit / (1.0 - missing)
    odds = p_enter / (1.0 - p_enter) if p_enter < 1 else np.inf
    odds_pain = odds * odds_in_pain
    p_enter_pain = odds_pain / (1.0 + odds_pain)
    u = rng.random(n)
    state = bool(u[0] < missing)
    for t in range(n):
        if t > 0:
            stay_or_enter = (1.0 - p_exit) if state else (p_enter_pain if in_pain[t] else p_enter)
            state = bool(u[t] < stay_or_enter)
        out[t] = state
    return out


def render_diary(
    flares: pd.DataFrame | None,
    start,
    end,
    rng: np.random.Generator,
    *,
    regions: Sequence[str] = REGIONS,
    baseline: float | Mapping[str, float] = 1.0,
    noise_sd: float = 0.75,
    ar: float = 0.6,
    side_corr: float = 0.5,
    zero_inflation: float = 0.0,
    missing: float = 0.2,
    missing_in_pain: float = 2.0,
    missing_spell_days: float = 2.0,
    region_skip: float = 0.02,
    during_after: bool = True,
    run_days=None,
    runs_per_week: float = 4.0,
    rise_days: int = 2,
    level_shift: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A pain diary in the canonical long form, and the planted flares it contains.

    Parameters
    ----------
    flares : DataFrame or None
        Planted flares: ``region``, ``side`` (L, R or B = both), ``onset``
        (date), ``peak`` (absolute pain 0-10, 4-8 in the benchmarks),
        ``duration_days``; optional ``rise_days``. None or empty: a
        flare-free diary.
    start, end : date-like
        First and last day (inclusive).
    rng : numpy.random.Generator
    regions : sequence of str
        Regions the person watches (written every logged day).
    baseline : float or mapping region -> float
        Resting latent pain (points, default 1).
    noise_sd : float
        Marginal SD of the latent day-to-day noise (points; 0.5-1 realistic).
    ar : float
        Lag-1 autocorrelation of the noise.
    side_corr : float
        Share of the noise variance common to both sides of a region.
    zero_inflation : float
        Share of flare-free region-days the person writes 0.
    missing : float
        Stationary share of days with no entry at all, on flare-free days.
    missing_in_pain : float
        Odds ratio of starting a missing spell on a day in pain.
    missing_spell_days : float
        Mean length of a missing spell (days).
    region_skip : float
        Probability of leaving one region out on a logged day.
    during_after : bool
        Write ``during`` and ``after`` entries on run days.
    run_days : dates, boolean mask (one per day) or None
        The run days; None draws them (``runs_per_week``, halved in pain).
    runs_per_week : float
    rise_days : int
        Days from onset to peak, for flares without a ``rise_days`` column.
    level_shift : array (days, regions) or None
        Points added to the latent pain of both sides (an effect on the pain
        level that is not a flare). Deterministic: the same ``rng`` state
        gives the same noise, missing days and run items with or without it.

    Returns
    -------
    (pain, truth)
        ``pain``: columns ``date`` (datetime64[ns]), ``time_of_day``,
        ``region``, ``side`` (L/R), ``activity_id``, ``notes`` (string; the
        last two all NA), ``pain`` (Int64 0-10), sorted by date, time of
        day, region, side. ``truth``: one row per planted flare and side
        letter as given: ``region``, ``side``, ``onset``, ``end`` (last day of
        the curve), ``peak``, ``duration_days``, ``rise_days``; its
        ``attrs`` hold ``run_days`` (DatetimeIndex), ``missing_share`` (share
        of days without any entry), ``missing_share_in_pain`` (the same on
        days in pain; NaN without such days) and ``days``.
    """
    flares = _check_flares(flares, regions)
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    dates = pd.date_range(start, end, freq="D").as_unit("ns")
    n, k = len(dates), len(regions)
    rest = _rest_levels(baseline, regions)

    curve = np.zeros((n, k, 2))
    truth_rows = []
    for f in flares.itertuples(index=False):
        r = list(regions).index(f.region)
        given = getattr(f, "rise_days", None)
        rise = int(given) if given is not None and pd.notna(given) else int(rise_days)
        prof = flare_curve(f.peak, int(f.duration_days), rest[r], rise)
        first = int((pd.Timestamp(f.onset).normalize() - start).days)
        lo, hi = max(first, 0), min(first + len(prof), n)
        if hi > lo:
            sides = (0, 1) if f.side == "B" else (SIDES.index(f.side),)
            for s in sides:
                curve[lo:hi, r, s] = np.maximum(curve[lo:hi, r, s], prof[lo - first : hi - first])
        truth_rows.append(
            {
                "region": f.region,
                "side": f.side,
                "onset": pd.Timestamp(f.onset).normalize(),
                "end": pd.Timestamp(f.onset).normalize() + pd.Timedelta(days=int(f.duration_days) - 1),
                "peak": float(f.peak),
                "duration_days": int(f.duration_days),
                "rise_days": rise,
            }
        )

    in_pain = (curve >= IN_PAIN_POINTS).any(axis=(1, 2))
    common = _ar1(rng, n, (k, 1), ar, noise_sd)
    own = _ar1(rng, n, (k, 2), ar, noise_sd)
    noise = np.sqrt(side_corr) * common + np.sqrt(1.0 - side_corr) * own
    latent = rest[None, :, None] + curve + noise
    if level_shift is not None:
        shift = np.asarray(level_shift, dtype=float)
        if shift.shape != (n, k):
            raise ValueError(f"level_shift has shape {shift.shape}, expected ({n}, {k}) (days, regions)")
        latent = latent + shift[:, :, None]

    zero_day = (rng.random((n, k)) < zero_inflation)[:, :, None] & (curve < 1.0)

    def report(values: np.ndarray) -> np.ndarray:
        return np.where(zero_day, 0, np.clip(np.rint(values), 0, 10)).astype(int)

    morning = report(latent)
    during = report(latent - 0.5 + rng.normal(0.0, 0.5, latent.shape))
    after = report(latent + 0.5 + rng.normal(0.0, 0.7, latent.shape))

    runs = _run_mask(run_days, dates, in_pain, runs_per_week, rng)
    day_missing = _missing_days(rng, in_pain, missing, missing_spell_days, missing_in_pain)
    region_logged = (~day_missing)[:, None] & (rng.random((n, k)) >= region_skip)
    has_during = region_logged & runs[:, None] & (rng.random((n, k)) < DURING_RATE) & during_after
    has_after = region_logged & runs[:, None] & (rng.random((n, k)) < AFTER_RATE) & during_after

    parts = []
    for item, values, mask in (
        ("morning", morning, region_logged),
        ("during", during, has_during),
        ("after", after, has_after),
    ):
        t_idx, r_idx = np.nonzero(mask)
        for s, side in enumerate(SIDES):
            parts.append(
                pd.DataFrame(
                    {
                        "date": dates[t_idx],
                        "time_of_day": item,
                        "region": np.asarray(regions, dtype=object)[r_idx],
                        "side": side,
                        "pain": values[t_idx, r_idx, s],
                    }
                )
            )
    pain = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(PAIN_COLUMNS[:5]))
    order = {"morning": 0, "during": 1, "after": 2}
    pain = (
        pain.assign(_o=pain["time_of_day"].map(order))
        .sort_values(["date", "_o", "region", "side"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
    pain["date"] = pd.to_datetime(pain["date"]).astype("datetime64[ns]")
    for col in ("time_of_day", "region", "side"):
        pain[col] = pain[col].astype("string")
    pain["pain"] = pain["pain"].astype("Int64")
    pain["activity_id"] = pd.array([pd.NA] * len(pain), dtype="string")
    pain["notes"] = pd.array([pd.NA] * len(pain), dtype="string")
    pain = pain[list(PAIN_COLUMNS)]

    truth = pd.DataFrame(truth_rows, columns=list(TRUTH_COLUMNS))
    truth = truth.sort_values(["onset", "region", "side"], kind="stable").reset_index(drop=True)
    truth.attrs.update(
        {
            "run_days": dates[runs],
            "missing_share": float(day_missing.mean()) if n else float("nan"),
            "missing_share_in_pain": float(day_missing[in_pain].mean()) if in_pain.any() else float("nan"),
            "days": int(n),
        }
    )
    return pain, truth


def plant_flares(
    rng: np.random.Generator,
    start,
    end,
    *,
    regions: Sequence[str] = REGIONS,
    per_year: float = 1.5,
    peak: tuple[int, int] = (4, 8),
    duration_days: tuple[int, int] = (7, 28),
    rise_days: tuple[int, int] = (1, 3),
    sides: Sequence[str] = ("L", "R", "B"),
    burn_in_days: int = 42,
    gap_days: int = 30,
) -> pd.DataFrame:
    """Random flares to plant: a flares frame for :func:`render_diary`.

    Per region, waiting times are exponential with mean ``365 / per_year``
    days, counted from ``burn_in_days`` after ``start`` (so a detector has a
    personal baseline) and from ``gap_days`` after the previous flare's last
    day (so episodes do not run into each other). A flare must end by ``end``.
    Peaks, durations and rise days are uniform integers in the closed ranges.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    rows = []
    for region in regions:
        t = start + pd.Timedelta(days=burn_in_days)
        while True:
            t = t + pd.Timedelta(days=int(rng.exponential(365.0 / per_year)))
            dur = int(rng.integers(duration_days[0], duration_days[1] + 1))
            if t + pd.Timedelta(days=dur - 1) > end:
                break
            rows.append(
                {
                    "region": region,
                    "side": str(rng.choice(list(sides))),
                    "onset": t,
                    "peak": int(rng.integers(peak[0], peak[1] + 1)),
                    "duration_days": dur,
                    "rise_days": int(rng.integers(rise_days[0], rise_days[1] + 1)),
                }
            )
            t = t + pd.Timedelta(days=dur - 1 + gap_days)
    out = pd.DataFrame(rows, columns=[*FLARE_COLUMNS, "rise_days"])
    return out.sort_values(["onset", "region"], kind="stable").reset_index(drop=True)
