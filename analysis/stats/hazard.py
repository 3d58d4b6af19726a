"""The discrete-time hazard model of flare-up onsets on load and footwear (METHODS.md 5).

Logistic regression on at-risk days (odds ratios), Firth-penalised with profile intervals
(:mod:`analysis.stats.firth`) and a calibrated LR test (:mod:`analysis.stats.calibration`). Load
features come from :mod:`analysis.load` (days <= t-1 only) and at-risk days from
:mod:`analysis.flareups`; nothing here looks at day t's own running. How the variance estimator was
chosen is in benchmarks/README.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.stats.calibration import CALIBRATION_REPLICATES, LrScale, lr_scale_factor
from analysis.stats.design import (
    ADJUSTMENT_TERMS,
    BINARY_TERMS,
    MIN_ONSETS,
    PRIMARY_TERMS,
    hazard_design,
)
from analysis.stats.dist import chi2_sf, norm_sf
from analysis.stats.effects import _EFFECT_COLUMNS, _exp, _na_effects, _na_row
from analysis.stats.firth import (
    _SEPARATION_ABS_COEF,
    _Z95,
    _firth_lr,
    _ml_logit,
    _ml_profile_interval,
    _profile_interval,
    firth_logit,
)


@dataclass
class HazardFit:
    """Result of :func:`fit_hazard`.

    ``effects`` has one row per primary term: ``term``, ``unit``, ``estimate``
    (odds ratio), ``ci_low``, ``ci_high``, ``p``, ``reason`` (None when
    estimated), ``note`` (e.g. quasi-separation of a spike bin). ``lr_scale`` is
    the Bartlett-type factor the LR statistics were divided by (1 when not
    calibrated) and ``lr_scale_draws`` how many bootstrap statistics it rests on.
    """

    effects: pd.DataFrame
    n_days: int
    n_events: int
    variance: str
    reason: str | None = None
    adjusted_for: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    lr_scale: float = 1.0
    lr_scale_draws: int = 0
    lr_scale_mc_se: float = math.nan


VARIANCES: tuple[str, ...] = ("firth-profile", "profile", "model", "hac")


#: how the report names each variance choice
VARIANCE_LABELS: dict[str, str] = {
    "firth-profile": "Firth-penalised logistic regression, profile penalised-likelihood intervals, the "
    "likelihood-ratio statistic divided by a Bartlett-type factor measured by rerunning the "
    "runner's own onset process",
    "profile": "maximum likelihood, profile-likelihood intervals",
    "model": "maximum likelihood, model-based Wald intervals",
    "hac": "maximum likelihood, Wald intervals with a Newey-West (HAC) covariance",
}


def fit_hazard(
    frame: pd.DataFrame,
    *,
    terms: Mapping[str, tuple[str, float]] | None = None,
    adjust: Sequence[str] = ADJUSTMENT_TERMS,
    variance: str = "firth-profile",
    min_events: int = MIN_ONSETS,
    hac_lags: int = 7,
    time_since_flare: str = "log",
    intervals: bool | Sequence[str] = True,
    calibration_replicates: int = CALIBRATION_REPLICATES,
    seed: int = 0,
    lr_scale: float | None = None,
) -> HazardFit:
    """Discrete-time hazard model of flare onset on at-risk days (primary model).

    Parameters
    ----------
    frame : DataFrame
        Per-day frame from :func:`hazard_frame` or :func:`simulate_hazard_days`:
        ``onset`` (0/1), ``at_risk``, ``logged`` and the term columns.
    terms : mapping, optional
        term -> (unit, divisor); default :data:`PRIMARY_TERMS`. A term whose column
        is absent or all NA (e.g. no drills log) is reported NA with the reason.
    adjust : sequence of str
        Adjustment covariates (default: no-km indicator, pace over t-7..t-1,
        log days since the last flare, linear trend).
    variance : {"firth-profile", "profile", "model", "hac"}
        How the CI and p are obtained. ``"firth-profile"`` (default, chosen by
        measured coverage, see the module docstring): Firth-penalised logistic
        regression with profile penalised-likelihood CIs and penalised LR p-values.
        The others use the ordinary ML fit: ``"profile"`` profile-likelihood CI and
        LR p; ``"model"`` Wald with the model-based covariance; ``"hac"`` Wald with a
        Newey-West covariance (``hac_lags`` days).
    min_events : int
        Fewer onsets among usable days -> no model ("insufficient data").
    time_since_flare : {"log", "spline"}
        log(days) or a natural cubic regression spline of log(days) (patsy ``cr``, 3 df).
    intervals : bool or sequence of str
        False skips the (slower) profile CIs and returns p-values only; a list of
        terms computes CIs for those terms only (used by the calibration runs).
    calibration_replicates : int
        Replicates of the onset process behind the Bartlett-type factor of the
        penalised LR statistics (:func:`lr_scale_factor`; ``"firth-profile"``
        only; 0 switches it off). ``seed`` seeds them, so a report is repeatable.
    lr_scale : float, optional
        Use this factor instead of measuring one (the sensitivity variants reuse
        the main model's, so that its Monte-Carlo noise does not masquerade as a
        change of conclusion).

    Returns
    -------
    HazardFit
        Odds ratios per stated unit, 95 % CI and p per term. Terms that cannot be
        estimated (no data, no variation, non-convergence, ML separation) are NA
        with a reason; the function does not raise on data problems. A spike bin
        with no onset on its days (quasi-separation) keeps its Firth estimate and
        profile CI, which stay finite by design (Heinze & Schemper 2002), with a
        ``note`` saying so; reporting it NA instead would leave only the bins that
        happened to catch an onset, a selection that made them look harmful under
        a flat null (25 % false positives in spike_moderate, validity run).

    References
    ----------
    METHODS.md 5.3; Bache-Mathiesen et al. 2021 BMJ Open SEM 7:e001119; Heinze &
    Schemper 2002 Stat Med 21:2409.
    """
    terms = dict(PRIMARY_TERMS if terms is None else terms)
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {VARIANCES}, not {variance!r}")
    y, X, names, dropped = hazard_design(frame, terms=terms, adjust=adjust, time_since_flare=time_since_flare)
    adjusted = [n for n in names[1:] if n not in terms]
    n_days, n_events = len(y), int(y.sum())

    def fail(reason: str) -> HazardFit:
        reasons = {t: dropped.get(t, reason) for t in terms}
        return HazardFit(_na_effects(terms, reasons), n_days, n_events, variance, reason, adjusted, dropped)

    if n_events < min_events:
        return fail(f"insufficient data: {n_events} onsets (< {min_events}) on usable at-risk days")
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return fail("collinear terms: the model matrix is rank deficient")
    notes = _separation_notes(y, X, names, variance, dropped)
    try:
        fit, params, se_all, converged = _fit_logit(y, X, variance, hac_lags)
    except (np.linalg.LinAlgError, ValueError, OverflowError) as exc:
        return fail(f"model failed: {type(exc).__name__}")
    if not converged or not np.all(np.isfinite(params)):
        return fail("did not converge")
    scale = LrScale(1.0, 0, math.nan)
    if variance == "firth-profile" and lr_scale is not None:
        scale = LrScale(max(float(lr_scale), 1.0), 0, math.nan)
    elif variance == "firth-profile" and calibration_replicates > 0:
        scale = lr_scale_factor(
            frame,
            fit,
            names,
            terms=terms,
            adjust=adjust,
            time_since_flare=time_since_flare,
            replicates=calibration_replicates,
            seed=seed,
            min_events=min_events,
        )
    model = _Model(y, X, names, fit, params, se_all, variance, scale.factor)
    rows = []
    for term, (unit, _) in terms.items():
        row = {**_na_row(term, unit, dropped.get(term)), "note": notes.get(term)}
        want_ci = intervals if isinstance(intervals, bool) else term in intervals
        rows.append(model.term_row(term, row, dropped, want_ci))
    effects = pd.DataFrame(rows, columns=[*_EFFECT_COLUMNS, "note"])
    return HazardFit(
        effects,
        n_days,
        n_events,
        variance,
        None,
        adjusted,
        dropped,
        scale.factor,
        scale.statistics,
        scale.mc_se,
    )


def _separation_notes(y: np.ndarray, X: np.ndarray, names: list[str], variance: str,
                      dropped: dict[str, str]) -> dict[str, str]:
    """Notes on binary terms whose days hold no onset, or only onsets (quasi-separation).

    Under Firth the estimate stays finite and is kept with a note; under ML the
    term is added to ``dropped`` (in place), its odds ratio being infinite.
    """
    notes: dict[str, str] = {}
    for t in names:
        if t not in BINARY_TERMS:
            continue
        x = X[:, names.index(t)] > X[:, names.index(t)].min()
        if y[x].sum() not in (0, x.sum()):
            continue
        counts = f"{int(y[x].sum())} onsets on the {int(x.sum())} at-risk days with this term"
        if variance == "firth-profile":
            # the penalised estimate stays finite; its CI is wide, honestly
            notes[t] = (
                f"quasi-separation: {counts}; the Firth estimate is pulled towards even "
                "odds on those days: read the CI, not the estimate"
            )
        else:
            # ML: the odds ratio is infinite, not reported
            dropped.setdefault(t, f"quasi-separation: {counts}; odds ratio not estimable")
    return notes


def _fit_logit(y: np.ndarray, X: np.ndarray, variance: str, hac_lags: int):
    """The fit (Firth or ML), its coefficients, their standard errors (HAC when asked) and convergence."""
    if variance == "firth-profile":
        fit = firth_logit(y, X)
        return fit, fit.params, np.sqrt(np.diag(fit.cov)), fit.converged
    fit = _ml_logit(y, X)
    params, converged = np.asarray(fit.params), bool(getattr(fit, "converged", True))
    se_all = np.asarray(fit.bse)
    if variance == "hac":
        se_all = np.asarray(_ml_logit(y, X, cov_type="HAC", cov_kwds={"maxlags": hac_lags}).bse)
    return fit, params, se_all, converged


@dataclass
class _Model:
    """A converged hazard fit and what its per-term odds ratios, CIs and p-values need."""

    y: np.ndarray
    X: np.ndarray
    names: list[str]
    fit: object
    params: np.ndarray
    se_all: np.ndarray
    variance: str
    lr_scale: float

    def term_row(self, term: str, row: dict, dropped: dict[str, str], want_ci: bool) -> dict:
        """``row`` (the term's NA row) with its odds ratio, CI and p, or the reason it has none."""
        if term not in self.names:
            row["reason"] = dropped.get(term, "not estimated")
            return row
        j = self.names.index(term)
        b, se = float(self.params[j]), float(self.se_all[j])
        if term in dropped or (
            self.variance != "firth-profile" and (abs(b) > _SEPARATION_ABS_COEF or not se < 50)
        ):
            row["reason"] = dropped.get(term, "separation: coefficient diverges; estimate infinite")
            return row
        try:
            lo, hi, p = self._interval(j, b, se, want_ci)
        except (np.linalg.LinAlgError, ValueError, RuntimeError) as exc:
            row["reason"] = f"interval failed: {type(exc).__name__}"
            return row
        row.update(estimate=math.exp(b), ci_low=_exp(lo), ci_high=_exp(hi), p=p)
        return row

    def _interval(self, j: int, b: float, se: float, want_ci: bool) -> tuple[float, float, float]:
        """CI bounds of coefficient ``j`` (log-odds; NaN when not wanted) and its p-value."""
        y, X, fit = self.y, self.X, self.fit
        lo = hi = math.nan
        if self.variance == "firth-profile":
            if want_ci:
                return _profile_interval(y, X, j, fit, lr_scale=self.lr_scale)
            return lo, hi, float(chi2_sf(max(_firth_lr(y, X, j, fit, 0.0), 0.0) / self.lr_scale, 1))
        if self.variance == "profile":
            if want_ci:
                return _ml_profile_interval(y, X, j, fit)
            return lo, hi, float(
                chi2_sf(max(_ml_logit(y, np.delete(X, j, axis=1)).deviance - fit.deviance, 0.0), 1)
            )
        return b - _Z95 * se, b + _Z95 * se, float(2 * norm_sf(abs(b / se)))
