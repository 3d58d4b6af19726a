"""Flare-ups: daily grid, coverage, 24-hour rule, weekly pain (onsets: tests/test_onsets.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import flareups as fl
from analysis import schema

DAY0 = pd.Timestamp("2026-03-02")


def day(n: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=n)


def diary(values, *, time="after", region="achilles", side="L", mornings=None) -> pd.DataFrame:
    """A pain frame from a list of daily values (None = not logged)."""
    rows = []
    for i, v in enumerate(values):
        if v is not None:
            rows.append({"date": day(i), "time_of_day": time, "region": region, "side": side, "pain": v})
    for i, v in enumerate(mornings or []):
        if v is not None:
            rows.append({"date": day(i), "time_of_day": "morning", "region": region, "side": side, "pain": v})
    return schema.coerce_pain(pd.DataFrame(rows, columns=["date", "time_of_day", "region", "side", "pain"]))


# ---------------------------------------------------------------- daily grid


def test_daily_pain_na_never_zero_and_side_rows():
    pain = schema.coerce_pain(
        pd.DataFrame(
            {
                "date": [day(0), day(0), day(0), day(2)],
                "time_of_day": ["morning", "morning", "after", "during"],
                "region": ["plantar", "plantar", "plantar", "glute"],
                "side": ["L", "L", "L", "R"],
                "pain": [2, 4, 1, 0],
            }
        )
    )
    d = fl.daily_pain(pain)
    assert len(d) == 3 * 4 * 2  # 3 days x 4 regions x 2 sides
    pl = d[(d["date"] == day(0)) & (d["region"] == "plantar") & (d["side"] == "L")].iloc[0]
    assert pl["morning"] == 4 and pl["after"] == 1 and pd.isna(pl["during"])  # duplicate -> max
    assert pl["pain_max"] == 4 and pl["logged"]
    other = d[(d["date"] == day(0)) & (d["region"] == "achilles")]
    assert other["pain_max"].isna().all() and not other["logged"].any()  # not logged, not 0
    gap = d[d["date"] == day(1)]
    assert gap["pain_max"].isna().all() and not gap["logged"].any()
    zero = d[(d["date"] == day(2)) & (d["region"] == "glute") & (d["side"] == "R")].iloc[0]
    assert zero["pain_max"] == 0 and zero["logged"]  # a logged 0 is a real 0


def test_diary_coverage_warns_below_two_thirds():
    # the warning sits at the model's own sufficiency floor (2/3 of diary days, docs/methods.md 5)
    assert abs(fl.MIN_LOGGED_PCT - 200 / 3) < 1e-9
    pain = diary([1, 1, None, 1, 1, 1, None, 1, 1, None])
    cov = fl.diary_coverage(pain, start=day(0), end=day(9)).set_index("region")
    assert cov.loc["achilles", "days_logged"] == 7 and cov.loc["achilles", "days_in_period"] == 10
    assert cov.loc["achilles", "pct_logged"] == pytest.approx(70.0) and not cov.loc["achilles", "warn"]
    assert cov.loc["plantar", "pct_logged"] == 0 and cov.loc["plantar", "warn"]
    assert cov.loc["any", "days_logged"] == 7
    cov = fl.diary_coverage(pain, start=day(0), end=day(10)).set_index("region")
    assert cov.loc["achilles", "warn"]  # 7 of 11 days = 64 %
    cov = fl.diary_coverage(pain, start=day(0), end=day(9), warn_below_pct=80).set_index("region")
    assert cov.loc["achilles", "warn"]  # a stricter floor can still be asked for


# ---------------------------------------------------------------- onsets
# The onset rule, episodes, region days and sensitivity variants: tests/test_onsets.py.


# ---------------------------------------------------------------- 24-hour rule


def runs_frame(ids_days):
    return schema.coerce_runs(
        pd.DataFrame(
            {
                "activity_id": [i for i, _ in ids_days],
                "date": [day(d) for _, d in ids_days],
                "distance_m": [5000.0] * len(ids_days),
            }
        )
    )


def entries(rows):
    return schema.coerce_pain(
        pd.DataFrame(rows, columns=["date", "time_of_day", "region", "side", "pain", "activity_id"])
    )


def test_24_hour_rule_during_and_after():
    pain = entries(
        [
            (day(0), "during", "achilles", "L", 6, "111"),
            (day(0), "after", "achilles", "L", 5, "111"),
            (day(0), "during", "plantar", "R", 5, "222"),
            (day(0), "after", "plantar", "R", 6, "222"),
        ]
    )
    r = fl.twenty_four_hour_rule(pain, runs_frame([("strava:111", 0), ("strava:222", 0)]))
    a, b = r.loc["strava:111"], r.loc["strava:222"]
    assert a["during_high"] and not a["after_high"] and a["breach"]
    assert a["rules"] == "during>5 achilles L"
    assert not b["during_high"] and b["after_high"] and b["rules"] == "after>5 plantar R"
    assert a["during_max"] == 6 and b["after_max"] == 6


def test_24_hour_rule_next_morning_and_unchecked_runs():
    pain = entries(
        [
            (day(0), "morning", "plantar", "L", 2, None),
            (day(1), "morning", "plantar", "L", 4, None),
            (day(3), "morning", "plantar", "L", 3, None),
            (day(4), "morning", "plantar", "L", 3, None),
            (day(0), "after", "plantar", "L", 4, None),
        ]
    )
    r = fl.twenty_four_hour_rule(pain, runs_frame([("csv:a", 0), ("csv:b", 3), ("csv:c", 6)]))
    assert r.loc["csv:a", "morning_worse"] and r.loc["csv:a", "breach"]
    assert r.loc["csv:a", "rules"] == "morning worse plantar L"
    assert not r.loc["csv:a", "after_high"]  # an unlinked 'after' entry belongs to that day's run
    assert not r.loc["csv:b", "morning_worse"] and not r.loc["csv:b", "breach"]  # 3 -> 3 holds
    assert pd.isna(r.loc["csv:c", "breach"]) and r.loc["csv:c", "rules"] == ""  # nothing to check


def test_24_hour_rule_morning_rise_threshold():
    pain = entries([(day(0), "morning", "achilles", "R", 2, None), (day(1), "morning", "achilles", "R", 3, None)])
    runs = runs_frame([("csv:a", 0)])
    assert not fl.twenty_four_hour_rule(pain, runs).loc["csv:a", "morning_worse"]  # +1: diary noise
    strict = fl.twenty_four_hour_rule(pain, runs, morning_rise_points=1)
    assert strict.loc["csv:a", "morning_worse"] and strict.loc["csv:a", "rules"] == "morning worse achilles R"


def test_24_hour_rule_week_on_week_rise():
    week1 = [(day(i), "morning", "glute", "R", 1, None) for i in range(0, 7)]
    week2 = [(day(i), "morning", "glute", "R", 3, None) for i in range(7, 14)]
    pain = entries(week1 + week2)
    r = fl.twenty_four_hour_rule(pain, runs_frame([("csv:x", 13), ("csv:y", 6)]))
    assert r.loc["csv:x", "week_rise"] and "week rise glute R" in r.loc["csv:x", "rules"]
    assert pd.isna(r.loc["csv:y", "week_rise"])  # no previous week logged
    flat = entries(week1 + [(d, t, g, s, 1, a) for d, t, g, s, _, a in week2])
    assert not fl.twenty_four_hour_rule(flat, runs_frame([("csv:x", 13)])).loc["csv:x", "week_rise"]


def test_pain_band():
    assert [fl.pain_band(v) for v in (0, 2, 3, 5, 6, 10)] == [
        "safe",
        "safe",
        "acceptable",
        "acceptable",
        "high",
        "high",
    ]


def test_weekly_pain_mean_of_daily_max_and_gaps():
    days = pd.date_range("2026-03-02", periods=14, freq="D")
    grid = pd.DataFrame(
        {
            "date": days,
            "region": "plantar",
            "side": "L",
            "pain_max": pd.array(
                [2, 4, 6, None, None, None, None, 1, None, None, None, None, None, 3], dtype="Float64"
            ),
        }
    )
    wp = fl.weekly_pain(grid)
    assert list(wp["week_start"]) == [days[0], days[7]]
    assert wp["pain_mean"].iloc[0] == pytest.approx(4.0) and wp["pain_max"].iloc[0] == 6
    assert list(wp["days_logged"]) == [3, 2]
    assert (
        pd.isna(wp["pain_mean"].iloc[1]) and wp["pain_max"].iloc[1] == 3
    )  # 2 logged days: a gap, not a mean
