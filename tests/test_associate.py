"""Tests of analysis.associate: exact CIs, BH, attribution, hazard model calibration, findings()."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from analysis import associate as A
from analysis.schema import coerce_pain, coerce_runs

# ----------------------------------------------------------------------------- exact CIs


def test_poisson_ci_zero_events_is_minus_log_alpha_half():
    lo, hi = A.poisson_ci(0)
    assert lo == 0.0
    assert hi == pytest.approx(-math.log(0.025), rel=1e-9)  # 3.6889


def test_poisson_ci_five_events_matches_tail_sums():
    lo, hi = A.poisson_ci(5)
    # hand: lower mu with P(X >= 5 | mu) = 0.025, upper mu with P(X <= 5 | mu) = 0.025
    lo_hand = optimize.brentq(lambda mu: stats.poisson.sf(4, mu) - 0.025, 1e-6, 20)
    hi_hand = optimize.brentq(lambda mu: stats.poisson.cdf(5, mu) - 0.025, 1e-6, 40)
    assert lo == pytest.approx(lo_hand, rel=1e-6)
    assert hi == pytest.approx(hi_hand, rel=1e-6)
    assert (round(lo, 4), round(hi, 4)) == (1.6235, 11.6683)  # Garwood table values


def test_onset_rate_per_1000km_and_zero_exposure():
    r = A.onset_rate(5, 250.0)
    assert r["rate"] == pytest.approx(20.0)
    assert r["ci"][0] == pytest.approx(1.6235 * 4, rel=1e-4)
    assert r["ci"][1] == pytest.approx(11.6683 * 4, rel=1e-4)
    assert math.isnan(A.onset_rate(2, 0.0)["rate"])


def test_rate_ratio_matches_conditional_binomial_by_hand():
    # 8 onsets in 200 km vs 4 in 400 km: RR = 0.04 / 0.01 = 4
    rr = A.rate_ratio(8, 200.0, 4, 400.0)
    assert rr["estimate"] == pytest.approx(4.0)
    n = 12
    p_lo = optimize.brentq(lambda p: stats.binom.sf(7, n, p) - 0.025, 1e-9, 1 - 1e-9)
    p_hi = optimize.brentq(lambda p: stats.binom.cdf(8, n, p) - 0.025, 1e-9, 1 - 1e-9)
    to_rr = lambda p: p / (1 - p) * 400.0 / 200.0  # noqa: E731
    assert rr["ci"][0] == pytest.approx(to_rr(p_lo), rel=1e-6)
    assert rr["ci"][1] == pytest.approx(to_rr(p_hi), rel=1e-6)
    # exact two-sided test of RR = 1: expected share of onsets in class a = 200/600
    assert rr["p"] == pytest.approx(stats.binomtest(8, 12, 1 / 3).pvalue)


def test_rate_ratio_edges():
    zero = A.rate_ratio(0, 100.0, 5, 100.0)
    assert zero["estimate"] == 0.0 and zero["ci"][0] == 0.0 and math.isfinite(zero["ci"][1])
    assert math.isinf(A.rate_ratio(3, 100.0, 0, 100.0)["ci"][1])
    assert A.rate_ratio(0, 100.0, 0, 100.0)["reason"] == "no onsets in either class"
    assert "no exposure" in A.rate_ratio(2, 0.0, 1, 10.0)["reason"]


def test_bh_qvalues_by_hand_and_nan_left_out():
    q = A.bh_qvalues([0.01, 0.04, 0.03, 0.005])
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4/rank 0.02, 0.02, 0.04, 0.04 (already monotone)
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])
    q2 = A.bh_qvalues([0.01, np.nan, 0.04])
    assert math.isnan(q2[1])
    np.testing.assert_allclose(q2[[0, 2]], [0.02, 0.04])  # m = 2, not 3


# --------------------------------------------------------------------- attribution


def _runs(rows):
    df = pd.DataFrame(rows, columns=["activity_id", "date", "start_time", "distance_m", "shoe_class"])
    return coerce_runs(df)


def test_attribute_onsets_most_recent_run_in_1_to_3_days():
    runs = _runs(
        [
            ("a", "2024-03-01", "2024-03-01T07:00Z", 5000, "barefoot"),
            ("b", "2024-03-02", "2024-03-02T07:00Z", 8000, "traditional"),
            ("c", "2024-03-02", "2024-03-02T18:00Z", 3000, "minimalist"),  # later the same day
            ("d", "2024-03-04", "2024-03-04T07:00Z", 9000, "traditional"),  # onset day itself: ignored
            ("e", "2024-03-05", "2024-03-05T07:00Z", 9000, None),
        ]
    )
    got = A.attribute_onsets(["2024-03-04", "2024-03-12", "2024-03-06"], runs)
    assert list(got) == ["barefoot-style", A.NO_RECENT_RUN, "unknown"]


def test_region_rates_exposure_on_at_risk_days_only():
    days = pd.date_range("2024-01-01", periods=10, name="date")
    daily = pd.DataFrame(
        {
            "km_barefoot": 5.0,
            "km_minimalist": 0.0,
            "km_partial": 1.0,
            "km_traditional": 4.0,
            "km_unknown": 0.0,
        },
        index=days,
    )
    at_risk = pd.Series(True, index=days)
    at_risk.iloc[5:8] = False  # three days in a flare
    runs = _runs(
        [
            (
                f"r{i}",
                d.date().isoformat(),
                f"{d.date()}T07:00Z",
                10000,
                "barefoot" if i % 2 else "traditional",
            )
            for i, d in enumerate(days)
        ]
    )
    out = A.region_rates([days[4]], runs, daily, at_risk)
    by = {r["shoe_class"]: r for r in out["rates"]}
    assert by["barefoot-style"]["distance_km"] == pytest.approx(35.0)  # 7 at-risk days x 5 km
    assert by["traditional"]["distance_km"] == pytest.approx(35.0)  # 7 x (4 + 1 partial)
    assert by["traditional"]["onsets"] == 0 and by["barefoot-style"]["onsets"] == 1  # run of day 3 (i = 3)
    assert by["barefoot-style"]["per_1000km"] == pytest.approx(1000 / 35.0)
    assert by["barefoot-style"]["per_100km"] == pytest.approx(100 / 35.0)
    assert out["rate_ratio"]["comparison"] == "barefoot-style vs traditional"


# --------------------------------------------------------------------- hazard model


def test_hazard_recovers_planted_km_effect_on_long_series():
    true_or = 1.5
    frame = A.simulate_hazard_days(2190, {"km_lag_1_3": math.log(true_or)}, seed=1)
    fit = A.fit_hazard(frame)
    assert fit.reason is None and fit.n_events >= 40
    row = fit.effects.set_index("term").loc["km_lag_1_3"]
    assert row["unit"] == "+10 km"
    assert row["ci_low"] <= true_or <= row["ci_high"]
    assert row["estimate"] > 1 and row["ci_low"] > 1
    # terms planted at zero: their CIs cover OR 1 here
    others = fit.effects.set_index("term").loc[["km_lag_4_7", "km_lag_8_14", "barefoot_share_lag_1_7"]]
    assert ((others["ci_low"] <= 1) & (others["ci_high"] >= 1)).all()


def test_hazard_false_positive_rate_under_flat_null():
    """About 24 onsets per simulated runner, nine terms each, 100 runners (seeded)."""
    pvals, fitted = [], 0
    for seed in range(1000, 1100):
        fit = A.fit_hazard(A.simulate_hazard_days(730, seed=seed), intervals=False)
        if fit.reason:
            continue
        fitted += 1
        p = fit.effects["p"].to_numpy(dtype=float)
        pvals.append(p[np.isfinite(p)])
    p = np.concatenate(pvals)
    assert fitted >= 80 and len(p) >= 600
    rate = float(np.mean(p < 0.05))
    assert 0.01 <= rate <= 0.07, rate


def test_profile_interval_and_lr_p_agree():
    frame = A.simulate_hazard_days(730, {"km_lag_1_3": 0.3}, seed=7)
    fit = A.fit_hazard(frame)
    for row in fit.effects.dropna(subset=["p"]).itertuples():
        excludes_one = row.ci_low > 1 or row.ci_high < 1
        if abs(row.p - 0.05) > 0.002:
            assert excludes_one == (row.p < 0.05), row.term


def test_hazard_too_few_events_gives_na_with_reason():
    frame = A.simulate_hazard_days(120, seed=3, onsets_per_year=4)
    fit = A.fit_hazard(frame)
    assert fit.reason.startswith("insufficient data")
    assert fit.effects["estimate"].isna().all()
    assert fit.effects["reason"].notna().all()
    assert fit.effects.set_index("term").loc["km_lag_1_3", "reason"].startswith("insufficient data")


def test_hazard_separation_and_missing_term_handled():
    frame = A.simulate_hazard_days(730, seed=11)
    risk_days = frame.index[frame["at_risk"] & (frame["onset"] == 0) & frame["km_lag_15_28"].notna()]
    frame["spike_large"] = 0.0
    frame.loc[risk_days[100:104], "spike_large"] = 1.0  # never followed by an onset
    frame["drill_days_lag_1_7"] = np.nan  # no drills log
    ml = A.fit_hazard(frame, variance="model").effects.set_index("term")
    assert math.isnan(ml.loc["spike_large", "estimate"])
    assert "separation" in ml.loc["spike_large", "reason"]
    assert "not available" in ml.loc["drill_days_lag_1_7", "reason"]
    firth = A.fit_hazard(frame, calibration_replicates=0).effects.set_index("term")
    # Firth keeps a finite estimate and a wide CI that covers OR 1, with a note
    spike = firth.loc["spike_large"]
    assert pd.isna(spike["reason"])
    assert spike["note"].startswith("quasi-separation: 0 onsets on the 4 at-risk days")
    assert 0 < spike["ci_low"] < min(spike["estimate"], 1) <= max(spike["estimate"], 1) < spike["ci_high"]
    assert spike["ci_high"] / spike["ci_low"] > 100
    # the other terms are still estimated
    assert firth.loc[["km_lag_1_3", "km_lag_4_7", "barefoot_share_lag_1_7"], "estimate"].notna().all()


def test_onset_blocks_measure_flare_and_return_to_risk():
    idx = pd.date_range("2025-01-01", periods=12, freq="D")
    frame = pd.DataFrame(
        {
            "onset": [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
            "in_flare": [0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0],
            "at_risk": [1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0],
        },
        index=idx,
    ).astype({"in_flare": bool, "at_risk": bool})
    # first onset: 3 flare days, at risk again 5 days later; the second is cut by
    # the end of the series (never at risk again): left out while a whole one exists
    assert A.onset_blocks(frame) == [(3, 5)]
    only_cut = frame.assign(onset=[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
    assert A.onset_blocks(only_cut) == [(2, 5)]


def test_replicated_onset_process_keeps_its_rules():
    frame = A.simulate_hazard_days(730, seed=4)
    frame.loc[frame.index[::9], "logged"] = False
    blocks = [(5, 12), (8, 15)]
    rep = A._replicate_onsets(frame, np.full(len(frame), -3.0), 0.0, 0.0, blocks, np.random.default_rng(1))
    onsets = np.flatnonzero(rep["onset"].to_numpy() > 0)
    assert len(onsets) >= 10
    at_risk = rep["at_risk"].to_numpy()
    for i in onsets:
        assert at_risk[i] and frame["logged"].iloc[i]
        gap = np.flatnonzero(at_risk[i + 1 :])
        assert len(gap) == 0 or gap[0] + 1 in (12, 15)  # blocked for one of the given lengths
    # time since the flare is rebuilt from the replicate's own flares
    expected = A.days_since_flare(rep["in_flare"]).shift(1).fillna(1.0)
    assert np.allclose(rep["days_since_flare"], expected)


def test_lr_scale_factor_calibration_widens_never_narrows():
    frame = A.simulate_hazard_days(365, seed=21)
    plain = A.fit_hazard(frame, calibration_replicates=0)
    calibrated = A.fit_hazard(frame, calibration_replicates=20, seed=3)
    assert plain.lr_scale == 1.0 and plain.lr_scale_draws == 0
    assert calibrated.lr_scale >= 1.0 and calibrated.lr_scale_draws >= 20
    a, b = plain.effects.set_index("term"), calibrated.effects.set_index("term")
    both = a["p"].notna() & b["p"].notna()
    assert both.sum() >= 6
    assert (b.loc[both, "estimate"] == a.loc[both, "estimate"]).all()  # same fit
    assert (b.loc[both, "p"] >= a.loc[both, "p"] - 1e-9).all()
    assert (b.loc[both, "ci_low"] <= a.loc[both, "ci_low"] * (1 + 1e-3)).all()
    assert (b.loc[both, "ci_high"] >= a.loc[both, "ci_high"] * (1 - 1e-3)).all()
    # same seed, same answer: a report is repeatable
    again = A.fit_hazard(frame, calibration_replicates=20, seed=3)
    assert again.lr_scale == calibrated.lr_scale


def test_lr_scale_factor_reproduces_the_small_sample_excess():
    """With ~11 onsets and 13 parameters the LR statistic runs above chi2(1)."""
    means, weights = [], []
    for seed in range(8):
        frame = A.simulate_hazard_days(365, seed=seed, onsets_per_year=12)
        y, X, names, _ = A.hazard_design(frame)
        if y.sum() < 8:
            continue
        fit = A.firth_logit(y, X)
        mean, n, mc_se = A.lr_scale_factor(frame, fit, names, replicates=20, seed=seed, floor=0.0)
        assert 0 < mc_se < mean
        means.append(mean)
        weights.append(n)
    assert sum(weights) >= 400
    assert np.average(means, weights=weights) > 1.0


def test_hazard_uses_at_risk_logged_days_only():
    frame = A.simulate_hazard_days(730, seed=5)
    frame.loc[frame.index[::5], "logged"] = False
    fit = A.fit_hazard(frame, intervals=False)
    usable = frame["at_risk"] & frame["logged"] & frame[list(A.PRIMARY_TERMS)].notna().all(axis=1)
    assert fit.n_days == int(usable.sum())
    assert fit.n_events == int(frame.loc[usable, "onset"].sum())


def test_other_variance_estimators_share_the_ml_point_estimate():
    frame = A.simulate_hazard_days(730, seed=2)
    est = {
        v: A.fit_hazard(frame, variance=v, intervals=["km_lag_1_3"]).effects.set_index("term")
        for v in ("model", "hac", "profile")
    }
    km = {v: e.loc["km_lag_1_3"] for v, e in est.items()}
    assert km["model"]["estimate"] == pytest.approx(km["hac"]["estimate"])
    assert km["model"]["estimate"] == pytest.approx(km["profile"]["estimate"], rel=1e-6)
    assert km["hac"]["ci_high"] - km["hac"]["ci_low"] != pytest.approx(
        km["model"]["ci_high"] - km["model"]["ci_low"]
    )
    with pytest.raises(ValueError):
        A.fit_hazard(frame, variance="bootstrap")


def test_days_since_flare_counts_from_last_flare_day():
    flare = pd.Series([False, False, True, True, False, False, False])
    got = A.days_since_flare(flare).tolist()
    assert got == [1, 2, 3, 1, 1, 2, 3]


# ---------------------------------------------------------- exploratory analyses


def test_case_crossover_finds_strong_planted_km_effect():
    frame = A.simulate_hazard_days(1460, {"km_lag_1_3": 1.0, "km_lag_4_7": 1.0}, seed=4)
    daily = frame[["km", "km_barefoot_style", "minutes"]]
    cco = A.case_crossover(frame, daily, window_days=7).set_index("term")
    assert cco.attrs["n_cases"] >= 20 and cco.attrs["n_referents"] > cco.attrs["n_cases"]
    assert cco.loc["cco_km_lag_1_7", "estimate"] > 1
    assert cco.loc["cco_km_lag_1_7", "ci_low"] > 1
    assert cco.loc["cco_km_lag_1_7", "unit"] == "+10 km"


def test_pain_regression_recovers_planted_slope():
    rng = np.random.default_rng(0)
    frame = A.simulate_hazard_days(600, seed=9)
    km13 = frame["km_lag_1_3"].fillna(0).to_numpy()
    pain = np.zeros(len(frame))
    for t in range(1, len(frame)):
        pain[t] = 0.5 * pain[t - 1] + 0.4 * km13[t] / 10 + rng.normal(0, 0.5)
    frame["pain_max"] = pain
    frame.loc[frame.index[::7], "pain_max"] = np.nan  # unlogged days
    out = A.pain_regression(frame).set_index("term")
    row = out.loc["pain_km_lag_1_3"]
    assert row["estimate"] == pytest.approx(0.4, abs=0.08)  # SE about 0.027 with ~500 days
    assert row["ci_low"] < row["estimate"] < row["ci_high"] and row["ci_high"] - row["ci_low"] < 0.2
    assert out.attrs["ar1"] == pytest.approx(0.5, abs=0.1)
    assert out.attrs["n_days"] < len(frame)  # days after an unlogged day drop out


def test_prewhitened_ccf_finds_lag_and_keeps_band_under_independence():
    rng = np.random.default_rng(1)
    n = 600
    idx = pd.date_range("2024-01-01", periods=n)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = 0.8 * x[t - 1] + rng.normal()
    y = 0.6 * np.r_[0, 0, x[:-2]] + rng.normal(0, 1, n)
    ccf = A.prewhitened_ccf(pd.Series(x, idx), pd.Series(y, idx)).set_index("lag_days")
    assert ccf["ccf"].abs().idxmax() == 2 and ccf.loc[2, "outside"]
    # two independent autocorrelated series: after prewhitening ~5 % of lags leave the band
    outside = 0
    for seed in range(10):
        r = np.random.default_rng(100 + seed)
        a, b = np.zeros(n), np.zeros(n)
        for t in range(1, n):
            a[t] = 0.9 * a[t - 1] + r.normal()
            b[t] = 0.9 * b[t - 1] + r.normal()
        c = A.prewhitened_ccf(pd.Series(a, idx), pd.Series(b, idx))
        outside += int(c["outside"].sum())
    assert outside / (10 * 29) <= 0.10


# ------------------------------------------------------------------------- findings


def _runner(n_days: int, flare_starts: list[int], seed: int = 0):
    """Canonical runs and pain frames: daily runs, plantar L diary every morning."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=n_days)
    rows = []
    for i, d in enumerate(days):
        if d.day_of_week == 0:
            continue
        km = float(rng.gamma(4, 2.0))
        rows.append(
            (
                f"csv:{i:06d}",
                d,
                d + pd.Timedelta(hours=7),
                km * 1000,
                km * rng.normal(330, 20),
                "barefoot" if d.day_of_week in (1, 3) else "traditional",
            )
        )
    runs = pd.DataFrame(
        rows, columns=["activity_id", "date", "start_time", "distance_m", "moving_time_s", "shoe_class"]
    )
    runs["start_time"] = pd.to_datetime(runs["start_time"]).dt.tz_localize("UTC")
    runs["sport"] = "running"
    pain = np.ones(n_days, dtype=int)
    for s in flare_starts:
        pain[s : s + 4] = 6
    diary = pd.DataFrame(
        {"date": days, "time_of_day": "morning", "region": "plantar", "side": "L", "pain": pain}
    )
    return coerce_runs(runs), coerce_pain(diary)


