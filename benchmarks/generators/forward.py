"""The true 28-day risk of a simulated runner under a training plan, from the generator's own hazard.

Page 1's absolute risk (runlog's ``analysis/stats/absolute_risk.py``) is "the chance of a flare-up
onset in the next 28 days if the runner's last 4 weeks of training are repeated" (as they were, or
scaled). For a runner of :func:`benchmarks.generators.runner.simulate_runner` that chance is known
exactly, up to the latent vulnerability's future: this module computes it from the generator's
pieces, so the benchmark can score runlog's estimate and its interval against the truth rather
than against one binary outcome.

The estimand, for a watched region and a plan ``(f_bs, f_km)``:

* "now" is a day of the simulation (runlog's: the last day of the load it used, the last diary
  entry); the plan repeats the realised daily ``km`` and ``km_barefoot_style`` of the 28 days
  ending "now" (``daily``; equal to the runs frame's to 5e-5 km) as runlog's plan does:
  ``km_future = km_last * f_km``, ``bs_future = km_bf_last * f_bs * f_km``, tiled over the horizon;
* each coming day t gets the generator's hazard: base x season(t) x latent(t) x
  exp(log_dose(load_w(t))) x exp(footwear x share_7d(t) / 10) x recurrence(t), where load_w and
  the share are computed from the history up to "now" plus the plan exactly as the generator does,
  the season is the generator's bump divided by its own normaliser, and the days inside a flare
  that began by "now" or its 7 refractory days have no hazard;
* the latent multiplier goes on from its value "now" as the generator's two AR(1) paths (the one
  shared by the runner's regions and the region's own) do, over ``draws`` independent futures;
* the risk is P(first onset within the horizon) = 1 - mean_k exp(-sum_t h_tk), the generator drawing
  an onset with probability 1 - exp(-h) on each at-risk day. The plan fixes km, so nothing that
  happens in another region (pain, reverse causation) moves this region's hazard before its onset.

A diagnostic beside it, ``risk_marginal``: the same with the latent paths started from their
stationary distribution instead of their values "now", the risk of this runner when its current
vulnerability is unknown (no model of the diary can see the latent's value "now"; runlog's flare
history terms see part of it). Equal to ``risk`` where the scenario has no latent vulnerability.

Flares that began after "now" (when "now" is before the simulation's last day) are not part of the
state "now". Imports nothing from ``analysis``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from benchmarks.generators.runner import (
    REFRACTORY_DAYS,
    SimulatedRunner,
    lag_kernel,
    log_dose,
    season_multiplier,
)

#: days of training repeated (runlog's "last 4 weeks")
PLAN_DAYS = 28


def plan_days(km: np.ndarray, km_bf: np.ndarray, f_bs: float, f_km: float, horizon_days: int):
    """The plan's daily km and barefoot-style km: the last ``PLAN_DAYS`` days repeated, scaled."""
    last_km, last_bs = np.asarray(km[-PLAN_DAYS:], float), np.asarray(km_bf[-PLAN_DAYS:], float)
    reps = -(-horizon_days // PLAN_DAYS)
    return (np.tile(last_km * f_km, reps)[:horizon_days], np.tile(last_bs * f_bs * f_km, reps)[:horizon_days])


def _load_and_share(km_all: np.ndarray, bs_all: np.ndarray, days: np.ndarray):
    """Gamma-weighted weekly load and 7-day barefoot-style share (%) of the days ``days`` (indices)."""
    kernel = lag_kernel()
    load = np.empty(len(days))
    share = np.empty(len(days))
    for i, t in enumerate(days):
        lags = np.arange(1, min(len(kernel), t) + 1)
        load[i] = 7.0 * np.sum(kernel[lags - 1] * km_all[t - lags])
        week = km_all[max(0, t - 7) : t].sum()
        share[i] = 100.0 * bs_all[max(0, t - 7) : t].sum() / week if week > 0 else 0.0
    return load, share


def region_state(sim: SimulatedRunner, region: str, now: pd.Timestamp) -> dict:
    """The region's flare state "now": the end (day index) of the last flare begun by then, if any."""
    dates = sim.daily.index
    fl = sim.state["flares_all"]
    own = fl[(fl["region"] == region) & (fl["onset"] <= now)]
    if not len(own):
        return {"had_flare": False, "last_end": None}
    last = own.loc[own["onset"].idxmax()]
    onset_i = int((last["onset"] - dates[0]).days)
    return {"had_flare": True, "last_end": onset_i + int(last["duration_days"]) - 1}


def hazard_paths(
    sim: SimulatedRunner, now, plans: Mapping[str, tuple[float, float]], region: str, horizon_days: int = 28
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The region's hazard on each coming day under each plan, the latent multiplier left out (x1).

    Returns ({plan: hazard per day, 0 on the days not at risk}, at-risk flags per day).
    """
    state = sim.state
    if not state:
        raise ValueError("the runner carries no generator state (simulate_runner of this version sets it)")
    scen = state["scenario"]
    dates = pd.DatetimeIndex(sim.daily.index)
    now = pd.Timestamp(now).normalize()
    i_now = int(dates.get_loc(now))
    if i_now < PLAN_DAYS - 1:
        raise ValueError(f"fewer than {PLAN_DAYS} simulated days up to {now.date()}")
    km = sim.daily["km"].to_numpy(float)[: i_now + 1]
    bs = sim.daily["km_barefoot_style"].to_numpy(float)[: i_now + 1]
    days = i_now + np.arange(1, horizon_days + 1)  # day indices of the horizon
    future = dates[0] + pd.to_timedelta(days, unit="D")
    season = season_multiplier(future.day_of_year.to_numpy(), scen.season_hazard) / state["season_norm"]
    threshold = float(sim.params["threshold_km"])
    st = region_state(sim, region, now)
    if st["had_flare"]:
        since = days - st["last_end"]
        at_risk = since > REFRACTORY_DAYS
        recur = 1.0 + scen.recurrence * np.exp(-(since - 8) / 45.0) if scen.recurrence else np.ones(horizon_days)
    else:
        at_risk = np.ones(horizon_days, bool)
        recur = np.ones(horizon_days)
    fw = scen.footwear_log_hr.get(region, 0.0)
    out = {}
    for name, (f_bs, f_km) in plans.items():
        km_f, bs_f = plan_days(km, bs, f_bs, f_km, horizon_days)
        load, share = _load_and_share(np.r_[km, km_f], np.r_[bs, bs_f], days)
        h = state["base"][region] * season * np.exp(log_dose(load, threshold, scen.dose_log_hr))
        out[name] = np.where(at_risk, h * np.exp(fw * share / 10.0) * recur, 0.0)
    return out, at_risk


def true_risk(
    sim: SimulatedRunner,
    now,
    plans: Mapping[str, tuple[float, float]],
    *,
    horizon_days: int = 28,
    draws: int = 2000,
    seed: int = 0,
    regions: Iterable[str] | None = None,
) -> dict[str, dict]:
    """The true risk of a first onset within ``horizon_days`` after ``now`` under each plan.

    Parameters
    ----------
    sim : SimulatedRunner
        A runner of :func:`benchmarks.generators.runner.simulate_runner` (with its ``state``).
    now : date-like
        The last day of the training repeated; a day of ``sim.daily``, at least 27 days after its first.
    plans : mapping name -> (f_bs, f_km)
        Factor on barefoot-style km and factor on all km (runlog's ``SCENARIOS`` semantics:
        barefoot-style km x f_bs x f_km, all km x f_km).
    horizon_days : int
        Days ahead.
    draws : int
        Futures of the latent vulnerability (none needed, one used, when the scenario has no latent).
    seed : int
        With the runner's seed, fixes the futures (the same for every plan: common random numbers).
    regions : iterable of str, optional
        Default: the runner's watched regions.

    Returns
    -------
    dict
        region -> ``at_risk_next`` (not inside a flare nor its refractory days on the day after
        ``now``), ``at_risk_days`` (of the horizon), ``latent_now`` (the hazard multiplier "now"),
        ``risk`` {plan: probability}, ``mc_se`` {plan: Monte-Carlo SE of it over the futures} and
        ``risk_marginal`` {plan: probability with the latent's value "now" unknown (module notes)}.
    """
    watched = list(regions) if regions is not None else list(sim.params["watched"])
    now = pd.Timestamp(now).normalize()
    paths = {r: hazard_paths(sim, now, plans, r, horizon_days) for r in watched}  # checks state and now
    state = sim.state
    scen = state["scenario"]
    i_now = int(pd.DatetimeIndex(sim.daily.index).get_loc(now))
    # latent futures: the path shared by the regions once, each region's own path; the same for every plan
    sd, phi = float(scen.latent_sd), float(state["phi"])
    k = int(draws) if sd > 0 else 1
    rng = np.random.default_rng([int(sim.params["seed"]), 20240917, int(seed)])
    innov = np.sqrt(1 - phi * phi)

    rng_m = np.random.default_rng([int(sim.params["seed"]), 20240917, int(seed), 1])  # the marginal's own

    def path(start, rng=rng) -> np.ndarray:
        z = rng.standard_normal((k, horizon_days)) * innov
        out = np.empty((k, horizon_days))
        prev = np.broadcast_to(np.asarray(start, float), (k,))
        for j in range(horizon_days):
            prev = phi * prev + z[:, j]
            out[:, j] = prev
        return out

    none = np.zeros((1, horizon_days))
    common = path(float(state["latent_common"][i_now])) if sd > 0 else none
    common_m = path(rng_m.standard_normal(k), rng_m) if sd > 0 else none  # from the stationary N(0, 1)
    out = {}
    for r in watched:
        own = path(float(state["latent_own"][r][i_now])) if sd > 0 else none
        own_m = path(rng_m.standard_normal(k), rng_m) if sd > 0 else none
        latent = np.exp(sd * (np.sqrt(0.6) * common + np.sqrt(0.4) * own) - sd**2 / 2)
        latent_m = np.exp(sd * (np.sqrt(0.6) * common_m + np.sqrt(0.4) * own_m) - sd**2 / 2)
        hazards, at_risk = paths[r]
        risk, se, marginal = {}, {}, {}
        for name, h in hazards.items():
            survive = np.exp(-(latent * h).sum(axis=1))
            risk[name] = float(1.0 - survive.mean())
            se[name] = float(survive.std(ddof=1) / np.sqrt(k)) if k > 1 else 0.0
            marginal[name] = float(1.0 - np.exp(-(latent_m * h).sum(axis=1)).mean())
        out[r] = {
            "at_risk_next": bool(at_risk[0]),
            "at_risk_days": int(at_risk.sum()),
            "latent_now": float(state["latent"][r][i_now]),
            "risk": risk,
            "mc_se": se,
            "risk_marginal": marginal,
        }
    return out
