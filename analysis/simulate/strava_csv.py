"""Strava's export tables for a simulated runner: ``activities.csv`` and ``shoes.csv``.

``activities.csv`` follows the 94-column layout of FORMATS.md (2022-24) with
its duplicated columns: the first ``Distance`` is km with 2 decimals, the
second metres; ``Activity Date`` is UTC in the en-US form
``Oct 6, 2022, 11:19:20 PM``; ``Average Cadence`` is strides/min;
``Activity Gear`` is the shoe's name (blank for barefoot runs and forgotten
gear) and ``Gear`` its numeric id written as a float. ``Filename`` is the
upload's file (another number than the Activity ID, as in real exports),
blank for manual entries. Walks and rides are manual entries.

Written with :mod:`csv` by hand because the layout repeats column names,
which pandas' writer cannot express.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping

import pandas as pd

from analysis.simulate.params import SimParams

#: The 94 columns of Strava's activities.csv (FORMATS.md), in order.
STRAVA_COLUMNS_94: tuple[str, ...] = (
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute", "Activity Private Note",
    "Activity Gear", "Filename", "Athlete Weight", "Bike Weight", "Elapsed Time", "Moving Time", "Distance",
    "Max Speed", "Average Speed", "Elevation Gain", "Elevation Loss", "Elevation Low", "Elevation High",
    "Max Grade", "Average Grade", "Average Positive Grade", "Average Negative Grade", "Max Cadence",
    "Average Cadence", "Max Heart Rate", "Average Heart Rate", "Max Watts", "Average Watts", "Calories",
    "Max Temperature", "Average Temperature", "Relative Effort", "Total Work", "Number of Runs",
    "Uphill Time", "Downhill Time", "Other Time", "Perceived Exertion", "Type", "Start Time",
    "Weighted Average Power", "Power Count", "Prefer Perceived Exertion", "Perceived Relative Effort",
    "Commute", "Total Weight Lifted", "From Upload", "Grade Adjusted Distance", "Weather Observation Time",
    "Weather Condition", "Weather Temperature", "Apparent Temperature", "Dewpoint", "Humidity",
    "Weather Pressure", "Wind Speed", "Wind Gust", "Wind Bearing", "Precipitation Intensity",
    "Sunrise Time", "Sunset Time", "Moon Phase", "Bike", "Gear", "Precipitation Probability",
    "Precipitation Type", "Cloud Cover", "Weather Visibility", "UV Index", "Weather Ozone", "Jump Count",
    "Total Grit", "Average Flow", "Flagged", "Average Elapsed Speed", "Dirt Distance",
    "Newly Explored Distance", "Newly Explored Dirt Distance", "Activity Count", "Total Steps",
    "Carbon Saved", "Pool Length", "Training Load", "Intensity", "Average Grade Adjusted Pace",
    "Timer Time", "Total Cycles", "Media",
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def strava_date(utc: pd.Timestamp) -> str:
    """UTC time in Strava's en-US export form, e.g. ``Oct 6, 2022, 11:19:20 PM``."""
    hour12 = utc.hour % 12 or 12
    ampm = "AM" if utc.hour < 12 else "PM"
    return f"{MONTHS[utc.month - 1]} {utc.day}, {utc.year}, {hour12}:{utc.minute:02d}:{utc.second:02d} {ampm}"


