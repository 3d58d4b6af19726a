"""analysis.stats.firth against an independent implementation on fixed data.

The independent side maximises Firth's penalised log-likelihood
l(beta) + 0.5 log|X'WX| directly with scipy.optimize (no Newton steps on the modified
score), and traces the profile by constrained maximisation: a different algorithm for
the same definition (Firth 1993; Heinze & Schemper 2002).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from analysis.stats import firth

# 20 days, one quasi-separating covariate and one continuous: fixed, not random.
X1 = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], float)
X2 = np.array([1.2, -0.3, 0.4, 2.1, -1.0, 0.0, 0.7, -0.8, 1.5, 0.3,
               -0.2, 0.9, 1.1, -0.6, 0.2, 1.8, -1.3, 0.5, 0.8, -0.1])
Y = np.array([0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1], float)
X = np.column_stack([np.ones(20), X1, X2])


def _penalised_loglik(beta: np.ndarray) -> float:
    eta = X @ beta
    p = 1 / (1 + np.exp(-eta))
    loglik = float(np.sum(Y * eta - np.logaddexp(0, eta)))
    info = X.T @ (X * (p * (1 - p))[:, None])
    return loglik + 0.5 * float(np.linalg.slogdet(info)[1])


def _max_with(j: int | None, value: float = 0.0) -> tuple[np.ndarray, float]:
    free = [k for k in range(X.shape[1]) if k != j]

    def neg(b_free):
        beta = np.zeros(X.shape[1])
        beta[free] = b_free
        if j is not None:
            beta[j] = value
        return -_penalised_loglik(beta)

    res = optimize.minimize(neg, np.zeros(len(free)), method="BFGS", options={"gtol": 1e-10})
    beta = np.zeros(X.shape[1])
    beta[free] = res.x
    if j is not None:
        beta[j] = value
    return beta, -res.fun


def test_firth_coefficients_match_direct_maximisation():
    fit = firth.firth_logit(Y, X)
    beta, ll = _max_with(None)
    assert fit.converged
    np.testing.assert_allclose(fit.params, beta, atol=1e-5)
    assert fit.penalized_loglik == pytest.approx(ll, abs=1e-7)
    # frozen: a change of the estimator shows here first
    np.testing.assert_allclose(fit.params, [-3.0437, 4.0137, 1.9825], atol=5e-4)


def test_firth_profile_interval_and_lr_p_match_constrained_maximisation():
    fit = firth.firth_logit(Y, X)
    lo, hi, p = firth._profile_interval(Y, X, 1, fit)
    _, ll_hat = _max_with(None)
    crit = stats.chi2.ppf(0.95, 1)

    def drop(b):
        return 2 * (ll_hat - _max_with(1, b)[1]) - crit

    b_hat = float(fit.params[1])
    lo_ind = optimize.brentq(drop, b_hat - 10, b_hat)
    hi_ind = optimize.brentq(drop, b_hat, b_hat + 10)
    p_ind = stats.chi2.sf(2 * (ll_hat - _max_with(1, 0.0)[1]), 1)
    assert lo == pytest.approx(lo_ind, abs=1e-4)
    assert hi == pytest.approx(hi_ind, abs=1e-4)
    assert p == pytest.approx(p_ind, rel=1e-4)
    assert (round(lo, 3), round(hi, 3), round(p, 4)) == (1.181, 9.345, 0.0024)


def test_flic_intercept_is_statsmodels_glm_with_the_slopes_as_offset():
    # the intercept alone refitted by maximum likelihood, the penalised slopes' part held as an offset
    # (Puhr et al. 2017): an independent implementation, statsmodels' binomial GLM with an offset
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    offset = rng.normal(0.0, 0.8, 700)
    y = (rng.random(700) < 1 / (1 + np.exp(-(-4.0 + offset)))).astype(float)
    ref = sm.GLM(y, np.ones((700, 1)), family=sm.families.Binomial(), offset=offset).fit()
    got = firth.flic_intercept(y, offset)
    assert got == pytest.approx(float(ref.params[0]), abs=1e-7)
    # the model predicts as many onsets as were observed
    assert (1 / (1 + np.exp(-(got + offset)))).sum() == pytest.approx(y.sum(), rel=1e-9)
    assert firth.flic_intercept(np.zeros(5), np.zeros(5)) is None  # no onset: nothing to match
