"""The flare-up onset rule of METHODS.md 4 (``rule="methods"``, analysis/onsets.py) on hand-built diaries.

runlog's default is the adaptive rule (tests/test_onsets_adaptive.py); METHODS.md
4's own rule stays selectable and these tests pin it (``episodes`` passes
``rule="methods"``); the property test and the region-day tests run the default.

Replaces the onset tests of test_flareups.py that encoded the old rule (daily max,
one-day morning rise, any item > 5); every old behaviour that still holds keeps a
test here (2-day runs, thresholds, baseline from non-flare days only, episode end,
open episodes, refractory re-opening, sensitivity variants, region-day flags).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analysis import flareups as fl
from analysis import schema

DAY0 = pd.Timestamp("2026-03-02")
CALM = [1] * 12  # 12 logged mornings at 1: B = 1, S = 0.5, onset level L = max(3, 2, 3) = 3


def day(n: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=n)


def rows(values, *, time="morning", region="achilles", side="L", start=0):
    """Diary rows from daily values (None = not logged), day ``start`` onwards."""
    return [(day(start + i), time, region, side, v) for i, v in enumerate(values) if v is not None]


def pain(*parts) -> pd.DataFrame:
    flat = [r for part in parts for r in part]
    return schema.coerce_pain(pd.DataFrame(flat, columns=["date", "time_of_day", "region", "side", "pain"]))


def episodes(*parts, **params) -> pd.DataFrame:
    """Episodes under METHODS.md 4's rule (unless ``rule`` is given)."""
    return fl.detect_flareups(fl.daily_pain(pain(*parts)), **{"rule": "methods", **params})


def onset_days(ep) -> list[int]:
    return [(d - DAY0).days for d in ep["onset_date"]]


# ---------------------------------------------------------------- the onset rule


def test_onset_is_dated_to_the_first_of_two_of_three_logged_mornings():
    ep = episodes(rows([*CALM, 4, 1, 4, 1, 1, 1]))
    assert onset_days(ep) == [12] and ep.loc[0, "rule"] == "sustained"
    assert ep.loc[0, "baseline"] == 1 and ep.loc[0, "spread"] == 0.5 and ep.loc[0, "onset_level"] == 3
    assert ep.loc[0, "peak"] == 4 and ep.loc[0, "item"] == "morning"
    # the first day must be above the level: 1, 4, 4 starts on the first 4
    assert onset_days(episodes(rows([*CALM, 1, 4, 4, 1, 1, 1]))) == [13]
    # 2 consecutive days (the old rule's case) still start an onset on the first
    assert onset_days(episodes(rows([*CALM, 3, 3, 1, 1, 1]))) == [12]


def test_a_one_day_spike_is_not_an_onset():
    assert len(episodes(rows([*CALM, 4, 1, 1, 1, 1]))) == 0
    assert len(episodes(rows([*CALM, 5, 2, 2, 1]))) == 0  # 2 < L = 3
    # the old rule's "morning 2 points above yesterday" with no minimum level is gone
    assert len(episodes(rows([0] * 12 + [2, 0, 0, 0]))) == 0


def test_onset_level_is_the_largest_of_b_plus_2_b_plus_2s_and_3():
    # B = 2 (all 2s): L = B + 2 = 4
    assert len(episodes(rows([2] * 12 + [3, 3, 2, 2]))) == 0
    assert onset_days(episodes(rows([2] * 12 + [4, 4, 2, 2]))) == [12]
    # a wide spread: 0,1,2,3 repeated -> B = 1.5, MAD = 1, S = 1.4826, L = 1.5 + 2.965 = 4.47
    wide = [0, 1, 2, 3] * 4
    assert len(episodes(rows([*wide, 4, 4, 1, 1]))) == 0
    ep = episodes(rows([*wide, 5, 5, 1, 1]))
    assert onset_days(ep) == [16] and ep.loc[0, "spread"] == pytest.approx(1.4826)
    assert ep.loc[0, "onset_level"] == pytest.approx(1.5 + 2 * 1.4826)
    # B = 0: L = 3 (the floor), not B + 2 = 2
    assert len(episodes(rows([0] * 12 + [2, 2, 0, 0]))) == 0


