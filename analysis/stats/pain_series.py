"""Daily pain as a time series: the pain trend model and a prewhitened cross-correlation (METHODS.md 5).

:func:`pain_trend` is the pre-specified secondary model (morning pain on the last 7 days' load, AR(1)
errors; why it is written out is in its docstring). :func:`prewhitened_ccf` is exploratory, written by
hand because statsmodels' ``ccf`` needs complete series and diary days not logged are missing, so the
pairwise-complete correlation per lag is computed here after prewhitening with statsmodels' AR fit
(Vieira 2017, Health Psychol Rev 11:222).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

#: pain_trend's terms: name -> unit
PAIN_TREND_TERMS: dict[str, str] = {
    "barefoot_km_7d": "+10 km",
    "km_7d": "+10 km",
    "trend": "per year",
}


def _ar1_transform(phi: float, gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(weight on row i, weight on row i-1, log-Jacobian) of the exact AR(1) transform with day gaps.

    For errors e_d = phi e_(d-1) + u_d (var u = s2) observed on days d_1 < d_2 < ...:
    e_1 sqrt(1 - phi^2) and (e_i - phi^g e_(i-1)) sqrt((1 - phi^2) / (1 - phi^(2g))),
    g = d_i - d_(i-1), are independent with variance s2 (Prais-Winsten with gaps).
    """
    pg = phi ** gaps
    scale = np.sqrt((1 - phi**2) / np.maximum(1 - pg**2, 1e-12))
    first = np.sqrt(1 - phi**2)
    w_now = np.r_[first, scale]
    w_prev = np.r_[0.0, pg * scale]
    return w_now, w_prev, float(np.sum(np.log(w_now)))


def _gls(y: np.ndarray, X: np.ndarray, phi: float, gaps: np.ndarray):
    w_now, w_prev, logjac = _ar1_transform(phi, gaps)
    yz = w_now * y - w_prev * np.r_[0.0, y[:-1]]
    Xz = w_now[:, None] * X - w_prev[:, None] * np.r_[np.zeros((1, X.shape[1])), X[:-1]]
    beta, *_ = np.linalg.lstsq(Xz, yz, rcond=None)
    rss = float(np.sum((yz - Xz @ beta) ** 2))
    return beta, rss, Xz, logjac


def pain_trend(
    frame: pd.DataFrame,
    barefoot_km_7d: pd.Series,
    km_7d: pd.Series,
    *,
    min_days: int = 60,
    level: float = 0.95,
) -> pd.DataFrame:
    """Daily morning pain on the last 7 days' barefoot-style km and total km, with AR(1) errors.

    The pre-specified secondary model of METHODS.md 5:

        pain_d = a + b_1 barefoot_km(d-7..d-1)/10 + b_2 km(d-7..d-1)/10 + b_3 years + e_d,
        e_d = phi e_(d-1) + u_d,

    fitted by exact Gaussian maximum likelihood on the logged days (the AR(1)
    process runs on calendar days, so a gap of g unlogged days correlates the
    errors by phi^g; phi by a bounded 1-D search of the concentrated
    likelihood, the coefficients by GLS at that phi). With total km in the
    model, b_1 is the change in pain per 10 km moved from traditional to
    barefoot-style footwear in the last 7 days; b_2 per 10 km more in total.
    Wald intervals from the GLS covariance (t with n - 4 df).

    Written out rather than calling statsmodels' SARIMAX, which fits the same
    model (its Kalman filter also skips unlogged days) and agrees to 3 digits
    (tests/stats/test_pain_series.py), because it takes ~190 ms per series
    against ~3 ms here; GLSAR and OLS with HAC errors treat rows as
    consecutive days and, with 30 % of days missing, the HAC intervals covered
    0.89-0.93 in simulation against 0.96 for the AR(1) likelihood.

    Parameters
    ----------
    frame : DataFrame
        Region-day frame (:func:`analysis.stats.primary_design.region_day_frame`):
        ``morning_pain`` (NaN = not logged), index date; ``attrs["pain_item"]``
        names the item.
    barefoot_km_7d, km_7d : Series
        km over d-7..d-1 by date (days <= d-1 only).
    min_days : int
        Fewer usable days -> no estimates, a plain message.

    Returns
    -------
    DataFrame
        One row per term of :data:`PAIN_TREND_TERMS`: ``term``, ``unit``,
        ``estimate`` (pain points, 0-10 scale), ``ci_low``, ``ci_high``, ``p``,
        ``n_days``; attrs ``outcome``, ``ar1`` (phi), ``n_days``, ``message``
        (None when estimated).

    References
    ----------
    METHODS.md 5 (secondary); Prais & Winsten 1954; Box, Jenkins & Reinsel, Time Series Analysis.
    """
    item = frame.attrs.get("pain_item", "morning")
    dates = pd.DatetimeIndex(frame.index)
    y = pd.to_numeric(frame["morning_pain"], errors="coerce").astype(float).to_numpy()
    bs = pd.to_numeric(barefoot_km_7d, errors="coerce").astype(float).reindex(dates).to_numpy() / 10
    km = pd.to_numeric(km_7d, errors="coerce").astype(float).reindex(dates).to_numpy() / 10
    years = (dates - dates.min()).days.to_numpy(float) / 365.25 if len(dates) else np.zeros(0)
    X = np.column_stack([np.ones(len(y)), bs, km, years])
    ok = np.isfinite(y) & np.isfinite(X).all(axis=1)
    n = int(ok.sum())
    outcome = f"{item} pain"

    def empty(message: str) -> pd.DataFrame:
        out = pd.DataFrame(
            [{"term": t, "unit": u, "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan,
              "p": math.nan, "n_days": n} for t, u in PAIN_TREND_TERMS.items()]
        )
        out.attrs.update(outcome=outcome, ar1=math.nan, n_days=n, message=message)
        return out

    if n < min_days:
        return empty(f"insufficient data: {n} days with {item} pain and known km (at least {min_days} needed)")
    y, X, day = y[ok], X[ok], dates[ok]
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return empty("insufficient data: barefoot-style km, total km and time are collinear on these days")
    gaps = np.diff(day.to_numpy()).astype("timedelta64[D]").astype(float)

    def neg_loglik(phi: float) -> float:
        _, rss, _, logjac = _gls(y, X, phi, gaps)
        return 0.5 * n * math.log(rss / n) - logjac

    phi = float(optimize.minimize_scalar(neg_loglik, bounds=(-0.95, 0.995), method="bounded",
                                         options={"xatol": 1e-5}).x)
    beta, rss, Xz, _ = _gls(y, X, phi, gaps)
    dof = n - X.shape[1]
    cov = rss / dof * np.linalg.inv(Xz.T @ Xz)
    t_crit = stats.t.ppf(0.5 + level / 2, dof)
    rows = []
    for k, (term, unit) in enumerate(PAIN_TREND_TERMS.items(), start=1):
        se = math.sqrt(cov[k, k])
        rows.append({"term": term, "unit": unit, "estimate": float(beta[k]),
                     "ci_low": float(beta[k] - t_crit * se), "ci_high": float(beta[k] + t_crit * se),
                     "p": float(2 * stats.t.sf(abs(beta[k] / se), dof)), "n_days": n})
    out = pd.DataFrame(rows)
    out.attrs.update(outcome=outcome, ar1=phi, n_days=n, message=None)
    return out


