"""Load metrics: hand-computed values, boundaries, and the no-leakage property."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import load, schema
from analysis.schema import GROUPING

DAY0 = pd.Timestamp("2026-01-05")  # a Monday


def make_runs(rows) -> pd.DataFrame:
    """rows: (day offset, km, shoe_class[, rpe, minutes])."""
    records = []
    for i, row in enumerate(rows):
        day, km, shoe = row[:3]
        rpe = row[3] if len(row) > 3 else None
        minutes = row[4] if len(row) > 4 else (None if km is None else km * 6)
        records.append(
            {
                "activity_id": f"csv:{i:04d}",
                "date": DAY0 + pd.Timedelta(days=day),
                "distance_m": None if km is None else km * 1000,
                "moving_time_s": None if minutes is None else minutes * 60,
                "rpe": rpe,
                "shoe_class": shoe,
            }
        )
    return schema.coerce_runs(pd.DataFrame(records))


def day(n: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=n)


# ---------------------------------------------------------------- daily series


def test_daily_load_rest_days_classes_and_srpe():
    runs = make_runs(
        [
            (0, 10, "minimalist", 5, 50),
            (0, 2, "barefoot", None, 15),
            (2, 8, "traditional", None, 48),
            (3, None, "partial", 4, 30),
            (4, 6, None, 3, 40),
        ]
    )
    d = load.daily_load(runs, end=day(5))
    assert list(d.index) == [day(i) for i in range(6)] and d.index.name == "date"
    assert d.loc[day(0), "km"] == 12 and d.loc[day(0), "runs"] == 2
    assert d.loc[day(0), "km_barefoot_style"] == 12 and d.loc[day(0), "km_traditional_style"] == 0
    assert d.loc[day(0), "longest_run_km"] == 10
    # srpe: only the run with an RPE counts: 5 x 50 min
    assert d.loc[day(0), "srpe_au"] == 250
    # rest day: 0 everywhere, srpe 0
    assert d.loc[day(1), "km"] == 0 and d.loc[day(1), "srpe_au"] == 0 and d.loc[day(1), "runs"] == 0
    # runs but no RPE -> srpe NA
    assert pd.isna(d.loc[day(2), "srpe_au"]) and d.loc[day(2), "km_traditional"] == 8
    # a day whose only run has no distance: km unknown, not 0
    assert pd.isna(d.loc[day(3), "km"]) and pd.isna(d.loc[day(3), "km_partial"])
    assert d.loc[day(3), "minutes"] == 30 and d.loc[day(3), "srpe_au"] == 120
    # missing class counts as unknown
    assert d.loc[day(4), "km_unknown"] == 6
    assert (d.dtypes == "Float64").all()


def test_custom_grouping_moves_partial():
    runs = make_runs([(0, 5, "partial"), (0, 3, "minimalist")])
    grouping = {**GROUPING, "partial": load.BAREFOOT_STYLE}
    d = load.daily_load(runs, grouping=grouping)
    assert d.loc[day(0), "km_barefoot_style"] == 8 and d.loc[day(0), "km_traditional_style"] == 0


def test_weekly_and_rolling():
    runs = make_runs(
        [(0, 10, "minimalist"), (3, 10, "traditional"), (6, 20, "traditional"), (7, 5, "barefoot")]
    )
    d = load.daily_load(runs, end=day(13))
    w = load.weekly_load(d)
    assert list(w.index) == [day(0), day(7)]
    assert w.iloc[0]["km"] == 40 and w.iloc[0]["days"] == 7 and w.iloc[0]["iso_week"] == 2
    assert w.iloc[0]["barefoot_style_share_pct"] == pytest.approx(25.0)
    assert w.iloc[1]["barefoot_style_share_pct"] == pytest.approx(100.0)
    r = load.rolling_7d(d)
    assert pd.isna(r.loc[day(5), "km"])  # window not full yet
    assert r.loc[day(6), "km"] == 40 and r.loc[day(7), "km"] == 35  # days 1..7: 10 + 20 + 5
    assert r.loc[day(7), "km_barefoot_style"] == 5


# ---------------------------------------------------------------- EWMA, ACWR, CTL


def test_ewma_short_series_by_hand():
    s = pd.Series([10.0, 0.0, 0.0, 20.0], index=pd.date_range("2026-01-01", periods=4))
    acute = load.ewma(s, span_days=7, hide_days=0)
    # lam = 2/8 = 0.25: 10; 0.75*10 = 7.5; 0.75*7.5 = 5.625; 0.25*20 + 0.75*5.625 = 9.21875
    assert acute.tolist() == pytest.approx([10.0, 7.5, 5.625, 9.21875])
    chronic = load.ewma(s, span_days=28, hide_days=0)
    lam = 2 / 29
    e1 = (1 - lam) * 10
    e3 = lam * 20 + (1 - lam) ** 2 * e1
    assert chronic.iloc[3] == pytest.approx(e3)
    # the first 42 days are hidden by default
    assert load.ewma(s, span_days=7).isna().all()
    # an unknown day carries the previous value
    gap = pd.Series([10.0, np.nan, 20.0])
    assert load.ewma(gap, span_days=7, hide_days=0).tolist() == pytest.approx([10.0, 10.0, 12.5])


def test_acute_chronic_hidden_42_days():
    runs = make_runs([(i, 5, "traditional") for i in range(60)])
    ac = load.acute_chronic(load.daily_load(runs))
    assert ac.iloc[:42].isna().all().all()
    assert ac.iloc[42:].notna().all().all()
    assert ac["acute_km"].iloc[-1] == pytest.approx(5.0)  # constant load: EWMA = load


def test_acwr_uncoupled_is_descriptive_and_relates_to_coupled():
    rng = np.random.default_rng(1)
    kms = rng.integers(0, 15, size=40)
    runs = make_runs([(i, int(k), "traditional") for i, k in enumerate(kms) if k > 0])
    d = load.daily_load(runs, start=day(0), end=day(39))
    out = load.acwr_uncoupled(d)
    assert out.attrs["label"] == load.DESCRIPTIVE
    t = 35
    x = d["km"].astype(float).to_numpy()
    acute = x[t - 6 : t + 1].mean()
    coupled = acute / x[t - 27 : t + 1].mean()
    uncoupled = acute / x[t - 27 : t - 6].mean()
    assert out["acwr_uncoupled"].iloc[t] == pytest.approx(uncoupled)
    assert uncoupled == pytest.approx(3 * coupled / (4 - coupled))
    assert pd.isna(out["acwr_uncoupled"].iloc[26])  # chronic window not full


def test_acwr_zero_chronic_is_na_not_inf():
    runs = make_runs([(27, 5, "traditional")])
    d = load.daily_load(runs, start=day(0), end=day(27))
    assert pd.isna(load.acwr_uncoupled(d)["acwr_uncoupled"].iloc[-1])


def test_fitness_fatigue_by_hand():
    runs = make_runs([(0, 42, "traditional")])
    ff = load.fitness_fatigue(load.daily_load(runs, end=day(1)))
    assert ff.attrs["label"] == load.PERFORMANCE_MODEL
    assert ff["ctl_km"].iloc[0] == pytest.approx(1.0)  # 0 + (42 - 0)/42
    assert ff["atl_km"].iloc[0] == pytest.approx(6.0)  # 0 + (42 - 0)/7
    assert pd.isna(ff["tsb_km"].iloc[0])
    assert ff["tsb_km"].iloc[1] == pytest.approx(-5.0)  # CTL(t-1) - ATL(t-1)
    assert ff["ctl_km"].iloc[1] == pytest.approx(1 - 1 / 42)


# ---------------------------------------------------------------- change, spikes, monotony


def test_week_change_symmetrised_and_bins():
    # one run per week on Mondays: 20, 30, 33, 29.7, 0, 10 km (weeks are complete)
    kms = [20, 30, 33, 29.7, 0, 10]
    runs = make_runs([(7 * i, k, "traditional") for i, k in enumerate(kms) if k > 0])
    d = load.daily_load(runs, start=day(0), end=day(41))
    ch = load.week_change(load.weekly_load(d))
    assert pd.isna(ch["change_pct"].iloc[0])
    assert ch["change_sym_pct"].iloc[1] == pytest.approx(20.0)  # 100*10/50
    assert ch["change_pct"].iloc[1] == pytest.approx(50.0)
    assert list(ch["change_bin"].iloc[1:]) == [">30", "10-30", "<10", "<10", ">30"]
    assert ch["change_pct"].iloc[2] == pytest.approx(10.0)  # boundary 10 -> 10-30
    assert ch["change_sym_pct"].iloc[4] == pytest.approx(-100.0)
    assert pd.isna(ch["change_pct"].iloc[5])  # after a 0 km week: NA, never inf
    assert ch["change_sym_pct"].iloc[5] == pytest.approx(100.0)
    assert load.change_bin(30.0) == "10-30" and load.change_bin(30.0001) == ">30"


def test_week_change_incomplete_weeks_are_na():
    runs = make_runs([(0, 10, "traditional"), (9, 20, "traditional")])
    d = load.daily_load(runs)  # 10 days: the second week is cut
    assert load.week_change(load.weekly_load(d))["change_sym_pct"].isna().all()


@pytest.mark.parametrize(
    ("km", "ratio", "bin_"),
    [
        (11.0, 1.10, "none"),
        (11.01, 1.101, "small"),
        (13.0, 1.30, "small"),
        (13.01, 1.301, "moderate"),
        (20.0, 2.00, "moderate"),
        (20.01, 2.001, "large"),
        (5.0, 0.5, "none"),
    ],
)
def test_spike_ratio_bins_at_boundaries(km, ratio, bin_):
    runs = make_runs([(0, 10, "traditional"), (5, km, "traditional")])
    sr = load.spike_ratio(runs)
    assert pd.isna(sr["spike_ratio"].iloc[0])  # no earlier run
    assert sr["spike_ratio"].iloc[1] == pytest.approx(ratio)
    assert sr["spike_bin"].iloc[1] == bin_


def test_spike_float_rounding_and_window_edges():
    # 3.3 / 3.0 is 1.0999999999999999 in binary: still exactly 1.10 -> none
    sr = load.spike_ratio(make_runs([(0, 3.0, "minimalist"), (1, 3.3, "minimalist")]))
    assert sr["spike_bin"].iloc[1] == "none"
    # window d-30..d-1: a run 30 days back counts, 31 days back does not
    sr = load.spike_ratio(make_runs([(0, 10, "traditional"), (30, 15, "traditional")]))
    assert sr["spike_ratio"].iloc[1] == pytest.approx(1.5)
    sr = load.spike_ratio(make_runs([(0, 10, "traditional"), (31, 15, "traditional")]))
    assert pd.isna(sr["spike_ratio"].iloc[1])
    # an earlier run on the same day is not "previous"
    sr = load.spike_ratio(make_runs([(0, 10, "traditional"), (3, 4, "traditional"), (3, 12, "traditional")]))
    assert sr["spike_ratio"].iloc[2] == pytest.approx(1.2)


def test_spike_ratio_per_shoe_class():
    runs = make_runs([(0, 20, "traditional"), (1, 4, "minimalist"), (5, 6, "minimalist")])
    sr = load.spike_ratio(runs)
    last = sr.iloc[2]
    assert last["spike_ratio"] == pytest.approx(6 / 20) and last["spike_bin"] == "none"
    assert last["spike_ratio_class"] == pytest.approx(1.5) and last["spike_bin_class"] == "moderate"
    assert sr.index.name == "activity_id"


def test_monotony_by_hand_and_zero_variance_is_na():
    loads = [0, 5, 0, 5, 0, 5, 6, 5, 5, 5, 5, 5, 5, 5]
    runs = make_runs([(i, k, "traditional") for i, k in enumerate(loads) if k > 0])
    m = load.monotony_strain(load.daily_load(runs, start=day(0), end=day(13)))
    # days 0..6: mean 3, sample SD sqrt(48/6) = sqrt(8)
    assert m["monotony"].iloc[6] == pytest.approx(3 / math.sqrt(8))
    assert m["strain_km"].iloc[6] == pytest.approx(21 * 3 / math.sqrt(8))
    assert not m["monotony_flag"].iloc[6]
    assert m["monotony"].iloc[:6].isna().all()
    # days 7..13 all 5 km: SD 0 -> NA, never inf
    last = m.iloc[13]
    assert pd.isna(last["monotony"]) and pd.isna(last["strain_km"]) and pd.isna(last["monotony_flag"])
    assert not np.isinf(m["monotony"].astype(float)).any()
    # a whole rest week: also NA
    rest = load.monotony_strain(load.daily_load(make_runs([(0, 5, "traditional")]), end=day(10)))
    assert pd.isna(rest["monotony"].iloc[10])


def test_monotony_flag_above_two():
    runs = make_runs([(i, 10 if i < 6 else 9, "traditional") for i in range(7)])
    m = load.monotony_strain(load.daily_load(runs))
    sd = np.std([10] * 6 + [9], ddof=1)
    assert m["monotony"].iloc[6] == pytest.approx((69 / 7) / sd)
    assert m["monotony_flag"].iloc[6]


# ---------------------------------------------------------------- lag features


def test_lag_features_by_hand():
    runs = make_runs(
        [
            (0, 10, "traditional"),
            (2, 4, "barefoot"),
            (5, 6, "traditional"),
            (8, 13, "traditional"),
            (9, 3, "minimalist"),
        ]
    )
    d = load.daily_load(runs, start=day(0), end=day(30))
    drills = pd.Series([1.0 if i % 2 == 0 else 0.0 for i in range(31)], index=d.index)
    lf = load.lag_features(d, runs, drills)
    assert lf.index.equals(d.index)
    # early windows reach before the first day -> NA, not a falsely low 0
    assert lf["km_lag_1_3"].iloc[:3].isna().all()
    assert lf.loc[day(3), "km_lag_1_3"] == 14  # days 0..2
    assert lf.loc[day(10), "km_lag_1_3"] == 16  # days 7..9: 13 + 3
    assert lf.loc[day(10), "km_lag_4_7"] == 6  # days 3..6
    assert pd.isna(lf.loc[day(13), "km_lag_8_14"])
    assert lf.loc[day(14), "km_lag_8_14"] == 20  # days 0..6
    assert lf.loc[day(28), "km_lag_15_28"] == 36  # days 0..13
    assert pd.isna(lf.loc[day(27), "km_lag_15_28"])
    # barefoot share t-7..t-1 for t = 10: days 3..9 = 6 + 13 + 3 = 22 km, 3 of them minimalist
    assert lf.loc[day(10), "barefoot_share_lag_1_7"] == pytest.approx(100 * 3 / 22)
    # spike of the 13 km run on day 8: 13 / 10 (longest of days 0..7) = 1.3 -> small
    assert lf.loc[day(9), "spike_small"] == 1 and lf.loc[day(11), "spike_small"] == 1
    assert lf.loc[day(12), "spike_small"] == 0 and lf.loc[day(8), "spike_small"] == 0
    assert lf.loc[day(9), "spike_large"] == 0
    # drills on even days: in t-7..t-1 for t = 10 (days 3..9) -> 4, 6, 8
    assert lf.loc[day(10), "drill_days_lag_1_7"] == 3
    assert pd.isna(lf.loc[day(6), "drill_days_lag_1_7"])
    # no share where no km
    quiet = load.lag_features(load.daily_load(make_runs([(0, 5, "traditional")]), end=day(20)))
    assert pd.isna(quiet.loc[day(20), "barefoot_share_lag_1_7"])
    assert quiet["spike_small"].isna().all() and quiet["drill_days_lag_1_7"].isna().all()


N_DAYS = 45
run_rows = st.lists(
    st.tuples(
        st.integers(0, N_DAYS - 1),
        st.one_of(st.none(), st.floats(0.5, 40, allow_nan=False).map(lambda x: round(x, 2))),
        st.sampled_from(["barefoot", "minimalist", "partial", "traditional", None]),
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=run_rows, after=run_rows, t=st.integers(0, N_DAYS - 1))
def test_lag_features_never_see_day_t_or_later(before, after, t):
    """Changing day t's runs or any later day's runs leaves day t's features unchanged."""
    kept = [r for r in before if r[0] < t]
    original = make_runs(kept + [r for r in before if r[0] >= t])
    changed = make_runs(kept + [(max(r[0], t), *r[1:]) for r in after])
    drills_a = pd.Series(1.0, index=pd.date_range(DAY0, periods=N_DAYS).as_unit("ns"))
    drills_b = drills_a.copy()
    drills_b.iloc[t:] = 0.0

    def features(runs, drills):
        daily = load.daily_load(runs, start=day(0), end=day(N_DAYS - 1))
        return load.lag_features(daily, runs, drills)

    a = features(original, drills_a).loc[: day(t)]
    b = features(changed, drills_b).loc[: day(t)]
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- transition guard-rails


