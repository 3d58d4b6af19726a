"""runlog's default onset rule (``rule="adaptive"``, analysis/onsets.py) on hand-built diaries.

Every expected value is worked out by hand in the comments: the baseline (median
and SD of the previous logged flare-free mornings, at least 10, SD at least
0.5), the level L = max(B + 2, B + 4 S, 3) on 2 of 3 logged mornings, the mean
criterion (2 of 3 logged mornings >= max(B + 2, 3), all 3 averaging >= M =
max(B + 2, B + 3.25 S, 3), within 10 days),
backdating to the start of the rise, the episode end, refractory days, the red
flag and missing mornings.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import flareups as fl
from analysis import schema

DAY0 = pd.Timestamp("2026-03-02")
CALM = [1] * 12  # B = 1, SD 0 -> S = 0.5 (the floor): L = max(3, 1 + 2, 3) = 3, M = max(3, 2.625, 3) = 3


def rows(values, *, time="morning", region="achilles", side="L"):
    return [(DAY0 + pd.Timedelta(days=i), time, region, side, v) for i, v in enumerate(values) if v is not None]


def episodes(*parts, **params) -> pd.DataFrame:
    flat = [r for part in parts for r in part]
    frame = schema.coerce_pain(pd.DataFrame(flat, columns=["date", "time_of_day", "region", "side", "pain"]))
    return fl.detect_flareups(fl.daily_pain(frame), **params)


def onset_days(ep) -> list[int]:
    return [(d - DAY0).days for d in ep["onset_date"]]


def test_the_default_is_the_adaptive_rule():
    d = fl.FLARE_DEFAULTS
    assert d["rule"] == "adaptive" and d["spread"] == "sd" and d["baseline_days"] == 112
    assert (d["spread_multiplier"], d["mean_spread_multiplier"], d["window_span_days"]) == (4, 3.25, 10)
    assert (d["backdate_mornings"], d["backdate_points"], d["backdate_span_days"]) == (3, 2, 4)
    assert d["gap_dating_days"] == 3
    text = fl.describe_rule()
    assert "max(B + 2, B + 4 S, 3) on 2 of 3 consecutive logged mornings" in text
    assert "averaging at least max(B + 2, B + 3.25 S, 3)" in text and "dated back" in text
    assert "into the unlogged days before that morning" in text and "at most 3 days back" in text
    assert "deviation from the first specification in docs/methods.md section 4" in text
    assert "METHODS.md" not in text.replace("docs/methods.md", "")  # the report cites docs/methods.md only


def test_baseline_needs_ten_mornings_and_spread_is_floored():
    assert len(episodes(rows([1] * 9 + [5, 5, 1, 1, 1]))) == 0  # 9 mornings: no baseline
    ep = episodes(rows([1] * 10 + [5, 5, 1, 1, 1]))
    assert onset_days(ep) == [10]
    # all 1s: SD 0, floored to S = 0.5, so L = max(1 + 2, 1 + 4 x 0.5, 3) = 3
    assert ep.loc[0, "baseline"] == 1 and ep.loc[0, "spread"] == 0.5 and ep.loc[0, "onset_level"] == 3


def test_level_scales_with_the_sd_of_the_baseline():
    wide = [3, 2, 1, 0] * 4  # B = 1.5; deviations +-0.5, +-1.5: var = 1.25 x 16/15 = 4/3, SD = 1.1547
    sd = math.sqrt(4 / 3)
    # L = 1.5 + 4 x 1.1547 = 6.119; M = 1.5 + 3.25 x 1.1547 = 5.253; 5 is no red flag (not > 5)
    assert len(episodes(rows([*wide, 5, 5, 1, 1, 1]))) == 0  # 5 < L; mean 11/3 = 3.67 < M
    ep = episodes(rows([*wide, 7, 7, 1, 1, 1]))
    assert onset_days(ep) == [16] and ep.loc[0, "rule"] == "sustained"
    assert ep.loc[0, "spread"] == pytest.approx(sd) and ep.loc[0, "onset_level"] == pytest.approx(1.5 + 4 * sd)
    # METHODS.md's MAD spread: MAD 1 -> S 1.4826, L = 1.5 + 2.965 = 4.47: the 5, 5 is an onset there
    assert onset_days(episodes(rows([*wide, 5, 5, 1, 1, 1]), rule="methods")) == [16]


def test_two_of_three_mornings_at_the_level():
    assert onset_days(episodes(rows([*CALM, 3, 1, 3, 1, 1, 1]))) == [12]  # 3, 1, 3: 2 of 3 >= L = 3
    assert len(episodes(rows([*CALM, 3, 1, 1, 1, 1]))) == 0  # 1 of 3; mean 5/3 < M = 3


# BASE: 0 x 4, 1 x 8, 2 x 4 -> B = 1, SD = sqrt(8/15) = 0.730: L = 3.921, M = 1 + 3.25 x 0.730 = 3.373.
# With one 3 more (17 mornings): B = 1, sum of squares 33 - 19^2/17 = 11.765, SD = sqrt(11.765/16) = 0.857:
# L = 4.430, M = 3.787. Backdating takes mornings >= B + 2 = 3.
BASE = [0, 1, 2, 1] * 4


def test_mean_of_three_mornings_confirms_a_persistent_rise():
    # BASE: 3, 3, 5 -> only the 5 >= L = 3.921, but all 3 are >= max(B + 2, 3) = 3 (2 needed) and the
    # mean 11/3 = 3.67 >= M = 3.373: an onset on day 16 (day 15 is 1: nothing to date back)
    ep = episodes(rows([*BASE, 3, 3, 5, 1, 1, 1]))
    assert onset_days(ep) == [16] and ep.loc[0, "rule"] == "sustained"
    assert len(episodes(rows([*BASE, 3, 3, 5, 1, 1, 1]), mean_spread_multiplier=0)) == 0  # criterion off
    assert len(episodes(rows([*BASE, 3, 3, 4, 1, 1, 1]))) == 0  # mean 10/3 = 3.33 < M
    # one bad morning does not carry the mean: 8, 2, 1 averages 3.67 >= M but only the 8 is >= 3
    # (and as a red flag the next morning 2 < B + 2 = 3 does not confirm it)
    assert len(episodes(rows([*BASE, 8, 2, 1, 1, 1, 1]))) == 0
    # CALM (L = M = 3): a lone 7 then 1, 1 averages 3 but is one morning: a red flag, not an onset
    assert len(episodes(rows([*CALM, 7, 1, 1, 1, 1]))) == 0
    # the first morning must reach max(B + 2, 3) = 3: 2, 4, 4 starts on the 4 (2 of 3 from day 13)
    assert onset_days(episodes(rows([*CALM, 2, 4, 4, 1, 1, 1]))) == [13]


def test_onset_is_dated_back_to_the_start_of_the_rise():
    # day 16 (3): 3, 3, 4 -> one morning >= L, mean 3.33 < M = 3.373: no; it joins the baseline.
    # day 17 (3): 3, 4, 5 -> mean 4 >= M = 3.787: fires on 17; day 16 (3 >= 3, just before) starts the rise
    rise = [*BASE, 3, 3, 4, 5, 1, 1, 1]
    ep = episodes(rows(rise))
    assert onset_days(ep) == [16] and ep.loc[0, "spread"] == pytest.approx(math.sqrt(11.765 / 16), abs=1e-4)
    assert onset_days(episodes(rows(rise), backdate_mornings=0)) == [17]
    # METHODS.md: MAD 0 -> S 0.5, L = 3 on 2 of 3: 3, 3 fires on day 16 itself
    assert onset_days(episodes(rows(rise), rule="methods")) == [16]
    # a morning below B + 2 stops it: 3, 2, 3, 4, 5 fires on day 18 (3, 4, 5: mean 4 >= M) and the 2 on
    # day 17 keeps the onset from moving back to day 16
    assert onset_days(episodes(rows([*BASE, 3, 2, 3, 4, 5, 1, 1, 1]))) == [18]


def test_backdating_stays_within_four_days_and_skips_missing_days():
    # day 16 = 3, days 17-19 not logged, then 3, 4, 5 from day 20: day 16's window (3, 3, 4) has mean
    # 3.33 < M; day 20 (3, 4, 5: mean 4 >= 3.787) fires and is dated back to day 16 = 20 - 4
    assert onset_days(episodes(rows([*BASE, 3, None, None, None, 3, 4, 5, 1, 1, 1]))) == [16]
    # without backdating, day 20 follows 3 unlogged days: gap dating moves it ceil(3/2) = 2 back, to 18
    assert onset_days(episodes(rows([*BASE, 3, None, None, None, 3, 4, 5, 1, 1, 1]), backdate_mornings=0)) == [18]
    assert onset_days(episodes(rows([*BASE, 3, None, None, None, 3, 4, 5, 1, 1, 1]), backdate_mornings=0,
                               gap_dating_days=0)) == [20]
    # one more missing day: day 16 is 5 days before the firing day 21, so backdating leaves it on 21;
    # the 4 unlogged days before it move it ceil(4/2) = 2 back, to 19
    assert onset_days(episodes(rows([*BASE, 3, None, None, None, None, 3, 4, 5, 1, 1, 1]))) == [19]
    assert onset_days(episodes(rows([*BASE, 3, None, None, None, None, 3, 4, 5, 1, 1, 1]), gap_dating_days=0)) == [21]


def test_an_onset_after_unlogged_days_is_dated_to_their_middle():
    # CALM on days 0-11, days 12-14 not logged, then 5, 5 from day 15: the rule fires on day 15 (2 of 3
    # mornings >= L = 3). The flare began on day 12, 13, 14 or 15: dated ceil(3/2) = 2 days back, day 13
    values = [*CALM, None, None, None, 5, 5, 1, 1, 1]
    assert onset_days(episodes(rows(values))) == [13]
    assert onset_days(episodes(rows(values), gap_dating_days=0)) == [15]
    assert onset_days(episodes(rows(values), rule="methods")) == [15]  # METHODS.md 4 dates it to the morning
    assert onset_days(episodes(rows([*CALM, None, 5, 5, 1, 1, 1]))) == [12]  # 1 unlogged day: 1 back
    assert onset_days(episodes(rows([*CALM, 5, 5, 1, 1, 1]))) == [12]  # none: the morning itself
    assert onset_days(episodes(rows([*CALM] + [None] * 10 + [5, 5, 1, 1, 1]))) == [19]  # 10: at most 3 back
    # the dated day, not logged, counts as logged and at risk (the onset was observed there), so the
    # models keep the onset; the unlogged days before it stay out, those after are inside the episode
    frame = schema.coerce_pain(pd.DataFrame(rows(values), columns=["date", "time_of_day", "region", "side", "pain"]))
    daily = fl.daily_pain(frame)
    rd = fl.region_days(daily, fl.detect_flareups(daily)).set_index(["region", "date"]).loc["achilles"]
    day = [DAY0 + pd.Timedelta(days=i) for i in (12, 13, 14, 15)]
    assert rd.loc[day, "onset"].tolist() == [0, 1, 0, 0]
    assert rd.loc[day, "logged"].tolist() == [False, True, False, True]
    assert rd.loc[day, "at_risk"].tolist() == [False, True, False, False]
    assert rd.loc[day, "in_flare"].tolist() == [False, True, True, True]
    assert pd.isna(rd.loc[day[1], "outcome_pain"])  # nothing was logged that day


def test_gap_dating_does_not_reach_into_the_previous_episode():
    # episode 1: 6, 6 on days 12-13, ended by 1, 1, 1 on days 14-16 (end day 16); days 17-21 calm (1); 22-23
    # not logged; 6, 6 on 24-25 fires on day 24 = end + 8, a new onset without gap dating; dated 1 back
    # (ceil(2/2)) to day 23 = end + 7, inside the 7 refractory days, so it re-opens episode 1
    values = [*CALM, 6, 6, 1, 1, 1, 1, 1, 1, 1, 1, None, None, 6, 6, 1, 1, 1]
    assert onset_days(episodes(rows(values), gap_dating_days=0)) == [12, 24]
    ep = episodes(rows(values))
    assert onset_days(ep) == [12] and ep.loc[0, "reopened"] == 1


def test_episode_end_and_refractory_days_with_a_backdated_onset():
    ep = episodes(rows([*CALM, 5, 5, 2, 3, 2, 2, 2, 1]))
    assert onset_days(ep) == [12] and ep.loc[0, "end_date"] == DAY0 + pd.Timedelta(days=18)  # 2, 3 resets, 2, 2, 2
    # episode 1: 6, 6 on days 16-17 (>= L = 3.921), 1, 1, 1 (<= B + 1 = 2): ends day 20. Days 21-26
    # (1, 2, 1, 0, 1, 2) join the baseline. The rise 3, 3, 4, 5 on days 27-30 fires on day 28 = end + 8
    # (a new onset without backdating), dated back to day 27 = end + 7: inside the 7 refractory days,
    # so it re-opens episode 1 instead.
    values = [*BASE, 6, 6, 1, 1, 1] + [1, 2, 1, 0, 1, 2] + [3, 3, 4, 5, 1, 1, 1]
    ep = episodes(rows(values))
    assert onset_days(ep) == [16] and ep.loc[0, "reopened"] == 1
    assert onset_days(episodes(rows(values), backdate_mornings=0)) == [16, 28]


def test_red_flag_confirmed_by_the_next_morning():
    # BASE: 6, 3, 1: one morning >= L = 3.921, mean 10/3 = 3.33 < M = 3.373; but 6 > 5 and the next
    # logged morning 3 >= B + 2 = 3: a confirmed red flag
    ep = episodes(rows([*BASE, 6, 3, 1, 1, 1]))
    assert onset_days(ep) == [16] and ep.loc[0, "rule"] == "red flag confirmed"
    assert len(episodes(rows([*BASE, 6, 2, 1, 1, 1]))) == 0  # 2 < 3: a red flag, not an onset


def test_missing_mornings_in_the_mean_window():
    # BASE, then 3 on day 16 and 3, 5 after a gap: the 3 mornings must lie within 10 calendar days of
    # the first. Days 16, 24, 25: (3, 3, 5) mean 3.67 >= M = 3.373, all >= 3: an onset on day 16
    assert onset_days(episodes(rows([*BASE, 3] + [None] * 7 + [3, 5, 1, 1, 1]))) == [16]
    # days 16, 25, 26: day 26 is 10 days on, so day 16 has only 2 mornings in its window (no mean, and
    # 3, 3 < L); later windows (3, 5, 1) and (5, 1, 1) fall short: no onset
    assert len(episodes(rows([*BASE, 3] + [None] * 8 + [3, 5, 1, 1, 1]))) == 0


def test_sensitivity_variants_of_the_adaptive_rule():
    v = fl.sensitivity_variants(fl.daily_pain(schema.coerce_pain(pd.DataFrame(
        rows([*CALM, 3, 3, 1, 1, 1]), columns=["date", "time_of_day", "region", "side", "pain"]))))
    assert set(v) == {"default", "minus_1_point", "plus_1_point", "one_day", "three_days"}
    assert onset_days(v["default"]) == [12]  # 3, 3, 1: 2 of 3 >= 3
    assert len(v["three_days"]) == 0  # not 3 of 3; mean 7/3 < 3
    assert len(v["plus_1_point"]) == 0  # L = 4
    v = fl.sensitivity_variants(fl.daily_pain(schema.coerce_pain(pd.DataFrame(
        rows([*CALM, 3, 1, 1, 1, 1]), columns=["date", "time_of_day", "region", "side", "pain"]))))
    assert len(v["default"]) == 0 and onset_days(v["one_day"]) == [12]  # 1 of 3 mornings


def test_backdating_keeps_ten_baseline_mornings():
    # 9 calm mornings, then 3 on day 9 (no baseline yet: it joins, making 10), 3, 4, 5 on days 10-12.
    # Day 10 fires (10 mornings 0,1,2,1,0,1,2,1,1,3: B = 1, SD = 0.919, M = 1 + 3.25 x 0.919 = 3.987;
    # 3, 4, 5 -> mean 4 >= M); dating it back to day 9 would leave 9 baseline mornings before the onset
    # (no baseline, not at risk): it stays on day 10.
    values = [0, 1, 2, 1, 0, 1, 2, 1, 1, 3, 3, 4, 5, 1, 1, 1]
    assert onset_days(episodes(rows(values))) == [10]
    assert onset_days(episodes(rows(values), min_baseline_days=9)) == [9]  # with 9 needed, it moves back


def test_a_red_flag_on_the_first_morning_of_a_gap_dated_onset_says_it_started_the_episode():
    # CALM, days 12-13 not logged, 7 on day 14 and 4 on day 15: a confirmed red flag (7 > 5, next morning
    # 4 >= B + 2 = 3) and also 2 of 3 mornings >= L; the onset is dated ceil(2/2) = 1 day back, to day 13
    values = [*CALM, None, None, 7, 4, 1, 1, 1]
    frame = schema.coerce_pain(pd.DataFrame(rows(values), columns=["date", "time_of_day", "region", "side", "pain"]))
    daily = fl.daily_pain(frame)
    ep = fl.detect_flareups(daily)
    assert onset_days(ep) == [13]
    flags = fl.red_flags(daily, ep)
    assert len(flags) == 1 and flags.loc[0, "date"] == DAY0 + pd.Timedelta(days=14)
    assert flags.loc[0, "onset"] and flags.loc[0, "in_episode"] and flags.loc[0, "confirmed"]
