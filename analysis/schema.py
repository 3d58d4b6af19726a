"""Canonical frames: the contract every reader returns (DESIGN.md, "Canonical frames").

Units live in column names. Times are timezone-aware UTC; ``date`` is the
runner's local calendar date, held as a naive ``datetime64[ns]`` at midnight so
that it groups, resamples and joins like any pandas date. Missing is NA, never 0.

Dtypes
------
* runs, pain, shoes, import log: pandas nullable dtypes (``Float64``, ``Int64``,
  ``string``, ``boolean``), so that a missing heart rate stays ``<NA>``.
* samples: plain ``float64`` with NaN for missing. A runner's archive holds
  millions of per-second rows; numpy floats keep them compact and fast, and NaN
  is pandas' NA for floats.

Each ``coerce_*`` function takes any frame with (a subset of) the canonical
columns, adds the missing ones as NA, casts dtypes and orders the columns;
extra columns are kept after the canonical ones. Each ``validate_*`` function
raises :class:`~analysis.errors.RunlogError` naming the offending column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import RunlogError

UTC_TIME = "datetime64[ns, UTC]"
LOCAL_DATE = "datetime64[ns]"

#: runs frame (index ``activity_id``). ``shoe_rule`` and ``description`` are
#: runlog's own additions: which footwear rule decided the shoe, and the
#: activity's free text (used by the keyword rule).
RUNS_DTYPES: dict[str, str] = {
    "start_time": UTC_TIME,
    "date": LOCAL_DATE,
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

#: samples frame (long, one row per record). Positions only on request.
SAMPLES_DTYPES: dict[str, str] = {
    "activity_id": "string",
    "time": UTC_TIME,
    "elapsed_s": "float64",
    "distance_m": "float64",
    "speed_mps": "float64",
    "heart_rate_bpm": "float64",
    "cadence_spm": "float64",
    "stance_time_ms": "float64",
    "vertical_oscillation_mm": "float64",
    "step_length_mm": "float64",
    "vertical_ratio_pct": "float64",
    "altitude_m": "float64",
}
POSITION_COLUMNS: tuple[str, str] = ("latitude_deg", "longitude_deg")

PAIN_DTYPES: dict[str, str] = {
    "date": LOCAL_DATE,
    "time_of_day": "string",
    "region": "string",
    "side": "string",
    "pain": "Int64",
    "activity_id": "string",
    "notes": "string",
}
TIMES_OF_DAY: tuple[str, ...] = ("morning", "during", "after")
REGIONS: tuple[str, ...] = ("plantar", "achilles", "patellar", "glute")
SIDES: tuple[str, ...] = ("L", "R")

SHOES_DTYPES: dict[str, str] = {
    "name": "string",
    "aliases": "string",
    "brand": "string",
    "model": "string",
    "gear_id": "string",
    "weight_g": "Float64",
    "stack_mm": "Float64",
    "drop_mm": "Float64",
    "stability_features": "Float64",
    "flex_score": "Float64",
    "minimalist_index": "Float64",
    "shoe_class": "string",
    "retired": "boolean",
    "retire_km": "Float64",
}
SHOE_CLASSES: tuple[str, ...] = ("barefoot", "minimalist", "partial", "traditional", "unknown")

BAREFOOT_STYLE = "barefoot-style"
TRADITIONAL_STYLE = "traditional"
#: shoe class -> group of the headline comparison (DESIGN.md, METHODS.md 3): barefoot-style =
#: barefoot + minimalist, traditional = traditional + partial; a run with no known shoe stays unknown.
GROUPING: dict[str, str] = {
    "barefoot": BAREFOOT_STYLE,
    "minimalist": BAREFOOT_STYLE,
    "partial": TRADITIONAL_STYLE,
    "traditional": TRADITIONAL_STYLE,
    "unknown": "unknown",
}

IMPORT_LOG_DTYPES: dict[str, str] = {
    "source_file": "string",
    "row": "Int64",
    "status": "string",
    "reason": "string",
    "activity_id": "string",
    "source": "string",
}
STATUSES: tuple[str, ...] = ("imported", "duplicate", "not_a_run", "failed")

#: canonical sport names for runs; anything else is not a run.
RUN_SPORTS: tuple[str, ...] = (
    "running",
    "trail_running",
    "treadmill_running",
    "track_running",
    "virtual_running",
    "ultra_running",
)
SOURCES: tuple[str, ...] = (
    "fit", "strava", "garmin_csv", "garmin_json", "tcx", "gpx", "csv", "apple_health", "fitbit", "polar",
    "runkeeper", "samsung",
)

#: optional runs columns a reader may add where its source has them (running dynamics averaged over
#: the run; Garmin's JSON export and Apple Health have them): canonical units in the names
RUN_DYNAMICS_DTYPES: dict[str, str] = {
    "avg_step_length_mm": "Float64",
    "avg_stance_time_ms": "Float64",
    "avg_vertical_oscillation_mm": "Float64",
    "avg_vertical_ratio_pct": "Float64",
    "avg_power_w": "Float64",
}

# --------------------------------------------------------------- name keys and sport aliases
# Shared by the footwear files' reader (duplicate names, gear-log sports) and the footwear
# domain (matching gear names): one definition of "the same name" for both.

_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "þ": "th", "ı": "i"})
_NON_WORD = re.compile(r"[\W_]+")


def normalize_name(text: Any) -> str:
    """Casefold, drop accents, turn punctuation into spaces, collapse whitespace ("" for NA)."""
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKD", str(text).casefold().translate(_LETTERS))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", s).split())


#: short sport words a person writes (a gear log's ``sport``) -> canonical run sport
SPORT_ALIASES: dict[str, str] = {"trail": "trail_running", "treadmill": "treadmill_running",
                                 "track": "track_running", "road": "running", "virtual": "virtual_running",
                                 "ultra": "ultra_running"}


def normalize_sport(value: Any) -> Any:
    """A written run sport as a canonical one (:data:`SPORT_ALIASES`); "any"/"all"/blank -> NA (no limit)."""
    s = normalize_name(value).replace(" ", "_")
    if s in ("", "any", "all", "run", "runs"):
        return pd.NA
    return SPORT_ALIASES.get(s, s)


def _coerce(
    frame: pd.DataFrame | Mapping | None, dtypes: Mapping[str, str], extra: bool = True
) -> pd.DataFrame:
    """Add missing canonical columns as NA, cast dtypes, canonical order first."""
    df = pd.DataFrame(frame) if not isinstance(frame, pd.DataFrame) else frame.copy()
    out = {}
    n = len(df)
    for col, dtype in dtypes.items():
        if col in df.columns:
            out[col] = _cast(df[col], dtype, col)
        else:
            out[col] = _na_series(n, dtype, df.index)
    result = pd.DataFrame(out, index=df.index)
    if extra:
        for col in df.columns:
            if col not in dtypes:
                result[col] = df[col]
    return result


def _na_series(n: int, dtype: str, index: pd.Index) -> pd.Series:
    if dtype == UTC_TIME:
        return pd.Series(pd.NaT, index=index, dtype=UTC_TIME)
    if dtype == LOCAL_DATE:
        return pd.Series(pd.NaT, index=index, dtype=LOCAL_DATE)
    if dtype == "float64":
        return pd.Series(np.full(n, np.nan), index=index)
    return pd.Series(pd.NA, index=index, dtype=dtype)


def _cast(series: pd.Series, dtype: str, col: str) -> pd.Series:
    try:
        if dtype == UTC_TIME:
            s = pd.to_datetime(series, utc=True)
            return s.dt.as_unit("ns") if hasattr(s.dt, "as_unit") else s
        if dtype == LOCAL_DATE:
            s = pd.to_datetime(series)
            if getattr(s.dt, "tz", None) is not None:
                raise TypeError("a local date must not carry a time zone")
            return s.dt.normalize().astype(LOCAL_DATE)
        if dtype == "string":
            s = series.astype("string")
            return s
        if dtype == "float64":
            return pd.to_numeric(series, errors="raise").astype("float64")
        if dtype in ("Float64", "Int64"):
            return pd.to_numeric(series, errors="raise").astype(dtype)
        return series.astype(dtype)
    except (TypeError, ValueError) as exc:
        raise RunlogError(f"column '{col}' cannot be read as {dtype}: {exc}") from exc


def coerce_runs(frame: pd.DataFrame | Mapping | None = None) -> pd.DataFrame:
    """Return a canonical runs frame indexed by ``activity_id`` (string)."""
    df = pd.DataFrame(frame) if not isinstance(frame, pd.DataFrame) else frame
    if "activity_id" in df.columns:
        df = df.set_index("activity_id")
    out = _coerce(df, RUNS_DTYPES)
    out.index = pd.Index(out.index.astype("string"), name="activity_id")
    return out


def coerce_samples(frame: pd.DataFrame | Mapping | None = None) -> pd.DataFrame:
    """Return a canonical samples frame (RangeIndex, long)."""
    out = _coerce(frame, SAMPLES_DTYPES)
    return out.reset_index(drop=True)


def coerce_pain(frame: pd.DataFrame | Mapping | None = None) -> pd.DataFrame:
    """Return a canonical pain frame (long)."""
    return _coerce(frame, PAIN_DTYPES).reset_index(drop=True)


def coerce_shoes(frame: pd.DataFrame | Mapping | None = None) -> pd.DataFrame:
    """Return a canonical shoes catalog frame."""
    return _coerce(frame, SHOES_DTYPES).reset_index(drop=True)


def coerce_import_log(frame: pd.DataFrame | Mapping | None = None) -> pd.DataFrame:
    """Return a canonical import log frame."""
    return _coerce(frame, IMPORT_LOG_DTYPES, extra=False).reset_index(drop=True)


def empty_runs() -> pd.DataFrame:
    return coerce_runs(pd.DataFrame({"activity_id": pd.Series([], dtype="string")}))


def empty_samples() -> pd.DataFrame:
    return coerce_samples(pd.DataFrame())


def empty_import_log() -> pd.DataFrame:
    return coerce_import_log(pd.DataFrame())


def _check_dtypes(df: pd.DataFrame, dtypes: Mapping[str, str], frame: str) -> None:
    for col, dtype in dtypes.items():
        if col not in df.columns:
            raise RunlogError(f"{frame} frame: column '{col}' is missing")
        if str(df[col].dtype) != dtype:
            raise RunlogError(
                f"{frame} frame: column '{col}' has dtype {df[col].dtype}, expected {dtype}"
            )


def _check_range(s: pd.Series, lo: float, hi: float, frame: str, col: str) -> None:
    bad = s.notna() & ((s < lo) | (s > hi))
    if bool(bad.any()):
        first = s[bad].iloc[0]
        raise RunlogError(f"{frame} frame: column '{col}' has {first} outside {lo}-{hi}")


def validate_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Check a runs frame against the contract; return it unchanged."""
    _check_dtypes(runs, RUNS_DTYPES, "runs")
    if runs.index.name != "activity_id":
        raise RunlogError("runs frame: index must be 'activity_id'")
    if not runs.index.is_unique:
        dup = runs.index[runs.index.duplicated()][0]
        raise RunlogError(f"runs frame: column 'activity_id' repeats {dup}")
    for col in ("distance_m", "moving_time_s", "elapsed_time_s"):
        _check_range(runs[col], 0, np.inf, "runs", col)
    _check_range(runs["rpe"], 1, 10, "runs", "rpe")
    _check_range(runs["minimalist_index"], 0, 100, "runs", "minimalist_index")
    known = runs["shoe_class"].dropna()
    unknown = set(known) - set(SHOE_CLASSES)
    if unknown:
        raise RunlogError(f"runs frame: column 'shoe_class' has unknown class {sorted(unknown)[0]}")
    return runs


