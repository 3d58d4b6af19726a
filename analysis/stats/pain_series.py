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
from scipy import optimize

from analysis.stats.dist import t_ppf, t_sf
from analysis.stats.primary_design import flare_days_before

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


#: pain_trend's adjustments: season and flare history as the primary model's (METHODS.md 5), fixed before the
#: validation was read; the week's flare-up days added in session 14 on tuning and seen seeds, then tested once
#: on fresh ones (benchmarks/README.md, "Session 14")
PAIN_TREND_ADJUSTMENTS: dict[str, str] = {
    "season": "season: one sine/cosine pair of the day of the year (with a year or more of days)",
    "days_since_flare": "log days since the last flare-up day (since the diary began, before any)",
    "no_flare_yet": "indicator: no flare-up yet in the diary",
    "flare_days_7d": "share (0-1) of the 7 days before that were flare-up days in the region",
}
#: calendar-block length (days) of the sandwich that widens pain_trend's intervals (as the primary model's)
PAIN_TREND_BLOCK_DAYS = 28
#: days of data the season pair needs: less than a year cannot tell a season from a trend
SEASON_MIN_SPAN_DAYS = 365


def _adjustment_columns(frame: pd.DataFrame, dates: pd.DatetimeIndex, wanted) -> dict[str, np.ndarray]:
    """The adjustment columns of :data:`PAIN_TREND_ADJUSTMENTS` named in ``wanted`` that the frame can give."""
    cols: dict[str, np.ndarray] = {}
    if "season" in wanted:
        angle = 2 * np.pi * dates.day_of_year.to_numpy(float) / 365.25
        cols["season_sin"], cols["season_cos"] = np.sin(angle), np.cos(angle)
    if "days_since_flare" in wanted and "days_since_flare" in frame.columns:
        since = pd.to_numeric(frame["days_since_flare"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        cols["days_since_flare"] = np.log(np.maximum(since, 1.0))
    if "no_flare_yet" in wanted and "no_flare_yet" in frame.columns:
        cols["no_flare_yet"] = pd.to_numeric(frame["no_flare_yet"], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
    if "flare_days_7d" in wanted and "flare_days_7d" in frame.columns:  # from the whole diary (region_day_frame)
        cols["flare_days_7d"] = pd.to_numeric(frame["flare_days_7d"], errors="coerce").to_numpy(float)
    elif "flare_days_7d" in wanted and "in_flare" in frame.columns:
        cols["flare_days_7d"] = flare_days_before(frame["in_flare"], dates)
    return cols


def _block_sandwich(Xz: np.ndarray, resid: np.ndarray, bread: np.ndarray, day: pd.DatetimeIndex,
                    block_days: int) -> tuple[np.ndarray, int]:
    """Cluster-robust covariance of the GLS coefficients over ``block_days``-day calendar blocks, and the blocks.

    The meat sums, per block, the AR(1)-transformed rows' score x_i u_i (what the AR(1) did not whiten:
    slower drift, a flare's plateau); CR1 small-sample factor G/(G-1) (n-1)/(n-k) (Cameron & Miller 2015).
    """
    n, k = Xz.shape
    block = ((day - day.min()).days.to_numpy() // block_days).astype(np.int64)
    _, inverse = np.unique(block, return_inverse=True)
    g = int(inverse.max()) + 1 if n else 0
    if g < 2:
        return np.full((k, k), np.nan), g
    scores = np.zeros((g, k))
    np.add.at(scores, inverse, Xz * resid[:, None])
    meat = scores.T @ scores
    return bread @ meat @ bread * (g / (g - 1)) * ((n - 1) / (n - k)), g


def pain_trend(
    frame: pd.DataFrame,
    barefoot_km_7d: pd.Series,
    km_7d: pd.Series,
    *,
    min_days: int = 60,
    level: float = 0.95,
    adjustments=tuple(PAIN_TREND_ADJUSTMENTS),
    variance: str = "block",
    block_days: int = PAIN_TREND_BLOCK_DAYS,
) -> pd.DataFrame:
    """Daily morning pain on the last 7 days' barefoot-style km and total km, with AR(1) errors.

    The pre-specified secondary model of METHODS.md 5:

        pain_d = a + b_1 barefoot_km(d-7..d-1)/10 + b_2 km(d-7..d-1)/10 + b_3 years
                 + season + flare history + e_d,
        e_d = phi e_(d-1) + u_d,

    fitted by exact Gaussian maximum likelihood on the logged days (the AR(1)
    process runs on calendar days, so a gap of g unlogged days correlates the
    errors by phi^g; phi by a bounded 1-D search of the concentrated
    likelihood, the coefficients by GLS at that phi). With total km in the
    model, b_1 is the change in pain per 10 km moved from traditional to
    barefoot-style footwear in the last 7 days; b_2 per 10 km more in total.

    Adjusted as the primary model is (:data:`PAIN_TREND_ADJUSTMENTS`): season (one
    sine/cosine pair, when the days span a year or more), log days since the last
    flare-up day and "no flare-up yet" (left out where constant); and, as the
    primary model is not (its days are at-risk days), the share of the same 7 days
    that were flare-up days (:func:`analysis.stats.primary_design.flare_days_before`: running drops during a
    flare-up; without it, total km read 11 % false positives in ``null_reverse`` on
    seen seeds, benchmarks/README.md "Session 14"). The load terms are therefore
    changes in pain beyond the flare-ups: an effect of load that works by setting off
    flare-ups is the primary model's question, and is adjusted away here. Without them,
    on the validation's independent generators (benchmarks/README.md, "Session 11"),
    barefoot-style running that follows the season read as an effect on pain, and
    running less while in pain and ramping back after a flare-up read as "more km,
    less pain" (km false positives 25 % on fresh seeds where load drops in pain). With
    them, the load terms are effects beyond what season and the flare history explain. Intervals: Wald,
    from the GLS covariance with t on n - k df, each coefficient's variance widened
    (never narrowed) to the 28-day block sandwich where that is larger
    (:func:`_block_sandwich`; ``variance="model"``: the GLS covariance alone), as
    the primary model's intervals are; a coefficient whose sandwich is the wider
    takes t on G - 1 df, G the blocks (the sandwich rests on G block sums, not on n
    days: Cameron & Miller 2015), which matters for short diaries (G = 4 at 100 days).

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
        ``morning_pain`` (NaN = not logged), index date; ``days_since_flare``,
        ``no_flare_yet`` and ``flare_days_7d`` (else computed from ``in_flare``) where
        known; ``attrs["pain_item"]`` names the item.
    barefoot_km_7d, km_7d : Series
        km over d-7..d-1 by date (days <= d-1 only).
    min_days : int
        Fewer usable days -> no estimates, a plain message.
    adjustments : iterable of str
        Keys of :data:`PAIN_TREND_ADJUSTMENTS` to adjust for (default: all).
    variance : {"block", "model"}
        ``"block"``: widened by the block sandwich where larger (default); ``"model"``: GLS only.
    block_days : int
        The sandwich's calendar blocks (days).

    Returns
    -------
    DataFrame
        One row per term of :data:`PAIN_TREND_TERMS`: ``term``, ``unit``,
        ``estimate`` (pain points, 0-10 scale), ``ci_low``, ``ci_high``, ``p``,
        ``n_days``; attrs ``outcome``, ``ar1`` (phi), ``n_days``, ``message``
        (None when estimated), ``adjusted_for`` (the adjustments in the fit).

    References
    ----------
    METHODS.md 5 (secondary); Prais & Winsten 1954; Box, Jenkins & Reinsel, Time Series Analysis;
    Cameron & Miller 2015, J Hum Resour 50:317 (cluster-robust variance).
    """
    if variance not in ("block", "model"):
        raise ValueError(f"variance must be 'block' or 'model', not {variance!r}")
    item = frame.attrs.get("pain_item", "morning")
    dates = pd.DatetimeIndex(frame.index)
    y = pd.to_numeric(frame["morning_pain"], errors="coerce").astype(float).to_numpy()
    bs = pd.to_numeric(barefoot_km_7d, errors="coerce").astype(float).reindex(dates).to_numpy() / 10
    km = pd.to_numeric(km_7d, errors="coerce").astype(float).reindex(dates).to_numpy() / 10
    years = (dates - dates.min()).days.to_numpy(float) / 365.25 if len(dates) else np.zeros(0)
    X = np.column_stack([np.ones(len(y)), bs, km, years])
    ok = np.isfinite(y) & np.isfinite(X).all(axis=1)
    extra = _adjustment_columns(frame, dates, set(adjustments))
    n = int(ok.sum())
    outcome = f"{item} pain"

    def empty(message: str) -> pd.DataFrame:
        out = pd.DataFrame(
            [{"term": t, "unit": u, "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan,
              "p": math.nan, "n_days": n} for t, u in PAIN_TREND_TERMS.items()]
        )
        out.attrs.update(outcome=outcome, ar1=math.nan, n_days=n, message=message, adjusted_for=[])
        return out

    if n < min_days:
        return empty(f"insufficient data: {n} days with {item} pain and known km (at least {min_days} needed)")
    y, X, day = y[ok], X[ok], dates[ok]
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return empty("insufficient data: barefoot-style km, total km and time are collinear on these days")
    # adjustments that the fitted days can carry: season with a year of days, none constant or unknown on them;
    # in a region that never flared on these days "days since the last flare-up" counts from the diary's start
    # (a second time trend, not flare history): left out with "no flare-up yet"
    span = (day.max() - day.min()).days
    never = "no_flare_yet" in extra and bool(np.all(extra["no_flare_yet"][ok] == 1))
    candidates = {name: col[ok] for name, col in extra.items()
                  if np.isfinite(col[ok]).all() and np.ptp(col[ok]) > 0
                  and not (name.startswith("season") and span + 1 < SEASON_MIN_SPAN_DAYS)  # days counted inclusive
                  and not (name == "days_since_flare" and never)}
    used: dict[str, np.ndarray] = {}
    for name in PAIN_TREND_ADJUSTMENTS:  # one adjustment at a time: one that is collinear leaves the others in
        cols = {c: v for c, v in candidates.items() if c.startswith(name)}
        if not cols:
            continue
        X_adj = np.column_stack([X, *cols.values()])
        if np.linalg.matrix_rank(X_adj) == X_adj.shape[1]:
            X, used = X_adj, {**used, **cols}
    adjusted_for = [a for a in PAIN_TREND_ADJUSTMENTS if any(c.startswith(a) for c in used)]
    gaps = np.diff(day.to_numpy()).astype("timedelta64[D]").astype(float)

    def neg_loglik(phi: float) -> float:
        _, rss, _, logjac = _gls(y, X, phi, gaps)
        return 0.5 * n * math.log(rss / n) - logjac

    phi = float(optimize.minimize_scalar(neg_loglik, bounds=(-0.95, 0.995), method="bounded",
                                         options={"xatol": 1e-5}).x)
    beta, rss, Xz, _ = _gls(y, X, phi, gaps)
    dof = n - X.shape[1]
    bread = np.linalg.inv(Xz.T @ Xz)
    var = np.diag(rss / dof * bread).copy()
    dofs = np.full(len(var), float(dof))
    if variance == "block":
        w_now, w_prev, _ = _ar1_transform(phi, gaps)
        resid = w_now * y - w_prev * np.r_[0.0, y[:-1]] - Xz @ beta
        sandwich, blocks = _block_sandwich(Xz, resid, bread, day, block_days)
        wider = np.diag(sandwich) > var  # False where the sandwich is nan (one block)
        var = np.where(wider, np.diag(sandwich), var)
        # a block sandwich rests on its G blocks, not on n days: t with G - 1 df (Cameron & Miller 2015)
        dofs = np.where(wider, float(blocks - 1), dofs)
    rows = []
    for k, (term, unit) in enumerate(PAIN_TREND_TERMS.items(), start=1):
        se = math.sqrt(var[k])
        t_crit = t_ppf(0.5 + level / 2, dofs[k])
        rows.append({"term": term, "unit": unit, "estimate": float(beta[k]),
                     "ci_low": float(beta[k] - t_crit * se), "ci_high": float(beta[k] + t_crit * se),
                     "p": float(2 * t_sf(abs(beta[k] / se), dofs[k])), "n_days": n})
    out = pd.DataFrame(rows)
    out.attrs.update(outcome=outcome, ar1=phi, n_days=n, message=None, adjusted_for=adjusted_for)
    return out


def _shifted(a: np.ndarray, k: int) -> np.ndarray:
    """``a`` moved ``k`` places later (earlier for k < 0), NaN where nothing moved in (pandas' ``shift``)."""
    out = np.full(len(a), np.nan)
    if abs(k) >= len(a):
        return out
    if k >= 0:
        out[k:] = a[: len(a) - k]
    else:
        out[:k] = a[-k:]
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

    xw, yw = whiten(x).to_numpy(float), whiten(y).to_numpy(float)
    rows = []
    for k in range(-max_lag, max_lag + 1):
        xk = _shifted(xw, k)  # x_(t-k) beside y_t
        both = ~np.isnan(xk) & ~np.isnan(yw)
        a, b = xk[both], yw[both]
        n = len(a)
        r = (float(np.corrcoef(a, b)[0, 1]) if n > 3 and min(np.std(a, ddof=1), np.std(b, ddof=1)) > 0
             else math.nan)
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
