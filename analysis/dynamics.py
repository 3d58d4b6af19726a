"""Running dynamics by shoe class at matched speed (METHODS.md section 6).

Cadence, ground contact (stance) time, vertical oscillation and step length all
change with speed, and barefoot-style runs tend to be slower: a raw comparison of
means mixes the shoe with the pace. Here each metric is regressed on speed with
the shoe group as a fixed effect and the run as a random intercept (statsmodels
``MixedLM``), after dropping each run's first 10 minutes (warm-up) and keeping the
speed range both groups share. The result is the mean difference barefoot-style
minus traditional at the same speed, with a 95 % CI.

To keep the mixed model small on archives with millions of per-second rows, each
run's samples are first averaged within narrow speed bins (0.25 m/s by default;
bins with fewer than 30 samples are dropped); the speed of each bin is its mean
speed, so the adjustment for speed stays continuous. Written by hand here: that
aggregation, and statsmodels' random-intercept REML formulas evaluated for all runs at
once instead of in its Python loop over the runs (:func:`_mixed_lm`; same optimizer,
same numbers up to rounding).

Expected direction (barefoot vs shod at the same speed): cadence +3-5 %
(about +7 spm, Warne 2018 IJSM), shorter steps and shorter contact (Lieberman 2010
Nature 463:531; Hollander 2015 PLoS ONE).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.schema import GROUPING

#: metric column of the samples frame -> unit shown in the report.
DYNAMICS_METRICS: dict[str, str] = {
    "cadence_spm": "steps/min",
    "stance_time_ms": "ms",
    "vertical_oscillation_mm": "mm",
    "step_length_mm": "mm",
}

COLUMNS: tuple[str, ...] = (
    "metric",
    "unit",
    "difference",
    "ci_low",
    "ci_high",
    "p",
    "n_runs_a",
    "n_runs_b",
    "n_obs",
    "speed_low_mps",
    "speed_high_mps",
    "raw_mean_a",
    "raw_mean_b",
    "reason",
)


def _grouping(grouping: Mapping[str, str] | None) -> dict[str, str]:
    return dict(GROUPING if grouping is None else grouping)


def speed_binned(
    samples: pd.DataFrame,
    metric: str,
    *,
    warmup_s: float = 600.0,
    speed_range_mps: tuple[float, float] = (1.5, 7.0),
    bin_width_mps: float = 0.25,
    min_bin_samples: int = 30,
) -> pd.DataFrame:
    """Per run and speed bin: mean speed and mean metric, after the warm-up.

    Parameters
    ----------
    samples : DataFrame
        Canonical samples frame (``activity_id``, ``elapsed_s``, ``speed_mps``, metric).
    metric : str
        Column to average (e.g. ``cadence_spm``, steps/min).
    warmup_s : float
        Samples with ``elapsed_s`` below this are dropped (METHODS.md 6: 10 min).
    speed_range_mps : (float, float)
        Running speeds kept (m/s); stops and walking breaks fall outside.
    bin_width_mps : float
        Width of the speed bins (m/s).
    min_bin_samples : int
        Bins with fewer samples are dropped.

    Returns
    -------
    DataFrame
        ``activity_id``, ``speed_mps`` (bin mean), ``value`` (bin mean of the
        metric), ``n`` (samples). Zero or negative metric values (stopped watch)
        are treated as missing. Rows in the order of each (run, bin)'s first sample.
    """
    return speed_binned_all(
        samples, [metric], warmup_s=warmup_s, speed_range_mps=speed_range_mps, bin_width_mps=bin_width_mps,
        min_bin_samples=min_bin_samples,
    )[metric]


def speed_binned_all(
    samples: pd.DataFrame,
    metrics: Sequence[str] = tuple(DYNAMICS_METRICS),
    *,
    warmup_s: float = 600.0,
    speed_range_mps: tuple[float, float] = (1.5, 7.0),
    bin_width_mps: float = 0.25,
    min_bin_samples: int = 30,
) -> dict[str, pd.DataFrame]:
    """:func:`speed_binned` of several metrics (default :data:`DYNAMICS_METRICS`), metric -> frame.

    The run ids are factorised and the warm-up and speed filters applied once for
    all metrics (the runs are grouped by an integer code, not by their id
    strings); the bins and means are those of :func:`speed_binned`, metric by
    metric. :func:`dynamics_by_shoe_class` and the report's figure share one
    result (``binned=``), so the samples are binned once per report.
    """
    base = ["activity_id", "elapsed_s", "speed_mps"]
    empty = pd.DataFrame(columns=["activity_id", "speed_mps", "value", "n"])
    if any(c not in samples for c in base):
        return {m: empty.copy() for m in metrics}
    codes, ids = pd.factorize(samples["activity_id"].astype("string"))
    # float64 columns are read in place (no copy): at ten years the samples are ~1.5 million rows
    speed = _floats(samples["speed_mps"])
    elapsed = _floats(samples["elapsed_s"])
    with np.errstate(invalid="ignore"):
        shared = (elapsed >= warmup_s) & (speed >= speed_range_mps[0]) & (speed <= speed_range_mps[1]) & (codes >= 0)
    del elapsed
    idx = np.flatnonzero(shared)  # the rows every metric may use, in order
    del shared
    codes, speed = codes[idx], speed[idx]
    bins = np.floor(speed / bin_width_mps).astype(np.int64)
    # one integer key per (run, bin): grouped by it, the groups and their order (first appearance) are
    # those of grouping by run and bin, with one key column instead of two
    low = int(bins.min()) if len(bins) else 0
    width = int(bins.max()) - low + 1 if len(bins) else 1
    key = codes.astype(np.int64) * width + (bins - low)
    del bins
    out: dict[str, pd.DataFrame] = {}
    for metric in metrics:
        if metric not in samples:
            out[metric] = empty.copy()
            continue
        value = _floats(samples[metric])[idx]
        with np.errstate(invalid="ignore"):
            keep = value > 0
        agg = (
            pd.DataFrame({"speed_mps": speed[keep], "value": value[keep]})
            .groupby(key[keep], sort=False)
            .agg(speed_mps=("speed_mps", "mean"), value=("value", "mean"), n=("value", "size"))
        )
        agg = agg[agg["n"] >= min_bin_samples]
        out[metric] = pd.DataFrame(
            {
                "activity_id": np.asarray(ids, dtype=object)[agg.index.to_numpy() // width],
                "speed_mps": agg["speed_mps"].to_numpy(),
                "value": agg["value"].to_numpy(),
                "n": agg["n"].to_numpy(),
            }
        )
    return out


def _floats(column: pd.Series) -> np.ndarray:
    """A column as float64 (unparseable values NaN), without a copy when it already is float64."""
    if column.dtype == np.float64:
        return column.to_numpy()
    return pd.to_numeric(column, errors="coerce").astype(float).to_numpy()


def compare_at_matched_speed(
    binned: pd.DataFrame,
    group: pd.Series,
    *,
    a: str = "barefoot-style",
    b: str = "traditional",
    min_runs_per_group: int = 3,
    overlap_quantiles: tuple[float, float] = (0.05, 0.95),
) -> dict:
    """Mean difference a - b of one metric at the same speed (mixed model).

    Model: ``value ~ speed_mps + is_a`` with a random intercept per run
    (statsmodels ``MixedLM``, REML), fitted on the speed range both groups cover
    (the larger of the groups' 5th percentiles to the smaller of their 95th).
    Where every run has one speed bin the random intercept is not identifiable
    apart from the residual, and the same model is ordinary least squares
    (statsmodels ``OLS``, t-based interval).

    Parameters
    ----------
    binned : DataFrame
        From :func:`speed_binned`.
    group : Series
        Index activity_id, value = shoe group of the run.
    a, b : str
        Groups compared (difference a minus b).
    min_runs_per_group : int
        Fewer runs in either group -> NA with a reason.

    Returns
    -------
    dict
        ``difference``, ``ci_low``, ``ci_high``, ``p``, ``n_runs_a``, ``n_runs_b``,
        ``n_obs``, ``speed_low_mps``, ``speed_high_mps``, ``raw_mean_a``,
        ``raw_mean_b`` (unadjusted means over bins), ``reason`` (None when estimated).
    """
    out = dict.fromkeys(
        (
            "difference",
            "ci_low",
            "ci_high",
            "p",
            "speed_low_mps",
            "speed_high_mps",
            "raw_mean_a",
            "raw_mean_b",
        ),
        math.nan,
    )
    d = binned.copy()
    d["group"] = d["activity_id"].map(group).astype("string")
    d = d[d["group"].isin([a, b])]
    runs_a = d.loc[d["group"] == a, "activity_id"].nunique()
    runs_b = d.loc[d["group"] == b, "activity_id"].nunique()
    out.update(n_runs_a=int(runs_a), n_runs_b=int(runs_b), n_obs=int(len(d)), reason=None)
    if runs_a < min_runs_per_group or runs_b < min_runs_per_group:
        out["reason"] = (
            f"insufficient data: {runs_a} {a} and {runs_b} {b} runs with this metric "
            f"(< {min_runs_per_group} in a group)"
        )
        return out
    lo = max(d.loc[d["group"] == g, "speed_mps"].quantile(overlap_quantiles[0]) for g in (a, b))
    hi = min(d.loc[d["group"] == g, "speed_mps"].quantile(overlap_quantiles[1]) for g in (a, b))
    out.update(speed_low_mps=float(lo), speed_high_mps=float(hi))
    if not lo < hi:
        out["reason"] = "no overlapping speed range between the groups"
        return out
    d = d[d["speed_mps"].between(lo, hi)]
    runs_a = d.loc[d["group"] == a, "activity_id"].nunique()
    runs_b = d.loc[d["group"] == b, "activity_id"].nunique()
    out.update(
        n_runs_a=int(runs_a),
        n_runs_b=int(runs_b),
        n_obs=int(len(d)),
        raw_mean_a=float(d.loc[d["group"] == a, "value"].mean()),
        raw_mean_b=float(d.loc[d["group"] == b, "value"].mean()),
    )
    if runs_a < min_runs_per_group or runs_b < min_runs_per_group:
        out["reason"] = f"insufficient data at matched speed: {runs_a} {a} and {runs_b} {b} runs"
        return out
    d = d.assign(is_a=(d["group"] == a).astype(float), run=d["activity_id"].astype(str))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if d["run"].duplicated().any():
                res = _mixed_lm().from_formula("value ~ speed_mps + is_a", d, groups=d["run"]).fit(reml=True)
            else:  # one speed bin per run: the run's intercept and the residual cannot be told apart, and the
                # random-intercept fit's standard errors come from a flat likelihood (rounding noise); with
                # V = (var_run + var_residual) I the model is ordinary least squares, fitted as such
                from statsmodels.regression.linear_model import OLS

                res = OLS.from_formula("value ~ speed_mps + is_a", d).fit()
    except (np.linalg.LinAlgError, ValueError) as exc:
        out["reason"] = f"model failed: {type(exc).__name__}"
        return out
    est = float(res.params["is_a"])
    ci = res.conf_int().loc["is_a"]
    if not np.isfinite(est) or not np.isfinite(ci).all():
        out["reason"] = "model did not converge"
        return out
    out.update(
        difference=est, ci_low=float(ci.iloc[0]), ci_high=float(ci.iloc[1]), p=float(res.pvalues["is_a"])
    )
    return out


def _mixed_lm():
    """statsmodels' ``MixedLM`` whose random-intercept likelihood is computed for all runs at once.

    statsmodels evaluates the REML log-likelihood, its score and Hessian, the GLS
    fixed effects and the scale with a Python loop over the groups (the runs), each
    with its own Sherman-Morrison-Woodbury solve: at 1,700 runs (ten years) the four
    fits of a report took 3-4 s CPU. With a random intercept only (one variance ratio
    ``t``, the scale profiled out), each group's solve is
    ``V_g^-1 x = x - 1 * sum(x_g) / (n_g + 1/t)`` (Woodbury with a 1x1 block), so every
    group-level sum is one ``np.bincount``/``np.add.at`` over the rows. The functions
    ``_ri_*`` below write statsmodels' own formulas (``loglike``, ``score_full``,
    ``hessian``, ``get_fe_params``, ``get_scale`` of statsmodels 0.14-0.15) that way,
    term for term, so the optimizer (the same BFGS from the same start) sees the same
    values up to rounding (sums taken in another order: relative differences of
    ~1e-13 in the estimates; ``tests/test_dynamics.py`` compares every number with the
    plain class). Any other case (random slopes, variance components, penalties, ML,
    a variance ratio near 0) runs statsmodels' code. Hand-written because statsmodels
    has no vectorised path for it. The last GLS solve is remembered: the optimizer
    asks for the likelihood and then its gradient at the same point.

    Imported here, not at the top: only the report's mixed models need it; the
    model's module, not ``statsmodels.formula.api`` (which loads every model);
    ``from_formula`` is what ``smf.mixedlm`` is.
    """
    global _MIXED_LM
    if _MIXED_LM is None:
        from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMParams

        methods = {"get_fe_params": _ri_get_fe_params, "loglike": _ri_loglike, "score_full": _ri_score_full,
                   "hessian": _ri_hessian, "get_scale": _ri_get_scale}
        _MIXED_LM = type("_RandomInterceptMixedLM", (MixedLM,),
                         {"_ri_base": MixedLM, "_ri_params": MixedLMParams, **methods})
    return _MIXED_LM


_MIXED_LM = None


def _ri_groups(model):
    """Per row its group's index; the number of groups; per group its rows and column sums of exog (cached)."""
    g = getattr(model, "_ri", None)
    if g is None:
        codes = np.empty(len(model.endog), dtype=np.intp)
        for i, label in enumerate(model.group_labels):
            codes[model.row_indices[label]] = i
        n_groups = len(model.group_labels)
        size = np.bincount(codes, minlength=n_groups).astype(float)
        g = model._ri = (codes, n_groups, size, _ri_sums(codes, n_groups, model.exog))
    return g


