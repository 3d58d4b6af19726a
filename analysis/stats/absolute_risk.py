"""Absolute risk: the chance of a new flare-up in the next 28 days under three training plans (METHODS.md 5).

From the primary model (:func:`analysis.stats.primary.fit_primary`) by standardisation over the
coming days: the runner's last 4 weeks of training are repeated for the next 28 days (as they are, with
half the barefoot-style share, or with 20 % more km), each future day gets its predicted onset
hazard from the same columns the model was fitted on (its lags reach back into the real last 4
weeks; flare history, season and the runner's usual barefoot-style share move on with the
calendar: the usual share's fit is evaluated at each coming date), and the risk is
1 - prod(1 - h_day). The intercept is FLIC's (:func:`analysis.stats.firth.flic_intercept`; Puhr et
al. 2017): Firth's penalty lifts every day's hazard toward 1/2, and over 28 days the risk ran 11-20 %
above the onsets that followed in the validation (observed / expected 0.83-0.90; benchmarks/README.md,
"Session 11: the absolute risk"). The 95 % interval comes from 4000 draws of the coefficients, centred
on Firth's slopes and FLIC's intercept, each pushed through the same computation (a few matrix
products, no refitting), from two covariances (:func:`analysis.stats.primary.risk_covariances`;
:data:`analysis.stats.primary.RISK_COVARIANCE`): the likelihood's inverse information at the
probabilities the risk predicts with, and the 28-day block sandwich around it (days are not
independent); their union is kept (the lower of the two lower bounds, the higher of the upper), as the
estimands keep the wider variance. The draws are shifted, not refitted: the intercept's refit given
each draw's slopes is not propagated.
Measured against the generator's true risk (benchmarks/README.md, "Session 12: the absolute risk's
intervals"), the interval still contains it less often than 95 %: it carries the model's sampling
error, not a vulnerability that drifts unseen, a season of another shape or a dose that is not linear.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from analysis.stats.primary import PrimaryFit
from analysis.stats.primary_design import MAX_LAG_DAYS, WINDOW_DAYS, LoadArrays, lagged, slow_share

#: scenario -> (factor on barefoot-style km, factor on all km); the first is the reference
SCENARIOS: dict[str, tuple[float, float]] = {
    "last 4 weeks": (1.0, 1.0),
    "half the barefoot-style share": (0.5, 1.0),
    "+20 % weekly km": (1.0, 1.2),
}

RISK_COLUMNS = ["scenario", "risk_28d", "ci_low", "ci_high", "status", "message"]


def _empty(message: str, status: str = "insufficient data") -> pd.DataFrame:
    return pd.DataFrame(
        [{"scenario": s, "risk_28d": math.nan, "ci_low": math.nan, "ci_high": math.nan, "status": status,
          "message": message} for s in SCENARIOS],
        columns=RISK_COLUMNS,
    )


def usual_share_ahead(loads: LoadArrays, future: pd.DatetimeIndex) -> np.ndarray | None:
    """The runner's usual barefoot-style share (%) on each coming date: the same fit, evaluated ahead.

    :func:`analysis.stats.primary_design.slow_share` fitted to the history's
    7-day shares (the coming days carry no km, so they do not enter the fit)
    and evaluated at ``future``: its trend and seasonal terms move on with the
    calendar, as the footwear contrast of those days would (docs/methods.md 5),
    held within 0-100 % (a steep transition's trend would run past 100 %).
    """
    if loads.barefoot_share_slow_pct is None:
        return None
    blank = np.full(len(future), np.nan)
    ahead = slow_share(loads.dates.append(future), np.r_[loads.km_7d, blank], np.r_[loads.barefoot_km_7d, blank])
    # a share is 0-100 %: the trend of a runner moving to barefoot-style running must not run past 100 % ahead
    return None if ahead is None else np.clip(ahead[-len(future):], 0.0, 100.0)


def _draws(params: np.ndarray, cov: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """``draws`` coefficient vectors from normal(params, cov) (coefficients with no variance held)."""
    rng = np.random.default_rng(seed)
    kept = np.flatnonzero(np.diag(cov) > 0)
    vals, vecs = np.linalg.eigh(cov[np.ix_(kept, kept)])
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    out = np.tile(params, (draws, 1))
    out[:, kept] += rng.standard_normal((draws, len(kept))) @ root.T
    return out


def absolute_risk(
    fit: PrimaryFit,
    frame: pd.DataFrame,
    loads: LoadArrays,
    *,
    horizon_days: int = 28,
    draws: int = 4000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Risk of a flare-up onset in the next ``horizon_days`` days under each scenario of :data:`SCENARIOS`.

    Parameters
    ----------
    fit : PrimaryFit
        The region's primary model.
    frame : DataFrame
        The region-day frame the model was fitted on (flare history at the end).
    loads : LoadArrays
        The daily load the model used; its last 28 days are "the last 4 weeks".
    horizon_days : int
        Days ahead (28).
    draws : int
        Coefficient draws behind the interval (seeded by ``seed``: a report is repeatable).
    level : float
        Interval level.

    Returns
    -------
    DataFrame
        One row per scenario: ``scenario``, ``risk_28d`` (probability 0-1),
        ``ci_low``, ``ci_high``, ``status`` (``estimated`` or ``insufficient
        data``) and ``message``. No number where the model is not estimable.
        ``attrs["last_4_weeks_km"]`` and ``attrs["last_4_weeks_barefoot_share_pct"]``
        describe the plan repeated.

    References
    ----------
    METHODS.md 5 (secondary: absolute risk by standardisation).
    """
    if not fit.estimable or fit.spec is None:
        return _empty(fit.message or "insufficient data: no primary model for this region")
    if len(loads.dates) < MAX_LAG_DAYS:
        return _empty("insufficient data: fewer than 28 days of running to repeat")
    spec = fit.spec
    km_hist = np.nan_to_num(loads.km, nan=0.0)
    bs_hist = np.nan_to_num(loads.barefoot_km, nan=0.0)
    last_km, last_bs = km_hist[-MAX_LAG_DAYS:], bs_hist[-MAX_LAG_DAYS:]
    end = loads.dates[-1]
    future = pd.date_range(end + pd.Timedelta(days=1), periods=horizon_days, freq="D")
    reps = -(-horizon_days // MAX_LAG_DAYS)
    # flare history on the coming days, from the region's days up to the end of the load period
    upto = frame.loc[frame.index <= end]
    flare_days = upto.index[upto["in_flare"].to_numpy(bool)]
    open_episode = bool(len(upto)) and bool(upto["in_flare"].iloc[-1])
    if len(flare_days):
        since = (future - flare_days.max()).days.to_numpy(float)
        no_yet = np.zeros(horizon_days, bool)
    else:
        logged = upto.index[upto["logged"].to_numpy(bool)]
        first = logged.min() if len(logged) else end
        since = (future - first).days.to_numpy(float) + 1
        no_yet = np.ones(horizon_days, bool)
    # the predictions' intercept: FLIC's where the fit has one (analysis.stats.firth.flic_intercept); the
    # draws keep their spread around it
    params = fit.params.copy()
    if fit.risk_intercept is not None:
        params[0] = fit.risk_intercept
    # one set of draws per covariance (analysis.stats.primary.RISK_COVARIANCE); their union is kept
    draw_sets = [_draws(params, cov, draws, seed) for cov in (fit.risk_covs or (fit.cov,))]
    alpha = (1 - level) / 2
    slow_ahead = usual_share_ahead(loads, future)
    rows = []
    for name, (f_bs, f_km) in SCENARIOS.items():
        km_future = np.tile(last_km * f_km, reps)[:horizon_days]
        bs_future = np.tile(last_bs * f_bs * f_km, reps)[:horizon_days]
        km_all = np.r_[km_hist, km_future]
        bs_all = np.r_[bs_hist, bs_future]
        k = lagged(km_all)[-horizon_days:]
        b7 = lagged(bs_all, WINDOW_DAYS)[-horizon_days:].sum(axis=1)
        slow = None if slow_ahead is None else np.nan_to_num(slow_ahead, nan=spec.share_mean_pct)
        X = spec.matrix(spec.raw(k, b7, since, no_yet, future, slow))
        risk = 1 - np.prod(1 - special.expit(X @ params))
        bounds = [np.quantile(1 - np.prod(1 - special.expit(X @ b.T), axis=0), [alpha, 1 - alpha])
                  for b in draw_sets]
        message = None
        if f_bs != 1.0 and fit.rows.set_index("estimand").loc["barefoot_share_7d", "status"] == "insufficient data":
            rows.append({"scenario": name, "risk_28d": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                         "status": "insufficient data",
                         "message": "insufficient data: the model has no barefoot-style share term"})
            continue
        if open_episode:
            message = "a flare-up is under way on the last day: the risk is of a new one once it has settled"
        rows.append({"scenario": name, "risk_28d": float(risk),
                     "ci_low": float(min(b[0] for b in bounds)), "ci_high": float(max(b[1] for b in bounds)),
                     "status": "estimated", "message": message})
    out = pd.DataFrame(rows, columns=RISK_COLUMNS)
    km28 = float(last_km.sum())
    out.attrs["last_4_weeks_km"] = km28
    out.attrs["last_4_weeks_barefoot_share_pct"] = 100 * float(last_bs.sum()) / km28 if km28 > 0 else math.nan
    return out
