"""Flare-ups: daily grid, onsets across gaps, episodes, refractory period, 24-hour rule."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def episodes_of(values, **kw):
    params = kw.pop("params", {})
    daily = fl.daily_pain(diary(values, **kw))
    return fl.detect_flareups(daily, **params)


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


def test_diary_coverage_warns_below_80_pct():
    pain = diary([1, 1, None, 1, 1, 1, 1, 1, 1, None])
    cov = fl.diary_coverage(pain, start=day(0), end=day(9)).set_index("region")
    assert cov.loc["achilles", "days_logged"] == 8 and cov.loc["achilles", "days_in_period"] == 10
    assert cov.loc["achilles", "pct_logged"] == pytest.approx(80.0) and not cov.loc["achilles", "warn"]
    assert cov.loc["plantar", "pct_logged"] == 0 and cov.loc["plantar", "warn"]
    assert cov.loc["any", "days_logged"] == 8
    cov = fl.diary_coverage(pain, start=day(0), end=day(10)).set_index("region")
    assert cov.loc["achilles", "warn"]  # 8 of 11 days


# ---------------------------------------------------------------- onsets


def test_sustained_onset_needs_two_consecutive_logged_days():
    ep = episodes_of([1, 1, 1, 4, 4, 0, 0, 0])
    assert len(ep) == 1
    first = ep.iloc[0]
    # onset = first day of the run; baseline = median(1, 1, 1) = 1
    assert first["onset_date"] == day(3) and first["criterion"] == "sustained"
    assert first["baseline"] == 1 and first["peak_pain"] == 4
    # ends on the third consecutive logged day below B + 1 = 2
    assert first["end_date"] == day(7)


def test_no_onset_across_a_missing_day():
    # 4, gap, 4: the two high days are not consecutive logged days
    assert len(episodes_of([1, 1, 1, 4, None, 4, 1, 1])) == 0
    # morning 1, gap, morning 4: no "previous morning" to rise from
    ep = episodes_of([None] * 4, mornings=[1, 1, None, 4])
    assert len(ep) == 0
    # the same without the gap fires the morning rule
    ep = episodes_of([None] * 4, mornings=[1, 1, 1, 4])
    assert list(ep["criterion"]) == ["morning_rise"] and ep.iloc[0]["onset_date"] == day(3)


def test_thresholds_baseline_and_early_default():
    # early: fewer than 3 baseline days -> B = 0, so 3 and 3 fire
    assert list(episodes_of([3, 3])["criterion"]) == ["sustained"]
    # 2 and 2 do not (below min_level 3)
    assert len(episodes_of([2, 2])) == 0
    # baseline 2 (median of 2s): needs >= 4 on two days; 3 and 3 do not fire
    assert len(episodes_of([2, 2, 2, 3, 3])) == 0
    assert len(episodes_of([2, 2, 2, 4, 4])) == 1
    # high: any item > 5 fires on one day; 5 does not
    ep = episodes_of([1, 1, 1, 6])
    assert list(ep["criterion"]) == ["high"] and ep.iloc[0]["onset_date"] == day(3)
    assert len(episodes_of([1, 1, 1, 5, 1])) == 0
    # the baseline uses only non-flare logged days: the episode's own days (6s and the
    # settling 0s) are left out, so B stays 1 (with them the last 5 would be 0,0,0,1,1 -> 0)
    values = [1] * 5 + [6] * 4 + [0] * 3 + [1, 1] + [4, 4]
    ep = episodes_of(values, params={"baseline_days": 5, "refractory_days": 1})
    assert ep["onset_date"].tolist() == [day(5), day(14)]
    assert ep["baseline"].tolist() == [1, 1]


def test_episode_end_needs_consecutive_logged_quiet_days():
    ep = episodes_of([0, 0, 0, 6, 0, 0, None, 0, 0, 0])
    # 0, 0, gap, 0, 0, 0: the gap restarts the count -> ends on day 9
    assert ep.iloc[0]["end_date"] == day(9)
    open_ep = episodes_of([0, 0, 0, 6, 0, 0])
    assert pd.isna(open_ep.iloc[0]["end_date"])  # still ongoing at the end of the diary


def test_second_onset_within_refractory_period_is_not_counted():
    # episode 1: onset day 3, ends day 6; pain again on days 9-10 (3 days after the end)
    values = [1, 1, 1, 6, 0, 0, 0, 1, 1, 4, 4, 0, 0, 0]
    ep = episodes_of(values)
    assert len(ep) == 1
    assert ep.iloc[0]["onset_date"] == day(3) and ep.iloc[0]["reopened"] == 1
    assert ep.iloc[0]["end_date"] == day(13)
    # the same rise after 7 flare-free days (days 7-13) is a new onset on day 14
    values = [1, 1, 1, 6, 0, 0, 0] + [1] * 7 + [4, 4, 0, 0, 0]
    ep = episodes_of(values)
    assert list(ep["onset_date"]) == [day(3), day(14)]
    assert ep["reopened"].tolist() == [0, 0]


def test_sensitivity_variants():
    pain = diary([1, 1, 1, 3, 1, 1, 1, 1, 2, 2])
    v = fl.sensitivity_variants(fl.daily_pain(pain))
    assert set(v) == {"default", "minus_1_point", "plus_1_point", "one_day", "two_days"}
    assert len(v["default"]) == 0 and len(v["two_days"]) == 0
    assert len(v["one_day"]) == 1 and v["one_day"].iloc[0]["onset_date"] == day(3)
    # minus one point: rise 1 and level 2 on two days -> days 8-9 fire
    assert v["minus_1_point"]["onset_date"].tolist() == [day(8)]
    v = fl.sensitivity_variants(fl.daily_pain(diary([1, 1, 1, 3, 3])))
    assert len(v["default"]) == 1 and len(v["plus_1_point"]) == 0  # level 3 vs 4


def test_region_days_flags():
    values = [1, 1, 1, 6, 0, 0, 0] + [1] * 7 + [4, 4, 0, 0, 0]
    daily = fl.daily_pain(diary(values))
    rd = fl.region_days(daily, fl.detect_flareups(daily))
    a = rd[rd["region"] == "achilles"].set_index("date")
    assert a.loc[day(3), "onset"] == 1 and a.loc[day(3), "at_risk"] and a.loc[day(3), "in_flare"]
    assert not a.loc[day(4), "at_risk"] and a.loc[day(6), "in_flare"] and not a.loc[day(7), "in_flare"]
    # refractory: days 7..13 after the end on day 6 are not at risk; day 14 is
    assert not a.loc[day(7) : day(13), "at_risk"].any()
    assert a.loc[day(14), "at_risk"] and a.loc[day(14), "onset"] == 1
    assert a["onset"].sum() == 2
    other = rd[rd["region"] == "plantar"]
    assert other["at_risk"].all() and not other["logged"].any() and other["pain_max"].isna().all()


values_strategy = st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(values=values_strategy, mornings=values_strategy)
def test_onsets_never_fall_inside_an_episode(values, mornings):
    daily = fl.daily_pain(diary(values, mornings=mornings))
    ep = fl.detect_flareups(daily)
    last_day = daily["date"].max()
    spans = [(r.onset_date, r.end_date if pd.notna(r.end_date) else last_day) for r in ep.itertuples()]
    for i, (onset, _) in enumerate(spans):
        for j, (start, end) in enumerate(spans):
            if i != j:
                assert not (start <= onset <= end)
    for (_, end), (next_onset, _) in zip(spans, spans[1:], strict=False):
        assert next_onset > end + pd.Timedelta(days=7)  # refractory period respected
    rd = fl.region_days(daily, ep)
    assert rd.loc[rd["onset"] == 1, "at_risk"].all()


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
