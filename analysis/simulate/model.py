"""The day-by-day course of the synthetic runner: runs, drills and flare onsets.

Training and pain feed each other, so one loop walks the calendar a day at a
time. On day t:

1. **Features** are built from days <= t-1 only, exactly as
   ``analysis.load.lag_features`` defines them: km in t-3..t-1, t-7..t-4,
   t-14..t-8 and t-28..t-15; barefoot-style % of km in t-7..t-1 (NA without
   km); 0/1 for a run of each spike bin in t-3..t-1; days with drills in
   t-7..t-1. A window reaching before day 0 is NA.
2. **Onsets**: each region that is *at risk* (past the burn-in, not inside an
   episode, and past the episode's 3 settling days plus 7 flare-free days)
   starts a flare with probability ``expit(a_r + sum_k b_rk x_k)``, x in the
   reporting units of :data:`~analysis.simulate.params.TERM_UNIT`. An NA share
   (no km in the last 7 days) contributes 0. A flare lasts 5-20 days on one
   side (both sides 10 % of the time) and peaks at 4-7/10.
3. **The run**: the planned run (:mod:`analysis.simulate.plan`) is skipped with
   probability ``flare_skip_rate`` while any region flares, long runs are
   shortened to 70 %, and no barefoot-style shoe is worn while the Achilles or
   plantar fascia flares. Easy runs are barefoot-style with a probability that
   rises along a logistic ramp (the transition), capped at a distance that
   rises too; in May-September a barefoot-style run is barefoot (30 %), in
   sandals (30 %) or in minimalist shoes, otherwise in minimalist shoes. Long,
   tempo, race and New Year runs are in traditional shoes (tempo and easy runs
   in the partial shoe 35 % of the time around the ramp's middle).
4. **Drills**: a drill day with probability 0.03 before the first flare, then
   0.25 (+0.10 per further flare, at most 0.55), fading towards 60 % of that
   as flare-free time passes (time constant 180 days), +0.10 on flare days.

The spike ratio of a run is its distance over the longest run in days
t-30..t-1 (NA without one), binned as in METHODS.md 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.schema import REGIONS
from analysis.simulate.params import SPIKE_BINS, SPIKE_REFERENCE_MAX, TERM_UNIT, TERMS, SimParams
from analysis.simulate.plan import Plan

BAREFOOT_STYLE = ("barefoot", "minimalist")
SPIKE_NAMES = tuple(name for name, _ in SPIKE_BINS)


@dataclass
class Course:
    """What the loop produced.

    Attributes
    ----------
    runs : DataFrame
        One row per run: ``day``, ``kind``, ``km``, ``shoe`` ("" = barefoot),
        ``shoe_class``, ``gear_recorded``, ``abroad``, ``spike_ratio``, ``spike_bin``.
    daily : DataFrame
        One row per day (index ``date``): ``km``, ``km_barefoot_style``,
        ``runs``, ``drill_day`` and the nine hazard features, then per region
        ``at_risk_<r>``, ``hazard_<r>``, ``onset_<r>``, ``in_flare_<r>``.
    episodes : DataFrame
        One row per flare: ``region``, ``onset_day``, ``last_day`` (last
        day above baseline), ``end_day`` (last of the settling days),
        ``at_risk_day`` (first day a new onset may start), ``peak``,
        ``sides`` ("L", "R" or "LR").
    """

    runs: pd.DataFrame
    daily: pd.DataFrame
    episodes: pd.DataFrame


def transition_ramp(day: np.ndarray | float, p: SimParams) -> np.ndarray | float:
    """Progress of the move to barefoot-style running, 0-1 (logistic in days)."""
    return 1.0 / (1.0 + np.exp(-(np.asarray(day, dtype=float) - p.bf_ramp_mid_day) / p.bf_ramp_scale_days))


def spike_bin(ratio: float) -> str:
    """Bin of a single-run spike ratio: none (<= 1.10 or NA), small, moderate, large."""
    if not np.isfinite(ratio) or ratio <= SPIKE_REFERENCE_MAX:
        return "none"
    for name, upper in SPIKE_BINS:
        if ratio <= upper:
            return name
    return "large"


def _features(t: int, cum: list[list[float]]) -> list[float]:
    """The nine hazard features of day t from days <= t-1 (raw units: km, %, 0/1, days).

    ``cum`` holds prefix sums over days 0..t-1 (``cum[k][i]`` = sum of series k
    over days < i) of km, barefoot-style km, the three spike-bin day flags and
    drill days, so a window t-a..t-b sums to ``cum[k][t-b+1] - cum[k][t-a]``.
    """
    km, bf, small, moderate, large, drills = cum
    nan = math.nan

    def window(series: list[float], first_back: int, last_back: int) -> float:
        return series[t - first_back + 1] - series[t - last_back]

    out = [nan] * len(TERMS)
    if t >= 3:
        out[0] = window(km, 1, 3)
        out[5:8] = [float(window(c, 1, 3) > 0) for c in (small, moderate, large)]
    if t >= 7:
        out[1] = window(km, 4, 7)
        week = window(km, 1, 7)
        out[4] = 100.0 * window(bf, 1, 7) / week if week > 1e-9 else nan
        out[8] = window(drills, 1, 7)
    if t >= 14:
        out[2] = window(km, 8, 14)
    if t >= 28:
        out[3] = window(km, 15, 28)
    return out


def _shoes_by_use(p: SimParams) -> dict[str, tuple[str, str]]:
    """use -> (shoe name, shoe class)."""
    return {s.use: (s.name, s.shoe_class) for s in p.shoes}


def _drill_rate(p: SimParams, n_onsets: int, days_since_onset: int, flaring: bool) -> float:
    """Probability of a drill day (module docstring, point 4)."""
    if n_onsets == 0:
        rate = p.drill_rate_before
    else:
        rate = min(p.drill_rate_max, p.drill_rate_after_first + p.drill_rate_step * (n_onsets - 1))
        rate *= 0.6 + 0.4 * math.exp(-days_since_onset / p.drill_fade_days)
    return rate + (0.10 if flaring else 0.0)


def _shoe_and_km(t: int, kind: str, km: float, u: list[float], ctx: dict, foot_flare: bool):
    """(shoe name, class) and distance of day t's run (module docstring, point 3)."""
    p: SimParams = ctx["p"]
    shoes = ctx["shoes"]
    shoe = shoes["traditional_early"] if t < p.ghost_retired_day else shoes["traditional"]
    ramp = ctx["ramp"][t]
    if kind in ("easy", "travel") and not foot_flare and u[5] < (
        p.bf_share_start + (p.bf_share_end - p.bf_share_start) * ramp
    ):
        cap = p.bf_cap_km_start + (p.bf_cap_km_end - p.bf_cap_km_start) * ramp
        km = min(km, cap * (0.8 + 0.2 * u[6]))
        warm = 5 <= ctx["month"][t] <= 9 and not ctx["abroad"][t]
        if warm and u[7] < 0.3:
            return ("", "barefoot"), km
        if warm and u[7] < 0.6:
            return shoes["sandals"], km
        return shoes["minimalist"], km
    if kind in ("easy", "tempo") and abs(t - p.bf_ramp_mid_day) < p.partial_window_days and u[7] < 0.35:
        return shoes["partial"], km
    return shoe, km