def validate_samples(samples: pd.DataFrame) -> pd.DataFrame:
    """Check a samples frame against the contract; return it unchanged."""
    _check_dtypes(samples, SAMPLES_DTYPES, "samples")
    _check_range(samples["heart_rate_bpm"], 0, 260, "samples", "heart_rate_bpm")
    return samples


def validate_pain(pain: pd.DataFrame) -> pd.DataFrame:
    """Check a pain frame against the contract; return it unchanged."""
    _check_dtypes(pain, PAIN_DTYPES, "pain")
    _check_range(pain["pain"], 0, 10, "pain", "pain")
    for col, allowed in (("time_of_day", TIMES_OF_DAY), ("region", REGIONS), ("side", SIDES)):
        bad = set(pain[col].dropna()) - set(allowed)
        if bad:
            raise RunlogError(f"pain frame: column '{col}' has unknown value {sorted(bad)[0]}")
    return pain


def validate_shoes(shoes: pd.DataFrame) -> pd.DataFrame:
    """Check a shoes catalog frame against the contract; return it unchanged."""
    _check_dtypes(shoes, SHOES_DTYPES, "shoes")
    _check_range(shoes["minimalist_index"], 0, 100, "shoes", "minimalist_index")
    _check_range(shoes["flex_score"], 0, 5, "shoes", "flex_score")
    return shoes


