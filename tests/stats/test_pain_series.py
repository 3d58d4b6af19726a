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
from analysis.stats.primary_design import load_arrays


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
    out = pain_series.pain_trend(frame, bs, km).set_index("term")
    assert out.attrs["outcome"] == "morning pain" and out.attrs["n_days"] == 324 < len(frame)
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


