"""Read the pain diary (FORMATS.md, "Pain diary"): runlog's own CSV format.

Two layouts are accepted; the reader tells them apart by the header.

**Long** (one row per date x time of day x region x side)::

    date,time_of_day,region,side,pain,activity_id,notes
    2026-03-02,morning,plantar,L,4,,first steps out of bed
    2026-03-02,during,achilles,B,2,12345678901,eased after 2 km

**Wide** (one row per day, friendlier to type in a spreadsheet)::

    date,achilles_R_morning,achilles_L_morning,plantar_after,notes
    2026-03-02,2,,3,long run

A wide column is ``<region>_<side>_<time of day>`` (the side may also come
last); a column without a side (``plantar_after``) means *both* sides, like
side ``B`` in the long layout. An empty wide cell means *not logged* and gives
no row: it is never pain 0. A wide ``notes`` column is copied to every entry of
that day, a wide ``activity_id`` column to that day's ``during`` and ``after``
entries only (morning pain belongs to no run).

Values are read case-insensitively and accept common synonyms (see
:data:`REGION_SYNONYMS`, :data:`TIME_OF_DAY_SYNONYMS`, :data:`SIDE_SYNONYMS`);
``_``, ``-`` and spaces are interchangeable (``Plantar-Fascia`` = ``plantar
fascia``). Side ``B`` (both) becomes one ``L`` and one ``R`` row. Dates are
ISO ``YYYY-MM-DD`` (a time after it is ignored), ``YYYY/MM/DD`` or the day-first
``DD.MM.YYYY``; slashed day/month orders are refused as ambiguous.

Unlike the activity readers, which log a bad row and go on, a diary with a bad
row is refused as a whole: a silently dropped pain entry would bias every
flare-up count. The :class:`~analysis.errors.RunlogError` names the file and
the first bad row (spreadsheet numbering: the header is row 1) and how many
other rows are bad. Entirely blank rows (Excel leaves them) are skipped.

The CSV plumbing (encoding, delimiter, spreadsheet row numbers, header
mapping, dates, bad-row reporting) is :mod:`analysis.io.table`, shared with the
drills and OSTRC readers; this module holds what is about pain diaries only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.table import (
    CsvTable,
    column_key,
    header_cells,
    map_columns,
    normalize_token,
    parse_date,
    raise_bad_rows,
    read_csv_table,
)

#: source column name (normalised: lower case, ``_`` for separators) -> canonical pain column
VARIABLE_MAP: dict[str, str] = {
    "date": "date",
    "day": "date",
    "time_of_day": "time_of_day",
    "time": "time_of_day",
    "when": "time_of_day",
    "region": "region",
    "site": "region",
    "location": "region",
    "body_part": "region",
    "side": "side",
    "pain": "pain",
    "nrs": "pain",
    "score": "pain",
    "activity_id": "activity_id",
    "activity": "activity_id",
    "run_id": "activity_id",
    "notes": "notes",
    "note": "notes",
    "comment": "notes",
    "comments": "notes",
}

#: synonym (normalised) -> canonical region (schema.REGIONS)
REGION_SYNONYMS: dict[str, str] = {
    "plantar": "plantar",
    "plantar fascia": "plantar",
    "plantar fasciitis": "plantar",
    "plantar fasciopathy": "plantar",
    "heel": "plantar",
    "achilles": "achilles",
    "achilles tendon": "achilles",
    "achilles tendinopathy": "achilles",
    "achilles tendinitis": "achilles",
    "patellar": "patellar",
    "patella": "patellar",
    "patellar tendon": "patellar",
    "patella tendon": "patellar",
    "patellar tendinopathy": "patellar",
    "knee": "patellar",
    "glute": "glute",
    "glutes": "glute",
    "gluteal": "glute",
    "gluteal tendon": "glute",
    "gluteus medius": "glute",
    "glute med": "glute",
    "hip": "glute",
    "buttock": "glute",
}

#: synonym (normalised) -> canonical time of day (schema.TIMES_OF_DAY)
TIME_OF_DAY_SYNONYMS: dict[str, str] = {
    "morning": "morning",
    "am": "morning",
    "a m": "morning",
    "first steps": "morning",
    "first step": "morning",
    "next morning": "morning",
    "during": "during",
    "during run": "during",
    "run": "during",
    "while running": "during",
    "after": "after",
    "after run": "after",
    "post": "after",
    "post run": "after",
    "afterwards": "after",
}

#: synonym (normalised) -> canonical sides; B (both) expands to L and R
SIDE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "l": ("L",),
    "left": ("L",),
    "r": ("R",),
    "right": ("R",),
    "b": ("L", "R"),
    "both": ("L", "R"),
    "bilateral": ("L", "R"),
}

def canonical_region(text: str) -> str | None:
    """The schema region named by ``text`` (synonyms accepted), or None."""
    return REGION_SYNONYMS.get(normalize_token(text))


def canonical_time_of_day(text: str) -> str | None:
    """The schema time of day named by ``text`` (synonyms accepted), or None."""
    return TIME_OF_DAY_SYNONYMS.get(normalize_token(text))


def canonical_sides(text: str) -> tuple[str, ...] | None:
    """The sides named by ``text``: ``("L",)``, ``("R",)``, ``("L", "R")`` for both, or None."""
    return SIDE_SYNONYMS.get(normalize_token(text))


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_WIDE_COLUMN = re.compile(
    rf"^(?P<region>{_alternatives(REGION_SYNONYMS)})"
    rf"(?:(?: (?P<side>{_alternatives(SIDE_SYNONYMS)}))? (?P<time>{_alternatives(TIME_OF_DAY_SYNONYMS)})"
    rf"|(?: (?P<time2>{_alternatives(TIME_OF_DAY_SYNONYMS)}) (?P<side2>{_alternatives(SIDE_SYNONYMS)})))$"
)


def parse_wide_column(header: str) -> tuple[str, tuple[str, ...], str] | None:
    """``"achilles_R_morning"`` -> ``("achilles", ("R",), "morning")``; no side = both; else None."""
    m = _WIDE_COLUMN.match(normalize_token(header))
    if m is None:
        return None
    side = m.group("side") or m.group("side2")
    time = m.group("time") or m.group("time2")
    sides = SIDE_SYNONYMS[side] if side else ("L", "R")
    return REGION_SYNONYMS[m.group("region")], sides, TIME_OF_DAY_SYNONYMS[time]


def parse_pain(text: str) -> int | None:
    """A pain score: an integer 0-10 (``4``, ``4.0``, ``4,0``); None when it is not one."""
    s = str(text).strip().replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        return None
    if not value.is_integer() or not 0 <= value <= 10:
        return None
    return int(value)


def _layout(table: CsvTable) -> tuple[str, dict[str, int], dict[int, tuple[str, tuple[str, ...], str]]]:
    cols = map_columns(table, VARIABLE_MAP)
    if "date" not in cols:
        raise RunlogError("no 'date' column", path=table.label, row=1)
    if {"time_of_day", "region", "pain"} <= cols.keys():
        return "long", cols, {}
    wide: dict[int, tuple[str, tuple[str, ...], str]] = {}
    unknown = []
    for pos, cell in enumerate(table.header):
        if pos in cols.values():
            continue
        parsed = parse_wide_column(cell)
        if parsed is None:
            unknown.append(cell)
        else:
            wide[pos] = parsed
    if not wide:
        raise RunlogError(
            "neither the long layout (date,time_of_day,region,side,pain,...) nor the wide one "
            "(date,achilles_R_morning,...)",
            path=table.label,
            row=1,
        )
    if unknown:
        raise RunlogError(
            f"column '{unknown[0]}' is not <region>_<side>_<time of day> (e.g. achilles_R_morning)",
            path=table.label,
            row=1,
        )
    return "wide", cols, wide


def _long_rows(table: CsvTable, cols: dict[str, int], bad: list[tuple[int, str]]) -> list[dict]:
    out = []

    def cell(cells, key):
        return cells[cols[key]] if key in cols else ""

    for row, cells in table.rows:
        date = parse_date(cell(cells, "date"))
        time = canonical_time_of_day(cell(cells, "time_of_day"))
        region = canonical_region(cell(cells, "region"))
        sides = canonical_sides(cell(cells, "side")) if "side" in cols else None
        pain = parse_pain(cell(cells, "pain"))
        if date is None:
            bad.append((row, f"date '{cell(cells, 'date')}' is not YYYY-MM-DD"))
        elif time is None:
            bad.append((row, f"time of day '{cell(cells, 'time_of_day')}' is not morning, during or after"))
        elif region is None:
            bad.append((row, f"region '{cell(cells, 'region')}' is not plantar, achilles, patellar or glute"))
        elif sides is None:
            bad.append((row, f"side '{cell(cells, 'side')}' is not L, R or B"))
        elif pain is None:
            bad.append((row, f"pain '{cell(cells, 'pain')}' is not an integer 0-10"))
        else:
            for side in sides:
                out.append(
                    {
                        "date": date,
                        "time_of_day": time,
                        "region": region,
                        "side": side,
                        "pain": pain,
                        "activity_id": cell(cells, "activity_id") or None,
                        "notes": cell(cells, "notes") or None,
                    }
                )
    return out


def _wide_rows(
    table: CsvTable,
    cols: dict[str, int],
    wide: dict[int, tuple[str, tuple[str, ...], str]],
    bad: list[tuple[int, str]],
) -> list[dict]:
    out = []
    for row, cells in table.rows:
        date = parse_date(cells[cols["date"]])
        if date is None:
            bad.append((row, f"date '{cells[cols['date']]}' is not YYYY-MM-DD"))
            continue
        notes = cells[cols["notes"]] if "notes" in cols else ""
        activity = cells[cols["activity_id"]] if "activity_id" in cols else ""
        for pos, (region, sides, time) in wide.items():
            text = cells[pos]
            if not text:
                continue
            pain = parse_pain(text)
            if pain is None:
                bad.append((row, f"pain '{text}' in column '{table.header[pos]}' is not an integer 0-10"))
                break
            for side in sides:
                out.append(
                    {
                        "date": date,
                        "time_of_day": time,
                        "region": region,
                        "side": side,
                        "pain": pain,
                        "activity_id": (activity or None) if time != "morning" else None,
                        "notes": notes or None,
                    }
                )
    return out


def sniff(head: bytes, name: str) -> bool:
    """True when the first bytes look like a pain diary (long or wide layout)."""
    cells = header_cells(head[:4096])
    keys = {VARIABLE_MAP.get(column_key(c)) for c in cells}
    if "date" not in keys:
        return False
    return {"time_of_day", "region", "pain"} <= keys or any(parse_wide_column(c) for c in cells)


def read_pain_diary(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read a pain diary, long or wide layout, into the canonical pain frame.

    Parameters
    ----------
    source : str, Path or bytes
        The diary CSV, or its content.
    name : str, optional
        The file name to use in messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        Canonical pain frame (:data:`analysis.schema.PAIN_DTYPES`): ``date``
        (local calendar date), ``time_of_day``, ``region``, ``side`` (L/R),
        ``pain`` (0-10 numeric rating, integer), ``activity_id`` (as written in
        the diary, e.g. a bare Strava id), ``notes``. Sorted by date, stable
        otherwise. Only entries that were written appear: a missing entry means
        *not logged*, never 0.

    Raises
    ------
    RunlogError
        Naming the file and the first bad row (header = row 1): unparseable
        date, unknown time of day / region / side, pain not an integer 0-10;
        or the whole file when its header fits neither layout.

    Notes
    -----
    Duplicate entries (the same date, time of day, region and side twice, e.g.
    ``B`` and ``L`` on one day) are all kept; :func:`analysis.flareups.daily_pain`
    takes their maximum.

    References
    ----------
    FORMATS.md, "Pain diary"; METHODS.md 4 (0-10 numeric rating, times of day).
    """
    table = read_csv_table(source, name=name)
    layout, cols, wide = _layout(table)
    bad: list[tuple[int, str]] = []
    records = _long_rows(table, cols, bad) if layout == "long" else _wide_rows(table, cols, wide, bad)
    raise_bad_rows(table.label, bad)
    frame = pd.DataFrame.from_records(records, columns=list(schema.PAIN_DTYPES))
    frame = schema.coerce_pain(frame)
    return frame.sort_values("date", kind="stable").reset_index(drop=True)