def validate_import_log(log: pd.DataFrame) -> pd.DataFrame:
    """Check an import log against the contract; return it unchanged."""
    _check_dtypes(log, IMPORT_LOG_DTYPES, "import log")
    bad = set(log["status"].dropna()) - set(STATUSES)
    if bad or log["status"].isna().any():
        raise RunlogError(f"import log: column 'status' has unknown value {sorted(bad or {'<NA>'})[0]}")
    return log


# --------------------------------------------------------------- which source wins
# One run seen by several sources (a Strava row and its FIT file, a Garmin CSV and a
# watch folder) is combined field by field in this order (ingest/merge.py; the
# Strava reader applies the same order to a row and its own file).

#: who names the run (its id) and gives gear, RPE and titles
PLATFORM_PRIORITY = ("strava", "garmin_json", "garmin_csv", "runkeeper", "samsung", "csv", "polar", "apple_health",
                     "fitbit", "fit", "tcx", "gpx")
#: who gives measured values (distance, times, HR, cadence, elevation). Polar's session JSON and an
#: Apple Health workout are the device's own figures; Fitbit's are a tracker's estimates, often from
#: steps, so they rank after the platforms that copied a watch's figures. Samsung Health's exercise
#: table holds the watch's or phone's summary, ranked as Runkeeper's table (after the files).
DEVICE_PRIORITY = ("fit", "tcx", "polar", "apple_health", "gpx", "garmin_json", "garmin_csv", "strava", "runkeeper",
                   "samsung", "fitbit", "csv")