def run_course(plan: Plan, p: SimParams, rng: np.random.Generator) -> Course:
    """Walk the calendar (see the module docstring) and return the course.

    Parameters
    ----------
    plan : Plan
        The training calendar.
    p : SimParams
        Parameters (coefficients, behaviour).
    rng : numpy Generator
        Source of every draw in the loop. A fixed block of uniforms is drawn
        per day, so that the null and the planted runner of one seed share
        their calendar draws.
    """
    days = len(plan.kind)
    dates = pd.date_range(p.start, periods=days, freq="D")
    ctx = {"p": p, "shoes": _shoes_by_use(p), "ramp": transition_ramp(np.arange(days), p).tolist(),
           "month": dates.month.tolist(), "abroad": plan.abroad.tolist()}
    coef = [[p.coefficients[r][t] / TERM_UNIT[t] for t in TERMS] for r in REGIONS]
    alpha = [p.intercepts[r] for r in REGIONS]
    uni = rng.random((days, 10)).tolist()
    ep_rng = np.random.default_rng(rng.integers(0, 2**63))
    plan_kind, plan_km = plan.kind.tolist(), plan.km.tolist()

    longest = [0.0] * days
    feats, at_risk, hazard, onset, in_flare, day_rows = [], [], [], [], [], []
    risk_from = [p.burn_in_days] * 4
    flare_last = [-1] * 4
    n_onsets, last_onset = 0, -(10**6)
    runs, episodes = [], []
    cum: list[list[float]] = [[0.0] for _ in range(6)]  # km, bf km, small, moderate, large, drills

    for t in range(days):
        u = uni[t]
        x = _features(t, cum)
        risk, haz, new = [False] * 4, [math.nan] * 4, [0] * 4
        for r in range(4):
            if t < risk_from[r]:
                continue
            risk[r] = True
            eta = alpha[r] + sum(c * v for c, v in zip(coef[r], x, strict=True) if not math.isnan(v))
            haz[r] = 1.0 / (1.0 + math.exp(-eta))
            if u[r] < haz[r]:
                new[r] = 1
                length = int(ep_rng.integers(p.flare_days_min, p.flare_days_max + 1))
                peak = int(ep_rng.integers(p.flare_peak_min, p.flare_peak_max + 1))
                v = ep_rng.random()
                sides = "LR" if v < p.both_sides_rate else ("L" if v < (1 + p.both_sides_rate) / 2 else "R")
                last = t + length - 1
                end = last + p.settle_days
                flare_last[r] = last
                risk_from[r] = end + p.refractory_days + 1
                episodes.append({"region": REGIONS[r], "onset_day": t, "last_day": last, "end_day": end,
                                 "at_risk_day": risk_from[r], "peak": peak, "sides": sides})
                n_onsets, last_onset = n_onsets + 1, t
        flare = [fl >= t for fl in flare_last]
        flaring = any(flare)

        km = bf = 0.0
        spike = [0.0, 0.0, 0.0]
        kind = plan_kind[t]
        if kind and not (flaring and kind not in ("race", "newyear") and u[4] < p.flare_skip_rate):
            dist = plan_km[t] * (p.flare_shorten if flaring and kind in ("long", "adventure") else 1.0)
            shoe, dist = _shoe_and_km(t, kind, dist, u, ctx, foot_flare=flare[0] or flare[1])
            prev = max(longest[max(0, t - 30):t], default=0.0)
            ratio = dist / prev if prev > 0 else math.nan
            sbin = spike_bin(ratio)
            km, longest[t] = dist, dist
            bf = dist if shoe[1] in BAREFOOT_STYLE else 0.0
            if sbin != "none":
                spike[SPIKE_NAMES.index(sbin)] = 1.0
            runs.append({"day": t, "kind": kind, "km": dist, "shoe": shoe[0], "shoe_class": shoe[1],
                         "gear_recorded": not (shoe[1] == "traditional" and u[9] < p.blank_gear_rate),
                         "abroad": ctx["abroad"][t], "spike_ratio": ratio, "spike_bin": sbin})
        drill = float(u[8] < _drill_rate(p, n_onsets, t - last_onset, flaring))
        for series, value in zip(cum, (km, bf, *spike, drill), strict=True):
            series.append(series[-1] + value)
        feats.append(x)
        at_risk.append(risk)
        hazard.append(haz)
        onset.append(new)
        in_flare.append(flare)
        day_rows.append((km, bf, int(km > 0), int(drill)))

    daily = pd.DataFrame(day_rows, columns=["km", "km_barefoot_style", "runs", "drill_day"],
                         index=pd.Index(dates, name="date"))
    daily[list(TERMS)] = np.array(feats, dtype=float).reshape(days, len(TERMS))
    arrays = {"at_risk": np.array(at_risk, dtype=bool), "hazard": np.array(hazard, dtype=float),
              "onset": np.array(onset, dtype=np.int8), "in_flare": np.array(in_flare, dtype=bool)}
    for i, r in enumerate(REGIONS):
        for name, arr in arrays.items():
            daily[f"{name}_{r}"] = arr.reshape(days, 4)[:, i]
    daily = daily[["km", "km_barefoot_style", "runs", "drill_day", *TERMS,
                   *[f"{n}_{r}" for r in REGIONS for n in arrays]]]
    runs_df = pd.DataFrame(runs, columns=["day", "kind", "km", "shoe", "shoe_class", "gear_recorded",
                                          "abroad", "spike_ratio", "spike_bin"])
    ep_df = pd.DataFrame(episodes, columns=["region", "onset_day", "last_day", "end_day", "at_risk_day",
                                            "peak", "sides"])
    return Course(runs_df, daily, ep_df)
