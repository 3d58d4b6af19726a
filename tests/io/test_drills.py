"""Drills log reader: reading, bad rows, sniffing (adherence: tests/test_drills.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import RunlogError
from analysis.io.drills import read_drills, sniff
from analysis.schema import DEFAULT_DRILLS
from tests.conftest import DRILLS_LOG

LOG = DRILLS_LOG


def test_read_drills(drills_log):
    d = read_drills(drills_log)
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
