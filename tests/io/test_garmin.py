"""Tests for analysis.io.garmin: real exports (data/README-exports.md) and small quirk fixtures."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.garmin import (
    HEADER_ALIASES,
    RUN_TYPE_ALIASES,
    apply_garmin_gear,
    classify_activity_type,
    parse_number,
    parse_wall_times,
    read_garmin_csv,
    read_garmin_gear,
    read_garmin_json,
    read_garmin_shoes,
    sniff_csv,
    sniff_gear,
    sniff_json,
)

# file -> rows, runs, runs distance_m, first run start as written (local wall time),
# from data/README-exports.md, "garmin_csv/"
CSV_REFERENCE = {
    "alexishuarac_es_Activities.csv": (20, 20, 131360.0, "2025-09-19 07:36:32"),
    "dennissmith0_en_noruns_Activities.csv": (20, 0, 0.0, None),
    "gisnofunrev_en_semicolon_excel_Activities.csv": (20, 13, 126750.0, "2025-07-11 16:58:00"),
    "hlasse_da_Activities.csv": (41, 41, 220790.0, "2020-03-02 15:05:08"),
    "irrif_fr_Activities.csv": (60, 50, 357340.0, "2024-05-09 15:49:57"),
    "jeremyiwk_en_miles_Activities.csv": (60, 60, 301607.2, "2022-04-18 10:31:59"),
    "kostaskes_en_nofavorite_Activities.csv": (60, 29, 276590.0, "2023-07-22 06:00:53"),
    "michielghesquiere_en_metric_Activities.csv": (20, 15, 138850.0, "2025-10-01 11:06:32"),
    "philipppro_de_Activities.csv": (60, 60, 233190.0, "2023-03-31 08:10:41"),
    "romainthomas_en_deccomma_Activities.csv": (60, 60, 697050.0, "2026-01-04 12:38:59"),
}

SWEDISH_HEADER = (
    "Aktivitetstyp,Datum,Favorit,Namn,Distans,Kalorier,Tid,Medelpuls,Maxpuls,Medelcykelkadens,"
    "Maximal cykelkadens,Medelfart,Maxfart,Total stigning,Totalt nedför,Medelsteglängd,"
    "Training Stress Score®,Färdtid,Total tid,Min. höjd,Max. höjd"
)
ITALIAN_HEADER = (
    "Tipo di attività,Data,Preferita,Titolo,Distanza,Calorie,Tempo,FC Media,FC max,TE attività aerobica,"
    "Cadenza di corsa media,Cadenza di corsa max,Passo medio,Passo migliore,Ascesa totale,Discesa totale,"
    "Lunghezza media passo,Tempo in movimento,Tempo trascorso,Quota minima,Quota massima"
)
POLISH_HEADER = (
    "Typ aktywności,Data,Ulubiony,Tytuł,Dystans,Kalorie,Czas,Średnie tętno,Maksymalne tętno,Aerobowy TE,"
    "Średni rytm biegu,Maksymalny rytm biegu,Średnie tempo,Najlepsze tempo,Całkowity wznios,Całkowity spadek,"
    "Średnia długość kroku,Czas ruchu,Upłynęło czasu,Minimalna wysokość,Maksymalna wysokość"
)
ENGLISH_HEADER = (
    "Activity Type,Date,Favorite,Title,Distance,Calories,Time,Avg HR,Max HR,Avg Run Cadence,Max Run Cadence,"
    "Avg Pace,Best Pace,Total Ascent,Total Descent,Avg Stride Length,Avg Vertical Ratio,"
    "Avg Vertical Oscillation,Steps,Moving Time,Elapsed Time"
)


def _row(*cells: str, plain: int = 3) -> str:
    """A data line as Garmin writes it: the first cells bare, the others quoted.

    Cells may be given as ``|``-separated strings to keep the fixtures short.
    """
    flat = [c for cell in cells for c in cell.split("|")]
    return ",".join([*flat[:plain], *(f'"{c}"' for c in flat[plain:])]) + "\n"


def _write(tmp_path, text: str, name: str = "Activities.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------------------
# real exports
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("filename", sorted(CSV_REFERENCE))
def test_real_csv_matches_readme(shared_data, filename):
    rows, n_runs, distance, first_start = CSV_REFERENCE[filename]
    result = read_garmin_csv(shared_data / "garmin_csv" / filename)
    schema.validate_runs(result.runs)
    schema.validate_import_log(result.log)

    log = result.log
    assert len(log) == rows  # every data row accounted for
    assert list(log["row"]) == list(range(2, rows + 2))  # header = spreadsheet row 1
    assert (log["status"] == "imported").sum() == n_runs == len(result.runs)
    assert set(log["status"]) <= {"imported", "not_a_run"}
    assert set(log.loc[log["status"] == "imported", "activity_id"]) == set(result.runs.index)
    assert result.samples.empty
    if n_runs == 0:
        return
    assert result.runs["distance_m"].sum() == pytest.approx(distance, rel=1e-3)
    first = result.runs.iloc[0]
    assert first["start_time"] == pd.Timestamp(first_start, tz="UTC")  # tz defaults to UTC
    assert first["date"] == pd.Timestamp(first_start).normalize()
    assert set(result.runs["sport"]) <= set(schema.RUN_SPORTS)
    assert (result.runs["source"] == "garmin_csv").all()
    assert result.runs.index.str.match(r"^garmin:[0-9a-f]{12}$").all()
    assert result.runs["gear_id"].isna().all()
    # Garmin's run cadence is already steps/min: no halving or doubling
    cadence = result.runs["avg_cadence_spm"].dropna()
    if len(cadence):
        assert cadence.between(100, 230).all()


def test_real_csv_sports_by_language(shared_data):
    def sports(name):
        return read_garmin_csv(shared_data / "garmin_csv" / name).runs["sport"].value_counts().to_dict()

    assert sports("philipppro_de_Activities.csv") == {
        "running": 49, "treadmill_running": 9, "track_running": 2,
    }
    assert sports("alexishuarac_es_Activities.csv") == {"running": 19, "treadmill_running": 1}
    assert sports("romainthomas_en_deccomma_Activities.csv") == {
        "running": 35, "treadmill_running": 15, "trail_running": 8, "ultra_running": 2,
    }
    kostas = read_garmin_csv(shared_data / "garmin_csv" / "kostaskes_en_nofavorite_Activities.csv").log
    assert "activity type 'Multisport' is not a run" in set(kostas["reason"])


def test_real_miles_file_is_read_as_miles_and_feet(shared_data):
    result = read_garmin_csv(shared_data / "garmin_csv" / "jeremyiwk_en_miles_Activities.csv")
    first = result.runs.iloc[0]  # "2.02" mi, "217" ft, "00:22:15", "0.87" m stride, 167 spm
    assert first["distance_m"] == pytest.approx(2.02 * 1609.344)
    assert first["elevation_gain_m"] == pytest.approx(217 * 0.3048)
    assert first["moving_time_s"] == 1335.0
    assert first["avg_step_length_mm"] == pytest.approx(870.0)
    assert first["avg_cadence_spm"] == 167.0
    assert "distances read as mi" in result.log["reason"].iloc[0]
    second = result.runs.iloc[1]  # Total Ascent "1,079" ft: a thousands separator
    assert second["elevation_gain_m"] == pytest.approx(1079 * 0.3048)
    # the same file forced to km
    forced = read_garmin_csv(shared_data / "garmin_csv" / "jeremyiwk_en_miles_Activities.csv", units="km")
    assert forced.runs["distance_m"].iloc[0] == pytest.approx(2020.0)


def test_real_file_local_time_to_utc(shared_data):
    path = shared_data / "garmin_csv" / "jeremyiwk_en_miles_Activities.csv"
    first = read_garmin_csv(path, tz="America/Los_Angeles").runs.iloc[0]
    assert first["start_time"] == pd.Timestamp("2022-04-18 17:31:59", tz="UTC")  # PDT = UTC-7
    assert first["date"] == pd.Timestamp("2022-04-18")


def test_real_decimal_comma_and_dot_thousands(shared_data):
    runs = read_garmin_csv(shared_data / "garmin_csv" / "romainthomas_en_deccomma_Activities.csv").runs
    first = runs.iloc[0]  # "3,40" km, "1,14" m stride, "9,0" cm oscillation, "7,9" % ratio
    assert first["distance_m"] == pytest.approx(3400.0)
    assert first["avg_step_length_mm"] == pytest.approx(1140.0)
    assert first["avg_vertical_oscillation_mm"] == pytest.approx(90.0)
    assert first["avg_vertical_ratio_pct"] == pytest.approx(7.9)
    assert pd.isna(first["elevation_gain_m"])  # "--" on the treadmill


def test_real_german_mixed_separators(shared_data):
    runs = read_garmin_csv(shared_data / "garmin_csv" / "philipppro_de_Activities.csv").runs
    track = runs[runs["sport"] == "track_running"]
    # one track run has Distanz "2,81" (decimal comma) while other rows use "4.23"
    assert sorted(track["distance_m"].round(1)) == [2000.0, 2810.0]
    assert runs["distance_m"].iloc[0] == pytest.approx(4230.0)


def test_real_excel_resave(shared_data):
    result = read_garmin_csv(shared_data / "garmin_csv" / "gisnofunrev_en_semicolon_excel_Activities.csv")
    first = result.runs.iloc[0]  # 5.91 km, 00:36:45 moving, 00:36:57 elapsed, 164 bpm
    assert first["distance_m"] == pytest.approx(5910.0)
    assert first["moving_time_s"] == 36 * 60 + 45
    assert first["elapsed_time_s"] == 36 * 60 + 57
    assert first["avg_heart_rate_bpm"] == 164.0


def test_real_json_has_no_runs(shared_data):
    path = shared_data / "garmin_json" / "blueaz_summarizedActivities.json"
    result = read_garmin_json(path)
    schema.validate_import_log(result.log)
    assert len(result.log) == 60
    assert (result.log["status"] == "not_a_run").all()
    assert list(result.log["row"]) == list(range(1, 61))
    assert result.runs.empty
    assert "activity type 'other' is not a run" in set(result.log["reason"])


def test_real_files_sniff(shared_data):
    for path in sorted((shared_data / "garmin_csv").glob("*.csv")):
        assert sniff_csv(path.read_bytes()[:65536], path.name), path.name
    head = (shared_data / "garmin_json" / "blueaz_summarizedActivities.json").read_bytes()[:65536]
    assert sniff_json(head, "blueaz_summarizedActivities.json")
    assert not sniff_csv(head, "x.json")
    for path in sorted((shared_data / "strava").glob("*activities.csv")):
        assert not sniff_csv(path.read_bytes()[:65536], path.name), path.name


# ---------------------------------------------------------------------------
# fixtures: languages
# ---------------------------------------------------------------------------
def test_swedish_italian_polish_headers(tmp_path):
    sv = _write(tmp_path, SWEDISH_HEADER + "\n"
                + _row("Löpning|2024-12-27 09:18:49|false|Lund Löpning|10.05|649|00:48:39|148|169|174",
                       "190|4:50|3:56|61|61|1.18|0.0|00:48:32|00:48:39|27|75")
                + _row("Styrketräning|2024-12-28 10:02:36|false|Gym|0.00|412|01:02:57|114|146|--",
                       "--|--|--|--|--|--|0.0|00:00:00|01:02:57|--|--"), "sv.csv")
    it = _write(tmp_path, ITALIAN_HEADER + "\n"
                + _row("Corsa|2023-05-02 18:30:00|false|Milano Corsa|8.12|600|00:45:10|151|170|3.1",
                       "168|180|5:34|4:40|40|38|1.07|00:44:50|00:47:00|120|140"), "it.csv")
    pl = _write(tmp_path, POLISH_HEADER + "\n"
                + _row("Bieganie|2021-10-29 17:04:38|false|Myślenice Bieganie|6.08|455|00:31:26|--|--|--",
                       "168|176|5:10|4:08|102|123|1.15|00:31:24|00:32:30|261|353"), "pl.csv")

    sv_res = read_garmin_csv(sv)
    assert list(sv_res.log["status"]) == ["imported", "not_a_run"]
    run = sv_res.runs.iloc[0]
    assert (run["sport"], run["name"]) == ("running", "Lund Löpning")
    assert run["distance_m"] == pytest.approx(10050.0)
    assert (run["moving_time_s"], run["elapsed_time_s"]) == (48 * 60 + 32, 48 * 60 + 39)
    assert run["avg_heart_rate_bpm"] == 148.0
    assert run["avg_cadence_spm"] == 174.0  # the bike-cadence column holds the run cadence on run rows
    assert run["elevation_gain_m"] == 61.0
    # every header known; the unit is the file's own (Garmin's stride is distance / steps, in m)
    assert sv_res.log["reason"].iloc[0].startswith("distances read as km: stride length x cadence x time / distance")
    assert "unrecognised" not in sv_res.log["reason"].iloc[0]

    run = read_garmin_csv(it).runs.iloc[0]
    assert (run["sport"], run["avg_heart_rate_bpm"]) == ("running", 151.0)
    assert run["distance_m"] == pytest.approx(8120.0)
    assert (run["avg_cadence_spm"], run["moving_time_s"], run["elevation_gain_m"]) == (168.0, 2690.0, 40.0)

    run = read_garmin_csv(pl).runs.iloc[0]
    assert (run["sport"], run["distance_m"], run["moving_time_s"]) == ("running", 6080.0, 1884.0)
    assert pd.isna(run["avg_heart_rate_bpm"])  # "--"
    assert run["avg_cadence_spm"] == 168.0


def test_run_types_in_many_languages():
    cases = {
        "Løb": "running", "Löpning": "running", "Løping": "running", "Juoksu": "running",
        "Futás": "running", "Bieganie": "running", "Běh": "running", "Бег": "running", "跑步": "running",
        "러닝": "running", "ランニング": "running", "Corrida": "running", "Corsa": "running",
        "Hardlopen": "running", "course a pied": "running", "CARRERA": "running", "street_running": "running",
        "Trail Running": "trail_running", "Terränglöpning": "trail_running", "트레일 러닝": "trail_running",
        "Entrenamiento en cinta": "treadmill_running", "Laufbandtraining": "treadmill_running",
        "Corrida em esteira": "treadmill_running", "跑步机": "treadmill_running", "indoor_running":
        "treadmill_running", "Laufen auf der Bahn": "track_running", "track_running": "track_running",
        "Virtual Run": "virtual_running", "virtual_run": "virtual_running", "Ultra Running": "ultra_running",
        "ultra_run": "ultra_running",
    }
    for value, sport in cases.items():
        assert classify_activity_type(value)[0] == sport, value
    for value in ("Cycling", "Walking", "Løbehjul", "Skilanglauf", "Narciarstwo biegowe", "Pool Swim",
                  "Randonnée", "Other", "Multisport", "Strength Training", ""):
        assert classify_activity_type(value)[0] is None, value
    assert classify_activity_type("Berglauf") == ("running", "keyword")  # not in the table
    assert set(RUN_TYPE_ALIASES) <= set(schema.RUN_SPORTS)


def test_alias_tables_cover_the_needed_fields():
    needed = {"activity_type", "date", "title", "distance", "time", "moving_time", "elapsed_time", "avg_hr",
              "avg_run_cadence", "total_ascent", "avg_stride_length", "avg_vertical_ratio",
              "avg_vertical_oscillation"}
    assert needed <= set(HEADER_ALIASES)
    assert all(len(HEADER_ALIASES[k]) >= 15 for k in ("activity_type", "date", "distance", "time"))


def test_key_layout_2017_with_duplicated_cadence(tmp_path):
    # 2017-18 layout: type keys, a duplicated "Gem. slagen" header, "[]" headers, mm:ss times
    header = ("Activiteittype,Datum,Favoriet,Titel,Afstand,Calorieën,Tijd,Gem. HS,Max. HS,Aeroob TE,"
              "Gem. slagen,[],Gemiddeld tempo,Beste tempo,Stijging,Hoogteverlies,Gem. staplengte,"
              "Gem. slagen,[]")
    path = _write(tmp_path, header + "\n"
                  + _row("running|2018-08-19 11:45:17|false|Zaltbommel Hardlopen|12.21|760|55:53",
                         "148|164|4.8|177|191|4:35|4:08|15|13|1.23|--|--")
                  + _row("running|2018-08-12 08:05:55|false|Zaltbommel Hardlopen|15.75|995|1:08:38",
                         "155|185|5.0|182|193|4:21|3:57|18|15|1.26|--|--")
                  + _row("open_water_swimming|2018-08-21 20:06:36|false|Maasdriel|1,276|227|32:11",
                         "--|--|0.0|--|--|2:31|0:41|--|--|0.00|--|--"))
    result = read_garmin_csv(path)
    assert list(result.log["status"]) == ["imported", "imported", "not_a_run"]
    runs = result.runs
    assert list(runs["moving_time_s"]) == [55 * 60 + 53, 3600 + 8 * 60 + 38]
    assert list(runs["avg_cadence_spm"]) == [177.0, 182.0]
    assert list(runs["distance_m"]) == [12210.0, 15750.0]
    reason = result.log["reason"].iloc[0]
    assert "unrecognised" not in reason  # "[]" is a known quirk of this layout, not reported
    assert reason.startswith("distances read as km: stride length x cadence x time / distance = ")


# ---------------------------------------------------------------------------
# fixtures: units and numbers
# ---------------------------------------------------------------------------
def test_miles_with_feet_inferred_from_stride(tmp_path):
    # 3.11 mi in 27:30 at 172 spm: stride 1.05 m x 4730 steps = 4967 m = 1597 m per unit -> miles
    row = _row("Running|2024-03-02 07:10:00|false|Boston Running|3.11|350|00:27:30|150|170|172|180",
               "8:51|7:40|1,312|1,300|1.05|8.1|3.6|4,730|00:27:20|00:28:00")
    result = read_garmin_csv(_write(tmp_path, ENGLISH_HEADER + "\n" + row))
    run = result.runs.iloc[0]
    assert run["distance_m"] == pytest.approx(3.11 * 1609.344)
    assert run["elevation_gain_m"] == pytest.approx(1312 * 0.3048)  # feet, with a thousands comma
    assert run["avg_vertical_oscillation_mm"] == pytest.approx(3.6 * 25.4)  # inches when statute
    assert "distances read as mi" in result.log["reason"].iloc[0]
    # units given: no inference, no note
    km = read_garmin_csv(_write(tmp_path, ENGLISH_HEADER + "\n" + row, "b.csv"), units="km")
    assert km.runs["distance_m"].iloc[0] == pytest.approx(3110.0)
    assert km.runs["elevation_gain_m"].iloc[0] == pytest.approx(1312.0)
    assert km.log["reason"].iloc[0] == ""
    with pytest.raises(RunlogError):
        read_garmin_csv(_write(tmp_path, ENGLISH_HEADER + "\n" + row, "c.csv"), units="miles")


def test_unit_written_in_header(tmp_path):
    header = "Activity Type,Date,Title,Distance (mi),Time,Total Ascent (m)"
    path = _write(tmp_path, header + '\nRunning,2024-03-02 07:10:00,"x","2.00","00:20:00","100"\n')
    run = read_garmin_csv(path).runs.iloc[0]
    assert run["distance_m"] == pytest.approx(2 * 1609.344)
    assert run["elevation_gain_m"] == 100.0


def test_slow_pace_without_stride_means_miles(tmp_path):
    header = "Activity Type,Date,Title,Distance,Time,Avg Pace"
    rows = ('Running,2024-03-02 07:10:00,"a","3.00","00:30:00","10:00"\n'
            'Running,2024-03-03 07:10:00,"b","4.00","00:42:00","10:30"\n')
    slow = read_garmin_csv(_write(tmp_path, header + "\n" + rows)).runs
    assert slow["distance_m"].iloc[0] == pytest.approx(3 * 1609.344)
    fast = ('Running,2024-03-02 07:10:00,"a","3.00","00:16:30","5:30"\n'
            'Running,2024-03-03 07:10:00,"b","4.00","00:22:00","5:30"\n')
    fast_runs = read_garmin_csv(_write(tmp_path, header + "\n" + fast, "f.csv")).runs
    assert fast_runs["distance_m"].iloc[0] == 3000.0


def test_parse_number_separators():
    assert parse_number('"8,966"') == 8966.0  # thousands
    assert parse_number("5,81") == pytest.approx(5.81)  # decimal comma, 2 digits
    assert parse_number("5,8") == pytest.approx(5.8)
    assert parse_number("1,006", comma_decimal=True) == pytest.approx(1.006)  # decided by the column
    assert parse_number("2.932", dot_thousands=True) == 2932.0
    assert parse_number("4.23", comma_decimal=True, dot_thousands=True) == pytest.approx(4.23)
    assert parse_number("1.234,5") == pytest.approx(1234.5)
    assert parse_number("1,234.5") == pytest.approx(1234.5)
    assert parse_number("'-3") == -3.0
    for missing in ("--", "NaN", "", "  ", "--:--:--"):
        assert pd.isna(parse_number(missing))
    with pytest.raises(ValueError):
        parse_number("abc")


def test_decimal_comma_columns(tmp_path):
    header = "Activity Type,Date,Title,Distance,Calories,Time,Avg Stride Length,Steps"
    rows = ('Running,2024-03-02 07:10:00,"a","5,81","1,006","00:30:00","1,12","5.187"\n'
            'Running,2024-03-03 07:10:00,"b","10,02","620","00:50:00","1,10","9.109"\n')
    runs = read_garmin_csv(_write(tmp_path, header + "\n" + rows)).runs
    assert list(runs["distance_m"].round(1)) == [5810.0, 10020.0]
    assert list(runs["avg_step_length_mm"].round(1)) == [1120.0, 1100.0]


def test_excel_resave_semicolon_cp1252_no_final_newline():
    header = ("Activity Type;Date;Favorite;Title;Distance;Calories;Time;Avg HR;Avg Run Cadence;Total Ascent;"
              "Avg Stride Length;Training Stress Score®;Steps;Moving Time;Elapsed Time")
    rows = ["Running;11.07.2025 16:58;FALSE;Zürich Running;5.91;473;00:36:52;164;142;25;1.10;0;5,320;"
            "00:36:45;00:36:57",
            "Cycling;10.07.2025 09:11;FALSE;Basel Cycling;2.31;81;00:07:57;132;--;18;--;0;--;"
            "00:07:11;00:07:57"]
    data = "\r\n".join([header, *rows]).encode("cp1252")  # CRLF, no newline at the end
    assert b"\xae" in data  # the (R) sign as one cp1252 byte
    result = read_garmin_csv(data, name="export.zip!Activities.csv")
    assert list(result.log["status"]) == ["imported", "not_a_run"]
    assert (result.log["source_file"] == "export.zip!Activities.csv").all()
    run = result.runs.iloc[0]
    assert run["name"] == "Zürich Running"
    assert run["start_time"] == pd.Timestamp("2025-07-11 16:58", tz="UTC")
    assert run["distance_m"] == pytest.approx(5910.0)
    assert run["source_file"] == "export.zip!Activities.csv"
    assert sniff_csv(data, "Activities.csv")


def test_bom_and_quoted_line_break_keep_row_numbers(tmp_path):
    text = ("\ufeffActivity Type,Date,Title,Distance,Time\n"
            'Running,2024-03-02 07:10:00,"two\nlines","5.00","00:25:00"\n'
            'Running,2024-03-03 07:10:00,"c","6.00","00:30:00"\n')
    result = read_garmin_csv(_write(tmp_path, text))
    assert list(result.log["row"]) == [2, 3]  # record ordinal + 1, not the line number
    assert result.runs["name"].iloc[0] == "two\nlines"


def test_placeholders_stay_missing(tmp_path):
    rows = (_row("Running|2024-03-02 07:10:00|false|gps lost|--|350|00:27:30|--|170|0|180|--|--",
                 "--|--|--|0.0|0.0|--|--:--:--|NaN")
            + _row("Running|2024-03-03 07:10:00|false|dip|5.00|350|00:25:00|150|170|172|180|5:00|4:00",
                   "'-3|2|1.16|7.5|9.0|4,300|00:24:50|00:25:10"))
    result = read_garmin_csv(_write(tmp_path, ENGLISH_HEADER + "\n" + rows))
    gps_lost, dip = result.runs.iloc[0], result.runs.iloc[1]
    assert pd.isna(gps_lost["distance_m"])  # "--" is missing, never 0
    assert pd.isna(gps_lost["avg_heart_rate_bpm"])
    assert pd.isna(gps_lost["avg_cadence_spm"])  # 0 = no sensor
    assert pd.isna(gps_lost["elevation_gain_m"])
    assert pd.isna(gps_lost["avg_vertical_ratio_pct"])
    assert gps_lost["moving_time_s"] == 27 * 60 + 30  # "--:--:--" moving time: Time stands in
    assert pd.isna(gps_lost["elapsed_time_s"])
    assert dip["elevation_gain_m"] == -3.0  # the guarding apostrophe is dropped
    assert dip["distance_m"] == 5000.0


def test_bad_rows_fail_alone(tmp_path):
    rest = "350|00:25:00|150|170|172|180|5:00|4:00|10|12|1.16|7.5|9.0|4,300|00:24:50|00:25:10"
    ok_too = _row("Running|2024-03-06 07:10:00|false|ok too|6.00", rest.replace("4,300", "5,160"))
    rows = (_row("Running|2024-03-02 07:10:00|false|ok|5.00", rest)
            + _row("Running|not a date|false|bad date|5.00", rest)
            + _row("Running|2024-03-04 07:10:00|false|bad number|five", rest)
            + _row("Running|2024-03-05 07:10:00|false|short row|5.00")
            + "\n"
            + ok_too
            + ok_too)
    result = read_garmin_csv(_write(tmp_path, ENGLISH_HEADER + "\n" + rows))
    log = result.log.set_index("row")
    assert list(log.index) == [2, 3, 4, 5, 7, 8]  # the blank line 6 is not a record
    assert list(log["status"]) == ["imported", "failed", "failed", "failed", "imported", "duplicate"]
    assert log.loc[3, "reason"] == "unreadable date 'not a date'"
    assert log.loc[4, "reason"] == "unreadable Distance 'five'"
    assert log.loc[5, "reason"] == "row has 5 fields, the header has 21"
    assert log.loc[8, "reason"] == "same row as row 7"
    assert list(result.runs["name"]) == ["ok", "ok too"]


def test_titles_with_quotes_garmin_did_not_escape(tmp_path):
    # Garmin quotes the title but writes its own double quotes bare: 20"/40" intervals, "5k" in a name
    rest = "350|00:25:00|150|170|172|180|5:00|4:00|10|12|1.16|7.5|9.0|4,300|00:24:50|00:25:10"
    rows = (_row('Running|2024-03-02 07:10:00|false|6x 20"/40" hill|5.00', rest)
            + _row('Running|2024-03-03 07:10:00|false|Tempo "5k", then easy|6.00', rest)
            + _row('Running|2024-03-04 07:10:00|false|say ""hi""|7.00', rest)  # a re-save that did escape
            + _row("Running|2024-03-05 07:10:00|false|plain|8.00", rest))
    result = read_garmin_csv(_write(tmp_path, ENGLISH_HEADER + "\n" + rows))
    assert list(result.log["status"]) == ["imported"] * 4  # the comma one failed: 22 fields for 21
    assert list(result.runs["name"]) == ['6x 20"/40" hill', 'Tempo "5k", then easy', 'say "hi"', "plain"]
    assert list(result.runs["distance_m"]) == [5000.0, 6000.0, 7000.0, 8000.0]
    assert (result.runs["avg_heart_rate_bpm"] == 150).all()


def test_rows_with_a_trailing_delimiter_keep_their_columns(tmp_path):
    # an empty field past the header's last column (a trailing comma) is accepted, as it was before the
    # repair of unescaped quotes in titles: that repair must not read such a row's fields shifted by one
    rest = "350|00:25:00|150|170|172|180|5:00|4:00|10|12|1.16|7.5|9.0|4,300|00:24:50|00:25:10"
    rows = (_row("Running|2024-03-02 07:10:00|false|Easy Run|5.00", rest).replace("\n", ",\n")
            + _row("Running|2024-03-03 07:10:00|false|Long Run|6.00", rest).replace("\n", ",\n")
            + _row('Running|2024-03-04 07:10:00|false|6x 20"/40" hill|7.00', rest).replace("\n", ",\n")
            + _row('Running|2024-03-05 07:10:00|false|Tempo "5k", then easy|8.00', rest).replace("\n", ",\n"))
    result = read_garmin_csv(_write(tmp_path, ENGLISH_HEADER + "\n" + rows))
    assert list(result.log["status"]) == ["imported"] * 4
    assert list(result.runs["name"]) == ["Easy Run", "Long Run", '6x 20"/40" hill', 'Tempo "5k", then easy']
    assert list(result.runs["distance_m"]) == [5000.0, 6000.0, 7000.0, 8000.0]
    assert (result.runs["avg_heart_rate_bpm"] == 150).all()


def test_unknown_headers_read_by_their_values(tmp_path):
    header = "Kind,When,Label,Length,Energy,Duration,Pulse"
    rows = ('Running,2024-03-02 07:10:00,"a","5.01","350","00:25:00","150"\n'
            'Skilanglauf,2024-03-03 07:10:00,"b","12.40","700","01:05:00","140"\n'
            'Berglauf,2024-03-04 07:10:00,"c","8.33","600","00:58:00","155"\n')
    result = read_garmin_csv(_write(tmp_path, header + "\n" + rows))
    assert list(result.log["status"]) == ["imported", "not_a_run", "imported"]
    runs = result.runs
    assert list(runs["distance_m"].round(1)) == [5010.0, 8330.0]
    assert list(runs["moving_time_s"]) == [1500.0, 3480.0]
    assert list(runs["name"]) == ["a", "c"]
    reason = result.log["reason"].iloc[0]
    assert "column 'When' read as start date by its values" in reason
    assert "column 'Length' read as distance by its values" in reason
    assert "unrecognised columns: 'Energy', 'Pulse'" in reason  # the ones nobody could place
    assert "read as a run by keyword" in result.log["reason"].iloc[2]


def test_whole_file_failures(tmp_path):
    with pytest.raises(RunlogError, match="empty file"):
        read_garmin_csv(_write(tmp_path, "", "empty.csv"))
    with pytest.raises(RunlogError, match="no date column"):
        read_garmin_csv(_write(tmp_path, "Activity Type,Title\nRunning,x\n", "nodate.csv"))


def test_parse_wall_times_forms():
    got = parse_wall_times(["2025-09-19 07:36:32", "11.07.2025 16:58", "13/04/2020 3:36 PM", "bad", "--"])
    assert list(got[:3]) == [pd.Timestamp("2025-09-19 07:36:32"), pd.Timestamp("2025-07-11 16:58"),
                             pd.Timestamp("2020-04-13 15:36")]
    assert got[3:].isna().all()
    # slashes with no day above 12: month first (US Excel)
    assert parse_wall_times(["7/4/2020 15:36"])[0] == pd.Timestamp("2020-07-04 15:36")


def test_slash_dates_decided_for_the_whole_column(tmp_path):
    header = "Activity Type,Date,Title,Distance,Time"
    rows = ('Running,7/4/2020 15:36,"a","5.00","00:25:00"\n'
            'Running,13/4/2020 9:00,"b","6.00","00:30:00"\n')  # 13 > 12: the column is day first
    runs = read_garmin_csv(_write(tmp_path, header + "\n" + rows)).runs
    assert list(runs["date"]) == [pd.Timestamp("2020-04-07"), pd.Timestamp("2020-04-13")]


def test_sniff_csv_languages():
    for header in (SWEDISH_HEADER, ITALIAN_HEADER, POLISH_HEADER, ENGLISH_HEADER,
                   "활동 종류,날짜,즐겨찾기,제목,거리,칼로리,시간", "活动类型,日期,我的最爱,标题,距离,热量消耗,时间",
                   "Suorituksen tyyppi,Päiväys,Suosikki,Otsikko,Matka"):
        assert sniff_csv(header.encode("utf-8") + b"\n", "Activities.csv"), header
    assert not sniff_csv(b"Activity ID,Activity Date,Activity Name,Activity Type\n", "activities.csv")
    assert not sniff_csv(b"start_time,distance_m,moving_time_s\n", "runs.csv")
    assert not sniff_csv(b"", "x.csv")
    korean = "활동 종류,날짜,즐겨찾기,제목,거리\n러닝,2026-04-11 08:41:24,false,\"러닝\",\"3.01\"\n".encode()
    cut = korean[: korean.index("러닝".encode()) + 1]  # a head that ends inside a multi-byte character
    assert sniff_csv(cut, "Activities.csv")


# ---------------------------------------------------------------------------
# fixtures: GDPR JSON and gear
# ---------------------------------------------------------------------------
def _summary(activity_id, kind, gmt_ms, local_ms, **extra):
    begin = None if gmt_ms is None else int(gmt_ms)
    base = {"activityId": activity_id, "uuidMsb": -1, "uuidLsb": -2, "name": f"act {activity_id}",
            "activityType": kind, "userProfileId": 117201932, "timeZoneId": 153, "beginTimestamp": begin,
            "eventTypeId": 9, "rule": "private", "sportType": "RUNNING", "startTimeGmt": gmt_ms,
            "startTimeLocal": local_ms, "manufacturer": "GARMIN", "lapCount": 1, "favorite": False}
    base.update(extra)
    return base


SUMMARIES = [
    # 2025-03-01 17:21:02 UTC; Arizona (UTC-7) wall time 10:21:02
    _summary(18411438705, "running", 1.740849662e12, 1.740824462e12, distance=1006500.0, duration=3011000.5,
             movingDuration=2990000.0, elapsedDuration=3100000.0, avgHr=151.0, avgRunCadence=86.0,
             avgDoubleCadence=172.0, elevationGain=4150.0, avgStrideLength=116.7, avgVerticalOscillation=8.9,
             avgVerticalRatio=7.6),
    # 2025-03-02 04:30:00 UTC = 2025-03-01 21:30 local: the local date is the day before the UTC date
    _summary(18420000001, {"typeKey": "trail_running"}, 1.7408898e12, 1.7408646e12, distance=1234567.0,
             duration=5400000.0, movingDuration=0.0, avgHr=139.0, avgRunCadence=80.0),
    _summary(18420000002, "cycling", 1.7409e12, 1.740875e12, distance=2500000.0, duration=3600000.0),
    _summary(18420000003, "treadmill_running", None, 1.740875e12, distance=500000.0),
    _summary(18420000004, "virtual_run", 1.741e12, 1.740975e12, distance=300000.0, duration=1200000.0),
]


def test_gdpr_json_runs(tmp_path):
    path = tmp_path / "me_0_summarizedActivities.json"
    path.write_text(json.dumps([{"summarizedActivitiesExport": SUMMARIES}]))
    result = read_garmin_json(path)
    schema.validate_runs(result.runs)
    schema.validate_import_log(result.log)
    assert list(result.log["status"]) == ["imported", "imported", "not_a_run", "failed", "imported"]
    assert list(result.log["row"]) == [1, 2, 3, 4, 5]
    assert result.log["reason"].iloc[3] == "no start time (startTimeGmt or beginTimestamp)"
    runs = result.runs
    assert list(runs.index) == ["garmin:18411438705", "garmin:18420000001", "garmin:18420000004"]
    assert list(runs["sport"]) == ["running", "trail_running", "virtual_running"]

    road = runs.loc["garmin:18411438705"]
    assert road["start_time"] == pd.Timestamp("2025-03-01 17:21:02", tz="UTC")
    assert road["date"] == pd.Timestamp("2025-03-01")
    assert road["distance_m"] == pytest.approx(10065.0)  # cm
    assert road["moving_time_s"] == pytest.approx(2990.0)  # ms
    assert road["elapsed_time_s"] == pytest.approx(3100.0)
    assert road["avg_cadence_spm"] == 172.0
    assert road["elevation_gain_m"] == pytest.approx(41.5)
    assert road["avg_step_length_mm"] == pytest.approx(1167.0)
    assert road["avg_vertical_oscillation_mm"] == pytest.approx(89.0)
    assert road["source"] == "garmin_json"

    trail = runs.loc["garmin:18420000001"]
    assert trail["start_time"] == pd.Timestamp("2025-03-02 04:30:00", tz="UTC")
    assert trail["date"] == pd.Timestamp("2025-03-01")  # from startTimeLocal, not the UTC date
    assert trail["moving_time_s"] == pytest.approx(5400.0)  # movingDuration 0: duration stands in
    assert trail["avg_cadence_spm"] == 160.0  # 2 x avgRunCadence (strides/min) when no avgDoubleCadence
    assert pd.isna(trail["elapsed_time_s"]) and pd.isna(trail["elevation_gain_m"])


def test_gdpr_json_errors(tmp_path):
    with pytest.raises(RunlogError, match="summarizedActivitiesExport"):
        read_garmin_json(json.dumps({"other": []}).encode(), name="x.json")
    with pytest.raises(RunlogError, match="not valid JSON"):
        read_garmin_json(b"[{", name="y.json")
    assert sniff_json(json.dumps([{"summarizedActivitiesExport": []}]).encode(), "z.json")


GEAR = {
    "gearDTOS": [
        {"gearPk": 31415926, "uuid": "a1b2", "userProfilePk": 117201932, "gearMakeName": "Altra",
         "gearModelName": "Escalante 3", "gearTypeName": "Shoes", "gearStatusName": "active",
         "displayName": "Altra Escalante", "customMakeModel": "Altra Escalante 3", "imageNameLarge": None,
         "dateBegin": "2024-11-01T00:00:00.0", "dateEnd": None, "maximumMeters": 800000.0, "notified": False,
         "createDate": "2024-11-02T10:12:00.0", "updateDate": "2024-11-02T10:12:00.0"},
        {"gearPk": 27182818, "uuid": "c3d4", "userProfilePk": 117201932, "gearMakeName": "Xero Shoes",
         "gearModelName": "Prio", "gearTypeName": "Shoes", "gearStatusName": "retired", "displayName": None,
         "customMakeModel": "Xero Prio", "dateBegin": "2023-05-01T00:00:00.0",
         "dateEnd": "2025-01-31T00:00:00.0", "maximumMeters": 0.0},
        {"gearPk": 16180339, "uuid": "e5f6", "gearMakeName": "Canyon", "gearModelName": "Grail",
         "gearTypeName": "Bike", "gearStatusName": "active", "displayName": "Gravel bike",
         "customMakeModel": "Canyon Grail", "maximumMeters": 0.0},
    ],
    "gearActivityDTOs": {
        "31415926": [{"activityId": 18411438705, "activityName": "act"}, {"activityId": 18420000004}],
        "27182818": [{"activityId": 18420000001}],
        "16180339": [{"activityId": 18420000002}],
    },
}


def test_gear_json(tmp_path):
    path = tmp_path / "me_gear.json"
    path.write_text(json.dumps(GEAR))
    assert sniff_gear(path.read_bytes(), path.name)

    links = read_garmin_gear(path)
    assert links.index.name == "activity_id"
    assert links.to_dict("index") == {
        "garmin:18411438705": {"gear_id": "31415926", "gear_name": "Altra Escalante"},
        "garmin:18420000004": {"gear_id": "31415926", "gear_name": "Altra Escalante"},
        "garmin:18420000001": {"gear_id": "27182818", "gear_name": "Xero Prio"},
    }  # the bike is not footwear

    shoes = read_garmin_shoes(path)
    schema.validate_shoes(shoes)
    assert list(shoes["name"]) == ["Altra Escalante", "Xero Prio"]
    assert list(shoes["model"]) == ["Altra Escalante 3", "Xero Prio"]
    assert list(shoes["brand"]) == ["Altra", "Xero Shoes"]
    assert shoes["retire_km"].iloc[0] == 800.0 and pd.isna(shoes["retire_km"].iloc[1])
    assert list(shoes["retired"]) == [False, True]

    summaries = tmp_path / "me_0_summarizedActivities.json"
    summaries.write_text(json.dumps([{"summarizedActivitiesExport": SUMMARIES}]))
    runs = read_garmin_json(summaries).runs
    geared = apply_garmin_gear(runs, links)
    assert list(geared["gear_name"]) == ["Altra Escalante", "Xero Prio", "Altra Escalante"]
    assert list(geared["gear_id"]) == ["31415926", "27182818", "31415926"]
    assert runs["gear_id"].isna().all()  # the input is not modified
    # gear already on a run is kept
    runs.loc["garmin:18420000001", "gear_name"] = "Hand-entered"
    assert apply_garmin_gear(runs, links).loc["garmin:18420000001", "gear_name"] == "Hand-entered"
    with pytest.raises(RunlogError, match="gearDTOS"):
        read_garmin_gear(json.dumps({"summarizedActivitiesExport": []}).encode())


# ---------------------------------------------------------------------------
# issue [M] 3: the distance unit from the file itself, said in the log
# ---------------------------------------------------------------------------
#: Garmin's column order in a language runlog has no table for (Indonesian wording as a stand-in):
#: only the activity type ("Lari", a running stem), date, title, distance and time are found, by values.
UNKNOWN_LANGUAGE_HEADER = (
    "Jenis Aktivitas,Tanggal,Favorit,Judul,Jarak,Kalori,Waktu,Rata-rata DJ,DJ Maks,Rata-rata Irama Lari,"
    "Rata-rata Langkah,Rata-rata Panjang Langkah,Waktu Bergerak"
)


def _slow_runner_rows(stride: bool = True) -> list[str]:
    """15 run-walks of 4-9 km at 9:05-9:57 min/km (a runner moving to barefoot shoes, in the heat)."""
    rows = []
    for k in range(15):
        km = 4.0 + (k * 7 % 11) * 0.5
        pace_min = 9.1 + (k % 5) * 0.2  # min/km
        cadence = 152 + (k % 6) * 2  # steps/min
        minutes = km * pace_min
        stride_m = 1000.0 / (cadence * pace_min)  # Garmin's stride: distance / steps
        secs = round(minutes * 60)
        hms = f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
        cells = [f"Lari|2025-0{1 + k // 5}-{10 + k:02d} 06:1{k % 10}:00|false|Lari pagi|{km:.2f}|{int(km * 62)}|{hms}",
                 f"141|163|{cadence}|{int(pace_min)}:{round(pace_min % 1 * 60):02d}",
                 f"{stride_m:.2f}" if stride else "--", hms]
        rows.append(_row(*cells))
    return rows


def test_unknown_language_slow_runner_distances_are_km(tmp_path):
    """Issue [M] 3: a km file in a language without a table was read as miles (1.6 x the distance)."""
    path = _write(tmp_path, UNKNOWN_LANGUAGE_HEADER + "\n" + "".join(_slow_runner_rows()), "Aktivitas.csv")
    result = read_garmin_csv(path)
    runs = result.runs
    assert len(runs) == 15
    km = sum(4.0 + (k * 7 % 11) * 0.5 for k in range(15))
    assert runs["distance_m"].sum() == pytest.approx(km * 1000, abs=1)  # not km x 1.609
    reason = result.log["reason"].iloc[0]
    assert "distances read as km: stride length x cadence x time / distance = " in reason
    assert "(columns 'Rata-rata Panjang Langkah' and 'Rata-rata Irama Lari', found by their values)" in reason
    # without stride or cadence columns: the paces and lengths decide, and a non-English header needs
    # miles to fit far better than km
    bare = read_garmin_csv(_write(tmp_path, UNKNOWN_LANGUAGE_HEADER + "\n" + "".join(_slow_runner_rows(False)),
                                  "Aktivitas2.csv"))
    assert bare.runs["distance_m"].sum() == pytest.approx(km * 1000, abs=1)
    why = bare.log["reason"].iloc[0]
    assert "distances read as km: in km the median run is 6.5 km at 9:" in why
    assert "a header in another language than English means km unless miles fit far better" in why


def test_unit_decision_is_logged_and_physics_wins_over_pace(shared_data):
    """Every file whose unit the header does not give says which unit was chosen and why."""
    for name, unit, metres in (("hlasse_da_Activities.csv", "km", 998), ("jeremyiwk_en_miles_Activities.csv", "mi",
                                                                         1602)):
        log = read_garmin_csv(shared_data / "garmin_csv" / name).log
        imported = log.loc[log["status"] == "imported", "reason"]
        assert imported.str.contains(f"distances read as {unit}: stride length x cadence x time / distance = "
                                     f"{metres} m per unit", regex=False).all()


def test_english_miles_file_without_stride_is_still_miles(shared_data, tmp_path):
    """The pace fallback on a real statute file: 11:17/km over 2.6 km fits far worse than 7:01/km over 4.2 km."""
    text = (shared_data / "garmin_csv" / "jeremyiwk_en_miles_Activities.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    drop = {rows[0].index(h) for h in ("Avg Stride Length", "Avg Run Cadence", "Max Run Cadence")}
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL).writerows([[c for j, c in enumerate(r) if j not in drop] for r in rows])
    result = read_garmin_csv(_write(tmp_path, buf.getvalue(), "miles.csv"))
    assert result.runs["distance_m"].iloc[0] == pytest.approx(2.02 * 1609.344)
    assert "distances read as mi: in km the median run is 2.6 km at 11:1" in result.log["reason"].iloc[0]


def test_pace_and_length_fallback_on_every_real_runner(shared_data):
    """Without stride data: each real runner's runs as a km file and as a miles file (same runs, / 1.609)."""
    from analysis.io.garmin import _plausible_unit
    from analysis.io.strava import read_strava

    mile = 1.609344
    files = [(f, read_strava) for f in sorted((shared_data / "strava").glob("*activities.csv"))]
    files += [(f, read_garmin_csv) for f in sorted((shared_data / "garmin_csv").glob("*.csv"))]
    right = {(lang, unit): 0 for lang in (True, False) for unit in ("km", "mi")}
    runners = 0
    for path, reader in files:
        runs = reader(path, tz="UTC").runs
        runs = runs[(runs["distance_m"] > 0) & runs["moving_time_s"].notna()]
        if len(runs) < 5:
            continue
        runners += 1
        km = runs["distance_m"].astype(float) / 1000
        t = runs["moving_time_s"].astype(float)
        for english in (True, False):
            for unit, per_unit in (("km", km), ("mi", km / mile)):
                parsed = [{"distance": d, "moving_time": s} for d, s in zip(per_unit, t, strict=True)]
                right[(english, unit)] += _plausible_unit(parsed, english)[0] == unit
    assert runners == 20
    # every km runner is read as km; in an English file most miles runners are read as miles too
    assert right[(True, "km")] == right[(False, "km")] == 20
    assert right[(True, "mi")] == 18
    # in another language km is so much likelier that only clearly slow "miles" stay miles
    assert right[(False, "mi")] == 6


