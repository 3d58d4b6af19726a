"""Tests of analysis.stats.dist: each helper against scipy.stats on a grid (bit-identical where scipy.stats
makes the same scipy.special call). tests/test_cli.py checks that the report's process never loads scipy.stats."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from analysis.stats import dist

X = np.concatenate([np.linspace(-40.0, 40.0, 1601), [0.0, -0.0, 1e-300, -1e-300, 1e300, np.inf, -np.inf, np.nan]])
Q = np.concatenate([np.linspace(0.0, 1.0, 1001), [1e-300, 1e-12, 0.5, 0.975, 1 - 1e-12, 1 - 2**-53, np.nan]])
DFS = [0.5, 1.0, 2.0, 3.0, 4.0, 7.0, 10.0, 19.0, 30.0, 100.0, 1e4, 1e6]


def assert_bits(got, want) -> None:
    """Same float64 bits, NaN for NaN (NaN's sign bit differs between the two routes, and says nothing)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    both_nan = np.isnan(got) & np.isnan(want)
    same = got.view(np.int64) == want.view(np.int64)
    bad = ~(same | both_nan)
    assert not bad.any(), list(zip(got[bad][:5], want[bad][:5], strict=True))


def test_norm_bit_identical():
    assert_bits(dist.norm_sf(X), stats.norm.sf(X))
    assert_bits(dist.norm_ppf(Q), stats.norm.ppf(Q))


@pytest.mark.parametrize("df", DFS)
def test_t_bit_identical(df):
    assert_bits(dist.t_sf(X, df), stats.t.sf(X, df))
    assert_bits(dist.t_ppf(Q, df), stats.t.ppf(Q, df))


@pytest.mark.parametrize("df", DFS)
def test_chi2_bit_identical(df):
    assert_bits(dist.chi2_sf(X, df), stats.chi2.sf(X, df))  # 1 below the support, as scipy.stats
    assert_bits(dist.chi2_ppf(Q, df), stats.chi2.ppf(Q, df))


@pytest.mark.parametrize("dfd", [1.0, 2.0, 5.0, 30.0, 1000.0])
def test_f_ppf_bit_identical(dfd):
    for dfn in DFS:
        assert_bits(dist.f_ppf(Q, dfn, dfd), stats.f.ppf(Q, dfn, dfd))


@pytest.mark.parametrize("df", [0.0, -1.0, -0.5, np.nan])
def test_degrees_of_freedom_of_no_distribution_give_nan_as_scipy_stats(df):
    """df <= 0 or NaN: NaN everywhere, also at the support's ends (x < 0, q = 0) where a number came out."""
    for got, want in [(dist.t_sf(X, df), stats.t.sf(X, df)), (dist.t_ppf(Q, df), stats.t.ppf(Q, df)),
                      (dist.chi2_sf(X, df), stats.chi2.sf(X, df)), (dist.chi2_ppf(Q, df), stats.chi2.ppf(Q, df)),
                      (dist.f_ppf(Q, df, 3.0), stats.f.ppf(Q, df, 3.0)), (dist.f_ppf(Q, 3.0, df), stats.f.ppf(Q, 3.0, df))]:
        assert np.isnan(want).all()
        assert_bits(got, want)
    assert np.isnan(dist.chi2_sf(-1.0, df)) and np.isnan(dist.t_ppf(0.0, df))


def test_scalars_give_numpy_scalars_as_scipy_stats():
    for got, want in [(dist.norm_ppf(0.975), stats.norm.ppf(0.975)), (dist.t_ppf(0.975, 4), stats.t.ppf(0.975, 4)),
                      (dist.chi2_sf(3.2, 1), stats.chi2.sf(3.2, 1)), (dist.t_sf(2.0, 5), stats.t.sf(2.0, 5)),
                      (dist.chi2_ppf(0.95, 1), stats.chi2.ppf(0.95, 1)), (dist.norm_sf(1.5), stats.norm.sf(1.5)),
                      (dist.f_ppf(0.95, 1, 9), stats.f.ppf(0.95, 1, 9))]:
        assert type(got) is type(want) is np.float64
        assert got == want


BINOM_N = [1, 2, 3, 5, 8, 13, 21, 40, 75, 150]
P_GRID = np.concatenate([np.linspace(0.0, 1.0, 41), [1e-9, 0.0123, 1 / 3, 0.5, 2 / 3, 0.9876, 1 - 1e-9]])


def test_binom_upper_tail_bit_identical_lower_tail_within_ulps():
    for n in BINOM_N:
        for k in range(-1, n + 2):
            for p in P_GRID:
                assert_bits(dist.binom_sf(k, n, p), stats.binom.sf(k, n, p))
                want = stats.binom.cdf(k, n, p)
                # the same Boost formula through another wrapper: binom.cdf is off by up to 3e-14 relative
                # (more in tails below ~1e-100) where betaincc is the exact sum (next test)
                tol = 1e-13 if want > 1e-100 else 1e-9
                assert dist.binom_cdf(k, n, p) == pytest.approx(want, rel=tol, abs=1e-300), (k, n, p)


def test_binom_cdf_is_the_exact_sum_far_in_the_tail():
    for k, n, p in [(62, 75, 0.999999999), (6, 40, 0.999999999), (39, 150, 0.475), (42, 150, 0.45), (3, 13, 0.9876)]:
        exact = sum(Fraction(math.comb(n, j)) * Fraction(p) ** j * (1 - Fraction(p)) ** (n - j) for j in range(k + 1))
        assert dist.binom_cdf(k, n, p) == pytest.approx(float(exact), rel=1e-14)


def test_binom_tails_and_interval_match_binomtest():
    for n in BINOM_N:
        for k in range(n + 1):
            for p in (0.05, 0.2, 1 / 3, 0.5, 0.8):
                less = stats.binomtest(k, n, p, alternative="less").pvalue
                greater = stats.binomtest(k, n, p, alternative="greater").pvalue
                assert dist.binom_cdf(k, n, p) == pytest.approx(less, rel=1e-13)
                assert dist.binom_sf(k - 1, n, p) == greater  # P(X >= k): bit-identical
            for alpha in (0.05, 0.1, 0.2):
                want = stats.binomtest(k, n).proportion_ci(confidence_level=1 - alpha, method="exact")
                lo, hi = dist.clopper_pearson(k, n, alpha=alpha)
                # binomtest's root finder stops within 2e-12 of the limit; these are the beta quantiles
                assert (lo, hi) == pytest.approx((want.low, want.high), rel=1e-10, abs=1e-12), (k, n, alpha)
                if k > 0:
                    assert dist.binom_sf(k - 1, n, lo) == pytest.approx(alpha / 2, rel=1e-9)
                if k < n:
                    assert dist.binom_cdf(k, n, hi) == pytest.approx(alpha / 2, rel=1e-9)
    assert dist.clopper_pearson(0, 7)[0] == 0.0 and dist.clopper_pearson(7, 7)[1] == 1.0

