"""A bootstrap Bartlett factor for the hazard model's likelihood-ratio tests (Rocke 1989).

With few onsets and many parameters the penalised LR statistic runs above chi2(1) because an onset
removes the following weeks from the at-risk days; rerunning the runner's own onset process from the
fitted model measures by how much (benchmarks/README.md has the study). Written by hand: it is
specific to this model's onset process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import special

from analysis.stats.design import (
    ADJUSTMENT_TERMS,
    BINARY_TERMS,
    MIN_ONSETS,
    PRIMARY_TERMS,
    _log_days,
    _usable_days,
    days_since_flare,
    hazard_design,
)
from analysis.stats.firth import FirthResult, _firth_lr, firth_logit, flic_intercept

#: bootstrap replicates of the onset process behind the Bartlett-type factor
#: (:func:`lr_scale_factor`); 0 switches the calibration off.
CALIBRATION_REPLICATES = 100


def onset_blocks(frame: pd.DataFrame) -> list[tuple[int, int]]:
    """(flare days, days until at risk again) after each onset of a per-day frame.

    ``frame`` is a :func:`hazard_frame`; the second number counts from the onset
    day to the next at-risk day (flare plus refractory period, METHODS.md 4).
    Blocks that the end of the series cuts short are left out unless there is
    no other.
    """
    onset = pd.to_numeric(frame["onset"]).fillna(0).to_numpy() > 0
    at_risk = frame["at_risk"].to_numpy(dtype=bool)
    in_flare = frame["in_flare"].to_numpy(dtype=bool)
    n, out, censored = len(frame), [], []
    for i in np.flatnonzero(onset):
        later_risk = np.flatnonzero(at_risk[i + 1 :])
        later_calm = np.flatnonzero(~in_flare[i + 1 :])
        until = int(later_risk[0]) + 1 if len(later_risk) else n - i
        flare = int(later_calm[0]) + 1 if len(later_calm) else n - i
        (out if len(later_risk) else censored).append((min(flare, until), until))
    # a block cut by the end of the series (the diary stopped mid-flare) is only a
    # lower bound: used only when no complete block exists
    return out or censored


def _replicate_onsets(
    frame: pd.DataFrame,
    static_log_odds: np.ndarray,
    dsf_coef: float,
    dsf_mean: float,
    blocks: Sequence[tuple[int, int]],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One run of the onset process on the runner's own days (see :func:`lr_scale_factor`)."""
    n = len(frame)
    logged = frame["logged"].to_numpy(dtype=bool)
    u = rng.random(n)
    onset = np.zeros(n)
    in_flare = np.zeros(n, dtype=bool)
    at_risk = np.zeros(n, dtype=bool)
    blocked_until, last_flare = -1, -1
    for t in range(n):
        # days_since_flare as hazard_frame builds it: on day t, (t-1) minus the
        # last flare day before t-1
        dsf = 1.0 if t == 0 else float(t - 1 - last_flare)
        if t > 0 and in_flare[t - 1]:
            last_flare = t - 1
        if t <= blocked_until:
            continue
        at_risk[t] = True
        if not logged[t]:
            continue
        eta = static_log_odds[t] + dsf_coef * (math.log(max(dsf, 1.0)) - dsf_mean)
        if u[t] < special.expit(eta):
            onset[t] = 1.0
            flare_days, until = blocks[int(rng.integers(len(blocks)))]
            in_flare[t : t + flare_days] = True
            blocked_until = t + until - 1
    out = frame.copy()
    out["onset"], out["in_flare"], out["at_risk"] = onset, in_flare, at_risk
    out["days_since_flare"] = days_since_flare(pd.Series(in_flare, index=frame.index)).shift(1).fillna(1.0)
    out["log_days_since_flare"] = _log_days(out["days_since_flare"])
    return out


class LrScale(NamedTuple):
    """A Bartlett-type factor, how many statistics it rests on, and its Monte-Carlo SE."""

    factor: float
    statistics: int
    mc_se: float


