"""Tests of the Strava activities.csv and shoes.csv reader (analysis.io.strava).

Real exports in ../shared/data/strava are checked against data/README-exports.md;
small fixtures written here reproduce each quirk of FORMATS.md "Strava bulk export".
The export read whole (zip, folder, activity files): tests/ingest/test_strava_export.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.ingest.strava_export import is_export_folder
from analysis.io.strava import (
    HEADER_ALIASES,
    header_key,
    map_header,
    numeric_date_order,
    parse_activity_date,
    parse_number,
    read_strava,
    read_strava_shoes,
    sniff,
)
from tests.io.strava_rows import EN_HEADER, en_row, log_rows

# file -> (rows, runs, runs distance_m, runs with gear, first run start UTC), from README-exports.md
REAL_EXPORTS = {
    "ahmedaldahshoury_pre2019_activities.csv": (60, 45, 257051.7, 0, "2015-06-16T14:27:56Z"),
    "archipelagic_77col_activities.csv": (6, 3, 111615.5, 0, "2016-07-12T17:13:58Z"),
    "azaidrahman_94col_activities.csv": (60, 49, 205964.6, 32, "2016-08-15T09:53:13Z"),
    "casperhogenboom_nl_72col_activities.csv": (60, 58, 404282.8, 0, "2017-06-23T15:52:12Z"),
    "danchurchill_84col_activities.csv": (60, 56, 686065.3, 35, "2011-09-28T04:37:41Z"),
    "deansabroso_103col_activities.csv": (60, 54, 297020.7, 49, "2026-04-13T04:51:23Z"),
    "dennissmith0_87col_activities.csv": (60, 33, 276185.1, 20, "2015-02-15T15:16:50Z"),
    "dillm94_79col_activities.csv": (60, 53, 355608.4, 0, "2020-01-04T14:57:37Z"),
    "eoinlees_78col_activities.csv": (60, 46, 267495.1, 30, "2015-04-10T14:02:56Z"),
    "joboso_99col_activities.csv": (60, 44, 287632.4, 0, "2016-10-10T20:55:48Z"),
    "joranverspreet_nl_99col_activities.csv": (60, 49, 399498.6, 16, "2017-07-08T15:25:34Z"),
    "mattsoman_11col_activities.csv": (60, 32, 214540.0, 0, "2015-09-25T12:48:38Z"),
    "mattwasd_80col_activities.csv": (60, 51, 223436.3, 33, "2019-08-28T03:21:51Z"),
    "thenewthinktank_87col_activities.csv": (60, 52, 214253.2, 10, "2021-02-22T10:30:06Z"),
}

# shoes.csv -> (rows, first row (name, brand, model))
REAL_SHOES = {
    "ahmedaldahshoury_pre2019_shoes.csv": (0, None),
    "azaidrahman_shoes.csv": (2, ("K29", "ASICS", "Kayano 29")),
    "danchurchill_shoes.csv": (28, (None, "Nike", "vapor fly 4%")),
    "dennissmith0_shoes.csv": (21, ("Highlighters", "Nike", "Zoom Kiger 3")),
}

# --------------------------------------------------------------------------- real exports


@pytest.mark.parametrize("filename", sorted(REAL_EXPORTS))
def test_real_export_matches_readme(shared_data: Path, filename: str):
    rows, n_runs, distance_m, with_gear, first_start = REAL_EXPORTS[filename]
    result = read_strava(shared_data / "strava" / filename)
    runs = result.runs
    records = log_rows(result)
    assert len(records) == rows
    assert records["row"].is_unique
    assert (records["status"] == "imported").sum() == n_runs
    assert len(runs) == n_runs
    assert runs["distance_m"].sum() == pytest.approx(distance_m, rel=1e-3)
    assert int(runs["gear_name"].notna().sum()) == with_gear
    assert runs["start_time"].iloc[0] == pd.Timestamp(first_start)
    assert runs.index.str.startswith("strava:").all()
    assert set(runs["sport"]) <= set(schema.RUN_SPORTS)
    schema.validate_runs(runs)
    schema.validate_import_log(result.log)


def test_real_export_cadence_is_doubled_to_steps(shared_data: Path):
    runs = read_strava(shared_data / "strava" / "dillm94_79col_activities.csv").runs
    # first run: Average Cadence 83.19561005 strides/min
    assert runs["avg_cadence_spm"].iloc[0] == pytest.approx(2 * 83.19561005)
    assert runs["avg_cadence_spm"].dropna().between(100, 220).all()


def test_real_export_gear_id_and_rpe(shared_data: Path):
    runs = read_strava(shared_data / "strava" / "deansabroso_103col_activities.csv").runs
    with_gear = runs[runs["gear_name"] == "Adidas Adizero Evo SL"]
    assert set(with_gear["gear_id"]) == {"27116017"}
    assert runs["rpe"].dropna().between(1, 10).all()
    assert runs["rpe"].notna().any()


def test_real_export_not_a_run_names_the_type(shared_data: Path):
    result = read_strava(shared_data / "strava" / "joranverspreet_nl_99col_activities.csv")
    others = log_rows(result)
    reasons = others.loc[others["status"] == "not_a_run", "reason"]
    assert reasons.str.contains("Fietsrit").any()
    assert reasons.str.contains("Zwemmen").any()


def test_real_export_html_headers_are_not_unknown(shared_data: Path):
    result = read_strava(shared_data / "strava" / "dennissmith0_87col_activities.csv")
    assert "unknown headers" not in result.log["reason"].iloc[0]


@pytest.mark.parametrize("filename", sorted(REAL_SHOES))
def test_real_shoes(shared_data: Path, filename: str):
    rows, first = REAL_SHOES[filename]
    shoes = read_strava_shoes(shared_data / "strava" / filename)
    assert list(shoes.columns) == ["name", "brand", "model"]
    assert all(str(t) == "string" for t in shoes.dtypes)
    assert len(shoes) == rows
    if first is not None:
        assert tuple(None if pd.isna(v) else v for v in shoes.iloc[0]) == first


def test_real_files_sniff(shared_data: Path):
    for path in sorted((shared_data / "strava").glob("*activities.csv")):
        assert sniff(path.read_bytes()[:65536], path.name), path.name
    for path in sorted((shared_data / "strava").glob("*shoes.csv")):
        assert not sniff(path.read_bytes(), path.name)
    for path in sorted((shared_data / "garmin_csv").glob("*.csv")):
        assert not sniff(path.read_bytes()[:65536], path.name), path.name


# --------------------------------------------------------------------------- dates and numbers


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("Oct 6, 2022, 11:19:20 PM", "2022-10-06 23:19:20"),
        ("Oct 6, 2022, 12:05:00 AM", "2022-10-06 00:05:00"),
        ("Oct 6, 2022, 12:05:00 PM", "2022-10-06 12:05:00"),
        ("21 Feb 2024, 01:17:32", "2024-02-21 01:17:32"),
        ("09.12.2022, 15:24:49", "2022-12-09 15:24:49"),
        ("6. 9. 2026 11:18:40", "2026-09-06 11:18:40"),
        ("23 jun. 2017 15:52:12", "2017-06-23 15:52:12"),
        ("8 jul 2017, 15:25:34", "2017-07-08 15:25:34"),
        ("17 mrt. 2019 08:00:00", "2019-03-17 08:00:00"),
        ("2015-06-16 14:27:56", "2015-06-16 14:27:56"),
        ("2015-06-16T14:27:56Z", "2015-06-16 14:27:56"),
        ("6. März 2022, 07:01:02", "2022-03-06 07:01:02"),
        ("6. Okt. 2022, 23:19:20", "2022-10-06 23:19:20"),
        ("1 déc. 2022, 23:19:20", "2022-12-01 23:19:20"),
        ("3 févr. 2022 à 08:00:00", "2022-02-03 08:00:00"),
        ("12 août 2021, 10:00:00", "2021-08-12 10:00:00"),
        ("6 de oct. de 2022, 11:19:20 p. m.", "2022-10-06 23:19:20"),
        ("6 ene 2022 7:00:00", "2022-01-06 07:00:00"),
        ("6 dic 2022, 07:00:00", "2022-12-06 07:00:00"),
        ("6 gen 2022, 07:00:00", "2022-01-06 07:00:00"),
        ("6 mag 2022, 07:00:00", "2022-05-06 07:00:00"),
        ("6 de out. de 2022 07:00:00", "2022-10-06 07:00:00"),
        ("6 окт. 2022 г., 23:19:20", "2022-10-06 23:19:20"),
        ("6 мая 2022 г., 23:19:20", "2022-05-06 23:19:20"),
        ("6 paź 2022, 23:19:20", "2022-10-06 23:19:20"),
        ("6 maj 2022 23:19:20", "2022-05-06 23:19:20"),
        ("6 Eki 2022 23:19:20", "2022-10-06 23:19:20"),
        ("6.10.2022 klo 15.24.49", "2022-10-06 15:24:49"),
        ("6 marrask. 2022 klo 15.24.49", "2022-11-06 15:24:49"),
        ("2022/10/06 23:19:20", "2022-10-06 23:19:20"),
        ("2022年10月6日 下午11:19:20", "2022-10-06 23:19:20"),
        ("2022. 10. 6. 오전 11:19:20", "2022-10-06 11:19:20"),
        ("6 thg 10, 2022 23:19:20", "2022-10-06 23:19:20"),
    ],
)
def test_parse_activity_date(text: str, utc: str | None):
    if utc is None:
        with pytest.raises(ValueError):
            parse_activity_date(text)
    else:
        assert parse_activity_date(text) == pd.Timestamp(utc, tz="UTC")


@pytest.mark.parametrize("text", ["", "yesterday", "31.02.2022 10:00:00", "Oct 2022", "13:00:00 PM Oct 6, 2022"])
def test_parse_activity_date_rejects(text: str):
    with pytest.raises(ValueError):
        parse_activity_date(text)


def test_numeric_date_order_decided_per_file():
    assert numeric_date_order(["10/06/2022 10:00:00", "10/13/2022 10:00:00"]) == "mdy"
    assert numeric_date_order(["10.06.2022 10:00:00", "13.10.2022 10:00:00"]) == "dmy"
    assert numeric_date_order(["Oct 13, 2022, 1:00:00 PM"]) == "dmy"
    assert parse_activity_date("10/06/2022 10:00:00", "mdy") == pd.Timestamp("2022-10-06 10:00", tz="UTC")
    assert parse_activity_date("10/06/2022 10:00:00", "dmy") == pd.Timestamp("2022-06-10 10:00", tz="UTC")


@pytest.mark.parametrize(
    ("text", "decimal_comma", "value"),
    [
        ("1,025", False, 1025.0),
        ("4,73", False, 4.73),
        ("1,025", True, 1.025),
        ("4731.5", False, 4731.5),
        ("1.025,5", True, 1025.5),
        ("1,025.5", False, 1025.5),
        ("12 345,6", True, 12345.6),
        ("", False, None),
        ("--", False, None),
    ],
)
def test_parse_number(text: str, decimal_comma: bool, value: float | None):
    got = parse_number(text, decimal_comma)
    if value is None:
        assert pd.isna(got)
    else:
        assert got == pytest.approx(value)


def test_parse_number_rejects_text():
    with pytest.raises(ValueError):
        parse_number("fast")


# --------------------------------------------------------------------------- headers


def test_header_key_strips_html_bom_case_and_accents():
    cell = '<span class="translation_missing" title="translation missing: en-US.x.horton_values.type">Type</span>'
    assert header_key(cell) == "type"
    assert header_key("translation missing: en-US.lib.export.portability_exporter.activities.horton_values.start_time") == "starttime"
    assert header_key("\ufeffActivity ID") == header_key("activity id") == "activityid"
    assert header_key("Data dell’attività") == header_key("Data dell'attivita")


def test_map_header_selects_by_name_and_occurrence():
    cols = map_header(EN_HEADER.split(","))
    assert cols.positions["distance"] == [6, 17]
    assert cols.positions["elapsed_time"] == [5, 15]
    assert cols.positions["gear_name"] == [11]
    assert cols.positions["gear_id"] == [25]
    assert cols.unknown == []


def test_every_language_has_the_key_fields():
    for fieldname in ("activity_id", "date", "type", "distance", "gear_name", "filename"):
        assert len(HEADER_ALIASES[fieldname]) >= 23, fieldname


def test_sniff_recognises_layouts_and_rejects_others():
    assert sniff(EN_HEADER.encode() + b"\n1,2\n", "activities.csv")
    assert sniff(b"\xef\xbb\xbf" + EN_HEADER.replace(",", ";").encode("utf-8"), "x.csv")
    assert sniff(b"id,date,name,type,description,elapsed_time,distance,commute,gear,filename\n", "a.csv")
    assert sniff("Aktivitäts-ID,Aktivitätsdatum,Name der Aktivität,Aktivitätsart\n".encode("cp1252"), "a.csv")
    assert not sniff(b"Activity Type,Date,Favorite,Title,Distance,Calories,Time\n", "Activities.csv")
    assert not sniff(b"start_time,distance_m,moving_time_s,gear_name\n", "runs.csv")
    assert not sniff(b"id,date,type\n", "other.csv")
    assert not sniff(b"\x0e\x10\x00\x00.FIT", "a.fit")


# --------------------------------------------------------------------------- fixtures: quirks


def test_distance_columns_second_is_metres_lone_is_km():
    csv_2019 = EN_HEADER + "\n" + en_row(1, "Oct 6, 2022, 11:19:20 PM", "Run", "Run", "9.72", "9721.5") + "\n"
    assert read_strava(csv_2019.encode()).runs["distance_m"].iloc[0] == 9721.5
    csv_11 = (
        "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,"
        "Relative Effort,Commute,Activity Gear,Filename\n"
        '5,"25 Sep 2015, 12:48:38",Run,Run,"",3012,12.14,,false,,\n'
        '6,"26 Sep 2015, 12:48:38",Swim,Swim,"",3012,"1,623",,false,,\n'
    )
    result = read_strava(csv_11.encode(), name="early2019.csv")
    assert result.runs["distance_m"].iloc[0] == pytest.approx(12140.0)
    assert result.runs["source_file"].iloc[0] == "early2019.csv"


def test_values_units_and_blanks():
    text = EN_HEADER + "\n" + "\n".join([
        en_row(1, "Oct 6, 2022, 11:19:20 PM", "A", "Run", "5.00", "5000.0", gear="Kinvara 13  ", cadence="82.5",
               rpe="7.0", gear_id="12090302.0", hr="151.0", elevation="35.2"),
        en_row(2, "Oct 7, 2022, 11:19:20 PM", "B", "Trail Run", "6.00", "6000.0", cadence="0.0", rpe="0.0"),
        en_row(3, "Oct 8, 2022, 11:19:20 PM", "C", "Virtual Run", "7.00", "7000.0"),
    ]) + "\n"
    runs = read_strava(text.encode()).runs
    first = runs.loc["strava:1"]
    assert first["gear_name"] == "Kinvara 13"
    assert first["gear_id"] == "12090302"
    assert first["avg_cadence_spm"] == 165.0
    assert first["rpe"] == 7.0
    assert first["avg_heart_rate_bpm"] == 151.0
    assert first["elevation_gain_m"] == pytest.approx(35.2)
    assert first["moving_time_s"] == 1500.0 and first["elapsed_time_s"] == 1600.0
    second = runs.loc["strava:2"]
    assert pd.isna(second["gear_name"]) and pd.isna(second["gear_id"])
    assert pd.isna(second["avg_cadence_spm"]) and pd.isna(second["rpe"])
    assert list(runs["sport"]) == ["running", "trail_running", "virtual_running"]


def test_local_date_from_tz():
    text = EN_HEADER + "\n" + en_row(1, "Oct 6, 2022, 11:19:20 PM", "Late", "Run", "5.00", "5000.0") + "\n"
    assert read_strava(text.encode()).runs["date"].iloc[0] == pd.Timestamp("2022-10-06")
    runs = read_strava(text.encode(), tz="Europe/Berlin").runs
    assert runs["date"].iloc[0] == pd.Timestamp("2022-10-07")
    assert runs["start_time"].iloc[0] == pd.Timestamp("2022-10-06 23:19:20", tz="UTC")


def test_bad_date_row_fails_alone():
    text = EN_HEADER + "\n" + "\n".join([
        en_row(1, "Oct 6, 2022, 11:19:20 PM", "ok", "Run", "5.00", "5000.0"),
        en_row(2, "someday", "bad", "Run", "5.00", "5000.0"),
        en_row(3, "Oct 8, 2022, 11:19:20 PM", "ok too", "Run", "5.00", "5000.0"),
        en_row(4, "Oct 8, 2022, 11:19:20 PM", "bad number", "Run", "5.00", "five km"),
    ]) + "\n"
    result = read_strava(text.encode())
    assert list(result.runs.index) == ["strava:1", "strava:3"]
    records = log_rows(result).set_index("row")
    assert records.loc[3, "status"] == "failed"
    assert "'Activity Date'" in records.loc[3, "reason"] and "someday" in records.loc[3, "reason"]
    assert records.loc[5, "status"] == "failed"
    assert "'Distance'" in records.loc[5, "reason"]
    assert list(records["status"]) == ["imported", "failed", "imported", "failed"]


def test_duplicate_ids_and_spreadsheet_rounded_ids():
    text = EN_HEADER + "\n" + "\n".join([
        en_row(1, "Oct 6, 2022, 11:19:20 PM", "a", "Run", "5.00", "5000.0"),
        en_row(1, "Oct 6, 2022, 11:19:20 PM", "a", "Run", "5.00", "5000.0"),
        en_row("1.23457E+11", "Oct 6, 2022, 11:19:20 PM", "b", "Run", "5.00", "5000.0"),
    ]) + "\n"
    records = log_rows(read_strava(text.encode())).set_index("row")
    assert records.loc[3, "status"] == "duplicate" and "row 2" in records.loc[3, "reason"]
    assert records.loc[4, "status"] == "failed" and "spreadsheet" in records.loc[4, "reason"]


def test_multiline_quoted_names_keep_record_numbering():
    text = EN_HEADER + "\n" + "\n".join([
        en_row(1, "Oct 6, 2022, 11:19:20 PM", '"Morning Run\nwith a second line, and a comma"', "Run", "5.00",
               "5000.0"),
        en_row(2, "Oct 7, 2022, 11:19:20 PM", "Ride", "Ride", "20.00", "20000.0"),
        en_row(3, "Oct 8, 2022, 11:19:20 PM", "Evening Run", "Run", "5.00", "5000.0"),
    ]) + "\n"
    result = read_strava(text.encode())
    assert result.runs.loc["strava:1", "name"] == "Morning Run\nwith a second line, and a comma"
    records = log_rows(result)
    assert list(records["row"]) == [2, 3, 4]
    assert records.set_index("row").loc[4, "activity_id"] == "strava:3"


def test_html_header_cells_and_unknown_headers_listed():
    header = EN_HEADER.replace(
        "Activity Gear", '"<span class=""translation_missing"" title=""translation missing: en-US.x.gear"">Activity Gear</span>"'
    ) + ",Foo Bar,<b>Baz Qux</b>,translation missing: en-US.lib.export.horton_values.jump_count"
    text = header + "\n" + en_row(1, "Oct 6, 2022, 11:19:20 PM", "a", "Run", "5.00", "5000.0", gear="Vivo") + ",1,2,3\n"
    result = read_strava(text.encode())
    assert result.runs["gear_name"].iloc[0] == "Vivo"
    assert "2 unknown headers: Foo Bar, Baz Qux" in result.log["reason"].iloc[0]


GERMAN = (
    "Aktivitäts-ID,Aktivitätsdatum,Name der Aktivität,Aktivitätsart,Aktivitätsbeschreibung,Verstrichene Zeit,"
    "Distanz,Max. Herzfrequenz,Relativer Aufwand,Pendeln,Aktivitätsausrüstung,Dateiname,Verstrichene Zeit,"
    "Bewegungszeit,Distanz,Höhenzunahme,Durchschnittliche Herzfrequenz,Wahrgenommene Anstrengung\n"
    '101,"09.12.2022, 15:24:49",Abendlauf,Lauf,,1850,"5,01",172.0,,false,Vivobarefoot Primus ,,1850.0,1800.0,'
    "5010.0,35.0,151.0,4.0\n"
    '102,"10.12.2022, 07:00:00",Morgenradfahrt,Radfahrt,,3600,"30,00",,,false,,,3600.0,3500.0,30000.0,,,\n'
    '103,"13.12.2022, 18:00:00",Traillauf im Wald,Traillauf,,3000,"8,20",,,false,,,3000.0,2900.0,8200.0,,,\n'
)


def test_german_export():
    result = read_strava(GERMAN.encode("utf-8"), name="de/activities.csv")
    runs = result.runs
    assert list(runs.index) == ["strava:101", "strava:103"]
    assert list(runs["distance_m"]) == [5010.0, 8200.0]
    assert runs.loc["strava:101", "start_time"] == pd.Timestamp("2022-12-09 15:24:49", tz="UTC")
    assert runs.loc["strava:101", "gear_name"] == "Vivobarefoot Primus"
    assert runs.loc["strava:101", "moving_time_s"] == 1800.0
    assert runs.loc["strava:101", "rpe"] == 4.0
    assert runs.loc["strava:103", "sport"] == "trail_running"
    records = log_rows(result).set_index("row")
    assert records.loc[3, "status"] == "not_a_run" and "Radfahrt" in records.loc[3, "reason"]
    assert "unknown headers" not in result.log["reason"].iloc[0]


def test_czech_export():
    text = (
        "ID aktivity,Datum aktivity,Název aktivity,Typ aktivity,Popis aktivity,Uplynulý čas,Vzdálenost,"
        "Maximální tepová frekvence,Relativní úsilí,Dojíždění,Soukromá poznámka k aktivitě,Vybavení na aktivitu,"
        "Název souboru,Hmotnost sportovce,Hmotnost kola,Uplynulý čas,Aktivní čas,Vzdálenost,Maximální rychlost,"
        "Průměrná rychlost,Nastoupaná výška\n"
        '1001,"6. 9. 2026 11:18:40",Ranní běh,Běh,"popis,\nna dva řádky",1850,"5,01",172.0,,,,,,,,1850.0,'
        "1800.0,5010.0,,2.78,35.0\n"
    )
    runs = read_strava(text.encode()).runs
    assert runs.loc["strava:1001", "start_time"] == pd.Timestamp("2026-09-06 11:18:40", tz="UTC")
    assert runs.loc["strava:1001", "distance_m"] == 5010.0
    assert runs.loc["strava:1001", "description"] == "popis,\nna dva řádky"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_excel_resave(encoding: str):
    """Semicolons, decimal commas, CRLF, FALSE, a quoted name with a line break, cp1252 or BOM."""
    header = EN_HEADER.replace(",", ";")
    lines = [
        header,
        '7;"6 Oct 2022, 23:19:20";"Café run\r\nsecond line";Run;;1600;5,01;;;FALSE;;Pégasus 39;;;;1600;1500;'
        "5010,5;;;12,5;81,25;;150;6;12090302",
        '8;"7 Oct 2022, 23:19:20";Swim;Swim;;1600;1,025;;;FALSE;;;;;;1600;1500;1025;;;;;;;;',
        '9;"8 Oct 2022, 23:19:20";Easy;Run;;1600;4,00;;;FALSE;;;;;;1600;1500;4000;;;;;;;;',
    ]
    data = "\r\n".join(lines).encode(encoding) + b"\r\n"
    result = read_strava(data, name="resaved.csv")
    runs = result.runs
    assert list(runs.index) == ["strava:7", "strava:9"]
    first = runs.loc["strava:7"]
    assert first["name"] == "Café run\nsecond line"
    assert first["gear_name"] == "Pégasus 39"
    assert first["distance_m"] == 5010.5
    assert first["elevation_gain_m"] == 12.5
    assert first["avg_cadence_spm"] == 162.5
    assert first["gear_id"] == "12090302"
    assert list(log_rows(result)["row"]) == [2, 3, 4]


def test_pre2019_bytes_and_file_level_log_row():
    text = (
        "id,date,name,type,description,elapsed_time,distance,commute,gear,filename\n"
        "193569570,2014-10-02 04:00:55,Morning Run,Run,,2400,8012.3,false,Bar2o2a ,activities/193569570.gpx\n"
    )
    result = read_strava(text.encode(), name="old.csv")
    run = result.runs.iloc[0]
    assert run["distance_m"] == 8012.3 and run["gear_name"] == "Bar2o2a" and run["elapsed_time_s"] == 2400
    file_row = result.log.iloc[0]
    assert pd.isna(file_row["row"]) and "pre-2019 layout" in file_row["reason"]


def test_treadmill_flag_column():
    text = EN_HEADER + ",Trainer\n" + en_row(1, "Oct 6, 2022, 11:19:20 PM", "a", "Run", "5.00", "5000.0") + ",true\n"
    assert read_strava(text.encode()).runs["sport"].iloc[0] == "treadmill_running"


def test_missing_key_column_is_a_file_error():
    with pytest.raises(RunlogError, match="activity_id"):
        read_strava(b"Activity Date,Activity Type\nOct 6, 2022,Run\n", name="x.csv")


def test_shoes_translated_header():
    german = "Schuhname,Schuhmarke,Schuhmodell\nBarfuß,Vivobarefoot,Primus Lite\n".encode("cp1252")
    assert read_strava_shoes(german).iloc[0].tolist() == ["Barfuß", "Vivobarefoot", "Primus Lite"]
    unknown_language = "Kengät,Merkki,Malli,Lajit\nA,B,C,Run\n".encode()
    assert read_strava_shoes(unknown_language).iloc[0].tolist() == ["A", "B", "C"]


# --------------------------------------------------------------------------- text and gzip (io/table.py, io/archive.py)

JA_HEADER = "アクティビティID,アクティビティの日付,アクティビティ名,アクティビティタイプ,距離"


def test_sniff_reads_a_head_cut_inside_a_character(tmp_path: Path):
    """Bug fixed: a 64 KiB head cut inside a UTF-8 character was decoded as Windows-1252, so a
    non-Latin export larger than 64 KiB was not recognised (nor its folder as an export)."""
    body = "".join(f'{i},"2022/05/30 15:53:35",朝のランニング{i},ラン,5.0\n' for i in range(2, 3000))
    for pad in ("", "0", "00"):  # moves byte 65536 through the three bytes of a character
        data = (JA_HEADER + "\n" + pad + body).encode("utf-8")
        head = data[:65536]
        assert sniff(head, "activities.csv"), pad
    with pytest.raises(UnicodeDecodeError):
        data[:65536].decode("utf-8")  # the last head was indeed cut inside a character
    (tmp_path / "activities.csv").write_bytes(data)
    assert is_export_folder(tmp_path)


def test_sniff_judges_the_first_line_as_the_reader_does():
    """The reader takes the first record as the header: a blank first line is not skipped by sniff."""
    assert not sniff(b"\n" + EN_HEADER.encode() + b"\n", "activities.csv")
    assert sniff(EN_HEADER.encode("utf-16") + b"\n\x00", "activities.csv")  # UTF-16 by its BOM


def test_shoes_csv_not_readable_as_csv_is_a_runlog_error():
    """Bug fixed: a line longer than the csv field limit escaped as csv.Error."""
    with pytest.raises(RunlogError, match="cannot read as CSV"):
        read_strava_shoes(b"a" * 200_000)




# --------------------------------------------------------------------------- the column-wise reading


def _general_date(text: str, order: str | None = None) -> pd.Timestamp:
    """parse_activity_date without its English shortcut (the general reading alone)."""
    from analysis.io import strava

    real = strava._english_date
    strava._english_date = lambda raw: None
    try:
        return strava.parse_activity_date(text, order)
    finally:
        strava._english_date = real


def _date_texts() -> list[str]:
    """English-looking dates: every month word and hour, and texts on the edge of the two forms."""
    import itertools

    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Sept", "March",
              "jan", "OCT", "Mei", "Okt", "Dez", "Thg", "thang", "Foo", "Marz", "Ma"]
    texts = []
    for month, day, hour, ampm in itertools.product(months, ["1", "06", "29", "30", "31", "0", "32"],
                                                    ["0", "1", "9", "11", "12", "13", "23", "24"],
                                                    ["AM", "PM", "pm", "aM", ""]):
        time_ = f"{hour}:05:09"
        texts.append(f"{month} {day}, 2024, {time_} {ampm}".strip())  # en-US (no AM/PM: not that form)
        texts.append(f"{day} {month} 2023, {time_}")  # en-GB (2023: no 29 February)
    texts += ["Oct 6, 2022, 11:19:60 PM", "Oct 6, 2022, 11:60:00 PM", "Oct 6, 2022,  11:19:20 PM",
              "Oct 6, 2022, 11:19:20 P.M.", "6 Oct 2022, 23:19:20 PM", "Oct 6 2022, 11:19:20 PM",
              "Oct 6, 22, 11:19:20 PM", "Oct 06, 2022, 01:19:20 AM", "Feb 29, 2024, 12:00:00 AM",
              "Feb 29, 2023, 12:00:00 AM", "Oct 6, 2022, 11:19:20 PM UTC"]
    return texts


def test_english_dates_read_as_the_general_reading_reads_them():
    """The shortcut for Strava's English dates gives the general reading's value, or its refusal, every time."""
    from analysis.io import strava

    shortcut = 0
    for text in _date_texts():
        try:
            expected = _general_date(text)
        except ValueError as exc:
            expected = exc
        shortcut += strava._english_date(text) is not None
        if isinstance(expected, ValueError):
            with pytest.raises(ValueError, match=re.escape(str(expected))):
                parse_activity_date(text)
        else:
            got = parse_activity_date(text)
            assert got == expected and got.unit == expected.unit and got.tz == expected.tz, text
    assert shortcut > 1000  # the shortcut was taken, not only the general reading


def test_numeric_date_order_ignores_english_dates_as_before():
    english = [t for t in _date_texts() if _english_form_of(t)]
    numeric = ["10/06/2022 10:00:00", "10/13/2022 10:00:00"]
    assert numeric_date_order(numeric) == "mdy"
    assert numeric_date_order(english + numeric) == "mdy"
    assert numeric_date_order(english) == "dmy"


def _english_form_of(text: str) -> bool:
    from analysis.io import strava

    return strava._english_form(text)


def test_columns_read_once_per_text_as_cell_by_cell():
    """Repeated and bad cells: each field's column gives what the per-cell functions give, row by row."""
    from analysis import units

    rng = np.random.default_rng(5)
    pool_dates = ["Oct 6, 2022, 11:19:20 PM", "6 okt. 2022 23:19:20", "yesterday", "", "31.02.2022 10:00:00",
                  "09.12.2022, 15:24:49", "2022年10月6日 下午11:19:20", "Oct 6, 2022, 0:19:20 PM"]
    pool_numbers = ["1,025", "4,73", "1:02:03", "", "--", "abc", "0", "-5", "12 345,6", "1e3", "7", "1:2:3:4",
                    "150", "150.0", "1.025,5"]
    lines = [EN_HEADER]
    for i in range(400):
        d, m, hr, cad, rpe, moving = (rng.choice(pool_dates), rng.choice(pool_numbers), rng.choice(pool_numbers),
                                      rng.choice(pool_numbers), rng.choice(pool_numbers), rng.choice(pool_numbers))
        lines.append(en_row(1000 + i, d, f"Run {i % 7}", "Run", '"5,01"', f'"{m}"', hr=f'"{hr}"',
                            cadence=f'"{cad}"', rpe=f'"{rpe}"', moving=f'"{moving}"', gear_id=str(i % 3)))
    data = ("\n".join(lines) + "\n").encode()
    whole = read_strava(data)
    records = log_rows(whole).reset_index(drop=True)
    assert records["status"].value_counts().get("failed", 0) > 50  # bad cells were met
    assert (records["status"] == "imported").sum() > 20
    for k in rng.choice(len(lines) - 1, 60, replace=False):
        alone = read_strava(("\n".join([lines[0], lines[k + 1]]) + "\n").encode())  # nothing to share a parse with
        entry, own = records.iloc[k], log_rows(alone).iloc[0]
        assert (entry["status"], entry["reason"], entry["activity_id"]) == (own["status"], own["reason"],
                                                                            own["activity_id"])
        if own["status"] == "imported":
            pd.testing.assert_frame_equal(whole.runs.loc[[own["activity_id"]]], alone.runs, check_exact=True)
    # and the numbers as the cell-by-cell rule reads them
    for text in pool_numbers:
        ours = strava_cell_number(text)
        try:
            expected = units.parse_duration_s(text) if ":" in text else parse_number(text) if text else np.nan
        except ValueError:
            assert isinstance(ours, ValueError)
            continue
        assert ours == expected or (np.isnan(ours) and np.isnan(expected))