#: who knows the runner's local date best (Polar and Samsung Health write each session's UTC offset,
#: Apple Health the zone of watch workouts; the Garmin CSV and Runkeeper write local wall time;
#: Fitbit's times carry no zone: a configured one is assumed)
DATE_PRIORITY = ("fit", "garmin_json", "polar", "apple_health", "samsung", "garmin_csv", "runkeeper", "tcx", "gpx",
                 "strava", "fitbit", "csv")

PLATFORM_FIELDS = ("name", "description", "gear_id", "gear_name", "rpe", "sport")
DEVICE_FIELDS = (
    "start_time",
    "distance_m",
    "moving_time_s",
    "elapsed_time_s",
    "avg_heart_rate_bpm",
    "avg_cadence_spm",
    "elevation_gain_m",
)
#: exceptions to the orders above, field by field. A GPX file has no distance or
#: elevation gain of its own: its reader sums the track's great-circle segments
#: and elevation rises, which run long on a noisy track (12.6 km against the
#: device's 12.0 km for the Strava GPX in ../shared/data), so every platform's
#: values rank before them.
_SUMMED_FROM_TRACK = ("fit", "tcx", "polar", "apple_health", "garmin_json", "garmin_csv", "strava", "runkeeper",
                      "samsung", "fitbit", "csv", "gpx")
FIELD_PRIORITY: dict[str, tuple[str, ...]] = {
    "distance_m": _SUMMED_FROM_TRACK,
    "elevation_gain_m": _SUMMED_FROM_TRACK,
}


def names_run(ref: Any, run_id: str) -> bool:
    """Whether a user's reference (diary or overrides ``activity_id``) names the run ``run_id``.

    It does when it is the whole id, or the part after the id's source prefix
    (``strava:123`` is named by ``123``): a user copies the number a site shows.
    Surrounding blanks do not count. The one rule for the diary, the overrides
    and the old-id migration (:func:`id_suffixes` is its look-up table).
    """
    if not isinstance(ref, str):
        return False
    ref = ref.strip()
    return ref == run_id or run_id.endswith(":" + ref)