def _ri_sums(codes: np.ndarray, n_groups: int, x: np.ndarray) -> np.ndarray:
    """Sums of ``x`` per group: (groups,) for a vector, (groups, columns) for a matrix."""
    if x.ndim == 1:
        return np.bincount(codes, weights=x, minlength=n_groups)
    out = np.zeros((n_groups, x.shape[1]))
    np.add.at(out, codes, x)
    return out


def _ri_ratio(model, cov_re, vcomp=()) -> float | None:
    """The variance ratio t where the vectorised path applies (REML random intercept, t > 1e-10), else None."""
    if (model.k_re != 1 or model.k_vc != 0 or len(vcomp) or model.cov_pen is not None
            or model.fe_pen is not None or not getattr(model, "reml", True)
            or not isinstance(model.exog_re, np.ndarray) or not np.all(model.exog_re == 1.0)):
        return None
    t = float(np.asarray(cov_re).reshape(-1)[0])
    return t if t > 1e-10 and np.isfinite(t) else None


def _ri_solve(model, t: float, x: np.ndarray, sums: np.ndarray | None = None) -> np.ndarray:
    """``V_g^-1 x_g`` for every group g at once (``x``: a vector or a matrix over the rows)."""
    codes, n_groups, size, _ = _ri_groups(model)
    c = 1.0 / (size + 1.0 / t)
    if sums is None:
        sums = _ri_sums(codes, n_groups, x)
    return x - (sums * (c if x.ndim == 1 else c[:, None]))[codes]