def strava_cell_number(text: str):
    from analysis.io import strava

    return strava._each_once(lambda t: strava._cell_number(t, False), [text, text])[1]


def test_parsing_leaves_the_garbage_collector_as_it_found_it():
    import gc

    from analysis.io.strava import parse_activities_csv

    data = (EN_HEADER + "\n" + en_row(1, "Oct 6, 2022, 11:19:20 PM", "a", "Run", "5.01", "5010") + "\n").encode()
    assert gc.isenabled()
    parse_activities_csv(data, "a.csv")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_activities_csv(data, "a.csv")
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(RunlogError):
        parse_activities_csv(b"x,y\n1,2\n", "bad.csv")
    assert gc.isenabled()
    from analysis.ingest.strava_export import read_strava_export

    assert len(read_strava(data).runs) == len(read_strava_export(data, read_files=False).runs) == 1
    assert gc.isenabled()
    with pytest.raises(RunlogError):
        read_strava_export(b"x,y\n1,2\n", name="bad.csv")
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"date": "yesterday", "cadence": "x", "moving": "x"}, "Activity Date"),
        ({"cadence": "x", "rpe": "x", "distance_m": "x"}, "Average Cadence"),
        ({"rpe": "x", "distance_m": "x"}, "Perceived Exertion"),
        ({"distance_m": "x", "moving": "x", "elapsed": "x"}, "Distance"),
        ({"moving": "x", "elapsed": "x", "hr": "x"}, "Moving Time"),
        ({"elapsed": "x", "hr": "x", "elevation": "x"}, "Elapsed Time"),
        ({"hr": "x", "elevation": "x"}, "Average Heart Rate"),
        ({"elevation": "x"}, "Elevation Gain"),
    ],
)
def test_a_record_names_its_first_bad_field_among_good_records(bad: dict, named: str):
    """Fields are read column by column; a record with several bad cells still names the first, as read alone."""
    cells = {"date": "Oct 6, 2022, 11:19:20 PM", "distance_m": "5010", "cadence": "80", "rpe": "5", "moving": "1500",
             "elapsed": "1600", "hr": "150", "elevation": "12"} | bad
    date = cells.pop("date")
    good = en_row(1, "Oct 5, 2022, 11:19:20 PM", "a", "Run", "5.01", "5010")
    row = en_row(2, date, "b", "Run", "5.01", **cells)
    result = read_strava(("\n".join([EN_HEADER, good, row, good.replace("1,", "3,", 1)]) + "\n").encode())
    records = log_rows(result)
    assert list(records["status"]) == ["imported", "failed", "imported"]
    assert records["reason"].iloc[1].startswith(f"column '{named}'")


