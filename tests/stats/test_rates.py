"""Tests of analysis.stats.rates: exact Poisson and rate-ratio intervals, BH q-values, attribution, rates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from analysis.schema import coerce_runs
from analysis.stats import rates

# ----------------------------------------------------------------------------- exact CIs


def test_poisson_ci_zero_events_is_minus_log_alpha_half():
    lo, hi = rates.poisson_ci(0)
    assert lo == 0.0
    assert hi == pytest.approx(-math.log(0.025), rel=1e-9)  # 3.6889


def test_poisson_ci_five_events_matches_tail_sums():
    lo, hi = rates.poisson_ci(5)
    # hand: lower mu with P(X >= 5 | mu) = 0.025, upper mu with P(X <= 5 | mu) = 0.025
    lo_hand = optimize.brentq(lambda mu: stats.poisson.sf(4, mu) - 0.025, 1e-6, 20)
    hi_hand = optimize.brentq(lambda mu: stats.poisson.cdf(5, mu) - 0.025, 1e-6, 40)
    assert lo == pytest.approx(lo_hand, rel=1e-6)
    assert hi == pytest.approx(hi_hand, rel=1e-6)
    assert (round(lo, 4), round(hi, 4)) == (1.6235, 11.6683)  # Garwood table values


def test_onset_rate_per_1000km_and_zero_exposure():
    r = rates.onset_rate(5, 250.0)
    assert r["rate"] == pytest.approx(20.0)
    assert r["ci"][0] == pytest.approx(1.6235 * 4, rel=1e-4)
    assert r["ci"][1] == pytest.approx(11.6683 * 4, rel=1e-4)
    assert math.isnan(rates.onset_rate(2, 0.0)["rate"])


def test_rate_ratio_matches_conditional_binomial_by_hand():
    # 8 onsets in 200 km vs 4 in 400 km: RR = 0.04 / 0.01 = 4
    rr = rates.rate_ratio(8, 200.0, 4, 400.0)
    assert rr["estimate"] == pytest.approx(4.0)
    n = 12
    p_lo = optimize.brentq(lambda p: stats.binom.sf(7, n, p) - 0.025, 1e-9, 1 - 1e-9)
    p_hi = optimize.brentq(lambda p: stats.binom.cdf(8, n, p) - 0.025, 1e-9, 1 - 1e-9)
    to_rr = lambda p: p / (1 - p) * 400.0 / 200.0  # noqa: E731
    assert rr["ci"][0] == pytest.approx(to_rr(p_lo), rel=1e-6)
    assert rr["ci"][1] == pytest.approx(to_rr(p_hi), rel=1e-6)
    # exact test of RR = 1, central like the interval: expected share of onsets in class a = 200/600,
    # p = 2 P(X >= 8), X ~ Binomial(12, 1/3), by hand from the binomial sum
    upper_tail = sum(math.comb(12, k) * (1 / 3) ** k * (2 / 3) ** (12 - k) for k in range(8, 13))
    assert rr["p"] == pytest.approx(2 * upper_tail, rel=1e-9)


def test_rate_ratio_p_and_interval_agree():
    # the example: 4 onsets in 300 km vs 6 in 2000 km gave p = 0.032 ("minlike") beside a 95 % CI of
    # 0.92-18.7; with one (central) convention p < 0.05 exactly when the interval excludes 1
    example = rates.rate_ratio(4, 300.0, 6, 2000.0)
    assert example["ci"][0] < 1 < example["ci"][1] and example["p"] >= 0.05
    for a, km_a, b, km_b in [(4, 300.0, 6, 2000.0), (8, 200.0, 4, 400.0), (0, 150.0, 9, 300.0), (12, 90.0, 1, 500.0),
                             (3, 100.0, 3, 100.0), (1, 40.0, 20, 900.0), (6, 50.0, 2, 400.0), (5, 300.0, 0, 10.0)]:
        rr = rates.rate_ratio(a, km_a, b, km_b)
        excludes = rr["ci"][0] > 1 or rr["ci"][1] < 1
        assert (rr["p"] < 0.05) == excludes, (a, km_a, b, km_b, rr)
        assert 0 < rr["p"] <= 1


def test_rate_ratio_edges():
    zero = rates.rate_ratio(0, 100.0, 5, 100.0)
    assert zero["estimate"] == 0.0 and zero["ci"][0] == 0.0 and math.isfinite(zero["ci"][1])
    assert math.isinf(rates.rate_ratio(3, 100.0, 0, 100.0)["ci"][1])
    assert rates.rate_ratio(0, 100.0, 0, 100.0)["reason"] == "no onsets in either class"
    assert "no exposure" in rates.rate_ratio(2, 0.0, 1, 10.0)["reason"]


def test_bh_qvalues_by_hand_and_nan_left_out():
    q = rates.bh_qvalues([0.01, 0.04, 0.03, 0.005])
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4/rank 0.02, 0.02, 0.04, 0.04 (already monotone)
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])
    q2 = rates.bh_qvalues([0.01, np.nan, 0.04])
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
    got = rates.attribute_onsets(["2024-03-04", "2024-03-12", "2024-03-06"], runs)
    assert list(got) == ["barefoot-style", rates.NO_RECENT_RUN, "unknown"]


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
    out = rates.region_rates([days[4]], runs, daily, at_risk)
    by = {r["shoe_class"]: r for r in out["rates"]}
    assert by["barefoot-style"]["distance_km"] == pytest.approx(35.0)  # 7 at-risk days x 5 km
    assert by["traditional"]["distance_km"] == pytest.approx(35.0)  # 7 x (4 + 1 partial)
    assert by["traditional"]["onsets"] == 0 and by["barefoot-style"]["onsets"] == 1  # run of day 3 (i = 3)
    assert by["barefoot-style"]["per_1000km"] == pytest.approx(1000 / 35.0)
    assert by["barefoot-style"]["per_100km"] == pytest.approx(100 / 35.0)
    assert out["rate_ratio"]["comparison"] == "barefoot-style vs traditional"


# --------------------------------------------------------------------- hazard model