def prewhitening_filter(x: pd.Series, *, max_ar: int = 14) -> np.ndarray | None:
    """AR coefficients phi_1..phi_p of the input series (order by AIC), or None when it is too short.

    The filter of :func:`prewhitened_ccf`; compute it once when several pain
    series are correlated with the same load series.
    """
    xs = pd.to_numeric(x).astype(float).dropna()
    if len(xs) < 3 * max_ar:
        return None
    # imported here: statsmodels costs ~0.25 s to import, and only the exploratory CCF uses it
    from statsmodels.tsa.ar_model import AutoReg, ar_select_order

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = ar_select_order(xs.to_numpy(), maxlag=max_ar, ic="aic", trend="c")
        lags = sel.ar_lags or []
        p = max(lags) if lags else 0
        phi = np.zeros(p)
        if p:
            res = AutoReg(xs.to_numpy(), lags=lags, trend="c").fit()
            for lag, coef in zip(lags, np.asarray(res.params)[1:], strict=True):
                phi[lag - 1] = coef
    return phi


def prewhitened_ccf(
    x: pd.Series, y: pd.Series, *, max_lag: int = 14, max_ar: int = 14, phi: np.ndarray | None = None
) -> pd.DataFrame:
    """Cross-correlation of y (pain) with x (load) after prewhitening on x's AR model.

    An AR(p) model is fitted to the input x (order by AIC, statsmodels
    ``ar_select_order``); the same filter is applied to x and y, and the
    correlation of filtered x_(t-k) with filtered y_t is computed for k in
    -max_lag..max_lag over pairwise-complete days (pain NA = not logged). After
    prewhitening, +-1.96/sqrt(n_k) is a valid approximate 95 % band. k >= 1 reads
    as load before pain; k <= -1 as pain before load (reverse direction).

    ``phi`` (from :func:`prewhitening_filter`) skips refitting the filter.

    Returns
    -------
    DataFrame
        ``lag_days``, ``ccf``, ``band``, ``n``, ``outside`` (bool); attrs ``ar_order``.

    References
    ----------
    Box, Jenkins & Reinsel, Time Series Analysis, ch. 12 (prewhitening). METHODS.md 5.5.
    """
    x = pd.to_numeric(x).astype(float)
    y = pd.to_numeric(y).astype(float).reindex(x.index)
    if phi is None and y.notna().sum() >= 30:
        phi = prewhitening_filter(x, max_ar=max_ar)
    if phi is None or y.notna().sum() < 30:
        out = pd.DataFrame(columns=["lag_days", "ccf", "band", "n", "outside"])
        out.attrs["ar_order"] = None
        out.attrs["reason"] = "insufficient data for prewhitening"
        return out
    p = len(phi)

    def whiten(s: pd.Series) -> pd.Series:
        s = s - s.mean()
        out = s.copy()
        for i, coef in enumerate(phi, start=1):
            out = out - coef * s.shift(i)
        return out

    xw, yw = whiten(x), whiten(y)
    rows = []
    for k in range(-max_lag, max_lag + 1):
        pair = pd.DataFrame({"x": xw.shift(k), "y": yw}).dropna()
        n = len(pair)
        r = float(np.corrcoef(pair["x"], pair["y"])[0, 1]) if n > 3 and pair.std().min() > 0 else math.nan
        band = 1.96 / math.sqrt(n) if n > 0 else math.nan
        rows.append(
            {
                "lag_days": k,
                "ccf": r,
                "band": band,
                "n": n,
                "outside": bool(abs(r) > band) if np.isfinite(r) else False,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["ar_order"] = p
    return out