def _transition_runs():
    return make_runs(
        [
            (0, 10, "traditional"), (2, 10, "traditional"), (4, 10, "traditional"),  # week 0: 30 km, 0 %
            (7, 9, "traditional"), (8, 9, "traditional"), (9, 9, "traditional"),
            (10, 3, "minimalist"),  # week 1: 30 km, 10 %: a start at exactly the limit
            (14, 7, "traditional"), (15, 7, "traditional"), (16, 3, "minimalist"),
            (17, 3.3, "barefoot"),  # 110 % of 3.0: on the limit
            (18, 4, "minimalist"),  # 4 / 3.3 = 1.21 > 1.10: run breach; week 2: 10.3 of 24.3 km
            (21, 12, "traditional"), (23, 12, "traditional"), (25, 12, "traditional"),
            (26, 4, "minimalist"),  # week 3: 40 km > 35 with barefoot-style running
            (35, 5, "barefoot"),  # week 5 after a 0 km week: 5 / 4 = 1.25 > 1.10
        ]
    )


def test_transition_runs_by_hand():
    tr = load.transition_runs(_transition_runs())
    assert list(tr.index) == ["csv:0006", "csv:0009", "csv:0010", "csv:0011", "csv:0015", "csv:0016"]
    assert pd.isna(tr["ratio"].iloc[0]) and pd.isna(tr["breach"].iloc[0])  # no earlier barefoot-style run
    assert tr["ratio"].iloc[2] == pytest.approx(1.1) and not tr["breach"].iloc[2]  # barefoot counts with minimalist
    assert tr["ratio"].iloc[3] == pytest.approx(4 / 3.3) and tr["breach"].iloc[3]
    assert tr["longest_prev_km"].iloc[5] == pytest.approx(4.0) and tr["breach"].iloc[5]


