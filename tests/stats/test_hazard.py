"""Tests of the hazard model (analysis.stats.hazard, design, firth, calibration) on simulated runners."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.simulate import hazard_days
from analysis.stats import calibration, design, firth, hazard


def test_hazard_recovers_planted_km_effect_on_long_series():
    true_or = 1.5
    frame = hazard_days.simulate_hazard_days(2190, {"km_lag_1_3": math.log(true_or)}, seed=1)
    fit = hazard.fit_hazard(frame)
    assert fit.reason is None and fit.n_events >= 40
    row = fit.effects.set_index("term").loc["km_lag_1_3"]
    assert row["unit"] == "+10 km"
    assert row["ci_low"] <= true_or <= row["ci_high"]
    assert row["estimate"] > 1 and row["ci_low"] > 1
    # terms planted at zero: their CIs cover OR 1 here
    others = fit.effects.set_index("term").loc[["km_lag_4_7", "km_lag_8_14", "barefoot_share_lag_1_7"]]
    assert ((others["ci_low"] <= 1) & (others["ci_high"] >= 1)).all()


def test_profile_interval_and_lr_p_agree():
    frame = hazard_days.simulate_hazard_days(730, {"km_lag_1_3": 0.3}, seed=7)
    fit = hazard.fit_hazard(frame)
    for row in fit.effects.dropna(subset=["p"]).itertuples():
        excludes_one = row.ci_low > 1 or row.ci_high < 1
        if abs(row.p - 0.05) > 0.002:
            assert excludes_one == (row.p < 0.05), row.term


def test_hazard_too_few_events_gives_na_with_reason():
    frame = hazard_days.simulate_hazard_days(120, seed=3, onsets_per_year=4)
    fit = hazard.fit_hazard(frame)
    assert fit.reason.startswith("insufficient data")
    assert fit.effects["estimate"].isna().all()
    assert fit.effects["reason"].notna().all()
    assert fit.effects.set_index("term").loc["km_lag_1_3", "reason"].startswith("insufficient data")


def test_hazard_separation_and_missing_term_handled():
    frame = hazard_days.simulate_hazard_days(730, seed=11)
    risk_days = frame.index[frame["at_risk"] & (frame["onset"] == 0) & frame["km_lag_15_28"].notna()]
    frame["spike_large"] = 0.0
    frame.loc[risk_days[100:104], "spike_large"] = 1.0  # never followed by an onset
    frame["drill_days_lag_1_7"] = np.nan  # no drills log
    ml = hazard.fit_hazard(frame, variance="model").effects.set_index("term")
    assert math.isnan(ml.loc["spike_large", "estimate"])
    assert "separation" in ml.loc["spike_large", "reason"]
    assert "not available" in ml.loc["drill_days_lag_1_7", "reason"]
    firth = hazard.fit_hazard(frame, calibration_replicates=0).effects.set_index("term")
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
    assert calibration.onset_blocks(frame) == [(3, 5)]
    only_cut = frame.assign(onset=[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
    assert calibration.onset_blocks(only_cut) == [(2, 5)]


def test_replicated_onset_process_keeps_its_rules():
    frame = hazard_days.simulate_hazard_days(730, seed=4)
    frame.loc[frame.index[::9], "logged"] = False
    blocks = [(5, 12), (8, 15)]
    rep = calibration._replicate_onsets(frame, np.full(len(frame), -3.0), 0.0, 0.0, blocks, np.random.default_rng(1))
    onsets = np.flatnonzero(rep["onset"].to_numpy() > 0)
    assert len(onsets) >= 10
    at_risk = rep["at_risk"].to_numpy()
    for i in onsets:
        assert at_risk[i] and frame["logged"].iloc[i]
        gap = np.flatnonzero(at_risk[i + 1 :])
        assert len(gap) == 0 or gap[0] + 1 in (12, 15)  # blocked for one of the given lengths
    # time since the flare is rebuilt from the replicate's own flares
    expected = design.days_since_flare(rep["in_flare"]).shift(1).fillna(1.0)
    assert np.allclose(rep["days_since_flare"], expected)


def test_lr_scale_factor_calibration_widens_never_narrows():
    frame = hazard_days.simulate_hazard_days(365, seed=21)
    plain = hazard.fit_hazard(frame, calibration_replicates=0)
    calibrated = hazard.fit_hazard(frame, calibration_replicates=20, seed=3)
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
    again = hazard.fit_hazard(frame, calibration_replicates=20, seed=3)
    assert again.lr_scale == calibrated.lr_scale


def test_lr_scale_factor_reproduces_the_small_sample_excess():
    """With ~11 onsets and 13 parameters the LR statistic runs above chi2(1)."""
    means, weights = [], []
    for seed in range(8):
        frame = hazard_days.simulate_hazard_days(365, seed=seed, onsets_per_year=12)
        y, X, names, _ = design.hazard_design(frame)
        if y.sum() < 8:
            continue
        fit = firth.firth_logit(y, X)
        mean, n, mc_se = calibration.lr_scale_factor(frame, fit, names, replicates=20, seed=seed, floor=0.0)
        assert 0 < mc_se < mean
        means.append(mean)
        weights.append(n)
    assert sum(weights) >= 400
    assert np.average(means, weights=weights) > 1.0


def test_hazard_uses_at_risk_logged_days_only():
    frame = hazard_days.simulate_hazard_days(730, seed=5)
    frame.loc[frame.index[::5], "logged"] = False
    fit = hazard.fit_hazard(frame, intervals=False)
    usable = frame["at_risk"] & frame["logged"] & frame[list(design.PRIMARY_TERMS)].notna().all(axis=1)
    assert fit.n_days == int(usable.sum())
    assert fit.n_events == int(frame.loc[usable, "onset"].sum())


def test_other_variance_estimators_share_the_ml_point_estimate():
    frame = hazard_days.simulate_hazard_days(730, seed=2)
    est = {
        v: hazard.fit_hazard(frame, variance=v, intervals=["km_lag_1_3"]).effects.set_index("term")
        for v in ("model", "hac", "profile")
    }
    km = {v: e.loc["km_lag_1_3"] for v, e in est.items()}
    assert km["model"]["estimate"] == pytest.approx(km["hac"]["estimate"])
    assert km["model"]["estimate"] == pytest.approx(km["profile"]["estimate"], rel=1e-6)
    assert km["hac"]["ci_high"] - km["hac"]["ci_low"] != pytest.approx(
        km["model"]["ci_high"] - km["model"]["ci_low"]
    )
    with pytest.raises(ValueError):
        hazard.fit_hazard(frame, variance="bootstrap")


def test_days_since_flare_counts_from_last_flare_day():
    flare = pd.Series([False, False, True, True, False, False, False])
    got = design.days_since_flare(flare).tolist()
    assert got == [1, 2, 3, 1, 1, 2, 3]


# ---------------------------------------------------------- exploratory analyses


