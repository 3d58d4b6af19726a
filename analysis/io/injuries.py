"""Read weekly injury reports per body area (``injuries.csv``, FORMATS.md "Injury reports").

One row per report date and area::

    date,region,side,severity
    2026-03-09,knee,L,minor
    2026-03-16,,,none

* ``date``: the report date; a timestamp with a time of day takes its date as written
  (a ``Z``/offset timestamp is converted to ``tz`` first when given).
* ``region``: a runlog region (or a pain-diary synonym) or a body area: foot -> plantar;
  ankle, achilles, lower leg, leg -> achilles; knee -> patellar; hip, groin, glute ->
  glute; side-prefixed keys (``left_knee``, ``right_foot``) and ``groin_hip`` too.
  Areas runlog does not model (shoulder, hand, head, chest, back, ...) are kept with
  ``region`` NA and ``modelled`` False: counted, not analysed.
* ``side``: L, R, B or empty. ``severity``: none, minor, major, or an OSTRC-O2
  severity 0-100 (0 = none).

A report date whose only row has severity none (or an empty region) is a report
with no problem. A bad row refuses the file, naming file and row (header = row 1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError
from analysis.io.pain_diary import canonical_region
from analysis.io.table import map_columns, normalize_token, read_csv_table

VARIABLE_MAP: dict[str, str] = {
    "date": "date", "report_date": "date", "week": "date", "timestamp": "date",
    "region": "region", "area": "region", "body_area": "region", "body_part": "region",
    "side": "side", "severity": "severity",
}

#: body areas -> runlog region (FORMATS.md)
AREA_TO_REGION: dict[str, str] = {
    "foot": "plantar", "ankle": "achilles", "achilles": "achilles", "lower leg": "achilles", "leg": "achilles",
    "calf": "achilles", "knee": "patellar", "hip": "glute", "groin": "glute", "glute": "glute",
    "groin hip": "glute", "hip groin": "glute",
}

#: body areas counted but not analysed
UNMODELLED = {"shoulder", "hand", "head", "chest", "back", "neck", "arm", "elbow", "wrist", "thigh",
              "lower back", "upper back", "abdomen", "other", "hamstring", "toe"}

_SIDES = {"l": "L", "left": "L", "r": "R", "right": "R", "b": "B", "both": "B", "": None}


def _area(text: str) -> tuple[str | None, str | None, bool]:
    """(region, side from a prefix, modelled) of an area cell; raises KeyError when unknown."""
    key = normalize_token(text)
    side = None
    for prefix, s in (("left ", "L"), ("right ", "R")):
        if key.startswith(prefix):
            key, side = key[len(prefix):], s
    region = canonical_region(key) or AREA_TO_REGION.get(key)
    if region is not None:
        return region, side, True
    if key in UNMODELLED:
        return None, side, False
    raise KeyError(text)


def _severity(text: str) -> tuple[str, float | None, bool]:
    """(label, 0-100 number or None, problem) of a severity cell; raises ValueError when unknown."""
    key = normalize_token(text)
    if key in ("", "none", "no", "0"):
        return "none", 0.0, False
    if key in ("minor", "major"):
        return key, None, True
    value = float(key)
    if not 0 <= value <= 100:
        raise ValueError(text)
    return ("none" if value == 0 else "ostrc"), value, value > 0


def read_injuries(source: str | Path | bytes, *, name: str | None = None, tz=None) -> pd.DataFrame:
    """Read weekly injury reports.

    Returns
    -------
    DataFrame
        One row per report row: ``date`` (local date, datetime64), ``region`` (runlog
        region, NA for an unmodelled area or a no-problem row), ``area`` (as written),
        ``side`` (L/R/B or NA), ``severity`` (none, minor, major, ostrc),
        ``severity_score`` (0-100 where given), ``problem`` (bool), ``modelled`` (bool).
        Sorted by date. Every report date appears (a no-problem report too).

    Raises
    ------
    RunlogError
        A missing column, or the first bad row: unreadable date, unknown area,
        unknown side or severity.
    """
    table = read_csv_table(source, name=name)
    cols = map_columns(table, VARIABLE_MAP)
    if "date" not in cols:
        raise RunlogError("no 'date' column (an injury report file needs date,region,side,severity)",
                          path=table.label, row=1)
    records = []
    for row, cells in table.rows:
        raw_date = cells[cols["date"]]
        try:
            ts = pd.Timestamp(raw_date)
        except (ValueError, TypeError):
            ts = None
        if ts is None or pd.isna(ts):
            raise RunlogError(f"date '{raw_date}' is not a date: write YYYY-MM-DD", path=table.label, row=row, line=table.lines.get(row))
        if ts.tzinfo is not None and tz is not None:
            ts = ts.tz_convert(str(tz))
        date = pd.Timestamp(ts.date())
        area = cells[cols["region"]] if "region" in cols else ""
        sev_text = cells[cols["severity"]] if "severity" in cols else ("minor" if area else "none")
        try:
            sev, score, problem = _severity(sev_text)
        except ValueError:
            raise RunlogError(f"severity '{sev_text}' is not none, minor, major or 0-100", path=table.label,
                              row=row, line=table.lines.get(row)) from None
        region, side, modelled = None, None, True
        if area.strip():
            try:
                region, side, modelled = _area(area)
            except KeyError:
                raise RunlogError(f"body area '{area}' is unknown: use plantar, achilles, patellar, glute or "
                                  "foot, ankle, lower leg, knee, hip, groin", path=table.label, row=row, line=table.lines.get(row)) from None
        else:
            problem = False
        side_text = normalize_token(cells[cols["side"]]) if "side" in cols else ""
        if side_text not in _SIDES:
            raise RunlogError(f"side '{cells[cols['side']]}' is not L, R or B", path=table.label, row=row, line=table.lines.get(row))
        side = _SIDES[side_text] or side
        records.append({"date": date, "region": region, "area": area.strip() or None, "side": side,
                        "severity": sev, "severity_score": score, "problem": bool(problem and modelled),
                        "modelled": modelled})
    out = pd.DataFrame.from_records(records, columns=["date", "region", "area", "side", "severity",
                                                      "severity_score", "problem", "modelled"])
    out["region"] = out["region"].astype("string")
    out["side"] = out["side"].astype("string")
    return out.sort_values("date", kind="stable").reset_index(drop=True)
