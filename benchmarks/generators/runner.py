"""A simulated runner: training, footwear, flare-ups and diary (METHODS.md 5, "Validation").

The validity benchmark needs data whose generating process runlog did not
write. This module imports nothing from ``analysis`` (numpy and pandas only,
plus the sibling :mod:`benchmarks.generators.diary`) and uses none of the
model's functional forms:

==========================  ==================================  =====================================
piece                        runlog's primary model (METHODS 5)  this generator
==========================  ==================================  =====================================
link                         logistic (odds)                     complementary log-log:
                                                                 p = 1 - exp(-h), h a daily hazard
load                         linear +10 km over t-7..t-1, plus   hockey stick (softplus) in a
                             a spline distributed lag 1-28 d     gamma-kernel weighted load (shape
                                                                 2.5, scale 4 days: mode 6 d, tail
                                                                 past 28 d), threshold at the
                                                                 runner's habitual weekly km
footwear                     linear in 7-day barefoot share      log-linear in the same share (the
                                                                 one planted effect with a known
                                                                 OR; see "Truth" below)
heterogeneity over time      none (flare history terms)          latent vulnerability: AR(1) on the
                                                                 log scale, memory 120-240 days
season                       one sine/cosine pair                a narrow summer bump (von Mises
                                                                 shape on the hazard scale)
after a flare                indicator + time since last end     7 days refractory, then a
                                                                 recurrence excess decaying with
                                                                 a 45-day time constant
reverse causation            (a guard: lag >= 1, at-risk days)   runs skipped, shortened and less
                                                                 often barefoot-style while in pain,
                                                                 ramping back over 14 days
pain level (``pain_effect``)  pain trend: linear in km over        latent pain + points per 10 km of an
                             t-7..t-1, AR(1) errors              exponentially weighted weekly km
                                                                 (lags 1-21, scale 3 days), through
                                                                 the diary's rounding and zeros
==========================  ==================================  =====================================

The runner (drawn per seed): 3-6 runs a week on a fixed weekly template with
a long Sunday run; 4-week mesocycles (0.9, 1.0, 1.1, 0.7 of the base volume),
a slow random drift of the volume, 1-3 holidays a year (no running or less,
more barefoot on summer holidays), short illness breaks. Each run is
barefoot-style with a probability that follows the season (more in summer,
``Scenario.barefoot_season`` on the logit scale) and, for half the runners, a
transition trend; barefoot-style runs are shorter and rarely the long run
(confounding by indication, METHODS.md 5 guards). The runner watches one or
two regions: a "problem" region that flares about 8 times per at-risk year
(lognormal across runners, SD 0.3 on the log scale; ~4 a calendar year once
the flares' own weeks are taken out) and, for 60 % of runners, a second one
at about 2. The rate was chosen so that the primary model (10 onsets for its
smallest form) is estimable for about half of the problem regions over 2-3
years; a runner with fewer flares gets "insufficient data", which the
benchmark counts.

Flares: each watched region has a daily onset hazard on its at-risk days
(not inside a flare, not in its 7 refractory days); an onset starts a flare
of peak 4-8 (points, absolute), 7-28 days, rise 1-3 days, on the left,
right or both sides. The flares are rendered into the diary by
:func:`benchmarks.generators.diary.render_diary` (ordinal, autocorrelated
noise of SD 0.5-1 point, zero inflation, 10-30 % missing days, more while in
pain), with the runner's real run days.

Truth: the estimands of DESIGN.md "Findings JSON" per watched region.

* ``barefoot_share_7d`` (OR per +10 points of the barefoot-style share of km
  over t-7..t-1): the hazard is log-linear in that share, so the true hazard
  ratio is exp(beta) exactly; with daily onset probabilities below ~0.02 the
  odds ratio differs from it by under 2 % (the truth reported is exp(beta)).
* ``km_7d`` (OR per +10 km over t-7..t-1): the dose is non-linear, so there is
  no single OR. The truth is defined as the average, over the runner's
  at-risk diary days, of the change in log hazard when 10 km more are spread
  evenly over days t-7..t-1 with everything else fixed (a conditional causal
  effect). Under no load effect it is OR 1 exactly. The hazard-weighted
  average is returned too (``km_7d_event_weighted``).

* Pain trend terms (``params["pain_truth"]``, points of morning pain per
  +10 km over t-7..t-1, barefoot-style km at the same total and total km):
  0 where no pain-level effect is planted. Under ``pain_effect`` the
  latent effect of 10 km spread over t-7..t-1 is the planted points times
  the kernel's weight on lags 1-7 (0.90); the truth is what that does to
  the diary as written (rounded, clipped, zeros), averaged over the
  region's logged mornings (:func:`_pain_truth`). Flares and the other
  scenarios' effects on flares are not part of it.

The day-by-day loop is hand-written because it *is* the data-generating
process (load depends on today's pain, the hazard on yesterday's load).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from benchmarks.generators.diary import IN_PAIN_POINTS, flare_curve, render_diary

REGIONS: tuple[str, ...] = ("plantar", "achilles", "patellar", "glute")
#: the order of the estimands in :attr:`SimulatedRunner.truth`
ESTIMANDS: tuple[str, ...] = ("barefoot_share_7d", "km_7d")
#: the pain trend's load terms (points of morning pain per +10 km over t-7..t-1), truths in params["pain_truth"]
PAIN_TERMS: tuple[str, ...] = ("barefoot_km_7d", "km_7d")
TZ = "Europe/Berlin"
#: days of run history before the diary starts (the lags need them)
HISTORY_DAYS = 70
#: the gamma lag kernel of the load (days); weights for lags 1..KERNEL_DAYS
KERNEL_SHAPE, KERNEL_SCALE_DAYS, KERNEL_DAYS = 2.5, 4.0, 60
#: the exponential lag of an effect on the pain level: weights of lags 1..PAIN_LAG_DAYS, scale in days
PAIN_LAG_DAYS, PAIN_LAG_SCALE_DAYS = 21, 3.0
#: days after a flare's last day with no onset hazard
REFRACTORY_DAYS = 7
#: weekly run templates (0 = Monday); the last day is the long run
TEMPLATES: dict[int, tuple[int, ...]] = {
    3: (1, 3, 6),
    4: (1, 3, 5, 6),
    5: (0, 1, 3, 5, 6),
    6: (0, 1, 2, 3, 5, 6),
}
MESOCYCLE: tuple[float, ...] = (0.9, 1.0, 1.1, 0.7)
#: shoes: (gear_name, shoe_class, minimalist_index %)
SHOES: dict[str, tuple[str, str, float | None]] = {
    "traditional": ("Brooks Ghost 15", "traditional", 16.0),
    "partial": ("Saucony Kinvara 14", "partial", 48.0),
    "minimalist": ("Vivobarefoot Primus Lite", "minimalist", 96.0),
    "barefoot": ("barefoot", "barefoot", None),
}
RUN_COLUMNS: dict[str, str] = {
    "start_time": "datetime64[ns, UTC]",
    "date": "datetime64[ns]",
    "sport": "string",
    "name": "string",
    "description": "string",
    "distance_m": "Float64",
    "moving_time_s": "Float64",
    "elapsed_time_s": "Float64",
    "avg_heart_rate_bpm": "Float64",
    "avg_cadence_spm": "Float64",
    "elevation_gain_m": "Float64",
    "rpe": "Float64",
    "gear_id": "string",
    "gear_name": "string",
    "shoe_class": "string",
    "minimalist_index": "Float64",
    "shoe_rule": "string",
    "source": "string",
    "source_file": "string",
}


@dataclass(frozen=True)
class Scenario:
    """What the generator plants (hazard scale; 0 switches a piece off).

    Attributes
    ----------
    name : str
    footwear_log_hr : mapping region -> float
        Log hazard ratio per +10 points of the 7-day barefoot-style share.
    dose_log_hr : float
        Log hazard ratio per +10 km of gamma-weighted weekly load above the
        runner's threshold (the slope of the hockey stick).
    latent_sd : float
        Marginal SD of the log latent vulnerability.
    reverse : bool
        Load and barefoot-style running drop while in pain.
    season_hazard : float
        Height of the summer bump of the baseline hazard (multiplier - 1 at its peak).
    barefoot_season : float
        Amplitude (logit scale) of the seasonal barefoot-style share.
    recurrence : float
        Hazard excess right after the refractory days (multiplier - 1), decaying.
    pain_barefoot_points, pain_km_points : float
        An effect on the pain level, not on flares: points of latent pain (both
        sides of every watched region) per +10 km of barefoot-style km and of
        total km, each an exponentially weighted weekly exposure
        (:func:`pain_exposure`). 0 switches it off.
    """

    name: str
    footwear_log_hr: Mapping[str, float] = field(default_factory=dict)
    dose_log_hr: float = 0.0
    latent_sd: float = 0.0
    reverse: bool = False
    season_hazard: float = 0.0
    barefoot_season: float = 1.0
    recurrence: float = 0.0
    pain_barefoot_points: float = 0.0
    pain_km_points: float = 0.0

    @property
    def pain_effect(self) -> bool:
        """An effect of load or footwear on the pain level is planted."""
        return bool(self.pain_barefoot_points or self.pain_km_points)

    @property
    def null(self) -> bool:
        """No footwear and no load effect at all (on flare-ups nor on the pain level)."""
        return self.dose_log_hr == 0 and not any(self.footwear_log_hr.values()) and not self.pain_effect


FOOTWEAR_OR = 1.4
#: the pain_effect scenario: latent points per +10 km of weekly barefoot-style / total km (exponential lag)
PAIN_BAREFOOT_POINTS, PAIN_KM_POINTS = 0.4, 0.15
SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("null_flat"),
        Scenario("null_latent", latent_sd=0.8),
        Scenario("null_reverse", reverse=True),
        Scenario("null_seasonal", season_hazard=2.0, barefoot_season=2.0),
        Scenario(
            "footwear_effect",
            footwear_log_hr={"achilles": float(np.log(FOOTWEAR_OR)), "plantar": float(np.log(FOOTWEAR_OR))},
            latent_sd=0.5,
            reverse=True,
            recurrence=1.0,
        ),
        Scenario("load_effect", dose_log_hr=float(np.log(4.0)), latent_sd=0.5, reverse=True, recurrence=1.0),
        Scenario("pain_effect", pain_barefoot_points=PAIN_BAREFOOT_POINTS, pain_km_points=PAIN_KM_POINTS,
                 latent_sd=0.5, reverse=True, recurrence=1.0),
    )
}


@dataclass
class SimulatedRunner:
    """One simulated runner: what runlog gets, and what it should find.

    Attributes
    ----------
    runs : DataFrame
        Canonical runs frame (DESIGN.md "runs"), index ``activity_id``.
    pain : DataFrame
        Canonical long pain frame, from :func:`render_diary`.
    flares : DataFrame
        Planted flares inside the diary: ``region``, ``side``, ``onset``,
        ``end``, ``peak``, ``duration_days``, ``rise_days``.
    daily : DataFrame
        The hidden daily series (index date): ``km``, ``km_barefoot_style``,
        ``load_w_km`` (gamma-weighted weekly load), ``in_pain``, and per
        watched region ``hazard_<region>`` (NaN when not at risk).
    truth : dict
        region -> {estimand -> true OR}, for the watched regions.
    params : dict
        The runner's drawn characteristics and diary settings.
    state : dict
        What the hazard was made of, for computing a true risk forward
        (:mod:`benchmarks.generators.forward`): ``scenario`` (the Scenario),
        ``base`` (region -> base daily hazard), ``season_norm`` (the divisor of
        :func:`season_multiplier` over the simulated days), ``phi`` (the latent
        AR(1) coefficient), ``latent_common`` (the shared AR(1) path, SD 1, one
        per simulated day), ``latent_own`` (region -> its own path),
        ``latent`` (region -> the hazard multiplier of each day) and
        ``flares_all`` (every flare simulated, the days before and after the
        diary included: ``region``, ``onset``, ``duration_days``). Reading it
        draws nothing: the runner is the one the seed gives without it.
    """

    runs: pd.DataFrame
    pain: pd.DataFrame
    flares: pd.DataFrame
    daily: pd.DataFrame
    truth: dict
    params: dict
    state: dict = field(default_factory=dict)


def lag_kernel() -> np.ndarray:
    """Weights of lags 1..KERNEL_DAYS (sum 1): a discretised gamma density."""
    lags = np.arange(1, KERNEL_DAYS + 1, dtype=float)
    w = lags ** (KERNEL_SHAPE - 1) * np.exp(-lags / KERNEL_SCALE_DAYS)
    return w / w.sum()


def pain_lag_kernel() -> np.ndarray:
    """Weights of lags 1..PAIN_LAG_DAYS (sum 1) of an effect on the pain level: exp(-lag / scale)."""
    w = np.exp(-np.arange(1, PAIN_LAG_DAYS + 1, dtype=float) / PAIN_LAG_SCALE_DAYS)
    return w / w.sum()


def pain_exposure(km: np.ndarray) -> np.ndarray:
    """Exponentially weighted weekly km of each day (7 x the kernel over km on days t-1..t-21)."""
    x = np.asarray(km, dtype=float)
    return 7.0 * np.convolve(x, np.r_[0.0, pain_lag_kernel()])[: len(x)]


def log_dose(load_w_km: np.ndarray, threshold_km: float, slope: float, soft_km: float = 3.0) -> np.ndarray:
    """Log hazard multiplier of the load: ``slope`` per 10 km above a soft threshold."""
    x = (np.asarray(load_w_km, dtype=float) - threshold_km) / soft_km
    return slope * np.logaddexp(0.0, x) * soft_km / 10.0


def season_multiplier(day_of_year: np.ndarray, height: float, peak_day: float = 200.0, kappa: float = 3.0):
    """A summer bump of the hazard: 1 + height * exp(kappa * (cos(angle) - 1))."""
    angle = 2 * np.pi * (np.asarray(day_of_year, dtype=float) - peak_day) / 365.25
    return 1.0 + height * np.exp(kappa * (np.cos(angle) - 1.0))


def load_w_day(km: np.ndarray, t: int, kernel: np.ndarray) -> float:
    """Gamma-weighted weekly load of day ``t`` (km): 7 x the kernel over km on days t-1, t-2, ... (t-60)."""
    lo = max(0, t - len(kernel))
    past = km[lo:t][::-1]
    return 7.0 * float(np.dot(kernel[: len(past)], past))


def share_7d_day(km: np.ndarray, km_bf: np.ndarray, t: int) -> float:
    """Barefoot-style share (%) of the km on days t-7..t-1 of day ``t`` (0 without km)."""
    week_km = km[max(0, t - 7) : t].sum()
    return 100.0 * km_bf[max(0, t - 7) : t].sum() / week_km if week_km > 0 else 0.0


def day_hazard(
    base: float, season: float, latent: float, load_w: float, share: float, since: int, had_flare: bool,
    threshold: float, scen: Scenario, region: str,
) -> float:
    """The onset hazard of an at-risk day (``since`` > 7 days after the last flare's end; ``had_flare``:
    there was one): base x season x latent x dose x footwear x recurrence."""
    h = base * season * latent
    h *= np.exp(log_dose(load_w, threshold, scen.dose_log_hr))
    h *= np.exp(scen.footwear_log_hr.get(region, 0.0) * share / 10.0)
    if scen.recurrence and had_flare:
        h *= 1.0 + scen.recurrence * np.exp(-(since - 8) / 45.0)
    return h


def _logit(p):
    return np.log(p / (1 - p))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    out = np.empty(n)
    if n == 0:
        return out
    eps = rng.normal(0.0, sd * np.sqrt(1 - phi * phi), n)
    out[0] = rng.normal(0.0, sd)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + eps[t]
    return out


def draw_traits(rng: np.random.Generator, years: int | None = None) -> dict:
    """The runner's own characteristics (everything scenario-independent)."""
    primary = str(rng.choice(REGIONS, p=[0.35, 0.35, 0.15, 0.15]))
    others = [r for r in REGIONS if r != primary]
    watched = [primary] + ([str(rng.choice(others))] if rng.random() < 0.6 else [])
    rates = {primary: float(rng.lognormal(np.log(8.0), 0.3))}
    for r in watched[1:]:
        rates[r] = float(rng.lognormal(np.log(2.0), 0.4))
    return {
        "years": int(years if years is not None else rng.integers(2, 4)),
        "diary_start": pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 365))),
        "weekly_km": float(np.clip(rng.lognormal(np.log(35.0), 0.35), 12.0, 90.0)),
        "runs_per_week": int(rng.choice([3, 4, 5, 6], p=[0.3, 0.35, 0.25, 0.1])),
        "pace_s_per_km": float(rng.uniform(270, 400)),
        "barefoot_base": float(rng.uniform(0.05, 0.30)),
        "barefoot_trend_per_year": float(rng.choice([0.0, rng.uniform(0.2, 0.8)])),
        "watched": watched,
        "onsets_per_at_risk_year": rates,
        "memory_days": float(rng.uniform(120, 240)),
        "diary": {
            "baseline": {r: float(rng.uniform(0.3, 1.8)) for r in watched},
            "noise_sd": float(rng.uniform(0.5, 1.0)),
            "ar": float(rng.uniform(0.3, 0.8)),
            "zero_inflation": float(rng.uniform(0.0, 0.3)),
            "missing": float(rng.uniform(0.10, 0.30)),
            "missing_in_pain": float(rng.uniform(1.5, 3.0)),
        },
    }