def _ri_parts(model, t: float, fe_params: np.ndarray):
    """Residuals, V^-1 resid, V^-1 exog, their group sums, a_g (V_g^-1 1 = a_g 1), X'V^-1X and r'V^-1r."""
    codes, n_groups, size, xsums = _ri_groups(model)
    resid = model.endog - np.dot(model.exog, fe_params)
    vir = _ri_solve(model, t, resid)
    viexog = _ri_solve(model, t, model.exog, xsums)
    a = 1.0 - size / (size + 1.0 / t)
    return (resid, vir, _ri_sums(codes, n_groups, vir), _ri_sums(codes, n_groups, viexog), a,
            np.dot(model.exog.T, viexog), np.dot(resid, vir))


def _ri_get_fe_params(self, cov_re, vcomp, tol=1e-10):
    key = (np.asarray(cov_re).tobytes(), np.asarray(vcomp).tobytes(), tol)
    if getattr(self, "_fe_key", None) != key:
        t = _ri_ratio(self, cov_re, vcomp) if self.k_fe > 0 else None
        if t is None or t < tol:
            last = self._ri_base.get_fe_params(self, cov_re, vcomp, tol)
        else:
            xtxy = np.dot(self.exog.T, _ri_solve(self, t, np.column_stack((self.exog, self.endog))))
            last = (np.linalg.solve(xtxy[:, 0:-1], xtxy[:, -1]), False)
        self._fe_key, self._fe_last = key, last
    fe_params, singular = self._fe_last
    return fe_params.copy(), singular


