"""Loading tests: trend per region, and the test standing in for mornings where mornings are rare (METHODS.md 10).

Loading tests (single-leg heel raise or hop for Achilles and plantar fascia, decline
squat for the patellar tendon, single-leg stance 30 s for the glutes) are logged as
pain 0-10 during the test, with optional repetitions. Their pain does not depend on
whether the runner ran that day, so where a runner logs a test on most days and
mornings rarely, the test stands in as the onset item of METHODS.md 4: "most days" is
more than :data:`MOST_DAYS` of the diary's days, "rarely" fewer than :data:`RARELY`.
The report says so, region by region.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.schema import coerce_pain

MOST_DAYS = 0.5  # tests on more than half of the diary's days
RARELY = 0.25  # mornings on fewer than a quarter of them
TREND_COLUMNS = ["region", "test", "days", "first_date", "first_pain", "last_date", "last_pain",
                 "pain_per_week", "first_reps", "last_reps"]


def daily_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """One row per date x region x test: the worse side's pain and the most repetitions."""
    if tests is None or not len(tests):
        return pd.DataFrame(columns=["date", "region", "test", "pain", "reps"])
    return (tests.groupby(["date", "region", "test"], as_index=False)
            .agg(pain=("pain", "max"), reps=("reps", "max")))


def trend(tests: pd.DataFrame) -> pd.DataFrame:
    """Per region and test: days logged, first and last pain and repetitions (with their dates), slope.

    Returns
    -------
    DataFrame
        :data:`TREND_COLUMNS`; ``pain_per_week`` is the least-squares slope of daily test pain
        (worse side) against time in weeks (:func:`numpy.polyfit`), NaN with fewer than 3 days.
    """
    d = daily_tests(tests)
    rows = []
    for (region, test), g in d.groupby(["region", "test"], sort=True):
        g = g.sort_values("date")
        weeks = (g["date"] - g["date"].iloc[0]).dt.days.to_numpy(float) / 7.0
        slope = float(np.polyfit(weeks, g["pain"].to_numpy(float), 1)[0]) if len(g) >= 3 and weeks[-1] > 0 \
            else float("nan")
        reps = g["reps"].dropna()
        rows.append({"region": region, "test": test, "days": len(g), "first_date": g["date"].iloc[0],
                     "first_pain": float(g["pain"].iloc[0]), "last_date": g["date"].iloc[-1],
                     "last_pain": float(g["pain"].iloc[-1]), "pain_per_week": slope,
                     "first_reps": float(reps.iloc[0]) if len(reps) else float("nan"),
                     "last_reps": float(reps.iloc[-1]) if len(reps) else float("nan")})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def stand_in(pain: pd.DataFrame, tests: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The pain frame with a loading test as the morning (onset) item where mornings are rare (METHODS.md 10).

    For each region whose tests are logged on more than :data:`MOST_DAYS` of the diary's days and
    mornings on fewer than :data:`RARELY`, the region's morning entries are replaced by its test pain
    (worse test of the day, per side). Everything else is unchanged.

    Returns
    -------
    (DataFrame, list of str)
        The canonical pain frame and one note per region where a test stands in.
    """
    if tests is None or not len(tests) or not len(pain):
        return pain, []
    days = (pd.to_datetime(pain["date"]).max() - pd.to_datetime(pain["date"]).min()).days + 1
    days = max(days, (tests["date"].max() - tests["date"].min()).days + 1)
    out, notes = pain, []
    for region, g in tests.groupby("region"):
        test_days = g["date"].nunique()
        mornings = pain.loc[(pain["region"] == region) & (pain["time_of_day"] == "morning"), "date"].nunique()
        if test_days > MOST_DAYS * days and mornings < RARELY * days:
            per_side = g.groupby(["date", "side"], as_index=False)["pain"].max()
            added = pd.DataFrame({"date": per_side["date"], "time_of_day": "morning", "region": region,
                                  "side": per_side["side"], "pain": per_side["pain"].round().astype(int),
                                  "activity_id": None,
                                  "notes": "loading test standing in for morning pain (docs/methods.md 10)"})
            keep = out[~((out["region"] == region) & (out["time_of_day"] == "morning"))]
            out = pd.concat([keep, coerce_pain(added)], ignore_index=True)
            names = ", ".join(sorted(g["test"].unique()))
            notes.append(f"{region}: loading test ({names}) logged on {test_days} of {days} days and mornings on "
                         f"{mornings}: the test pain stands in as the onset item (docs/methods.md 10)")
    if notes:
        attrs = dict(pain.attrs)
        out = coerce_pain(out).sort_values("date", kind="stable").reset_index(drop=True)
        out.attrs = attrs
    return out, notes


def to_json(tests: pd.DataFrame, notes: list[str]) -> dict:
    """``loading_tests`` of the findings JSON: the trend per region and test, and where a test stands in."""
    t = trend(tests)
    return {"trend": [{**{k: (None if pd.isna(v) else v) for k, v in r.items()},
                       "first_date": f"{r['first_date']:%Y-%m-%d}", "last_date": f"{r['last_date']:%Y-%m-%d}"}
                      for r in t.to_dict("records")],
            "stand_in": notes}