def test_number_of_runs_is_the_2019_2020_name_of_the_lap_count(tmp_path):
    """Garmin's 2019-2020 layout wrote the lap count as 'Number of Runs': known, not unrecognised."""
    header = "Activity Type,Date,Title,Distance (km),Time,Avg HR,Best Lap Time,Number of Runs,Max Temp,Mystery"
    rows = 'Running,2020-04-05 08:00:00,"Easy","6.40","00:36:48","141","05:20.1","7","19.0","x"\n'
    result = read_garmin_csv(_write(tmp_path, header + "\n" + rows))
    assert result.log["status"].tolist() == ["imported"]
    assert result.runs["distance_m"].iloc[0] == pytest.approx(6400.0)
    assert result.runs["moving_time_s"].iloc[0] == 36 * 60 + 48
    reason = result.log["reason"].iloc[0]
    assert "unrecognised columns: 'Mystery'" in reason  # only the column nobody knows
    assert "Number of Runs" not in reason


def test_a_row_below_a_title_over_two_lines_names_its_line_in_a_text_editor(tmp_path):
    # row 2 spans lines 2-3: the ride (row 3) is on line 4; the log's row stays the spreadsheet row
    text = ("Activity Type,Date,Title,Distance,Time\n"
            'Running,2024-03-02 07:10:00,"two\nlines","5.00","00:25:00"\n'
            'Cycling,2024-03-03 07:10:00,"c","20.00","00:50:00"\n')
    log = read_garmin_csv(_write(tmp_path, text)).log.set_index("row")
    assert list(log.index) == [2, 3]
    assert log.loc[3, "status"] == "not_a_run"
    assert log.loc[3, "reason"] == "activity type 'Cycling' is not a run (line 4 in a text editor)"
    assert "line" not in log.loc[2, "reason"]  # on its own line
