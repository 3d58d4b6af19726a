"""Tests of analysis.stats.case_crossover and analysis.stats.pain_series on planted effects and nulls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.simulate import hazard_days
from analysis.stats import case_crossover, pain_series


def test_case_crossover_finds_strong_planted_km_effect():
    frame = hazard_days.simulate_hazard_days(1460, {"km_lag_1_3": 1.0, "km_lag_4_7": 1.0}, seed=4)
    daily = frame[["km", "km_barefoot_style", "minutes"]]
    cco = case_crossover.case_crossover(frame, daily, window_days=7).set_index("term")
    assert cco.attrs["n_cases"] >= 20 and cco.attrs["n_referents"] > cco.attrs["n_cases"]
    assert cco.loc["cco_km_lag_1_7", "estimate"] > 1
    assert cco.loc["cco_km_lag_1_7", "ci_low"] > 1
    assert cco.loc["cco_km_lag_1_7", "unit"] == "+10 km"


def test_pain_regression_recovers_planted_slope():
    rng = np.random.default_rng(0)
    frame = hazard_days.simulate_hazard_days(600, seed=9)
    km13 = frame["km_lag_1_3"].fillna(0).to_numpy()
    pain = np.zeros(len(frame))
    for t in range(1, len(frame)):
        pain[t] = 0.5 * pain[t - 1] + 0.4 * km13[t] / 10 + rng.normal(0, 0.5)
    frame["pain_max"] = pain
    frame.loc[frame.index[::7], "pain_max"] = np.nan  # unlogged days
    out = pain_series.pain_regression(frame).set_index("term")
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


