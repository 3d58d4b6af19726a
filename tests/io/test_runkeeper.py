"""Tests for analysis.io.runkeeper: cardioActivities.csv quirks on small fixtures written here."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.runkeeper import read_runkeeper, sniff
from analysis.units import METRES_PER_FOOT, METRES_PER_MILE

# the later layout (Activity Id, Friend's Tagged), miles and feet; a note with a line break and
# doubled quotes; a manual entry without GPX file or climb; a ride; an "mm:ss" and an "h:mm:ss"
MILES = (
    "Activity Id,Date,Type,Route Name,Distance (mi),Duration,Average Pace,Average Speed (mph),"
    "Calories Burned,Climb (ft),Average Heart Rate (bpm),Friend's Tagged,Notes,GPX File\n"
    "aa11-bb22,2021-03-28 07:05:09,Running,Park loop,4.00,36:10,9:02,6.64,480.0,120.50,151,,"
    '"Easy ""recovery""\nlegs fine",2021-03-28-0705.gpx\n'
    "cc33-dd44,2021-03-27 18:30:00,Cycling,,15.20,55:00,3:37,16.58,600.0,300.00,130,,,2021-03-27-1830.gpx\n"
    "ee55-ff66,2021-03-25 06:00:00,Running,,10.00,1:32:05,9:12,6.52,1200.0,,,,\"Treadmill, hotel\",\n"
)
# the older layout without an id column, metric
KM = (
    "Date,Type,Route Name,Distance (km),Duration,Average Pace,Average Speed (km/h),Calories Burned,"
    "Climb (m),Average Heart Rate (bpm),Notes,GPX File\n"
    "2019-11-03 23:40:00,Running,,5.25,27:30,5:14,11.45,350.0,42.5,,,2019-11-03-2340.gpx\n"
    "2019-11-02 10:00:00,Walking,,2.10,25:00,11:54,5.04,110.0,,,,\n"
    "2019-11-01 10:00:00,Running,,5.00,not a time,,,,,,,\n"
    "01.11.2019 10:00,Running,,5.00,25:00,,,,,,,\n"
)


def test_miles_feet_durations_names_and_notes():
    result = read_runkeeper(MILES.encode(), name="cardioActivities.csv", tz="America/New_York")
    schema.validate_runs(result.runs)
    schema.validate_import_log(result.log)
    runs = result.runs
    assert list(runs.index) == ["runkeeper:aa11-bb22", "runkeeper:ee55-ff66"]
    park = runs.loc["runkeeper:aa11-bb22"]
    assert park["distance_m"] == pytest.approx(4.00 * 1609.344)
    assert park["moving_time_s"] == 36 * 60 + 10
    assert park["elevation_gain_m"] == pytest.approx(120.5 * 0.3048)
    assert park["avg_heart_rate_bpm"] == 151
    assert park["name"] == "Park loop"
    assert park["description"] == 'Easy "recovery"\nlegs fine'
    # 07:05:09 in New York (EDT, UTC-4 after 14 March 2021) is 11:05:09 UTC; the date is the wall date
    assert park["start_time"] == pd.Timestamp("2021-03-28T11:05:09Z")
    assert park["date"] == pd.Timestamp("2021-03-28")
    assert park["sport"] == "running" and park["source"] == "runkeeper"
    manual = runs.loc["runkeeper:ee55-ff66"]
    assert manual["moving_time_s"] == 3600 + 32 * 60 + 5
    assert pd.isna(manual["elevation_gain_m"]) and pd.isna(manual["avg_heart_rate_bpm"])  # blank: NA, not 0
    assert manual["start_time"] == pd.Timestamp("2021-03-25T10:00:00Z")  # EDT
    log = result.log
    assert log["status"].tolist() == ["imported", "imported", "not_a_run", "imported"]
    assert log["row"].tolist()[1:] == [2, 3, 4]  # records, the note's line break inside one
    # row 3 starts on line 4: the note's line break above moved it (a text editor numbers lines)
    assert log["reason"].iloc[2] == "Cycling (activity type) is not a run (line 4 in a text editor)"
    assert log["reason"].iloc[3] == ""  # imported, nothing to say: no line to look for
    assert "distance in mi, climb in ft" in log["reason"].iloc[0]
    assert "unknown headers" not in log["reason"].iloc[0]
    assert METRES_PER_MILE == 1609.344 and METRES_PER_FOOT == 0.3048


def test_older_layout_in_km_ids_from_the_date_and_bad_rows():
    result = read_runkeeper(KM.encode(), name="cardioActivities.csv")  # tz: UTC
    assert list(result.runs.index) == ["runkeeper:20191103T234000"]
    run = result.runs.iloc[0]
    assert run["distance_m"] == pytest.approx(5250.0)
    assert run["elevation_gain_m"] == pytest.approx(42.5)
    assert run["moving_time_s"] == 27 * 60 + 30
    assert run["start_time"] == pd.Timestamp("2019-11-03T23:40:00Z")
    log = result.log
    assert log["status"].tolist() == ["imported", "imported", "not_a_run", "failed", "failed"]
    assert "'not a time' is not a duration" in log["reason"].iloc[3]
    assert "column 'Date': '01.11.2019 10:00' is not a date and time" in log["reason"].iloc[4]


def test_local_date_follows_the_wall_time_not_utc():
    # 23:40 in Berlin on 3 November is 22:40 UTC: still the 3rd
    result = read_runkeeper(KM.encode(), tz="Europe/Berlin")
    run = result.runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2019-11-03T22:40:00Z")
    assert run["date"] == pd.Timestamp("2019-11-03")


def test_repeated_id_is_a_duplicate():
    one = "Activity Id,Date,Type,Distance (km),Duration,GPX File\nx1,2024-01-02 08:00:00,Running,5,25:00,\n"
    result = read_runkeeper((one + "x1,2024-01-02 08:00:00,Running,5,25:00,\n").encode())
    assert result.log["status"].tolist() == ["imported", "imported", "duplicate"]
    assert "runkeeper:x1 repeats row 2" in result.log["reason"].iloc[2]
    assert len(result.runs) == 1


def test_sniff_and_missing_unit():
    assert sniff(MILES.encode()) and sniff(KM.encode())
    assert not sniff(b"Activity ID,Activity Date,Activity Name,Activity Type,Distance,Filename\n")
    assert not sniff(b"start_time,distance_m,moving_time_s\n")
    with pytest.raises(RunlogError, match="names no unit"):
        read_runkeeper(b"Date,Type,Distance,Duration,GPX File\n2024-01-02 08:00:00,Running,5,25:00,\n")


def test_unreadable_cells_are_said_in_the_log():
    # a value that is not a number becomes NA and the run stays: it used to pass without a word in the log
    # (a row cut short after Duration is read, its missing cells blank, and the log says so)
    text = (
        "Date,Type,Route Name,Distance (km),Duration,Average Pace,Average Speed (km/h),Calories Burned,"
        "Climb (m),Average Heart Rate (bpm),Notes,GPX File\n"
        "2019-11-03 08:00:00,Running,,5.25,27:30,5:14,11.45,350.0,n/a?,14O,,\n"
        "2019-11-04 08:00:00,Running,,6.00,30:00\n"
    )
    result = read_runkeeper(text.encode(), name="cardioActivities.csv", tz="UTC")
    runs, log = result.runs, result.log.set_index("row")
    first, second = runs.iloc[0], runs.iloc[1]
    assert first["distance_m"] == pytest.approx(5250.0) and pd.isna(first["elevation_gain_m"])
    assert pd.isna(first["avg_heart_rate_bpm"])
    assert log.loc[2, "status"] == "imported"
    assert log.loc[2, "reason"] == ("column 'Climb': 'n/a?' is not a number, left blank; "
                                    "column 'Average Heart Rate (bpm)': '14O' is not a number, left blank")
    assert second["distance_m"] == pytest.approx(6000.0) and second["moving_time_s"] == 1800
    assert log.loc[3, "status"] == "imported"
    assert log.loc[3, "reason"] == "5 of 12 cells; missing columns filled empty"


def test_a_row_with_more_cells_than_the_header_fails_alone():
    """An unquoted comma in Notes gives a row two extra cells: that row fails with the reason, the others
    are read (the whole table was refused for it)."""
    text = KM.replace("2019-11-02 10:00:00,Walking,,2.10,25:00,11:54,5.04,110.0,,,,\n",
                      "2019-11-02 10:00:00,Running,,2.10,25:00,11:54,5.04,110.0,,,sore, then fine,x.gpx,extra\n")
    result = read_runkeeper(text.encode(), name="cardioActivities.csv", tz="UTC")
    log = result.log
    bad = log[log["row"] == 3].iloc[0]
    assert bad["status"] == "failed" and "row has 14 cells but the header has 12" in bad["reason"]
    assert list(result.runs.index) == ["runkeeper:20191103T234000"]  # row 2 still read
    assert list(log["row"].dropna().astype(int)) == [2, 3, 4, 5]  # every record, in file order


def test_a_row_with_fewer_cells_than_the_header_says_so_or_fails_when_cut_before_a_needed_column():
    """A row cut short after Duration is read and the log says its cells were filled empty; one cut before
    Duration fails, naming the missing columns (it failed as "'' is not a duration", as if written blank)."""
    text = (
        "Date,Type,Route Name,Distance (km),Duration,Average Pace,Average Speed (km/h),Calories Burned,"
        "Climb (m),Average Heart Rate (bpm),Notes,GPX File\n"
        "2019-11-04 08:00:00,Running,,6.00,30:00\n"  # row 2: 5 of 12 cells, Duration kept
        "2019-11-05 08:00:00,Running,,6.00\n"  # row 3: 4 of 12, no Duration
        "2019-11-06 08:00:00,Walking\n"  # row 4: 2 of 12, a walk either way
        "2019-11-07 08:00:00,Running,,5.00,25:00,,,,,,,\n"  # row 5: all 12 cells
    )
    result = read_runkeeper(text.encode(), name="cardioActivities.csv", tz="UTC")
    log = result.log.set_index("row")
    assert log.loc[2, "status"] == "imported"
    assert log.loc[2, "reason"] == "5 of 12 cells; missing columns filled empty"
    assert log.loc[3, "status"] == "failed"
    assert log.loc[3, "reason"].startswith("row has 4 of 12 cells: no Duration (the row is cut short)")
    assert log.loc[4, "status"] == "not_a_run"
    assert log.loc[4, "reason"] == "Walking (activity type) is not a run; 2 of 12 cells; missing columns filled empty"
    assert log.loc[5, "status"] == "imported" and log.loc[5, "reason"] == ""
    assert list(result.runs.index) == ["runkeeper:20191104T080000", "runkeeper:20191107T080000"]