def id_suffixes(run_ids: Any) -> dict[str, list[str]]:
    """The part of each run id after its source prefix -> the ids ending in it (for :func:`names_run`).

    Ids without a prefix are not keys: they name their run only whole. A
    suffix shared by several runs (two sources' numbers) names none of them.
    """
    out: dict[str, list[str]] = {}
    for rid in map(str, run_ids):
        if ":" in rid:
            out.setdefault(rid.split(":", 1)[1], []).append(rid)
    return out


#: the years a run may be dated in: a typo such as 1700 or 2205 (or a device clock never set) is a failed
#: row, not a run centuries away. Less than pandas' 292-year span of time differences, so that no frame
#: built from plausible runs overflows.
PLAUSIBLE_YEARS = (1900, 2099)


def implausible_dates(stamps: np.ndarray | pd.Series) -> np.ndarray:
    """Where a date-time (naive wall time, or UTC) lies outside :data:`PLAUSIBLE_YEARS` (NaT is not)."""
    if isinstance(stamps, pd.Series):  # compared as they are (no copy); NaT compares False
        tz = stamps.dt.tz
        lo_t, hi_t = (pd.Timestamp(f"{PLAUSIBLE_YEARS[0]}-01-01", tz=tz),
                      pd.Timestamp(f"{PLAUSIBLE_YEARS[1] + 1}-01-01", tz=tz))
        return ((stamps < lo_t) | (stamps >= hi_t)).to_numpy(dtype=bool)
    # compared with the first and the day after the last plausible day (NaT compares False): the same as
    # comparing years, without the calendar arithmetic of a cast to years (~40 ms per 2 million stamps)
    lo, hi = np.datetime64(f"{PLAUSIBLE_YEARS[0]}-01-01"), np.datetime64(f"{PLAUSIBLE_YEARS[1] + 1}-01-01")
    stamps = np.asarray(stamps)
    return (stamps < lo) | (stamps >= hi)


def implausible_reason(column: str, stamp) -> str:
    """The import log's reason for a run dated outside :data:`PLAUSIBLE_YEARS`."""
    return (f"column '{column}': {str(stamp)[:10]} is not a plausible run date "
            f"({PLAUSIBLE_YEARS[0]}-{PLAUSIBLE_YEARS[1]}); fix the year")


#: below both, a "run" is an accidental start, a watch's test recording or a file with one track point
#: (seen in real GPX/FIT files and Fitbit archives): logged ``not_a_run`` with its values, never counted.
MIN_RUN_S = 30.0
MIN_RUN_M = 100.0


