"""Flare-up onsets and episodes from morning pain, and the at-risk days (METHODS.md 4 and 5).

Two rules, chosen by ``rule`` (every number is a parameter of :class:`FlareRule`):

* ``rule="adaptive"`` (**the default**; a measured deviation from METHODS.md 4,
  see below): a level that scales with the person's own day-to-day spread,
  persistence on the next logged mornings, and the onset dated back to the
  start of the rise.
* ``rule="methods"``: the METHODS.md 4 default rule, unchanged.
* ``rule="hmm"`` (session 6, not the default): a retrospective two-state
  (calm / flare) hidden Markov smoother on the whole morning series
  (:mod:`analysis.flare_hmm`) finds the flares; see below.

Common to all three:

* **Outcome item**: morning (first-steps) pain, the item logged the same way on
  every day. During/after pain exists only on run days, so a rule on it (or on
  the daily maximum) would find more flares on run days: detection would
  depend on exposure. A region without any morning entry falls back to the
  item logged on at least ``fallback_min_share`` (90 %) of its logged days,
  never to the maximum over run-day items, and says so (``attrs["notes"]``).
  "Logged every day" is measured on the days the diary has any entry.
* **Sides merge** first: the region's series is the worse side each day (the
  side that is logged when only one is). The side that met the level on the
  day the rule fired is kept as an attribute (``L``, ``R`` or ``B`` for both).
* **Baseline** B = median of the previous ``baseline_days`` logged mornings
  outside any episode (at least 10 of them; with fewer, no onset can be
  detected and the day is not at risk); spread S of the same mornings, at
  least 0.5 points.
* **Red flag**: a morning > 5 whose next logged morning is >= B + 2 is an
  onset (rule ``red flag confirmed``); any value > 5 is listed either way.
* **Episode end**: the third of 3 consecutive logged mornings <= B + 1 (B as
  of the onset). An episode still open at the end of the diary has no end.
* **Refractory days**: a new onset needs >= 7 flare-free days after the end
  (onset > end + 7). A rule that fires sooner re-opens the previous episode
  (counted in ``reopened``): it is never a new onset. Refractory days are not
  at risk.

``rule="methods"`` (METHODS.md 4): baseline over 28 mornings, S = MAD x 1.4826;
onset on day t when morning pain >= L = max(B + 2, B + 2 S, 3) on t and on at
least 2 of the 3 consecutive logged mornings starting at t (within 7 days),
dated to t.

``rule="adaptive"`` (default): baseline over 112 logged flare-free mornings,
S = their SD (at least 0.5); the rule **fires** on day t when morning pain on t
is >= max(B + 2, 3) and either (a) >= L = max(B + 2, B + 4 S, 3) on t and on 2
of the 3 logged mornings starting at t, or (b) 2 of those 3 logged mornings are
>= max(B + 2, 3) and the 3 average >= M = max(B + 2, B + 3.25 S, 3); the 3
mornings lie within 10 calendar days of t. The onset is then **dated back** to the earliest of up to 3 logged
mornings just before t (within 4 days of t, each >= B + 2, contiguous with t)
- the start of the rise, as a CUSUM change-point estimate would date it.
Why it deviates (benchmarks/README.md, ``detector.py``): on integer diaries
the MAD of a calm window is 0 whenever most mornings share one value, so
METHODS.md's level sits at its floor of 3 and noise of SD 0.75-1 point gives
0.3-2 false onsets per region-year (target <= 0.3). The SD over 112 mornings
is not 0 and tracks the noise; the long window keeps a calm stretch from
lowering it; the mean criterion (b) catches moderate flares that persist
without two mornings at L (it needs 2 mornings >= B + 2 too, so a lone bad
morning followed by settled ones stays a red flag, as METHODS.md 4 says); backdating recovers onsets first confirmed a
day or two into the rise.

**Gap dating** (session 13, adaptive rule; ``gap_dating_days``, 0 = off, as in
the ``methods`` and ``hmm`` presets): when the onset's morning (after
backdating) follows g unlogged days, the flare began on one of those days or
that morning, and the diary cannot say which. The onset is dated to the middle
of those g + 1 days, ceil(g / 2) days back, at most 3: the date never more than
half the gap from the truth. That day then counts as logged and at risk (the
onset is what was observed there), so the models keep the onset. Measured on
the runner generator's diaries, where people log less while in pain
(benchmarks/README.md, session 13).

``rule="hmm"``: per region, the posterior probability of a flare on each day
given the whole diary (:mod:`analysis.flare_hmm`: calm Normal(mu0, sd0) with
the person's own baseline and noise fitted by EM, flare Normal(mu0 + max(2.5,
3.5 sd0), max(1.5, sd0)), 240-day calm and 14-day flare spells, each morning's
log-likelihood halved for the autocorrelated noise, missing days without
emission). A run of logged mornings with P(flare) >= 0.5 fires when its
highest P(flare) reaches 0.9 and 2 of its mornings are >= max(B + 2, 3), B
the median of the calm mornings. The onset is the run's first morning >=
max(B + 2, 3) followed by another one within its next 2 logged mornings,
dated back over the run's contiguous logged mornings >= B + 2 (each within 4
days of the next). Red flag, episode end and refractory days as above (B, S
of the episode from the previous 112 logged flare-free mornings). Why: it
reads a weak flare's whole episode, where no 3-morning window is conclusive
(benchmarks/README.md, session 6).

Decisions METHODS.md leaves open, taken here:

* **"Consecutive logged" days skip days without an entry**: the 3 mornings of
  the onset window are the next 3 *logged* mornings, and a missing day
  neither breaks nor counts toward the 3 settled mornings that end an
  episode (people in pain log less; a gap is not evidence either way). The
  onset window (and the red flag's "next logged morning") must fall within
  ``window_span_days`` (7 by METHODS.md, 10 adaptive) calendar days of t: a
  high morning followed by long silence does not start an episode.
* **Day t itself must be above L** (``methods``; adaptive: above max(B + 2, 3)).
* **Backdated mornings** (adaptive) leave the baseline: they are the
  episode's first days. The onset is never dated into the previous episode.
* **At risk** (METHODS.md 5): the outcome item is logged that day, a baseline
  exists (>= 10 earlier logged non-flare mornings), and the day is neither
  after the onset inside an episode nor a refractory day. The onset day is at
  risk.

The detector walks each region's days in order: whether a morning belongs to
the baseline depends on the episodes found before it, so the walk is an
explicit loop (hand-written for that reason); a baseline median is computed
only on days whose value could start an onset.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from analysis.schema import REGIONS, SIDES, TIMES_OF_DAY


@dataclass(frozen=True)
class FlareRule:
    """Parameters of the flare-up onset rule (pain in 0-10 points; METHODS.md 4).

    The defaults are the ``adaptive`` rule; ``flare_rule(rule="methods")``
    starts from :data:`METHODS_RULE` (METHODS.md 4's own defaults) instead.

    Attributes
    ----------
    rule : str
        ``"adaptive"`` (default) or ``"methods"``: names the rule and sets the
        defaults of the other fields through :func:`flare_rule`.
    baseline_days : int
        Logged non-flare mornings B and S are taken over (112; METHODS.md 28).
    min_baseline_days : int
        Fewer than this (10): no baseline, no onset, not at risk.
    spread : str
        ``"sd"`` (SD of the baseline mornings, ddof 1; default) or ``"mad"``
        (MAD x ``mad_scale``, METHODS.md).
    rise_points : float
        L >= B + rise_points (2; Farrar 2001 clinically important change).
    spread_multiplier : float
        L >= B + spread_multiplier x S (4; METHODS.md 2).
    min_spread : float
        S is at least this (0.5 points).
    mad_scale : float
        MAD x mad_scale is the normal-consistent robust SD (1.4826).
    min_level : float
        L >= min_level (3).
    window_days, days_needed : int
        ``days_needed`` (2) of ``window_days`` (3) consecutive logged mornings
        starting at t are >= L.
    mean_spread_multiplier : float
        The mean criterion: ``days_needed`` of the ``window_days`` logged
        mornings starting at t are >= max(B + rise_points, min_level) and all
        of them average >= M = max(B + rise_points, B + mean_spread_multiplier
        x S, min_level) (3.25; 0 = off, METHODS.md).
    window_span_days : int
        The onset window's logged mornings lie within this many calendar days
        of t (10; METHODS.md 7).
    backdate_mornings : int
        The onset is dated back over up to this many logged mornings before t
        (3; 0 = dated to t, METHODS.md) ...
    backdate_points : float
        ... each >= B + backdate_points (2) ...
    backdate_span_days : int
        ... and within this many calendar days before t (4).
    red_flag_above : float
        A value above this (5) is a red flag ("high" in the pain-monitoring
        model, Silbernagel 2007).
    confirm_points : float
        A red-flag morning is an onset when the next logged morning is
        >= B + confirm_points (2).
    end_days, end_margin : int, float
        An episode ends after ``end_days`` (3) consecutive logged mornings
        <= B + ``end_margin`` (1).
    refractory_days : int
        Flare-free days needed after an end before a new onset (7).
    threshold_shift_points : float
        Added to every onset threshold (L, M, the first morning's level, the
        red flag and its confirmation): the +-1 point sensitivity variants (0).
    fallback_min_share : float
        Without morning entries, the fallback item must be logged on this
        share of the diary's days (0.9).
    hmm_calm_days, hmm_flare_days : float
        ``rule="hmm"``: mean length of calm and flare spells of the hidden
        chain (240 and 14 days).
    hmm_rise_points, hmm_spread_multiplier, hmm_flare_sd : float
        The flare state's mean is mu0 + max(2.5, 3.5 x sd0) and its SD
        max(1.5, sd0) (points).
    hmm_temper : float
        Each morning's log-likelihood is multiplied by this (0.5): the noise
        is autocorrelated.
    hmm_run_posterior, hmm_fire_posterior : float
        A run is P(flare) >= 0.5; it fires when its highest P(flare) is >= 0.9.
    hmm_date_points : float
        The onset is dated back over the run's mornings >= B + this (2).
    """

    rule: str = "adaptive"
    baseline_days: int = 112
    min_baseline_days: int = 10
    spread: str = "sd"
    rise_points: float = 2.0
    spread_multiplier: float = 4.0
    min_spread: float = 0.5
    mad_scale: float = 1.4826
    min_level: float = 3.0
    window_days: int = 3
    days_needed: int = 2
    mean_spread_multiplier: float = 3.25
    window_span_days: int = 10
    backdate_mornings: int = 3
    backdate_points: float = 2.0
    backdate_span_days: int = 4
    gap_dating_days: int = 3
    red_flag_above: float = 5.0
    confirm_points: float = 2.0
    end_days: int = 3
    end_margin: float = 1.0
    refractory_days: int = 7
    threshold_shift_points: float = 0.0
    fallback_min_share: float = 0.9
    hmm_calm_days: float = 240.0
    hmm_flare_days: float = 14.0
    hmm_rise_points: float = 2.5
    hmm_spread_multiplier: float = 3.5
    hmm_flare_sd: float = 1.5
    hmm_temper: float = 0.5
    hmm_run_posterior: float = 0.5
    hmm_fire_posterior: float = 0.9
    hmm_date_points: float = 2.0

    def onset_level(self, baseline: float, spread: float) -> float:
        """L = max(B + 2, B + k S, 3) + shift (points; k = 4 adaptive, 2 METHODS.md)."""
        return (
            max(baseline + self.rise_points, baseline + self.spread_multiplier * spread, self.min_level)
            + self.threshold_shift_points
        )

    def mean_level(self, baseline: float, spread: float) -> float:
        """M = max(B + 2, B + 3.25 S, 3) + shift: the mean criterion's level (inf when off)."""
        if not self.mean_spread_multiplier:
            return float("inf")
        return (
            max(baseline + self.rise_points, baseline + self.mean_spread_multiplier * spread, self.min_level)
            + self.threshold_shift_points
        )

    def first_level(self, baseline: float) -> float:
        """The mean criterion's day t is at least max(B + 2, 3) + shift."""
        return max(baseline + self.rise_points, self.min_level) + self.threshold_shift_points

    @property
    def red_flag_level(self) -> float:
        """Values strictly above this are red flags (5 + shift)."""
        return self.red_flag_above + self.threshold_shift_points


#: the rules by name: the fields where ``methods`` (METHODS.md 4's defaults) differs from ``adaptive``
RULE_PRESETS: dict[str, dict] = {
    "adaptive": {},
    "methods": {
        "baseline_days": 28,
        "spread": "mad",
        "spread_multiplier": 2.0,
        "mean_spread_multiplier": 0.0,
        "window_span_days": 7,
        "backdate_mornings": 0,
        "gap_dating_days": 0,
    },
    "hmm": {"backdate_mornings": 0, "gap_dating_days": 0},
}
METHODS_RULE: dict = {**asdict(FlareRule()), "rule": "methods", **RULE_PRESETS["methods"]}

#: the default rule (adaptive) as a plain dict (what ``attrs["params"]`` holds)
FLARE_DEFAULTS: dict = asdict(FlareRule())

#: the onset rules, in the order they are named when both fire on a day
ONSET_RULES: tuple[str, ...] = ("sustained", "red flag confirmed")

EPISODE_COLUMNS: tuple[str, ...] = (
    "region",
    "side",
    "onset_date",
    "end_date",
    "rule",
    "peak",
    "baseline",
    "spread",
    "onset_level",
    "item",
    "reopened",
)

RED_FLAG_COLUMNS: tuple[str, ...] = (
    "date",
    "region",
    "side",
    "item",
    "pain",
    "next_morning",
    "confirmed",
    "in_episode",
    "onset",
    "outcome_item",
)

REGION_DAY_COLUMNS: tuple[str, ...] = (
    "date",
    "region",
    "onset",
    "in_flare",
    "refractory",
    "at_risk",
    "logged",
    "outcome_item",
    "outcome_pain",
    "morning_pain",
    "pain_max",
    "baseline",
    "onset_level",
)


def flare_rule(params: dict | None = None, **more) -> FlareRule:
    """A :class:`FlareRule` from keyword parameters; an unknown name or rule is a TypeError.

    ``rule="methods"`` starts from METHODS.md 4's defaults (:data:`METHODS_RULE`);
    the other parameters override them.
    """
    merged = {**(params or {}), **more}
    known = {f.name for f in fields(FlareRule)}
    unknown = set(merged) - known
    if unknown:
        raise TypeError(f"unknown flare-up parameter {sorted(unknown)[0]!r}; known: {sorted(known)}")
    name = merged.get("rule", "adaptive")
    if name not in RULE_PRESETS:
        raise TypeError(f"unknown flare-up rule {name!r}; known: {sorted(RULE_PRESETS)}")
    if merged.get("spread", "sd") not in ("sd", "mad"):
        raise TypeError(f"unknown spread {merged['spread']!r}; known: 'sd', 'mad'")
    return FlareRule(**{**RULE_PRESETS[name], **merged})


def describe_rule(rule: FlareRule | None = None) -> str:
    """The onset rule in one paragraph, for the report's methods page."""
    r = rule or FlareRule()
    shift = f" (thresholds moved by {r.threshold_shift_points:+g} points)" if r.threshold_shift_points else ""
    spread = (
        f"a robust SD (MAD x {r.mad_scale:g}, at least {r.min_spread:g})"
        if r.spread == "mad"
        else f"the SD (at least {r.min_spread:g})"
    )
    level = (
        f"morning (first-steps) pain at least max(B + {r.rise_points:g}, B + {r.spread_multiplier:g} S, "
        f"{r.min_level:g}) on {r.days_needed} of {r.window_days} consecutive logged mornings starting that day"
    )
    if r.mean_spread_multiplier:
        level += (
            f", or {r.days_needed} of those {r.window_days} mornings (the first among them) at least "
            f"max(B + {r.rise_points:g}, {r.min_level:g}) and the {r.window_days} averaging at least "
            f"max(B + {r.rise_points:g}, B + {r.mean_spread_multiplier:g} S, {r.min_level:g})"
        )
    dating = (
        f"; the onset is dated back to the start of the rise (the earliest of up to {r.backdate_mornings} "
        f"logged mornings just before, each at least B + {r.backdate_points:g})"
        if r.backdate_mornings
        else ""
    )
    if r.gap_dating_days:
        dating += (
            f"{', and' if dating else '; the onset is dated'} into the unlogged days before that morning, "
            f"if any: to the middle of them and the morning (at most {r.gap_dating_days} days back)"
        )
    if r.rule == "hmm":
        return (
            "Flare-up onset (hidden Markov rule, an alternative to docs/methods.md section 4 measured in "
            "benchmarks/README.md; per region; left and right merged, worse side each day): a two-state "
            "(calm / flare) hidden Markov model on the whole morning (first-steps) pain series, with the "
            "person's own calm level and day-to-day spread fitted per region and missing days left out, "
            f"gives each day's probability of a flare; a run of mornings with probability at least "
            f"{r.hmm_run_posterior:g} is an onset when it reaches {r.hmm_fire_posterior:g} and {r.days_needed} "
            f"of its mornings are at least max(B + {r.rise_points:g}, {r.min_level:g}) (B the median calm "
            f"morning); the onset is dated to the start of the rise. A morning above {r.red_flag_above:g} is a "
            f"red flag and an onset when the next logged morning is at least B + {r.confirm_points:g}{shift}. "
            f"An episode ends after {r.end_days} logged mornings at most B + {r.end_margin:g}; a new onset needs "
            f"{r.refractory_days} flare-free days. During/after pain (logged only on run days) feeds the 24-hour "
            "rule, not onsets. Onsets are analysed, not flare days."
        )
    # the report is read without the design notes: cite docs/methods.md, not METHODS.md
    origin = (
        "the rule of docs/methods.md section 4 as first specified"
        if r.rule == "methods"
        else "adaptive rule, a measured deviation from the first specification in docs/methods.md section 4: "
        "its level of max(B + 2, B + 2 S, 3) with a MAD spread, which is 0 on most integer diaries, gave "
        "0.4-2 false onsets per region-year at noise SD 0.75-1 point (benchmarks/README.md)"
    )
    return (
        f"Flare-up onset ({origin}; per region; left and right merged, worse side each day): {level}"
        f"{dating}, where B is the median and S {spread} of the previous {r.baseline_days} logged "
        f"flare-free mornings (at least {r.min_baseline_days}); a morning above {r.red_flag_above:g} is a "
        f"red flag and an onset when the next logged morning is at least B + {r.confirm_points:g}{shift}. "
        f"An episode ends after {r.end_days} logged mornings at most B + {r.end_margin:g}; a new onset needs "
        f"{r.refractory_days} flare-free days. During/after pain (logged only on run days) feeds the 24-hour "
        "rule, not onsets. Onsets are analysed, not flare days."
    )


# ---------------------------------------------------------------------------
# the outcome series of a region
# ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """A region's series on consecutive days (NaN = not logged).

    ``values`` is the outcome item, worse side; ``sides`` the same per side
    (n x 2, columns L, R); ``item`` the item used (None: not assessed);
    ``note`` says why when it is not morning pain.
    """

    region: str
    item: str | None
    values: np.ndarray
    sides: np.ndarray
    morning: np.ndarray
    pain_max: np.ndarray
    note: str | None = None


def _day_range(daily: pd.DataFrame) -> pd.DatetimeIndex:
    if len(daily) == 0:
        return pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
    return pd.date_range(daily["date"].min(), daily["date"].max(), freq="D", name="date").as_unit("ns")


def _cells(sub: pd.DataFrame, days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day position, side position, row) of each (date, side) of one region's rows, first row kept.

    Rows on days outside ``days`` or on a side other than L/R are left out.
    """
    day = days.get_indexer(pd.DatetimeIndex(pd.to_datetime(sub["date"])))
    side = pd.Index(SIDES).get_indexer(sub["side"].astype("object"))
    rows = np.flatnonzero((day >= 0) & (side >= 0))
    _, first = np.unique(day[rows] * len(SIDES) + side[rows], return_index=True)
    rows = rows[first]
    return day[rows], side[rows], rows


def _wide(sub: pd.DataFrame, col: str, days: pd.DatetimeIndex, cells=None) -> np.ndarray:
    """Column ``col`` of one region as a (days x 2) float array, NaN = not logged.

    ``cells``: :func:`_cells` of ``sub`` when already known (one lookup for every column).
    """
    out = np.full((len(days), len(SIDES)), np.nan)
    if len(sub) == 0:
        return out
    day, side, rows = _cells(sub, days) if cells is None else cells
    out[day, side] = pd.to_numeric(sub[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)[rows]
    return out


def _worse(sides: np.ndarray) -> np.ndarray:
    out = np.full(sides.shape[0], np.nan)
    any_logged = ~np.isnan(sides).all(axis=1)
    out[any_logged] = np.nanmax(sides[any_logged], axis=1)
    return out


def outcome(daily: pd.DataFrame, region: str, days: pd.DatetimeIndex, rule: FlareRule) -> Outcome:
    """The series the onset rule runs on for one region (see the module notes).

    Parameters
    ----------
    daily : DataFrame
        :func:`analysis.flareups.daily_pain`.
    region : str
    days : DatetimeIndex
        Consecutive days the arrays are aligned to.
    rule : FlareRule
    """
    sub = daily[daily["region"] == region]
    cells = _cells(sub, days) if len(sub) else None
    items = {item: _wide(sub, item, days, cells) for item in TIMES_OF_DAY}
    pain_max = _worse(_wide(sub, "pain_max", days, cells))
    morning = _worse(items["morning"])
    if not np.isnan(morning).all():
        return Outcome(region, "morning", morning, items["morning"], morning, pain_max)
    if np.isnan(pain_max).all():
        return Outcome(region, None, morning, items["morning"], morning, pain_max)
    # "logged every day": on the days the diary has any entry at all (a region logged
    # only after runs would otherwise look complete against its own days)
    diary_days = daily.groupby("date")["pain_max"].count().reindex(days, fill_value=0).to_numpy() > 0
    shares = {
        item: float((~np.isnan(items[item]).all(axis=1))[diary_days].mean()) for item in ("after", "during")
    }
    best = max(shares, key=lambda k: shares[k])
    if shares[best] >= rule.fallback_min_share:
        note = (
            f"{region}: no morning entries; onsets use '{best}' pain, logged on {100 * shares[best]:.0f} % "
            "of the diary's days"
        )
        values = _worse(items[best])
        return Outcome(region, best, values, items[best], morning, pain_max, note)
    note = (
        f"{region}: no morning entries and no item logged on at least "
        f"{100 * rule.fallback_min_share:.0f} % of the diary's days (best: '{best}', "
        f"{100 * shares[best]:.0f} %): onsets not assessed (the maximum over run-day items would make "
        "detection depend on running)"
    )
    empty = np.full(len(days), np.nan)
    return Outcome(region, None, empty, np.full((len(days), 2), np.nan), morning, pain_max, note)


def outcomes_of(daily: pd.DataFrame, rule: FlareRule) -> dict[str, Outcome]:
    """:func:`outcome` of every region on ``daily``'s day range, for reuse across rules and steps.

    An outcome depends on the rule only through ``fallback_min_share``: the flare-up
    variants (thresholds, persistence) and :func:`region_days` can share one set.
    """
    days = _day_range(daily)
    return {region: outcome(daily, region, days, rule) for region in REGIONS}


def _outcome(daily, region, days, rule, outcomes: Mapping[str, Outcome] | None) -> Outcome:
    """``outcomes[region]`` when given (computed by :func:`outcomes_of` on the same frame), else computed."""
    if outcomes is not None and region in outcomes:
        return outcomes[region]
    return outcome(daily, region, days, rule)


# ---------------------------------------------------------------------------
# the walk
# ---------------------------------------------------------------------------


@dataclass
class _Episode:
    onset: int
    rule: str
    side: str
    baseline: float
    spread: float
    level: float
    peak: float
    end: int | None = None
    reopened: int = 0


def baseline_of(values: np.ndarray | list[float], rule: FlareRule) -> tuple[float, float]:
    """(B, S): median and spread of the values (SD, ddof 1, or MAD x ``mad_scale``; at least ``min_spread``)."""
    v = np.asarray(values, dtype=float)
    b = float(np.median(v))
    if rule.spread == "sd":
        s = float(np.std(v, ddof=1)) if len(v) > 1 else 0.0
    else:
        # MAD about the median, as scipy.stats.median_abs_deviation; numpy here because importing
        # scipy.stats costs ~2 s at start-up, which `runlog week` (no model fits) must not pay
        s = float(np.median(np.abs(v - b)) * rule.mad_scale)
    return b, max(s, rule.min_spread)


def _fires(x: np.ndarray, logged: np.ndarray, j: int, b: float, s: float, rule: FlareRule) -> str | None:
    """The rule that fires at the j-th logged day, or None."""
    t = logged[j]
    window = logged[j : j + rule.window_days]
    window = window[window < t + rule.window_span_days]
    level = rule.onset_level(b, s)
    if x[t] >= level and int(np.count_nonzero(x[window] >= level)) >= rule.days_needed:
        return "sustained"
    first = rule.first_level(b)
    if (
        rule.mean_spread_multiplier
        and len(window) == rule.window_days
        and x[t] >= first
        and int(np.count_nonzero(x[window] >= first)) >= rule.days_needed
        and float(np.mean(x[window])) >= rule.mean_level(b, s)
    ):
        return "sustained"
    confirm = b + rule.confirm_points + rule.threshold_shift_points
    if x[t] > rule.red_flag_level and len(window) > 1 and x[window[1]] >= confirm:
        return "red flag confirmed"
    return None


def _backdate(hist_pos: list[int], hist_val: list[float], t: int, b: float, rule: FlareRule) -> int:
    """How many of the last baseline mornings before t start the rise (backdating, adaptive rule).

    The last ``backdate_mornings`` entries of the baseline history, walking back
    from t while each is >= B + ``backdate_points``, within
    ``backdate_span_days`` calendar days of t, and leaves at least
    ``min_baseline_days`` mornings before it (the onset day keeps a baseline, so
    it stays at risk). Episode days are never in the history, so the onset
    never moves into the previous episode.
    """
    k = 0
    level = b + rule.backdate_points
    while (
        k < rule.backdate_mornings
        and len(hist_pos) - (k + 1) >= rule.min_baseline_days
        and hist_pos[-1 - k] >= t - rule.backdate_span_days
        and hist_val[-1 - k] >= level
    ):
        k += 1
    return k


def _into_gap(logged: np.ndarray, onset: int, rule: FlareRule) -> int:
    """Days to move an onset back into the unlogged days just before it (gap dating).

    The first morning that shows the rise follows g unlogged days: the flare began on one of those
    days or on the morning itself, and which one the diary cannot say (an interval-censored onset).
    It is dated to the middle of those g + 1 days, ceil(g / 2) days back, at most
    ``gap_dating_days``: the date that is never more than half the gap from the truth. 0 when the
    morning before was logged (or with ``gap_dating_days`` 0). The onset stays after the last logged
    morning before it, so it never moves into an earlier episode (whose end is a logged morning).
    """
    if not rule.gap_dating_days:
        return 0
    i = int(np.searchsorted(logged, onset))
    if i == 0:
        return 0
    gap = onset - int(logged[i - 1]) - 1
    return min((gap + 1) // 2, int(rule.gap_dating_days))


def _side(day_sides: np.ndarray, threshold: float, strict: bool) -> str:
    hit = day_sides > threshold if strict else day_sides >= threshold
    hit = np.where(np.isnan(day_sides), False, hit)
    if hit.all() or not hit.any():
        return "B"
    return SIDES[int(np.flatnonzero(hit)[0])]


def hmm_starts(x: np.ndarray, rule: FlareRule) -> set[int]:
    """Day positions of the onsets ``rule="hmm"`` finds: one per firing posterior flare run.

    A run (logged mornings with P(flare) >= ``hmm_run_posterior``,
    :func:`analysis.flare_hmm.flare_runs`) fires when its highest P(flare)
    reaches ``hmm_fire_posterior`` and ``days_needed`` (2) of its mornings
    are >= max(B + 2, 3) (+ shift; B the median of the mornings more likely
    calm than not, as the other rules' median baseline): the minimum level of
    METHODS.md 4, so that a lone bad morning is no onset. The onset is dated
    by :func:`_hmm_onset`.
    """
    from analysis.flare_hmm import fit_and_smooth, flare_runs

    post, mu, sd = fit_and_smooth(
        x,
        rise_points=rule.hmm_rise_points,
        spread_multiplier=rule.hmm_spread_multiplier,
        flare_sd=rule.hmm_flare_sd,
        min_spread=rule.min_spread,
        calm_days=rule.hmm_calm_days,
        flare_days=rule.hmm_flare_days,
        temper=rule.hmm_temper,
    )
    if np.isnan(mu):
        return set()
    calm = ~np.isnan(x) & (post < 0.5)
    b = float(np.median(x[calm])) if calm.any() else mu
    level = rule.first_level(b)
    date_level = b + rule.hmm_date_points + rule.threshold_shift_points
    out = set()
    for first, last in flare_runs(post, x, rule.hmm_run_posterior):
        seg = x[first : last + 1]
        if (
            float(np.max(post[first : last + 1])) >= rule.hmm_fire_posterior
            and int(np.count_nonzero(seg >= level)) >= rule.days_needed
        ):
            out.add(_hmm_onset(x, first, last, level, date_level, rule))
    return out


def _hmm_onset(x: np.ndarray, first: int, last: int, level: float, date_level: float, rule: FlareRule) -> int:
    """The onset day of a firing posterior run ``first..last`` (day positions of logged mornings).

    The anchor is the run's first morning >= ``level`` with another one among
    the next ``window_days - 1`` logged mornings of the run (the rise
    persists); the onset is dated back from it over the contiguous logged
    mornings of the run >= ``date_level``, each within ``backdate_span_days``
    of the next (the start of the rise). Without such a pair: the first morning
    >= ``date_level``.
    """
    pos = first + np.flatnonzero(~np.isnan(x[first : last + 1]))
    vals = x[pos]
    high = vals >= level
    anchor = None
    for i in np.flatnonzero(high):
        if high[i + 1 : i + rule.window_days].any():
            anchor = int(i)
            break
    if anchor is None:
        return int(pos[np.flatnonzero(vals >= date_level)[0]])
    i = anchor
    while i > 0 and vals[i - 1] >= date_level and pos[i] - pos[i - 1] <= rule.backdate_span_days:
        i -= 1
    return int(pos[i])


def _red_flag(x: np.ndarray, logged: np.ndarray, j: int, b: float, rule: FlareRule) -> str | None:
    """"red flag confirmed" at the j-th logged day, or None (the red-flag part of :func:`_fires`)."""
    t = logged[j]
    nxt = logged[j + 1] if j + 1 < len(logged) else None
    confirm = b + rule.confirm_points + rule.threshold_shift_points
    if x[t] > rule.red_flag_level and nxt is not None and nxt < t + rule.window_span_days and x[nxt] >= confirm:
        return "red flag confirmed"
    return None


def _run_side(sides: np.ndarray, days: np.ndarray, threshold: float) -> str:
    """``rule="hmm"``: the side(s) at or above ``threshold`` on any of ``days`` (the onset's first mornings).

    The onset morning itself may be the low start of the rise, so the side is
    read over the first ``window_days`` logged mornings: ``L`` or ``R`` when
    only one side reaches the threshold, ``B`` when both or neither do.
    """
    hit = np.where(np.isnan(sides[days]), False, sides[days] >= threshold).any(axis=0)
    return SIDES[int(np.flatnonzero(hit)[0])] if hit.sum() == 1 else "B"


def walk(x: np.ndarray, sides: np.ndarray, rule: FlareRule) -> list[_Episode]:
    """Episodes of one region's outcome series ``x`` (NaN = not logged); see the module notes."""
    logged = np.flatnonzero(~np.isnan(x))
    starts = hmm_starts(x, rule) if rule.rule == "hmm" else None
    hist_pos: list[int] = []
    hist_val: list[float] = []
    episodes: list[_Episode] = []
    active: _Episode | None = None
    settled = 0
    # every rule needs day t >= min_level + shift (L and the mean criterion's first morning) or a red flag
    lowest_trigger = min(rule.min_level + rule.threshold_shift_points, rule.red_flag_level + 1e-9)
    for j, t in enumerate(logged):
        v = float(x[t])
        if active is not None:
            active.peak = max(active.peak, v)
            settled = settled + 1 if v <= active.baseline + rule.end_margin else 0
            if settled >= rule.end_days:
                active.end, active, settled = int(t), None, 0
            continue
        fired = None
        if starts is not None:
            if len(hist_val) >= rule.min_baseline_days and (int(t) in starts or v > rule.red_flag_level):
                b, s = baseline_of(hist_val[-rule.baseline_days :], rule)
                fired = "sustained" if int(t) in starts else _red_flag(x, logged, j, b, rule)
        elif len(hist_val) >= rule.min_baseline_days and v >= lowest_trigger:
            b, s = baseline_of(hist_val[-rule.baseline_days :], rule)
            fired = _fires(x, logged, j, b, s, rule)
        if fired is None:
            hist_pos.append(int(t))
            hist_val.append(v)
            continue
        level = rule.onset_level(b, s)
        if starts is not None and fired == "sustained":
            side = _run_side(sides, logged[j : j + rule.window_days],
                             b + rule.hmm_date_points + rule.threshold_shift_points)
        elif fired == "sustained":
            side = _side(sides[t], level if v >= level else rule.first_level(b), strict=False)
        else:
            side = _side(sides[t], rule.red_flag_level, strict=True)
        back = _backdate(hist_pos, hist_val, int(t), b, rule)
        onset = int(t)
        if back:
            onset = hist_pos[-back]
            v = max(v, *hist_val[-back:])
            del hist_pos[-back:], hist_val[-back:]
        onset -= _into_gap(logged, onset, rule)
        last = episodes[-1] if episodes else None
        if last is not None and last.end is not None and onset - last.end <= rule.refractory_days:
            keep = bisect_right(hist_pos, last.end)
            del hist_pos[keep:], hist_val[keep:]
            last.end, last.peak = None, max(last.peak, v)
            last.reopened += 1
            active = last
        else:
            active = _Episode(onset, fired, side, b, s, level, v)
            episodes.append(active)
        settled = 0
    return episodes


# ---------------------------------------------------------------------------
# public frames
# ---------------------------------------------------------------------------


def _episodes_frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    out = out.astype(
        {
            "region": "string",
            "side": "string",
            "onset_date": "datetime64[ns]",
            "end_date": "datetime64[ns]",
            "rule": "string",
            "peak": "Float64",
            "baseline": "Float64",
            "spread": "Float64",
            "onset_level": "Float64",
            "item": "string",
            "reopened": "Int64",
        }
    )
    return out.sort_values(["onset_date", "region"], kind="stable").reset_index(drop=True)


def detect_flareups(daily: pd.DataFrame, *, outcomes: Mapping[str, Outcome] | None = None, **params) -> pd.DataFrame:
    """Flare-up episodes per region from the daily pain grid (METHODS.md 4).

    Parameters
    ----------
    daily : DataFrame
        :func:`analysis.flareups.daily_pain` (date x region x side).
    outcomes : mapping, optional
        :func:`outcomes_of` on ``daily`` with the same ``fallback_min_share`` (saves recomputing them).
    **params
        Any field of :class:`FlareRule` (defaults: :data:`FLARE_DEFAULTS`).

    Returns
    -------
    DataFrame
        One row per episode: ``region``, ``side`` (the side that met the
        rule on the onset day: L, R or B = both), ``onset_date``,
        ``end_date`` (NaT while still open), ``rule`` (``sustained`` or
        ``red flag confirmed``), ``peak`` (highest outcome value in the
        episode, 0-10), ``baseline`` (B), ``spread`` (S), ``onset_level``
        (L), ``item`` (the outcome item, normally ``morning``),
        ``reopened`` (rules that fired inside the refractory days and
        extended the episode). ``attrs``: ``params`` (dict of the rule),
        ``outcome_items`` {region: item or None}, ``notes`` (why a region
        does not use morning pain), ``onsets_by_rule`` {region: {rule: n}}.

    References
    ----------
    METHODS.md 4; Farrar 2001, Pain 94:149 (2 points clinically important);
    Silbernagel 2007, AJSM 35:897 (next-morning pain; > 5 high).
    """
    rule = flare_rule(params)
    days = _day_range(daily)
    rows, items, notes = [], {}, []
    for region in REGIONS:
        o = _outcome(daily, region, days, rule, outcomes)
        items[region] = o.item
        if o.note:
            notes.append(o.note)
        for ep in walk(o.values, o.sides, rule):
            rows.append(
                {
                    "region": region,
                    "side": ep.side,
                    "onset_date": days[ep.onset],
                    "end_date": days[ep.end] if ep.end is not None else pd.NaT,
                    "rule": ep.rule,
                    "peak": ep.peak,
                    "baseline": ep.baseline,
                    "spread": ep.spread,
                    "onset_level": ep.level,
                    "item": o.item,
                    "reopened": ep.reopened,
                }
            )
    out = _episodes_frame(rows)
    out.attrs["params"] = asdict(rule)
    out.attrs["outcome_items"] = items
    out.attrs["notes"] = notes
    out.attrs["onsets_by_rule"] = onsets_by_rule(out)
    return out


def onsets_by_rule(episodes: pd.DataFrame) -> dict[str, dict[str, int]]:
    """{region: {rule: number of onsets}} for every region and rule (zeros included)."""
    # the two columns read once as arrays: each column read of a frame with attrs deep-copies them
    regions = episodes["region"].to_numpy(dtype=object, na_value="") if len(episodes) else np.array([], dtype=object)
    rules = episodes["rule"].to_numpy(dtype=object, na_value="") if len(episodes) else np.array([], dtype=object)
    return {region: {r: int(np.sum((regions == region) & (rules == r))) for r in ONSET_RULES} for region in REGIONS}


def _rule_of(episodes: pd.DataFrame, **params) -> FlareRule:
    base = dict(episodes.attrs.get("params") or {})
    return flare_rule({**base, **params})


def _spans(episodes: pd.DataFrame, region: str, days: pd.DatetimeIndex) -> list[tuple[int, int | None]]:
    """(onset, end) positions of the region's episodes on ``days`` (end None = open)."""
    out = []
    if len(episodes) == 0:
        return out
    mine = (episodes["region"] == region).to_numpy(dtype=bool, na_value=False)
    for onset_date, end_date in zip(episodes["onset_date"].to_numpy()[mine], episodes["end_date"].to_numpy()[mine],
                                    strict=True):
        first = int(days.searchsorted(pd.Timestamp(onset_date)))
        end = None if pd.isna(end_date) else int(days.searchsorted(pd.Timestamp(end_date)))
        out.append((first, end))
    return out


def baselines(x: np.ndarray, in_flare: np.ndarray, rule: FlareRule) -> tuple[np.ndarray, np.ndarray]:
    """(B, S) on every day from the earlier logged non-flare days; NaN without enough of them."""
    n = len(x)
    pos = np.flatnonzero(~np.isnan(x) & ~in_flare)
    vals = x[pos]
    k = np.searchsorted(pos, np.arange(n))  # logged non-flare days before each day
    # B and S after the first kk non-flare days, kk = 0..len(vals); full windows at once
    by_k = np.full((len(vals) + 1, 2), np.nan)
    w = int(rule.baseline_days)
    for kk in range(int(rule.min_baseline_days), min(w, len(vals) + 1)):
        by_k[kk] = baseline_of(vals[:kk], rule)
    if len(vals) >= w:
        windows = np.lib.stride_tricks.sliding_window_view(vals, w)  # row i = vals[i : i + w]
        med = np.median(windows, axis=1)
        if rule.spread == "sd":
            spread = np.std(windows, axis=1, ddof=1)
        else:
            spread = rule.mad_scale * np.median(np.abs(windows - med[:, None]), axis=1)
        by_k[w:, 0] = med
        by_k[w:, 1] = np.maximum(spread, rule.min_spread)
    return by_k[k, 0], by_k[k, 1]


def region_days(
    daily: pd.DataFrame, episodes: pd.DataFrame, *, refractory_days: int | None = None,
    outcomes: Mapping[str, Outcome] | None = None,
) -> pd.DataFrame:
    """One row per date x region: onset, flare, refractory and at-risk flags (METHODS.md 5).

    Parameters
    ----------
    daily : DataFrame
        :func:`analysis.flareups.daily_pain`.
    episodes : DataFrame
        :func:`detect_flareups` on the same grid (its ``attrs["params"]`` set the
        rule; defaults without them).
    refractory_days : int, optional
        Overrides the rule's refractory days (7).
    outcomes : mapping, optional
        :func:`outcomes_of` on ``daily`` (saves recomputing them).

    Returns
    -------
    DataFrame
        ``date``, ``region``, ``onset`` (Int64 0/1), ``in_flare`` (inside an
        episode, onset..end inclusive; an open episode runs to the last day),
        ``refractory`` (one of the days after an end before a new onset may
        count), ``at_risk`` (the outcome item is logged, a baseline exists, and
        the day is neither after the onset inside an episode nor refractory;
        the onset day is at risk), ``logged`` (the outcome item is logged on
        either side, or the day is the onset of an episode dated into the
        unlogged days before its first morning: count exposure on these days
        only), ``outcome_item``,
        ``outcome_pain`` (the series the rule ran on, worse side),
        ``morning_pain`` (worse side), ``pain_max`` (max over sides and items),
        ``baseline`` (B) and ``onset_level`` (L) as of that day, Float64.
        Sorted by date, region.

    References
    ----------
    METHODS.md 4 (onset rule) and 5 (one row per region per day, at-risk days).
    """
    rule = _rule_of(episodes)
    refractory = rule.refractory_days if refractory_days is None else int(refractory_days)
    days = _day_range(daily)
    n = len(days)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REGION_DAY_COLUMNS})
    frames = []
    for region in REGIONS:
        o = _outcome(daily, region, days, rule, outcomes)
        onset = np.zeros(n, dtype=int)
        flare = np.zeros(n, dtype=bool)
        refr = np.zeros(n, dtype=bool)
        for first, end in _spans(episodes, region, days):
            if first >= n:
                continue
            onset[first] = 1
            last = n - 1 if end is None else min(end, n - 1)
            flare[first : last + 1] = True
            if end is not None:
                refr[end + 1 : end + 1 + refractory] = True
        refr &= ~flare
        # an onset dated into unlogged days (gap dating) is observed there: that day is logged and at risk
        logged = ~np.isnan(o.values) | (onset == 1)
        b, s = baselines(o.values, flare, rule)
        level = np.array([rule.onset_level(bb, ss) for bb, ss in zip(b, s, strict=True)])
        after_onset = flare & (onset == 0)
        frames.append(
            pd.DataFrame(
                {
                    "date": days,
                    "region": region,
                    "onset": pd.array(onset, dtype="Int64"),
                    "in_flare": flare,
                    "refractory": refr,
                    "at_risk": logged & ~np.isnan(b) & ~after_onset & ~refr,
                    "logged": logged,
                    "outcome_item": o.item,
                    "outcome_pain": pd.array(o.values, dtype="Float64"),
                    "morning_pain": pd.array(o.morning, dtype="Float64"),
                    "pain_max": pd.array(o.pain_max, dtype="Float64"),
                    "baseline": pd.array(b, dtype="Float64"),
                    "onset_level": pd.array(level, dtype="Float64"),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["region"] = out["region"].astype("string")
    out["outcome_item"] = out["outcome_item"].astype("string")
    out["outcome_pain"] = out["outcome_pain"].astype("Float64")
    out["morning_pain"] = out["morning_pain"].astype("Float64")
    out["pain_max"] = out["pain_max"].astype("Float64")
    return out.sort_values(["date", "region"], kind="stable").reset_index(drop=True)[list(REGION_DAY_COLUMNS)]


def red_flags(daily: pd.DataFrame, episodes: pd.DataFrame | None = None, **params) -> pd.DataFrame:
    """Every pain value above the red-flag level (5), any item and side, for the report.

    Parameters
    ----------
    daily : DataFrame
        :func:`analysis.flareups.daily_pain`.
    episodes : DataFrame, optional
        :func:`detect_flareups` on the same grid (its rule is used; its
        episodes fill ``in_episode`` and ``onset``).
    **params
        Rule parameters (over the episodes' own).

    Returns
    -------
    DataFrame
        ``date``, ``region``, ``side``, ``item`` (morning/during/after),
        ``pain``, ``next_morning`` (the region's next logged outcome value
        after that day, within ``window_span_days``; NA otherwise),
        ``confirmed`` (boolean: ``next_morning`` >= B + 2; NA without a
        baseline or a next morning), ``in_episode`` (the day lies in an
        episode of the region), ``onset`` (an episode of the region starts
        that day, or on the unlogged days just before it: gap dating),
        ``outcome_item`` (the value is of the item onsets use: only those
        can start an onset). Sorted by date, region, side, item.

    References
    ----------
    METHODS.md 4; Silbernagel 2007 (> 5 "high").
    """
    episodes = episodes if episodes is not None else detect_flareups(daily, **params)
    rule = _rule_of(episodes, **params)
    days = _day_range(daily)
    n = len(days)
    rows = []
    for region in REGIONS:
        o = outcome(daily, region, days, rule)
        logged = np.flatnonzero(~np.isnan(o.values))
        flare = np.zeros(n, dtype=bool)
        starts = set()
        for first, end in _spans(episodes, region, days):
            flare[first : (n - 1 if end is None else end) + 1] = True
            starts.add(first)
            k = int(np.searchsorted(logged, first))  # an onset dated into unlogged days: its first morning too
            if k < len(logged):
                starts.add(int(logged[k]))
        b, _ = baselines(o.values, flare, rule)
        sub = daily[daily["region"] == region]
        for item in TIMES_OF_DAY:
            wide = _wide(sub, item, days)
            for t, s in zip(*np.nonzero(np.nan_to_num(wide, nan=-1.0) > rule.red_flag_level), strict=True):
                k = int(np.searchsorted(logged, t, side="right"))
                nxt = logged[k] if k < len(logged) and logged[k] < t + rule.window_span_days else None
                next_value = float(o.values[nxt]) if nxt is not None else np.nan
                confirmed = (
                    pd.NA
                    if nxt is None or np.isnan(b[t])
                    else bool(next_value >= b[t] + rule.confirm_points + rule.threshold_shift_points)
                )
                rows.append(
                    {
                        "date": days[t],
                        "region": region,
                        "side": SIDES[s],
                        "item": item,
                        "pain": float(wide[t, s]),
                        "next_morning": next_value,
                        "confirmed": confirmed,
                        "in_episode": bool(flare[t]),
                        "onset": t in starts,
                        "outcome_item": item == o.item,
                    }
                )
    out = pd.DataFrame(rows, columns=list(RED_FLAG_COLUMNS)).astype(
        {
            "date": "datetime64[ns]",
            "region": "string",
            "side": "string",
            "item": "string",
            "pain": "Float64",
            "next_morning": "Float64",
            "confirmed": "boolean",
            "in_episode": "bool",
            "onset": "bool",
            "outcome_item": "bool",
        }
    )
    order = {item: i for i, item in enumerate(TIMES_OF_DAY)}
    out = out.assign(_o=out["item"].map(order)).sort_values(["date", "region", "side", "_o"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


# ---------------------------------------------------------------------------
# sensitivity of the definition
# ---------------------------------------------------------------------------


def _variant_params(base: FlareRule) -> dict[str, FlareRule]:
    from dataclasses import replace

    return {
        "default": base,
        "minus_1_point": replace(base, threshold_shift_points=base.threshold_shift_points - 1),
        "plus_1_point": replace(base, threshold_shift_points=base.threshold_shift_points + 1),
        "one_day": replace(base, days_needed=1),
        "three_days": replace(base, days_needed=3),
    }


def _looser(variant: FlareRule, base: FlareRule) -> bool:
    return (
        variant.threshold_shift_points < base.threshold_shift_points or variant.days_needed < base.days_needed
    ) and not (
        variant.threshold_shift_points > base.threshold_shift_points or variant.days_needed > base.days_needed
    )


def _merge_explanation(default: pd.DataFrame, variant: pd.DataFrame, region: str, rule: FlareRule) -> str:
    """Why a looser rule finds fewer onsets in a region: default onsets absorbed by longer episodes."""
    d = default[default["region"] == region]
    v = variant[variant["region"] == region].sort_values("onset_date")
    absorbed = 0
    for onset in d["onset_date"]:
        for ep in v.itertuples(index=False):
            open_ = pd.isna(ep.end_date)
            stop = pd.Timestamp.max if open_ else ep.end_date + pd.Timedelta(days=rule.refractory_days)
            if ep.onset_date < onset <= stop:
                absorbed += 1
                break
    return (
        f"{len(v)} onsets vs {len(d)} by default: {absorbed} default onset(s) fall inside a longer episode "
        f"(or its {rule.refractory_days} refractory days) under this rule - a lower bar starts episodes "
        "earlier and keeps them open, so episodes merge"
    )


def sensitivity_variants(
    daily: pd.DataFrame, *, outcomes: Mapping[str, Outcome] | None = None, **params
) -> dict[str, pd.DataFrame]:
    """Episodes under the sensitivity variants of METHODS.md 4.

    Parameters
    ----------
    daily : DataFrame
        :func:`analysis.flareups.daily_pain`.
    outcomes : mapping, optional
        :func:`outcomes_of` on ``daily`` under the base rule (computed once here otherwise: the
        variants share them).
    **params
        The common base rule (defaults: :data:`FLARE_DEFAULTS`).

    Returns
    -------
    dict
        ``"default"``; ``"minus_1_point"`` and ``"plus_1_point"`` (every onset
        threshold - L, the red flag and its confirmation - moved by one point);
        ``"one_day"`` (1 of 3 logged mornings: looser persistence) and
        ``"three_days"`` (3 of 3: stricter; in the adaptive rule's mean
        criterion too).
        Each value is a :func:`detect_flareups` result whose ``attrs`` also
        hold ``onsets_by_rule`` and ``explanations`` ({region: text} where a
        looser variant than the base finds fewer onsets: episodes merge).
    """
    base = flare_rule(params)
    outcomes = outcomes_of(daily, base) if outcomes is None else outcomes
    out = {name: detect_flareups(daily, outcomes=outcomes, **asdict(rule))
           for name, rule in _variant_params(base).items()}
    default = out["default"]
    for episodes in out.values():
        rule = flare_rule(episodes.attrs["params"])
        notes = {}
        if _looser(rule, base):
            for region in REGIONS:
                n_var = int((episodes["region"] == region).sum()) if len(episodes) else 0
                n_def = int((default["region"] == region).sum()) if len(default) else 0
                if n_var < n_def:
                    notes[region] = _merge_explanation(default, episodes, region, rule)
        episodes.attrs["explanations"] = notes
    return out


def sensitivity_summary(variants: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per variant x region: onsets, onsets per rule, re-openings and the explanation.

    Parameters
    ----------
    variants : dict
        :func:`sensitivity_variants`.

    Returns
    -------
    DataFrame
        ``variant``, ``region``, ``onsets``, ``sustained``, ``red_flag_confirmed``
        (onsets per rule), ``reopened``, ``explanation`` (string, NA unless a
        looser rule finds fewer onsets than the default).
    """
    rows = []
    for name, episodes in variants.items():
        by_rule = episodes.attrs.get("onsets_by_rule") or onsets_by_rule(episodes)
        explanations = episodes.attrs.get("explanations") or {}
        for region in REGIONS:
            mine = episodes[episodes["region"] == region] if len(episodes) else episodes
            rows.append(
                {
                    "variant": name,
                    "region": region,
                    "onsets": len(mine),
                    "sustained": by_rule[region]["sustained"],
                    "red_flag_confirmed": by_rule[region]["red flag confirmed"],
                    "reopened": int(mine["reopened"].sum()) if len(mine) else 0,
                    "explanation": explanations.get(region, pd.NA),
                }
            )
    out = pd.DataFrame(rows)
    out["explanation"] = out["explanation"].astype("string")
    return out