def test_red_flag_counts_only_when_the_next_morning_confirms():
    wide = [0, 1, 2, 3] * 4  # B = 1.5, L = 4.47, confirmation B + 2 = 3.5
    ep = episodes(rows([*wide, 6, 4, 1, 1, 1]))
    assert onset_days(ep) == [16] and ep.loc[0, "rule"] == "red flag confirmed"
    assert len(episodes(rows([*wide, 6, 3, 1, 1, 1]))) == 0  # 3 < 3.5: not confirmed
    # the next *logged* morning confirms across a gap
    assert onset_days(episodes(rows([*wide, 6, None, 4, 1, 1, 1]))) == [16]
    # red flags are listed either way, with the confirmation
    daily = fl.daily_pain(pain(rows([*wide, 6, 3, 1, 1, 1])))
    flags = fl.red_flags(daily)
    assert len(flags) == 1 and flags.loc[0, "date"] == day(16) and flags.loc[0, "pain"] == 6
    assert flags.loc[0, "next_morning"] == 3 and not flags.loc[0, "confirmed"] and not flags.loc[0, "onset"]
    assert flags.loc[0, "outcome_item"]
    # a lone 6 after a calm baseline: a red flag, not an onset (next morning 1 < B + 2 = 3)
    assert len(episodes(rows([*CALM, 6, 1, 1, 1]))) == 0


def test_sustained_is_named_when_both_rules_fire():
    ep = episodes(rows([*CALM, 6, 5, 1, 1, 1]))
    assert onset_days(ep) == [12] and ep.loc[0, "rule"] == "sustained"
    assert ep.attrs["onsets_by_rule"]["achilles"] == {"sustained": 1, "red flag confirmed": 0}


def test_baseline_needs_ten_logged_non_flare_mornings():
    assert len(episodes(rows([1] * 9 + [5, 5, 1, 1, 1]))) == 0
    assert onset_days(episodes(rows([1] * 10 + [5, 5, 1, 1, 1]))) == [10]
    # logged mornings count, not calendar days: 12 days with 3 gaps are 9 mornings
    gappy = [1, None, 1, 1, None, 1, 1, None, 1, 1, 1, 1]
    assert len(episodes(rows([*gappy, 5, 5, 1, 1, 1]))) == 0
    # the baseline is the last 28 (here 14) non-flare mornings: the episode's days are left out.
    # Episode: onset day 12, 8s, settles on 1s (<= B + 1), ends day 20; 7 calm days; onset day 28.
    # Its last 14 mornings before day 28 are 14 zeros: B = 0. With the episode's 8s and 1s it
    # would be median(0 x 7, 1 x 3, 8 x 4) = 0.5.
    values = [0] * 12 + [8] * 6 + [1, 1, 1] + [0] * 7 + [3, 3, 0, 0, 0]
    ep = episodes(rows(values), baseline_days=14)
    assert onset_days(ep) == [12, 28] and ep["baseline"].tolist() == [0, 0]


def test_episode_ends_after_three_settled_logged_mornings():
    ep = episodes(rows([*CALM, 5, 5, 2, 3, 2, 2, 2, 1]))
    assert ep.loc[0, "end_date"] == day(18)  # 2 (<= B + 1), 3 resets, then 2, 2, 2 on days 16-18
    # a day without an entry neither breaks nor counts toward the 3 settled mornings
    ep = episodes(rows([*CALM, 5, 5, 2, None, 2, None, None, 2, 1]))
    assert ep.loc[0, "end_date"] == day(19)
    open_ep = episodes(rows([*CALM, 5, 5, 2, 2]))
    assert pd.isna(open_ep.loc[0, "end_date"])  # still open at the end of the diary
    assert open_ep.loc[0, "peak"] == 5


