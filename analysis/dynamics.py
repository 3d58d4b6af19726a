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
speed, so the adjustment for speed stays continuous. That aggregation is the only
thing written by hand here.

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
    speed = pd.to_numeric(samples["speed_mps"], errors="coerce").astype(float)
    elapsed = pd.to_numeric(samples["elapsed_s"], errors="coerce").astype(float)
    shared = ((elapsed >= warmup_s) & speed.between(*speed_range_mps)).to_numpy() & (codes >= 0)
    speed_np = speed.to_numpy()
    out: dict[str, pd.DataFrame] = {}
    for metric in metrics:
        if metric not in samples:
            out[metric] = empty.copy()
            continue
        value = pd.to_numeric(samples[metric], errors="coerce").astype(float).to_numpy()
        keep = shared & (value > 0)
        s = pd.DataFrame({"run": codes[keep], "speed_mps": speed_np[keep], "value": value[keep]})
        s["bin"] = np.floor(s["speed_mps"] / bin_width_mps).astype(int)
        agg = (
            s.groupby(["run", "bin"], sort=False)
            .agg(speed_mps=("speed_mps", "mean"), value=("value", "mean"), n=("value", "size"))
            .reset_index()
        )
        agg = agg[agg["n"] >= min_bin_samples]
        out[metric] = pd.DataFrame(
            {
                "activity_id": np.asarray(ids, dtype=object)[agg["run"].to_numpy()],
                "speed_mps": agg["speed_mps"].to_numpy(),
                "value": agg["value"].to_numpy(),
                "n": agg["n"].to_numpy(),
            }
        )
    return out


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
            res = _mixed_lm().from_formula("value ~ speed_mps + is_a", d, groups=d["run"]).fit(reml=True)
    except (np.linalg.LinAlgError, ValueError) as exc:
        out["reason"] = f"mixed model failed: {type(exc).__name__}"
        return out
    est = float(res.params["is_a"])
    ci = res.conf_int().loc["is_a"]
    if not np.isfinite(est) or not np.isfinite(ci).all():
        out["reason"] = "mixed model did not converge"
        return out
    out.update(
        difference=est, ci_low=float(ci.iloc[0]), ci_high=float(ci.iloc[1]), p=float(res.pvalues["is_a"])
    )
    return out


def _mixed_lm():
    """statsmodels' ``MixedLM`` that remembers its last GLS fixed-effects solve.

    The optimizer asks for the REML log-likelihood and then its gradient at the
    same point, and statsmodels solves the same GLS problem for the fixed effects
    in both (``get_fe_params``, a loop over the runs: ~15 % of a fit). The
    subclass returns the previous solve when the covariance parameters are the
    same bytes; the estimates and every number of the fit are identical
    (``tests/test_dynamics.py`` compares them with the plain class).
    Imported here, not at the top: only the report's mixed models need it; the
    model's module, not ``statsmodels.formula.api`` (which loads every model);
    ``from_formula`` is what ``smf.mixedlm`` is.
    """
    global _MIXED_LM
    if _MIXED_LM is None:
        from statsmodels.regression.mixed_linear_model import MixedLM

        class _MixedLM(MixedLM):
            def get_fe_params(self, cov_re, vcomp, tol=1e-10):
                key = (np.asarray(cov_re).tobytes(), np.asarray(vcomp).tobytes(), tol)
                if getattr(self, "_fe_key", None) != key:
                    self._fe_key, self._fe_last = key, super().get_fe_params(cov_re, vcomp, tol)
                fe_params, singular = self._fe_last
                return fe_params.copy(), singular

        _MIXED_LM = _MixedLM
    return _MIXED_LM


_MIXED_LM = None


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