def too_short(runs: pd.DataFrame) -> np.ndarray:
    """Runs shorter than :data:`MIN_RUN_S` whose distance is unknown or under :data:`MIN_RUN_M`.

    The time is the elapsed time, else the moving time; a run without either is never too short
    (a generic CSV may give only the distance), nor one with 100 m or more (a manual entry of 5 km
    with a duration of 0).
    """
    def column(name: str) -> np.ndarray:
        if name not in runs.columns:
            return np.full(len(runs), np.nan)
        return pd.to_numeric(runs[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    time_s = column("elapsed_time_s")
    time_s = np.where(np.isnan(time_s), column("moving_time_s"), time_s)
    distance_m = column("distance_m")
    with np.errstate(invalid="ignore"):
        return (time_s < MIN_RUN_S) & ~(distance_m >= MIN_RUN_M)


def too_short_reason(time_s: float, distance_m: float) -> str:
    """The import log's reason for a run that :func:`too_short` marks."""
    distance = "distance unknown" if pd.isna(distance_m) else f"{float(distance_m):.0f} m"
    return (f"too short ({float(time_s):.0f} s, {distance}; under {MIN_RUN_S:.0f} s and "
            f"{MIN_RUN_M:.0f} m: an accidental start, a test recording or a single track point)")


#: a mean heart rate (bpm) at or above which a 0 m recording was exercise (a run whose GPS recorded no distance:
#: it stays, as 0 km, so that the day remains a run day), not a watch left running at rest
EXERCISE_HR_BPM = 100.0

#: sports done indoors, where 0 m is a distance not measured (a treadmill without a foot pod), not a run that
#: went nowhere: such a run is kept (Fitbit's reader reads its 0 m as distance unknown)
INDOOR_SPORTS: tuple[str, ...] = ("treadmill_running", "virtual_running")


def no_distance(runs: pd.DataFrame) -> np.ndarray:
    """Runs of exactly 0 m outdoors with no steps recorded, that :func:`too_short` does not already mark.

    A distance of 0 m (not missing: a missing distance is unknown, as on a watch that records heart rate
    and time only) in a sport not in :data:`INDOOR_SPORTS`, whose ``avg_cadence_spm`` (steps/min) is
    missing or 0 and whose mean heart rate is missing or below :data:`EXERCISE_HR_BPM`: a recording left
    running, or started by accident. A run with steps counted is kept (a watch in outdoor mode on a
    treadmill), and so is one with an exercising heart rate (a run whose GPS recorded nothing). The caller may clear more of them by their samples
    (a speed or distance above 0 somewhere in the recording).

    Parameters
    ----------
    runs : DataFrame
        Canonical runs (``distance_m`` in m, ``avg_cadence_spm`` in steps/min, ``avg_heart_rate_bpm``, ``sport``).

    Returns
    -------
    ndarray of bool
        One per run.
    """
    def column(name: str) -> np.ndarray:
        if name not in runs.columns:
            return np.full(len(runs), np.nan)
        return pd.to_numeric(runs[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    distance_m = column("distance_m")
    if not (distance_m == 0).any():  # nearly every import: nothing more to look at
        return np.zeros(len(runs), dtype=bool)
    sport = runs["sport"] if "sport" in runs.columns else pd.Series(pd.NA, index=runs.index, dtype="string")
    indoor = sport.astype("string").isin(list(INDOOR_SPORTS)).fillna(False).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        steps = column("avg_cadence_spm") > 0
        working = column("avg_heart_rate_bpm") >= EXERCISE_HR_BPM
    return (distance_m == 0) & ~indoor & ~steps & ~working & ~too_short(runs)


def duration_text(time_s: float) -> str:
    """A duration for a log reason: ``"45 s"``, ``"45 min"``, ``"1 h 05 min"``, ``"time unknown"`` (s in)."""
    if pd.isna(time_s):
        return "time unknown"
    seconds = float(time_s)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def no_distance_reason(time_s: float) -> str:
    """The import log's reason for a run that :func:`no_distance` marks (``time_s``: its time, s)."""
    return (f"no distance (0 m in {duration_text(time_s)}, no steps, speed or exercising heart rate recorded: a "
            "recording left running or started by accident; a treadmill or indoor run of 0 m is kept)")


def priority(field: str) -> tuple[str, ...]:
    """The order of sources for one field of a run seen by several (first wins)."""
    if field in FIELD_PRIORITY:
        return FIELD_PRIORITY[field]
    return PLATFORM_PRIORITY if field in PLATFORM_FIELDS else DEVICE_PRIORITY


# --------------------------------------------------------------- foot drills

#: the foot-intrinsic drills runlog suggests, with what each one trains (one line each).
#: Background: Warne & Gruber 2017, Sports Med Open 3:33; Taddei 2020, AJSM (METHODS.md 3).
DEFAULT_DRILLS: dict[str, str] = {
    "toe yoga": "lifting the big toe while the small toes stay down, then the reverse: "
    "independent control of the long and short toe flexors and extensors",
    "toe drops": "lifting all toes and lowering them one at a time: fine motor control "
    "and eccentric strength of the toe flexors",
    "short foot": "shortening the foot by drawing the ball toward the heel without curling the toes: "
    "the arch-supporting intrinsic muscles (abductor hallucis, flexor digitorum brevis)",
    "toe rainbows": "sweeping the toes side to side in an arc along the floor: "
    "toe abductors and adductors and forefoot mobility",
    "banded big toe with hip external rotation": "pressing the big toe down against a band while "
    "rotating the hip outward: flexor hallucis strength linked to the hip external rotators "
    "(foot tripod and knee alignment together)",
}