def _ri_loglike(self, params, profile_fe=True):
    if type(params) is not self._ri_params:
        params = self._ri_params.from_packed(params, self.k_fe, self.k_re, self.use_sqrt, has_fe=False)
    t = _ri_ratio(self, params.cov_re, params.vcomp)
    if t is None:
        return self._ri_base.loglike(self, params, profile_fe=profile_fe)
    fe_params = params.fe_params
    if profile_fe:
        fe_params, sing = self.get_fe_params(params.cov_re, params.vcomp)
        self._cov_sing += int(sing)
    size = _ri_groups(self)[2]
    resid = self.endog - np.dot(self.exog, fe_params)
    qf = np.dot(resid, _ri_solve(self, t, resid))
    xvx = np.dot(self.exog.T, _ri_solve(self, t, self.exog, _ri_groups(self)[3]))
    # log|V_g| = log|t| + log(n_g + 1/t) (the determinant lemma, s = 1)
    likeval = -np.sum(np.log(size + 1.0 / t) + np.log(t)) / 2.0
    dof = self.n_totobs - self.k_fe
    likeval -= dof * np.log(qf) / 2.0
    likeval -= np.linalg.slogdet(xvx)[1] / 2.0
    likeval -= dof * np.log(2 * np.pi) / 2.0
    likeval += dof * np.log(dof) / 2.0
    return likeval - dof / 2.0