def test_refractory_days_reopen_the_episode_and_then_allow_a_new_onset():
    # episode 1: onset day 12, ends day 16 (1, 1, 1 on days 14-16)
    first = [*CALM, 5, 5, 1, 1, 1]
    again_day_23 = first + [1] * 6 + [5, 5, 1, 1, 1]  # fires on day 23 = end + 7: same episode
    ep = episodes(rows(again_day_23))
    assert onset_days(ep) == [12] and ep.loc[0, "reopened"] == 1 and ep.loc[0, "end_date"] == day(27)
    again_day_24 = first + [1] * 7 + [5, 5, 1, 1, 1]  # day 24 = end + 8: a new onset
    ep = episodes(rows(again_day_24))
    assert onset_days(ep) == [12, 24] and ep["reopened"].tolist() == [0, 0]


def test_sides_merge_to_the_worse_side_and_the_side_is_kept():
    calm_r = rows([1] * 17, side="R")
    ep = episodes(rows([*CALM, 5, 5, 1, 1, 1]), calm_r)
    assert onset_days(ep) == [12] and ep.loc[0, "side"] == "L"
    both = episodes(rows([*CALM, 5, 5, 1, 1, 1]), rows([*CALM, 4, 4, 1, 1, 1], side="R"))
    assert len(both) == 1 and both.loc[0, "side"] == "B"  # one region series: one onset
    # one high morning on each side, on consecutive days: the worse-side series is 5, 5
    left = rows([*CALM, 5, 1, 1, 1, 1])
    right = rows([*CALM, 1, 5, 1, 1, 1], side="R")
    ep = episodes(left, right)
    assert onset_days(ep) == [12] and ep.loc[0, "side"] == "L"


def test_during_and_after_values_never_create_an_onset():
    morning = rows([1] * 20)
    run_day_items = rows([None] * 12 + [8, 8, 8, 8], time="after") + rows([None] * 12 + [7, 7], time="during")
    daily = fl.daily_pain(pain(morning, run_day_items))
    assert len(fl.detect_flareups(daily)) == 0
    flags = fl.red_flags(daily)
    assert set(flags["item"]) == {"during", "after"} and not flags["outcome_item"].any()
    assert not flags["onset"].any()


def test_region_without_morning_entries_falls_back_and_says_so():
    daily_after = rows([*CALM, 5, 5, 1, 1, 1], time="after", region="glute")  # logged every day
    only_run_days = rows([1, None, None, 1, None] * 3 + [8, 8, 8], time="after", region="patellar")
    ep = episodes(daily_after, only_run_days)
    assert ep.attrs["outcome_items"]["glute"] == "after" and onset_days(ep) == [12]
    assert ep.loc[0, "item"] == "after"
    assert ep.attrs["outcome_items"]["patellar"] is None  # 'after' on 9 of the diary's 17 days
    assert (ep["region"] == "patellar").sum() == 0  # never the max over run-day items
    notes = " | ".join(ep.attrs["notes"])
    assert "glute: no morning entries; onsets use 'after' pain" in notes
    assert "patellar: no morning entries and no item logged" in notes and "not assessed" in notes
    assert ep.attrs["outcome_items"]["achilles"] is None and "achilles" not in notes  # never logged


def test_onset_window_must_fall_within_a_week():
    assert len(episodes(rows([*CALM, 5] + [None] * 7 + [5, 1, 1, 1]))) == 0
    assert onset_days(episodes(rows([*CALM, 5] + [None] * 5 + [5, 1, 1, 1]))) == [12]


def test_defaults_are_those_of_methods_md_section_4():
    d = fl.flare_rule(rule="methods")
    assert (d.baseline_days, d.min_baseline_days, d.mad_scale, d.min_spread, d.spread) == (28, 10, 1.4826, 0.5, "mad")
    assert (d.rise_points, d.spread_multiplier, d.min_level) == (2, 2, 3)
    assert (d.days_needed, d.window_days, d.red_flag_above, d.confirm_points) == (2, 3, 5, 2)
    assert (d.end_days, d.end_margin, d.refractory_days, d.threshold_shift_points) == (3, 1, 7, 0)
    assert (d.mean_spread_multiplier, d.backdate_mornings, d.window_span_days) == (0, 0, 7)  # no mean, no backdating
    assert fl.flare_rule(rule="methods", baseline_days=56).baseline_days == 56  # parameters override the preset
    text = fl.describe_rule(d)
    assert "max(B + 2, B + 2 S, 3) on 2 of 3 consecutive logged mornings" in text and "as first specified" in text
    assert "dated back" not in text and "averaging" not in text
    assert "B + 3" in fl.describe_rule(fl.flare_rule(rule="methods", rise_points=3))


