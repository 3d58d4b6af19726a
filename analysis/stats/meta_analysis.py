"""Random-effects meta-analysis of per-runner estimates (METHODS.md 7, heterogeneity).

REML estimate of the between-runner variance tau^2 (Fisher scoring on the
restricted likelihood), the Hartung-Knapp(-Sidik-Jonkman) interval for the pooled
mean (IntHout, Ioannidis & Borm 2014, BMC Med Res Methodol 14:25) and the 95 %
prediction interval for a new runner's effect, t with k-2 df (Riley, Higgins &
Deeks 2011, BMJ 342:d549); I^2 from Cochran's Q. Hand-written (about 40 lines)
because statsmodels' ``combine_effects`` offers DL/Paule-Mandel but not REML with
the HK interval and the prediction interval together; tests check the pieces by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass
class MetaResult:
    """Pooled log-scale estimate and heterogeneity; intervals on the log scale."""

    estimate: float
    ci: tuple[float, float]
    prediction_interval: tuple[float, float] | None
    tau2: float
    i2: float
    q: float
    k: int
    same_direction_share: float

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))


def reml_tau2(y: np.ndarray, v: np.ndarray, *, maxiter: int = 200, tol: float = 1e-10) -> float:
    """REML estimate of tau^2 (>= 0) for estimates ``y`` with within-study variances ``v``."""
    y, v = np.asarray(y, float), np.asarray(v, float)
    if len(y) < 2:
        return 0.0
    tau2 = max(0.0, float(np.var(y, ddof=1) - np.mean(v)))
    for _ in range(maxiter):
        w = 1.0 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        # REML score and expected information for tau^2
        r2 = (y - mu) ** 2
        score = 0.5 * (np.sum(w**2 * r2) - np.sum(w) + np.sum(w**2) / np.sum(w))
        info = 0.5 * np.sum(w**2) - np.sum(w**3) / np.sum(w) + 0.5 * (np.sum(w**2) / np.sum(w)) ** 2
        new = max(0.0, tau2 + score / info)
        if abs(new - tau2) < tol:
            return new
        tau2 = new
    return tau2


def random_effects(y, se, alpha: float = 0.05) -> MetaResult:
    """Pool log-scale estimates ``y`` with standard errors ``se`` (REML, Hartung-Knapp, prediction interval).

    Returns
    -------
    MetaResult
        ``ci`` the Hartung-Knapp interval (t, k-1 df; the HK variance is not
        truncated below), ``prediction_interval`` mu +- t_{k-2} sqrt(tau^2 + SE^2)
        (None with fewer than 3 estimates), ``same_direction_share`` the share of
        estimates with the pooled estimate's sign.
    """
    y, v = np.asarray(y, float), np.asarray(se, float) ** 2
    k = len(y)
    if k == 0:
        raise ValueError("no estimates to pool")
    tau2 = reml_tau2(y, v)
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    w0 = 1.0 / v
    mu0 = np.sum(w0 * y) / np.sum(w0)
    q = float(np.sum(w0 * (y - mu0) ** 2))
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    if k >= 2:
        var_hk = float(np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w)))
        t = stats.t.ppf(1 - alpha / 2, k - 1)
        half = t * np.sqrt(var_hk)
        se_mu = np.sqrt(var_hk)
    else:
        se_mu = float(np.sqrt(v[0]))
        half = stats.norm.ppf(1 - alpha / 2) * se_mu
    pi = None
    if k >= 3:
        tp = stats.t.ppf(1 - alpha / 2, k - 2)
        h = tp * np.sqrt(tau2 + se_mu**2)
        pi = (mu - h, mu + h)
    same = float(np.mean(np.sign(y) == np.sign(mu))) if mu != 0 else float("nan")
    return MetaResult(mu, (mu - half, mu + half), pi, tau2, i2, q, k, same)