def _ri_score_full(self, params, calc_fe):
    t = _ri_ratio(self, params.cov_re, params.vcomp)
    if t is None:
        return self._ri_base.score_full(self, params, calc_fe)
    size = _ri_groups(self)[2]
    _, vir, vir_sums, viexog_sums, a, xtvix, rvir = _ri_parts(self, t, params.fe_params)
    fac = self.n_totobs - self.k_fe
    score_fe = np.zeros(self.k_fe)
    if calc_fe:
        score_fe += fac * np.dot(self.exog.T, vir) / rvir
    score_re = np.array([-0.5 * np.sum(size * a)])
    score_re += 0.5 * fac * np.sum(vir_sums**2) / rvir
    xtax = np.dot(viexog_sums.T, viexog_sums)
    score_re[0] += 0.5 * np.sum(np.linalg.inv(xtvix).T * xtax)
    return score_fe, score_re, np.zeros(0)


def _ri_hessian(self, params):
    if type(params) is not self._ri_params:
        params = self._ri_params.from_packed(params, self.k_fe, self.k_re, use_sqrt=self.use_sqrt, has_fe=True)
    t = _ri_ratio(self, params.cov_re, params.vcomp)
    if t is None:
        return self._ri_base.hessian(self, params)
    size = _ri_groups(self)[2]
    _, _, vir_sums, viexog_sums, a, xtvix, rvir = _ri_parts(self, t, params.fe_params)
    fac = self.n_totobs - self.exog.shape[1]
    hess_fere = -fac * np.dot(vir_sums, viexog_sums)[None, :] / rvir
    xtax = np.dot(viexog_sums.T, viexog_sums)
    B = np.sum(vir_sums**2)
    D = np.sum(2.0 * size * a * vir_sums**2)
    hess_re = np.sum(size**2 * a**2) / 2.0 - 0.5 * fac * (D / rvir - B * B / rvir**2)
    um = np.dot(size * a * viexog_sums.T, viexog_sums)
    ql = np.linalg.solve(xtvix, xtax)
    hess_re += 0.5 * (np.sum(ql.T * ql) - np.trace(np.linalg.solve(xtvix, um + um.T)))
    k = self.k_fe
    hess = np.zeros((k + 1, k + 1))
    hess[0:k, 0:k] = -fac * xtvix / rvir
    hess[0:k, k:] = hess_fere.T
    hess[k:, 0:k] = hess_fere
    hess[k, k] = hess_re
    return hess, False


