"""Read the foot-drills log (DESIGN.md, ``--drills``); adherence is :mod:`analysis.drills`.

A drills log is a small CSV, one row per drill done on a day::

    date,drill,sets,reps,minutes,notes
    2026-03-02,toe yoga,3,10,,
    2026-03-02,short foot,2,,5,standing

``date`` and ``drill`` are required; ``sets`` and ``reps`` are whole numbers,
``minutes`` a number (decimal point or comma), all optional and >= 0. Drill
names are kept as written but normalised (lower case, single spaces, ``_`` and
``-`` read as spaces), and the spellings in :data:`DRILL_SYNONYMS` are mapped
to the names of :data:`DEFAULT_DRILLS`. As with the pain diary, a bad row
refuses the file with a :class:`~analysis.errors.RunlogError` naming the file
and row (header = row 1); blank rows are skipped. Reading the CSV (encoding,
delimiter, row numbers) and dates follow :mod:`analysis.io.table`
(:func:`~analysis.io.table.parse_date`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RunlogError
from analysis.io.table import (
    column_key,
    header_cells,
    map_columns,
    normalize_token,
    parse_date,
    raise_bad_rows,
    read_csv_table,
)

#: source column name (normalised) -> canonical drills column
VARIABLE_MAP: dict[str, str] = {
    "date": "date",
    "day": "date",
    "drill": "drill",
    "exercise": "drill",
    "sets": "sets",
    "set": "sets",
    "reps": "reps",
    "rep": "reps",
    "repetitions": "reps",
    "minutes": "minutes",
    "min": "minutes",
    "duration_min": "minutes",
    "notes": "notes",
    "note": "notes",
    "comment": "notes",
}

DRILLS_DTYPES: dict[str, str] = {
    "date": "datetime64[ns]",
    "drill": "string",
    "sets": "Int64",
    "reps": "Int64",
    "minutes": "Float64",
    "notes": "string",
}


#: other spellings (normalised) -> name in DEFAULT_DRILLS
DRILL_SYNONYMS: dict[str, str] = {
    "toe yogas": "toe yoga",
    "toe drop": "toe drops",
    "short foot exercise": "short foot",
    "short foot exercises": "short foot",
    "short feet": "short foot",
    "toe rainbow": "toe rainbows",
    "banded big toe": "banded big toe with hip external rotation",
    "banded big toe hip er": "banded big toe with hip external rotation",
    "big toe band hip external rotation": "banded big toe with hip external rotation",
}


def canonical_drill(text: str) -> str:
    """Normalised drill name, mapped onto :data:`DEFAULT_DRILLS` where a synonym is known."""
    name = normalize_token(text)
    return DRILL_SYNONYMS.get(name, name)


def _count(text: str) -> int | None | bool:
    """'' -> None, '3' or '3.0' -> 3, anything else -> False (bad)."""
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return False
    return int(value) if value.is_integer() and value >= 0 else False


def sniff(head: bytes, name: str) -> bool:
    """True when the first line is a drills log header (has ``date`` and ``drill``)."""
    keys = {VARIABLE_MAP.get(column_key(c)) for c in header_cells(head[:4096])}
    return {"date", "drill"} <= keys


def read_drills(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read a drills log.

    Parameters
    ----------
    source : str, Path or bytes
        The CSV, or its content.
    name : str, optional
        File name for messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        ``date`` (local date), ``drill`` (normalised name), ``sets`` (Int64),
        ``reps`` (Int64), ``minutes`` (Float64, min), ``notes``; NA where not
        given. Sorted by date.

    Raises
    ------
    RunlogError
        No ``date`` or ``drill`` column; or the first bad row (unparseable
        date, empty drill, sets/reps not a whole number >= 0, minutes not a
        number >= 0), by file and row.
    """
    table = read_csv_table(source, name=name)
    cols = map_columns(table, VARIABLE_MAP)
    for need in ("date", "drill"):
        if need not in cols:
            raise RunlogError(
                f"no '{need}' column (a drills log needs date,drill[,sets,reps,minutes,notes])",
                path=table.label,
                row=1,
            )
    records, bad = [], []

    def cell(cells, key):
        return cells[cols[key]] if key in cols else ""

    for row, cells in table.rows:
        date = parse_date(cell(cells, "date"))
        drill = canonical_drill(cell(cells, "drill"))
        sets, reps = _count(cell(cells, "sets")), _count(cell(cells, "reps"))
        minutes_text = cell(cells, "minutes").replace(",", ".")
        try:
            minutes = float(minutes_text) if minutes_text else None
        except ValueError:
            minutes = -1.0
        if date is None:
            bad.append((row, f"date '{cell(cells, 'date')}' is not YYYY-MM-DD"))
        elif not drill:
            bad.append((row, "drill is empty"))
        elif sets is False:
            bad.append((row, f"sets '{cell(cells, 'sets')}' is not a whole number >= 0"))
        elif reps is False:
            bad.append((row, f"reps '{cell(cells, 'reps')}' is not a whole number >= 0"))
        elif minutes is not None and not (minutes >= 0 and np.isfinite(minutes)):
            bad.append((row, f"minutes '{cell(cells, 'minutes')}' is not a number >= 0"))
        else:
            records.append(
                {
                    "date": date,
                    "drill": drill,
                    "sets": sets,
                    "reps": reps,
                    "minutes": minutes,
                    "notes": cell(cells, "notes") or None,
                }
            )
    raise_bad_rows(table.label, bad, table.lines)
    frame = pd.DataFrame.from_records(records, columns=list(DRILLS_DTYPES))
    frame = frame.astype(DRILLS_DTYPES)
    return frame.sort_values("date", kind="stable").reset_index(drop=True)
