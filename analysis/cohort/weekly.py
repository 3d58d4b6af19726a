"""Weekly outcomes: injury reports or OSTRC-O2 questionnaires as the cohort's outcome (METHODS.md 4 and 7).

Where a runner gives weekly reports instead of a daily diary, the time unit is the
report (METHODS.md 7, "Weekly outcomes"): per region, an onset is a report with a
problem there when the two previous reports had none (sides merged); a report with a
problem is not at risk; the exposures are the km and barefoot-style share of the 7
days before the report date, from the same daily load arrays as the daily table. As
there (METHODS.md 5, "Footwear contrast"), the footwear column is that share minus the
runner's usual share at that time (:func:`analysis.stats.primary_design.slow_share`,
fitted to the runner's own 7-day shares over every day of its running history, not
only the report dates).

Two weekly sources feed the one rule (:func:`report_table`):

* ``injuries.csv`` (FORMATS.md, :func:`analysis.io.injuries.read_injuries`): a
  problem is any modelled area with severity minor, major or an OSTRC score > 0.
* ``ostrc.csv`` (:func:`analysis.io.ostrc.read_ostrc`), made into the same reports by
  :func:`ostrc_reports`: a problem is an OSTRC-O2 **substantial problem** (Q1 = 25 or
  Q2 >= 17 or Q3 >= 17; Clarsen et al. 2013, BJSM 47:495; METHODS.md 4) by default,
  or any problem (an answer above 0) with ``outcome="any"``. The report date is the
  Monday of the week the questionnaire covers, so the exposures are the 7 days before
  that week (the load that preceded it, not the load the problem may have cut).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import RunlogError

#: the per-day model columns of a runner's table (the primary design's, METHODS.md 5), shared with
#: :mod:`analysis.cohort.step`; ``barefoot_share_7d`` is the footwear contrast (the 7-day share minus
#: the runner's usual share at that time, per 10 points), as in the single-runner model
RAW_COLUMNS = ("barefoot_share_7d", "km_7d", "days_since_flare", "season_sin", "season_cos",
               "km_lag_shape_1", "no_flare_yet", "km_lag_shape_2")

#: the uncentred 7-day share per 10 points (NaN where no km), beside the model columns: only the
#: unstratified contrast of :func:`analysis.cohort.model.unstratified_logistic` reads it
RAW_SHARE_COLUMN = "barefoot_share_raw_7d"


def raw_share(km_lags: np.ndarray, barefoot_km_7d: np.ndarray) -> np.ndarray:
    """Barefoot-style share of the km over t-7..t-1 per 10 points, not centred (NaN where no km)."""
    from analysis.stats.primary_design import WINDOW_DAYS

    km7 = km_lags[:, :WINDOW_DAYS].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(km7 > 0, 10.0 * barefoot_km_7d / km7, np.nan)


#: OSTRC outcomes: what counts as a problem in a region's week
OSTRC_OUTCOMES = ("substantial", "any")


def ostrc_reports(ostrc: pd.DataFrame, *, outcome: str = "substantial") -> pd.DataFrame:
    """OSTRC-O2 weeks as weekly reports (the frame :func:`report_table` takes).

    Parameters
    ----------
    ostrc : DataFrame
        :func:`analysis.io.ostrc.read_ostrc` output: ``week`` (Monday), ``region``,
        ``problem`` (any answer above 0), ``substantial``.
    outcome : {"substantial", "any"}
        The problem that counts: a substantial problem (default; METHODS.md 4) or any.

    Returns
    -------
    DataFrame
        ``date`` (the week's Monday), ``region``, ``problem`` (bool), ``modelled`` (True),
        ``severity_score`` (OSTRC severity 0-100); one row per week and region answered.
        Every week with an answer is a report; a week with none is not logged.
    """
    if outcome not in OSTRC_OUTCOMES:
        raise RunlogError(f"OSTRC outcome {outcome!r} is not one of {', '.join(OSTRC_OUTCOMES)}")
    column = "substantial" if outcome == "substantial" else "problem"
    return pd.DataFrame({
        "date": pd.to_datetime(ostrc["week"]).to_numpy(),
        "region": ostrc["region"].astype("string").to_numpy(),
        "problem": ostrc[column].fillna(False).astype(bool).to_numpy(),
        "modelled": True,
        "severity_score": ostrc["severity"].astype(float).to_numpy(),
    })


def _report_dates(values: pd.Series) -> pd.DatetimeIndex:
    """Sorted unique report dates in nanoseconds: the day arithmetic below mixes ``asi8`` and
    ``Timestamp.value`` (always ns), and a reader may give seconds or microseconds (pandas >= 2)."""
    return pd.DatetimeIndex(sorted(pd.to_datetime(values).unique())).as_unit("ns")


def report_table(runs: pd.DataFrame, injuries: pd.DataFrame, *, since=None, until=None,
                 per_region: bool = False) -> pd.DataFrame:
    """Weekly reports as the outcome (METHODS.md 7, "Weekly outcomes"): one row per at-risk report.

    The time unit is the report. Per region, a report is at risk when the two
    previous reports had no problem there (sides merged; a report with a problem
    and the two after it are not at risk); ``onset`` is a problem at an at-risk
    report. Exposures are the km and barefoot-style share of the 7 days before the
    report date (t-7..t-1; the share minus the runner's usual share at that time,
    as in the daily table) with the same adjustment columns as the daily table
    (flare history counted from problem reports). ``days_at_risk`` is 7 per report.

    Parameters
    ----------
    injuries : DataFrame
        ``date``, ``region``, ``problem``, ``modelled`` (:func:`analysis.io.injuries.read_injuries`
        or :func:`ostrc_reports`).
    since, until : date, optional
        Only reports in the window are rows; the reports before ``since`` still count
        as the "two previous reports".
    per_region : bool
        False (injury reports): every report date is a report for every region (a
        report names only the areas with a problem). True (OSTRC-O2, asked per body
        area): a region's reports are the weeks answered for it, and a region never
        answered has no rows.
    """
    from analysis import load
    from analysis.schema import GROUPING, REGIONS
    from analysis.stats.primary_design import ADJUSTMENT_LADDER, load_arrays, spec_for

    cols = ["region", "date", "onset", *RAW_COLUMNS, RAW_SHARE_COLUMN, "days_at_risk"]
    if not len(injuries) or runs.empty:
        return pd.DataFrame(columns=cols)
    reports = injuries[injuries["modelled"].astype(bool)]
    all_dates = _report_dates(injuries["date"])
    run_dates = pd.to_datetime(runs["date"]).dropna()
    # the load history (and the usual barefoot-style share fitted to it) ends with the window, as the
    # daily table's does (step.region_table via model_frames(end=until)): no run after --until enters
    end = all_dates.max() if until is None else min(all_dates.max(), pd.Timestamp(until).normalize())
    history = load.daily_load(runs, start=min(run_dates.min().normalize(), all_dates.min()), end=end,
                              grouping=GROUPING)
    loads = load_arrays(history)
    spec = spec_for(tuple(name for name, _, _ in ADJUSTMENT_LADDER))
    spec.share_mean_pct = np.nan
    day_ns = 86_400_000_000_000
    parts = []
    for region in REGIONS:
        mine = reports[reports["region"] == region]
        dates = _report_dates(mine["date"]) if per_region else all_dates
        if len(dates) < 3:
            continue
        hit = set(pd.to_datetime(mine.loc[mine["problem"].astype(bool), "date"]))
        problem = np.array([d in hit for d in dates])
        at_risk = np.zeros(len(dates), bool)
        at_risk[2:] = ~problem[1:-1] & ~problem[:-2]
        # flare history known at each report: days since the last problem report (or since the first report)
        last = np.full(len(dates), np.nan)
        seen = np.nan
        for k, d in enumerate(dates):
            last[k] = seen
            if problem[k]:
                seen = d.value
        since_days = np.where(np.isnan(last), (dates.asi8 - dates.asi8[0]) / day_ns + 1, (dates.asi8 - last) / day_ns)
        pos = loads.dates.get_indexer(dates)
        use = at_risk & (pos >= 0)
        if since is not None:
            use &= dates >= pd.Timestamp(since)
        if until is not None:
            use &= dates <= pd.Timestamp(until)
        if not use.any():
            continue
        km_lags = loads.km_lags[pos[use]]
        bs7 = loads.barefoot_km_7d[pos[use]]
        known = np.isfinite(km_lags).all(axis=1) & np.isfinite(bs7)
        if not known.any():
            continue
        d_use = dates[use][known]
        slow = None if loads.barefoot_share_slow_pct is None else loads.barefoot_share_slow_pct[pos[use]][known]
        raw = spec.raw(km_lags[known], bs7[known], since_days[use][known], np.isnan(last)[use][known], d_use, slow)
        part = pd.DataFrame(raw, columns=list(RAW_COLUMNS))
        part.insert(0, "onset", problem[use][known].astype("int8"))
        part.insert(0, "date", d_use.to_numpy())
        part.insert(0, "region", region)
        part[RAW_SHARE_COLUMN] = raw_share(km_lags[known], bs7[known])
        part["days_at_risk"] = 7.0
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