def test_findings_shape_guards_and_json(tmp_path):
    runs, pain = _runner(420, [40 + 30 * k for k in range(12)])
    f = A.findings(runs, pain)
    text = json.dumps(f, allow_nan=False)  # plain floats, no NaN
    assert json.loads(text) == f
    assert f["period"]["start"] == "2024-01-01"
    assert f["period"]["end"] == (pd.Timestamp("2024-01-01") + pd.Timedelta(days=419)).date().isoformat()
    assert f["data"]["runs"] == len(runs)
    assert f["data"]["distance_km"] == pytest.approx(float(runs["distance_m"].sum()) / 1000, rel=1e-5)
    assert f["data"]["pain_days_logged_pct"] == pytest.approx(100.0)
    plantar = f["regions"]["plantar"]
    assert plantar["onsets"] == 12 and plantar["sufficient"] is True and plantar["message"] is None
    assert sum(r["onsets"] for r in plantar["rates"]) + plantar["onsets_no_recent_run"] == 12
    assert set(plantar["rate_ratio"]) >= {"comparison", "estimate", "ci"}
    primary = [e for e in plantar["effects"] if e["primary"]]
    assert [e["term"] for e in primary] == list(A.PRIMARY_TERMS)
    for e in plantar["effects"]:
        assert set(e) >= {"term", "unit", "estimate", "ci", "p", "q", "primary"}
    drills = next(e for e in primary if e["term"] == "drill_days_lag_1_7")
    assert drills["estimate"] is None and "not available" in drills["reason"]
    km = next(e for e in primary if e["term"] == "km_lag_1_3")
    assert km["estimate"] > 0 and km["ci"][0] < km["estimate"] < km["ci"][1] and 0 <= km["p"] <= km["q"] <= 1
    # a region never logged: rates only, insufficient, and said plainly
    achilles = f["regions"]["achilles"]
    assert achilles["sufficient"] is False and achilles["effects"] == []
    assert achilles["message"].startswith("insufficient data") and "% of days logged" in achilles["message"]
    mc = f["guards"]["multiple_comparisons"]
    assert mc["method"] == "Benjamini-Hochberg"
    assert mc["primary_tests"] == sum(e["p"] is not None for e in primary)
    assert f["guards"]["lag_min_days"] == 1 and f["guards"]["at_risk_days_only"] is True
    assert f["dynamics"]["available"] is False