def test_transition_guardrails_by_hand():
    g = load.transition_guardrails(_transition_runs())
    assert list(g.index) == [day(7 * w) for w in range(6)]
    assert g["barefoot_style_share_pct"].iloc[1] == pytest.approx(10.0)
    assert bool(g["start_week"].iloc[1]) and not g["start_breach"].iloc[1]  # 10 % is allowed
    assert g["share_change_points"].iloc[1] == pytest.approx(10.0) and not g["increase_breach"].iloc[1]
    assert g["barefoot_style_share_pct"].iloc[2] == pytest.approx(100 * 10.3 / 24.3)
    assert g["increase_breach"].iloc[2] and g["run_breaches"].iloc[2] == 1 and g["breach"].iloc[2]
    assert g["caution"].iloc[3] and not g["caution"].iloc[0]  # 40 km/week, but only with barefoot-style km
    assert pd.isna(g["share_change_points"].iloc[5])  # the week before had no km at all
    assert not g["start_week"].iloc[5] and g["run_breach"].iloc[5]
    assert g["increase_despite_pain"].isna().all()
    assert g["breach"].tolist() == [False, False, True, False, False, True]


def test_transition_guardrails_start_rule_and_pain_rule():
    rows = [(7 * w + d, 10, "traditional") for w in range(5) for d in (0, 2, 4)]
    runs = make_runs([*rows, (35, 10, "traditional"), (36, 10, "traditional"), (37, 10, "barefoot")])
    g = load.transition_guardrails(runs)
    assert g["start_week"].iloc[5] and g["start_breach"].iloc[5]  # 33 % in the first week
    # the first week of a series is never a start (its history is unknown)
    g = load.transition_guardrails(make_runs([(0, 5, "barefoot"), (1, 5, "traditional")]))
    assert not g["start_week"].iloc[0] and not g["breach"].iloc[0]
    # share up in the week after a 24-hour-rule breach
    runs = _transition_runs()
    breaches = pd.Series(False, index=runs.index, dtype="boolean")
    breaches["csv:0006"] = True
    g = load.transition_guardrails(runs, rule_breaches=breaches)
    assert g["increase_despite_pain"].tolist() == [False, False, True, False, False, False]
    assert g.attrs["params"]["caution_weekly_km"] == 35.0 and "synthesis" in g.attrs["label"]


