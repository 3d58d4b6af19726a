"""Tests for analysis.io.samsung: Samsung Health's exercise table, on small fixtures written here.

The fixtures copy the layout of real exports (line 1 names the table, line 2 is the header,
most columns prefixed ``com.samsung.health.exercise.``, rows ending in a comma the header lacks);
the first two rows carry the values of two real rows (a run and a swim) with made-up ids.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.samsung import offset_s, read_samsung, sniff

P = "com.samsung.health.exercise."
HEADER = ",".join(["title", "source_type"] + [P + c for c in (
    "datauuid", "start_time", "end_time", "time_offset", "exercise_type", "duration", "distance",
    "mean_heart_rate", "max_heart_rate", "altitude_gain", "mean_cadence", "calorie", "deviceuuid")])
# file line: what the row is
CURRENT = "\n".join([
    "com.samsung.shealth.exercise,7006011,17",  # 1
    HEADER,  # 2
    # 3: a run (the real row's start, duration and distance); UTC+0200
    ",4,aaaa0001-0000-4000-8000-000000000001,2023-11-11 09:24:21.285,2023-11-11 09:49:02.100,UTC+0200,"
    "1002,1442877,3101.814,160.0,184.0,12.5,81.5,269.409,devA,",
    # 4: a swim (the real row's start, end, offset, type and duration)
    ",4,aaaa0002-0000-4000-8000-000000000002,2026-07-10 16:39:58.319,2026-07-10 16:48:30.219,UTC-0300,"
    "14001,511900,,0.0,,,,113.08,devA,",
    # 5: an evening run in UTC that is the next morning in Tokyo; heart rate 0 (none measured)
    "Tempo,4,aaaa0003-0000-4000-8000-000000000003,2024-01-31 23:30:00.000,2024-02-01 00:12:30.000,UTC+0900,"
    "1002,2400000,8000,0,0,,,500,devB,",
    # 6: a walk
    ",4,aaaa0004-0000-4000-8000-000000000004,2024-02-02 07:00:00.000,2024-02-02 07:30:00.000,UTC+0900,"
    "1001,1800000,2500,95,,,,100,devB,",
    # 7: a start time in another layout
    ",4,aaaa0005-0000-4000-8000-000000000005,02/03/2024 07:00,,UTC+0900,1002,1800000,5000,,,,,,devB,",
    # 8: the run of line 3 again
    ",4,aaaa0001-0000-4000-8000-000000000001,2023-11-11 09:24:21.285,2023-11-11 09:49:02.100,UTC+0200,"
    "1002,1442877,3101.814,160.0,184.0,12.5,81.5,269.409,devA,",
    # 9: a run without id, distance or offset (a treadmill run logged by hand, say)
    ",2,,2024-03-05 06:15:00.000,2024-03-05 06:45:00.000,,1002,1800000,,,,,,250,devB,",
    # 10: a code runlog does not know
    ",4,aaaa0006-0000-4000-8000-000000000006,2024-03-06 18:00:00.000,2024-03-06 18:40:00.000,UTC+0100,"
    "15005,2400000,,120,,,,300,devB,",
    # 11: a duration that is not a number
    ",4,aaaa0007-0000-4000-8000-000000000007,2024-03-07 18:00:00.000,2024-03-07 18:40:00.000,UTC+0100,"
    "1002,forty,6000,,,,,,devB,",
    # 12: a blank type
    ",4,aaaa0008-0000-4000-8000-000000000008,2024-03-08 18:00:00.000,2024-03-08 18:40:00.000,UTC+0100,"
    ",2400000,6000,,,,,,devB,",
]) + "\n"

# an older layout: the table's name alone on line 1, no column prefixes, the offset in milliseconds
OLDER = (
    "com.samsung.health.exercise\n"
    "datauuid,exercise_type,duration,distance,mean_heart_rate,time_offset,start_time,end_time\n"
    "w1,1002,600000,2000,150,7200000,2021-10-08 23:10:00.000,2021-10-08 23:20:30.000\n"
)


@pytest.fixture(scope="module")
def current():
    result = read_samsung(CURRENT.encode(), name="com.samsung.shealth.exercise.20240310120000.csv",
                          tz="Europe/Berlin")
    schema.validate_runs(result.runs)
    schema.validate_import_log(result.log)
    return result


def test_a_run_row_becomes_a_run_with_its_values(current):
    run = current.runs.loc["samsung:aaaa0001-0000-4000-8000-000000000001"]
    assert run["distance_m"] == pytest.approx(3101.814)
    assert run["moving_time_s"] == pytest.approx(1442.877)  # duration: ms
    assert run["elapsed_time_s"] == pytest.approx(24 * 60 + 40.815)  # 09:24:21.285 -> 09:49:02.100
    assert run["start_time"] == pd.Timestamp("2023-11-11T09:24:21.285Z")  # written in UTC
    assert run["date"] == pd.Timestamp("2023-11-11")  # 11:24 local
    assert run["avg_heart_rate_bpm"] == 160
    assert run["elevation_gain_m"] == pytest.approx(12.5)
    assert pd.isna(run["avg_cadence_spm"])  # mean_cadence's unit is not known: not read
    assert run["sport"] == "running" and run["source"] == "samsung"
    assert run["source_file"] == "com.samsung.shealth.exercise.20240310120000.csv"


def test_the_local_date_comes_from_the_rows_offset_not_tz(current):
    tempo = current.runs.loc["samsung:aaaa0003-0000-4000-8000-000000000003"]
    assert tempo["start_time"] == pd.Timestamp("2024-01-31T23:30:00Z")
    assert tempo["date"] == pd.Timestamp("2024-02-01")  # 08:30 in UTC+0900 (Berlin: still the 31st)
    assert tempo["name"] == "Tempo"
    assert pd.isna(tempo["avg_heart_rate_bpm"])  # 0: none measured, NA not 0
    assert tempo["distance_m"] == 8000 and tempo["moving_time_s"] == 2400
    assert tempo["elapsed_time_s"] == 42 * 60 + 30


def test_a_row_without_id_distance_or_offset(current):
    run = current.runs.loc["samsung:20240305T061500"]  # no datauuid: the UTC start
    assert pd.isna(run["distance_m"])
    assert run["date"] == pd.Timestamp("2024-03-05")  # no offset: taken in tz (Berlin, 07:15)
    log = current.log.set_index("row")
    assert "no time_offset: local date taken in Europe/Berlin" in log.loc[9, "reason"]
    assert "no distance recorded" in log.loc[9, "reason"]


def test_every_row_is_in_the_log_with_its_line_number(current):
    log = current.log
    assert log["row"].iloc[0] is pd.NA and log["status"].iloc[0] == "imported"  # the file
    rows = log.iloc[1:].set_index("row")
    assert list(rows.index) == list(range(3, 13))  # line 1 the table's name, line 2 the header
    assert rows["status"].to_dict() == {
        3: "imported", 4: "not_a_run", 5: "imported", 6: "not_a_run", 7: "failed", 8: "duplicate",
        9: "imported", 10: "not_a_run", 11: "failed", 12: "failed"}
    assert rows.loc[4, "reason"] == "exercise type 14001 (swimming) is not a run"
    assert rows.loc[6, "reason"] == "exercise type 1001 (walking) is not a run"
    assert rows.loc[10, "reason"] == "exercise type 15005 (a code runlog does not know) is not a run"
    assert rows.loc[7, "reason"].startswith("column 'start_time': '02/03/2024 07:00' is not a date and time")
    assert rows.loc[8, "reason"] == "samsung:aaaa0001-0000-4000-8000-000000000001 repeats row 3"
    assert rows.loc[11, "reason"] == "column 'duration': 'forty' is not a duration in milliseconds"
    assert rows.loc[12, "reason"] == "column 'exercise_type' is blank"
    assert len(current.runs) == 3
    summary = log["reason"].iloc[0]
    assert summary.startswith("Samsung Health exercise table (com.samsung.shealth.exercise): 10 records, 3 runs")
    assert "mean_cadence not read" in summary


def test_the_older_layout_without_prefixes_and_an_offset_in_milliseconds():
    result = read_samsung(OLDER.encode(), name="com.samsung.health.exercise.202110.csv")
    run = result.runs.loc["samsung:w1"]
    assert run["start_time"] == pd.Timestamp("2021-10-08T23:10:00Z")
    assert run["date"] == pd.Timestamp("2021-10-09")  # + 2 h
    assert run["distance_m"] == 2000 and run["moving_time_s"] == 600 and run["elapsed_time_s"] == 630
    assert run["avg_heart_rate_bpm"] == 150
    assert list(result.log["status"]) == ["imported", "imported"]
    assert list(result.log["row"].iloc[1:]) == [3]


def test_offsets():
    assert offset_s("UTC+0200") == 7200
    assert offset_s("UTC-0300") == -10800
    assert offset_s("UTC+0530") == 19800
    assert offset_s("7200000") == 7200
    assert offset_s("UTC") == 0
    assert pd.isna(offset_s("")) and pd.isna(offset_s("Europe/Berlin")) and pd.isna(offset_s("99999999999"))
    assert offset_s("+0200") == 7200 and offset_s("+02:00") == 7200  # without "UTC": not 200 ms
    assert pd.isna(offset_s("200"))  # milliseconds that are no zone's offset (not whole quarter hours)


def test_sniff_takes_the_exercise_table_only():
    assert sniff(CURRENT.encode())
    assert sniff(OLDER.encode())
    assert sniff(b"\xef\xbb\xbf" + CURRENT.encode())  # a BOM
    assert sniff(CURRENT.encode("utf-16"))
    assert not sniff(b"com.samsung.shealth.exercise.weather,6010001,3\nstart_time,exercise_id\n")
    assert not sniff(b"com.samsung.shealth.sleep,7006011,11\nstart_time,end_time\n")
    assert not sniff(b"start_time,distance_m\n2024-01-01 10:00,5000\n")


def test_a_table_without_the_columns_it_needs_is_refused_in_one_line():
    text = "com.samsung.shealth.exercise,7006011,17\ntitle,com.samsung.health.exercise.start_time\n,2024-01-01\n"
    with pytest.raises(RunlogError, match="exercise table without the columns exercise_type, duration"):
        read_samsung(text.encode(), name="x.csv")
    with pytest.raises(RunlogError, match="not Samsung Health's exercise table"):
        read_samsung(b"start_time,distance_m\n", name="y.csv")


def test_a_table_with_no_rows_is_read_with_no_runs():
    result = read_samsung(("com.samsung.shealth.exercise,7006011,17\n" + HEADER + "\n").encode(), name="e.csv")
    assert result.runs.empty
    assert list(result.log["status"]) == ["imported"]
    assert "0 records, 0 runs" in result.log["reason"].iloc[0]


def test_a_table_whose_name_line_was_removed_is_still_read():
    """Users delete line 1 (the table's name) to open the table in a spreadsheet: the header is then
    line 1, starting with prefixed columns. It is the exercise table still (it was logged not_a_run
    as "a Samsung Health table that holds no workouts")."""
    text = CURRENT.split("\n", 1)[1]  # header on line 1
    assert sniff(text.encode()) and sniff(("\ufeff" + text).encode("utf-8"))
    result = read_samsung(text.encode(), name="com.samsung.shealth.exercise.20240310120000.csv", tz="Europe/Berlin")
    assert len(result.runs) == 3
    rows = result.log.iloc[1:].set_index("row")
    assert list(rows.index) == list(range(2, 12))  # one line earlier than with the name line
    assert rows.loc[2, "status"] == "imported" and rows.loc[7, "status"] == "duplicate"
    assert "(no name line, header on line 1)" in result.log["reason"].iloc[0]
    prefixed = HEADER.split(",", 2)[2]  # the header starting with com.samsung.health.exercise.datauuid
    assert sniff(f"{prefixed}\n".encode())
    assert not sniff(b"com.samsung.health.sleep.start_time,com.samsung.health.sleep.end_time\n")


def test_a_row_with_more_cells_than_the_header_fails_alone():
    """A title holding an unquoted comma shifts a row by one cell: that row fails with the reason, the others
    are read (the whole table was refused for it)."""
    lines = CURRENT.split("\n")
    lines[4] = "Tempo, hills" + lines[4][len("Tempo"):] + ",extra"  # line 5: two cells more than the header
    result = read_samsung("\n".join(lines).encode(), name="ex.csv")
    log = result.log
    bad = log[log["row"] == 5].iloc[0]
    assert bad["status"] == "failed" and "cells but the header has" in bad["reason"]
    assert "samsung:aaaa0001-0000-4000-8000-000000000001" in result.runs.index  # line 3 still read
    rows = list(log["row"].dropna().astype(int))
    assert rows == sorted(rows) and 5 in rows


def test_a_row_cut_short_before_its_distance_fails_and_one_cut_after_says_so():
    """Row 3 ends after duration (no distance, heart rate...): it was read as a run of unknown distance,
    silently; it fails naming the column. Row 5 ends after distance: read, and the log says its cells were
    filled empty."""
    lines = CURRENT.split("\n")
    cells = lines[2].split(",")
    at = cells.index("1442877")  # duration
    lines[2] = ",".join(cells[: at + 1])  # line 3: cut after duration
    cells = lines[4].split(",")
    lines[4] = ",".join(cells[: cells.index("8000") + 1])  # line 5: cut after distance
    result = read_samsung("\n".join(lines).encode(), name="ex.csv")
    log = result.log.set_index("row")
    assert log.loc[3, "status"] == "failed"
    assert log.loc[3, "reason"].startswith(f"row has {at + 1} of 15 cells: no com.samsung.health.exercise.distance")
    assert "samsung:aaaa0001-0000-4000-8000-000000000001" not in result.runs.index
    assert log.loc[5, "status"] == "imported"
    assert "9 of 15 cells; missing columns filled empty" in log.loc[5, "reason"]
    assert result.runs.loc["samsung:aaaa0003-0000-4000-8000-000000000003", "distance_m"] == 8000
