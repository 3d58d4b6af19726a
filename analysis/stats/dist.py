"""The distribution functions the report's statistics need, called straight from :mod:`scipy.special`.

Why this module exists: importing :mod:`scipy.stats` costs about 0.4 s of CPU on top of pandas,
scipy.special and scipy.optimize (``python -X importtime -c "import pandas, scipy.special,
scipy.optimize; import scipy.stats"``: 0.40-0.53 s, scipy 1.17, which parses docstrings at import),
and the report's own process used it only for the normal, t, chi-square and F quantiles and tail
areas and for the exact binomial test of the rate ratio. benchmarks/README.md, session 12, has the
report's times before and after.

Each continuous helper makes the same :mod:`scipy.special` call that the scipy.stats distribution
makes (``norm.sf`` is ``ndtr(-x)``, ``t.ppf`` is ``stdtrit(df, q)``, ``chi2.ppf`` is
``2 gammaincinv(df/2, q)``, ...) with the same handling of the support's ends, so the floats are
bit-identical to scipy.stats' for valid parameters (degrees of freedom > 0); tests/stats/test_dist.py
checks each on a grid. Degrees of freedom <= 0 (or NaN) give NaN, as in scipy.stats, where the
support's-end handling alone would give a number. The binomial helpers use the regularised
incomplete beta function, as scipy.stats' binomial does (Boost's formulas): the upper tail is bit-identical to ``binom.sf``; the
lower tail is the exact sum to double precision, where ``binom.cdf`` (another Boost wrapper) is off
by up to 3e-14 relative; the Clopper-Pearson limits are the beta quantiles, where
``binomtest(...).proportion_ci`` finds the same limits with a root finder (agreement within 1e-12).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

__all__ = [
    "binom_cdf",
    "binom_sf",
    "chi2_ppf",
    "chi2_sf",
    "clopper_pearson",
    "f_ppf",
    "norm_ppf",
    "norm_sf",
    "t_ppf",
    "t_sf",
]


def _bad(df: ArrayLike) -> np.ndarray:
    """Degrees of freedom that are no distribution's (<= 0 or NaN): NaN out, as scipy.stats gives."""
    with np.errstate(invalid="ignore"):
        return ~(np.asarray(df, dtype=float) > 0)


def norm_sf(x: ArrayLike) -> np.float64 | np.ndarray:
    """Standard normal upper tail P(Z > x), as ``scipy.stats.norm.sf``."""
    return special.ndtr(np.negative(x))


def norm_ppf(q: ArrayLike) -> np.float64 | np.ndarray:
    """Standard normal quantile, as ``scipy.stats.norm.ppf`` (-inf at 0, inf at 1)."""
    return special.ndtri(q)


def t_sf(x: ArrayLike, df: ArrayLike) -> np.float64 | np.ndarray:
    """Student t upper tail P(T > x) with ``df`` > 0 degrees of freedom, as ``scipy.stats.t.sf``."""
    return np.where(_bad(df), np.nan, special.stdtr(df, np.negative(x)))[()]


def t_ppf(q: ArrayLike, df: ArrayLike) -> np.float64 | np.ndarray:
    """Student t quantile with ``df`` > 0 degrees of freedom, as ``scipy.stats.t.ppf``.

    ``stdtrit`` gives +inf at q = 0; scipy.stats (and this) the support's lower end, -inf.
    """
    q = np.asarray(q, dtype=float)
    return np.where(_bad(df), np.nan, np.where(q == 0, -np.inf, special.stdtrit(df, q)))[()]


def chi2_sf(x: ArrayLike, df: ArrayLike) -> np.float64 | np.ndarray:
    """Chi-square upper tail P(X > x) with ``df`` > 0 degrees of freedom, as ``scipy.stats.chi2.sf``.

    1 below the support (x < 0), where ``chdtrc`` gives NaN.
    """
    x = np.asarray(x, dtype=float)
    return np.where(_bad(df), np.nan, np.where(x < 0, 1.0, special.chdtrc(df, x)))[()]


def chi2_ppf(q: ArrayLike, df: ArrayLike) -> np.float64 | np.ndarray:
    """Chi-square quantile with ``df`` > 0 degrees of freedom, as ``scipy.stats.chi2.ppf``."""
    return np.where(_bad(df), np.nan, 2 * special.gammaincinv(np.divide(df, 2), q))[()]


def f_ppf(q: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> np.float64 | np.ndarray:
    """F quantile with (``dfn``, ``dfd``) > 0 degrees of freedom, as ``scipy.stats.f.ppf``."""
    return np.where(_bad(dfn) | _bad(dfd), np.nan, special.fdtri(dfn, dfd, q))[()]


def binom_cdf(k: int, n: int, p: float) -> float:
    """Binomial lower tail P(X <= k), X ~ Binomial(n, p), 0 <= p <= 1: ``scipy.stats.binom.cdf``.

    The regularised incomplete beta ``I_{1-p}(n - k, k + 1)``, taken as the complement
    ``betaincc(k + 1, n - k, p)`` (no cancellation near 1), Boost's formula; binom.cdf itself differs
    by up to 3e-14 relative (tests/stats/test_dist.py).
    """
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return float(special.betaincc(k + 1, n - k, p))


def binom_sf(k: int, n: int, p: float) -> float:
    """Binomial upper tail P(X > k), X ~ Binomial(n, p), 0 <= p <= 1: ``scipy.stats.binom.sf``.

    The regularised incomplete beta ``I_p(k + 1, n - k)`` (Boost's formula).
    """
    if k < 0:
        return 1.0
    if k >= n:
        return 0.0
    return float(special.betainc(k + 1, n - k, p))


def clopper_pearson(k: int, n: int, *, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided 1 - ``alpha`` interval for a binomial proportion, k of n.

    The limits are beta quantiles: lower ``B(alpha/2; k, n - k + 1)`` (0 when k = 0), upper
    ``B(1 - alpha/2; k + 1, n - k)`` (1 when k = n), the latter as the inverse of the upper tail
    (no rounding of 1 - alpha/2). ``scipy.stats.binomtest(k, n).proportion_ci(1 - alpha, "exact")``
    solves the same equations (``binom.sf(k - 1) = alpha/2``, ``binom.cdf(k) = alpha/2``) by root finding.

    References
    ----------
    Clopper CJ, Pearson ES (1934) Biometrika 26:404.
    """
    lower = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, alpha / 2))
    upper = 1.0 if k == n else float(special.betainccinv(k + 1, n - k, alpha / 2))
    return lower, upper
