"""Parameters of the synthetic runner: coefficients, shoes, plan and diary habits.

Every number the simulator uses lives here, in one frozen dataclass
(:class:`SimParams`), so that a caller can override any of them by name
(``simulate_runner(seed, km_per_week_base=30.0)``) and ``truth.json`` can record
them all. Hazard coefficients are on the log-odds scale *per reporting unit*
of DESIGN.md "Findings JSON": +10 km for the lag-band km terms, +10 percentage
points for the barefoot-style share, present/absent for the spike bins and +1
day for drill adherence, so that ``exp(coef)`` is the odds ratio the report
should recover.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from analysis.schema import REGIONS

#: Hazard terms, in the order of DESIGN.md "Findings JSON".
TERMS: tuple[str, ...] = (
    "km_lag_1_3",
    "km_lag_4_7",
    "km_lag_8_14",
    "km_lag_15_28",
    "barefoot_share_lag_1_7",
    "spike_small",
    "spike_moderate",
    "spike_large",
    "drill_days_lag_1_7",
)

#: Divisor that turns a raw feature into its reporting unit (+10 km, +10 points).
TERM_UNIT: dict[str, float] = {
    "km_lag_1_3": 10.0,
    "km_lag_4_7": 10.0,
    "km_lag_8_14": 10.0,
    "km_lag_15_28": 10.0,
    "barefoot_share_lag_1_7": 10.0,
    "spike_small": 1.0,
    "spike_moderate": 1.0,
    "spike_large": 1.0,
    "drill_days_lag_1_7": 1.0,
}

#: Spike bins of the single-run spike ratio (Frandsen et al., BJSM 2025;
#: METHODS.md 2): upper bounds, right-closed. Ratios <= 1.10 are the reference.
SPIKE_BINS: tuple[tuple[str, float], ...] = (("small", 1.30), ("moderate", 2.00), ("large", float("inf")))
SPIKE_REFERENCE_MAX = 1.10

#: The foot-intrinsic drills of the drills log.
DRILLS: tuple[str, ...] = (
    "toe yoga",
    "toe drops",
    "short foot",
    "toe rainbows",
    "banded big toe + hip external rotation",
)


def _coefficients() -> dict[str, dict[str, float]]:
    """Default planted log-odds per reporting unit, by region.

    Load raises every region's hazard, most in the last 3 days; a barefoot-style
    share raises Achilles and plantar-fascia risk and lowers patellar risk
    (METHODS.md 5, a-priori expectations; Nielsen 2018); single-run spikes follow
    Frandsen 2025's hazard ratios (1.64, 1.52, 2.28), made monotone and a little
    stronger so that one runner's data can show them; foot drills protect the
    foot and ankle regions.
    """
    spikes = {"spike_small": 0.40, "spike_moderate": 0.60, "spike_large": 1.00}
    return {
        "plantar": {
            "km_lag_1_3": 0.35, "km_lag_4_7": 0.15, "km_lag_8_14": 0.05, "km_lag_15_28": -0.03,
            "barefoot_share_lag_1_7": 0.12, **spikes, "drill_days_lag_1_7": -0.15,
        },
        "achilles": {
            "km_lag_1_3": 0.30, "km_lag_4_7": 0.15, "km_lag_8_14": 0.05, "km_lag_15_28": -0.03,
            "barefoot_share_lag_1_7": 0.15, **spikes, "drill_days_lag_1_7": -0.12,
        },
        "patellar": {
            "km_lag_1_3": 0.30, "km_lag_4_7": 0.10, "km_lag_8_14": 0.05, "km_lag_15_28": 0.0,
            "barefoot_share_lag_1_7": -0.10, **spikes, "drill_days_lag_1_7": 0.0,
        },
        "glute": {
            "km_lag_1_3": 0.35, "km_lag_4_7": 0.20, "km_lag_8_14": 0.05, "km_lag_15_28": 0.0,
            "barefoot_share_lag_1_7": 0.0, **spikes, "drill_days_lag_1_7": -0.05,
        },
    }


def _intercepts() -> dict[str, float]:
    """Log-odds of an onset on an at-risk day with every feature at 0."""
    return {"plantar": -4.00, "achilles": -4.05, "patellar": -6.20, "glute": -4.90}


def _null_intercepts() -> dict[str, float]:
    """Flat daily hazards of the null runner (about the default story's onset counts)."""
    return {"plantar": -3.75, "achilles": -3.85, "patellar": -5.20, "glute": -4.20}


@dataclass(frozen=True)
class Shoe:
    """One shoe of the catalog (DESIGN.md "shoes"; specs per METHODS.md 3).

    Specs are typical published figures for these models, rounded; they are
    illustrative, not measurements. ``use`` is the shoe's part in the story:
    sandals, minimalist, partial, traditional_early (worn until
    ``ghost_retired_day``) or traditional.
    """

    name: str
    aliases: str
    brand: str
    model: str
    weight_g: float
    stack_mm: float
    drop_mm: float
    stability_features: int
    flex_score: float
    gear_id: str
    use: str
    retired: bool = False

    @property
    def minimalist_index(self) -> float:
        """Minimalist Index, % (Esculier et al. 2015; METHODS.md 3), by runlog's own scorer."""
        from analysis.footwear import minimalist_index

        return float(minimalist_index(self.weight_g, self.stack_mm, self.drop_mm, self.stability_features,
                                      self.flex_score).mi)

    @property
    def shoe_class(self) -> str:
        """Class by METHODS.md 3 cut-offs: >= 70 minimalist, 30-69 partial, < 30 traditional."""
        from analysis.footwear import mi_class

        return mi_class(self.minimalist_index)


def default_shoes() -> tuple[Shoe, ...]:
    """Five shoes, from sandals to a cushioned stability trainer."""
    return (
        Shoe("Luna Mono", "Luna sandals;Mono sandals", "Luna Sandals", "Mono 2.0",
             200, 11, 0, 0, 4.5, "14100001", "sandals"),
        Shoe("Primus Lite", "Vivobarefoot Primus Lite III;Vivos", "Vivobarefoot", "Primus Lite III",
             215, 6, 0, 0, 5.0, "14100002", "minimalist"),
        Shoe("Escalante 3", "Altra Escalante", "Altra", "Escalante 3",
             230, 24, 0, 1, 3.0, "14100003", "partial"),
        Shoe("Ghost 15", "Brooks Ghost 15", "Brooks", "Ghost 15",
             285, 35, 12, 2, 1.5, "14100004", "traditional_early", retired=True),
        Shoe("Kayano 30", "ASICS Gel-Kayano 30;K30", "ASICS", "Gel-Kayano 30",
             305, 40, 10, 4, 1.0, "14100005", "traditional"),
    )


@dataclass(frozen=True)
class SimParams:
    """All knobs of the synthetic runner. Distances in km, times in days unless named.

    See the package docstring of :mod:`analysis.simulate` for the model these
    parameters drive.
    """

    # --- calendar
    start: str = "2023-01-02"
    tz: str = "Europe/Copenhagen"
    travel_tz: str = "America/New_York"
    # --- training plan
    km_per_week_base: float = 28.0
    km_per_week_build: float = 44.0
    yearly_progression: float = 0.10
    run_adherence: float = 0.92
    illness_per_year: float = 3.0
    travel_per_year: float = 2.0
    adventure_per_week: float = 0.04
    walk_per_week: float = 0.5
    ride_per_week_summer: float = 0.4
    manual_entry_rate: float = 0.02
    gpx_rate: float = 0.03
    blank_gear_rate: float = 0.03
    rpe_missing_rate: float = 0.20
    # --- transition to barefoot-style short runs (logistic ramp over days)
    bf_share_start: float = 0.03
    bf_share_end: float = 0.85
    bf_ramp_mid_day: float = 300.0
    bf_ramp_scale_days: float = 60.0
    bf_cap_km_start: float = 3.0
    bf_cap_km_end: float = 10.0
    partial_window_days: float = 150.0
    ghost_retired_day: int = 400
    # --- behaviour during a flare (pain-driven, i.e. reverse causation)
    flare_skip_rate: float = 0.35
    flare_shorten: float = 0.70
    # --- drills adherence (probability of a drill day)
    drill_rate_before: float = 0.03
    drill_rate_after_first: float = 0.25
    drill_rate_step: float = 0.10
    drill_rate_max: float = 0.55
    drill_fade_days: float = 180.0
    # --- hazard of a flare onset (discrete time, per region, at-risk days only)
    intercepts: dict[str, float] = field(default_factory=_intercepts)
    coefficients: dict[str, dict[str, float]] = field(default_factory=_coefficients)
    burn_in_days: int = 35
    refractory_days: int = 7
    settle_days: int = 3
    # --- flare episodes and the diary
    flare_days_min: int = 5
    flare_days_max: int = 20
    flare_peak_min: int = 4
    flare_peak_max: int = 7
    both_sides_rate: float = 0.10
    baseline_one_rate: float = 0.30
    blip_rate: float = 0.05
    missing_spell_rate: float = 0.045
    missing_spell_max_days: int = 3
    region_skip_rate: float = 0.03
    during_entry_rate: float = 0.70
    after_entry_rate: float = 0.85
    both_side_row_rate: float = 0.05
    # --- running dynamics by shoe class (METHODS.md 6): multipliers vs traditional
    cadence_factor: dict[str, float] = field(
        default_factory=lambda: {"barefoot": 1.045, "minimalist": 1.035, "partial": 1.015, "traditional": 1.0}
    )
    stance_factor: dict[str, float] = field(
        default_factory=lambda: {"barefoot": 0.93, "minimalist": 0.95, "partial": 0.98, "traditional": 1.0}
    )
    oscillation_factor: dict[str, float] = field(
        default_factory=lambda: {"barefoot": 0.95, "minimalist": 0.97, "partial": 0.99, "traditional": 1.0}
    )
    shoes: tuple[Shoe, ...] = field(default_factory=default_shoes)
    # --- files: seconds between kept records, drawn uniformly in [lo, hi]
    record_interval_s: tuple[int, int] = (1, 5)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict of every parameter."""
        return asdict(self)


def make_params(null: bool = False, **overrides) -> SimParams:
    """Default parameters, optionally the null runner, with overrides by name.

    Parameters
    ----------
    null : bool
        Plant no effect: every coefficient 0 and a flat baseline hazard per
        region (``_null_intercepts``), unless ``intercepts`` is overridden.
    **overrides
        Any :class:`SimParams` field.
    """
    known = {f.name for f in fields(SimParams)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown simulation parameter(s): {', '.join(sorted(unknown))}")
    params = SimParams()
    if null:
        zero = {r: dict.fromkeys(TERMS, 0.0) for r in REGIONS}
        params = replace(params, coefficients=zero, intercepts=_null_intercepts())
    return replace(params, **overrides)