def _plan(rng: np.random.Generator, dates: pd.DatetimeIndex, traits: dict, scen: Scenario):
    """Planned km per day (no pain), long-run flags, barefoot-style probability, holiday flags."""
    n = len(dates)
    dow = dates.day_of_week.to_numpy()
    doy = dates.day_of_year.to_numpy()
    week = (dates - dates[0]).days.to_numpy() // 7
    template = TEMPLATES[traits["runs_per_week"]]
    is_run_day = np.isin(dow, template)
    is_long = dow == template[-1]
    n_weeks = int(week.max()) + 1
    drift = np.exp(_ar1(rng, n_weeks, 0.97, 0.12))
    meso = np.array(MESOCYCLE)[(np.arange(n_weeks) + int(rng.integers(0, 4))) % 4]
    weekly = traits["weekly_km"] * drift * meso
    long_share = 0.35 if len(template) == 3 else 0.3
    other_share = (1 - long_share) / (len(template) - 1)
    km = np.where(is_long, long_share, other_share) * weekly[week] * rng.lognormal(0.0, 0.15, n)
    km = np.where(is_run_day, np.maximum(km, 2.0), 0.0)
    km[rng.random(n) < 0.08] = 0.0  # skipped sessions
    # holidays (1-3 a year, 7-16 days) and illness (about 2 a year, 3-7 days)
    holiday = np.zeros(n, dtype=bool)
    hol_factor = np.ones(n)
    years = max(n / 365.25, 1.0)
    for _ in range(int(rng.poisson(2.0 * years))):
        s = int(rng.integers(0, n))
        e = s + int(rng.integers(7, 17))
        holiday[s:e] = True
        hol_factor[s:e] = 0.0 if rng.random() < 0.5 else 0.6
    for _ in range(int(rng.poisson(2.0 * years))):
        s = int(rng.integers(0, n))
        hol_factor[s : s + int(rng.integers(3, 8))] = 0.0
    km = km * hol_factor
    t_years = (dates - dates[0]).days.to_numpy() / 365.25
    angle = 2 * np.pi * (doy - 196) / 365.25
    logit_bf = (
        _logit(traits["barefoot_base"])
        + scen.barefoot_season * np.cos(angle)
        + traits["barefoot_trend_per_year"] * t_years
        + np.where(holiday & (np.cos(angle) > 0.5), 1.0, 0.0)
    )
    p_bf = _expit(logit_bf) * np.where(is_long, 0.25, 1.0)
    return km, is_long, p_bf


