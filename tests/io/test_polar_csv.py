"""Tests for analysis.io.polar_csv: Polar Flow's per-session CSV, on small files written here.

The layout copies real exports (hanakysela/Polar, ``Hana_Kysela_2015-09-06_10-01-07.csv``: a
half marathon, and ``..._2015-11-01_14-28-12.csv``: a ride): the session's header on line 1,
the session on line 2 (day-first date, local start time, the account holder's name first), the
samples' header on line 3, every line ending in a comma; the sample rate on the first sample only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.ingest import read_sources
from analysis.io.polar_csv import read_polar_csv, sniff

SESSION_HEADER = (
    "Name,Sport,Date,Start time,Duration,Total distance (km),Average heart rate (bpm),Average speed (km/h),"
    "Max speed (km/h),Average pace (min/km),Max pace (min/km),Calories,Fat percentage of calories(%),"
    "Average cadence (rpm),Average stride length (cm),Running index,Training load,Ascent (m),Descent (m),"
    "Notes,Height (cm),Weight (kg),HR max,HR sit,VO2max,"
)
SAMPLES_HEADER = ("Sample rate,Time,HR (bpm),Speed (km/h),Pace (min/km),Cadence,Altitude (m),"
                  "Stride length (m),Distances (m),Temperatures (C),Power (W),")


def _file(session: str, samples: list[str]) -> bytes:
    return "\n".join([SESSION_HEADER, session, SAMPLES_HEADER, *samples, ""]).encode()


# the real half marathon's session line (only the name changed)
RUN = "Jane Doe,RUNNING,06.09.2015,10:01:07,02:16:08,21.34,160,9.4,15.6,06:23,03:51,1432,21,,,50,312,96,97,,169.0,64.0,189,55,43,"
RUN_SAMPLES = [
    "1,00:00:00,111,5.2,11:32,,213,,4.33,24.9,,",
    ",00:00:01,0,5.4,11:07,,213,,4.70,24.9,,",  # no heart rate measured
    ",00:00:02,128,7.2,08:20,,214,,7.90,24.9,,",
]


def test_a_session_is_one_run_in_the_runners_zone():
    result = read_polar_csv(_file(RUN, RUN_SAMPLES), tz="Europe/Prague", name="Jane_Doe_2015-09-06_10-01-07.csv")
    schema.validate_runs(result.runs)
    schema.validate_samples(result.samples)
    schema.validate_import_log(result.log)
    run = result.runs.iloc[0]
    assert result.runs.index[0].startswith("polar:csv-")
    assert run["sport"] == "running" and run["source"] == "polar"
    # 10:01:07 in Prague in September (CEST, UTC+2) is 08:01:07 UTC
    assert run["start_time"] == pd.Timestamp("2015-09-06T08:01:07Z")
    assert run["date"] == pd.Timestamp("2015-09-06")
    assert run["moving_time_s"] == run["elapsed_time_s"] == 2 * 3600 + 16 * 60 + 8
    assert run["distance_m"] == pytest.approx(21340)
    assert run["avg_heart_rate_bpm"] == 160
    assert run["elevation_gain_m"] == 96
    assert pd.isna(run["avg_cadence_spm"])
    assert pd.isna(run["name"])  # line 2's Name is the account holder, not the session
    samples = result.samples
    assert samples["elapsed_s"].tolist() == [0, 1, 2]
    assert samples["time"].iloc[2] == pd.Timestamp("2015-09-06T08:01:09Z")
    assert samples["speed_mps"].tolist() == pytest.approx([5.2 / 3.6, 5.4 / 3.6, 7.2 / 3.6])
    assert samples["heart_rate_bpm"].iloc[0] == 111 and np.isnan(samples["heart_rate_bpm"].iloc[1])
    assert samples["distance_m"].tolist() == pytest.approx([4.33, 4.70, 7.90])
    assert result.log["status"].tolist() == ["imported"] and result.log["row"].tolist() == [2]


def test_cadence_in_strides_is_doubled_and_the_notes_kept():
    # the session line quoted in another project's reader: cadence 73 at 8.9 km/h, a note with commas
    session = ('TRIMP Studie,RUNNING,20-06-2018,11:17:03,00:30:08,4.48,156,8.9,18.8,06:44,03:11,435,19,73,,43,79,,,'
               '"Felix Fahrtspiel, Sehr warm und sonnig",180.0,77.0,195,55,56,')
    samples = ["1,00:00:00,95,3.7,16:13,0,116,,0.70,31.3,,", ",00:00:01,97,9.0,06:40,80,116,,3.20,31.3,,",
               ",00:00:02,99,9.0,06:40,82,116,,5.70,31.3,,"]
    run = read_polar_csv(_file(session, samples)).runs.iloc[0]
    assert run["start_time"] == pd.Timestamp("2018-06-20T11:17:03Z")  # no tz: UTC
    assert run["avg_cadence_spm"] == pytest.approx(162)  # the samples' non-zero 80 and 82, x 2
    assert run["description"] == "Felix Fahrtspiel, Sehr warm und sonnig"
    without_samples = read_polar_csv(_file(session, [])).runs.iloc[0]
    assert without_samples["avg_cadence_spm"] == pytest.approx(146)  # the session's 73, x 2


def test_another_sport_is_not_a_run_and_bad_lines_name_the_fix():
    ride = "Jane Doe,CYCLING,01.11.2015,14:28:12,00:51:19,17.96,151,21.0,41.2,02:51,01:27,582,22,,,,123,149,158,,169.0,64.0,189,55,53,"
    result = read_polar_csv(_file(ride, ["1,00:00:00,112,0.0,00:00,,314,,0.00,31.5,,"]), name="ride.csv")
    assert result.runs.empty and result.samples.empty
    assert result.log[["status", "reason"]].values.tolist() == [["not_a_run", "sport CYCLING is not a run"]]
    with pytest.raises(RunlogError, match="'Date': '2015/13' is not a day-first date"):
        read_polar_csv(_file(RUN.replace("06.09.2015", "2015/13"), []), name="x.csv")
    with pytest.raises(RunlogError, match="'Duration': 'soon' is not hh:mm:ss"):
        read_polar_csv(_file(RUN.replace("02:16:08", "soon"), []), name="x.csv")


def test_sniff_and_the_loader_read_it_instead_of_refusing_it(tmp_path):
    data = _file(RUN, RUN_SAMPLES)
    assert sniff(data[:1000])
    assert not sniff(b"Name,Sport,Date,Start time,Duration\nrun,RUNNING,06.09.2015,10:01:07,00:30:00\n")
    path = tmp_path / "Jane_Doe_2015-09-06_10-01-07.csv"
    path.write_bytes(data)
    # it stopped 'runlog runs' with "CSV of unknown kind" (exit 2)
    result = read_sources([path], tz="Europe/Prague")
    assert result.log["status"].tolist() == ["imported"]
    assert result.runs["distance_m"].tolist() == [21340]


def test_a_month_first_date_is_read_so_only_where_the_file_says_it():
    """Polar Flow writes the date day first; a US account's export may not. Month first is taken where day
    first is no date (12/25/2015), or where the file name's date (Polar Flow's ``<Name>_YYYY-MM-DD_...``)
    is the month-first reading; otherwise day first, as before."""
    us = read_polar_csv(_file(RUN.replace("06.09.2015", "12/25/2015"), RUN_SAMPLES), name="x.csv")
    assert us.runs["date"].iloc[0] == pd.Timestamp("2015-12-25")
    assert "date '12/25/2015' read month first (no day-first date)" in us.log["reason"].iloc[0]
    named = read_polar_csv(_file(RUN.replace("06.09.2015", "09/06/2015"), RUN_SAMPLES),
                           name="Jane_Doe_2015-09-06_10-01-07.csv")
    assert named.runs["date"].iloc[0] == pd.Timestamp("2015-09-06")
    assert "read month first, as the file name's date says" in named.log["reason"].iloc[0]
    # the real layout: day first, the file name agreeing; and an ambiguous date with no name to tell: day first
    agreed = read_polar_csv(_file(RUN, RUN_SAMPLES), name="Jane_Doe_2015-09-06_10-01-07.csv")
    unnamed = read_polar_csv(_file(RUN, RUN_SAMPLES), name="x.csv")
    for result in (agreed, unnamed):
        assert result.runs["date"].iloc[0] == pd.Timestamp("2015-09-06")
        assert "month first" not in result.log["reason"].iloc[0]
