"""The pre-specified primary model of flare-up onsets: two estimands per region (METHODS.md 5).

Estimands, fixed before seeing any data:

* ``barefoot_share_7d``: odds ratio of an onset per +10 percentage points of barefoot-style share of
  the km run over days t-7..t-1, above the runner's usual share at that time of year
  (:func:`analysis.stats.primary_design.slow_share`: the model's column is the 7-day share minus it,
  so seasonal barefoot-style running cannot carry the season's other risks; docs/methods.md 5);
* ``km_7d``: odds ratio per +10 km over days t-7..t-1 (spread evenly over those days).

Both come from ONE discrete-time hazard model (logistic, on at-risk logged days) adjusted for total
km as a distributed lag over days 1-28, flare history and season (:mod:`analysis.stats.primary_design`
builds the columns; its ladder fixes which adjustments a region's onsets can carry: at most one
parameter per 5 onsets, 10 onsets for the smallest model). No load categories, no spike bins.

Estimator: Firth-penalised logistic regression (Firth 1993; Heinze & Schemper 2002), with profile
penalised-likelihood intervals and the penalised likelihood-ratio p-value: one convention for both,
so p < 0.05 exactly when the 95 % interval excludes 1. The alternative the methods allow, weakly
informative normal priors centred on no effect (``estimator="prior"``, sd 0.5 on each log odds ratio
per unit), was measured against it on simulated runners (``benchmarks/primary_estimator.py``, seeds
not used in the tests) and Firth was kept; the numbers and the reason are in
benchmarks/README.md ("primary estimator"). Without the old 14-term model the Bartlett-type
bootstrap correction (:mod:`analysis.stats.calibration`) is not needed: the measured coverage of the
plain profile interval is in that section too.

Days are not independent (a slowly varying vulnerability, footwear habits that persist for weeks),
so by default (``variance="block"``, session 6, measured) the profile interval and p-value are widened
where the estimand's cluster-robust (sandwich) variance over 28-day calendar blocks exceeds the
model-based one, never narrowed (:func:`block_variance_ratio`; docs/methods.md 5).

Also reported per estimand: the smallest odds ratio the data could detect with 80 % power at a
two-sided 5 % level, exp((z_0.975 + z_0.80) SE_0), SE_0 the estimand's standard error at the null
fit (coefficient held at 0); and a status: ``estimated``, ``too imprecise`` (upper / lower > 10:
kept, not headlined) or ``insufficient data``.

The profile search (:func:`profile_interval`) is written here rather than reused from
:mod:`analysis.stats.firth` because it serves both penalties and warm-starts every constrained fit
from its neighbour, which keeps all regions and sensitivity variants well under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from analysis.stats.dist import chi2_ppf, chi2_sf, f_ppf, norm_ppf
from analysis.stats.firth import firth_logit, flic_intercept
from analysis.stats.primary_design import (
    ADJUSTMENT_LADDER,
    ESTIMANDS,
    EVENTS_PER_PARAMETER,
    LoadArrays,
    PrimarySpec,
    choose_adjustments,
    design,
    minimum_onsets,
    model_days,
    spec_for,
)

Z975 = float(norm_ppf(0.975))
Z80 = float(norm_ppf(0.80))

#: an interval whose upper / lower ratio exceeds this is "too imprecise" (METHODS.md 5)
MAX_CI_RATIO = 10.0

#: prior sd of each log odds ratio per unit (estimator="prior")
PRIOR_SD = 0.5

#: a profile that has not reached the critical value this far from the estimate (log scale) is open
_PROFILE_LIMIT = 12.0

ESTIMATORS = ("firth", "prior")

#: interval variance: widened by a day-block sandwich, plain model-based, block with an F reference, or
#: block with the small-sample corrected sandwich CR2 (Bell & McCaffrey 2002) or CR3 (Mancl & DeRouen 2001)
VARIANCES = ("block", "model", "block_t", "block_cr2", "block_cr3")
#: the variance :func:`fit_primary` uses when none is given (benchmarks set it to measure another)
VARIANCE = "block"
#: the intercept of the absolute risk's predictions: "flic" (Firth's slopes, the intercept refitted by
#: maximum likelihood so the model's predicted onsets equal the observed; Puhr et al. 2017) or "firth"
#: (the penalised intercept, which lifts every day's predicted probability toward 1/2)
RISK_INTERCEPTS = ("flic", "firth")
RISK_INTERCEPT = "flic"
#: the covariance the absolute risk's coefficient draws come from: "penalised" (the penalised fit's
#: inverse information, at Firth's probabilities), "ml" (the likelihood's inverse information at the
#: probabilities the risk predicts with, FLIC's intercept and Firth's slopes), "ml-block" (that, and a
#: second set of draws from the 28-day block sandwich around it; the union of the two intervals is kept,
#: the lower of the lower bounds and the higher of the upper, as the estimands keep the wider variance)
RISK_COVARIANCES = ("penalised", "ml", "ml-block")
RISK_COVARIANCE = "ml-block"

#: calendar-block length (days) of the sandwich's clusters
BLOCK_DAYS = 28

ROW_COLUMNS = ["estimand", "unit", "estimate", "ci_low", "ci_high", "p", "status", "events",
               "min_detectable", "message"]

#: how the default interval is widened for days that are not independent (docs/methods.md 5)
BLOCK_WORDS = (
    "widened where a 28-day block sandwich variance exceeds the model's (days are not independent)"
)

ESTIMATOR_LABELS = {
    "firth": "Firth-penalised logistic regression; 95 % profile penalised-likelihood intervals and "
    f"likelihood-ratio p-values, {BLOCK_WORDS}",
    "prior": "logistic regression with normal(0, 0.5) priors on each log odds ratio per unit; 95 % "
    f"profile intervals and likelihood-ratio p-values of the penalised likelihood, {BLOCK_WORDS}",
}


@dataclass
class Penalised:
    """One penalised logistic fit: coefficients, penalised log-likelihood, covariance."""

    params: np.ndarray
    loglik: float
    cov: np.ndarray
    converged: bool


def _prior_logit(y, X, *, fixed=None, start=None, sd: float = PRIOR_SD, maxiter: int = 50) -> Penalised:
    """Logistic MAP fit with independent normal(0, sd) priors on every coefficient but the constant."""
    k = X.shape[1]
    prec = np.r_[0.0, np.full(k - 1, 1 / sd**2)]
    beta = np.zeros(k) if start is None else np.array(start, dtype=float)
    free = np.ones(k, bool)
    if fixed is not None:
        beta[fixed[0]] = fixed[1]
        free[fixed[0]] = False

    def value(b):
        eta = X @ b
        return float(np.sum(y * eta - np.logaddexp(0, eta)) - 0.5 * np.sum(prec * b * b))

    current = value(beta)
    converged = False
    for _ in range(maxiter):
        p = special.expit(X @ beta)
        w = p * (1 - p)
        grad = X.T @ (y - p) - prec * beta
        hess = X.T @ (X * w[:, None]) + np.diag(prec)
        delta = np.zeros(k)
        delta[free] = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
        step = 1.0
        for _ in range(30):
            trial = beta + step * delta
            new = value(trial)
            if new >= current - 1e-12:
                break
            step /= 2
        beta, gain, current = trial, new - current, new
        if np.abs(step * delta).max() < 1e-8 or abs(gain) < 1e-10:
            converged = True
            break
    p = special.expit(X @ beta)
    hess = X.T @ (X * (p * (1 - p))[:, None]) + np.diag(prec)
    return Penalised(beta, current, np.linalg.inv(hess), converged)


def penalised_fit(y, X, estimator: str = "firth", *, fixed=None, start=None) -> Penalised:
    """Firth (``"firth"``) or normal-prior (``"prior"``) logistic fit; ``fixed=(j, b)`` holds beta_j at b."""
    if estimator == "firth":
        f = firth_logit(y, X, fixed=fixed, start=start, tol=1e-7)
        return Penalised(f.params, f.penalized_loglik, f.cov, f.converged)
    if estimator == "prior":
        return _prior_logit(y, X, fixed=fixed, start=start)
    raise ValueError(f"estimator must be one of {ESTIMATORS}, not {estimator!r}")


def profile_interval(
    y: np.ndarray, X: np.ndarray, j: int, fit: Penalised, estimator: str = "firth", level: float = 0.95,
    inflation: float = 1.0,
) -> tuple[float, float, float, float]:
    """Profile interval, likelihood-ratio p-value and null standard error for coefficient j.

    The interval is where twice the drop of the penalised log-likelihood, with
    beta_j held fixed and the rest refitted, stays below chi2(1)'s ``level``
    quantile; p is that statistic at beta_j = 0 against chi2(1); SE_0 is
    sqrt of the j-th diagonal of the covariance at that null fit. A side the
    profile never reaches within +-12 on the log scale is infinite. ``inflation``
    (>= 1) divides the statistic and multiplies the critical value (a variance
    ratio, :func:`block_variance_ratio`), keeping p and interval in agreement.

    Returns
    -------
    (lo, hi, p, se0) on the coefficient (log odds) scale.
    """
    crit = float(chi2_ppf(level, 1)) * inflation
    b_hat = float(fit.params[j])
    warm = {"start": fit.params}

    def lr(b: float) -> float:
        constrained = penalised_fit(y, X, estimator, fixed=(j, b), start=warm["start"])
        warm["start"] = constrained.params
        return 2.0 * (fit.loglik - constrained.loglik)

    null = penalised_fit(y, X, estimator, fixed=(j, 0.0), start=fit.params)
    p = float(chi2_sf(max(2.0 * (fit.loglik - null.loglik), 0.0) / inflation, 1))
    se0 = math.sqrt(max(float(null.cov[j, j]), 0.0))
    se = math.sqrt(max(float(fit.cov[j, j]), 1e-12))
    bounds = []
    for sign in (-1.0, 1.0):
        warm["start"] = fit.params
        inner, dist = b_hat, max(math.sqrt(crit) * se, 0.02)
        outer = b_hat + sign * dist
        value = lr(outer)
        while value < crit and dist < _PROFILE_LIMIT:
            inner, dist = outer, dist * 2
            outer = b_hat + sign * dist
            value = lr(outer)
        if value < crit:
            bounds.append(sign * math.inf)
            continue
        lo_b, hi_b = sorted((inner, outer))
        bounds.append(optimize.brentq(lambda b: lr(b) - crit, lo_b, hi_b, xtol=1e-8))
    return bounds[0], bounds[1], p, se0


def calendar_blocks(dates: pd.DatetimeIndex, block_days: int = BLOCK_DAYS) -> tuple[np.ndarray, int]:
    """Each model day's cluster for the block sandwiches (consecutive ``block_days``-day calendar blocks
    from the first day, empty blocks skipped) and the number of clusters G."""
    day = np.asarray((dates - dates[0]).days, dtype=int)
    _, inv = np.unique(day // block_days, return_inverse=True)
    return inv, int(inv.max()) + 1


def block_variance_ratio(
    y: np.ndarray, X: np.ndarray, j: int, fit: Penalised, dates: pd.DatetimeIndex, block_days: int = BLOCK_DAYS,
    estimator: str = "firth", correction: str = "cr1",
) -> tuple[float, int]:
    """Block-sandwich over model-based variance of coefficient j, and the number of blocks.

    Clusters are consecutive ``block_days``-day calendar blocks from the first model day. The meat
    sums, per block, the Firth-modified score contributions x_i (y_i - p_i + h_i (1/2 - p_i)) at the
    fit (they sum to zero there, as ordinary scores do at the ML fit; Firth's penalty is not a sum over
    days, so statsmodels' cluster covariance of an unpenalised GLM does not apply), with the
    small-sample factor G / (G - 1); the bread is the fit's model-based covariance (Liang & Zeger
    1986). With ``estimator="prior"`` the prior's gradient is spread evenly over the days (the
    ordinary scores, centred). Hand-written for that reason: a few array products, well under a
    millisecond a region. Returns (ratio, G); ratio is nan with fewer than 2 blocks.

    ``correction``: ``"cr1"`` the factor G / (G - 1) above; ``"cr2"`` / ``"cr3"`` instead adjust each
    block's Pearson residuals e_g by (I - A_g)^(-1/2) (Bell & McCaffrey 2002) or (I - A_g)^(-1) (Mancl &
    DeRouen 2001, a jackknife-like correction), A_g = W_g^(1/2) X_g B X_g' W_g^(1/2) the block's own
    leverage, which the plain sandwich ignores (its residuals are shrunk toward the fit).
    """
    beta = fit.params
    p = special.expit(X @ beta)
    w = p * (1 - p)
    root = np.sqrt(w)
    if estimator == "firth":
        xw = X * root[:, None]
        h = np.einsum("ij,jk,ik->i", xw, fit.cov, xw)
        resid = y - p + h * (0.5 - p)  # Firth's modified residual of each day
        u = X * resid[:, None]
    else:
        resid = y - p
        u = X * resid[:, None]
        u -= u.mean(axis=0)
    inv, g = calendar_blocks(dates, block_days)
    if g < 2:
        return math.nan, g
    if correction == "cr1":
        sums = np.zeros((g, X.shape[1]))
        np.add.at(sums, inv, u)
        factor = g / (g - 1)
    else:
        sums = np.empty((g, X.shape[1]))
        for b in range(g):
            rows = inv == b
            xw = X[rows] * root[rows, None]
            lev = xw @ fit.cov @ xw.T
            vals, vecs = np.linalg.eigh(np.eye(len(lev)) - lev)
            power = -0.5 if correction == "cr2" else -1.0
            adjust = (vecs * np.clip(vals, 1e-8, None) ** power) @ vecs.T
            e = resid[rows] / np.where(root[rows] > 0, root[rows], 1.0)
            sums[b] = xw.T @ (adjust @ e)
        factor = 1.0
    a = sums @ fit.cov[:, j]
    v_sand = float(a @ a) * factor
    v_model = float(fit.cov[j, j])
    return (v_sand / v_model if v_model > 0 else math.nan), g


def _inflation(y, X, j, fit, dates, variance: str, block_days: int, estimator: str, level: float) -> float:
    """The factor :func:`profile_interval` widens by: 1 for ``"model"``, else max(1, sandwich / model)."""
    if variance == "model":
        return 1.0
    correction = variance.removeprefix("block_") if variance in ("block_cr2", "block_cr3") else "cr1"
    ratio, g = block_variance_ratio(y, X, j, fit, dates, block_days, estimator, correction)
    if not math.isfinite(ratio):
        return 1.0
    infl = max(1.0, ratio)
    if variance == "block_t":
        infl *= float(f_ppf(level, 1, g - 1) / chi2_ppf(level, 1))
    return infl


@dataclass
class PrimaryFit:
    """Result of :func:`fit_primary`: the estimand rows and the fitted model behind them.

    ``rows`` is a tidy frame (one row per estimand: ``estimand``, ``unit``,
    ``estimate``, ``ci_low``, ``ci_high``, ``p``, ``status``, ``events``,
    ``min_detectable``, ``message``). ``spec``, ``params`` and ``cov`` are None
    when no model could be fitted (``status`` says why in ``message``).
    """

    rows: pd.DataFrame
    status: str
    message: str | None
    n_days: int
    n_events: int
    estimator: str
    adjustments: tuple[str, ...] = ()
    dropped: dict[str, str] = field(default_factory=dict)
    spec: PrimarySpec | None = None
    params: np.ndarray | None = None
    cov: np.ndarray | None = None
    #: the intercept the absolute risk predicts with (:func:`flic_intercept`; None: ``params[0]``)
    risk_intercept: float | None = None
    #: covariances the absolute risk draws its coefficients from (:func:`risk_covariances`; empty: ``cov``)
    risk_covs: tuple[np.ndarray, ...] = ()

    @property
    def estimable(self) -> bool:
        return self.params is not None

    def summary(self) -> str:
        """The rows as plain text, for people."""
        head = f"primary model ({self.estimator}): {self.n_events} onsets on {self.n_days} at-risk days"
        if self.message:
            head += f"; {self.message}"
        return head + "\n" + self.rows.to_string(index=False)


def insufficient_message(n_onsets: int, needed: int | None = None) -> str:
    """The plain sentence for too few onsets: 'insufficient data: N onsets, about M needed'."""
    needed = minimum_onsets() if needed is None else needed
    return f"insufficient data: {n_onsets} onset{'' if n_onsets == 1 else 's'}, about {needed} needed"


def _rows_all(status: str, message: str | None, events: int) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"estimand": e, "unit": u, "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan,
             "p": math.nan, "status": status, "events": events, "min_detectable": math.nan,
             "message": message}
            for e, u in ESTIMANDS.items()
        ],
        columns=ROW_COLUMNS,
    )


def fit_primary(
    frame: pd.DataFrame,
    loads: LoadArrays,
    *,
    estimator: str = "firth",
    level: float = 0.95,
    max_ci_ratio: float = MAX_CI_RATIO,
    adjustments: tuple[str, ...] | None = None,
    variance: str | None = None,
    block_days: int = BLOCK_DAYS,
    washout_days: int | None = None,
) -> PrimaryFit:
    """Fit the pre-specified primary model of one region and report its two estimands.

    Parameters
    ----------
    frame : DataFrame
        :func:`analysis.stats.primary_design.region_day_frame` of one region.
    loads : LoadArrays
        :func:`analysis.stats.primary_design.load_arrays` of the daily load frame
        (it may start before the diary: earlier km feed the lags).
    estimator : {"firth", "prior"}
        Penalty (see the module docstring; Firth by measurement).
    level : float
        Interval level (0.95).
    max_ci_ratio : float
        Upper / lower interval ratio above which an estimand is "too imprecise".
    variance : {"block", "model", "block_t", "block_cr2", "block_cr3"}, optional
        ``"block"`` (default, session 6 by measurement): the profile interval and p-value are widened
        where the estimand's block-sandwich variance over ``block_days``-day calendar blocks exceeds
        the model-based one (:func:`block_variance_ratio`): the likelihood-ratio statistic is divided,
        and its critical value multiplied, by max(1, V_sandwich / V_model), so p < 0.05 still exactly
        when the interval excludes 1. ``"model"``: the plain profile interval (days independent).
        ``"block_t"``: as ``"block"`` with an F(1, blocks - 1) reference (measured, not chosen).
        ``"block_cr2"`` / ``"block_cr3"``: as ``"block"`` with the small-sample corrected sandwich
        (:func:`block_variance_ratio`; measured in session 8, not chosen). Default: :data:`VARIANCE`.
    block_days : int
        Block length in days for the sandwich (28).
    washout_days : int, optional
        Days after each episode's last day left out of the at-risk days
        (:func:`analysis.stats.primary_design.after_flare_washout`); default
        :data:`analysis.stats.primary_design.WASHOUT_DAYS`.
    adjustments : tuple of str, optional
        Override the size rule (tests, benchmarks): adjustments from
        :data:`ADJUSTMENT_LADDER`. Default: the largest model the onsets allow.

    Returns
    -------
    PrimaryFit
        Never raises on data problems: too few onsets, no usable days or an
        estimand without variation give rows with status ``insufficient data``
        and a plain message (e.g. "insufficient data: 7 onsets, about 10 needed").

    References
    ----------
    METHODS.md 5; Firth D (1993) Biometrika 80:27; Heinze G, Schemper M (2002) Stat Med 21:2409;
    Gasparrini A, Armstrong B, Kenward MG (2010) Stat Med 29:2224; Liang K-Y, Zeger SL (1986)
    Biometrika 73:13; Chandler RE, Bate S (2007) Biometrika 94:167.
    """
    variance = VARIANCE if variance is None else variance
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {VARIANCES}, not {variance!r}")
    days = model_days(frame, loads, washout_days)
    n_days, n_events = len(days.onset), days.n_onsets

    def fail(message: str) -> PrimaryFit:
        return PrimaryFit(_rows_all("insufficient data", message, n_events), "insufficient data", message,
                          n_days, n_events, estimator)

    if n_days == 0:
        return fail(
            "insufficient data: no at-risk diary day has 28 days of known running before it"
            if days.n_at_risk_logged
            else "insufficient data: no at-risk day with a diary entry"
        )
    chosen = choose_adjustments(n_events) if adjustments is None else tuple(adjustments)
    if chosen is None:
        return fail(insufficient_message(n_events))
    dropped: dict[str, str] = {
        name: f"left out: {n_events} onsets carry at most {n_events // EVENTS_PER_PARAMETER} parameters"
        for name, _, _ in ADJUSTMENT_LADDER
        if name not in chosen
    }
    spec = spec_for(chosen)
    X = design(days, spec)
    y = days.onset.astype(float)
    # columns without variation on these days: an estimand cannot be estimated, an adjustment is moot
    no_var = [c for c, s in zip(spec.columns, X[:, 1:].std(axis=0), strict=True) if not s > 1e-9]
    estimand_msgs = {}
    for c in no_var:
        if c in ESTIMANDS:
            what = "barefoot-style share" if c == "barefoot_share_7d" else "7-day km"
            estimand_msgs[c] = f"insufficient data: the {what} never varies on the at-risk days"
        else:
            dropped[c] = "left out: no variation on the at-risk days"
    keep = [0] + [i + 1 for i, c in enumerate(spec.columns) if c not in no_var]
    names = ["const"] + [c for c in spec.columns if c not in no_var]
    Xk = X[:, keep]
    if np.linalg.matrix_rank(Xk) < Xk.shape[1]:
        return fail("insufficient data: the model's columns are collinear on these days")
    try:
        fit = penalised_fit(y, Xk, estimator)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
        return fail(f"insufficient data: the model failed ({type(exc).__name__})")
    if not fit.converged or not np.all(np.isfinite(fit.params)):
        return fail("insufficient data: the model did not converge")
    rows = []
    for estimand, unit in ESTIMANDS.items():
        row = {"estimand": estimand, "unit": unit, "estimate": math.nan, "ci_low": math.nan,
               "ci_high": math.nan, "p": math.nan, "status": "insufficient data", "events": n_events,
               "min_detectable": math.nan, "message": estimand_msgs.get(estimand)}
        if estimand in names:
            j = names.index(estimand)
            infl = _inflation(y, Xk, j, fit, days.dates, variance, block_days, estimator, level)
            try:
                lo, hi, p, se0 = profile_interval(y, Xk, j, fit, estimator, level, infl)
            except (np.linalg.LinAlgError, ValueError, RuntimeError) as exc:
                row["message"] = f"insufficient data: the interval failed ({type(exc).__name__})"
                rows.append(row)
                continue
            est, ci_lo, ci_hi = (_exp(v) for v in (float(fit.params[j]), lo, hi))
            row.update(estimate=est, ci_low=ci_lo, ci_high=ci_hi, p=p,
                       min_detectable=_exp((Z975 + Z80) * se0), status="estimated", message=None)
            if not (ci_lo > 0 and math.isfinite(ci_hi)) or ci_hi / ci_lo > max_ci_ratio:
                row["status"] = "too imprecise"
                row["message"] = (
                    f"too imprecise to estimate: the 95 % interval spans more than {max_ci_ratio:g}-fold "
                    f"({n_events} onsets)"
                )
        rows.append(row)
    full = np.full(len(spec.columns) + 1, 0.0)
    full[keep] = fit.params
    cov = np.zeros((len(full), len(full)))
    cov[np.ix_(keep, keep)] = fit.cov
    try:  # fit_primary never raises on data: without FLIC's intercept the risk keeps Firth's
        intercept = flic_intercept(y, Xk[:, 1:] @ fit.params[1:]) if RISK_INTERCEPT == "flic" else None
    except (ValueError, RuntimeError, FloatingPointError):
        intercept = None
    return PrimaryFit(
        pd.DataFrame(rows, columns=ROW_COLUMNS), "estimated", None, n_days, n_events, estimator,
        chosen, dropped, spec, full, cov, intercept,
        _risk_covs(y, Xk, fit.params, intercept, days.dates, keep, len(full), block_days),
    )


def _risk_covs(y, Xk, params, intercept, dates, keep, size: int, block_days: int) -> tuple[np.ndarray, ...]:
    """:func:`risk_covariances` by :data:`RISK_COVARIANCE`, embedded in the full model's columns (empty:
    the absolute risk draws from the penalised covariance)."""
    if RISK_COVARIANCE == "penalised":
        return ()
    risk_params = params.copy()
    if intercept is not None:
        risk_params[0] = intercept
    try:
        covs = risk_covariances(y, Xk, risk_params, dates, block=RISK_COVARIANCE == "ml-block",
                                block_days=block_days)
    except np.linalg.LinAlgError:
        return ()
    out = []
    for c in covs:
        full = np.zeros((size, size))
        full[np.ix_(keep, keep)] = c
        out.append(full)
    return tuple(out)


def risk_covariances(
    y: np.ndarray, X: np.ndarray, params: np.ndarray, dates: pd.DatetimeIndex, *, block: bool = False,
    block_days: int = BLOCK_DAYS,
) -> list[np.ndarray]:
    """Covariances of the coefficients the absolute risk predicts with (FLIC's intercept, Firth's slopes).

    The first is the inverse of the likelihood's information X' W X at the probabilities the risk
    uses (W = p (1 - p) at ``params``), not the penalised information at Firth's higher
    probabilities; with ``block`` the second is the 28-day block sandwich around it, B M B with M the
    sum over calendar blocks of the outer products of the blocks' score sums x (y - p) (centred: at FLIC's
    intercept and Firth's slopes the slopes' scores need not sum to 0), times G / (G - 1)
    (Liang & Zeger 1986; the CR1 factor), for days that are not independent. Written out because the
    fit is Firth's, not a statsmodels GLM (the same reason as :func:`block_variance_ratio`).
    """
    p = special.expit(X @ params)
    info = X.T @ (X * (p * (1 - p))[:, None])
    bread = np.linalg.inv(info)
    out = [bread]
    if block:
        inv, g = calendar_blocks(dates, block_days)
        if g >= 2:
            scores = X * (y - p)[:, None]
            # at FLIC's point the intercept's scores sum to 0 but Firth's slopes' need not: centred, so the
            # meat is their spread between blocks, not their sum
            scores -= scores.mean(axis=0)
            sums = np.zeros((g, X.shape[1]))
            np.add.at(sums, inv, scores)
            out.append(bread @ (sums.T @ sums) @ bread * (g / (g - 1)))
    return out


def _exp(x: float) -> float:
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return math.inf if x > 0 else 0.0
    return math.exp(min(x, 700.0))


def adjustment_words(adjustments: tuple[str, ...]) -> list[str]:
    """What each adjustment is, in words (from :data:`ADJUSTMENT_LADDER`)."""
    words = {name: text for name, _, text in ADJUSTMENT_LADDER}
    return [words[a] for a in adjustments]