def _runs_frame(
    rng: np.random.Generator, dates: pd.DatetimeIndex, km: np.ndarray, shoe: np.ndarray, traits: dict
) -> pd.DataFrame:
    idx = np.flatnonzero(km > 0)
    d = dates[idx]
    evening = rng.random(len(idx)) < 0.4
    minutes = np.where(evening, 18 * 60, 7 * 60) + rng.integers(-45, 46, len(idx))
    local = d + pd.to_timedelta(minutes, unit="min")
    start = local.tz_localize(TZ, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
    dist_m = np.round(km[idx] * 1000.0, 1)
    pace = traits["pace_s_per_km"] * rng.lognormal(0.0, 0.05, len(idx))
    moving = np.round(km[idx] * pace)
    names = [SHOES[c][0] for c in shoe[idx]]
    classes = [SHOES[c][1] for c in shoe[idx]]
    mi = [SHOES[c][2] for c in shoe[idx]]
    frame = pd.DataFrame(
        {
            "start_time": start,
            "date": d,
            "sport": "running",
            "name": np.where(evening, "Evening Run", "Morning Run"),
            "description": None,
            "distance_m": dist_m,
            "moving_time_s": moving,
            "elapsed_time_s": np.round(moving * rng.uniform(1.0, 1.1, len(idx))),
            "avg_heart_rate_bpm": np.round(rng.normal(145, 8, len(idx))),
            "avg_cadence_spm": np.round(rng.normal(168, 5, len(idx))),
            "elevation_gain_m": np.round(km[idx] * rng.uniform(3, 15, len(idx))),
            "rpe": None,
            "gear_id": [n.lower().replace(" ", "-") for n in names],
            "gear_name": names,
            "shoe_class": classes,
            "minimalist_index": mi,
            "shoe_rule": "generator",
            "source": "csv",
            "source_file": "simulated",
        },
        index=pd.Index([f"sim-{i:05d}" for i in range(len(idx))], name="activity_id", dtype="string"),
    )
    frame = frame[frame["start_time"].notna()]
    return frame.astype(RUN_COLUMNS)


def simulate_runner(
    seed: int,
    scenario: str | Scenario,
    *,
    years: int | None = None,
    rate_scale: float = 1.0,
    follow_days: int = 0,
) -> SimulatedRunner:
    """Simulate one runner under a scenario (see the module notes).

    Parameters
    ----------
    seed : int
        The runner's seed; with the scenario's name it fixes everything.
    scenario : str or Scenario
        A key of :data:`SCENARIOS`, or a Scenario.
    years : int, optional
        Diary length in years (default: 2 or 3, drawn).
    rate_scale : float
        Multiplies every region's onset rate (per at-risk year).
    follow_days : int
        Days the runner goes on training (and flaring) after the diary's last day, unseen by runlog:
        ``runs``, ``pain`` and ``flares`` stop at the diary's end, ``params["follow"]`` says per
        watched region whether it was at risk on the first day after and the first onset within
        these days (the outcome the absolute risk predicts). With 0 (default) the runner is the one
        the seed always gave; with more days the draws differ (another runner, as a new seed).

    Returns
    -------
    SimulatedRunner
    """
    scen = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    code = sum(ord(c) * 31**i for i, c in enumerate(scen.name)) % (2**31)
    rng = np.random.default_rng([int(seed), code])
    traits = draw_traits(np.random.default_rng([int(seed), 7]), years)  # same runner in every scenario
    watched: list[str] = traits["watched"]
    diary_start = traits["diary_start"]
    diary_end = diary_start + pd.DateOffset(years=traits["years"]) - pd.Timedelta(days=1)
    last_day = diary_end + pd.Timedelta(days=int(follow_days))
    dates = pd.date_range(diary_start - pd.Timedelta(days=HISTORY_DAYS), last_day, freq="D").as_unit("ns")
    n = len(dates)
    in_diary = (dates >= diary_start) & (dates <= diary_end)
    doy = dates.day_of_year.to_numpy()

    plan_km, is_long, p_bf = _plan(rng, dates, traits, scen)
    u_skip, u_shoe, u_sub = rng.random(n), rng.random(n), rng.random(n)
    short = rng.uniform(0.5, 0.8, n)  # barefoot-style runs are shorter
    kernel = lag_kernel()

    # normalisers: mean multipliers of the no-pain plan, so the base rate is what was asked
    bf_plan = np.where(u_shoe < p_bf, plan_km * short, 0.0)
    tot_plan = np.where(u_shoe < p_bf, plan_km * short, plan_km)
    load_plan = 7.0 * np.convolve(tot_plan, np.r_[0.0, kernel])[:n]
    threshold = float(np.median(pd.Series(tot_plan).rolling(7).sum().dropna()))
    share_plan = _share_7d(bf_plan, tot_plan)
    sel = in_diary
    norm_dose = float(np.mean(np.exp(log_dose(load_plan[sel], threshold, scen.dose_log_hr))))
    season = season_multiplier(doy, scen.season_hazard)
    season_norm = float(season.mean())
    season = season / season_norm
    latent, latent_own = {}, {}
    phi = np.exp(-1.0 / traits["memory_days"])
    common = np.zeros(n)
    for r in watched:
        common = _ar1(np.random.default_rng([int(seed), code, 1]), n, phi, 1.0)  # the same path for every region
        own = latent_own[r] = _ar1(rng, n, phi, 1.0)
        v = scen.latent_sd * (np.sqrt(0.6) * common + np.sqrt(0.4) * own)
        latent[r] = np.exp(v - scen.latent_sd**2 / 2)
    base = {}
    for r in watched:
        b = scen.footwear_log_hr.get(r, 0.0)
        norm_fw = float(np.mean(np.exp(b * share_plan[sel] / 10.0)))
        base[r] = traits["onsets_per_at_risk_year"][r] * rate_scale / 365.25 / (norm_dose * norm_fw)

    # the day-by-day process
    km = np.zeros(n)
    km_bf = np.zeros(n)
    shoe = np.full(n, "traditional", dtype=object)
    load_w = np.zeros(n)
    share = np.zeros(n)
    hazard = {r: np.full(n, np.nan) for r in watched}
    state_end = dict.fromkeys(watched, -(10**6))  # last day of the current/last flare
    pain_level = np.zeros(n)  # max flare curve over regions (points above rest)
    pain_end = -(10**6)
    flares = []
    rests = traits["diary"]["baseline"]
    for t in range(n):
        load_w[t] = load_w_day(km, t, kernel)
        share[t] = share_7d_day(km, km_bf, t)
        # today's training, given today's pain
        factor_run, factor_bf = 1.0, 1.0
        if scen.reverse:
            if pain_level[t] >= IN_PAIN_POINTS:
                pain_end = t
                ramp = 0.0
            else:
                ramp = min(1.0, (t - pain_end) / 14.0)
            factor_run = 0.35 + 0.65 * ramp
            factor_bf = 0.3 + 0.7 * ramp
        if plan_km[t] > 0 and u_skip[t] < factor_run:
            dist = plan_km[t] * (0.6 + 0.4 * (factor_run - 0.35) / 0.65)
            if u_shoe[t] < p_bf[t] * factor_bf:
                dist *= short[t]
                shoe[t] = (
                    "barefoot"
                    if (u_sub[t] < 0.3 and np.cos(2 * np.pi * (doy[t] - 196) / 365.25) > 0)
                    else "minimalist"
                )
                km_bf[t] = dist
            else:
                shoe[t] = "partial" if u_sub[t] < 0.3 else "traditional"
            km[t] = dist
        # onsets
        for r in watched:
            since = t - state_end[r]
            if since <= REFRACTORY_DAYS:  # inside a flare (since <= 0) or its refractory days
                continue
            h = day_hazard(base[r], season[t], latent[r][t], load_w[t], share[t], since, state_end[r] > -(10**6),
                           threshold, scen, r)
            hazard[r][t] = h
            if rng.random() < 1.0 - np.exp(-h):
                peak = int(rng.integers(4, 9))
                dur = int(rng.integers(7, 29))
                rise = int(rng.integers(1, 4))
                side = str(rng.choice(["L", "R", "B"], p=[0.4, 0.4, 0.2]))
                flares.append(
                    {
                        "region": r,
                        "side": side,
                        "onset": dates[t],
                        "peak": peak,
                        "duration_days": dur,
                        "rise_days": rise,
                    }
                )
                state_end[r] = t + dur - 1
                curve = flare_curve(peak, dur, rests[r], rise)
                hi = min(n, t + dur)
                pain_level[t:hi] = np.maximum(pain_level[t:hi], curve[: hi - t])

    flare_frame = pd.DataFrame(
        flares, columns=["region", "side", "onset", "peak", "duration_days", "rise_days"]
    )
    runs = _runs_frame(rng, dates, km, shoe, traits)
    if follow_days:
        runs = runs[runs["date"] <= diary_end]
    diary_days = dates[in_diary]
    run_mask = (km > 0)[in_diary]
    dp = traits["diary"]
    diary_kw = {
        "regions": watched,
        "baseline": dp["baseline"],
        "noise_sd": dp["noise_sd"],
        "ar": dp["ar"],
        "zero_inflation": dp["zero_inflation"],
        "missing": dp["missing"],
        "missing_in_pain": dp["missing_in_pain"],
        "run_days": run_mask,
    }
    pain, planted, pain_truth = _diary(scen, rng, flare_frame, diary_start, diary_end, km, km_bf, in_diary,
                                       diary_kw)
    diary_attrs = dict(planted.attrs)
    planted = planted[(planted["onset"] >= diary_start) & (planted["onset"] <= diary_end)].reset_index(drop=True)
    planted.attrs = {}  # the diary's attrs (a DatetimeIndex among them) would break pd.concat of many runners
    daily = pd.DataFrame(
        {
            "km": km,
            "km_barefoot_style": km_bf,
            "load_w_km": load_w,
            "share_7d_pct": share,
            "in_pain": pain_level >= IN_PAIN_POINTS,
        },
        index=pd.DatetimeIndex(dates, name="date"),
    )
    for r in watched:
        daily[f"hazard_{r}"] = hazard[r]
    truth = _truth(scen, watched, load_w, threshold, hazard, in_diary, kernel)
    params = {
        **traits,
        "scenario": scen.name,
        "seed": int(seed),
        "threshold_km": threshold,
        "diary_start": str(diary_start.date()),
        "diary_end": str(diary_end.date()),
        "diary_days": int(len(diary_days)),
        "missing_share": diary_attrs.get("missing_share"),
        "missing_share_in_pain": diary_attrs.get("missing_share_in_pain"),
        "pain_truth": pain_truth,
    }
    if follow_days:
        params["follow"] = _follow(flare_frame, watched, diary_end, int(follow_days))
    state = {
        "scenario": scen,
        "base": base,
        "season_norm": season_norm,
        "phi": float(phi),
        "latent_common": common,
        "latent_own": latent_own,
        "latent": latent,
        "flares_all": flare_frame[["region", "onset", "duration_days"]].copy(),
    }
    return SimulatedRunner(runs=runs, pain=pain, flares=planted, daily=daily, truth=truth, params=params,
                           state=state)


def _follow(flares: pd.DataFrame, watched, diary_end: pd.Timestamp, days: int) -> dict:
    """Per watched region: at risk on the day after the diary (no flare nor its 7 refractory days running
    then) and the first onset within ``days`` after the diary (ISO date, or None)."""
    out = {}
    after = diary_end + pd.Timedelta(days=1)
    for r in watched:
        own = flares[flares["region"] == r]
        before = own[own["onset"] <= diary_end]
        ends = before["onset"] + pd.to_timedelta(before["duration_days"] - 1, unit="D")
        busy = bool(len(before)) and bool((ends + pd.Timedelta(days=REFRACTORY_DAYS) >= after).any())
        later = own[(own["onset"] > diary_end) & (own["onset"] <= diary_end + pd.Timedelta(days=days))]
        out[r] = {"at_risk_after": not busy,
                  "onset_within": str(later["onset"].min().date()) if len(later) else None}
    return out


def _share_7d(bf: np.ndarray, tot: np.ndarray) -> np.ndarray:
    """Barefoot-style share (%) of km over t-7..t-1 (0 without km)."""
    c_bf = np.r_[0.0, np.cumsum(bf)]
    c_tot = np.r_[0.0, np.cumsum(tot)]
    t = np.arange(len(bf))
    lo = np.maximum(t - 7, 0)
    s_bf, s_tot = c_bf[t] - c_bf[lo], c_tot[t] - c_tot[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s_tot > 0, 100.0 * s_bf / s_tot, 0.0)


def _truth(scen: Scenario, watched, load_w, threshold, hazard, in_diary, kernel) -> dict:
    """True ORs of the two estimands per watched region (module notes, "Truth")."""
    delta_w = 10.0 * float(kernel[:7].sum())  # +10 km spread over t-7..t-1, in weighted-weekly km
    out = {}
    for r in watched:
        at_risk = in_diary & np.isfinite(hazard[r])
        step = log_dose(load_w + delta_w, threshold, scen.dose_log_hr) - log_dose(
            load_w, threshold, scen.dose_log_hr
        )
        km_day = float(np.mean(step[at_risk])) if at_risk.any() else 0.0
        w = hazard[r][at_risk]
        km_event = float(np.sum(step[at_risk] * w) / np.sum(w)) if at_risk.any() and w.sum() > 0 else 0.0
        out[r] = {
            "barefoot_share_7d": float(np.exp(scen.footwear_log_hr.get(r, 0.0))),
            "km_7d": float(np.exp(km_day)),
            "km_7d_event_weighted": float(np.exp(km_event)),
        }
    return out


def _diary(scen: Scenario, rng: np.random.Generator, flares: pd.DataFrame, start, end, km: np.ndarray,
           km_bf: np.ndarray, in_diary: np.ndarray, diary_kw: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The diary, its planted flares and the pain trend's truths (with the scenario's pain-level effect)."""
    regions = diary_kw["regions"]
    if not scen.pain_effect:
        pain, planted = render_diary(flares, start, end, rng, **diary_kw)
        return pain, planted, {r: dict.fromkeys(PAIN_TERMS, 0.0) for r in regions}
    one = (scen.pain_barefoot_points * pain_exposure(km_bf) + scen.pain_km_points * pain_exposure(km)) / 10.0
    shift = np.repeat(one[in_diary][:, None], len(regions), axis=1)
    again = copy.deepcopy(rng)  # the same noise and missing days again, for the truth
    pain, planted = render_diary(flares, start, end, rng, level_shift=shift, **diary_kw)
    return pain, planted, _pain_truth(scen, pain, shift, flares, start, end, again, diary_kw)


def _pain_truth(scen: Scenario, pain: pd.DataFrame, shift: np.ndarray, flares: pd.DataFrame, start, end,
                rng: np.random.Generator, diary_kw: dict) -> dict:
    """True effects on the diary's morning pain per watched region (module notes, "Truth").

    Moving 10 km (or adding 10 km) spread evenly over days t-7..t-1 raises day t's latent pain by
    ``points x`` the kernel's weight on lags 1-7. What the diary shows is less: entries are rounded,
    clipped at 0 and sometimes written 0. So the diary is written again from the same random state with
    the latent pain that much higher on every day, and the truth is the mean change of the day's morning
    pain (the higher side, as runlog reads it) over the region's logged mornings.
    """
    w7 = float(pain_lag_kernel()[:7].sum())
    base = _morning_max(pain)
    out = {r: {} for r in diary_kw["regions"]}
    for term, points in zip(PAIN_TERMS, (scen.pain_barefoot_points, scen.pain_km_points), strict=True):
        again, _ = render_diary(flares, start, end, copy.deepcopy(rng), level_shift=shift + points * w7,
                                **diary_kw)
        diff = (_morning_max(again) - base).groupby(level="region").mean()
        for r in out:
            out[r][term] = float(diff.get(r, 0.0))
    return out


def _morning_max(pain: pd.DataFrame) -> pd.Series:
    """Morning pain per (date, region): the higher of the two sides."""
    m = pain[pain["time_of_day"] == "morning"]
    return m.groupby(["date", "region"])["pain"].max().astype(float)


def with_overrides(name: str, **changes) -> Scenario:
    """A named scenario with some fields changed (for experiments and tests)."""
    return replace(SCENARIOS[name], **changes)
