"""Analysis-ready tables (Parquet and CSV) and their data dictionary (``runlog report --tables DIR``).

Anyone can refit runlog's models outside runlog from these files alone: the
per-day table the primary model is fitted on (``model_<region>``: one row per
at-risk, logged day with the outcome and the model's columns exactly as
fitted), plus tidy runs, daily, weekly and episodes tables. ``data_dictionary.csv``
gives table, column, unit, description and METHODS.md section of every column
written. Every table is built from the :class:`analysis.pipeline.Analysis` of
the report (nothing is computed twice, except the model frames: the design of
:func:`analysis.stats.primary.fit_primary`, rebuilt from the same frames with
the adjustments the findings name). DESIGN.md layout, METHODS.md 1-5.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from analysis.pipeline import Analysis

#: the tables, in the order they are written
TABLES = ("runs", "daily", "weekly", "episodes")
REGION_WORDS = {"plantar": "plantar fascia", "achilles": "Achilles tendon", "patellar": "patellar tendon",
                "glute": "gluteal tendons"}
CLASS_WORDS = {"barefoot": "barefoot shoes", "minimalist": "minimalist shoes", "partial": "partial-minimalist shoes",
               "traditional": "traditional shoes", "unknown": "shoes of unknown class",
               "barefoot_style": "barefoot-style shoes (barefoot + minimalist)",
               "traditional_style": "traditional-style shoes (partial + traditional)"}

# (unit, description, METHODS.md section) of fixed columns; per-region and per-class columns are below
_COLUMNS: dict[str, tuple[str, str, str]] = {
    "activity_id": ("", "activity identifier (source:id)", "1"),
    "start_time": ("UTC", "start of the run", "1"),
    "date": ("local date", "day (the runner's local calendar day)", "1"),
    "sport": ("", "sport as exported", "1"),
    "name": ("", "activity name as exported", "1"),
    "description": ("", "activity description as exported", "1"),
    "distance_m": ("m", "distance", "1"),
    "moving_time_s": ("s", "moving time", "1"),
    "elapsed_time_s": ("s", "elapsed time", "1"),
    "avg_heart_rate_bpm": ("1/min", "mean heart rate", "1"),
    "avg_cadence_spm": ("steps/min", "mean cadence", "1"),
    "elevation_gain_m": ("m", "elevation gain", "1"),
    "rpe": ("0-10", "rating of perceived exertion", "2"),
    "gear_id": ("", "gear identifier as exported", "3"),
    "gear_name": ("", "shoe name", "3"),
    "shoe_class": ("", "footwear class (barefoot, minimalist, partial, traditional, unknown)", "3"),
    "minimalist_index": ("%", "Minimalist Index of the shoe (Esculier 2015)", "3"),
    "minimalist_index_max": ("%", "highest Minimalist Index the shoe's specs allow", "3"),
    "shoe_rule": ("", "which rule assigned the shoe", "3"),
    "shoe_specs": ("", "where the shoe's class and MI came from", "3"),
    "shoe_catalog": ("", "catalog row name of the shoe", "3"),
    "source": ("", "reader that read the run", "1"),
    "source_file": ("", "file the run was read from", "1"),
    "km": ("km", "distance run", "2"),
    "minutes": ("min", "moving time", "2"),
    "runs": ("count", "runs", "2"),
    "srpe_au": ("AU", "session RPE load: RPE x minutes, summed", "2"),
    "longest_run_km": ("km", "longest single run", "2"),
    "acute_km": ("km", "acute load: exponentially weighted daily km (7-day)", "2"),
    "chronic_km": ("km", "chronic load: exponentially weighted daily km (28-day)", "2"),
    "week_start": ("date", "Monday of the ISO week", "2"),
    "iso_year": ("", "ISO year", "2"),
    "iso_week": ("", "ISO week number", "2"),
    "days": ("days", "days of the week inside the period", "2"),
    "barefoot_style_share_pct": ("%", "barefoot-style km / all km of the week", "3"),
    "region": ("", "pain region (plantar, achilles, patellar, glute)", "4"),
    "side": ("", "side (L, R, B = both merged)", "4"),
    "onset_date": ("date", "flare-up onset", "4"),
    "end_date": ("date", "end of the flare-up episode", "4"),
    "rule": ("", "onset rule (sustained, red flag)", "4"),
    "peak": ("0-10", "highest pain of the episode", "4"),
    "baseline": ("0-10", "baseline B before onset (median of 112 mornings; 28 by rule=methods)", "4"),
    "spread": ("0-10", "spread S before onset (SD; MAD x 1.4826 by rule=methods)", "4"),
    "onset_level": ("0-10", "onset level L = max(B + 2, B + 4 S, 3) (B + 2 S by rule=methods)", "4"),
    "item": ("", "diary item the rule used (morning, fallback)", "4"),
    "reopened": ("0/1", "episode reopened within the refractory days", "4"),
    "onset": ("0/1", "flare-up onset on this day (the outcome)", "5"),
    "const": ("1", "model constant (intercept column)", "5"),
    "barefoot_share_7d": ("10 points", "barefoot-style share of km on days t-7..t-1 minus the runner's usual "
                          "share at that time (docs/methods.md 5, footwear contrast), per 10 percentage points, "
                          "centred on the model days' mean", "5"),
    "km_7d": ("10 km", "km on days t-7..t-1 per 10 km, centred on the model days' mean", "5"),
    "days_since_flare": ("log days", "log days since the last episode ended, centred", "5"),
    "season_sin": ("1", "sine of the day of the year, centred", "5"),
    "season_cos": ("1", "cosine of the day of the year, centred", "5"),
    "km_lag_shape_1": ("10 km", "distributed-lag shape term 1 of km over days 8-28, centred", "5"),
    "km_lag_shape_2": ("10 km", "distributed-lag shape term 2 of km over days 8-28, centred", "5"),
    "no_flare_yet": ("0/1", "no flare-up yet in the diary, centred", "5"),
}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO strings' dtype-stable datetimes, nullable numbers kept, objects as strings."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].astype("string")
    return out


def daily_table(data: Analysis) -> pd.DataFrame:
    """Per date: km by class and load metrics, and per region morning pain, logged, at-risk and onset flags."""
    daily = data.daily.join(data.acute_chronic, how="left")
    rd = data.frames.region_days
    out = daily.reset_index()
    if len(rd):
        wide = rd.pivot_table(index="date", columns="region",
                              values=["morning_pain", "logged", "at_risk", "onset"], aggfunc="first")
        wide.columns = [f"{what}_{region}" for what, region in wide.columns]
        order = [f"{w}_{r}" for r in REGION_WORDS for w in ("morning_pain", "logged", "at_risk", "onset")
                 if f"{w}_{r}" in wide.columns]
        wide = wide[order]
        for c in wide.columns:
            if not c.startswith("morning_pain_"):
                wide[c] = wide[c].astype("Int64")
        out = out.merge(wide.reset_index(), on="date", how="left")
    return out


def model_frames(data: Analysis) -> dict[str, pd.DataFrame]:
    """The primary model's frame of each region whose model was fitted: ``date``, ``onset`` and its columns.

    Built as :func:`analysis.stats.primary.fit_primary` builds it: the at-risk,
    logged days with 28 days of known km (:func:`~analysis.stats.primary_design.model_days`),
    the design of the adjustments the findings name (``regions.<r>.model.adjustments``),
    columns without variation left out. Both primary estimands of a region are
    coefficients of this one model (METHODS.md 5).
    """
    from analysis.findings import region_frame
    from analysis.stats.primary_design import design, load_arrays, model_days, spec_for

    fr = data.frames
    if not len(fr.region_days) or not len(fr.daily):
        return {}
    loads = load_arrays(fr.history if fr.history is not None else fr.daily)
    out = {}
    for region, res in data.findings.get("regions", {}).items():
        model = res.get("model") or {}
        if not model.get("parameters"):
            continue
        frame = region_frame(fr, region)  # the fitted model's own days and flare history
        days = model_days(frame, loads)
        spec = spec_for(tuple(model.get("adjustments") or ()))
        X = design(days, spec)
        names = ["const", *spec.columns]
        keep = [0] + [i + 1 for i, s in enumerate(X[:, 1:].std(axis=0)) if s > 1e-9]
        table = pd.DataFrame(X[:, keep], columns=[names[i] for i in keep])
        table.insert(0, "onset", days.onset.astype(np.int64))
        table.insert(0, "date", pd.DatetimeIndex(days.dates))
        out[f"model_{region}"] = table
    return out


def tables(data: Analysis) -> dict[str, pd.DataFrame]:
    """Every analysis-ready table of ``data`` by name: runs, daily, weekly, episodes, model_<region>."""
    runs = data.runs.reset_index()
    out = {
        "runs": runs,
        "daily": daily_table(data),
        "weekly": data.weekly.reset_index(),
        "episodes": data.episodes.reset_index(drop=True),
        **model_frames(data),
    }
    return {name: _plain(frame) for name, frame in out.items()}


def _describe(table: str, column: str) -> tuple[str, str, str]:
    if column in _COLUMNS:
        unit, text, section = _COLUMNS[column]
        if table.startswith("model_") and column not in ("date", "onset", "const"):
            text = f"model column: {text}"
        if table.startswith("model_") and column == "date":
            text = (f"{text}; the estimands' intervals are widened where a sandwich variance over 28-day blocks "
                    "counted from the first row's date exceeds the model's (docs/methods.md 5)")
            section = "5"
        return unit, text, section
    for what, (unit, text, section) in {
        "morning_pain_": ("0-10", "morning pain (sides merged: the worse side)", "4"),
        "logged_": ("0/1", "diary entry for the region on this day", "4"),
        "at_risk_": ("0/1", "at risk of an onset (not in a flare-up or its refractory days)", "5"),
        "onset_": ("0/1", "flare-up onset on this day", "4"),
    }.items():
        if column.startswith(what):
            region = column[len(what):]
            return unit, f"{text}: {REGION_WORDS.get(region, region)}", section
    if column.startswith("km_"):
        cls = column[3:]
        if cls in CLASS_WORDS:
            return "km", f"km run in {CLASS_WORDS[cls]}", "3"
    raise KeyError(f"column {column!r} of table {table!r} is not in the data dictionary")


def data_dictionary(named: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """table, column, unit, description and METHODS.md section of every column of ``named``.

    Raises
    ------
    KeyError
        A column nobody described (a test keeps this from shipping).
    """
    rows = []
    for table, frame in named.items():
        for column in frame.columns:
            unit, text, section = _describe(table, str(column))
            rows.append({"table": table, "column": str(column), "unit": unit, "description": text,
                         "methods_section": f"METHODS.md {section}"})
    return pd.DataFrame(rows, columns=["table", "column", "unit", "description", "methods_section"])


def write_tables(data: Analysis, folder: str | os.PathLike) -> dict[str, Path]:
    """Write :func:`tables` as ``<name>.parquet`` and ``<name>.csv`` and ``data_dictionary.csv`` to ``folder``.

    Returns
    -------
    dict
        Table name -> Parquet path (``data_dictionary`` -> its CSV).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    named = tables(data)
    dictionary = data_dictionary(named)  # before writing: an undescribed column writes nothing
    written = {}
    for name, frame in named.items():
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
        written[name] = path
    dictionary.to_csv(folder / "data_dictionary.csv", index=False)
    written["data_dictionary"] = folder / "data_dictionary.csv"
    return written