def _ri_get_scale(self, fe_params, cov_re, vcomp):
    t = _ri_ratio(self, cov_re, vcomp)
    if t is None:
        return self._ri_base.get_scale(self, fe_params, cov_re, vcomp)
    resid = self.endog - np.dot(self.exog, fe_params)
    qf = np.dot(resid, _ri_solve(self, t, resid))
    return qf / (self.n_totobs - self.k_fe) if self.reml else qf / self.n_totobs


def dynamics_by_shoe_class(
    samples: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    grouping: Mapping[str, str] | None = None,
    metrics: Mapping[str, str] | Sequence[str] | None = None,
    warmup_s: float = 600.0,
    speed_range_mps: tuple[float, float] = (1.5, 7.0),
    bin_width_mps: float = 0.25,
    min_runs_per_group: int = 3,
    binned: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Cadence, contact time, vertical oscillation, step length: barefoot-style vs traditional.

    Parameters
    ----------
    samples : DataFrame
        Canonical samples frame (per-second records; cadence in steps/min).
    runs : DataFrame
        Canonical runs frame (index ``activity_id``, ``shoe_class``).
    grouping : mapping, optional
        Shoe class -> group; default barefoot + minimalist = "barefoot-style",
        traditional + partial = "traditional". Unknown-class runs are left out.
    metrics : mapping or sequence, optional
        Metric columns (default :data:`DYNAMICS_METRICS`).
    warmup_s, speed_range_mps, bin_width_mps, min_runs_per_group :
        See :func:`speed_binned` and :func:`compare_at_matched_speed`.
    binned : mapping, optional
        Metric -> :func:`speed_binned` frame already made with these settings
        (:func:`speed_binned_all`), so that the samples are not binned again;
        metrics missing from it are binned here. Not modified.

    Returns
    -------
    DataFrame
        One row per metric, columns :data:`COLUMNS`: the mean difference
        (barefoot-style minus traditional, in the metric's unit) at matched
        speed with its 95 % CI and p, run counts, the speed range compared and
        the unadjusted means; NA with a ``reason`` when there is too little data.
        ``attrs["comparison"]`` names the groups.

    References
    ----------
    METHODS.md 6; Warne 2018 Int J Sports Med; Lieberman 2010 Nature 463:531.
    """
    grouping = _grouping(grouping)
    a, b = grouping.get("barefoot", "barefoot-style"), grouping.get("traditional", "traditional")
    if metrics is None:
        metrics = DYNAMICS_METRICS
    if not isinstance(metrics, Mapping):
        metrics = {m: DYNAMICS_METRICS.get(m, "") for m in metrics}
    r = runs.reset_index() if "activity_id" not in runs.columns else runs
    cls = r["shoe_class"].astype("string").fillna("unknown")
    group = pd.Series(
        cls.map(lambda c: grouping.get(c, "unknown")).to_numpy(),
        index=r["activity_id"].astype(str).to_numpy(),
    )
    given = dict(binned or {})
    todo = [m for m in metrics if m not in given]
    if todo:
        given.update(speed_binned_all(
            samples, todo, warmup_s=warmup_s, speed_range_mps=speed_range_mps, bin_width_mps=bin_width_mps
        ))
    rows = []
    for metric, unit in metrics.items():
        frame = given[metric]
        frame = frame.assign(activity_id=frame["activity_id"].astype(str))
        res = compare_at_matched_speed(frame, group, a=a, b=b, min_runs_per_group=min_runs_per_group)
        rows.append({"metric": metric, "unit": unit, **res})
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out.attrs["comparison"] = f"{a} vs {b} at matched speed"
    return out