def lr_scale_factor(
    frame: pd.DataFrame,
    fit: FirthResult,
    names: Sequence[str],
    *,
    terms: Mapping[str, tuple[str, float]] | None = None,
    adjust: Sequence[str] = ADJUSTMENT_TERMS,
    time_since_flare: str = "log",
    replicates: int = CALIBRATION_REPLICATES,
    seed: int = 0,
    floor: float = 1.0,
    min_events: int = MIN_ONSETS,
) -> LrScale:
    """Bartlett-type factor for the penalised LR statistics of one hazard model.

    With ~10-20 onsets and 13 parameters the penalised likelihood-ratio statistic
    of a continuous term is larger than chi2(1) on average (mean ~1.1-1.3 on
    simulated runners), and part of the excess comes from the onset process
    itself: an onset removes the next weeks from the at-risk days and resets the
    time since the last flare, so the rows of the model depend on earlier
    outcomes. A bootstrap that redraws onsets on fixed rows misses that (it
    finds the test conservative); this one reruns the process. Each replicate
    walks the runner's own days, draws onsets from the fitted model (time since
    the last flare recomputed day by day; with ``time_since_flare="spline"`` that
    part of the hazard is held at its mean), follows each onset with a flare and
    refractory block resampled from the runner's observed ones, rebuilds the
    at-risk days and refits; replicates with fewer than ``min_events`` onsets
    (fewer than the real analysis would model) are drawn again. The factor is the mean, over replicates and the
    continuous primary terms, of the penalised LR statistic for each term's
    generating value (Bartlett 1937; bootstrap estimate of the factor: Rocke
    1989, JASA 84:598), floored at ``floor`` (1: noise never narrows an interval).

    Returns
    -------
    LrScale
        ``factor``, the number of statistics it rests on, and its Monte-Carlo
        standard error (from the spread of the replicates' means; ~0.05-0.09
        with 100 replicates at ~10-15 onsets). (1.0, 0, nan) when no replicate
        could be fitted.
    """
    terms = dict(PRIMARY_TERMS if terms is None else terms)
    blocks = onset_blocks(frame)
    if replicates <= 0 or not blocks:
        return LrScale(1.0, 0, math.nan)
    data, *_ = _usable_days(frame, terms, adjust, time_since_flare)
    coef = dict(zip(names, np.asarray(fit.params, dtype=float), strict=True))
    static = np.full(len(frame), coef["const"])
    dsf_coef = dsf_mean = 0.0
    for name, b in coef.items():
        if name == "const" or name.startswith("days_since_flare_cr"):
            continue
        if name == "log_days_since_flare":
            dsf_coef, dsf_mean = b, float(data[name].mean())
            continue
        div = terms[name][1] if name in terms else 1.0
        x = pd.to_numeric(frame[name]).astype(float).to_numpy() / div
        mean = float(data[name].mean()) / div
        static += b * np.nan_to_num(x - mean, nan=0.0)
    # Firth's penalty lifts every fitted probability (~14 expected onsets for 10
    # observed with 13 parameters): the generating intercept is refitted with the
    # slopes held, so that the expected onsets equal the observed (the FLIC
    # intercept of Puhr et al. 2017, Stat Med 36:2302)
    y, X, _, _ = hazard_design(frame, terms=terms, adjust=adjust, time_since_flare=time_since_flare)
    slopes = X[:, 1:] @ np.asarray(fit.params, dtype=float)[1:]
    const = flic_intercept(y, slopes)
    if const is not None:
        static += const - coef["const"]
    watched = [n for n in names if n in terms and n not in BINARY_TERMS] or [n for n in names if n in terms]
    rng = np.random.default_rng(seed)
    stats_: list[float] = []
    means: list[float] = []
    kept = tries = 0
    while kept < replicates and tries < 3 * replicates:
        tries += 1
        rep = _replicate_onsets(frame, static, dsf_coef, dsf_mean, blocks, rng)
        ys, Xs, names_s, _ = hazard_design(rep, terms=terms, adjust=adjust, time_since_flare=time_since_flare)
        # a replicate the real analysis would not model (too few onsets) says nothing
        if ys.sum() < min(min_events, y.sum()) or np.linalg.matrix_rank(Xs) < Xs.shape[1]:
            continue
        kept += 1
        try:
            fit_s = firth_logit(ys, Xs, start=fit.params if list(names_s) == list(names) else None)
            if not fit_s.converged:
                continue
            got = [
                max(_firth_lr(ys, Xs, names_s.index(t), fit_s, coef[t]), 0.0) for t in watched if t in names_s
            ]
        except (np.linalg.LinAlgError, ValueError, OverflowError):
            continue
        if got:
            stats_ += got
            means.append(float(np.mean(got)))
    if not stats_:
        return LrScale(1.0, 0, math.nan)
    mc_se = float(np.std(means, ddof=1) / math.sqrt(len(means))) if len(means) > 1 else math.nan
    return LrScale(max(floor, float(np.mean(stats_))), len(stats_), mc_se)
