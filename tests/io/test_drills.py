"""Drills log: reading, bad rows, drill days and weekly adherence."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.drills import drill_days, weekly_adherence
from analysis.errors import RunlogError
from analysis.io.drills import read_drills, sniff
from analysis.schema import DEFAULT_DRILLS

LOG = """date,drill,sets,reps,minutes,notes
2026-03-02,Toe_Yoga,3,10,,
2026-03-02,short foot,2,,"2,5",standing
2026-03-04,Toe drop,2,8,,
2026-03-10,calf raises,3,15,,
"""


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "drills.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


def test_read_drills(log):
    d = read_drills(log)
    assert list(d["drill"]) == ["toe yoga", "short foot", "toe drops", "calf raises"]
    assert str(d["sets"].dtype) == "Int64" and str(d["minutes"].dtype) == "Float64"
    assert d.loc[0, "sets"] == 3 and d.loc[0, "reps"] == 10 and pd.isna(d.loc[0, "minutes"])
    assert d.loc[1, "minutes"] == 2.5 and pd.isna(d.loc[1, "reps"])
    assert d.loc[1, "notes"] == "standing"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("2026-03-11,toe yoga,2.5,10,,", "sets '2.5'"),
        ("2026-03-11,toe yoga,2,-3,,", "reps '-3'"),
        ("2026-03-11,toe yoga,2,3,-1,", "minutes '-1'"),
        ("2026-03-11,toe yoga,2,3,abc,", "minutes 'abc'"),
        ("2026-03-11,,2,3,,", "drill is empty"),
        ("11/03/2026,toe yoga,2,3,,", "date '11/03/2026'"),
    ],
)
def test_bad_rows_named_by_file_and_row(tmp_path, line, words):
    path = tmp_path / "drills.csv"
    path.write_text(LOG + line + "\n", encoding="utf-8")
    with pytest.raises(RunlogError) as info:
        read_drills(path)
    assert (info.value.path, info.value.row) == (str(path), 6)
    assert words in info.value.reason


def test_drill_days_and_weekly_adherence(log):
    d = read_drills(log)
    days = drill_days(d, start="2026-03-02", end="2026-03-15")
    assert len(days) == 14 and days.sum() == 3
    assert days.loc["2026-03-02"] == 1 and days.loc["2026-03-03"] == 0
    adh = weekly_adherence(d, start="2026-03-02", end="2026-03-15")
    row = adh[(adh["week_start"] == "2026-03-02") & (adh["drill"] == "any")].iloc[0]
    # days with drills: 2 and 4 March -> 2 of 7 days
    assert row["days_done"] == 2 and row["days_in_week"] == 7
    assert row["adherence_pct"] == pytest.approx(100 * 2 / 7)
    toe = adh[(adh["week_start"] == "2026-03-09") & (adh["drill"] == "toe yoga")].iloc[0]
    assert toe["days_done"] == 0
    calf = adh[(adh["week_start"] == "2026-03-09") & (adh["drill"] == "calf raises")].iloc[0]
    assert calf["adherence_pct"] == pytest.approx(100 / 7)
    # every default drill appears every week, even when not done
    assert set(DEFAULT_DRILLS) <= set(adh["drill"])


def test_partial_week_uses_days_in_period(log):
    adh = weekly_adherence(read_drills(log))  # 2 to 10 March: the second week has 2 days
    row = adh[(adh["week_start"] == "2026-03-09") & (adh["drill"] == "any")].iloc[0]
    assert row["days_in_week"] == 2 and row["adherence_pct"] == pytest.approx(50.0)


def test_default_drills_list():
    assert list(DEFAULT_DRILLS) == [
        "toe yoga",
        "toe drops",
        "short foot",
        "toe rainbows",
        "banded big toe with hip external rotation",
    ]
    assert all(isinstance(v, str) and v and "\n" not in v for v in DEFAULT_DRILLS.values())


def test_sniff():
    assert sniff(LOG.encode(), "drills.csv")
    assert not sniff(b"date,time_of_day,region,side,pain\n", "pain.csv")
    # what read_drills reads, sniff recognises: a BOM, semicolons, quotes, UTF-16
    assert sniff(b'\xef\xbb\xbf"Date";"Exercise";Sets\n', "drills.csv")
    assert sniff(LOG.encode("utf-16"), "drills.csv")


def test_semicolons_and_utf16(tmp_path):
    path = tmp_path / "drills.csv"
    path.write_text(LOG.replace(",", ";").replace('"2;5"', "2,5"), encoding="utf-16")
    assert read_drills(path).equals(read_drills(LOG.encode(), name="drills.csv"))