def test_unknown_parameter_is_refused():
    with pytest.raises(TypeError, match="unknown flare-up parameter 'consecutive_days'"):
        episodes(rows(CALM), consecutive_days=2)
    with pytest.raises(TypeError, match="unknown flare-up rule 'cusum'"):
        episodes(rows(CALM), rule="cusum")


# ---------------------------------------------------------------- region days


def test_region_days_flags():
    values = [*CALM, 5, 5, 1, 1, 1] + [1] * 7 + [4, None, 4, 1, 1, 1]
    daily = fl.daily_pain(pain(rows(values)))
    ep = fl.detect_flareups(daily)
    assert onset_days(ep) == [12, 24]
    rd = fl.region_days(daily, ep)
    assert set(fl.REGION_DAY_COLUMNS) == set(rd.columns)
    a = rd[rd["region"] == "achilles"].set_index("date")
    assert a.loc[day(12), "onset"] == 1 and a.loc[day(12), "at_risk"] and a.loc[day(12), "in_flare"]
    assert not a.loc[day(13), "at_risk"] and a.loc[day(16), "in_flare"] and not a.loc[day(17), "in_flare"]
    # refractory: days 17..23 after the end on day 16 are not at risk; day 24 is
    assert a.loc[day(17) : day(23), "refractory"].all() and not a.loc[day(17) : day(23), "at_risk"].any()
    assert a.loc[day(24), "at_risk"] and a.loc[day(24), "onset"] == 1
    # no baseline before 10 logged mornings: not at risk
    assert not a.loc[day(0) : day(9), "at_risk"].any() and a.loc[day(10), "at_risk"]
    assert a.loc[day(10), "baseline"] == 1 and a.loc[day(10), "onset_level"] == 3
    # a day without a morning is not at risk (exposure counts logged days only)
    assert not a.loc[day(25), "logged"] and not a.loc[day(25), "at_risk"]
    assert a["onset"].sum() == 2
    assert a.loc[day(12), "morning_pain"] == 5 and a.loc[day(12), "outcome_item"] == "morning"
    other = rd[rd["region"] == "plantar"]
    assert not other["at_risk"].any() and not other["logged"].any() and other["pain_max"].isna().all()


def test_region_days_morning_pain_is_the_worse_side_and_pain_max_all_items():
    daily = fl.daily_pain(
        pain(rows([2, 1]), rows([1, 3], side="R"), rows([6, None], time="after", side="R"))
    )
    rd = fl.region_days(daily, fl.detect_flareups(daily)).set_index(["region", "date"]).loc["achilles"]
    assert rd["morning_pain"].tolist() == [2, 3] and rd["pain_max"].tolist() == [6, 3]


# ---------------------------------------------------------------- sensitivity


def test_sensitivity_variants_thresholds_and_days():
    v = fl.sensitivity_variants(
        fl.daily_pain(pain(rows([*CALM, 2, 2, 1, 1, 1] + [1] * 8 + [3, 1, 1, 1]))), rule="methods"
    )
    assert set(v) == {"default", "minus_1_point", "plus_1_point", "one_day", "three_days"}
    assert len(v["default"]) == 0 and len(v["three_days"]) == 0
    assert onset_days(v["minus_1_point"]) == [12]  # L = 3 - 1 = 2 on 2 days
    assert onset_days(v["one_day"]) == [25]  # a single 3 (1 of 3 mornings)
    v = fl.sensitivity_variants(fl.daily_pain(pain(rows([*CALM, 3, 3, 1, 1, 1]))), rule="methods")
    assert len(v["default"]) == 1 and len(v["plus_1_point"]) == 0  # level 3 vs 4
    assert len(v["three_days"]) == 0  # 3, 3, 1: 2 of 3 mornings, not 3 of 3
    assert v["plus_1_point"].attrs["params"]["threshold_shift_points"] == 1
    summary = fl.sensitivity_summary(v).set_index(["variant", "region"])
    assert summary.loc[("default", "achilles"), "onsets"] == 1
    assert summary.loc[("default", "achilles"), "sustained"] == 1
    assert summary.loc[("plus_1_point", "achilles"), "onsets"] == 0


