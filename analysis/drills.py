"""Drill days and weekly adherence from the drills log (DESIGN.md, ``--drills``).

The log is read by :func:`analysis.io.drills.read_drills`; this module takes its frame.
Drills are often started because of pain: any drills association is confounded by
indication (METHODS.md 5, guards).
"""

from __future__ import annotations

import pandas as pd

from analysis.schema import DEFAULT_DRILLS


def drill_days(drills: pd.DataFrame, *, start=None, end=None) -> pd.Series:
    """1 on each day with at least one drill logged, 0 otherwise.

    Parameters
    ----------
    drills : DataFrame
        From :func:`read_drills`.
    start, end : date-like, optional
        The period (inclusive); default the log's first and last date.

    Returns
    -------
    Series
        Float64 0/1, index ``date`` (every day of the period), name
        ``drill_day``. Feeds :func:`analysis.load.lag_features`.
    """
    dates = pd.to_datetime(drills["date"]).dt.normalize()
    start = dates.min() if start is None else start
    end = dates.max() if end is None else end
    if pd.isna(start) or pd.isna(end):
        return pd.Series([], dtype="Float64", name="drill_day", index=pd.DatetimeIndex([], name="date"))
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D", name="date").as_unit("ns")
    return pd.Series(days.isin(dates).astype(float), index=days, name="drill_day").astype("Float64")


def weekly_adherence(drills: pd.DataFrame, *, start=None, end=None) -> pd.DataFrame:
    """Weekly adherence: share of days with drills, overall and per drill (ISO weeks).

    Parameters
    ----------
    drills : DataFrame
        From :func:`read_drills`.
    start, end : date-like, optional
        The period (inclusive); default the log's first and last date.

    Returns
    -------
    DataFrame
        Long, one row per ISO week (``week_start``, the Monday) and drill,
        with drill ``"any"`` for all drills together, every drill of
        :data:`DEFAULT_DRILLS` and any other drill in the log: ``days_done``,
        ``days_in_week`` (7, fewer for a week cut by the period's edges) and
        ``adherence_pct`` = 100 x days_done / days_in_week (days with the
        drill / 7 in a full week).
    """
    days = drill_days(drills, start=start, end=end).index
    columns = ["week_start", "drill", "days_done", "days_in_week", "adherence_pct"]
    if len(days) == 0:
        return pd.DataFrame(columns=columns)
    week = pd.Series(days.to_period("W-SUN").start_time.as_unit("ns"), index=days)
    n_days = week.groupby(week).size()
    dates = pd.to_datetime(drills["date"]).dt.normalize()
    names = ["any", *DEFAULT_DRILLS, *sorted(set(drills["drill"].dropna()) - set(DEFAULT_DRILLS))]
    frames = []
    for drill in names:
        done_dates = dates if drill == "any" else dates[(drills["drill"] == drill).fillna(False)]
        done = pd.Series(days.isin(done_dates), index=days).groupby(week).sum()
        frames.append(
            pd.DataFrame(
                {
                    "week_start": n_days.index,
                    "drill": drill,
                    "days_done": done.reindex(n_days.index).to_numpy(dtype="int64"),
                    "days_in_week": n_days.to_numpy(dtype="int64"),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["adherence_pct"] = 100.0 * out["days_done"] / out["days_in_week"]
    out["drill"] = out["drill"].astype("string")
    return out.sort_values("week_start", kind="stable").reset_index(drop=True)[columns]
