"""REML tau^2, Hartung-Knapp interval and prediction interval, checked by hand and on planted values."""

import numpy as np
import pytest
from scipy import stats

from analysis.stats.meta_analysis import random_effects, reml_tau2


def test_homogeneous_equal_variances_by_hand():
    y = np.array([0.1, 0.3, 0.2, 0.4])
    se = np.full(4, 0.5)  # spread far below the SEs: tau^2 = 0, I^2 = 0
    r = random_effects(y, se)
    assert r.tau2 == 0.0
    assert r.estimate == pytest.approx(0.25)
    # HK variance by hand: sum w (y - mu)^2 / ((k-1) sum w) with equal w
    var_hk = np.sum((y - 0.25) ** 2) / (3 * 4)
    half = stats.t.ppf(0.975, 3) * np.sqrt(var_hk)
    assert r.ci == pytest.approx((0.25 - half, 0.25 + half))
    assert r.i2 == 0.0
    assert r.same_direction_share == 1.0


def test_reml_equal_variances_closed_form():
    """With equal v, REML tau^2 = sample variance - v (when positive)."""
    rng = np.random.default_rng(0)
    y = rng.normal(0, 1, 12)
    v = np.full(12, 0.1)
    assert reml_tau2(y, v) == pytest.approx(np.var(y, ddof=1) - 0.1, rel=1e-6)


def test_planted_heterogeneity_recovered_and_prediction_wider():
    rng = np.random.default_rng(4)
    k, tau = 400, 0.3
    se = rng.uniform(0.1, 0.3, k)
    y = 0.2 + rng.normal(0, tau, k) + rng.normal(0, se)
    r = random_effects(y, se)
    assert r.tau == pytest.approx(tau, abs=0.05)
    assert r.ci[0] < 0.2 < r.ci[1]
    lo, hi = r.prediction_interval
    assert hi - lo > r.ci[1] - r.ci[0]
    assert lo < 0.2 - tau < 0.2 + tau < hi