def test_shared_outcomes_change_nothing():
    # the outcomes computed once (outcomes_of) and handed to every step give what each step computes itself;
    # the morning series here has a fallback-free region and an onset, so every path is exercised
    daily = fl.daily_pain(pain(rows([*CALM, 4, 4, 1, 1, 1] + [1] * 8 + [3, 3, 1, 1])))
    shared = fl.outcomes_of(daily, fl.flare_rule({}))
    assert set(shared) == set(schema.REGIONS) and shared["achilles"].item == "morning"
    alone, given_ = fl.detect_flareups(daily), fl.detect_flareups(daily, outcomes=shared)
    pd.testing.assert_frame_equal(alone, given_)
    assert alone.attrs == given_.attrs and len(alone) == 2
    pd.testing.assert_frame_equal(fl.region_days(daily, alone), fl.region_days(daily, alone, outcomes=shared))
    for name, episodes in fl.sensitivity_variants(daily, outcomes=shared).items():
        pd.testing.assert_frame_equal(episodes, fl.sensitivity_variants(daily)[name])


def test_a_looser_rule_with_fewer_onsets_is_explained():
    # default: onsets on day 12 (ends 16) and day 25 (9 days after the end);
    # minus one point: the 2, 2 on days 21-22 re-open episode 1 (inside its 7
    # refractory days), it ends on day 24, and the rise on day 25 re-opens it again
    values = [*CALM, 4, 4, 1, 1, 1] + [1, 1, 1, 1, 2, 2, 1, 1] + [4, 4, 1, 1, 1]
    v = fl.sensitivity_variants(fl.daily_pain(pain(rows(values))))
    assert onset_days(v["default"]) == [12, 25]
    assert onset_days(v["minus_1_point"]) == [12] and v["minus_1_point"].loc[0, "reopened"] == 2
    text = v["minus_1_point"].attrs["explanations"]["achilles"]
    assert text.startswith("1 onsets vs 2 by default: 1 default onset(s) fall inside a longer episode")
    assert "episodes merge" in text
    summary = fl.sensitivity_summary(v).set_index(["variant", "region"])
    assert summary.loc[("minus_1_point", "achilles"), "explanation"] == text
    assert pd.isna(summary.loc[("plus_1_point", "achilles"), "explanation"])  # not looser


# ---------------------------------------------------------------- properties

values_strategy = st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(left=values_strategy, right=values_strategy, after=values_strategy)
# backdating must leave 10 baseline mornings before the onset, or the onset day is not at risk
@example(left=[0, None, 0, 0, 0, 0, 0, 0, None, 0, 0, None, 8, None, 8, 2], right=[None], after=[None])
def test_onsets_never_fall_inside_an_episode_and_are_at_risk(left, right, after):
    daily = fl.daily_pain(pain(rows(left), rows(right, side="R"), rows(after, time="after")))
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
    assert rd.loc[rd["at_risk"], "logged"].all()
    # during/after entries never change the episodes of a region with morning entries (without any,
    # an 'after' item logged on >= 90 % of the days is the fallback outcome and may start onsets)
    if any(v is not None for v in [*left, *right]):
        without = fl.detect_flareups(fl.daily_pain(pain(rows(left), rows(right, side="R"))))
        pd.testing.assert_frame_equal(
            ep.reset_index(drop=True), without.reset_index(drop=True), check_dtype=False
        )
