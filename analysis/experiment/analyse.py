"""Analyse a randomised footwear self-experiment: adherence, effect per region, carry-over (METHODS.md 8).

Pure functions over frames (plan, runs, pain diary); nothing here reads a file.

The outcome is **morning (first-steps) pain**, per region, on the worse side
of each day (METHODS.md 4), on the analysed days (not wash-out) of each block.
Flare-up onsets are too rare for a 2-3-month experiment (about 7 a year): they
are listed by block, not modelled.

The unit of analysis is the **block**, the unit that was randomised. Days
within a block are autocorrelated, and pain also drifts slowly over weeks;
the effect is therefore estimated from block means (of the logged analysed
mornings) regressed on the condition and a linear time trend (the mean day of
the block's logged mornings), by ordinary least squares, with a t interval on
``blocks - 3`` degrees of freedom. A day-level model with AR(1) errors
(GLSAR) or with Newey-West errors was tried and rejected: in
``benchmarks/experiment.py`` their 95 % intervals covered the truth 75-86 % of
the time when pain drifts slowly, the block-level interval 95-97 %.

The randomisation test enumerates every order the design allowed (AB or BA in
each pair: ``2**pairs`` orders), recomputes the same trend-adjusted estimate
under each, and counts the orders at least as extreme as the one that
happened (two-sided, exact). With ``k`` pairs the smallest p it can give is
``2 / 2**k``: 0.25 with 6 blocks, 0.125 with 8; it cannot reach 0.05 below
12 blocks, and the results say so.

References
----------
Daza 2018, Methods Inf Med 57:e10; Kravitz, Duan et al. 2014 (AHRQ, Design and
Implementation of N-of-1 Trials); Vohra et al. 2015 (CENT), BMJ 350:h1738;
Edgington & Onghena 2007, Randomization Tests (exact enumeration).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.errors import RunlogError
from analysis.flareups import daily_pain, detect_flareups
from analysis.schema import GROUPING, REGIONS

from .plan import plan_blocks, smallest_p, validate_plan

DEFAULT_ADHERENCE = 0.8
DEFAULT_MIN_DAYS = 3
EFFECT_COLUMNS: tuple[str, ...] = (
    "region", "analysis", "estimate", "ci_low", "ci_high", "p_randomisation", "df",
    "blocks_a", "blocks_b", "n_days", "status", "reason",
)
ESTIMATED = "estimated"
INSUFFICIENT = "insufficient data"


# ---------------------------------------------------------------------------
# days, adherence
# ---------------------------------------------------------------------------


def condition_classes(condition: str, grouping: Mapping[str, str] | None = None) -> set[str]:
    """The shoe classes that count as ``condition`` (a footwear group, or one shoe class)."""
    grouping = GROUPING if grouping is None else grouping
    classes = {c for c, g in grouping.items() if g == condition}
    return classes or {condition}


def morning_days(plan: pd.DataFrame, pain: pd.DataFrame) -> pd.DataFrame:
    """Morning pain per plan day and region, worse side (NA = not logged).

    Parameters
    ----------
    plan : DataFrame
        A checked plan (:func:`analysis.experiment.plan.validate_plan`).
    pain : DataFrame
        Canonical pain frame.

    Returns
    -------
    DataFrame
        One row per plan date x region: ``date``, ``block``, ``pair``,
        ``condition``, ``washout``, ``day`` (0 = the plan's first day),
        ``region``, ``morning`` (Float64, the higher of left and right; NA
        when neither was logged).

    References
    ----------
    METHODS.md 4 (morning pain is the outcome item; sides merge to the worse one).
    """
    start, end = plan["date"].min(), plan["date"].max()
    grid = daily_pain(pain, start=start, end=end)
    worse = grid.groupby(["date", "region"], sort=True)["morning"].max().astype("Float64")
    base = plan[["date", "block", "pair", "condition", "washout"]].copy()
    base["day"] = (base["date"] - start).dt.days
    frames = []
    for region in REGIONS:
        f = base.copy()
        f["region"] = region
        f["morning"] = worse.xs(region, level="region").reindex(f["date"]).to_numpy() if len(worse) else pd.NA
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["region"] = out["region"].astype("string")
    out["morning"] = out["morning"].astype("Float64")
    return out


def check_diary(plan: pd.DataFrame, days: pd.DataFrame, *, diary=None) -> pd.Series:
    """Which blocks the diary has reached; refuse a diary that cannot be analysed.

    A block counts as reached when it starts on or before the diary's last
    morning entry inside the plan (an experiment still under way is analysed
    as far as it got).

    Returns
    -------
    Series
        bool per block (index ``block``).

    Raises
    ------
    RunlogError
        No morning entry at all inside the plan's dates (the plan does not
        cover the diary), or a reached block without any morning entry.
    """
    logged = days[days["morning"].notna()]
    blocks = plan_blocks(plan).set_index("block")
    if logged.empty:
        raise RunlogError(
            f"no morning pain entries between {plan['date'].min():%Y-%m-%d} and {plan['date'].max():%Y-%m-%d}, "
            "the plan's dates: the plan does not cover the diary (check the plan's start date, and log "
            "first-steps pain as time_of_day 'morning')", path=diary)
    last = logged["date"].max()
    reached = blocks["start"] <= last
    per_block = logged.groupby("block").size().reindex(blocks.index, fill_value=0)
    for b in blocks.index[reached & (per_block == 0)]:
        row = blocks.loc[b]
        raise RunlogError(
            f"no morning pain entries in block {b} ({row['condition']}, {row['start']:%Y-%m-%d} to "
            f"{row['end']:%Y-%m-%d}): a block needs first-steps pain logged on its mornings", path=diary)
    return reached.rename("reached")


def block_adherence(
    plan: pd.DataFrame,
    runs: pd.DataFrame,
    days: pd.DataFrame,
    *,
    grouping: Mapping[str, str] | None = None,
    threshold: float = DEFAULT_ADHERENCE,
    reached: pd.Series | None = None,
) -> pd.DataFrame:
    """Per block: km run in the planned footwear, weekly km and mornings logged.

    Parameters
    ----------
    plan : DataFrame
        A checked plan.
    runs : DataFrame
        Canonical runs with ``date`` (local), ``distance_m`` and ``shoe_class``.
    days : DataFrame
        From :func:`morning_days`.
    grouping : mapping, optional
        Shoe class -> group (default :data:`analysis.schema.GROUPING`).
    threshold : float
        Share of a block's km in the planned footwear for the block to count
        as adhered (default 0.8).
    reached : Series, optional
        From :func:`check_diary`; default every block.

    Returns
    -------
    DataFrame
        One row per block: ``block``, ``pair``, ``condition``, ``start``,
        ``end``, ``runs``, ``km`` (all days of the block, wash-out included:
        the runner wears the block's footwear from its first day),
        ``km_planned``, ``km_other``, ``km_unknown`` (no shoe known; counts
        against adherence), ``adherence`` (``km_planned / km``; NA without
        runs), ``adhered`` (adherence >= threshold; False without runs),
        ``weekly_km`` (km per 7 days), ``days_analysed``, ``days_logged``
        (analysed days with a morning entry for any region), ``reached``.
    """
    blocks = plan_blocks(plan).set_index("block")
    r = runs[["date", "distance_m", "shoe_class"]].copy() if len(runs) else pd.DataFrame(
        {"date": pd.Series(dtype="datetime64[ns]"), "distance_m": pd.Series(dtype="Float64"),
         "shoe_class": pd.Series(dtype="string")})
    r["date"] = pd.to_datetime(r["date"]).dt.normalize()
    r = r.merge(plan[["date", "block", "condition"]], on="date", how="inner")
    km = pd.to_numeric(r["distance_m"], errors="coerce").astype("float64").fillna(0.0) / 1000
    cls = r["shoe_class"].astype("string").fillna("unknown")
    planned = np.array([c in condition_classes(cond, grouping) for c, cond in zip(cls, r["condition"], strict=True)],
                       dtype=bool)
    unknown = (cls == "unknown").to_numpy()
    parts = pd.DataFrame({"block": r["block"].to_numpy(), "km": km.to_numpy(),
                          "km_planned": np.where(planned, km, 0.0),
                          "km_unknown": np.where(unknown & ~planned, km, 0.0)})
    sums = parts.groupby("block").sum().reindex(blocks.index, fill_value=0.0)
    n_runs = parts.groupby("block").size().reindex(blocks.index, fill_value=0)
    analysed = days[~days["washout"]]
    logged_days = analysed[analysed["morning"].notna()].groupby("block")["date"].nunique()
    out = blocks[["pair", "condition", "start", "end"]].copy()
    out["runs"] = n_runs.astype(int)
    out["km"] = sums["km"].round(3)
    out["km_planned"] = sums["km_planned"].round(3)
    out["km_unknown"] = sums["km_unknown"].round(3)
    out["km_other"] = (sums["km"] - sums["km_planned"] - sums["km_unknown"]).clip(lower=0).round(3)
    share = sums["km_planned"] / sums["km"].where(sums["km"] > 0)
    out["adherence"] = share.astype("Float64")
    out["adhered"] = (share >= threshold).fillna(False).astype(bool)
    out["weekly_km"] = (sums["km"] / blocks["days"] * 7).round(2)
    out["days_analysed"] = analysed.groupby("block")["date"].nunique().reindex(blocks.index, fill_value=0)
    out["days_logged"] = logged_days.reindex(blocks.index, fill_value=0).astype(int)
    out["reached"] = True if reached is None else reached.reindex(blocks.index, fill_value=False).to_numpy()
    out.attrs["threshold"] = threshold
    return out.reset_index()


def weekly_km_by_condition(adherence: pd.DataFrame) -> dict[str, float]:
    """Km per 7 days in each condition's reached blocks (the load the design holds constant)."""
    reached = adherence[adherence["reached"]]
    days = reached["end"].sub(reached["start"]).dt.days + 1
    km = reached["km"].groupby(reached["condition"]).sum()
    per_week = km / days.groupby(reached["condition"]).sum() * 7
    return {str(c): round(float(v), 2) for c, v in per_week.items()}


# ---------------------------------------------------------------------------
# the block-level model and the randomisation test
# ---------------------------------------------------------------------------


def block_outcomes(days: pd.DataFrame, region: str, *, min_days: int = DEFAULT_MIN_DAYS) -> pd.DataFrame:
    """Per block, the mean morning pain of the analysed days of one region.

    Returns
    -------
    DataFrame
        One row per block with at least ``min_days`` logged analysed mornings:
        ``block``, ``pair``, ``condition``, ``mean`` (points 0-10), ``n_days``,
        ``time_weeks`` (mean plan day of the logged mornings / 7: the trend
        term), ``first_half``, ``second_half`` (means of the logged mornings
        in the first and second half of the block's analysed days; NA when a
        half has no entry).
    """
    d = days[(days["region"] == region) & ~days["washout"]].copy()
    d["pos"] = d.groupby("block").cumcount()
    d["size"] = d.groupby("block")["date"].transform("size")
    d = d[d["morning"].notna()]
    if d.empty:
        return pd.DataFrame(columns=["block", "pair", "condition", "mean", "n_days", "time_weeks",
                                     "first_half", "second_half"])
    d["y"] = d["morning"].astype("float64")
    first = d[d["pos"] < d["size"] // 2].groupby("block")["y"].mean()
    second = d[d["pos"] >= d["size"] - d["size"] // 2].groupby("block")["y"].mean()
    g = d.groupby("block")
    out = pd.DataFrame({"pair": g["pair"].first(), "condition": g["condition"].first(), "mean": g["y"].mean(),
                        "n_days": g.size(), "time_weeks": g["day"].mean() / 7})
    out["first_half"] = first.reindex(out.index)
    out["second_half"] = second.reindex(out.index)
    return out[out["n_days"] >= min_days].reset_index()


def _design(is_b: np.ndarray, time_weeks: np.ndarray, trend: bool) -> np.ndarray:
    cols = [np.ones(len(is_b)), is_b.astype(float)]
    if trend:
        cols.append(time_weeks - time_weeks.mean())
    return np.column_stack(cols)


def _coef(y: np.ndarray, x: np.ndarray) -> float:
    """The condition coefficient, NaN when the design cannot separate it."""
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return float("nan")
    return float(np.linalg.lstsq(x, y, rcond=None)[0][1])


def block_effect(
    blocks: pd.DataFrame,
    b_condition: str,
    *,
    trend: bool = True,
    randomisation: bool = True,
    response: str = "mean",
) -> dict:
    """Condition effect (B minus A) from block values, with a t interval and an exact randomisation p.

    Parameters
    ----------
    blocks : DataFrame
        One row per block with ``pair``, ``condition``, ``time_weeks`` and the
        ``response`` column (e.g. from :func:`block_outcomes`).
    b_condition : str
        Condition B; the other one is A.
    trend : bool
        Adjust for a linear time trend (default True).
    randomisation : bool
        Compute the randomisation test over the pair orders (AB/BA per pair).
    response : str
        Column to analyse.

    Returns
    -------
    dict
        ``estimate`` (points), ``ci`` (95 %, t on ``df`` degrees of freedom),
        ``p_randomisation`` (None when not computed), ``df``, ``blocks_a``,
        ``blocks_b``; ``status`` and ``reason`` (fewer than 2 blocks of a
        condition, or no degree of freedom left, is "insufficient data").

    Notes
    -----
    Under each alternative order, every pair's two blocks swap conditions
    (or keep them); a block whose pair partner was left out swaps alone. An
    order under which the estimate is undefined counts as at least as
    extreme (conservative).
    """
    b = blocks.dropna(subset=[response])
    is_b = (b["condition"] == b_condition).to_numpy()
    n_b, n_a = int(is_b.sum()), int((~is_b).sum())
    out = {"estimate": None, "ci": None, "p_randomisation": None, "df": None, "blocks_a": n_a, "blocks_b": n_b}
    p = 3 if trend else 2
    if min(n_a, n_b) < 2 or len(b) - p < 1:
        need = "at least 2 blocks of each condition" if min(n_a, n_b) < 2 else f"more than {p} blocks"
        return {**out, "status": INSUFFICIENT, "reason": f"{n_a} + {n_b} blocks with enough mornings; needs {need}"}
    y = b[response].to_numpy(dtype=float)
    t = b["time_weeks"].to_numpy(dtype=float)
    x = _design(is_b, t, trend)
    fit = sm.OLS(y, x).fit()
    df = int(fit.df_resid)
    low, high = fit.conf_int(alpha=0.05)[1]
    if not np.isfinite(low):  # a perfect fit (no residual spread) gives no interval
        low = high = float("nan")
    out.update(estimate=float(fit.params[1]), ci=[float(low), float(high)], df=df, status=ESTIMATED, reason="")
    if randomisation:
        out["p_randomisation"] = randomisation_p(y, is_b, t, b["pair"].to_numpy(), trend=trend)
    return out


def randomisation_p(y: np.ndarray, is_b: np.ndarray, time_weeks: np.ndarray, pair: np.ndarray, *,
                    trend: bool = True) -> float:
    """Exact two-sided randomisation p over the ``2**pairs`` AB/BA orders of the design.

    Parameters
    ----------
    y, is_b, time_weeks, pair : arrays
        Block values, condition B indicator, trend term and pair number, one per block.

    Returns
    -------
    float
        Share of orders whose estimate is at least as far from 0 as the one observed.
    """
    observed = _coef(y, _design(is_b, time_weeks, trend))
    pairs = np.unique(pair)
    index = np.searchsorted(pairs, pair)
    extreme = 0
    orders = itertools.product((False, True), repeat=len(pairs))
    total = 0
    for flips in orders:
        alt = np.where(np.asarray(flips)[index], ~is_b, is_b)
        stat = _coef(y, _design(alt, time_weeks, trend))
        extreme += bool(not np.isfinite(stat) or abs(stat) >= abs(observed) - 1e-9)
        total += 1
    return extreme / total


def pair_difference(blocks: pd.DataFrame, b_condition: str, response: str = "mean") -> dict:
    """Unadjusted mean difference (B minus A) with a t interval over complete pairs.

    Returns
    -------
    dict
        ``estimate`` (mean of B blocks minus mean of A blocks), ``ci`` (95 %,
        from the within-pair differences on ``pairs - 1`` df; None with fewer
        than 2 complete pairs), ``pairs``.
    """
    b = blocks.dropna(subset=[response])
    mean_b = b.loc[b["condition"] == b_condition, response].mean()
    mean_a = b.loc[b["condition"] != b_condition, response].mean()
    wide = b.assign(arm=np.where(b["condition"] == b_condition, "B", "A")).pivot_table(
        index="pair", columns="arm", values=response, aggfunc="mean")
    diffs = (wide.get("B") - wide.get("A")).dropna() if {"A", "B"} <= set(wide.columns) else pd.Series(dtype=float)
    est = float(mean_b - mean_a) if pd.notna(mean_b) and pd.notna(mean_a) else None
    ci = None
    if len(diffs) >= 2 and diffs.std(ddof=1) > 0:
        se = diffs.std(ddof=1) / np.sqrt(len(diffs))
        q = stats.t.ppf(0.975, len(diffs) - 1)
        ci = [float(diffs.mean() - q * se), float(diffs.mean() + q * se)]
    return {"estimate": est, "ci": ci, "pairs": int(len(diffs)),
            "mean_a": None if pd.isna(mean_a) else float(mean_a), "mean_b": None if pd.isna(mean_b) else float(mean_b)}


def carry_over(blocks: pd.DataFrame, b_condition: str) -> dict:
    """Carry-over check: the effect in the second halves of blocks minus that in the first halves.

    If the previous block's footwear still acts after the wash-out, the
    difference between conditions is smaller in the first half of each block
    than in the second. Per block, h = mean(second half) - mean(first half);
    the check is mean h of B blocks minus mean h of A blocks, with a t
    interval (``blocks - 2`` df); a linear trend cancels out of h.

    Returns
    -------
    dict
        ``first_half`` and ``second_half`` (B minus A, unadjusted), ``difference``,
        ``ci``, ``status``, ``reason``.
    """
    b = blocks.dropna(subset=["first_half", "second_half"])
    is_b = (b["condition"] == b_condition).to_numpy()
    out = {"first_half": None, "second_half": None, "difference": None, "ci": None}
    if min(is_b.sum(), (~is_b).sum()) < 2:
        return {**out, "status": INSUFFICIENT, "reason": "needs 2 blocks of each condition with both halves logged"}
    h = (b["second_half"] - b["first_half"]).to_numpy(dtype=float)
    fit = sm.OLS(h, np.column_stack([np.ones(len(h)), is_b.astype(float)])).fit()
    low, high = fit.conf_int(alpha=0.05)[1]
    first = b.loc[is_b, "first_half"].mean() - b.loc[~is_b, "first_half"].mean()
    second = b.loc[is_b, "second_half"].mean() - b.loc[~is_b, "second_half"].mean()
    return {"first_half": float(first), "second_half": float(second), "difference": float(fit.params[1]),
            "ci": [float(low), float(high)] if np.isfinite(low) else None, "status": ESTIMATED, "reason": ""}


def weekly_blocks(plan: pd.DataFrame, weekly: pd.DataFrame, *, min_days: int = 5) -> pd.DataFrame:
    """Weekly questionnaire values per block, for the same block-level model.

    A questionnaire week (``week`` = its Monday, covering Monday to Sunday)
    counts for a block when at least ``min_days`` of its 7 days are analysed
    (not wash-out) days of that block.

    Parameters
    ----------
    weekly : DataFrame
        ``week``, ``region``, ``severity`` (e.g. OSTRC-O2 from
        :func:`analysis.io.ostrc.read_ostrc`).

    Returns
    -------
    DataFrame
        Per region and block: ``region``, ``block``, ``pair``, ``condition``,
        ``mean`` (mean severity), ``n_weeks``, ``time_weeks``.
    """
    start = plan["date"].min()
    analysed = plan[~plan["washout"]].set_index("date")
    rows = []
    for w in weekly.itertuples(index=False):
        week_days = pd.date_range(pd.Timestamp(w.week), periods=7, freq="D")
        hit = analysed.reindex(week_days).dropna(subset=["block"])
        if hit.empty:
            continue
        counts = hit["block"].value_counts()
        if counts.iloc[0] >= min_days:
            blk = counts.index[0]
            first = analysed[analysed["block"] == blk].iloc[0]
            rows.append({"region": w.region, "block": int(blk), "pair": int(first["pair"]),
                         "condition": first["condition"], "value": float(w.severity),
                         "day": (week_days[3] - start).days})
    if not rows:
        return pd.DataFrame(columns=["region", "block", "pair", "condition", "mean", "n_weeks", "time_weeks"])
    f = pd.DataFrame(rows)
    g = f.groupby(["region", "block"])
    out = pd.DataFrame({"pair": g["pair"].first(), "condition": g["condition"].first(), "mean": g["value"].mean(),
                        "n_weeks": g.size(), "time_weeks": g["day"].mean() / 7})
    return out.reset_index()


# ---------------------------------------------------------------------------
# the whole analysis
# ---------------------------------------------------------------------------


@dataclass
class ExperimentResult:
    """The analysis of one self-experiment (like a statsmodels results object).

    Attributes
    ----------
    design : dict
        Conditions A and B, blocks, days, wash-out, start and end, order,
        allowed orders, the smallest possible randomisation p, settings.
    adherence : DataFrame
        From :func:`block_adherence`.
    days : DataFrame
        From :func:`morning_days` (the figure's data).
    effects : DataFrame
        Tidy, one row per region x analysis (:data:`EFFECT_COLUMNS`):
        ``itt`` (all reached blocks, as randomised: the primary analysis),
        ``per_protocol`` (adhered blocks only; no randomisation p: leaving
        blocks out breaks the design), ``unadjusted`` (plain mean difference,
        interval from complete pairs), ``ostrc`` (weekly OSTRC-O2 severity,
        when given).
    regions : dict
        Per region: the JSON entry (estimate, ci, p_randomisation, n_days,
        status, carry-over, per-protocol, ...).
    flareups : DataFrame
        Onsets during the experiment with their block and condition (reported, not modelled).
    """

    design: dict
    adherence: pd.DataFrame
    days: pd.DataFrame
    effects: pd.DataFrame
    regions: dict
    flareups: pd.DataFrame
    block_values: dict = field(default_factory=dict)

    @property
    def conclusions(self) -> dict[str, str]:
        """One plain-language sentence per region."""
        from .wording import conclusion

        return {r: conclusion(r, v, self.design, self.adherence) for r, v in self.regions.items()}

    def cent_items(self) -> list[tuple[str, str]]:
        """The CENT 2015 items that apply, as (item, text)."""
        from .wording import cent_items

        return cent_items(self)

    def to_json(self) -> dict:
        """The DESIGN.md contract: ``{"design", "adherence", "regions", ...}`` (plain JSON types)."""
        from .wording import to_json

        return to_json(self)

    def summary(self) -> str:
        """The printed summary: design, adherence, one line per region."""
        from .wording import summary

        return summary(self)


def _effect_row(region: str, analysis: str, fit: dict, n_days: int) -> dict:
    ci = fit.get("ci") or [None, None]
    return {"region": region, "analysis": analysis, "estimate": fit.get("estimate"), "ci_low": ci[0],
            "ci_high": ci[1], "p_randomisation": fit.get("p_randomisation"), "df": fit.get("df"),
            "blocks_a": fit.get("blocks_a"), "blocks_b": fit.get("blocks_b"), "n_days": n_days,
            "status": fit.get("status", ESTIMATED), "reason": fit.get("reason", "")}


def _round(v, nd: int = 3):
    return None if v is None or (isinstance(v, float) and not np.isfinite(v)) else round(float(v), nd)


def experiment_flareups(pain: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Flare-up onsets (METHODS.md 4, on the whole diary) that fall inside the plan, with block and condition."""
    episodes = detect_flareups(daily_pain(pain))
    episodes = episodes.rename(columns={"peak": "peak_pain"})  # the detector names it "peak" (analysis.onsets)
    inside = episodes.merge(plan[["date", "block", "condition", "washout"]], left_on="onset_date",
                            right_on="date", how="inner")
    return inside[["region", "side", "onset_date", "peak_pain", "block", "condition", "washout"]].reset_index(drop=True)


def analyse_experiment(
    plan: pd.DataFrame,
    runs: pd.DataFrame,
    pain: pd.DataFrame,
    *,
    grouping: Mapping[str, str] | None = None,
    adherence_threshold: float = DEFAULT_ADHERENCE,
    min_days: int = DEFAULT_MIN_DAYS,
    ostrc: pd.DataFrame | None = None,
    diary=None,
    flareups: bool = True,
) -> ExperimentResult:
    """Analyse a footwear self-experiment: adherence, effect per region (ITT and per protocol), carry-over.

    Parameters
    ----------
    plan : DataFrame
        The plan (:func:`analysis.experiment.plan.make_plan` or ``read_plan``).
    runs : DataFrame
        Canonical runs after :func:`analysis.footwear.assign_footwear`.
    pain : DataFrame
        Canonical pain frame.
    grouping : mapping, optional
        Shoe class -> group (default :data:`analysis.schema.GROUPING`).
    adherence_threshold : float
        Share of km in the planned footwear for a block to count as adhered (0.8).
    min_days : int
        Logged analysed mornings a block needs to enter a region's analysis (3).
    ostrc : DataFrame, optional
        Weekly OSTRC-O2 answers (:func:`analysis.io.ostrc.read_ostrc`): a
        secondary outcome.
    diary : str or Path, optional
        The diary's name for error messages.
    flareups : bool
        List flare-up onsets during the experiment (default True).

    Returns
    -------
    ExperimentResult

    Raises
    ------
    RunlogError
        A plan that breaks the design, a diary with no morning entry inside
        the plan, or a reached block with no morning entry.

    References
    ----------
    METHODS.md 8; Daza 2018; Kravitz, Duan et al. 2014; CENT 2015 (Vohra et al., BMJ 350:h1738).
    """
    if not (0 < adherence_threshold <= 1):
        raise RunlogError(f"the adherence threshold is a share of km between 0 and 1, not {adherence_threshold}")
    plan = validate_plan(plan)
    a, b = plan.attrs["conditions"]
    days = morning_days(plan, pain)
    reached = check_diary(plan, days, diary=diary)
    days_reached = days[days["block"].isin(reached.index[reached])]
    adherence = block_adherence(plan, runs, days, grouping=grouping, threshold=adherence_threshold, reached=reached)
    adhered = set(adherence.loc[adherence["adhered"] & adherence["reached"], "block"])
    n_blocks = int(plan["block"].nunique())
    n_pairs = n_blocks // 2
    blocks = plan_blocks(plan)
    design = {
        "conditions": {"A": a, "B": b},
        "estimand": f"mean morning pain (0-10, worse side) in {b} blocks minus {a} blocks, analysed days",
        "blocks": n_blocks, "pairs": n_pairs,
        "block_days": int(blocks["days"].iloc[0]) if blocks["days"].nunique() == 1 else blocks["days"].tolist(),
        "washout_days": int(blocks["washout_days"].iloc[0]) if blocks["washout_days"].nunique() == 1
        else blocks["washout_days"].tolist(),
        "start": f"{plan['date'].min():%Y-%m-%d}", "end": f"{plan['date'].max():%Y-%m-%d}",
        "order": "".join("A" if c == a else "B" for c in blocks["condition"]),
        "allowed_orders": 2**n_pairs, "smallest_p": smallest_p(n_pairs),
        "blocks_reached": int(reached.sum()),
        "weekly_km": _round(plan["weekly_km"].dropna().iloc[0]) if plan["weekly_km"].notna().any() else None,
        "adherence_threshold": adherence_threshold, "min_days_per_block": min_days,
        "model": "block means ~ condition + linear time trend (OLS, t interval); exact randomisation test "
                 "over the AB/BA orders of the pairs",
        "seed": plan.attrs.get("seed"),
        "weekly_km_by_condition": weekly_km_by_condition(adherence),
    }
    rows, regions, values = [], {}, {}
    for region in REGIONS:
        per_block = block_outcomes(days_reached, region, min_days=min_days)
        values[region] = per_block
        n_days = int(per_block["n_days"].sum()) if len(per_block) else 0
        itt = block_effect(per_block, b)
        pp = block_effect(per_block[per_block["block"].isin(adhered)], b, randomisation=False)
        raw = pair_difference(per_block, b) if len(per_block) else {"estimate": None, "ci": None, "pairs": 0,
                                                                     "mean_a": None, "mean_b": None}
        co = carry_over(per_block, b) if len(per_block) else {"status": INSUFFICIENT, "reason": "no blocks"}
        rows += [_effect_row(region, "itt", itt, n_days), _effect_row(region, "per_protocol", pp,
                 int(per_block.loc[per_block["block"].isin(adhered), "n_days"].sum()) if len(per_block) else 0),
                 _effect_row(region, "unadjusted", {**raw, "blocks_a": itt["blocks_a"], "blocks_b": itt["blocks_b"],
                                                    "status": ESTIMATED if raw["estimate"] is not None
                                                    else INSUFFICIENT}, n_days)]
        entry = {
            "estimate": _round(itt["estimate"]), "ci": [_round(v) for v in itt["ci"]] if itt["ci"] else None,
            "p_randomisation": _round(itt["p_randomisation"], 4), "n_days": n_days, "status": itt["status"],
            "reason": itt["reason"], "df": itt["df"], "blocks": {"A": itt["blocks_a"], "B": itt["blocks_b"]},
            "mean_a": _round(raw["mean_a"]), "mean_b": _round(raw["mean_b"]),
            "unadjusted": {"estimate": _round(raw["estimate"]),
                           "ci": [_round(v) for v in raw["ci"]] if raw["ci"] else None, "pairs": raw["pairs"]},
            "per_protocol": {"estimate": _round(pp["estimate"]), "ci": [_round(v) for v in pp["ci"]] if pp["ci"]
                             else None, "blocks": {"A": pp["blocks_a"], "B": pp["blocks_b"]},
                             "status": pp["status"], "reason": pp["reason"]},
            "carry_over": {k: ([_round(x) for x in v] if isinstance(v, list) else _round(v) if isinstance(v, float)
                               else v) for k, v in co.items()},
        }
        regions[region] = entry
    if ostrc is not None and len(ostrc):
        weekly = weekly_blocks(plan[plan["block"].isin(reached.index[reached])], ostrc)
        for region in REGIONS:
            wb = weekly[weekly["region"] == region]
            fit = block_effect(wb, b)
            n_weeks = int(wb["n_weeks"].sum()) if len(wb) else 0
            rows.append(_effect_row(region, "ostrc", fit, n_weeks))
            regions[region]["ostrc"] = {"outcome": "OSTRC-O2 severity (0-100)", "estimate": _round(fit["estimate"]),
                                        "ci": [_round(v) for v in fit["ci"]] if fit["ci"] else None,
                                        "p_randomisation": _round(fit["p_randomisation"], 4),
                                        "n_weeks": n_weeks, "status": fit["status"], "reason": fit["reason"]}
    effects = pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
    onsets = experiment_flareups(pain, plan) if flareups else pd.DataFrame(
        columns=["region", "side", "onset_date", "peak_pain", "block", "condition", "washout"])
    return ExperimentResult(design=design, adherence=adherence, days=days, effects=effects, regions=regions,
                            flareups=onsets, block_values=values)
