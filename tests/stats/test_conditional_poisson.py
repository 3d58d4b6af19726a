"""The vectorised conditional Poisson fit against statsmodels' ConditionalPoisson, and a planted effect."""

import numpy as np
import pytest

from analysis.stats.conditional_poisson import fit_conditional_poisson


def _cohort(seed: int, n_runners: int = 40, days: int = 200, beta=(0.3, -0.2), confound: float = 0.0):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_runners), days)
    frailty = rng.normal(0, 1, n_runners)
    x1 = rng.normal(0, 1, len(g)) + confound * frailty[g]
    x2 = rng.normal(0, 1, len(g))
    X = np.column_stack([x1, x2])
    rate = np.exp(-4 + frailty[g] + X @ np.asarray(beta))
    y = rng.poisson(rate).clip(0, 1)
    return y, X, g


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ModelWarning")
def test_matches_statsmodels_to_1e6():
    from statsmodels.discrete.conditional_models import ConditionalPoisson

    y, X, g = _cohort(1, n_runners=25, days=120)
    ours = fit_conditional_poisson(y, X, g)
    ref = ConditionalPoisson(y, X, groups=g).fit(method="newton", maxiter=200, disp=0)
    assert ours.converged
    np.testing.assert_allclose(ours.params, ref.params, atol=1e-6)
    np.testing.assert_allclose(ours.bse(), ref.bse, rtol=1e-6)
    assert ours.loglik == pytest.approx(ref.llf, abs=1e-6)


def test_recovers_planted_effect_despite_confounding():
    y, X, g = _cohort(2, n_runners=200, days=300, beta=(0.4, 0.0), confound=1.0)
    fit = fit_conditional_poisson(y, X, g)
    lo, hi = fit.conf_int()[0]
    assert lo < 0.4 < hi
    lo2, hi2 = fit.conf_int(robust=True)[1]
    assert lo2 < 0.0 < hi2


def test_strata_constants_cancel():
    """Adding a per-runner constant to a column leaves the fit unchanged (it is absorbed by the strata)."""
    y, X, g = _cohort(3, n_runners=30, days=100)
    shifted = X.copy()
    shifted[:, 0] += np.arange(30)[g] * 5.0
    a = fit_conditional_poisson(y, X, g)
    b = fit_conditional_poisson(y, shifted, g)
    np.testing.assert_allclose(a.params, b.params, atol=1e-8)