def test_transition_guardrails_without_barefoot_running():
    g = load.transition_guardrails(make_runs([(0, 10, "traditional"), (9, 12, "partial")]))
    assert len(g) == 2 and not g["breach"].any() and not g["start_week"].any()
    assert len(load.transition_runs(make_runs([(0, 10, "traditional")]))) == 0


def test_transition_guardrails_take_the_weeks_and_run_checks_given():
    runs = _transition_runs()
    weekly = load.weekly_load(load.daily_load(runs))
    checks = load.transition_runs(runs)
    expected = load.transition_guardrails(runs)
    pd.testing.assert_frame_equal(load.transition_guardrails(runs, weekly=weekly, checks=checks), expected)
    # what is given is used, not recomputed: clearing the run checks clears the run breaches
    cleared = checks.assign(breach=pd.array([False] * len(checks), dtype="boolean"))
    g = load.transition_guardrails(runs, weekly=weekly, checks=cleared)
    assert expected["run_breaches"].sum() == 2 and g["run_breaches"].sum() == 0


def test_lag_features_take_the_spike_table_given():
    runs = make_runs([(d, 5 + (d % 4) * 3, "traditional") for d in range(0, 40, 2)])
    daily = load.daily_load(runs)
    spikes = load.spike_ratio(runs)
    pd.testing.assert_frame_equal(load.lag_features(daily, runs, spikes=spikes), load.lag_features(daily, runs))
    assert load.lag_features(daily, runs)["spike_large"].sum() > 0  # the check compares spike days, not zeros
    no_spikes = spikes.assign(spike_bin=pd.array(["none"] * len(spikes), dtype="string"))
    assert load.lag_features(daily, runs, spikes=no_spikes)["spike_large"].sum() == 0
