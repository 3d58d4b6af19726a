"""Read an optional weekly OSTRC-O2 questionnaire per region (METHODS.md 4 and 7).

The Oslo Sports Trauma Research Center overuse questionnaire asks, for one
body area and the past 7 days, four questions: Q1 participation, Q2 reduced
training volume, Q3 reduced performance, Q4 pain. Each answer is coded
0 / 8 / 17 / 25; severity = Q1 + Q2 + Q3 + Q4 (0-100). A "substantial
problem" is Q1 = 25 or Q2 >= 17 or Q3 >= 17 (Clarsen et al. 2013, BJSM
47:495; 2020, BJSM 54:390).

CSV layout, one row per week and region::

    week,region,q1,q2,q3,q4
    2026-W10,achilles,8,8,0,8
    2026-03-09,plantar fascia,1,2,0,1

* ``week``: an ISO week (``2026-W10``) or any date in that week (it becomes
  the Monday).
* ``region``: a runlog region or a synonym (as in the pain diary), or the
  OSTRC body area (``foot``, ``ankle``, ``lower leg``, ``knee``, ``hip``);
  mapped with :data:`REGION_TO_AREA` (plantar -> foot, achilles -> ankle /
  lower leg, patellar -> knee, glute -> hip).
* ``q1``..``q4``: either the raw answer index 0-3 (first to fourth option)
  or the coded value 0/8/17/25. Each row is read on its own: values in
  {0, 1, 2, 3} are raw, values in {0, 8, 17, 25} are coded (all zeros are the
  same either way); a row mixing both, or any other value, is refused. A
  blank answer makes the row bad too (severity needs all four).

A bad row refuses the file with a :class:`~analysis.errors.RunlogError`
naming the file and row (header = row 1). The CSV is read with
:mod:`analysis.io.table`, like the pain diary.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.errors import RunlogError
from analysis.io.pain_diary import canonical_region
from analysis.io.table import (
    column_key,
    header_cells,
    map_columns,
    normalize_token,
    parse_date,
    raise_bad_rows,
    read_csv_table,
)

#: source column name (normalised) -> canonical column
VARIABLE_MAP: dict[str, str] = {
    "week": "week",
    "date": "week",
    "week_start": "week",
    "region": "region",
    "area": "region",
    "body_area": "region",
    "q1": "q1",
    "q2": "q2",
    "q3": "q3",
    "q4": "q4",
}

QUESTIONS: tuple[str, ...] = ("q1", "q2", "q3", "q4")
#: answer index (first..fourth option) -> OSTRC code
CODES: tuple[int, ...] = (0, 8, 17, 25)

#: runlog region -> OSTRC body area
REGION_TO_AREA: dict[str, str] = {
    "plantar": "foot",
    "achilles": "ankle/lower leg",
    "patellar": "knee",
    "glute": "hip",
}
#: OSTRC body area (normalised) -> runlog region
AREA_TO_REGION: dict[str, str] = {
    "foot": "plantar",
    "ankle": "achilles",
    "lower leg": "achilles",
    "ankle lower leg": "achilles",
    "knee": "patellar",
    "hip": "glute",
    "hip groin": "glute",
}

OSTRC_DTYPES: dict[str, str] = {
    "week": "datetime64[ns]",
    "region": "string",
    "area": "string",
    "q1": "Int64",
    "q2": "Int64",
    "q3": "Int64",
    "q4": "Int64",
    "severity": "Int64",
    "problem": "boolean",
    "substantial": "boolean",
}

_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})(?:-?\d)?$", re.IGNORECASE)


def parse_week(text: str) -> pd.Timestamp | None:
    """``2026-W10`` or any date of the week -> the Monday (naive midnight), or None."""
    s = str(text).strip()
    m = _ISO_WEEK.match(s)
    if m:
        try:
            return pd.Timestamp.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            return None
    date = parse_date(s)
    return None if date is None else date - pd.Timedelta(days=date.weekday())


def code_answers(values: list[int]) -> list[int] | None:
    """Four answers, raw (0-3) or coded (0/8/17/25), as coded values; None when neither."""
    if all(v in CODES for v in values):
        return list(values)
    if all(0 <= v <= 3 for v in values):
        return [CODES[v] for v in values]
    return None


def severity(q1: int, q2: int, q3: int, q4: int) -> int:
    """OSTRC severity score 0-100: the sum of the four coded answers."""
    return q1 + q2 + q3 + q4


def substantial(q1: int, q2: int, q3: int) -> bool:
    """Substantial problem: Q1 = 25 or Q2 >= 17 or Q3 >= 17 (Clarsen 2013/2020)."""
    return q1 == 25 or q2 >= 17 or q3 >= 17


def _region(text: str) -> str | None:
    return canonical_region(text) or AREA_TO_REGION.get(normalize_token(text))


def sniff(head: bytes, name: str) -> bool:
    """True when the header has a week/date, a region and q1..q4."""
    keys = {VARIABLE_MAP.get(column_key(c)) for c in header_cells(head[:4096])}
    return {"week", "region", *QUESTIONS} <= keys


def read_ostrc(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Read weekly OSTRC-O2 answers per region.

    Parameters
    ----------
    source : str, Path or bytes
        The CSV, or its content.
    name : str, optional
        File name for messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        One row per week and region: ``week`` (the Monday), ``region``
        (runlog region), ``area`` (OSTRC body area), ``q1``..``q4`` (coded
        0/8/17/25), ``severity`` (0-100), ``problem`` (any answer above 0),
        ``substantial`` (Q1 = 25 or Q2 >= 17 or Q3 >= 17). Sorted by week.

    Raises
    ------
    RunlogError
        Missing columns, or the first bad row by file and row: unreadable
        week, unknown region, answers neither raw 0-3 nor coded 0/8/17/25.

    References
    ----------
    Clarsen B et al. 2013, BJSM 47:495; Clarsen B et al. 2020, BJSM 54:390;
    METHODS.md 4.
    """
    table = read_csv_table(source, name=name)
    cols = map_columns(table, VARIABLE_MAP)
    missing = [c for c in ("week", "region", *QUESTIONS) if c not in cols]
    if missing:
        raise RunlogError(
            f"no '{missing[0]}' column (an OSTRC file needs week,region,q1,q2,q3,q4)", path=table.label, row=1
        )
    records, bad = [], []
    for row, cells in table.rows:
        week = parse_week(cells[cols["week"]])
        region = _region(cells[cols["region"]])
        raw = [cells[cols[q]] for q in QUESTIONS]
        try:
            answers = [int(v) if float(v).is_integer() else -1 for v in raw]
        except ValueError:
            answers = None
        coded = code_answers(answers) if answers is not None else None
        if week is None:
            bad.append((row, f"week '{cells[cols['week']]}' is neither YYYY-Www nor a date"))
        elif region is None:
            bad.append(
                (
                    row,
                    f"region '{cells[cols['region']]}' is not plantar, achilles, patellar or glute "
                    "(or foot, ankle, lower leg, knee, hip)",
                )
            )
        elif coded is None:
            bad.append((row, f"answers {','.join(raw)} are neither raw 0-3 nor coded 0/8/17/25"))
        else:
            q1, q2, q3, q4 = coded
            records.append(
                {
                    "week": week,
                    "region": region,
                    "area": REGION_TO_AREA[region],
                    "q1": q1,
                    "q2": q2,
                    "q3": q3,
                    "q4": q4,
                    "severity": severity(q1, q2, q3, q4),
                    "problem": any(coded),
                    "substantial": substantial(q1, q2, q3),
                }
            )
    raise_bad_rows(table.label, bad, table.lines)
    frame = pd.DataFrame.from_records(records, columns=list(OSTRC_DTYPES)).astype(OSTRC_DTYPES)
    return frame.sort_values(["week", "region"], kind="stable").reset_index(drop=True)