def test_lines_are_the_lines_stringio_gives_csv():
    """_lines splits as io.StringIO(newline="") does, whatever line breaks (str.splitlines knows more) the text holds."""
    import io

    from analysis.io.strava import _lines

    rng = np.random.default_rng(11)
    alphabet = list('ab,;"1 ') + ["\r", "\n", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
    for _ in range(3000):
        plain = rng.random() < 0.5  # half the texts without the other breaks: the splitlines path
        pool = alphabet[:10] if plain else alphabet
        text = "".join(rng.choice(pool, size=int(rng.integers(0, 30))))
        assert list(_lines(text)) == list(io.StringIO(text, newline="")), repr(text)


def test_a_row_below_a_multiline_name_names_its_line_in_a_text_editor():
    # row 2 spans lines 2-3: the Ride (row 3) is on line 4, the repeated id (row 4) on line 5
    text = EN_HEADER + "\n" + "\n".join([
        en_row(1, "Oct 6, 2022, 11:19:20 PM", '"Morning Run\nwith a second line"', "Run", "5.00", "5000.0"),
        en_row(2, "Oct 7, 2022, 11:19:20 PM", "Ride", "Ride", "20.00", "20000.0"),
        en_row(1, "Oct 8, 2022, 11:19:20 PM", "Evening Run", "Run", "5.00", "5000.0"),
    ]) + "\n"
    records = log_rows(read_strava(text.encode())).set_index("row")
    assert list(records.index) == [2, 3, 4]  # spreadsheet rows, as before
    assert records.loc[3, "reason"].endswith("is not a run (line 4 in a text editor)")
    assert records.loc[4, "reason"] == "Activity ID 1 repeats row 2 (line 5 in a text editor)"
    assert not records.loc[2, "reason"]  # imported, nothing to say
