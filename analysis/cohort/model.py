"""The pooled within-runner model and its heterogeneity summary (METHODS.md 7).

Primary: the two section-5 estimands as rate ratios from a conditional Poisson model
stratified by runner (:func:`analysis.stats.conditional_poisson.fit_conditional_poisson`)
on at-risk logged days, adjusted as in section 5, the adjustments chosen by the
pooled onsets with the section-5 ladder (one parameter per 5 onsets). Intervals: a
sandwich clustered by runner (robust to over-dispersion and to effects that differ
between runners). Heterogeneity: per-runner fits where a runner has enough onsets,
pooled by REML random-effects meta-analysis with the Hartung-Knapp interval and the
95 % prediction interval (:mod:`analysis.stats.meta_analysis`). The unstratified
pooled logistic model is computed only to show what comparing runners does.

The footwear column is the single-runner model's contrast (METHODS.md 5;
:data:`analysis.stats.primary_design.FOOTWEAR_CONTRAST`): the 7-day barefoot-style
share minus that runner's usual share at that time, made per runner by the step
(:mod:`analysis.cohort.step`, :mod:`analysis.cohort.weekly`) from the runner's own
shares. The pooled fit, the per-runner fits of the heterogeneity summary and the
unstratified contrast all read that one column, so all three estimate the same
contrast as a runner's own report.

Intervals use, per coefficient, the larger of the observed-information SE and the
sandwich SE clustered by runner, with a t reference on (runners - 1) df: the
sandwich "where over-dispersed" (METHODS.md 7) made operational. Measured on
benchmarks/generators/clinic.py (50 runners x 2 years, 120 clinics each): in the
confounded null the sandwich alone covered 0.90 and the observed information
0.94; with heterogeneous effects (tau 0.1) the observed information covered 0.87
and the sandwich 0.96; the larger of the two covered 0.94 and 0.96.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from analysis.cohort.weekly import RAW_SHARE_COLUMN
from analysis.stats.conditional_poisson import fit_conditional_poisson
from analysis.stats.meta_analysis import random_effects
from analysis.stats.primary_design import (
    ESTIMANDS,
    EVENTS_PER_PARAMETER,
    FOOTWEAR_CONTRAST,
    choose_adjustments,
    minimum_onsets,
    spec_for,
)

#: an interval whose upper/lower ratio exceeds this is "too imprecise to estimate" (METHODS.md 5)
IMPRECISE_RATIO = 10.0

#: z for 80 % power at two-sided 5 % (the smallest detectable rate ratio, METHODS.md 5)
Z_POWER = 1.959964 + 0.841621


def runner_codes(days: pd.DataFrame) -> np.ndarray:
    """Integer code per row for ``runner_id`` (the strata), computed once per fit."""
    return pd.factorize(days["runner_id"])[0]


def design_columns(days: pd.DataFrame, adjustments: tuple[str, ...],
                   codes: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """The model matrix (no constant) for ``adjustments``; an undefined footwear value (no km in t-7..t-1)
    gets the runner's mean footwear value (0 for a runner with none), as the single-runner model does.

    The footwear column is taken as the step wrote it (the share minus the runner's usual share).

    Built column by column into one array, the runner means by ``np.bincount`` on ``codes``
    (:func:`runner_codes`): for 10,000 runners a DataFrame copy and a groupby on the ids cost
    as much as the fit itself (benchmarks/cohort_speed.py).
    """
    cols = list(spec_for(adjustments).columns)
    if codes is None:
        codes = runner_codes(days)
    X = np.empty((len(days), len(cols)))
    for j, c in enumerate(cols):
        X[:, j] = days[c].to_numpy(float, na_value=np.nan)
    _fill_by_runner(X[:, cols.index("barefoot_share_7d")], codes)
    return X, cols


def _fill_by_runner(values: np.ndarray, codes: np.ndarray) -> None:
    """In place: NaN values get their runner's mean of the known values (0 for a runner with none)."""
    missing = np.isnan(values)
    if missing.any():
        m = int(codes.max()) + 1
        known = ~missing
        total = np.bincount(codes[known], weights=values[known], minlength=m)
        count = np.bincount(codes[known], minlength=m)
        mean = np.divide(total, count, out=np.zeros(m), where=count > 0)
        values[missing] = mean[codes[missing]]


def _status(lo: float, hi: float) -> str:
    return "too imprecise" if not np.isfinite(hi / lo) or hi / lo > IMPRECISE_RATIO else "estimated"


def _num(x, digits: int = 4):
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def pooled_fit(days: pd.DataFrame, *, robust: bool = True) -> dict:
    """Conditional Poisson stratified by runner on one region's days (``onset``, columns, ``runner_id``).

    ``robust`` (default): the larger of the observed-information and clustered sandwich
    SEs with a t (runners - 1) reference; False: observed information, normal reference.

    Returns
    -------
    dict
        ``rows`` (one estimand each, DESIGN.md "Findings JSON" fields on the
        rate-ratio scale), ``adjustments``, ``fit`` (or None), ``message``.
    """
    n_events = int(days["onset"].sum())
    adjustments = choose_adjustments(n_events)
    if adjustments is None:
        msg = f"insufficient data: {n_events} onsets, about {minimum_onsets()} needed"
        rows = [{"estimand": e, "unit": u, "estimate": None, "ci": None, "p": None, "status": "insufficient data",
                 "events": n_events, "min_detectable": None} for e, u in ESTIMANDS.items()]
        return {"rows": rows, "adjustments": None, "fit": None, "message": msg}
    codes = runner_codes(days)
    X, cols = design_columns(days, adjustments, codes)
    try:
        fit = fit_conditional_poisson(days["onset"].to_numpy(float), X, codes)
    except np.linalg.LinAlgError:  # a column that never varies within a runner: no within-runner contrast
        fit = None
    if fit is None or not fit.converged or not np.all(np.isfinite(fit.bse())):
        flat = _flat_columns(X, cols, codes)
        msg = ("not estimable: " + (", ".join(flat) + " never varies within a runner" if flat
                                    else "the conditional Poisson fit did not converge"))
        rows = [{"estimand": e, "unit": u, "estimate": None, "ci": None, "p": None, "status": "insufficient data",
                 "events": n_events, "min_detectable": None} for e, u in ESTIMANDS.items()]
        return {"rows": rows, "adjustments": list(adjustments), "fit": None, "message": msg, "columns": cols}
    if robust:
        se = np.maximum(fit.bse(), fit.bse(robust=True))
        q = stats.t.ppf(0.975, max(fit.n_strata - 1, 1))
        pv = 2 * stats.t.sf(np.abs(fit.params / se), max(fit.n_strata - 1, 1))
    else:
        se, q = fit.bse(), stats.norm.ppf(0.975)
        pv = 2 * stats.norm.sf(np.abs(fit.params / se))
    ci = np.column_stack([fit.params - q * se, fit.params + q * se])
    rows = []
    for j, (e, unit) in enumerate(ESTIMANDS.items()):
        lo, hi = math.exp(ci[j, 0]), math.exp(ci[j, 1])
        rows.append({"estimand": e, "unit": unit, "estimate": _num(math.exp(fit.params[j])),
                     "ci": [_num(lo), _num(hi)], "p": _num(pv[j], 6), "status": _status(lo, hi),
                     "events": fit.n_events, "min_detectable": _num(math.exp(Z_POWER * se[j]))})
    return {"rows": rows, "adjustments": list(adjustments), "fit": fit, "message": None, "columns": cols}


def per_runner(days: pd.DataFrame) -> list[dict]:
    """Each runner's own estimates where the runner has enough onsets (section 5's rule), else the reason."""
    out = []
    for rid, d in days.groupby("runner_id", sort=True, observed=True):
        n = int(d["onset"].sum())
        adjustments = choose_adjustments(n)
        if adjustments is None:
            for e in ESTIMANDS:
                out.append({"runner_id": str(rid), "estimand": e, "estimate": None, "ci": None, "events": n,
                            "status": "insufficient data", "log_estimate": None, "log_se": None})
            continue
        X, _ = design_columns(d, adjustments)
        try:
            fit = fit_conditional_poisson(d["onset"].to_numpy(float), X, np.zeros(len(d)))
            ci, se = fit.conf_int(), fit.bse()
            ok = fit.converged and np.all(np.isfinite(se))
        except np.linalg.LinAlgError:
            ok = False
        for j, e in enumerate(ESTIMANDS):
            if not ok:
                out.append({"runner_id": str(rid), "estimand": e, "estimate": None, "ci": None, "events": n,
                            "status": "not estimable", "log_estimate": None, "log_se": None})
                continue
            lo, hi = math.exp(ci[j, 0]), math.exp(ci[j, 1])
            out.append({"runner_id": str(rid), "estimand": e, "estimate": _num(math.exp(fit.params[j])),
                        "ci": [_num(lo), _num(hi)], "events": n, "status": _status(lo, hi),
                        "log_estimate": float(fit.params[j]), "log_se": float(se[j])})
    return out


def _flat_columns(X: np.ndarray, cols: list[str], codes: np.ndarray) -> list[str]:
    """Model columns with no variation within any runner (the conditional model cannot use them)."""
    X = np.asarray(X, dtype=float)
    n = np.bincount(codes).astype(float)
    means = np.column_stack([np.bincount(codes, weights=X[:, j]) for j in range(X.shape[1])]) / n[:, None]
    spread = np.abs(X - means[codes]).max(axis=0) if len(X) else np.zeros(X.shape[1])
    return [c for c, s in zip(cols, spread, strict=True) if s < 1e-12]


def heterogeneity(rows: list[dict]) -> dict[str, dict]:
    """One heterogeneity block per estimand (DESIGN.md "Cohort JSON": ``tau``, ``i2``,
    ``prediction_interval``, ``same_direction_share``), over the runners with their own estimate.

    Each block also gives ``runners`` (how many were pooled) and the random-effects
    mean with its Hartung-Knapp interval (``estimate``, ``ci``; rate-ratio scale);
    ``tau`` is on the log scale. With fewer than 2 runners every value is None; the
    prediction interval needs 3 (t with k - 2 df).
    """
    out = {}
    for e in ESTIMANDS:
        est = [r for r in rows if r["estimand"] == e and r["log_se"] is not None and r["status"] != "not estimable"]
        if len(est) < 2:
            out[e] = {"runners": len(est), "tau": None, "i2": None, "prediction_interval": None,
                      "same_direction_share": None, "estimate": None, "ci": None}
            continue
        m = random_effects([r["log_estimate"] for r in est], [r["log_se"] for r in est])
        pi = None if m.prediction_interval is None else [_num(math.exp(v)) for v in m.prediction_interval]
        out[e] = {"runners": m.k, "tau": _num(m.tau), "i2": _num(m.i2), "prediction_interval": pi,
                  "same_direction_share": _num(m.same_direction_share),
                  "estimate": _num(math.exp(m.estimate)), "ci": [_num(math.exp(v)) for v in m.ci]}
    return out


def unstratified_logistic(days: pd.DataFrame, adjustments: tuple[str, ...] | None) -> list[dict]:
    """The pooled logistic model WITHOUT runner strata: compares runners, confounded (contrast only).

    Its footwear column is the uncentred 7-day share (``barefoot_share_raw_7d``, where the
    table has it): centring on each runner's usual share would itself remove most of the
    between-runner contrast this model is shown to expose (who chooses barefoot-style shoes).
    """
    import statsmodels.api as sm

    if adjustments is None or days["onset"].sum() == 0:
        return []
    codes = runner_codes(days)
    X, _ = design_columns(days, adjustments, codes)
    if RAW_SHARE_COLUMN in days:
        X[:, 0] = days[RAW_SHARE_COLUMN].to_numpy(float, na_value=np.nan)
        _fill_by_runner(X[:, 0], codes)
    X = np.column_stack([np.ones(len(X)), X - X.mean(axis=0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.Logit(days["onset"].to_numpy(float), X).fit(disp=0, maxiter=100)
        except Exception:  # noqa: BLE001 - a contrast only: a failed fit is simply not shown
            return []
    ci = res.conf_int()
    return [{"estimand": e, "model": "pooled logistic, no runner strata, 7-day share not centred (confounded: "
                                      "shown for contrast only)",
             "estimate": _num(math.exp(res.params[j + 1])),
             "ci": [_num(math.exp(ci[j + 1, 0])), _num(math.exp(ci[j + 1, 1]))]}
            for j, e in enumerate(ESTIMANDS)]


def cohort_region(days: pd.DataFrame, *, robust: bool = True) -> dict:
    """Everything the cohort JSON holds for one region (DESIGN.md "Cohort JSON")."""
    pooled = pooled_fit(days, robust=robust) if len(days) else pooled_fit(days.assign(onset=0))
    pr = per_runner(days) if len(days) else []
    het = heterogeneity(pr)
    rows = pooled["rows"]
    for r in rows:  # each estimand carries its own heterogeneity block (and its prediction interval beside)
        r["prediction_interval"] = het[r["estimand"]]["prediction_interval"]
        r["heterogeneity"] = het[r["estimand"]]
    on = days.groupby("runner_id", observed=True)["onset"].sum() if len(days) else pd.Series(dtype=float)
    return {
        "runners": int(days["runner_id"].nunique()) if len(days) else 0,
        "runners_with_onsets": int((on > 0).sum()),
        "onsets": int(days["onset"].sum()) if len(days) else 0,
        "person_years": round(float(days["days_at_risk"].sum() if "days_at_risk" in days else len(days)) / 365.25,
                              2),
        "model": "conditional Poisson stratified by runner; 95 % CI from the larger of the observed-information "
                 "and runner-clustered sandwich SEs (t, runners - 1 df)",
        "adjustments": pooled["adjustments"],
        "message": pooled["message"],
        "primary": rows,
        # DESIGN.md's region-level block (one set of fields): the footwear estimand's, named; each
        # primary row carries its own estimand's block too
        "heterogeneity": {**het[next(iter(ESTIMANDS))], "estimand": next(iter(ESTIMANDS))},
        "per_runner": [{k: v for k, v in r.items() if not k.startswith("log_")} for r in pr],
        "unstratified": unstratified_logistic(days, None if pooled["adjustments"] is None
                                              else tuple(pooled["adjustments"])),
        "events_per_parameter": EVENTS_PER_PARAMETER,
    }


def cohort_json(days: pd.DataFrame, status: pd.DataFrame, *, robust: bool = True) -> dict:
    """The cohort JSON (DESIGN.md): runners, included, excluded with reasons, and every region."""
    from analysis.schema import REGIONS

    failed = status[status["status"] == "failed"]
    regions = {}
    for region in REGIONS:
        d = days[days["region"] == region] if len(days) else days
        regions[region] = cohort_region(d.reset_index(drop=True), robust=robust)
    return {
        "runners": int(len(status)),
        "included": int(len(status) - len(failed)),
        "excluded": [{"runner_id": r.runner_id, "reason": r.reason} for r in failed.itertuples(index=False)],
        # what the footwear estimand's column is: the single-runner model's wording (METHODS.md 5 and 7)
        "footwear_contrast": FOOTWEAR_CONTRAST,
        "regions": regions,
    }
