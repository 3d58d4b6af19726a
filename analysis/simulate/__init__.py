"""A synthetic runner with planted effects: the embedded sample and a test bench.

No real person's diary can ship with runlog, yet ``runlog report`` must show a
new user something real-looking, and the statistics must be tested on data
whose truth is known. This package simulates one runner, all from a seed, and
writes it in the formats runlog reads (a Strava bulk export with FIT and GPX
files, a pain diary, a drills log, a shoes catalog) plus ``truth.json``.

The model
---------
**Training** (:mod:`~analysis.simulate.plan`, :mod:`~analysis.simulate.model`):
16-week base/build/taper cycles ending in a race; easy runs on weekdays and a
long run on Sundays; illness and travel breaks (the first trip of a year is
abroad, in another time zone); occasional "adventure" runs 1.5-2.6 x the usual
long run (large single-run spikes); a New Year's run just after local
midnight. Long runs are in traditional shoes; easy runs move to barefoot-style
footwear (minimalist shoes, sandals, barefoot in summer) along a logistic ramp
over months, with a distance cap that rises as well, so the barefoot-style
share of weekly km rises gradually. Runs have RPE (80 %), pace, HR and cadence
that depend on the shoe class (barefoot-style: cadence +3.5-4.5 %, shorter
steps, 5-7 % shorter ground contact at the same speed; METHODS.md 6), a local
start time in ``tz`` (default Europe/Copenhagen), and Strava-like titles (a
barefoot run has no gear and a "barefoot"/"Barfuß"/"barfod" title).

**Flare onsets** (:mod:`~analysis.simulate.model`): per region (plantar,
achilles, patellar, glute) a discrete-time daily hazard on at-risk days,

    logit P(onset_t) = a_r + b_1 km[t-3, t-1]/10 + b_2 km[t-7, t-4]/10
                     + b_3 km[t-14, t-8]/10 + b_4 km[t-28, t-15]/10
                     + b_5 barefoot-style % of km[t-7, t-1]/10
                     + b_6 small + b_7 moderate + b_8 large spike in [t-3, t-1]
                     + b_9 drill days in [t-7, t-1],

with the spike ratio = run distance / longest run in the previous 30 days
(bins 1.10-1.30, 1.30-2.00, > 2.00; Frandsen et al. 2025). A day is at risk
after a 35-day burn-in, outside an episode, and once the episode's 3 settling
days and 7 flare-free days have passed. The pain runner reacts to flares:
fewer and shorter runs, no barefoot-style run while the foot or Achilles
hurts (reverse causation that the analysis must survive), and more drills
after each flare. ``null=True`` sets every coefficient to 0 with a flat
baseline hazard per region.

**Pain diary** (:mod:`~analysis.simulate.diary`): integer 0-10 self-reports
(morning every logged day, during/after on run days) of a low resting level
with rare +1 blips, and flares that rise to 4-7 for 5-20 days and settle. The
flares meet METHODS.md 4's onset rule on the onset day; the background never
does. About 7 % of days are missed in spells, regions are sometimes left out;
the days around each onset and the settling days are always logged.

**Drills log**: the five foot-intrinsic drills (toe yoga, toe drops, short
foot, toe rainbows, banded big toe with hip external rotation) on drill days.

**Per-second records** (:mod:`~analysis.simulate.samples`) and the files
(:mod:`~analysis.simulate.writers`): see those modules.

Size of the files: a record every 1-5 s (a watch's "smart recording"; one a
second made ~13 MB for two years), no positions in FIT, FIT gzip-compressed as
in Strava's export, and the export shipped as ``export.zip`` only (Strava's
own form): two years come to about 5 MB.

Validation (``tests/test_simulate.py``): the planted coefficients are
recovered by a logistic GLM on the true daily series of 220 simulated
runner-years (all |z| < 4), the null runner shows no effect, and
``analysis.flareups.detect_flareups`` finds every planted onset of the sample
on its day, with no false onsets.

Use
---
>>> from analysis.simulate import simulate_runner, write_runner
>>> runner = simulate_runner(7, days=120, samples=False)
>>> write_runner(runner, "out", write_files=False)   # doctest: +SKIP

or ``python -m analysis.simulate --seed 7 --out DIR [--days D] [--null]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.simulate.activities import dress_others, dress_runs
from analysis.simulate.diary import drills_log, pain_diary
from analysis.simulate.model import run_course
from analysis.simulate.params import TERMS, SimParams, make_params
from analysis.simulate.plan import make_plan
from analysis.simulate.samples import samples_frame
from analysis.simulate.writers import truth_dict, write_runner

__all__ = ["DEFAULT_DAYS", "DEFAULT_SEED", "TERMS", "Runner", "SimParams", "make_params", "simulate_daily",
           "simulate_runner", "truth_dict", "write_runner"]

#: The embedded sample (data/sample): this seed, 730 days from 2023-01-02.
DEFAULT_SEED = 52
DEFAULT_DAYS = 730


@dataclass
class Runner:
    """A simulated runner.

    Attributes
    ----------
    seed : int
    null : bool
        True when no effect was planted.
    params : SimParams
    runs : DataFrame
        The truth per run (one row per run, time order): ``strava_id``,
        ``start_time`` (UTC), ``date`` (local), ``distance_m``, ``shoe``,
        ``shoe_class``, ``kind``, ``rpe``, ``spike_ratio``, ... (see
        :func:`analysis.simulate.activities.dress_runs`).
    others : DataFrame
        Walks and rides of the Strava export (not runs).
    samples : DataFrame or None
        Canonical per-second samples of runs with a file (``activity_id`` =
        ``strava:<id>``); None when not asked for.
    pain : DataFrame
        The diary as written (long; side L, R or B).
    drills : DataFrame
        The drills log.
    daily : DataFrame
        The TRUE daily series: load, the nine hazard features (raw units),
        and per region ``at_risk_*``, ``hazard_*``, ``onset_*``, ``in_flare_*``.
    episodes : DataFrame
        True flare episodes (day numbers from the start).
    diary_facts : dict
        Resting pain levels and days logged.
    """

    seed: int
    null: bool
    params: SimParams
    runs: pd.DataFrame
    others: pd.DataFrame
    samples: pd.DataFrame | None
    pain: pd.DataFrame
    drills: pd.DataFrame
    daily: pd.DataFrame
    episodes: pd.DataFrame
    diary_facts: dict

    @property
    def truth(self) -> dict:
        """What ``truth.json`` holds."""
        return truth_dict(self)


def simulate_daily(seed: int, days: int = DEFAULT_DAYS, null: bool = False, **params) -> pd.DataFrame:
    """Only the TRUE daily series of a runner (no activities, diary or files): fast.

    The same draws as :func:`simulate_runner` with the same arguments, so
    ``simulate_daily(s).equals(simulate_runner(s).daily)``. About 25 ms for two
    years: for hazard benchmarks over hundreds of simulated runner-years.

    Returns
    -------
    DataFrame
        Index ``date``; ``km``, ``km_barefoot_style``, ``runs``, ``drill_day``,
        the nine hazard features in raw units (km, %, 0/1, days; NA where a
        window reaches before day 0 or, for the share, holds no km), and per
        region ``at_risk_<r>``, ``hazard_<r>`` (true daily probability),
        ``onset_<r>`` (0/1), ``in_flare_<r>``.
    """
    p = make_params(null=null, **params)
    plan = make_plan(np.random.default_rng([seed, 1]), days, p)
    return run_course(plan, p, np.random.default_rng([seed, 2])).daily


def simulate_runner(seed: int, days: int = DEFAULT_DAYS, null: bool = False, *, samples: bool = True,
                    **params) -> Runner:
    """Simulate one runner (see the package docstring for the model).

    Parameters
    ----------
    seed : int
        Everything follows from it.
    days : int
        Length of the period, days (from ``start``, default 2023-01-02).
    null : bool
        Plant no effect: all hazard coefficients 0, flat baseline hazards.
    samples : bool
        Build the per-second samples frame (about 1 s per 100 runs). The
        files written by :func:`write_runner` do not need it.
    **params
        Overrides of :class:`~analysis.simulate.params.SimParams` fields, e.g.
        ``tz="Europe/Berlin"``, ``coefficients={...}``, ``intercepts={...}``.

    Returns
    -------
    Runner
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    p = make_params(null=null, **params)
    plan = make_plan(np.random.default_rng([seed, 1]), days, p)
    course = run_course(plan, p, np.random.default_rng([seed, 2]))
    runs = dress_runs(course.runs, plan, p, np.random.default_rng([seed, 3]))
    others = dress_others(plan.others, p, np.random.default_rng([seed, 4]))
    pain, facts = pain_diary(course.episodes, runs, days, p, np.random.default_rng([seed, 5]))
    drills = drills_log(course.daily, np.random.default_rng([seed, 6]))
    frame = samples_frame(runs, p, seed) if samples else None
    return Runner(seed, null, p, runs, others, frame, pain, drills, course.daily, course.episodes, facts)