def test_findings_insufficient_data_guard():
    runs, pain = _runner(60, [20, 45])
    f = A.findings(runs, pain)
    plantar = f["regions"]["plantar"]
    assert plantar["onsets"] == 2 and plantar["sufficient"] is False
    assert "insufficient data" in plantar["message"]
    assert "2 onsets (< 10)" in plantar["message"] and "60 days (< 90)" in plantar["message"]
    assert plantar["effects"] == [] and plantar["rates"]  # rates and descriptives only
    assert f["guards"]["multiple_comparisons"]["primary_tests"] == 0
    json.dumps(f, allow_nan=False)


def test_case_crossover_few_onsets_never_overflow_and_report_only_usable_intervals():
    # few onsets: strata with nearly no information give huge standard errors
    widest = math.exp(2 * 1.96 * A._CCO_MAX_SE)
    for seed in range(12):
        frame = A.simulate_hazard_days(365, {"km_lag_1_3": 1.5}, seed=seed, onsets_per_year=2)
        cco = A.case_crossover(frame, frame[["km", "km_barefoot_style", "minutes"]], window_days=14)
        for _, r in cco.iterrows():
            if np.isfinite(r["estimate"]):
                assert np.isfinite(r["ci_high"]) and r["ci_high"] / r["ci_low"] <= widest * 1.0001
            else:
                assert r["reason"]


