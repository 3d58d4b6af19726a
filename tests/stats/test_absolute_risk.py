"""Absolute risk in the next 28 days (analysis.stats.absolute_risk): bounds, direction, no number without a model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.simulate.primary_days import simulate_primary_days
from analysis.stats import absolute_risk as ar
from analysis.stats import primary
from analysis.stats import primary_design as pdg


def _risk(seed: int, **kw):
    daily, frame = simulate_primary_days(seed=seed, **kw)
    loads = pdg.load_arrays(daily)
    fit = primary.fit_primary(frame, loads)
    return fit, ar.absolute_risk(fit, frame, loads), frame, loads


def test_risks_are_probabilities_with_intervals_around_them():
    fit, risk, _, _ = _risk(4, n_days=900, share_or=1.3, km_or=1.4, onsets_per_year=10)
    assert list(risk["scenario"]) == list(ar.SCENARIOS)
    assert (risk["status"] == "estimated").all()
    assert ((risk["ci_low"] > 0) & (risk["ci_high"] < 1)).all()
    assert ((risk["ci_low"] <= risk["risk_28d"]) & (risk["risk_28d"] <= risk["ci_high"])).all()
    assert risk.attrs["last_4_weeks_km"] > 0 and 0 <= risk.attrs["last_4_weeks_barefoot_share_pct"] <= 100


@pytest.mark.parametrize("seed", [4, 6, 8])
def test_risk_moves_the_way_the_fitted_odds_ratios_point(seed):
    fit, risk, _, _ = _risk(seed, n_days=900, share_or=1.3, km_or=1.4, onsets_per_year=10)
    rows = fit.rows.set_index("estimand")["estimate"]
    r = risk.set_index("scenario")["risk_28d"]
    # half the barefoot-style share lowers the risk exactly when the fitted share OR is above 1
    assert (r["half the barefoot-style share"] < r["last 4 weeks"]) == (rows["barefoot_share_7d"] > 1)
    # 20 % more km (same share): the 7-day km term moves it; with the smallest model it is the only km term
    if fit.spec.lag_df == 1:
        assert (r["+20 % weekly km"] > r["last 4 weeks"]) == (rows["km_7d"] > 1)


@pytest.mark.parametrize("scenario", list(ar.SCENARIOS))
def test_risk_by_hand_for_the_smallest_model(scenario):
    daily, frame = simulate_primary_days(seed=4, n_days=900, share_or=1.3, km_or=1.4, onsets_per_year=10)
    loads = pdg.load_arrays(daily)
    fit = primary.fit_primary(frame, loads, adjustments=())  # share and 7-day km only
    got = ar.absolute_risk(fit, frame, loads).set_index("scenario").loc[scenario, "risk_28d"]
    f_bs, f_km = ar.SCENARIOS[scenario]
    km = list(daily["km"]) + [k * f_km for k in daily["km"].iloc[-28:]]
    bs = list(daily["km_barefoot_style"]) + [b * f_bs * f_km for b in daily["km_barefoot_style"].iloc[-28:]]
    n = len(daily)
    _, b_share, b_km = fit.params
    b0 = fit.risk_intercept  # FLIC's: Firth's slopes, the intercept refitted by maximum likelihood
    m_share, m_km = fit.spec.means
    usual = _usual_share_by_hand(daily, n + 28)
    survive = 1.0
    for t in range(n, n + 28):
        km7, bs7 = sum(km[t - 7 : t]), sum(bs[t - 7 : t])
        # the footwear term is the 7-day share minus the runner's usual share on that coming day
        share = 100 * bs7 / km7 - usual[t] if km7 > 0 else fit.spec.share_mean_pct
        eta = b0 + b_share * (share / 10 - m_share) + b_km * (km7 / 10 - m_km)
        survive *= 1 - 1 / (1 + math.exp(-eta))
    assert got == pytest.approx(1 - survive, rel=1e-9)


def _usual_share_by_hand(daily, n_out: int) -> np.ndarray:
    """Least squares of the 7-day share (%) on 1, years, and two sine/cosine pairs of the day of the year."""
    dates = pd.date_range(daily.index.min(), periods=n_out, freq="D")
    km, bs = daily["km"].to_numpy(float), daily["km_barefoot_style"].to_numpy(float)
    rows, target = [], []
    for t in range(7, len(km)):
        km7 = km[t - 7 : t].sum()
        if km7 > 0:
            rows.append(t)
            target.append(100 * bs[t - 7 : t].sum() / km7)
    angle = 2 * np.pi * dates.day_of_year.to_numpy(float) / 365.25
    years = np.arange(n_out) / 365.25
    Z = np.column_stack([np.ones(n_out), years, np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)])
    coef = np.linalg.lstsq(Z[rows], np.array(target), rcond=None)[0]
    return Z @ coef


def test_usual_share_moves_on_with_the_calendar():
    daily, _ = simulate_primary_days(seed=4, n_days=900, share_or=1.3, km_or=1.4, onsets_per_year=10)
    loads = pdg.load_arrays(daily)
    future = pd.date_range(loads.dates[-1] + pd.Timedelta(days=1), periods=28, freq="D")
    ahead = ar.usual_share_ahead(loads, future)
    by_hand = _usual_share_by_hand(daily, len(loads.dates) + 28)
    assert np.allclose(ahead, by_hand[-28:], atol=1e-9)
    # the same fit as the history's usual share: evaluated on the history's own dates it is that share
    assert np.allclose(by_hand[: len(loads.dates)], loads.barefoot_share_slow_pct, atol=1e-9)
    assert np.ptp(ahead) > 0  # it moves over 28 days (trend and season), not held at the last day's value


def test_no_model_no_number():
    daily, frame = simulate_primary_days(seed=0, n_days=300, onsets_per_year=6)
    loads = pdg.load_arrays(daily)
    fit = primary.fit_primary(frame, loads)
    assert not fit.estimable
    risk = ar.absolute_risk(fit, frame, loads)
    assert risk["risk_28d"].isna().all() and risk["ci_low"].isna().all()
    assert (risk["status"] == "insufficient data").all()
    assert risk["message"].str.startswith("insufficient data:").all()


def test_usual_share_ahead_stays_a_share_after_a_steep_transition():
    # 200 days moving from all traditional to all barefoot-style: the fitted trend passes 100 % at the end
    dates = pd.date_range("2024-01-01", periods=200, freq="D")
    km = np.full(200, 8.0)
    bs = km * np.linspace(0.0, 1.0, 200)
    loads = pdg._arrays_from(dates, km, bs)
    future = pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=28, freq="D")
    blank = np.full(28, np.nan)
    line = pdg.slow_share(dates.append(future), np.r_[loads.km_7d, blank], np.r_[loads.barefoot_km_7d, blank])
    assert line[-1] > 100  # the fitted straight line runs past 100 % within the 28 days
    ahead = ar.usual_share_ahead(loads, future)
    assert ahead.max() == 100.0 and ahead.min() >= 0.0
    assert np.allclose(ahead, np.clip(line[-28:], 0, 100))


def test_flic_lowers_the_risk_and_changes_no_odds_ratio(monkeypatch):
    daily, frame = simulate_primary_days(seed=6, n_days=900, share_or=1.3, km_or=1.4, onsets_per_year=10)
    loads = pdg.load_arrays(daily)
    flic = primary.fit_primary(frame, loads)
    monkeypatch.setattr(primary, "RISK_INTERCEPT", "firth")
    firth = primary.fit_primary(frame, loads)
    assert firth.risk_intercept is None and flic.risk_intercept is not None
    pd.testing.assert_frame_equal(flic.rows, firth.rows)  # the estimands do not use the intercept
    np.testing.assert_array_equal(flic.params, firth.params)
    # Firth's penalty lifts the intercept (toward probability 1/2); FLIC takes it back, and the risks with it
    assert flic.risk_intercept < flic.params[0]
    r_flic = ar.absolute_risk(flic, frame, loads).set_index("scenario")
    r_firth = ar.absolute_risk(firth, frame, loads).set_index("scenario")
    assert (r_flic["risk_28d"] < r_firth["risk_28d"]).all()
    assert ((r_flic["ci_low"] <= r_flic["risk_28d"]) & (r_flic["risk_28d"] <= r_flic["ci_high"])).all()


def _logit_days(seed: int = 3, n: int = 700):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3.0 + 0.5 * X[:, 1])))).astype(float)
    dates = pd.date_range("2023-01-01", periods=n, freq="D")
    return y, X, dates


def test_risk_covariance_is_the_likelihoods_information_and_its_block_sandwich_against_statsmodels():
    """At the ML fit, the risk's covariances equal statsmodels' GLM model-based and cluster covariances.

    statsmodels (an independent implementation) with ``use_correction=False`` has no small-sample factor;
    runlog's block sandwich multiplies by G / (G - 1) (CR1), G the 28-day blocks.
    """
    sm = pytest.importorskip("statsmodels.api")
    y, X, dates = _logit_days()
    glm = sm.GLM(y, X, family=sm.families.Binomial())
    ml = glm.fit()
    blocks = np.asarray((dates - dates[0]).days) // 28
    cluster = glm.fit(cov_type="cluster", cov_kwds={"groups": blocks, "use_correction": False})
    model_cov, sandwich = primary.risk_covariances(y, X, ml.params, dates, block=True)
    np.testing.assert_allclose(model_cov, ml.cov_params(), rtol=1e-6, atol=1e-9)
    g = len(np.unique(blocks))
    np.testing.assert_allclose(sandwich, cluster.cov_params() * g / (g - 1), rtol=1e-6, atol=1e-9)
    assert len(primary.risk_covariances(y, X, ml.params, dates)) == 1  # without block: the model's only


def test_risk_covariance_options_change_only_the_risks_interval(monkeypatch):
    daily, frame = simulate_primary_days(seed=6, n_days=900, share_or=1.3, km_or=1.4, onsets_per_year=10)
    loads = pdg.load_arrays(daily)
    assert primary.RISK_COVARIANCE == "ml-block"  # the default: the likelihood's and its block sandwich
    assert len(primary.fit_primary(frame, loads).risk_covs) == 2
    monkeypatch.setattr(primary, "RISK_COVARIANCE", "penalised")
    base = primary.fit_primary(frame, loads)
    assert base.risk_covs == ()  # the penalised fit's own covariance
    r_base = ar.absolute_risk(base, frame, loads).set_index("scenario")
    for option, n_covs in (("ml", 1), ("ml-block", 2)):
        monkeypatch.setattr(primary, "RISK_COVARIANCE", option)
        fit = primary.fit_primary(frame, loads)
        assert len(fit.risk_covs) == n_covs
        pd.testing.assert_frame_equal(fit.rows, base.rows)
        r = ar.absolute_risk(fit, frame, loads).set_index("scenario")
        np.testing.assert_array_equal(r["risk_28d"], r_base["risk_28d"])  # the same point risk
        assert not np.allclose(r["ci_low"], r_base["ci_low"])
        assert ((r["ci_low"] <= r["risk_28d"]) & (r["risk_28d"] <= r["ci_high"])).all()
        if option == "ml-block":  # the wider of two intervals contains the likelihood's own
            monkeypatch.setattr(primary, "RISK_COVARIANCE", "ml")
            r_ml = ar.absolute_risk(primary.fit_primary(frame, loads), frame, loads).set_index("scenario")
            assert (r["ci_low"] <= r_ml["ci_low"]).all() and (r["ci_high"] >= r_ml["ci_high"]).all()