def _f(value, digits: int = 1) -> str:
    """A float cell as Strava writes it ("163.0"); blank for NA."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return ""
    return f"{float(value):.{digits}f}"


def filename_of(run: Mapping) -> str:
    """The export's ``Filename`` cell: the upload's file, blank for manual entries."""
    if run["file_kind"] == "fit":
        return f"activities/{run['upload_id']}.fit.gz"
    if run["file_kind"] == "gpx":
        return f"activities/{run['upload_id']}.gpx"
    return ""


def _run_cells(run: Mapping, gear_ids: Mapping[str, str]) -> dict[tuple[str, int], str]:
    km = run["distance_m"] / 1000.0
    hr_ok = bool(run["file_kind"])
    gear = run["shoe"] if run["gear_recorded"] else ""
    effort = max(1, round(run["moving_time_s"] / 60 * max(0.2, (run["avg_heart_rate_bpm"] - 110) / 30)))
    strides = run["avg_cadence_spm"] / 2
    return {
        ("Activity ID", 0): str(run["strava_id"]),
        ("Activity Date", 0): strava_date(run["start_time"]),
        ("Activity Name", 0): run["name"],
        ("Activity Type", 0): "Run",
        ("Activity Description", 0): run["description"],
        ("Elapsed Time", 0): str(int(run["elapsed_time_s"])),
        ("Distance", 0): f"{km:.2f}",
        ("Max Heart Rate", 0): _f(round(run["max_heart_rate_bpm"])) if hr_ok else "",
        ("Relative Effort", 0): str(effort) if hr_ok else "",
        ("Commute", 0): "false",
        ("Activity Gear", 0): gear,
        ("Filename", 0): filename_of(run),
        ("Athlete Weight", 0): "72.0",
        ("Elapsed Time", 1): _f(run["elapsed_time_s"]),
        ("Moving Time", 0): _f(run["moving_time_s"]),
        ("Distance", 1): _f(run["distance_m"]),
        ("Max Speed", 0): _f(run["max_speed_mps"], 3) if hr_ok else "",
        ("Average Speed", 0): _f(run["avg_speed_mps"], 3),
        ("Elevation Gain", 0): _f(run["elevation_gain_m"]) if hr_ok else "",
        ("Elevation Loss", 0): _f(run["elevation_gain_m"]) if hr_ok else "",
        ("Elevation Low", 0): _f(run["altitude_base_m"]) if hr_ok else "",
        ("Elevation High", 0): _f(run["altitude_base_m"] + run["hill_m"]) if hr_ok else "",
        ("Average Grade", 0): "0.0",
        ("Max Cadence", 0): _f(round(run["max_cadence_spm"]) / 2) if hr_ok else "",
        ("Average Cadence", 0): _f(strides) if hr_ok else "",
        ("Max Heart Rate", 1): _f(round(run["max_heart_rate_bpm"])) if hr_ok else "",
        ("Average Heart Rate", 0): _f(round(run["avg_heart_rate_bpm"])) if hr_ok else "",
        ("Calories", 0): _f(round(72.0 * km)),
        ("Relative Effort", 1): _f(effort) if hr_ok else "",
        ("Perceived Exertion", 0): _f(run["rpe"]),
        ("Commute", 1): "0.0",
        ("From Upload", 0): "1.0" if run["file_kind"] else "0.0",
        ("Grade Adjusted Distance", 0): _f(run["distance_m"] * 1.004),
        ("Gear", 0): f"{gear_ids[gear]}.0" if gear else "",
        ("Average Elapsed Speed", 0): _f(run["distance_m"] / run["elapsed_time_s"], 3),
        ("Dirt Distance", 0): "0.0",
        ("Total Steps", 0): _f(round(run["avg_cadence_spm"] * run["moving_time_s"] / 60)) if hr_ok else "",
        ("Carbon Saved", 0): "0.0",
        ("Average Grade Adjusted Pace", 0): _f(run["avg_speed_mps"] * 1.004, 3),
    }


def _other_cells(o: Mapping) -> dict[tuple[str, int], str]:
    km = o["distance_m"] / 1000.0
    return {
        ("Activity ID", 0): str(o["strava_id"]),
        ("Activity Date", 0): strava_date(o["start_time"]),
        ("Activity Name", 0): o["name"],
        ("Activity Type", 0): o["sport"],
        ("Elapsed Time", 0): str(int(o["elapsed_time_s"])),
        ("Distance", 0): f"{km:.2f}",
        ("Commute", 0): "false",
        ("Athlete Weight", 0): "72.0",
        ("Elapsed Time", 1): _f(o["elapsed_time_s"]),
        ("Moving Time", 0): _f(o["moving_time_s"]),
        ("Distance", 1): _f(o["distance_m"]),
        ("Average Speed", 0): _f(o["distance_m"] / o["moving_time_s"], 3),
        ("Commute", 1): "0.0",
        ("From Upload", 0): "0.0",
        ("Average Elapsed Speed", 0): _f(o["distance_m"] / o["elapsed_time_s"], 3),
        ("Carbon Saved", 0): "0.0",
    }


def activities_csv(runs: pd.DataFrame, others: pd.DataFrame, p: SimParams) -> str:
    """Strava's ``activities.csv`` (94 columns) for the runs and the other activities, in time order."""
    gear_ids = {s.name: s.gear_id for s in p.shoes}
    cells = [(r["start_time"], _run_cells(r, gear_ids)) for r in runs.to_dict("records")]
    cells += [(o["start_time"], _other_cells(o)) for o in others.to_dict("records")]
    cells.sort(key=lambda c: c[0])
    keys, seen = [], {}
    for name in STRAVA_COLUMNS_94:
        keys.append((name, seen.get(name, 0)))
        seen[name] = seen.get(name, 0) + 1
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(STRAVA_COLUMNS_94)
    for _, row in cells:
        writer.writerow([row.get(k, "") for k in keys])
    return buf.getvalue()


def strava_shoes_csv(p: SimParams) -> str:
    """Strava's ``shoes.csv`` (Shoe Name, Shoe Brand, Shoe Model, Shoe Default Sport Types)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Shoe Name", "Shoe Brand", "Shoe Model", "Shoe Default Sport Types"])
    for s in p.shoes:
        writer.writerow([s.name, s.brand, s.model, "Run" if s.use == "traditional" else ""])
    return buf.getvalue()