def test_findings_rerun_under_the_flare_definition_variants():
    runs, pain = _runner(420, [40 + 30 * k for k in range(12)])
    # two flares reach only 3/10: onsets by default (baseline 1 + 2 points), gone
    # when every threshold is one point higher
    for start in (40, 70):
        days = pd.date_range("2024-01-01", periods=420)[start : start + 4]
        pain.loc[pd.to_datetime(pain["date"]).isin(days), "pain"] = 3
    f = A.findings(runs, pain)
    assert f["regions"]["plantar"]["onsets"] == 12
    sens = f["guards"]["sensitivity"]
    # "two_days" is the default (2 of 3 mornings), so it is not repeated
    assert set(sens) == {"minus_1_point", "plus_1_point", "one_day"}
    assert sens["plus_1_point"]["changes"] == {"threshold_shift_points": 1}
    assert sens["one_day"]["changes"] == {"days_needed": 1}
    plantar = sens["plus_1_point"]["regions"]["plantar"]
    assert plantar["onsets"] == 10
    assert [e["term"] for e in plantar["effects"]] == list(A.PRIMARY_TERMS)
    assert plantar["rate_ratio"]["ci"] is not None
    # the achilles was never logged: ruled out in every variant for that reason
    assert sens["one_day"]["regions"]["achilles"]["message"].startswith("insufficient data")
    assert sens["one_day"]["regions"]["achilles"]["effects"] == []
    assert "sensitivity" not in A.findings(runs, pain, sensitivity=False)["guards"]
