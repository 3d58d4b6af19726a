"""Tests of analysis.stats.case_crossover and analysis.stats.pain_series on planted effects and nulls."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.simulate import hazard_days
from analysis.simulate.primary_days import simulate_primary_days
from analysis.stats import case_crossover, pain_series
from analysis.stats.primary_design import flare_days_before, flare_history, load_arrays


def test_case_crossover_finds_strong_planted_km_effect():
    frame = hazard_days.simulate_hazard_days(1460, {"km_lag_1_3": 1.0, "km_lag_4_7": 1.0}, seed=4)
    daily = frame[["km", "km_barefoot_style", "minutes"]]
    cco = case_crossover.case_crossover(frame, daily, window_days=7).set_index("term")
    assert cco.attrs["n_cases"] >= 20 and cco.attrs["n_referents"] > cco.attrs["n_cases"]
    assert cco.loc["cco_km_lag_1_7", "estimate"] > 1
    assert cco.loc["cco_km_lag_1_7", "ci_low"] > 1
    assert cco.loc["cco_km_lag_1_7", "unit"] == "+10 km"


def _trend_inputs(seed: int, **kw):
    daily, frame = simulate_primary_days(seed=seed, **kw)
    la = load_arrays(daily)
    return frame, pd.Series(la.barefoot_km_7d, la.dates), pd.Series(la.km_7d, la.dates)


def test_pain_trend_matches_sarimax_on_fixed_data():
    # SARIMAX's Kalman filter skips the unlogged days: the same exact AR(1) likelihood, another algorithm
    frame, bs, km = _trend_inputs(21, n_days=365, onsets_per_year=6, pain_bs_per_10km=0.3,
                                  pain_km_per_10km=0.2, pain_ar=0.7)
    # the model SARIMAX fits: no adjustments, the GLS covariance alone
    out = pain_series.pain_trend(frame, bs, km, adjustments=(), variance="model").set_index("term")
    assert out.attrs["outcome"] == "morning pain" and out.attrs["n_days"] == 324 < len(frame)
    assert out.attrs["adjusted_for"] == []
    days = pd.DatetimeIndex(frame.index)
    X = np.column_stack([bs.reindex(days) / 10, km.reindex(days) / 10, (days - days.min()).days / 365.25])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.tsa.SARIMAX(frame["morning_pain"].to_numpy(), exog=X, order=(1, 0, 0), trend="c").fit(
            disp=False, cov_type="oim"
        )
    np.testing.assert_allclose(out["estimate"], ref.params[1:4], atol=2e-4)
    assert out.attrs["ar1"] == pytest.approx(ref.params[4], abs=2e-4)
    se = (out["ci_high"] - out["estimate"]) / stats.t.ppf(0.975, 324 - 4)
    np.testing.assert_allclose(se, ref.bse[1:4], rtol=0.05)
    # frozen: pain points per +10 km, this fixed simulated runner (seed 21)
    assert out.loc["barefoot_km_7d", "estimate"] == pytest.approx(0.26450, abs=1e-4)
    assert out.loc["km_7d", "estimate"] == pytest.approx(0.30505, abs=1e-4)
    assert out.loc["km_7d", "unit"] == "+10 km" and out.loc["trend", "unit"] == "per year"


def test_pain_trend_covers_planted_slopes_and_the_null():
    planted = {"barefoot_km_7d": 0.3, "km_7d": 0.2}
    covered = {t: 0 for t in planted}
    null_rejected = 0
    for seed in range(30):
        frame, bs, km = _trend_inputs(300 + seed, n_days=365, onsets_per_year=6, pain_bs_per_10km=0.3,
                                      pain_km_per_10km=0.2, pain_ar=0.7)
        out = pain_series.pain_trend(frame, bs, km).set_index("term")
        for t, v in planted.items():
            covered[t] += bool(out.loc[t, "ci_low"] <= v <= out.loc[t, "ci_high"])
        null_rejected += bool(out.loc["trend", "p"] < 0.05)  # no trend planted
    assert all(c >= 25 for c in covered.values())  # about 0.95 x 30
    assert null_rejected <= 5


def _seasonal_runner(seed: int, n_days: int = 3 * 365):
    """Morning pain with a summer bump and barefoot-style km that follow the same season; no effect of either
    km on pain (the confounding by season of the validation's null_seasonal, built by hand)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2021-01-01", periods=n_days, freq="D")
    summer = np.cos(2 * np.pi * (days.day_of_year.to_numpy(float) - 196) / 365.25)
    noise = np.zeros(n_days)
    for t in range(1, n_days):
        noise[t] = 0.6 * noise[t - 1] + rng.normal(0, 0.7)
    pain = 2.0 + 0.8 * summer + noise
    pain[rng.random(n_days) < 0.2] = np.nan  # 20 % of mornings not logged
    frame = pd.DataFrame({"morning_pain": pain}, index=days)
    bs = pd.Series(np.clip(12 + 10 * summer + rng.normal(0, 3, n_days), 0, None), days)
    km = pd.Series(35 + rng.normal(0, 6, n_days), days)
    return frame, bs, km


def test_pain_trend_season_adjustment_removes_a_seasonal_confounder():
    frame, bs, km = _seasonal_runner(5)
    crude = pain_series.pain_trend(frame, bs, km, adjustments=()).set_index("term")
    adjusted = pain_series.pain_trend(frame, bs, km).set_index("term")
    # unadjusted, barefoot-style running in summer reads as pain from it: the interval excludes 0
    assert crude.loc["barefoot_km_7d", "ci_low"] > 0
    # with the season pair (the frame has no flare history columns: only season enters)
    assert adjusted.attrs["adjusted_for"] == ["season"]
    assert adjusted.loc["barefoot_km_7d", "ci_low"] < 0 < adjusted.loc["barefoot_km_7d", "ci_high"]
    assert abs(adjusted.loc["barefoot_km_7d", "estimate"]) < 0.3 * crude.loc["barefoot_km_7d", "estimate"]


def test_pain_trend_season_needs_a_year_of_days():
    frame, bs, km = _seasonal_runner(6, n_days=300)
    out = pain_series.pain_trend(frame, bs, km)
    assert out.attrs["adjusted_for"] == [] and out["estimate"].notna().all()


def test_block_sandwich_matches_statsmodels_cluster_covariance():
    # the widening's sandwich against statsmodels' cluster-robust OLS on the same transformed rows
    rng = np.random.default_rng(3)
    n = 200
    day = pd.DatetimeIndex(pd.date_range("2022-03-01", periods=400, freq="D")[np.sort(rng.choice(400, n, False))])
    Xz = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    yz = Xz @ [1.0, 0.5, -0.2] + rng.normal(size=n)
    beta, *_ = np.linalg.lstsq(Xz, yz, rcond=None)
    bread = np.linalg.inv(Xz.T @ Xz)
    ours, blocks = pain_series._block_sandwich(Xz, yz - Xz @ beta, bread, day, 28)
    groups = (day - day.min()).days.to_numpy() // 28
    ref = sm.OLS(yz, Xz).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert blocks == len(np.unique(groups)) == 15
    np.testing.assert_allclose(ours, ref.cov_params(), rtol=1e-10)


def test_pain_trend_intervals_only_widen():
    frame, bs, km = _trend_inputs(21, n_days=365, onsets_per_year=6, pain_bs_per_10km=0.3,
                                  pain_km_per_10km=0.2, pain_ar=0.7)
    model = pain_series.pain_trend(frame, bs, km, variance="model").set_index("term")
    block = pain_series.pain_trend(frame, bs, km).set_index("term")
    np.testing.assert_allclose(block["estimate"], model["estimate"])
    assert ((block["ci_high"] - block["ci_low"]) >= (model["ci_high"] - model["ci_low"]) - 1e-12).all()
    with pytest.raises(ValueError, match="variance"):
        pain_series.pain_trend(frame, bs, km, variance="hac")


def test_pain_trend_sandwich_interval_uses_blocks_minus_one_df():
    # a short diary (100 days, 4 blocks) with a slow drift the AR(1) does not whiten: where the block
    # sandwich is the wider variance, the interval's t has G - 1 df (Cameron & Miller 2015), not n - k
    frame, bs, km = _trend_inputs(5003, n_days=100, onsets_per_year=4, pain_ar=0.5)
    rng = np.random.default_rng(3)
    drift = np.zeros(len(frame))
    for t in range(1, len(drift)):
        drift[t] = 0.97 * drift[t - 1] + rng.normal(0, 0.15)
    frame = frame.assign(morning_pain=frame["morning_pain"] + drift)
    out = pain_series.pain_trend(frame, bs, km, adjustments=()).set_index("term")
    model = pain_series.pain_trend(frame, bs, km, adjustments=(), variance="model").set_index("term")
    # the same fit, rebuilt: the model's and the sandwich's variances
    days = pd.DatetimeIndex(frame.index)
    X = np.column_stack([np.ones(len(days)), bs.reindex(days) / 10, km.reindex(days) / 10,
                         (days - days.min()).days / 365.25])
    y = frame["morning_pain"].to_numpy(float)
    ok = np.isfinite(y) & np.isfinite(X).all(axis=1)
    y, X, day = y[ok], X[ok], days[ok]
    gaps = np.diff(day.to_numpy()).astype("timedelta64[D]").astype(float)
    beta, rss, Xz, _ = pain_series._gls(y, X, out.attrs["ar1"], gaps)
    bread = np.linalg.inv(Xz.T @ Xz)
    n, k = X.shape
    w_now, w_prev, _ = pain_series._ar1_transform(out.attrs["ar1"], gaps)
    resid = w_now * y - w_prev * np.r_[0.0, y[:-1]] - Xz @ beta
    sandwich, blocks = pain_series._block_sandwich(Xz, resid, bread, day, 28)
    assert blocks == 4
    wider = 0
    for j, term in enumerate(pain_series.PAIN_TREND_TERMS, start=1):
        half = out.loc[term, "ci_high"] - out.loc[term, "estimate"]
        if sandwich[j, j] > rss / (n - k) * bread[j, j]:
            wider += 1
            assert half == pytest.approx(stats.t.ppf(0.975, blocks - 1) * np.sqrt(sandwich[j, j]), rel=1e-6)
        else:
            assert half == pytest.approx(model.loc[term, "ci_high"] - model.loc[term, "estimate"], rel=1e-9)
        # p and interval agree: p < 0.05 exactly when the interval excludes 0
        excl = out.loc[term, "ci_low"] > 0 or out.loc[term, "ci_high"] < 0
        assert (out.loc[term, "p"] < 0.05) == excl
    assert wider >= 1


def test_pain_trend_season_with_a_year_of_days():
    # a diary of exactly one year (365 days: first to last day 364 days apart) is "a year of diary"
    frame, bs, km = _seasonal_runner(6, n_days=365)
    frame.iloc[[0, -1], 0] = 2.0  # first and last day logged
    assert pain_series.pain_trend(frame, bs, km).attrs["adjusted_for"] == ["season"]
    assert pain_series.pain_trend(frame.iloc[:-1], bs, km).attrs["adjusted_for"] == []


def test_pain_trend_too_few_days_is_a_sentence():
    frame, bs, km = _trend_inputs(2, n_days=40, onsets_per_year=6)
    out = pain_series.pain_trend(frame, bs, km)
    assert out["estimate"].isna().all()
    assert out.attrs["message"].startswith("insufficient data: ") and "at least 60 needed" in out.attrs["message"]


def test_prewhitened_ccf_finds_lag_and_keeps_band_under_independence():
    rng = np.random.default_rng(1)
    n = 600
    idx = pd.date_range("2024-01-01", periods=n)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = 0.8 * x[t - 1] + rng.normal()
    y = 0.6 * np.r_[0, 0, x[:-2]] + rng.normal(0, 1, n)
    ccf = pain_series.prewhitened_ccf(pd.Series(x, idx), pd.Series(y, idx)).set_index("lag_days")
    assert ccf["ccf"].abs().idxmax() == 2 and ccf.loc[2, "outside"]
    # two independent autocorrelated series: after prewhitening ~5 % of lags leave the band
    outside = 0
    for seed in range(10):
        r = np.random.default_rng(100 + seed)
        a, b = np.zeros(n), np.zeros(n)
        for t in range(1, n):
            a[t] = 0.9 * a[t - 1] + r.normal()
            b[t] = 0.9 * b[t - 1] + r.normal()
        c = pain_series.prewhitened_ccf(pd.Series(a, idx), pd.Series(b, idx))
        outside += int(c["outside"].sum())
    assert outside / (10 * 29) <= 0.10


# ------------------------------------------------------------------------- findings



def test_pain_trend_json_says_no_adjustment_only_for_a_fitted_trend():
    from analysis.findings import PAIN_TREND_MODEL, _pain_trend_json

    frame, bs, km = _trend_inputs(2, n_days=40, onsets_per_year=6)
    short = _pain_trend_json(pain_series.pain_trend(frame, bs, km))
    assert short["message"].startswith("insufficient data") and short["model"] == PAIN_TREND_MODEL
    frame, bs, km = _trend_inputs(21, n_days=365, onsets_per_year=6)
    plain = _pain_trend_json(pain_series.pain_trend(frame, bs, km, adjustments=()))
    assert plain["model"].endswith("; not adjusted")


def test_pain_trend_never_flared_region_has_no_flare_history_adjustment():
    # no flare-up on any fitted day: "days since the last flare-up" would count from the diary's start (a second
    # time trend); it is left out with "no flare-up yet", and season stays
    frame, bs, km = _seasonal_runner(5)
    frame = frame.assign(no_flare_yet=1.0, days_since_flare=np.arange(1, len(frame) + 1, dtype=float))
    out = pain_series.pain_trend(frame, bs, km)
    assert out.attrs["adjusted_for"] == ["season"]
    # after a first flare-up both enter
    flared = frame.assign(no_flare_yet=np.r_[np.ones(200), np.zeros(len(frame) - 200)])
    assert pain_series.pain_trend(flared, bs, km).attrs["adjusted_for"] == ["season", "days_since_flare",
                                                                            "no_flare_yet"]


def test_pain_trend_a_collinear_adjustment_leaves_the_others_in():
    frame, bs, km = _seasonal_runner(5)
    # "days since" that is the time trend itself (collinear with the years column): dropped; season stays
    days = (frame.index - frame.index.min()).days.to_numpy(float)
    frame = frame.assign(no_flare_yet=np.r_[np.ones(10), np.zeros(len(frame) - 10)], days_since_flare=np.exp(days / 365.25))
    out = pain_series.pain_trend(frame, bs, km)
    assert "season" in out.attrs["adjusted_for"] and "days_since_flare" not in out.attrs["adjusted_for"]


def test_flare_days_before_by_hand():
    dates = pd.DatetimeIndex(["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-05", "2024-03-10", "2024-03-11",
                              "2024-03-12", "2024-03-13"])
    in_flare = pd.Series([True, True, False, True, False, False, False, False], index=dates)
    got = flare_days_before(in_flare, dates)
    # flare-up days among d-7..d-1, over 7; a day not in the frame (03-04, 03-06..03-09) counts as none:
    # 03-05 looks back over 02-27..03-04 (03-01, 03-02), 03-10 over 03-03..03-09 (03-05 only), 03-12 over
    # 03-05..03-11 (03-05, the window's far end), 03-13 over 03-06..03-12 (none)
    expected = np.array([0, 1, 2, 2, 1, 1, 1, 0]) / 7
    np.testing.assert_allclose(got, expected)
    # the flags are read by their dates, not their order; a date listed twice is a flare-up day if either says so
    np.testing.assert_allclose(flare_days_before(in_flare.iloc[::-1], dates), expected)
    twice = pd.concat([in_flare, pd.Series([True], index=pd.DatetimeIndex(["2024-03-03"]))])
    assert flare_days_before(twice, dates)[3] == pytest.approx(3 / 7)  # 03-05: 03-01, 03-02, 03-03


def _flare_confounded(seed: int, n: int = 500):
    """Pain that follows the week's flare-up days, running that drops on them, and no effect of km on pain."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=n, freq="D")
    in_flare = np.zeros(n, bool)
    for start in range(30, n - 20, 60):
        s = start + int(rng.integers(0, 20))
        in_flare[s:s + int(rng.integers(5, 12))] = True
    share = flare_days_before(pd.Series(in_flare, index=dates), dates)
    km_daily = rng.uniform(3, 9, n) * (1 - 0.8 * in_flare)
    km7 = pd.Series(km_daily, index=dates).shift(1).rolling(7).sum()
    bs7 = km7 * 0.3 + rng.normal(0, 1, n)
    no_yet, since = flare_history(in_flare, np.ones(n, bool))
    frame = pd.DataFrame({"morning_pain": 1 + 3 * share + rng.normal(0, 0.7, n), "in_flare": in_flare,
                          "no_flare_yet": no_yet.astype(float), "days_since_flare": since}, index=dates)
    return frame, bs7, km7


def test_pain_trend_flare_days_adjustment_removes_a_planted_confounder():
    """The week's flare-up days drive the pain and cut the running: without the adjustment km reads as an effect."""
    without = ("season", "days_since_flare", "no_flare_yet")
    excludes_old, excludes_new, estimates = 0, 0, []
    for seed in range(20):
        frame, bs7, km7 = _flare_confounded(seed)
        new = pain_series.pain_trend(frame, bs7, km7)
        old = pain_series.pain_trend(frame, bs7, km7, adjustments=without).set_index("term").loc["km_7d"]
        assert new.attrs["adjusted_for"][-1] == "flare_days_7d"
        row = new.set_index("term").loc["km_7d"]
        excludes_old += not old["ci_low"] < 0 < old["ci_high"]
        excludes_new += not row["ci_low"] < 0 < row["ci_high"]
        estimates.append(row["estimate"])
    assert excludes_old >= 16  # "less pain with more km": the confounded reading
    assert excludes_new <= 3  # about 1 in 20 by design
    assert abs(np.mean(estimates)) < 0.1  # points per 10 km; the unadjusted model's mean is about -0.5


def test_pain_trend_flare_days_left_out_where_there_is_no_flare_up():
    frame, bs7, km7 = _flare_confounded(0)
    calm = frame.assign(in_flare=False)
    assert "flare_days_7d" not in pain_series.pain_trend(calm, bs7, km7).attrs["adjusted_for"]


@pytest.mark.parametrize("k", [-9, -8, -3, 0, 2, 8, 12])
def test_shifted_is_pandas_shift(k):
    a = np.array([1.0, np.nan, 3.0, 4.0, 5.0, 6.5, 7.0, 8.0])
    want = pd.Series(a).shift(k).to_numpy()
    np.testing.assert_array_equal(pain_series._shifted(a, k), want)
